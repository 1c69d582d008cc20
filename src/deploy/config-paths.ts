/**
 * Where the files a host needs live, under the topology's configDir (/etc/capstan by default), so the
 * systemd units, the kubeconfigs and the PKI script agree on every path. The layout follows kubeadm's
 * /etc/kubernetes: pki/ for certificates and keys, one kubeconfig per component beside it.
 */
import type { Topology } from './topology.js';

/** Component is a capstan process that talks to the API as a client, with a kubeconfig and a token. */
export type ClientComponent = 'scheduler' | 'controller-manager' | 'node';

/** CLIENT_COMPONENTS lists the API clients, in the order they are rendered. */
export const CLIENT_COMPONENTS: readonly ClientComponent[] = ['scheduler', 'controller-manager', 'node'];

/** ConfigPaths are the absolute paths of a host's capstan files. */
export interface ConfigPaths {
  readonly caCert: string;
  readonly apiserverCert: string;
  readonly apiserverKey: string;
  /** tokenAuthFile is the API servers' --token-auth-file. */
  readonly tokenAuthFile: string;
  readonly tokenFile: (c: ClientComponent) => string;
  readonly kubeconfig: (c: ClientComponent) => string;
  /** storeDataDir is below the units' StateDirectory (/var/lib/capstan), which systemd creates for the user. */
  readonly storeDataDir: string;
}

/** STATE_DIRECTORY is the units' StateDirectory= (below /var/lib), owned by the capstan user. */
export const STATE_DIRECTORY = 'capstan';

/** configPaths lays the files out under t.install.configDir. */
export function configPaths(t: Topology): ConfigPaths {
  const d = t.install.configDir;
  return {
    caCert: `${d}/pki/ca.crt`,
    apiserverCert: `${d}/pki/apiserver.crt`,
    apiserverKey: `${d}/pki/apiserver.key`,
    tokenAuthFile: `${d}/pki/tokens.csv`,
    tokenFile: (c) => `${d}/tokens/${c}.token`,
    kubeconfig: (c) => `${d}/${c}.kubeconfig`,
    storeDataDir: `/var/lib/${STATE_DIRECTORY}/store`,
  };
}
