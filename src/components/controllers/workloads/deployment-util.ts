/**
 * Deployment helpers (kube's pkg/controller/deployment/util): annotations the Deployment controller keeps on
 * its ReplicaSets, revisions, maxSurge/maxUnavailable resolution, the new ReplicaSet's size during a rollout,
 * proportional-scaling fractions, and the Deployment's conditions. All pure; objects passed in are the
 * planner's own mutable copies.
 */
import { formatTime, parseTime, type Deployment, type DeploymentCondition, type DeploymentConditionType, type DeploymentStatus, type IntOrString, type ReplicaSet } from '../../../api/index.js';
import { CapstanError } from '../../../util/errors.js';
import { equalIgnoreHash } from './pod-template-hash.js';

/** REVISION_ANNOTATION records a ReplicaSet's (and its Deployment's) rollout sequence number. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** REVISION_HISTORY_ANNOTATION lists the old revisions a ReplicaSet served (after rollbacks to it). */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** DESIRED_REPLICAS_ANNOTATION is the Deployment's spec.replicas when the ReplicaSet was last sized. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** MAX_REPLICAS_ANNOTATION is spec.replicas + maxSurge when the ReplicaSet was last sized (proportional scaling). */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** LAST_APPLIED_ANNOTATION is kubectl apply's annotation, never copied to ReplicaSets. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Reasons of the Progressing and Available conditions (kube's deployment util). */
export const REASONS = {
  replicaSetUpdated: 'ReplicaSetUpdated',
  failedRSCreate: 'ReplicaSetCreateError',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  deploymentPaused: 'DeploymentPaused',
  deploymentResumed: 'DeploymentResumed',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

const ANNOTATIONS_TO_SKIP = new Set([LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION]);

/** InvalidIntOrPercentError is a maxSurge or maxUnavailable that is neither a number nor a percentage. */
export class InvalidIntOrPercentError extends CapstanError {
  constructor(value: IntOrString) {
    super(`invalid value for IntOrString: invalid type: string is not a percentage: ${JSON.stringify(value)}`, 'INVALID_INT_OR_PERCENT', false);
  }
}

/** replicasOf is a Deployment's or ReplicaSet's spec.replicas (default 1). */
export function replicasOf(o: { spec?: { replicas?: number } }): number {
  return o.spec?.replicas ?? 1;
}

/**
 * scaledValue resolves an int-or-percent against total (intstr.GetScaledValueFromIntOrPercent): a percentage is
 * rounded up when roundUp, else down.
 */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (m === null) throw new InvalidIntOrPercentError(v);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** isRollingUpdate reports whether the Deployment rolls (the default) rather than recreates. */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/**
 * resolveFenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded down) against desired, an absent
 * one counting as 0 (the API server defaults both to 25%); if both come to zero, maxUnavailable becomes 1 so the
 * rollout can move (ResolveFenceposts).
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** maxSurge is the Deployment's resolved maxSurge (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  return resolveFenceposts(d.spec?.strategy?.rollingUpdate?.maxSurge, d.spec?.strategy?.rollingUpdate?.maxUnavailable, replicasOf(d)).surge;
}

/** maxUnavailable is the Deployment's resolved maxUnavailable, never above spec.replicas (0 for Recreate). */
export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const { unavailable } = resolveFenceposts(d.spec?.strategy?.rollingUpdate?.maxSurge, d.spec?.strategy?.rollingUpdate?.maxUnavailable, replicasOf(d));
  return Math.min(unavailable, replicasOf(d));
}

/** revisionOf is the object's revision annotation as a number (0 if absent or unparsable). */
export function revisionOf(o: { metadata: { annotations?: Record<string, string> } }): number {
  const v = o.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return 0;
  return Number(v);
}

/** maxRevision is the highest revision among the ReplicaSets. */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
}

/** setReplicasAnnotations records desired and max replicas on rs; it reports whether anything changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/** replicasAnnotationsNeedUpdate reports whether rs's desired/max annotations differ from the Deployment's. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/**
 * setNewReplicaSetAnnotations copies the Deployment's annotations (but kube's skipped ones) to the new
 * ReplicaSet, raises its revision to newRevision (keeping the old one in revision-history after a rollback),
 * and for a ReplicaSet about to be created records desired and max replicas. It reports whether rs changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const oldRevision = a[REVISION_ANNOTATION];
  const oldRevisionNumber = oldRevision === undefined ? 0 : revisionOf(rs);
  if (oldRevision === undefined || oldRevisionNumber < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) {
      const history = a[REVISION_HISTORY_ANNOTATION];
      a[REVISION_HISTORY_ANNOTATION] = history === undefined || history === '' ? oldRevision : `${history},${oldRevision}`;
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** setDeploymentRevision records revision on the Deployment; it reports whether it changed. */
export function setDeploymentRevision(d: Deployment, revision: number): boolean {
  const a = (d.metadata.annotations ??= {});
  if (a[REVISION_ANNOTATION] === String(revision)) return false;
  a[REVISION_ANNOTATION] = String(revision);
  return true;
}

/** creationOrder sorts ReplicaSets oldest first, names breaking ties (ReplicaSetsByCreationTimestamp). */
export function creationOrder(a: ReplicaSet, b: ReplicaSet): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** findNewReplicaSet is the oldest ReplicaSet whose template equals the Deployment's, ignoring the hash (FindNewReplicaSet). */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(creationOrder).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** findOldReplicaSets is every other ReplicaSet: all of them, and those with replicas (FindOldReplicaSets). */
export function findOldReplicaSets(d: Deployment, rss: readonly ReplicaSet[]): { all: ReplicaSet[]; withReplicas: ReplicaSet[] } {
  const newRS = findNewReplicaSet(d, rss);
  const all = rss.filter((rs) => rs !== newRS);
  return { all, withReplicas: all.filter((rs) => replicasOf(rs) !== 0) };
}

/** replicaCount sums spec.replicas (GetReplicaCountForReplicaSets). */
export function replicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs === undefined ? 0 : replicasOf(rs)), 0);
}

/** actualReplicaCount sums status.replicas (GetActualReplicaCountForReplicaSets). */
export function actualReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

/** readyReplicaCount sums status.readyReplicas. */
export function readyReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

/** availableReplicaCount sums status.availableReplicas (GetAvailableReplicaCountForReplicaSets). */
export function availableReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/** activeReplicaSets keeps the ReplicaSets with replicas (FilterActiveReplicaSets). */
export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && replicasOf(rs) > 0);
}

/**
 * newRSNewReplicas is the size the new ReplicaSet may grow to now (NewRSNewReplicas): for RollingUpdate, up to
 * spec.replicas + maxSurge pods across all ReplicaSets but never beyond spec.replicas; for Recreate,
 * spec.replicas.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge, replicasOf(d), true);
  const current = replicaCount(allRSs);
  const maxTotal = replicasOf(d) + surge;
  if (current >= maxTotal) return replicasOf(newRS);
  const scaleUp = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
  return replicasOf(newRS) + scaleUp;
}

/** isSaturated reports whether rs alone holds all of the Deployment's replicas — by its size, its annotation and its available pods (IsSaturated). */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  return desired !== undefined && replicasOf(rs) === replicasOf(d) && Number(desired) === replicasOf(d) && (rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

/** findActiveOrLatest is the only active ReplicaSet, the newest one if none is active, or undefined if several are (FindActiveOrLatest). */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => creationOrder(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** roundHalfAwayFromZero rounds as Go's math.Round. */
function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * replicaSetFraction is how many replicas rs gains (or loses, negative) when the Deployment is resized during a
 * rollout: its share of the new max size by its max-replicas annotation (getReplicaSetFraction).
 */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const deploymentMax = replicasOf(d) + maxSurge(d);
  const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION] ?? NaN);
  const before = Number.isInteger(annotated) && annotated !== 0 ? annotated : (d.status?.replicas ?? 0);
  if (before === 0) return 0;
  return roundHalfAwayFromZero((replicasOf(rs) * deploymentMax) / before) - replicasOf(rs);
}

/** proportion is rs's share of toAdd given added so far, bounded so the total never overshoots (GetProportion). */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** getCondition returns the status's condition of type t. */
export function getCondition(status: DeploymentStatus | undefined, t: DeploymentConditionType): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === t);
}

/** newCondition builds a condition stamped at now. */
export function newCondition(t: DeploymentConditionType, status: DeploymentCondition['status'], reason: string, message: string, now: number): DeploymentCondition {
  const at = formatTime(now);
  return { type: t, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

/**
 * setCondition puts c into status (SetDeploymentCondition): nothing changes if a condition of its type has the
 * same status and reason; a condition whose status is unchanged keeps its lastTransitionTime.
 */
export function setCondition(status: DeploymentStatus, c: DeploymentCondition): void {
  const current = getCondition(status, c.type);
  if (current !== undefined && current.status === c.status && current.reason === c.reason) return;
  const next = { ...c };
  if (current !== undefined && current.status === c.status && current.lastTransitionTime !== undefined) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

/** removeCondition drops the condition of type t. */
export function removeCondition(status: DeploymentStatus, t: DeploymentConditionType): void {
  const rest = (status.conditions ?? []).filter((x) => x.type !== t);
  if (rest.length === 0) delete status.conditions;
  else status.conditions = rest;
}

/** hasProgressDeadline reports whether progress is tracked (progressDeadlineSeconds set and not MaxInt32). */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== 2147483647;
}

/** deploymentComplete: every replica updated and available enough, and the latest generation observed (DeploymentComplete). */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  return (s.updatedReplicas ?? 0) === replicasOf(d) && (s.replicas ?? 0) === replicasOf(d) && (s.availableReplicas ?? 0) >= replicasOf(d) - maxUnavailable(d) && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** deploymentProgressing: more updated or available replicas, or fewer old ones, than the last status said (DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** deploymentTimedOut: the Progressing condition is older than progressDeadlineSeconds, or already says so (DeploymentTimedOut). */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (c === undefined) return false;
  if (c.reason === REASONS.progressDeadlineExceeded) return true;
  if (c.lastUpdateTime === undefined) return false;
  return parseTime(c.lastUpdateTime) + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}
