/**
 * Scaling a Deployment (kube's sync.go scale and isScalingEvent). A change of spec.replicas while a rollout is
 * under way is spread over the active ReplicaSets in proportion to their sizes, so a resize neither hastens
 * nor stalls the rollout; with one active ReplicaSet it simply takes the new size.
 */
import type { Deployment, ReplicaSet } from '../../../api/index.js';
import type { PlanRecorder } from './deployment-plan.js';
import { DESIRED_REPLICAS_ANNOTATION, activeReplicaSets, creationOrder, findActiveOrLatest, isRollingUpdate, isSaturated, maxSurge, proportion, replicaCount, replicasOf } from './deployment-util.js';

/** isScalingEvent reports whether an active ReplicaSet records a desired size other than spec.replicas. */
export function isScalingEvent(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
  return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
    return desired !== undefined && /^\d+$/.test(desired) && Number(desired) !== replicasOf(d);
  });
}

/** bySizeThen sorts larger ReplicaSets first; equal sizes newer first (scaling up) or older first (scaling down). */
function bySizeThen(newerFirst: boolean): (a: ReplicaSet, b: ReplicaSet) => number {
  return (a, b) => {
    if (replicasOf(a) !== replicasOf(b)) return replicasOf(b) - replicasOf(a);
    return newerFirst ? creationOrder(b, a) : creationOrder(a, b);
  };
}

/** scale resizes the Deployment's ReplicaSets to spec.replicas (proportionally during a rolling update). */
export function scale(plan: PlanRecorder, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): void {
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest !== undefined) {
    if (replicasOf(activeOrLatest) !== replicasOf(d)) plan.scaleReplicaSetAndRecordEvent(activeOrLatest, replicasOf(d));
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) plan.scaleReplicaSetAndRecordEvent(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const allRSs = activeReplicaSets([...oldRSs, newRS]);
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - replicaCount(allRSs);
  if (toAdd > 0) allRSs.sort(bySizeThen(true));
  else if (toAdd < 0) allRSs.sort(bySizeThen(false));
  let added = 0;
  const sizes = allRSs.map((rs) => {
    if (toAdd === 0) return replicasOf(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return replicasOf(rs) + p;
  });
  allRSs.forEach((rs, i) => {
    let size = sizes[i]!;
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    plan.scaleReplicaSet(rs, size);
  });
}
