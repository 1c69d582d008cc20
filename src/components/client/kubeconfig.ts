/**
 * Kubeconfig loading (client-go's clientcmd, the subset capstan's components need): the current context's
 * cluster (server, certificate-authority-data or certificate-authority, insecure-skip-tls-verify) and user
 * (token or tokenFile), and the context's namespace. Client certificates, exec plugins and auth providers
 * are not supported and are refused rather than ignored, so a component never runs unauthenticated by
 * mistake.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KubeconfigError } from './errors.js';

/** RestConfig is where a RestClient connects and how it authenticates (client-go's rest.Config). */
export interface RestConfig {
  /** server is the base URL, https://host:port or http://host:port (the API server's loopback port). */
  server: string;
  /** caData is the PEM bundle that verifies an https server; absent means the system's roots. */
  caData?: string;
  /** token is the bearer token sent in Authorization. */
  token?: string;
  /** insecureSkipTLSVerify skips verification of the server's certificate (never with caData). */
  insecureSkipTLSVerify?: boolean;
  /** namespace is the context's default namespace ('default' when the kubeconfig names none). */
  namespace?: string;
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new KubeconfigError(`${what} is not a mapping`);
  return v as Record<string, unknown>;
}

function optString(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new KubeconfigError(`${what} is not a string`);
  return v;
}

function findNamed(list: unknown, section: string, name: string): Record<string, unknown> {
  if (!Array.isArray(list)) throw new KubeconfigError(`kubeconfig has no ${section}`);
  for (const item of list as unknown[]) {
    const entry = asRecord(item, `an entry of ${section}`);
    if (entry['name'] === name) return entry;
  }
  throw new KubeconfigError(`${section.replace(/s$/, '')} "${name}" is not in the kubeconfig`);
}

/**
 * parseKubeconfig reads a kubeconfig document. context overrides current-context; baseDir resolves relative
 * file paths (certificate-authority, tokenFile), as clientcmd resolves them against the kubeconfig's folder.
 */
export function parseKubeconfig(text: string, options: { context?: string; baseDir?: string } = {}): RestConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new KubeconfigError(`kubeconfig is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const root = asRecord(doc, 'kubeconfig');
  const contextName = options.context ?? optString(root['current-context'], 'current-context');
  if (contextName === undefined) throw new KubeconfigError('kubeconfig has no current-context');
  const context = asRecord(findNamed(root['contexts'], 'contexts', contextName)['context'], `context "${contextName}"`);
  const clusterName = optString(context['cluster'], `context "${contextName}".cluster`);
  if (clusterName === undefined) throw new KubeconfigError(`context "${contextName}" names no cluster`);
  const cluster = asRecord(findNamed(root['clusters'], 'clusters', clusterName)['cluster'], `cluster "${clusterName}"`);
  const server = optString(cluster['server'], `cluster "${clusterName}".server`);
  if (server === undefined) throw new KubeconfigError(`cluster "${clusterName}" has no server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch (err) {
    throw new KubeconfigError(`cluster "${clusterName}": server ${JSON.stringify(server)} is not a URL`, { cause: err });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new KubeconfigError(`cluster "${clusterName}": server ${server} is neither http nor https`);
  const readRelative = (path: string, what: string): string => {
    const full = isAbsolute(path) || options.baseDir === undefined ? path : resolve(options.baseDir, path);
    try {
      return readFileSync(full, 'utf8');
    } catch (err) {
      throw new KubeconfigError(`${what}: cannot read ${full}: ${(err as Error).message}`, { cause: err });
    }
  };
  const config: RestConfig = { server: server.replace(/\/+$/, ''), namespace: optString(context['namespace'], 'context namespace') ?? 'default' };
  const caData = optString(cluster['certificate-authority-data'], 'certificate-authority-data');
  const caFile = optString(cluster['certificate-authority'], 'certificate-authority');
  if (caData !== undefined) config.caData = Buffer.from(caData, 'base64').toString('utf8');
  else if (caFile !== undefined) config.caData = readRelative(caFile, 'certificate-authority');
  const skip = cluster['insecure-skip-tls-verify'];
  if (skip !== undefined && typeof skip !== 'boolean') throw new KubeconfigError('insecure-skip-tls-verify is not a boolean');
  if (skip === true) {
    if (config.caData !== undefined) throw new KubeconfigError('specifying a root certificates file with the insecure flag is not allowed');
    config.insecureSkipTLSVerify = true;
  }
  const userName = optString(context['user'], `context "${contextName}".user`);
  if (userName !== undefined) {
    const user = asRecord(findNamed(root['users'], 'users', userName)['user'], `user "${userName}"`);
    for (const unsupported of ['client-certificate', 'client-certificate-data', 'exec', 'auth-provider', 'username']) {
      if (user[unsupported] !== undefined) throw new KubeconfigError(`user "${userName}": ${unsupported} is not supported (use a bearer token)`);
    }
    const token = optString(user['token'], 'token');
    const tokenFile = optString(user['tokenFile'], 'tokenFile');
    if (token !== undefined) config.token = token;
    else if (tokenFile !== undefined) config.token = readRelative(tokenFile, 'tokenFile').trim();
  }
  return config;
}

/** loadKubeconfig reads and parses the kubeconfig at path (relative file references resolve against its folder). */
export function loadKubeconfig(path: string, options: { context?: string } = {}): RestConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseKubeconfig(text, { ...options, baseDir: dirname(path) });
}
