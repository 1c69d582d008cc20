/**
 * The RollingUpdate strategy's steps (kube's rolling.go): grow the new ReplicaSet within maxSurge, shrink old
 * ones within maxUnavailable — unhealthy replicas first, then oldest ReplicaSets first.
 *
 * Two guards go beyond kube's arithmetic, both only ever more cautious, so that maxSurge and maxUnavailable
 * hold for the pods that actually exist and not just for the ReplicaSets' specs while the ReplicaSet
 * controller catches up: an old ReplicaSet counts towards the surge with the larger of its spec and the pods
 * it still reports (status.replicas), and counts as available with at most its spec.
 */
import type { Deployment, ReplicaSet } from '../../../api/index.js';
import type { PlanRecorder } from './deployment-plan.js';
import { creationOrder, maxSurge, maxUnavailable, newRSNewReplicas, replicaCount, replicasOf } from './deployment-util.js';

/** effectiveAvailable is rs's available replicas, at most its spec (a status from before a scale-down overstates it). */
export function effectiveAvailable(rs: ReplicaSet): number {
  return Math.min(rs.status?.availableReplicas ?? 0, replicasOf(rs));
}

/**
 * surgeLimitedReplicas caps the new ReplicaSet's next size so that the pods still present in the other
 * ReplicaSets (max of spec and status.replicas) plus the new ReplicaSet stay within spec.replicas + maxSurge.
 */
export function surgeLimitedReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet, wanted: number): number {
  const others = allRSs.filter((rs) => rs !== newRS).reduce((n, rs) => n + Math.max(replicasOf(rs), rs.status?.replicas ?? 0), 0);
  const room = replicasOf(d) + maxSurge(d) - others;
  return Math.max(replicasOf(newRS), Math.min(wanted, room));
}

/** reconcileNewReplicaSet scales the new ReplicaSet towards spec.replicas as far as the surge allows; it reports whether it scaled. */
export function reconcileNewReplicaSet(plan: PlanRecorder, d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): boolean {
  if (replicasOf(newRS) === replicasOf(d)) return false;
  if (replicasOf(newRS) > replicasOf(d)) return plan.scaleReplicaSetAndRecordEvent(newRS, replicasOf(d));
  const wanted = newRSNewReplicas(d, allRSs, newRS);
  return plan.scaleReplicaSetAndRecordEvent(newRS, surgeLimitedReplicas(d, allRSs, newRS, wanted));
}

/**
 * reconcileOldReplicaSets scales old ReplicaSets down as far as maxUnavailable allows, counting the new
 * ReplicaSet's unavailable pods against the budget; it reports whether it scaled.
 */
export function reconcileOldReplicaSets(plan: PlanRecorder, d: Deployment, allRSs: readonly ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): boolean {
  if (replicaCount(oldRSs) === 0) return false;
  const allPodsCount = replicaCount(allRSs);
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newRSUnavailable = replicasOf(newRS) - effectiveAvailable(newRS);
  const maxScaledDown = allPodsCount - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = cleanupUnhealthyReplicas(plan, oldRSs, maxScaledDown);
  const scaledDown = scaleDownOldReplicaSetsForRollingUpdate(plan, d, [...oldRSs, newRS], oldRSs);
  return cleaned + scaledDown > 0;
}

/** cleanupUnhealthyReplicas scales old ReplicaSets down by their unavailable replicas, oldest first, up to maxCleanup; it returns how many. */
export function cleanupUnhealthyReplicas(plan: PlanRecorder, oldRSs: ReplicaSet[], maxCleanup: number): number {
  let total = 0;
  for (const rs of [...oldRSs].sort(creationOrder)) {
    if (total >= maxCleanup) break;
    if (replicasOf(rs) === 0) continue;
    const unhealthy = replicasOf(rs) - effectiveAvailable(rs);
    if (unhealthy === 0) continue;
    const n = Math.min(maxCleanup - total, unhealthy);
    plan.scaleReplicaSetAndRecordEvent(rs, replicasOf(rs) - n);
    total += n;
  }
  return total;
}

/** scaleDownOldReplicaSetsForRollingUpdate scales old ReplicaSets down, oldest first, while more than minAvailable pods are available; it returns how many. */
export function scaleDownOldReplicaSetsForRollingUpdate(plan: PlanRecorder, d: Deployment, allRSs: readonly ReplicaSet[], oldRSs: ReplicaSet[]): number {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const available = allRSs.reduce((n, rs) => n + effectiveAvailable(rs), 0);
  if (available <= minAvailable) return 0;
  const totalScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(creationOrder)) {
    if (total >= totalScaleDown) break;
    if (replicasOf(rs) === 0) continue;
    const n = Math.min(replicasOf(rs), totalScaleDown - total);
    plan.scaleReplicaSetAndRecordEvent(rs, replicasOf(rs) - n);
    total += n;
  }
  return total;
}
