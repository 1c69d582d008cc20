import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** MemberRecord describes one store member started by `capstan up`. */
export interface MemberRecord {
  name: string;
  clientURL: string;
  peerURL: string;
  dataDir: string;
  log: string;
  pid: number;
}

/** ProcessRecord describes one process `capstan up` started besides the store members. */
export interface ProcessRecord {
  name: string;
  pid: number;
  log: string;
}

/** ApiServerRecord describes one API server replica. */
export interface ApiServerRecord extends ProcessRecord {
  /** url is the replica's secure URL (HTTPS, bearer token). */
  url: string;
  /** insecureURL is its loopback plain-HTTP URL (no authentication). */
  insecureURL: string;
}

/** LbRecord describes the load balancer in front of the API servers. */
export interface LbRecord extends ProcessRecord {
  /** listen is host:port clients connect to. */
  listen: string;
  /** adminURL serves the LB's /healthz, /readyz, /metrics and /backends. */
  adminURL: string;
}

/** ComponentRecord describes one scheduler, controller-manager or node agent process. */
export interface ComponentRecord extends ProcessRecord {
  /** healthURL serves the process's /healthz, /readyz, /metrics and /leaderz (plain HTTP, loopback). */
  healthURL: string;
  /** identity is its leader-election identity (the Lease's holderIdentity while it leads). */
  identity: string;
}

/** NodeAgentRecord describes one `capstan node` process hosting one hollow node. */
export interface NodeAgentRecord extends ComponentRecord {
  /** nodeName is the Node it registers. */
  nodeName: string;
}

/** LeaderElectionTimings are the timings the leader-elected components run with (Go durations). */
export interface LeaderElectionTimings {
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
}

/** ComponentsSection lists the components `capstan up` started over the API servers. */
export interface ComponentsSection {
  leaderElection: LeaderElectionTimings;
  /** nodeLeaseDuration is how long the hollow nodes' Leases last (kubelet's nodeLeaseDurationSeconds; Go duration). */
  nodeLeaseDuration: string;
  /** nodeMonitorGracePeriod is how long the controller-manager waits for a node's heartbeat before it is Unknown. */
  nodeMonitorGracePeriod: string;
  schedulers: ComponentRecord[];
  controllerManagers: ComponentRecord[];
  nodes: NodeAgentRecord[];
}

/** ClusterFile is DIR/cluster.json: what `capstan up` started, for `status`, `down`, `chaos` and tests. */
export interface ClusterFile {
  version: 1;
  dir: string;
  startedAt: string;
  store: {
    /** endpoints are the members' client URLs, as etcdctl's --endpoints takes them. */
    endpoints: string[];
    members: MemberRecord[];
    clusterToken: string;
    /** extraFlags are given to every member after up's own, at start and at restart (chaos run's test flags). */
    extraFlags?: string[];
  };
  /** apiserver is present when up started API servers (--apiservers > 0). */
  apiserver?: {
    /** url is the load balancer's URL: what kubectl and the components use. */
    url: string;
    caCert: string;
    replicas: ApiServerRecord[];
    lb: LbRecord;
  };
  /** kubeconfig is the path of the admin kubeconfig up wrote (with apiserver). */
  kubeconfig?: string;
  /** components is present when up started schedulers, controller-managers or node agents. */
  components?: ComponentsSection;
}

/** clusterFilePath is where cluster.json lives in a cluster directory. */
export function clusterFilePath(dir: string): string {
  return join(dir, 'cluster.json');
}

/** readClusterFile reads DIR/cluster.json, or undefined when there is none. */
export function readClusterFile(dir: string): ClusterFile | undefined {
  const p = clusterFilePath(dir);
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as ClusterFile;
}

/** writeClusterFile replaces DIR/cluster.json atomically (write, then rename). */
export function writeClusterFile(dir: string, f: ClusterFile): void {
  const p = clusterFilePath(dir);
  writeFileSync(`${p}.tmp`, `${JSON.stringify(f, null, 2)}\n`);
  renameSync(`${p}.tmp`, p);
}

/**
 * clusterProcesses lists every process of a cluster, front to back: node agents, controller-managers,
 * schedulers, the LB, API servers, store members — the records themselves, so a caller may update their PIDs.
 */
export function clusterProcesses(f: ClusterFile): ProcessRecord[] {
  return clusterProcessGroups(f).flat();
}

/**
 * clusterProcessGroups is clusterProcesses in the groups a cluster stops by: node agents, controller-managers,
 * schedulers, the LB, API servers, then each store member on its own (a member hands leadership over when it
 * stops, which needs the others up).
 */
export function clusterProcessGroups(f: ClusterFile): ProcessRecord[][] {
  const out: ProcessRecord[][] = [];
  if (f.components !== undefined) out.push(f.components.nodes, f.components.controllerManagers, f.components.schedulers);
  if (f.apiserver !== undefined) out.push([f.apiserver.lb], f.apiserver.replicas);
  for (const m of f.store.members) out.push([m]);
  return out.filter((g) => g.length > 0);
}
