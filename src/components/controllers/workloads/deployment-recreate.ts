/**
 * The Recreate strategy's steps (kube's recreate.go): scale every old ReplicaSet to zero, wait until none of
 * their pods is left running, then scale the new ReplicaSet up to spec.replicas.
 */
import type { DeepReadonly, Pod, ReplicaSet } from '../../../api/index.js';
import type { PlanRecorder } from './deployment-plan.js';
import { actualReplicaCount, replicasOf } from './deployment-util.js';

/** scaleDownOldReplicaSetsForRecreate scales the active old ReplicaSets to zero; it reports whether any changed. */
export function scaleDownOldReplicaSetsForRecreate(plan: PlanRecorder, activeOldRSs: readonly ReplicaSet[]): boolean {
  let scaled = false;
  for (const rs of activeOldRSs) {
    if (replicasOf(rs) === 0) continue;
    if (plan.scaleReplicaSetAndRecordEvent(rs, 0)) scaled = true;
  }
  return scaled;
}

/**
 * oldPodsRunning reports whether old ReplicaSets still report pods, or any pod of the Deployment outside the
 * new ReplicaSet has not finished (Pending, Running or Unknown — also while terminating).
 */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podsByOwner: ReadonlyMap<string, readonly (Pod | DeepReadonly<Pod>)[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByOwner) {
    if (newRS !== undefined && newRS.metadata.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}
