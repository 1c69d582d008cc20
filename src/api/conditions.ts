/**
 * Condition helpers of apimachinery and podutil: a pod's readiness, and metav1's SetStatusCondition /
 * FindStatusCondition on lists of metav1 Conditions. Instants are given, never read from a clock.
 */
import type { Pod, PodCondition } from './core-v1.js';
import type { DeepReadonly } from './meta.js';
import type { Condition } from './meta-v1.js';
import { formatTime } from './time.js';

/** isPodReady reports whether the pod's Ready condition is True (podutil.IsPodReady). */
export function isPodReady(pod: Pod | DeepReadonly<Pod>): boolean {
  return pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** findStatusCondition is meta.FindStatusCondition: the condition of that type, if any. */
export function findStatusCondition<C extends Condition | DeepReadonly<Condition>>(conditions: readonly C[] | null | undefined, type: string): C | undefined {
  return (conditions ?? []).find((c) => c.type === type);
}

/**
 * setStatusCondition is meta.SetStatusCondition: the condition of its type is added (its lastTransitionTime now
 * when it has none) or updated in place — lastTransitionTime moves only when the status changes; reason, message
 * and observedGeneration are taken as given. It returns the new list; the given one is not changed.
 */
export function setStatusCondition(conditions: readonly Condition[] | null | undefined, cond: Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string }, now: number): Condition[] {
  const list = (conditions ?? []).map((c) => ({ ...c }));
  const at = list.findIndex((c) => c.type === cond.type);
  const stamp = cond.lastTransitionTime ?? formatTime(now);
  if (at < 0) {
    const added: Condition = { ...cond, lastTransitionTime: stamp };
    if ((added.observedGeneration ?? 0) === 0) delete added.observedGeneration;
    list.push(added);
    return list;
  }
  const existing = list[at]!;
  if (existing.status !== cond.status) {
    existing.status = cond.status;
    existing.lastTransitionTime = stamp;
  }
  existing.reason = cond.reason;
  existing.message = cond.message;
  if ((cond.observedGeneration ?? 0) === 0) delete existing.observedGeneration;
  else existing.observedGeneration = cond.observedGeneration;
  return list;
}

/**
 * withPodCondition is podutil.UpdatePodCondition on a copy: the condition replaces the one of its type (keeping its
 * lastTransitionTime when the status is unchanged) or is appended, stamped now; lastProbeTime is null.
 */
export function withPodCondition(
  conditions: readonly PodCondition[] | readonly DeepReadonly<PodCondition>[] | undefined,
  cond: Pick<PodCondition, 'type' | 'status'> & Partial<Pick<PodCondition, 'reason' | 'message'>>,
  now: number,
): PodCondition[] {
  const list = [...((conditions ?? []) as readonly PodCondition[])];
  const at = list.findIndex((c) => c.type === cond.type);
  const old = at < 0 ? undefined : list[at]!;
  const next: PodCondition = { ...cond, lastProbeTime: null, lastTransitionTime: old !== undefined && old.status === cond.status ? (old.lastTransitionTime ?? null) : formatTime(now) };
  if (at < 0) list.push(next);
  else list[at] = next;
  return list;
}
