/**
 * The order in which a ReplicaSet gives up pods when it scales down (kube's controller.ActivePods sort): the
 * pod that matters least goes first, so scaling down never hurts availability more than it must.
 */
import { parseTime, type DeepReadonly, type Pod } from '../../../api/index.js';
import { isPodReady, podReadySince } from './pod-conditions.js';

type ReadonlyPod = Pod | DeepReadonly<Pod>;

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(pod: ReadonlyPod): number {
  return PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;
}

function restarts(pod: ReadonlyPod): number {
  return (pod.status?.containerStatuses ?? []).reduce((max, c) => Math.max(max, c.restartCount), 0);
}

function created(pod: ReadonlyPod): number | undefined {
  const t = pod.metadata.creationTimestamp;
  if (typeof t !== 'string') return undefined;
  try {
    return parseTime(t);
  } catch {
    return undefined;
  }
}

/**
 * compareActivePods orders two pods for deletion, the one to delete first sorting first — kube's ActivePods:
 * 1. unassigned < assigned to a node;
 * 2. Pending < Unknown < Running;
 * 3. not ready < ready;
 * 4. both ready: ready for less time < ready for longer;
 * 5. more container restarts < fewer;
 * 6. no creation time < newer < older.
 * Ties keep their order (names break them, so the order is deterministic).
 */
export function compareActivePods(a: ReadonlyPod, b: ReadonlyPod): number {
  const assignedA = (a.spec?.nodeName ?? '') !== '';
  const assignedB = (b.spec?.nodeName ?? '') !== '';
  if (assignedA !== assignedB) return assignedA ? 1 : -1;
  const phase = phaseOrdinal(a) - phaseOrdinal(b);
  if (phase !== 0) return phase;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  if (readyA && readyB) {
    const sinceA = podReadySince(a);
    const sinceB = podReadySince(b);
    if (sinceA !== sinceB) {
      if (sinceA === undefined) return -1;
      if (sinceB === undefined) return 1;
      return sinceB - sinceA; // the later transition (ready for less time) first
    }
  }
  const r = restarts(b) - restarts(a);
  if (r !== 0) return r;
  const ca = created(a);
  const cb = created(b);
  if (ca !== cb) {
    if (ca === undefined) return -1;
    if (cb === undefined) return 1;
    return cb - ca; // newer first
  }
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** podsToDelete picks the diff pods a ReplicaSet should delete first (replica_set.go getPodsToDelete). */
export function podsToDelete<P extends ReadonlyPod>(pods: readonly P[], diff: number): P[] {
  if (diff >= pods.length) return [...pods];
  return [...pods].sort(compareActivePods).slice(0, Math.max(0, diff));
}
