/**
 * The Job controller's decisions (kube's pkg/controller/job: job_controller.go, indexed_job_utils.go,
 * backoff_utils.go), pure functions of a Job, the pods it owns and the time:
 *
 * - which pods are finished and not yet counted, how many pods should be active (parallelism, the completions
 *   left, suspension), which to delete and which completion indexes to create;
 * - when the Job has failed (backoffLimit, restarts under OnFailure, activeDeadlineSeconds) or succeeded;
 * - the pod-failure back-off before replacement pods (10 s doubling, at most 10 min, counted from the last
 *   failure after the last success);
 * - the finalizer tracking: a pod carries `batch.kubernetes.io/job-tracking` until its end is recorded in
 *   the Job's status — first in `uncountedTerminatedPods` (or `completedIndexes`), then, once the finalizer is
 *   off, in the `succeeded` and `failed` counters — so no finished pod is counted twice or lost when deleted.
 */
import {
  deepCopy,
  formatTime,
  labelSelectorAsSelector,
  newControllerRef,
  parseTime,
  type DeepReadonly,
  type GroupVersionKind,
  type Job,
  type JobCondition,
  type JobConditionType,
  type JobStatus,
  type Pod,
  type Selector,
} from '../../../api/index.js';
import { compareActivePods } from './active-pods.js';
import { isPodReady } from './pod-conditions.js';

type RoPod = DeepReadonly<Pod>;
type RoJob = DeepReadonly<Job>;

/** JOB_KIND is the group, version and kind stamped on the ownerReferences of a Job's pods. */
export const JOB_KIND: GroupVersionKind = { group: 'batch', version: 'v1', kind: 'Job' };

/** JOB_TRACKING_FINALIZER holds a Job's pod until the Job's status has counted it (batch.JobTrackingFinalizer). */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

/** JOB_COMPLETION_INDEX_ANNOTATION is an Indexed Job pod's index (annotation, label and env JOB_COMPLETION_INDEX). */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

/** MAX_UNCOUNTED_PODS caps the UIDs one status write holds in uncountedTerminatedPods (kube's MaxUncountedPods). */
export const MAX_UNCOUNTED_PODS = 500;

/** MAX_POD_CREATE_DELETE_PER_SYNC caps the pods one sync creates or deletes (kube's MaxPodCreateDeletePerSync). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

/** DEFAULT_POD_FAILURE_BACKOFF_MS is the first back-off after a failed pod (DefaultJobPodFailureBackOff, 10 s). */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;

/** MAX_POD_FAILURE_BACKOFF_MS caps the pod-failure back-off (MaxJobPodFailureBackOff, 10 min). */
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

/** The reasons and messages of a Job's terminal conditions and Events, in kube's words. */
export const JOB_REASONS = {
  completionsReached: 'CompletionsReached',
  completionsReachedMessage: 'Reached expected number of succeeded pods',
  backoffLimitExceeded: 'BackoffLimitExceeded',
  backoffLimitExceededMessage: 'Job has reached the specified backoff limit',
  deadlineExceeded: 'DeadlineExceeded',
  deadlineExceededMessage: 'Job was active longer than specified deadline',
  podFailurePolicy: 'PodFailurePolicy',
  successPolicy: 'SuccessPolicy',
} as const;

/** jobSelector is the Job's pod selector (generated from its UID by the API server unless manualSelector). */
export function jobSelector(job: RoJob): Selector {
  return labelSelectorAsSelector(job.spec?.selector as Parameters<typeof labelSelectorAsSelector>[0]);
}

/** jobCondition returns the condition of type, if the Job has it. */
export function jobCondition(job: RoJob, type: JobConditionType): DeepReadonly<JobCondition> | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

/** finishedCondition is a finished Job's True Complete or Failed condition (util.FinishedCondition), if any. */
export function finishedCondition(job: RoJob): (DeepReadonly<JobCondition> & { readonly type: 'Complete' | 'Failed' }) | undefined {
  return job.status?.conditions?.find((c): c is DeepReadonly<JobCondition> & { readonly type: 'Complete' | 'Failed' } => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** isJobFinished reports a Job with a Complete or Failed condition that is True (util.IsJobFinished). */
export function isJobFinished(job: RoJob): boolean {
  return finishedCondition(job) !== undefined;
}

/** isIndexedJob reports a Job whose completionMode is Indexed. */
export function isIndexedJob(job: RoJob): boolean {
  return job.spec?.completionMode === 'Indexed';
}

/** jobSuspended reports a Job whose spec.suspend is true. */
export function jobSuspended(job: RoJob): boolean {
  return job.spec?.suspend === true;
}

/** onlyReplaceFailedPods: the Job waits for a pod to fail, not just terminate, before replacing it. */
export function onlyReplaceFailedPods(job: RoJob): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy !== undefined;
}

/** hasTrackingFinalizer reports a pod that still carries the Job's tracking finalizer. */
export function hasTrackingFinalizer(pod: RoPod): boolean {
  return (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/**
 * isPodFailed reports a pod the Job counts as failed: phase Failed, or — unless the Job only replaces failed
 * pods — being deleted without having succeeded (an orphan that will never reach Failed).
 */
export function isPodFailed(pod: RoPod, job: RoJob): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null && pod.status?.phase !== 'Succeeded';
}

/** isPodTerminatingForJob reports a pod being deleted that has not reached a terminal phase (CountTerminatingPods). */
export function isPodTerminatingForJob(pod: RoPod): boolean {
  const phase = pod.status?.phase;
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null && phase !== 'Succeeded' && phase !== 'Failed';
}

/** completionIndex is an Indexed Job pod's index from its annotation, or undefined when missing or malformed. */
export function completionIndex(pod: RoPod): number | undefined {
  const raw = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (raw === undefined || !/^(0|[1-9][0-9]*)$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * podFinishedAt is when a finished pod ended (getFinishedTime): its latest container finishedAt, else its
 * deletionTimestamp, else now.
 */
export function podFinishedAt(pod: RoPod, now: number): number {
  let latest: number | undefined;
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const at = c.state?.terminated?.finishedAt;
    if (typeof at !== 'string') continue;
    const t = parseTime(at);
    if (latest === undefined || t > latest) latest = t;
  }
  if (latest !== undefined) return latest;
  const deleted = pod.metadata.deletionTimestamp;
  return typeof deleted === 'string' ? parseTime(deleted) : now;
}

/** Intervals are a sorted list of disjoint, non-adjacent [first, last] index ranges (orderedIntervals). */
export type Intervals = readonly (readonly [number, number])[];

/**
 * parseIntervals reads `1,3-5,7` into intervals, keeping indexes below completions; malformed parts are skipped.
 * Each number reads as Go's strconv.Atoi does (a leading `+` allowed), as kube's parseIndexesFromString.
 */
export function parseIntervals(s: string | undefined, completions: number): Intervals {
  if (s === undefined || s === '') return [];
  const out: [number, number][] = [];
  for (const part of s.split(',')) {
    const m = /^\+?(\d+)(?:-\+?(\d+))?$/.exec(part);
    if (m === null) continue;
    const first = Number(m[1]);
    const last = Math.min(m[2] === undefined ? first : Number(m[2]), completions - 1);
    if (first > last) continue;
    const prev = out[out.length - 1];
    if (prev !== undefined && first <= prev[1] + 1) prev[1] = Math.max(prev[1], last);
    else out.push([first, last]);
  }
  return out;
}

/** withIndexes adds indexes to intervals (withOrderedIndexes). */
export function withIndexes(intervals: Intervals, indexes: readonly number[]): Intervals {
  const all = new Set<number>(indexes);
  for (const [a, b] of intervals) for (let i = a; i <= b; i++) all.add(i);
  const sorted = [...all].sort((x, y) => x - y);
  const out: [number, number][] = [];
  for (const i of sorted) {
    const prev = out[out.length - 1];
    if (prev !== undefined && i === prev[1] + 1) prev[1] = i;
    else out.push([i, i]);
  }
  return out;
}

/** formatIntervals writes intervals as `1,3-5,7`. */
export function formatIntervals(intervals: Intervals): string {
  return intervals.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(',');
}

/** intervalsTotal counts the indexes in intervals. */
export function intervalsTotal(intervals: Intervals): number {
  return intervals.reduce((n, [a, b]) => n + b - a + 1, 0);
}

/**
 * matchSuccessPolicy is kube's matchSuccessPolicy: the message of the first rule of an Indexed Job's
 * successPolicy that its succeeded indexes meet (`Matched rules at index N`), or undefined. A rule with
 * succeededIndexes is met when every one of them succeeded, or at least its succeededCount of them; a rule with
 * only succeededCount when that many indexes succeeded. A rule whose indexes parse to none is skipped.
 */
export function matchSuccessPolicy(job: RoJob, succeeded: Intervals): string | undefined {
  const rules = job.spec?.successPolicy?.rules ?? [];
  if (rules.length === 0 || succeeded.length === 0) return undefined;
  const completions = job.spec?.completions ?? 0;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const count = rule.succeededCount;
    if (rule.succeededIndexes !== undefined) {
      const required = parseIntervals(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      const covered = overlapCount(required, succeeded);
      if (covered === intervalsTotal(required) || (count !== undefined && covered >= count)) return `Matched rules at index ${i}`;
    } else if (count !== undefined && intervalsTotal(succeeded) >= count) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}

/** overlapCount counts the indexes two sets of intervals share (matchSucceededIndexesRule's walk). */
function overlapCount(a: Intervals, b: Intervals): number {
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [a0, a1] = a[i]!;
    const [b0, b1] = b[j]!;
    n += Math.max(0, Math.min(a1, b1) - Math.max(a0, b0) + 1);
    if (b1 < a1) j++;
    else if (b1 > a1) i++;
    else {
      i++;
      j++;
    }
  }
  return n;
}

/** intervalsHas reports whether index is in intervals. */
export function intervalsHas(intervals: Intervals, index: number): boolean {
  return intervals.some(([a, b]) => index >= a && index <= b);
}

/**
 * succeededIndexes are an Indexed Job's completed indexes: those its status records, plus those of succeeded
 * pods still carrying the finalizer (calculateSucceededIndexes); both as intervals.
 */
export function succeededIndexes(job: RoJob, pods: readonly RoPod[]): { previous: Intervals; current: Intervals } {
  const completions = job.spec?.completions ?? 0;
  const previous = parseIntervals(job.status?.completedIndexes, completions);
  const added: number[] = [];
  for (const p of pods) {
    const ix = completionIndex(p);
    if (p.status?.phase === 'Succeeded' && hasTrackingFinalizer(p) && ix !== undefined && ix < completions) added.push(ix);
  }
  return { previous, current: withIndexes(previous, added) };
}

/**
 * firstPendingIndexes are the lowest count indexes below completions that have neither succeeded nor an active
 * pod (nor, when the Job waits for failed pods, a terminating one).
 */
export function firstPendingIndexes(job: RoJob, activePods: readonly RoPod[], terminatingPods: readonly RoPod[], succeeded: Intervals, count: number): number[] {
  const completions = job.spec?.completions ?? 0;
  const taken = new Set<number>();
  for (const p of activePods) {
    const ix = completionIndex(p);
    if (ix !== undefined) taken.add(ix);
  }
  if (onlyReplaceFailedPods(job)) {
    for (const p of terminatingPods) {
      const ix = completionIndex(p);
      if (ix !== undefined) taken.add(ix);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!taken.has(i) && !intervalsHas(succeeded, i)) out.push(i);
  return out;
}

/**
 * activePodsForRemoval picks the active pods to delete (activePodsForRemoval): for an Indexed Job first the
 * pods without a valid index, with an index that already succeeded or beyond completions, and duplicates of an
 * index (keeping the best-ranked); then, as for a NonIndexed Job, the rm lowest-ranked of the rest.
 */
export function activePodsForRemoval(job: RoJob, activePods: readonly RoPod[], rm: number, succeeded: Intervals): RoPod[] {
  let candidates = [...activePods];
  const out: RoPod[] = [];
  if (isIndexedJob(job)) {
    const completions = job.spec?.completions ?? 0;
    const kept = new Map<number, RoPod>();
    const rest: RoPod[] = [];
    // Best-ranked first: the pod kept for an index is the one ActivePods would delete last.
    for (const p of [...candidates].sort((a, b) => compareActivePods(b, a))) {
      const ix = completionIndex(p);
      if (ix === undefined || ix >= completions || intervalsHas(succeeded, ix) || kept.has(ix)) out.push(p);
      else {
        kept.set(ix, p);
        rest.push(p);
      }
    }
    candidates = rest;
  }
  const more = Math.max(0, rm - out.length);
  if (more > 0) out.push(...[...candidates].sort(compareActivePods).slice(0, more));
  return out;
}

/** wantActive is how many pods should be active (manageJob): parallelism, capped by the completions left. */
export function wantActive(job: RoJob, active: number, succeeded: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(completions - succeeded, parallelism));
}

/**
 * pastBackoffLimitOnFailure reports an OnFailure Job whose active pods' container restarts reached backoffLimit
 * (any restart when the limit is 0).
 */
export function pastBackoffLimitOnFailure(job: RoJob, pods: readonly RoPod[]): boolean {
  if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])]) restarts += c.restartCount;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** activeDeadlineRemainingMs is the time left before activeDeadlineSeconds fails a started, unsuspended Job. */
export function activeDeadlineRemainingMs(job: RoJob, now: number): number | undefined {
  const deadline = job.spec?.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (deadline === undefined || deadline === null || typeof start !== 'string' || jobSuspended(job)) return undefined;
  return parseTime(start) + deadline * 1000 - now;
}

/** BackoffRecord is what a Job remembers of its failed pods: failures since the last success and the latest one. */
export interface BackoffRecord {
  readonly failuresAfterLastSuccess: number;
  readonly lastFailureTime?: number;
}

/**
 * nextBackoffRecord folds the pods that newly finished into the record (newBackoffRecord): a success after the
 * latest failure resets the count; failures after the latest success add to it.
 */
export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: readonly RoPod[], newFailed: readonly RoPod[], now: number): BackoffRecord {
  let record: BackoffRecord = prev ?? { failuresAfterLastSuccess: 0 };
  if (newSucceeded.length === 0 && newFailed.length === 0) return record;
  const lastSuccess = newSucceeded.reduce<number | undefined>((max, p) => Math.max(max ?? 0, podFinishedAt(p, now)), undefined);
  const failedAt = newFailed.map((p) => podFinishedAt(p, now));
  if (lastSuccess !== undefined) {
    const after = failedAt.filter((t) => t > lastSuccess);
    record = after.length === 0 ? { failuresAfterLastSuccess: 0 } : { failuresAfterLastSuccess: after.length, lastFailureTime: Math.max(...after) };
    return record;
  }
  if (failedAt.length === 0) return record;
  const latest = Math.max(...failedAt, record.lastFailureTime ?? 0);
  return { failuresAfterLastSuccess: record.failuresAfterLastSuccess + failedAt.length, lastFailureTime: latest };
}

/** backoffRemainingMs is how long new pods still wait after the record's failures (getRemainingTime). */
export function backoffRemainingMs(record: BackoffRecord, now: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  const backoff = Math.min(DEFAULT_POD_FAILURE_BACKOFF_MS * 2 ** (record.failuresAfterLastSuccess - 1), MAX_POD_FAILURE_BACKOFF_MS);
  return Math.max(0, record.lastFailureTime + backoff - now);
}

/**
 * newFinishedPods are the pods that ended since the status last counted them (getNewFinishedPods): succeeded
 * or failed, still carrying the finalizer, not already in uncountedTerminatedPods, whose finalizer removal is not
 * already under way, and — for an Indexed Job — with a valid index.
 */
export function newFinishedPods(job: RoJob, pods: readonly RoPod[], expectedRmFinalizers: ReadonlySet<string>): { succeeded: RoPod[]; failed: RoPod[] } {
  const uncountedSucceeded = new Set(job.status?.uncountedTerminatedPods?.succeeded ?? []);
  const uncountedFailed = new Set(job.status?.uncountedTerminatedPods?.failed ?? []);
  const succeeded: RoPod[] = [];
  const failed: RoPod[] = [];
  const indexed = isIndexedJob(job);
  const completions = job.spec?.completions ?? 0;
  for (const p of pods) {
    const uid = p.metadata.uid ?? '';
    if (!hasTrackingFinalizer(p) || expectedRmFinalizers.has(uid)) continue;
    // An Indexed Job counts only pods with a valid index (getValidPodsWithFilter).
    const ix = completionIndex(p);
    if (indexed && (ix === undefined || ix >= completions)) continue;
    if (p.status?.phase === 'Succeeded' && !uncountedSucceeded.has(uid)) succeeded.push(p);
    else if (isPodFailed(p, job) && !uncountedFailed.has(uid)) failed.push(p);
  }
  return { succeeded, failed };
}

/**
 * ensureCondition sets the condition of type to status with reason and message (ensureJobConditionStatus):
 * an existing one changes only if something differs (its transition time only if the status does); a missing
 * one is added unless it would be False. It returns the new list and whether anything changed.
 */
export function ensureCondition(
  conditions: readonly DeepReadonly<JobCondition>[] | undefined,
  type: JobConditionType,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: number,
): { conditions: JobCondition[]; changed: boolean } {
  const list = deepCopy((conditions ?? []) as JobCondition[]);
  const existing = list.find((c) => c.type === type);
  if (existing === undefined) {
    if (status === 'False') return { conditions: list, changed: false };
    list.push(newJobCondition(type, status, reason, message, now));
    return { conditions: list, changed: true };
  }
  if (existing.status === status && existing.reason === reason && existing.message === message) return { conditions: list, changed: false };
  if (existing.status !== status) existing.lastTransitionTime = formatTime(now);
  existing.status = status;
  existing.reason = reason;
  existing.message = message;
  existing.lastProbeTime = formatTime(now);
  return { conditions: list, changed: true };
}

/** newJobCondition is a condition probed and transitioned at now. */
export function newJobCondition(type: JobConditionType, status: 'True' | 'False', reason: string, message: string, now: number): JobCondition {
  return { type, status, lastProbeTime: formatTime(now), lastTransitionTime: formatTime(now), reason, message };
}

/**
 * cleanUncounted moves the UIDs in uncountedTerminatedPods whose pods no longer carry the finalizer (or are gone)
 * into the succeeded and failed counters (cleanUncountedPodsWithoutFinalizers); it reports whether it moved any.
 */
export function cleanUncounted(status: JobStatus, uidsWithFinalizer: ReadonlySet<string>): boolean {
  const uncounted = status.uncountedTerminatedPods ?? {};
  const keepSucceeded = (uncounted.succeeded ?? []).filter((u) => uidsWithFinalizer.has(u));
  const keepFailed = (uncounted.failed ?? []).filter((u) => uidsWithFinalizer.has(u));
  const movedSucceeded = (uncounted.succeeded ?? []).length - keepSucceeded.length;
  const movedFailed = (uncounted.failed ?? []).length - keepFailed.length;
  if (movedSucceeded === 0 && movedFailed === 0) return false;
  status.succeeded = (status.succeeded ?? 0) + movedSucceeded;
  status.failed = (status.failed ?? 0) + movedFailed;
  status.uncountedTerminatedPods = { ...(keepSucceeded.length > 0 ? { succeeded: keepSucceeded } : {}), ...(keepFailed.length > 0 ? { failed: keepFailed } : {}) };
  return true;
}

/** TrackingPlan is which finished pods a sync records in uncountedTerminatedPods and frees of the finalizer. */
export interface TrackingPlan {
  readonly podsToRemoveFinalizer: RoPod[];
  readonly uncountedSucceeded: string[];
  readonly uncountedFailed: string[];
  readonly newSucceededIndexes: number[];
  /** reachedMax says the sync stopped at MAX_UNCOUNTED_PODS: the Job cannot be declared finished yet. */
  readonly reachedMax: boolean;
}

/**
 * planTracking walks the pods still carrying the finalizer (trackJobStatusAndRemoveFinalizers): a succeeded pod,
 * a failed one, or — once the Job is failing — any pod, is freed of the finalizer and recorded (a NonIndexed
 * success and every failure by UID in uncountedTerminatedPods, an Indexed success by its index); a failed pod of
 * a Job that waits for failures is freed only once it reached Failed.
 */
export function planTracking(job: RoJob, pods: readonly RoPod[], expectedRmFinalizers: ReadonlySet<string>, failing: boolean, finishing: boolean, previousSucceeded: Intervals): TrackingPlan {
  const indexed = isIndexedJob(job);
  const completions = job.spec?.completions ?? 0;
  const uncountedSucceeded = [...(job.status?.uncountedTerminatedPods?.succeeded ?? [])];
  const uncountedFailed = [...(job.status?.uncountedTerminatedPods?.failed ?? [])];
  const succeededSet = new Set(uncountedSucceeded);
  const failedSet = new Set(uncountedFailed);
  const newSucceededIndexes: number[] = [];
  const podsToRemoveFinalizer: RoPod[] = [];
  const ordered = indexed ? [...pods].sort((a, b) => (completionIndex(a) ?? Infinity) - (completionIndex(b) ?? Infinity)) : pods;
  let reachedMax = false;
  for (const pod of ordered) {
    const uid = pod.metadata.uid ?? '';
    if (!hasTrackingFinalizer(pod) || expectedRmFinalizers.has(uid)) continue;
    const failed = isPodFailed(pod, job);
    const deleting = job.metadata.deletionTimestamp !== undefined && job.metadata.deletionTimestamp !== null;
    const canRemove = deleting || finishing || pod.status?.phase === 'Succeeded' || (failed && !(job.spec?.podFailurePolicy !== undefined && pod.status?.phase !== 'Failed'));
    if (!canRemove) continue;
    podsToRemoveFinalizer.push(pod);
    if (pod.status?.phase === 'Succeeded' && !failedSet.has(uid)) {
      if (indexed) {
        const ix = completionIndex(pod);
        if (ix !== undefined && ix < completions && !intervalsHas(previousSucceeded, ix)) newSucceededIndexes.push(ix);
      } else if (!succeededSet.has(uid)) {
        succeededSet.add(uid);
        uncountedSucceeded.push(uid);
      }
    } else if (failed || failing) {
      const ix = completionIndex(pod);
      const counted = job.spec?.podFailurePolicy === undefined || matchPodFailurePolicy(job, pod).countFailed;
      if (!failedSet.has(uid) && (!indexed || (ix !== undefined && ix < completions)) && counted) {
        failedSet.add(uid);
        uncountedFailed.push(uid);
      }
    }
    if (newSucceededIndexes.length + uncountedSucceeded.length + uncountedFailed.length >= MAX_UNCOUNTED_PODS) {
      reachedMax = true;
      break;
    }
  }
  return { podsToRemoveFinalizer, uncountedSucceeded, uncountedFailed, newSucceededIndexes, reachedMax };
}

/** PodFailureMatch is what a Job's podFailurePolicy says of a failed pod (matchPodFailurePolicy). */
export interface PodFailureMatch {
  /** failJob, when set, is the message of a FailJob rule the pod matched. */
  readonly failJob?: string;
  /** countFailed says whether the failure counts towards backoffLimit (an Ignore rule says no). */
  readonly countFailed: boolean;
}

/**
 * matchPodFailurePolicy applies the Job's pod failure policy to a failed pod: the first rule whose exit codes
 * (a terminated container's non-zero code, In or NotIn the values, of the named container if any) or pod
 * conditions match decides — FailJob fails the Job, Ignore does not count the failure, Count counts it (FailIndex
 * needs backoffLimitPerIndex, which is not built, and is skipped); no matching rule counts it.
 */
export function matchPodFailurePolicy(job: RoJob, pod: RoPod): PodFailureMatch {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  for (const [index, rule] of rules.entries()) {
    let failJob: string | undefined;
    const req = rule.onExitCodes;
    const patterns = rule.onPodConditions;
    if (req !== undefined && req !== null) {
      const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
      const hit = statuses.find((c) => {
        const code = c.state?.terminated?.exitCode;
        if (code === undefined || code === 0) return false;
        if (req.containerName !== undefined && req.containerName !== null && req.containerName !== c.name) return false;
        return req.operator === 'In' ? req.values.includes(code) : !req.values.includes(code);
      });
      if (hit === undefined) continue;
      failJob = `Container ${hit.name} for pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} failed with exit code ${String(hit.state?.terminated?.exitCode)} matching ${rule.action} rule at index ${index}`;
    } else if (patterns !== undefined && patterns !== null) {
      const hit = (pod.status?.conditions ?? []).find((c) => patterns.some((p) => p.type === c.type && p.status === c.status));
      if (hit === undefined) continue;
      failJob = `Pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} has condition ${hit.type} matching ${rule.action} rule at index ${index}`;
    } else continue;
    if (rule.action === 'Ignore') return { countFailed: false };
    if (rule.action === 'Count') return { countFailed: true };
    if (rule.action === 'FailJob') return { failJob, countFailed: true };
  }
  return { countFailed: true };
}

/** failJobMessage is the message of the first failed pod that matches a FailJob rule (getFailJobMessage), if any. */
export function failJobMessage(job: RoJob, pods: readonly RoPod[]): string | undefined {
  if (job.spec?.podFailurePolicy === undefined) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job, p).failJob;
    if (m !== undefined) return m;
  }
  return undefined;
}

/** countedFailures counts the failed pods whose failure counts towards backoffLimit (nonIgnoredFailedPodsCount). */
export function countedFailures(job: RoJob, failed: readonly RoPod[]): number {
  if (job.spec?.podFailurePolicy === undefined) return failed.length;
  return failed.filter((p) => matchPodFailurePolicy(job, p).countFailed).length;
}

/** countReady counts the ready pods among active ones. */
export function countReady(activePods: readonly RoPod[]): number {
  return activePods.filter((p) => isPodReady(p)).length;
}

/**
 * podForJob is the pod a Job creates (GetPodFromTemplate with the Job's additions): the template's labels,
 * annotations and spec, the tracking finalizer, the Job as controller, generateName `<job>-`; for an Indexed
 * Job also the completion index as annotation, label and JOB_COMPLETION_INDEX in every container's env,
 * hostname `<job>-<index>` and generateName `<job>-<index>-`.
 */
export function podForJob(job: RoJob, index?: number): Pod {
  const template = deepCopy(job.spec?.template ?? {}) as NonNullable<Job['spec']>['template'];
  const meta = template.metadata ?? {};
  const name = job.metadata.name ?? '';
  const labels = { ...(meta.labels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}) };
  const spec = template.spec ?? { containers: [] };
  let generateName = `${name}-`;
  if (index !== undefined) {
    annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } };
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      if ((c.env ?? []).some((e) => e.name === 'JOB_COMPLETION_INDEX')) continue;
      c.env = [...(c.env ?? []), deepCopy(env)];
    }
    spec.hostname = `${name}-${index}`;
    generateName = podGenerateNameWithIndex(name, index);
  }
  const finalizers = [...(meta.finalizers ?? [])];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) finalizers.push(JOB_TRACKING_FINALIZER);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      namespace: job.metadata.namespace ?? '',
      ...(Object.keys(labels).length === 0 ? {} : { labels }),
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
      finalizers,
      ownerReferences: [newControllerRef(job as Job, JOB_KIND)],
    },
    spec,
  };
}

/** MAX_GENERATED_NAME_PREFIX is how long a generateName may be before the server's five random characters. */
const MAX_GENERATED_NAME_PREFIX = 63 - 5;

/** podGenerateNameWithIndex is `<job>-<index>-`, the job name cut so the whole fits a generated name (kube's). */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const room = MAX_GENERATED_NAME_PREFIX - suffix.length;
  return `${jobName.length > room ? jobName.slice(0, room) : jobName}${suffix}`;
}
