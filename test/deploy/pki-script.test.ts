/**
 * Each example's pki.sh, run for real with openssl, makes what the units and kubeconfigs expect: serving
 * certificates that chain to the CA, match their keys and are valid for the host, the VIP and the
 * `kubernetes` names; a token file the API server parses; and, for every component kubeconfig committed
 * for a host, a token in that host's tree that authenticates as the component's user. Skipped without
 * openssl or bash, unless CAPSTAN_COMPAT=required.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenAuthenticator } from '../../src/apiserver/authn.js';
import { apiServerUrl } from '../../src/deploy/component-commands.js';
import { componentUser, ADMIN_USER } from '../../src/deploy/pki-script.js';
import { hostsWith } from '../../src/deploy/topology.js';
import { loadKubeconfig, parseKubeconfig } from '../../src/components/client/kubeconfig.js';
import { compatRequired, findOnPath } from '../compat/helpers/tools.js';
import { EXAMPLE_SIZES, exampleDir, exampleTopology } from './examples.js';

const tools = findOnPath('openssl') !== undefined && findOnPath('bash') !== undefined;
const scratch = mkdtempSync(join(tmpdir(), 'capstan-deploy-pki-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it.runIf(compatRequired())('openssl and bash are installed (CAPSTAN_COMPAT=required)', () => {
  expect(tools, 'CAPSTAN_COMPAT=required but openssl or bash is missing').toBe(true);
});

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
}

describe.runIf(tools).each(EXAMPLE_SIZES)('deploy/examples/%i-members/pki.sh', (n) => {
  const t = exampleTopology(n);
  const out = join(scratch, `${String(n)}-members`);
  const run = (): ReturnType<typeof spawnSync> => spawnSync('bash', [join(exampleDir(n), 'pki.sh'), out], { encoding: 'utf8' });
  let first: ReturnType<typeof spawnSync> | undefined;
  beforeAll(() => {
    first = run();
  });
  const hostFile = (host: string, path: string): string => join(out, 'hosts', host, path);
  const ca = (): X509Certificate => new X509Certificate(readFileSync(join(out, 'ca/ca.crt')));

  it('runs to completion, and refuses to overwrite what it made', () => {
    expect(first?.stderr).toBe('');
    expect(first?.status).toBe(0);
    const again = run();
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('refusing to overwrite');
  });

  it.each(hostsWith(t, 'apiserver').map((h) => [h.name, h] as const))('%s: the serving certificate chains to the CA, matches its key and names the host, the VIP and kubernetes', (_, h) => {
    const chain = pemBlocks(readFileSync(hostFile(h.name, `${t.install.configDir}/pki/apiserver.crt`), 'utf8'));
    expect(chain).toHaveLength(2);
    const leaf = new X509Certificate(chain[0]!);
    expect(new X509Certificate(chain[1]!).fingerprint256).toBe(ca().fingerprint256);
    expect(leaf.verify(ca().publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(hostFile(h.name, `${t.install.configDir}/pki/apiserver.key`))))).toBe(true);
    for (const ip of [h.address, t.vip.address, '127.0.0.1']) expect(leaf.checkIP(ip), ip).toBe(ip);
    for (const name of [h.name, 'kubernetes.default.svc', 'localhost']) expect(leaf.checkHost(name), name).toBe(name);
    expect(leaf.checkIP('10.255.255.254')).toBeUndefined();
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(ca().ca).toBe(true);
  });

  it('every committed kubeconfig works with the token and CA pki.sh put on its host, as the component\'s user', () => {
    const tokenFile = hostFile(hostsWith(t, 'apiserver')[0]!.name, `${t.install.configDir}/pki/tokens.csv`);
    const authn = TokenAuthenticator.fromFile(tokenFile);
    let checked = 0;
    for (const h of t.hosts) {
      const configDir = join(exampleDir(n), 'hosts', h.name, t.install.configDir);
      let kubeconfigs: string[] = [];
      try {
        kubeconfigs = readdirSync(configDir).filter((f) => f.endsWith('.kubeconfig'));
      } catch {
        continue;
      }
      for (const file of kubeconfigs) {
        const component = file.replace(/\.kubeconfig$/, '') as 'scheduler' | 'controller-manager' | 'node';
        // the host's absolute paths, moved into this host's tree of pki.sh's output
        const text = readFileSync(join(configDir, file), 'utf8').replaceAll(`${t.install.configDir}/`, `${hostFile(h.name, t.install.configDir)}/`);
        const rest = parseKubeconfig(text);
        expect(rest.server).toBe(apiServerUrl(t));
        expect(rest.caData).toBe(readFileSync(join(out, 'ca/ca.crt'), 'utf8'));
        expect(authn.authenticate(`Bearer ${rest.token ?? ''}`)?.name, `${h.name} ${component}`).toBe(componentUser(component, h));
        checked++;
      }
    }
    expect(checked).toBe(hostsWith(t, 'scheduler').length + hostsWith(t, 'controller-manager').length + hostsWith(t, 'node').length);
    for (const h of hostsWith(t, 'apiserver')) expect(readFileSync(hostFile(h.name, `${t.install.configDir}/pki/tokens.csv`), 'utf8')).toBe(readFileSync(tokenFile, 'utf8'));
  });

  it('the admin kubeconfig authenticates as admin in system:masters', () => {
    const rest = loadKubeconfig(join(out, 'admin/kubeconfig'));
    expect(rest.server).toBe(apiServerUrl(t));
    const user = TokenAuthenticator.fromFile(hostFile(hostsWith(t, 'apiserver')[0]!.name, `${t.install.configDir}/pki/tokens.csv`)).authenticate(`Bearer ${rest.token ?? ''}`);
    expect(user?.name).toBe(ADMIN_USER);
    expect(user?.groups).toContain('system:masters');
  });
});
