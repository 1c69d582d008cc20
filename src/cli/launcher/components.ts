/**
 * How `capstan up` (and `capstan chaos restart`) start the components over the API servers: schedulers and
 * controller-managers (leader-elected replicas, each with its own identity and health port) and node agents
 * (one `capstan node` process per hollow node, so a node can fail alone). All use the admin kubeconfig, whose
 * server is the load balancer.
 */
import { join } from 'node:path';
import type { ComponentRecord, ComponentsSection, LeaderElectionTimings, NodeAgentRecord } from './cluster-file.js';
import { freePort, spawnCapstan } from './processes.js';

/** DEFAULT_LEADER_ELECTION are client-go's default timings. */
export const DEFAULT_LEADER_ELECTION: LeaderElectionTimings = { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s' };

/** NodeTimings are the node heartbeat settings: the nodes' Lease duration and the controller-manager's grace period. */
export interface NodeTimings {
  readonly nodeLeaseDuration: string;
  readonly nodeMonitorGracePeriod: string;
}

/** DEFAULT_NODE_TIMINGS are the kubelet's and kube-controller-manager's defaults. */
export const DEFAULT_NODE_TIMINGS: NodeTimings = { nodeLeaseDuration: '40s', nodeMonitorGracePeriod: '40s' };

/** ComponentCounts says how many of each component to start. */
export interface ComponentCounts {
  readonly schedulers: number;
  readonly controllerManagers: number;
  readonly nodes: number;
}

async function record(dir: string, name: string): Promise<ComponentRecord> {
  return { name, pid: 0, log: join(dir, `${name}.log`), healthURL: `http://127.0.0.1:${await freePort()}`, identity: name };
}

/** planComponents picks names, identities, health ports and logs for the components. */
export async function planComponents(dir: string, counts: ComponentCounts, leaderElection: LeaderElectionTimings, nodes_: NodeTimings): Promise<ComponentsSection> {
  const schedulers: ComponentRecord[] = [];
  const controllerManagers: ComponentRecord[] = [];
  const nodes: NodeAgentRecord[] = [];
  for (let i = 1; i <= counts.schedulers; i++) schedulers.push(await record(dir, `scheduler-${i}`));
  for (let i = 1; i <= counts.controllerManagers; i++) controllerManagers.push(await record(dir, `controller-manager-${i}`));
  // Node agent i hosts node-i (`--node-name-prefix=node- --node-index-offset=i`: its own pod CIDR and IP).
  for (let i = 1; i <= counts.nodes; i++) nodes.push({ ...(await record(dir, `node-agent-${i}`)), nodeName: `node-${i}` });
  return { leaderElection, ...nodes_, schedulers, controllerManagers, nodes };
}

function port(url: string): string {
  return new URL(url).port;
}

function leaderElectedArgs(command: string, r: ComponentRecord, kubeconfig: string, le: LeaderElectionTimings): string[] {
  return [
    command,
    `--kubeconfig=${kubeconfig}`,
    `--identity=${r.identity}`,
    '--bind-address=127.0.0.1',
    `--port=${port(r.healthURL)}`,
    `--leader-elect-lease-duration=${le.leaseDuration}`,
    `--leader-elect-renew-deadline=${le.renewDeadline}`,
    `--leader-elect-retry-period=${le.retryPeriod}`,
  ];
}

/** spawnScheduler starts one scheduler replica (its PID is recorded in r). */
export function spawnScheduler(r: ComponentRecord, kubeconfig: string, c: ComponentsSection): void {
  r.pid = spawnCapstan(leaderElectedArgs('scheduler', r, kubeconfig, c.leaderElection), r.log);
}

/** spawnControllerManager starts one controller-manager replica (its PID is recorded in r). */
export function spawnControllerManager(r: ComponentRecord, kubeconfig: string, c: ComponentsSection): void {
  r.pid = spawnCapstan([...leaderElectedArgs('controller-manager', r, kubeconfig, c.leaderElection), `--node-monitor-grace-period=${c.nodeMonitorGracePeriod}`], r.log);
}

/** spawnNodeAgent starts one node agent hosting the hollow node r.nodeName (its PID is recorded in r). */
export function spawnNodeAgent(r: NodeAgentRecord, kubeconfig: string, c: ComponentsSection): void {
  r.pid = spawnCapstan(
    ['node', '--count=1', '--node-name-prefix=node-', `--node-index-offset=${/\d+$/.exec(r.nodeName)![0]}`, `--node-lease-duration=${c.nodeLeaseDuration}`, `--kubeconfig=${kubeconfig}`, `--identity=${r.identity}`, '--bind-address=127.0.0.1', `--port=${port(r.healthURL)}`],
    r.log,
  );
}
