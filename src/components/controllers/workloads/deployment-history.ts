/**
 * Revision history cleanup (kube's cleanupDeployment): a Deployment keeps its revisionHistoryLimit newest old
 * ReplicaSets for `kubectl rollout undo` and deletes the older ones — only those already scaled to zero, with
 * no pods left and their latest generation observed.
 */
import type { Deployment, ReplicaSet } from '../../../api/index.js';
import type { PlanRecorder } from './deployment-plan.js';
import { creationOrder, replicasOf, revisionOf } from './deployment-util.js';

/** byRevision sorts ReplicaSets by revision, oldest first, creation time breaking ties (ReplicaSetsByRevision). */
function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  return ra !== rb ? ra - rb : creationOrder(a, b);
}

/** cleanupDeployment deletes the old ReplicaSets beyond revisionHistoryLimit that are safe to delete. */
export function cleanupDeployment(plan: PlanRecorder, d: Deployment, oldRSs: readonly ReplicaSet[]): void {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  const ordered = [...cleanable].sort(byRevision);
  for (const rs of ordered.slice(0, diff)) {
    if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0) continue;
    if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    plan.delete(rs);
  }
}
