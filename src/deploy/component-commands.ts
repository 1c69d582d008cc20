/**
 * The command line of every capstan component on a host, as its systemd unit runs it: the same flags an
 * operator would type (etcd's for `capstan store`, kube-apiserver's for `capstan apiserver`, the
 * kube-scheduler / kube-controller-manager ones for the leader-elected components), derived from the
 * topology so that the store members' --initial-cluster, the API servers' --etcd-servers and the
 * components' kubeconfigs always name the same hosts.
 */
import { configPaths, type ClientComponent } from './config-paths.js';
import { hostsWith, type Host, type Topology } from './topology.js';

/** Component is a capstan process with a systemd unit of its own. */
export type Component = 'store' | 'apiserver' | ClientComponent;

/** COMPONENTS lists them in start order (each after what it talks to). */
export const COMPONENTS: readonly Component[] = ['store', 'apiserver', 'scheduler', 'controller-manager', 'node'];

/** LEADER_ELECTION are Kubernetes' defaults (lease 15s, renew deadline 10s, retry 2s), written out so operators see them. */
export const LEADER_ELECTION = { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s' } as const;

/** storeClientUrl is a member's advertised client URL. */
export function storeClientUrl(t: Topology, h: Host): string {
  return `http://${h.address}:${String(t.ports.storeClient)}`;
}

/** storePeerUrl is a member's peer URL. */
export function storePeerUrl(t: Topology, h: Host): string {
  return `http://${h.address}:${String(t.ports.storePeer)}`;
}

/** apiServerUrl is the URL clients use: the VIP on haproxy's port. */
export function apiServerUrl(t: Topology): string {
  return `https://${t.vip.address}:${String(t.vip.port)}`;
}

function storeArgs(t: Topology, h: Host): string[] {
  const p = configPaths(t);
  const members = hostsWith(t, 'store');
  return [
    'store',
    `--name=${h.name}`,
    `--data-dir=${p.storeDataDir}`,
    // loopback too, so etcdctl on the member itself needs no --endpoints
    `--listen-client-urls=${storeClientUrl(t, h)},http://127.0.0.1:${String(t.ports.storeClient)}`,
    `--advertise-client-urls=${storeClientUrl(t, h)}`,
    `--listen-peer-urls=${storePeerUrl(t, h)}`,
    `--initial-advertise-peer-urls=${storePeerUrl(t, h)}`,
    `--initial-cluster=${members.map((m) => `${m.name}=${storePeerUrl(t, m)}`).join(',')}`,
    // read only when the data directory is empty: a restarted member rejoins from its WAL, as etcd's does
    '--initial-cluster-state=new',
    `--initial-cluster-token=${t.store.clusterToken}`,
    `--snapshot-count=${String(t.store.snapshotCount)}`,
    // the API server does not compact the store (kube-apiserver does, every 5 minutes): the store does it
    '--auto-compaction-mode=periodic',
    `--auto-compaction-retention=${t.store.autoCompactionRetention}`,
    `--listen-metrics-urls=http://127.0.0.1:${String(t.ports.storeMetrics)}`,
  ];
}

function apiServerArgs(t: Topology, h: Host): string[] {
  const p = configPaths(t);
  return [
    'apiserver',
    `--etcd-servers=${hostsWith(t, 'store').map((m) => storeClientUrl(t, m)).join(',')}`,
    '--bind-address=0.0.0.0',
    // the host's own address in the `kubernetes` Service's Endpoints (not the VIP: that is haproxy's)
    `--advertise-address=${h.address}`,
    `--secure-port=${String(t.ports.apiserver)}`,
    `--tls-cert-file=${p.apiserverCert}`,
    `--tls-private-key-file=${p.apiserverKey}`,
    `--token-auth-file=${p.tokenAuthFile}`,
    '--insecure-port=0',
  ];
}

function leaderElectedArgs(t: Topology, c: 'scheduler' | 'controller-manager', port: number): string[] {
  return [
    c,
    `--kubeconfig=${configPaths(t).kubeconfig(c)}`,
    `--leader-elect-lease-duration=${LEADER_ELECTION.leaseDuration}`,
    `--leader-elect-renew-deadline=${LEADER_ELECTION.renewDeadline}`,
    `--leader-elect-retry-period=${LEADER_ELECTION.retryPeriod}`,
    '--bind-address=127.0.0.1',
    `--port=${String(port)}`,
  ];
}

function nodeArgs(t: Topology, h: Host): string[] {
  return [
    'node',
    `--count=${String(h.nodes)}`,
    `--kubeconfig=${configPaths(t).kubeconfig('node')}`,
    `--node-name-prefix=${h.name}-`,
    `--port=${String(t.ports.node)}`,
  ];
}

/** componentArgs is the capstan argv (after the command itself) of component c on host h. */
export function componentArgs(t: Topology, h: Host, c: Component): string[] {
  switch (c) {
    case 'store':
      return storeArgs(t, h);
    case 'apiserver':
      return apiServerArgs(t, h);
    case 'scheduler':
      return leaderElectedArgs(t, c, t.ports.scheduler);
    case 'controller-manager':
      return leaderElectedArgs(t, c, t.ports.controllerManager);
    case 'node':
      return nodeArgs(t, h);
  }
}
