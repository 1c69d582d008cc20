/**
 * A Deployment's status (kube's sync.go calculateStatus and progress.go syncRolloutStatus): counts summed from
 * its ReplicaSets, the Available condition, and the Progressing condition that `kubectl rollout status`
 * watches — NewReplicaSetCreated / FoundNewReplicaSet when the rollout starts, ReplicaSetUpdated while it moves,
 * NewReplicaSetAvailable when it is complete, ProgressDeadlineExceeded when it has not moved for
 * progressDeadlineSeconds — and when to look again at a rollout that might be stuck.
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from '../../../api/index.js';
import { deepCopy, parseTime } from '../../../api/index.js';
import {
  REASONS,
  actualReplicaCount,
  availableReplicaCount,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  maxUnavailable,
  newCondition,
  readyReplicaCount,
  removeCondition,
  replicaCount,
  replicasOf,
  setCondition,
} from './deployment-util.js';
import { canonicalJson } from './pod-template-hash.js';

function put(status: DeploymentStatus, field: 'observedGeneration' | 'replicas' | 'updatedReplicas' | 'readyReplicas' | 'availableReplicas' | 'unavailableReplicas' | 'collisionCount', v: number | undefined): void {
  // Go's omitempty: zero counts are left out, as kube's controller writes them.
  if (v !== undefined && v !== 0) status[field] = v;
}

/** calculateStatus is the status the ReplicaSets imply, with the Available condition set (calculateStatus). */
export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const total = replicaCount(allRSs);
  const status: DeploymentStatus = {};
  put(status, 'observedGeneration', d.metadata.generation);
  put(status, 'replicas', actualReplicaCount(allRSs));
  put(status, 'updatedReplicas', actualReplicaCount([newRS]));
  put(status, 'readyReplicas', readyReplicaCount(allRSs));
  put(status, 'availableReplicas', available);
  put(status, 'unavailableReplicas', Math.max(0, total - available));
  put(status, 'collisionCount', d.status?.collisionCount);
  if ((d.status?.conditions ?? []).length > 0) status.conditions = deepCopy(d.status!.conditions!);
  if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(status, newCondition('Available', 'True', REASONS.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  else setCondition(status, newCondition('Available', 'False', REASONS.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  return status;
}

/** statusEqual reports whether two statuses say the same. */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}

/**
 * rolloutStatus is the status during a rollout (syncRolloutStatus): calculateStatus plus the Progressing
 * condition and any ReplicaFailure condition of the ReplicaSets (the new one's first).
 */
export function rolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const name = d.metadata.name ?? '';
  const isComplete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === REASONS.newReplicaSetAvailable;
  if (hasProgressDeadline(d) && !isComplete) {
    if (deploymentComplete(d, status)) {
      const msg = newRS !== undefined ? `ReplicaSet "${newRS.metadata.name ?? ''}" has successfully progressed.` : `Deployment "${name}" has successfully progressed.`;
      setCondition(status, newCondition('Progressing', 'True', REASONS.newReplicaSetAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRS !== undefined ? `ReplicaSet "${newRS.metadata.name ?? ''}" is progressing.` : `Deployment "${name}" is progressing.`;
      const c = newCondition('Progressing', 'True', REASONS.replicaSetUpdated, msg, now);
      if (current !== undefined) {
        if (current.status === 'True' && current.lastTransitionTime !== undefined) c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
      }
      setCondition(status, c);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = newRS !== undefined ? `ReplicaSet "${newRS.metadata.name ?? ''}" has timed out progressing.` : `Deployment "${name}" has timed out progressing.`;
      setCondition(status, newCondition('Progressing', 'False', REASONS.progressDeadlineExceeded, msg, now));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  if (failures !== undefined) setCondition(status, failures);
  else removeCondition(status, 'ReplicaFailure');
  return status;
}

function replicaFailures(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): ReturnType<typeof newCondition> | undefined {
  for (const rs of [newRS, ...allRSs]) {
    const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    if (c !== undefined) {
      return { type: 'ReplicaFailure', status: c.status, ...(c.lastTransitionTime === undefined ? {} : { lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime }), reason: c.reason ?? '', message: c.message ?? '' };
    }
  }
  return undefined;
}

/**
 * stuckRequeueMs says when to look again at a rollout that made no progress, so the deadline is noticed even
 * if nothing else happens (requeueStuckDeployment): undefined when no deadline applies.
 */
export function stuckRequeueMs(d: Deployment, status: DeploymentStatus, now: number): number | undefined {
  const current = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || current === undefined) return undefined;
  if (deploymentComplete(d, status) || current.reason === REASONS.progressDeadlineExceeded) return undefined;
  if (current.lastUpdateTime === undefined) return undefined;
  const after = parseTime(current.lastUpdateTime) + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now;
  return after < 1000 ? 1000 : after + 1000;
}
