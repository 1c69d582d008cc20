/**
 * What `capstan status` reports of the components: for the schedulers and controller-managers, each replica's
 * /leaderz and /healthz and the Lease they contend for (holder, since when, transitions), read through the
 * API; for node agents, each process's /healthz and its Node's Ready condition.
 */
import type { Lease } from '../../api/coordination-v1.js';
import type { Node } from '../../api/core-v1.js';
import { LEASES, NODES } from '../../components/client/resource.js';
import { RestClient } from '../../components/client/rest-client.js';
import type { LeaderStatus } from '../../components/runtime/component-server.js';
import type { ComponentRecord, ComponentsSection } from './cluster-file.js';
import { isAlive } from './processes.js';

/** ReplicaView is one leader-elected replica as status shows it. */
export interface ReplicaView {
  name: string;
  pid: number;
  running: boolean;
  healthy: boolean;
  leading: boolean;
  /** leadingSince is when its current term began (ISO 8601), while it leads. */
  leadingSince?: string;
  error?: string;
}

/** LeaseView is a component's Lease as the API server holds it. */
export interface LeaseView {
  name: string;
  holder: string;
  /** holderName is the cluster.json name of the holder, when it is one of the replicas. */
  holderName?: string;
  acquireTime?: string;
  renewTime?: string;
  transitions: number;
}

/** NodeView is one node agent and its Node. */
export interface NodeView {
  name: string;
  node: string;
  pid: number;
  running: boolean;
  healthy: boolean;
  /** ready is the Node's Ready condition status (True, False, Unknown), or '-' when the Node is missing. */
  ready: string;
  error?: string;
}

/** ComponentsView is the components part of `capstan status -o json`. */
export interface ComponentsView {
  schedulers: { lease?: LeaseView; replicas: ReplicaView[] };
  controllerManagers: { lease?: LeaseView; replicas: ReplicaView[] };
  nodes: NodeView[];
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (res.status !== 200) throw new Error(`${new URL(url).pathname}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function healthy(r: ComponentRecord): Promise<{ healthy: boolean; error?: string }> {
  try {
    const res = await fetch(`${r.healthURL}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? { healthy: true } : { healthy: false, error: `healthz: HTTP ${res.status}` };
  } catch (err) {
    return { healthy: false, error: (err as Error).message };
  }
}

async function replicaView(r: ComponentRecord): Promise<ReplicaView> {
  const v: ReplicaView = { name: r.name, pid: r.pid, running: isAlive(r.pid), healthy: false, leading: false };
  if (!v.running) return v;
  const h = await healthy(r);
  try {
    const l = await getJson<LeaderStatus>(`${r.healthURL}/leaderz`);
    return { ...v, ...h, leading: l.leading, ...(l.leadingSince === null ? {} : { leadingSince: l.leadingSince }) };
  } catch (err) {
    return { ...v, ...h, error: (err as Error).message };
  }
}

async function leaseView(client: RestClient, name: string, replicas: readonly ComponentRecord[]): Promise<LeaseView | undefined> {
  try {
    const l = await client.get<Lease>(LEASES, 'kube-system', name);
    const holder = l.spec?.holderIdentity ?? '';
    const holderName = replicas.find((r) => r.identity === holder)?.name;
    return {
      name,
      holder,
      ...(holderName === undefined ? {} : { holderName }),
      ...(l.spec?.acquireTime ? { acquireTime: l.spec.acquireTime } : {}),
      ...(l.spec?.renewTime ? { renewTime: l.spec.renewTime } : {}),
      transitions: l.spec?.leaseTransitions ?? 0,
    };
  } catch {
    return undefined;
  }
}

/** componentsView gathers the components' state; the API is reached with the admin kubeconfig. */
export async function componentsView(c: ComponentsSection, kubeconfig: string): Promise<ComponentsView> {
  const client = RestClient.fromKubeconfig(kubeconfig, { maxRetries: 0, requestTimeoutMs: 3000 });
  try {
    const [schedReplicas, cmReplicas, schedLease, cmLease, nodes] = await Promise.all([
      Promise.all(c.schedulers.map(replicaView)),
      Promise.all(c.controllerManagers.map(replicaView)),
      c.schedulers.length === 0 ? undefined : leaseView(client, 'kube-scheduler', c.schedulers),
      c.controllerManagers.length === 0 ? undefined : leaseView(client, 'kube-controller-manager', c.controllerManagers),
      client.list<Node>(NODES, undefined).then((l) => l.items, () => undefined),
    ]);
    const nodeViews = await Promise.all(
      c.nodes.map(async (r): Promise<NodeView> => {
        const node = nodes?.find((n) => n.metadata.name === r.nodeName);
        const ready = node?.status?.conditions?.find((x) => x.type === 'Ready')?.status ?? '-';
        const v: NodeView = { name: r.name, node: r.nodeName, pid: r.pid, running: isAlive(r.pid), healthy: false, ready };
        return v.running ? { ...v, ...(await healthy(r)) } : v;
      }),
    );
    return {
      schedulers: { ...(schedLease === undefined ? {} : { lease: schedLease }), replicas: schedReplicas },
      controllerManagers: { ...(cmLease === undefined ? {} : { lease: cmLease }), replicas: cmReplicas },
      nodes: nodeViews,
    };
  } finally {
    client.close();
  }
}
