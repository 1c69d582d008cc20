/**
 * Node health as kube-controller-manager's node lifecycle controller judges it (tryUpdateNodeHealth): a node is
 * alive while its agent keeps either its Ready condition's lastHeartbeatTime or its Lease in kube-node-lease
 * moving. What counts is when this controller *observed* a change (probeTimestamp, on its own clock), never the
 * agent's timestamps, so clock skew between machines cannot mark a node dead. A node not heard from for the
 * grace period (--node-monitor-grace-period; --node-startup-grace-period for one that never posted a Ready
 * condition) gets Ready and the pressure conditions set to Unknown. A replica that starts leading has no
 * observations: it takes "now" as the last probe of every node, as kube does, so a dead node is marked one grace
 * period after the takeover at the earliest.
 */
import { formatTime, type DeepReadonly, type Lease, type Node, type NodeCondition } from '../../../api/index.js';

/** NodeHealth is what the controller remembers of one node between passes (nodeHealthData). */
export interface NodeHealth {
  /** probeTimestamp is when (controller clock, ms) a heartbeat or lease renewal was last observed. */
  readonly probeTimestamp: number;
  /** heartbeat is the Ready condition's lastHeartbeatTime last observed (undefined: no Ready condition). */
  readonly heartbeat: string | undefined;
  /** leaseRenewTime is the node Lease's renewTime last observed. */
  readonly leaseRenewTime: string | undefined;
}

/** NodeHealthOptions are the grace periods. */
export interface NodeHealthOptions {
  /** gracePeriodMs is --node-monitor-grace-period (default 40 s). */
  readonly gracePeriodMs: number;
  /** startupGracePeriodMs is --node-startup-grace-period (default 1 min). */
  readonly startupGracePeriodMs: number;
}

/** NodeHealthResult is the new memory of a node and, when the node must be marked, its new conditions. */
export interface NodeHealthResult {
  readonly health: NodeHealth;
  /** conditions is the node's full new status.conditions when they must be written; undefined otherwise. */
  readonly conditions?: NodeCondition[];
}

/** NODE_STATUS_UNKNOWN is the reason of a condition the controller set to Unknown. */
export const NODE_STATUS_UNKNOWN = 'NodeStatusUnknown';
/** NODE_STATUS_NEVER_UPDATED is the reason of a Ready condition added to a node that never posted one. */
export const NODE_STATUS_NEVER_UPDATED = 'NodeStatusNeverUpdated';

const MARKED_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];

function after(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === undefined || a === null || a === '') return false;
  if (b === undefined || b === null || b === '') return true;
  return Date.parse(a) > Date.parse(b);
}

/**
 * tryUpdateNodeHealth observes node and its lease at now (controller clock) against what was saved, and says
 * whether the node must be marked Unknown. It never mutates its inputs.
 */
export function tryUpdateNodeHealth(saved: NodeHealth | undefined, node: DeepReadonly<Node>, lease: DeepReadonly<Lease> | undefined, now: number, opts: NodeHealthOptions): NodeHealthResult {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const heartbeat = ready?.lastHeartbeatTime ?? undefined;
  let health: NodeHealth;
  if (saved === undefined) {
    health = { probeTimestamp: now, heartbeat, leaseRenewTime: lease?.spec?.renewTime ?? undefined };
  } else {
    const beat = heartbeat !== undefined && heartbeat !== saved.heartbeat;
    health = { probeTimestamp: beat ? now : saved.probeTimestamp, heartbeat, leaseRenewTime: saved.leaseRenewTime };
  }
  const renew = lease?.spec?.renewTime ?? undefined;
  if (saved !== undefined && after(renew, saved.leaseRenewTime)) health = { ...health, probeTimestamp: now, leaseRenewTime: renew ?? undefined };
  const grace = ready === undefined ? opts.startupGracePeriodMs : opts.gracePeriodMs;
  if (now <= health.probeTimestamp + grace) return { health };

  const stamp = formatTime(now);
  const conditions: NodeCondition[] = (node.status?.conditions ?? []).map((c) => ({ ...c }) as NodeCondition);
  let changed = false;
  if (ready === undefined) {
    conditions.push({
      type: 'Ready',
      status: 'Unknown',
      reason: NODE_STATUS_NEVER_UPDATED,
      message: 'Kubelet never posted node status.',
      ...(node.metadata.creationTimestamp ? { lastHeartbeatTime: node.metadata.creationTimestamp } : {}),
      lastTransitionTime: stamp,
    });
    changed = true;
  }
  for (const c of conditions) {
    if (c.type !== 'Ready' && !MARKED_CONDITIONS.includes(c.type)) continue;
    if (c.status === 'Unknown') continue;
    c.status = 'Unknown';
    c.reason = NODE_STATUS_UNKNOWN;
    c.message = 'Kubelet stopped posting node status.';
    c.lastTransitionTime = stamp;
    changed = true;
  }
  return changed ? { health, conditions } : { health };
}
