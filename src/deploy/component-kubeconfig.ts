/**
 * renderComponentKubeconfig writes the kubeconfig a capstan component (or kubectl) uses: the API through the
 * VIP, the server certificate verified against the cluster CA, and a bearer token read from a file
 * (`tokenFile`, which client-go and kubectl both honour). The kubeconfig holds no secret itself, so the
 * rendered files can be committed and the tokens generated on the operator's machine (pki.sh).
 */
import { stringify as toYaml } from 'yaml';
import { apiServerUrl } from './component-commands.js';
import type { Topology } from './topology.js';

/** KubeconfigUser names who the kubeconfig authenticates as and where the CA and token are. */
export interface KubeconfigUser {
  /** user is the Kubernetes user name the token file maps the token to (system:kube-scheduler, …). */
  readonly user: string;
  readonly caCertPath: string;
  readonly tokenPath: string;
}

/** renderComponentKubeconfig renders the kubeconfig (YAML, with a trailing newline) after header comments. */
export function renderComponentKubeconfig(t: Topology, u: KubeconfigUser, header: readonly string[]): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: t.name, cluster: { server: apiServerUrl(t), 'certificate-authority': u.caCertPath } }],
    users: [{ name: u.user, user: { tokenFile: u.tokenPath } }],
    contexts: [{ name: t.name, context: { cluster: t.name, user: u.user, namespace: 'default' } }],
    'current-context': t.name,
    preferences: {},
  };
  return `${header.map((h) => (h === '' ? '#' : `# ${h}`)).join('\n')}\n${toYaml(doc)}`;
}
