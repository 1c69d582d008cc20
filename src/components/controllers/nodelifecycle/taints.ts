/**
 * Taints and tolerations as the node lifecycle controller and its NoExecute taint manager use them
 * (k8s.io/api/core/v1 toleration.go and pkg/util/taints): the well-known condition taints, whether a toleration
 * tolerates a taint, and the taints a node's conditions call for (TaintNodesByCondition and taint-based
 * eviction, both on since Kubernetes 1.18).
 */
import { formatTime, type DeepReadonly, type Node, type NodeCondition, type Taint, type TaintEffect, type Toleration } from '../../../api/index.js';

/** TAINT_NODE_NOT_READY is put on a node whose Ready condition is False. */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
/** TAINT_NODE_UNREACHABLE is put on a node whose Ready condition is Unknown (its agent stopped reporting). */
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** TAINT_NODE_UNSCHEDULABLE is put on a cordoned node (spec.unschedulable). */
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
/** TAINT_NODE_MEMORY_PRESSURE is put on a node reporting MemoryPressure=True. */
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
/** TAINT_NODE_DISK_PRESSURE is put on a node reporting DiskPressure=True. */
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
/** TAINT_NODE_PID_PRESSURE is put on a node reporting PIDPressure=True. */
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
/** TAINT_NODE_NETWORK_UNAVAILABLE is put on a node reporting NetworkUnavailable=True. */
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** CONTROLLER_TAINT_KEYS are the taint keys the node lifecycle controller owns: it adds and removes only these. */
export const CONTROLLER_TAINT_KEYS: ReadonlySet<string> = new Set([
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
]);

/** toleratesTaint reports whether t tolerates taint (Toleration.ToleratesTaint): effect, key, operator and value. */
export function toleratesTaint(t: DeepReadonly<Toleration>, taint: DeepReadonly<Taint>): boolean {
  if ((t.effect ?? '') !== '' && t.effect !== taint.effect) return false;
  if ((t.key ?? '') !== '' && t.key !== taint.key) return false;
  // An empty key with operator Exists matches every key; an empty key with Equal matches nothing but ''.
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (t.key ?? '') === taint.key && (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/**
 * matchingTolerations is v1helper.GetMatchingTolerations: whether every taint is tolerated, and the
 * tolerations that did it (the first matching one per taint).
 */
export function matchingTolerations(taints: readonly DeepReadonly<Taint>[], tolerations: readonly DeepReadonly<Toleration>[]): { allTolerated: boolean; used: DeepReadonly<Toleration>[] } {
  const used: DeepReadonly<Toleration>[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (t === undefined) return { allTolerated: false, used: [] };
    used.push(t);
  }
  return { allTolerated: true, used };
}

function condition(node: DeepReadonly<Node>, type: string): DeepReadonly<NodeCondition> | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** conditionTaints lists the taints (key, effect) a node's conditions and spec call for. */
export function conditionTaints(node: DeepReadonly<Node>): { key: string; effect: TaintEffect }[] {
  const out: { key: string; effect: TaintEffect }[] = [];
  const ready = condition(node, 'Ready')?.status;
  if (ready === 'False') out.push({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute' }, { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' });
  if (ready === 'Unknown') out.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' }, { key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' });
  const pressure: [string, string][] = [
    ['MemoryPressure', TAINT_NODE_MEMORY_PRESSURE],
    ['DiskPressure', TAINT_NODE_DISK_PRESSURE],
    ['PIDPressure', TAINT_NODE_PID_PRESSURE],
    ['NetworkUnavailable', TAINT_NODE_NETWORK_UNAVAILABLE],
  ];
  for (const [type, key] of pressure) if (condition(node, type)?.status === 'True') out.push({ key, effect: 'NoSchedule' });
  if (node.spec?.unschedulable === true) out.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/** TaintChange is the new taint list of a node and what changed, when something must. */
export interface TaintChange {
  readonly taints: Taint[];
  readonly added: Taint[];
  readonly removed: Taint[];
}

/**
 * reconcileNodeTaints compares a node's controller-owned taints with what its conditions call for: taints of
 * other keys are kept as they are, missing ones are added with timeAdded = now (SwapNodeControllerTaint), and
 * stale ones removed. Undefined means nothing to change.
 */
export function reconcileNodeTaints(node: DeepReadonly<Node>, now: number): TaintChange | undefined {
  const want = conditionTaints(node);
  const have = node.spec?.taints ?? [];
  const same = (a: { key: string; effect: string }, b: { key: string; effect: string }): boolean => a.key === b.key && a.effect === b.effect;
  const removed = have.filter((t) => CONTROLLER_TAINT_KEYS.has(t.key) && !want.some((w) => same(w, t))).map((t) => ({ ...t }) as Taint);
  const added: Taint[] = want.filter((w) => !have.some((t) => same(w, t))).map((w) => ({ key: w.key, effect: w.effect, timeAdded: formatTime(now) }));
  if (added.length === 0 && removed.length === 0) return undefined;
  const kept = have.filter((t) => !removed.some((r) => same(r, t))).map((t) => ({ ...t }) as Taint);
  return { taints: [...kept, ...added], added, removed };
}
