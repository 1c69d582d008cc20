/**
 * The Job controller (kube's pkg/controller/job, 1.32): runs each Job's pods until enough of them succeed.
 * Event handlers enqueue Job keys and settle expectations; a worker's sync (syncJob) claims the Job's pods,
 * counts those that finished, decides (job-sync.ts) whether the Job failed (backoffLimit, restarts under
 * OnFailure, activeDeadlineSeconds) or succeeded (completions, or an Indexed Job's successPolicy), and otherwise —
 * when its expectations are satisfied — creates pods up to parallelism (Indexed: the lowest pending indexes; after
 * failures only once the pod-failure back-off passed) or deletes surplus ones, suspends and resumes; then it
 * records finished pods through the tracking finalizer: their UIDs (or indexes) are written to the status first,
 * the finalizers removed second, the counters moved third, so a pod is counted exactly once even if it is deleted
 * meanwhile. A Job that met its success or
 * failure criteria gets SuccessCriteriaMet or FailureTarget at once, and Complete or Failed (with completionTime,
 * an Event) once no pod of it is left running or uncounted.
 *
 * A second queue handles orphaned pods (syncOrphanPod): a pod still carrying the finalizer whose Job is gone or
 * finished is freed of it, so deleting a Job never leaves pods stuck in Terminating.
 */
import { controllerOf, deepCopy, formatTime, jsonEqual, type DeepReadonly, type Job, type JobStatus, type Pod } from '../../../api/index.js';
import { isNotFound } from '../../client/errors.js';
import { tombstoneObject, type DeletedFinalStateUnknown } from '../../client/informer.js';
import type { CacheReader } from '../../client/indexer.js';
import { JOBS, PODS } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import { eventRecorder, type ComponentContext, type Controller } from '../../runtime/controller.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { NotLeadingError, cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import { ControllerWriter } from './controller-writer.js';
import { ControllerExpectations } from './expectations.js';
import {
  JOB_KIND,
  JOB_REASONS,
  JOB_TRACKING_FINALIZER,
  MAX_POD_CREATE_DELETE_PER_SYNC,
  activeDeadlineRemainingMs,
  activePodsForRemoval,
  backoffRemainingMs,
  cleanUncounted,
  countReady,
  countedFailures,
  failJobMessage,
  ensureCondition,
  firstPendingIndexes,
  formatIntervals,
  hasTrackingFinalizer,
  intervalsTotal,
  isIndexedJob,
  isJobFinished,
  isPodTerminatingForJob,
  jobCondition,
  jobSelector,
  jobSuspended,
  matchSuccessPolicy,
  newFinishedPods,
  newJobCondition,
  nextBackoffRecord,
  onlyReplaceFailedPods,
  pastBackoffLimitOnFailure,
  planTracking,
  podForJob,
  succeededIndexes,
  wantActive,
  withIndexes,
  type BackoffRecord,
  type Intervals,
} from './job-sync.js';
import { isPodActive } from './pod-conditions.js';
import { PodControl } from './pod-control.js';
import { listInNamespace, namespacedInformer, resolveControllerRef } from './shared-informers.js';

/** JobControllerOptions tune the controller (kube-controller-manager's flags of the same meaning). */
export interface JobControllerOptions {
  /** workers is --concurrent-job-syncs (default 5). */
  readonly workers?: number;
}

/** jobController is the `job` controller of the controller-manager; see the module comment. */
export function jobController(options: JobControllerOptions = {}): Controller {
  return {
    name: 'job',
    run: (ctx, signal) => new JobSyncer(ctx, signal, options).run(),
  };
}

/** JOB_CONTROLLER_NAME is the spec.managedBy value (or its absence) that leaves a Job to this controller. */
const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

type RoPod = DeepReadonly<Pod>;
type RoJob = DeepReadonly<Job>;

/** SyncJob is what one sync works on (kube's syncJobCtx). */
interface SyncJob {
  job: Job;
  readonly pods: readonly RoPod[];
  activePods: readonly RoPod[];
  ready: number;
  terminating: number;
  readonly expectedRmFinalizers: ReadonlySet<string>;
  /** finished is the condition the Job met this sync (FailureTarget/SuccessCriteriaMet first, then Failed/Complete). */
  finished?: { type: 'Failed' | 'Complete'; reason: string; message: string; interim: boolean };
  previousSucceeded: Intervals;
  succeededIndexes: Intervals;
  /** backoff is the Job's pod-failure record with this sync's finished pods folded in. */
  backoff?: BackoffRecord;
}

class JobSyncer {
  private readonly queue: WorkQueue<string>;
  private readonly orphanQueue: WorkQueue<string>;
  private readonly expectations: ControllerExpectations;
  /** finalizerRemovals are, per Job key, the UIDs of pods whose finalizer removal was sent but not yet seen. */
  private readonly finalizerRemovals = new Map<string, Set<string>>();
  private readonly backoff = new Map<string, BackoffRecord>();
  private readonly pods: CacheReader<Pod>;
  private readonly jobs: CacheReader<Job>;
  private readonly log: ComponentContext['log'];
  private readonly podInformer;
  private readonly jobInformer;
  private readonly writer: ControllerWriter;
  private readonly podControl: PodControl;
  private readonly events: EventRecorder;

  constructor(
    private readonly ctx: ComponentContext,
    private readonly signal: AbortSignal,
    private readonly options: JobControllerOptions,
  ) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.orphanQueue = new WorkQueue<string>({ clock: ctx.clock });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.log = ctx.log.child({ controller: 'job' });
    this.writer = new ControllerWriter(ctx, signal);
    this.events = eventRecorder(ctx, signal, 'job-controller');
    this.podControl = new PodControl(ctx, this.writer, this.events, this.expectations, JOB_KIND);
    this.podInformer = namespacedInformer<Pod>(ctx.informers, PODS);
    this.jobInformer = namespacedInformer<Job>(ctx.informers, JOBS);
    this.pods = this.podInformer.cache;
    this.jobs = this.jobInformer.cache;
  }

  async run(): Promise<void> {
    const registrations = [
      this.jobInformer.addEventHandler({
        onAdd: (job) => this.enqueue(job),
        onUpdate: (_old, job) => {
          // A finished Job's pods that still hold the finalizer are freed of it (kube's cleanupPodFinalizers).
          if (isJobFinished(job)) this.cleanupPodFinalizers(job);
          this.enqueue(job);
        },
        onDelete: (obj) => this.deleteJob(tombstoneObject(obj)),
      }),
      this.podInformer.addEventHandler({
        onAdd: (pod) => this.addPod(pod),
        onUpdate: (old, cur) => this.updatePod(old, cur),
        onDelete: (obj) => this.deletePod(obj, true),
      }),
    ];
    const workers = this.options.workers ?? 5;
    try {
      if (!(await syncInformers(this.ctx, this.signal))) return;
      this.log.info({ workers }, 'job controller started');
      await Promise.all([
        runWorkers('job', this.queue, workers, (key) => this.sync(key), this.signal, this.log),
        runWorkers('job-orphan-pod', this.orphanQueue, 1, (key) => this.syncOrphanPod(key), this.signal, this.log),
      ]);
    } finally {
      this.queue.shutDown();
      this.orphanQueue.shutDown();
      for (const r of registrations) r.remove();
    }
  }

  private enqueue(job: RoJob): void {
    this.queue.add(cacheKey(job));
  }

  private controllingJob(pod: RoPod): RoJob | undefined {
    return resolveControllerRef(this.jobs, pod, 'Job');
  }

  /** isOrphanWithFinalizer: pod holds the tracking finalizer but no unfinished Job of ours controls it. */
  private isOrphanWithFinalizer(pod: RoPod): boolean {
    if (!hasTrackingFinalizer(pod)) return false;
    const ref = controllerOf(pod as Pod);
    if (ref !== undefined && (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1')) return false;
    const job = this.controllingJob(pod);
    return job === undefined || isJobFinished(job);
  }

  private deleteJob(job: RoJob): void {
    const key = cacheKey(job);
    this.expectations.forget(key);
    this.finalizerRemovals.delete(key);
    this.backoff.delete(key);
    this.cleanupPodFinalizers(job);
    this.enqueue(job);
  }

  /** cleanupPodFinalizers queues the pods of a deleted or finished Job that still hold its finalizer. */
  private cleanupPodFinalizers(job: RoJob): void {
    for (const pod of listInNamespace(this.pods, job.metadata.namespace ?? '')) {
      if (hasTrackingFinalizer(pod) && controllerOf(pod as Pod)?.uid === job.metadata.uid) this.orphanQueue.add(cacheKey(pod));
    }
  }

  private addPod(pod: RoPod): void {
    if (pod.metadata.deletionTimestamp) {
      // A pod that shows up already being deleted (after a relist) counts as a deletion.
      this.deletePod(pod, false);
      return;
    }
    if (controllerOf(pod as Pod) !== undefined) {
      const job = this.controllingJob(pod);
      if (job === undefined) {
        if (this.isOrphanWithFinalizer(pod)) this.orphanQueue.add(cacheKey(pod));
        return;
      }
      this.expectations.creationObserved(cacheKey(job));
      this.enqueue(job);
      return;
    }
    if (this.isOrphanWithFinalizer(pod)) this.orphanQueue.add(cacheKey(pod));
    for (const job of this.matchingJobs(pod)) this.enqueue(job);
  }

  private updatePod(old: RoPod, cur: RoPod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const job = this.controllingJob(cur);
    if (job !== undefined && hasTrackingFinalizer(old) && !hasTrackingFinalizer(cur)) this.finalizerRemovalObserved(cacheKey(job), cur.metadata.uid ?? '');
    if (cur.metadata.deletionTimestamp) {
      this.deletePod(cur, false);
      return;
    }
    const oldRef = controllerOf(old as Pod);
    const curRef = controllerOf(cur as Pod);
    if (oldRef !== undefined && oldRef.uid !== curRef?.uid) {
      const oldJob = this.controllingJob(old);
      if (oldJob !== undefined) this.enqueue(oldJob);
    }
    if (this.isOrphanWithFinalizer(cur)) this.orphanQueue.add(cacheKey(cur));
    if (job !== undefined) {
      this.enqueue(job);
      return;
    }
    if (curRef === undefined) for (const j of this.matchingJobs(cur)) this.enqueue(j);
  }

  private deletePod(obj: RoPod | DeletedFinalStateUnknown<Pod>, final: boolean): void {
    const pod = tombstoneObject(obj);
    // A pod being deleted whose Job is gone or finished must still lose the finalizer, or it stays Terminating.
    if (!final && this.isOrphanWithFinalizer(pod)) this.orphanQueue.add(cacheKey(pod));
    const job = this.controllingJob(pod);
    if (job === undefined) return;
    const key = cacheKey(job);
    this.expectations.deletionObserved(key, cacheKey(pod));
    if (final) this.finalizerRemovalObserved(key, pod.metadata.uid ?? '');
    this.enqueue(job);
  }

  private finalizerRemovalObserved(key: string, uid: string): void {
    const set = this.finalizerRemovals.get(key);
    if (set === undefined) return;
    set.delete(uid);
    if (set.size === 0) this.finalizerRemovals.delete(key);
  }

  /** matchingJobs are the Jobs of pod's namespace whose selector matches it (for orphans to adopt). */
  private matchingJobs(pod: RoPod): RoJob[] {
    return listInNamespace(this.jobs, pod.metadata.namespace ?? '').filter((j) => jobSelector(j).matches(pod.metadata.labels));
  }

  /** syncOrphanPod frees a pod whose Job is gone or finished of the tracking finalizer. */
  private async syncOrphanPod(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (pod === undefined || !this.isOrphanWithFinalizer(pod)) return;
    await this.writer.tolerant(this.removeFinalizer(pod, ''));
  }

  private removeFinalizer(pod: RoPod, jobKey: string): Promise<Pod> {
    return this.writer.write('remove-pod-finalizer', cacheKey(pod), () => this.ctx.client.patch<Pod>(PODS, pod.metadata.namespace, pod.metadata.name ?? '', 'strategic', removeFinalizerPatch()), {
      ...(jobKey === '' ? {} : { job: jobKey }),
      finalizer: JOB_TRACKING_FINALIZER,
    });
  }

  /** sync is syncJob; see the module comment. */
  private async sync(key: string): Promise<void> {
    const cached = this.jobs.get(key);
    if (cached === undefined) {
      this.expectations.forget(key);
      this.finalizerRemovals.delete(key);
      this.backoff.delete(key);
      return;
    }
    if ((cached.spec?.managedBy ?? JOB_CONTROLLER_NAME) !== JOB_CONTROLLER_NAME) return;
    if (isJobFinished(cached)) {
      this.backoff.delete(key);
      return;
    }
    const now = this.ctx.clock.now();
    const satisfied = this.expectations.satisfied(key);
    const namespacePods = listInNamespace(this.pods, cached.metadata.namespace ?? '');
    const claimed = await this.writer.claim<Job, Pod>(
      { owner: cached, ownerResource: JOBS, ownerKind: JOB_KIND, resource: PODS, selector: jobSelector(cached), noun: 'pod', finalizer: JOB_TRACKING_FINALIZER },
      namespacePods,
    );
    const job = deepCopy(cached) as Job;
    job.status ??= {};
    const activePods = claimed.filter(isPodActive);
    const jc: SyncJob = {
      job,
      pods: claimed,
      activePods,
      ready: countReady(activePods),
      terminating: claimed.filter(isPodTerminatingForJob).length,
      expectedRmFinalizers: new Set(this.finalizerRemovals.get(key) ?? []),
      previousSucceeded: [],
      succeededIndexes: [],
    };
    let active = activePods.length;
    const fresh = newFinishedPods(job, claimed, jc.expectedRmFinalizers);
    const uncounted = job.status.uncountedTerminatedPods ?? {};
    let succeeded = (job.status.succeeded ?? 0) + fresh.succeeded.length + (uncounted.succeeded ?? []).length;
    const failed = (job.status.failed ?? 0) + countedFailures(job, fresh.failed) + (uncounted.failed ?? []).length;

    if (job.status.startTime === undefined && !jobSuspended(job)) job.status.startTime = formatTime(now);
    // The record is kept once the status has taken these pods in (the first flush below), as kube's backoff store.
    const backoff = nextBackoffRecord(this.backoff.get(key), fresh.succeeded, fresh.failed, now);
    jc.backoff = backoff;

    const successMet = jobCondition(job, 'SuccessCriteriaMet');
    const failureTarget = jobCondition(job, 'FailureTarget');
    const policyFailure = failJobMessage(job, claimed);
    if (successMet?.status === 'True') {
      jc.finished = { type: 'Complete', reason: successMet.reason ?? '', message: successMet.message ?? '', interim: false };
    } else if (failureTarget?.status === 'True') {
      jc.finished = { type: 'Failed', reason: failureTarget.reason ?? '', message: failureTarget.message ?? '', interim: false };
    } else if (policyFailure !== undefined) {
      jc.finished = { type: 'Failed', reason: JOB_REASONS.podFailurePolicy, message: policyFailure, interim: true };
    } else if (failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, claimed)) {
      jc.finished = { type: 'Failed', reason: JOB_REASONS.backoffLimitExceeded, message: JOB_REASONS.backoffLimitExceededMessage, interim: true };
    } else {
      const remaining = activeDeadlineRemainingMs(job, now);
      if (remaining !== undefined && remaining <= 0) jc.finished = { type: 'Failed', reason: JOB_REASONS.deadlineExceeded, message: JOB_REASONS.deadlineExceededMessage, interim: true };
      else if (remaining !== undefined) this.queue.addAfter(key, remaining);
    }
    if (isIndexedJob(job)) {
      const indexes = succeededIndexes(job, claimed);
      jc.previousSucceeded = indexes.previous;
      jc.succeededIndexes = indexes.current;
      succeeded = intervalsTotal(indexes.current);
      // A successPolicy met ends the Job as succeeded: SuccessCriteriaMet now, its remaining pods deleted, then Complete.
      const met = jc.finished === undefined ? matchSuccessPolicy(job, indexes.current) : undefined;
      if (met !== undefined) jc.finished = { type: 'Complete', reason: JOB_REASONS.successPolicy, message: met, interim: true };
    }

    let suspendChanged = false;
    let manageError: unknown;
    if (jc.finished !== undefined) {
      // A finishing Job deletes its active pods, keeping their finalizers: the tracking below counts them.
      const deleted = await this.deleteActivePods(key, job, jc.activePods, false, false);
      // Not finished yet while pods may remain that the cache does not show, or that could not be deleted.
      if (deleted.removed !== active || !satisfied) delete jc.finished;
      active -= deleted.removed;
      jc.terminating += deleted.removed;
      jc.ready -= deleted.removedReady;
      manageError = deleted.error;
    } else {
      let didManage = false;
      if (satisfied && !job.metadata.deletionTimestamp) {
        const managed = await this.manageJob(key, job, jc, succeeded, backoff, now);
        active = managed.active;
        manageError = managed.error;
        didManage = true;
      }
      const completions = job.spec?.completions;
      const complete = completions === undefined || completions === null ? succeeded > 0 && active === 0 : succeeded >= completions && active === 0;
      if (complete) jc.finished = { type: 'Complete', reason: JOB_REASONS.completionsReached, message: JOB_REASONS.completionsReachedMessage, interim: true };
      else if (didManage) suspendChanged = this.ensureSuspendCondition(job, now);
    }

    const needsStatusUpdate = suspendChanged || active !== (job.status.active ?? 0) || jc.ready !== job.status.ready || jc.terminating !== job.status.terminating;
    job.status.active = active;
    job.status.ready = jc.ready;
    job.status.terminating = jc.terminating;
    await this.trackStatusAndRemoveFinalizers(key, jc, cached, needsStatusUpdate, now);
    if (manageError !== undefined) throw manageError;
  }

  /** ensureSuspendCondition sets Suspended True or False after manageJob (resuming restarts startTime); it reports a change. */
  private ensureSuspendCondition(job: Job, now: number): boolean {
    const status = job.status ?? (job.status = {});
    if (jobSuspended(job)) {
      const r = ensureCondition(status.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
      status.conditions = r.conditions;
      if (r.changed) this.events.record(job, JOB_KIND, 'Normal', 'Suspended', 'Job suspended');
      return r.changed;
    }
    const r = ensureCondition(status.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
    status.conditions = r.conditions;
    if (r.changed) {
      this.events.record(job, JOB_KIND, 'Normal', 'Resumed', 'Job resumed');
      // activeDeadlineSeconds counts the time a Job is continuously active: resuming starts it anew.
      status.startTime = formatTime(now);
    }
    return r.changed;
  }

  /** manageJob creates or deletes pods towards wantActive (deletion wins in one sync); it returns the active count. */
  private async manageJob(key: string, job: Job, jc: SyncJob, succeeded: number, backoff: BackoffRecord, now: number): Promise<{ active: number; error?: unknown }> {
    const active = jc.activePods.length;
    const afterDeleting = async (pods: readonly RoPod[]): Promise<{ active: number; error?: unknown }> => {
      const deleted = await this.deleteActivePods(key, job, pods, true, true);
      jc.terminating += deleted.removed;
      jc.ready -= deleted.removedReady;
      return { active: active - deleted.removed, ...(deleted.error === undefined ? {} : { error: deleted.error }) };
    };
    if (jobSuspended(job)) return afterDeleting(activePodsForRemoval(job, jc.activePods, active, jc.succeededIndexes));
    const want = wantActive(job, active, succeeded);
    const rm = activePodsForRemoval(job, jc.activePods, Math.max(0, active - want), jc.succeededIndexes).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (rm.length > 0) return afterDeleting(rm);
    const terminating = onlyReplaceFailedPods(job) ? jc.terminating : 0;
    let diff = want - terminating - active;
    if (diff <= 0) return { active };
    const wait = backoffRemainingMs(backoff, now);
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      return { active };
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] | undefined;
    if (isIndexedJob(job)) {
      const terminatingPods = jc.pods.filter(isPodTerminatingForJob);
      indexes = firstPendingIndexes(job, jc.activePods, terminatingPods, jc.succeededIndexes, diff);
      diff = indexes.length;
      if (diff === 0) return { active };
    }
    this.expectations.expectCreations(key, diff);
    const chosen = indexes;
    let created = 0;
    try {
      await this.podControl.createPods(
        key,
        job,
        diff,
        (i) => {
          created = i; // the creates before this one were sent; those that failed are corrected by the next sync
          return podForJob(job, chosen?.[i]);
        },
        (i): Record<string, string> => (chosen === undefined ? {} : { index: String(chosen[i]) }),
      );
    } catch (err) {
      if (err instanceof NotLeadingError) throw err;
      // The pods before the failed one were made; the rest were never sent.
      return { active: active + created, error: err };
    }
    return { active: active + diff };
  }

  /**
   * deleteActivePods deletes pods, first taking their tracking finalizer off when dropFinalizer (a suspended or
   * scaled-down Job's pods do not count as failures) or keeping it (a failing Job's pods are counted as failed),
   * recording the deletions as expected when expect.
   */
  private async deleteActivePods(key: string, job: Job, pods: readonly RoPod[], dropFinalizer: boolean, expect: boolean): Promise<{ removed: number; removedReady: number; error?: unknown }> {
    if (pods.length === 0) return { removed: 0, removedReady: 0 };
    // A finishing Job's deletions set no expectations (kube's deleteActivePods): creations still in flight must
    // keep the Job from being declared finished until they are seen.
    if (expect) this.expectations.expectDeletions(key, pods.map((p) => cacheKey(p)));
    let removed = 0;
    let removedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          if (dropFinalizer && hasTrackingFinalizer(pod)) await this.removeFinalizer(pod, key);
          await this.podControl.deletePods(key, job, [pod]);
        } catch (err) {
          if (err instanceof NotLeadingError) throw err;
          if (expect) this.expectations.deletionObserved(key, cacheKey(pod));
          // A pod already gone counts as removed (kube's deleteJobPods): the Job need not wait a sync for it.
          if (!isNotFound(err)) {
            error ??= err;
            return;
          }
        }
        removed++;
        if (countReady([pod]) === 1) removedReady++;
      }),
    );
    return { removed, removedReady, ...(error === undefined ? {} : { error }) };
  }

  /**
   * trackStatusAndRemoveFinalizers records finished pods (trackJobStatusAndRemoveFinalizers): the status with
   * the new uncounted UIDs (and any interim condition) is written, then the finalizers removed, then the
   * counters moved; the terminal condition is added once nothing is left uncounted or terminating.
   */
  private async trackStatusAndRemoveFinalizers(key: string, jc: SyncJob, cached: RoJob, needsStatusUpdate: boolean, now: number): Promise<void> {
    const job = jc.job;
    const status = job.status as JobStatus;
    let needsFlush = needsStatusUpdate;
    const uidsWithFinalizer = new Set<string>();
    for (const p of jc.pods) if (hasTrackingFinalizer(p) && !jc.expectedRmFinalizers.has(p.metadata.uid ?? '')) uidsWithFinalizer.add(p.metadata.uid ?? '');
    if (cleanUncounted(status, uidsWithFinalizer)) needsFlush = true;
    const plan = planTracking(job, jc.pods, jc.expectedRmFinalizers, jc.finished?.type === 'Failed', jc.finished !== undefined, jc.previousSucceeded);
    const before = JSON.stringify(status.uncountedTerminatedPods ?? {});
    status.uncountedTerminatedPods = {
      ...(plan.uncountedSucceeded.length > 0 ? { succeeded: plan.uncountedSucceeded } : {}),
      ...(plan.uncountedFailed.length > 0 ? { failed: plan.uncountedFailed } : {}),
    };
    if (JSON.stringify(status.uncountedTerminatedPods) !== before) needsFlush = true;
    if (isIndexedJob(job)) {
      jc.succeededIndexes = withIndexes(jc.previousSucceeded, plan.newSucceededIndexes);
      const completed = formatIntervals(jc.succeededIndexes);
      if (completed !== (status.completedIndexes ?? '')) needsFlush = true;
      status.completedIndexes = completed;
      status.succeeded = intervalsTotal(jc.succeededIndexes);
    }
    // The interim condition goes into the status before any finalizer comes off.
    if (jc.finished !== undefined && jc.finished.interim) {
      const interimType = jc.finished.type === 'Failed' ? 'FailureTarget' : 'SuccessCriteriaMet';
      if (jobCondition(job, interimType)?.status !== 'True') {
        status.conditions = [...(status.conditions ?? []), newJobCondition(interimType, 'True', jc.finished.reason, jc.finished.message, now)];
        needsFlush = true;
      }
    }

    let current: RoJob = cached;
    if (needsFlush) {
      current = (await this.writeStatus(current, status)) ?? current;
      needsFlush = false;
    }
    if (jc.backoff !== undefined) this.backoff.set(key, jc.backoff);
    if (plan.podsToRemoveFinalizer.length > 0) {
      const expected = this.finalizerRemovals.get(key) ?? new Set<string>();
      this.finalizerRemovals.set(key, expected);
      let removeError: unknown;
      await Promise.all(
        plan.podsToRemoveFinalizer.map(async (pod) => {
          const uid = pod.metadata.uid ?? '';
          expected.add(uid);
          try {
            await this.removeFinalizer(pod, key);
            uidsWithFinalizer.delete(uid);
          } catch (err) {
            expected.delete(uid);
            if (err instanceof NotLeadingError) throw err;
            if (isNotFound(err)) uidsWithFinalizer.delete(uid);
            else removeError ??= err;
          }
        }),
      );
      if (cleanUncounted(status, uidsWithFinalizer)) needsFlush = true;
      if (removeError !== undefined) {
        if (needsFlush) await this.writeStatus(current, status);
        throw removeError;
      }
    }

    let finished = false;
    if (jc.finished !== undefined && !plan.reachedMax) {
      const uncounted = (status.uncountedTerminatedPods?.succeeded ?? []).length + (status.uncountedTerminatedPods?.failed ?? []).length;
      if (uncounted === 0 && jc.terminating === 0) {
        const r = ensureCondition(status.conditions, jc.finished.type, 'True', jc.finished.reason, jc.finished.message, now);
        status.conditions = r.conditions;
        // A suspended Job of zero completions completes without ever starting: it needs a startTime all the same.
        status.startTime ??= formatTime(now);
        if (jc.finished.type === 'Complete') status.completionTime = formatTime(now);
        finished = true;
        needsFlush = true;
      }
    }
    if (needsFlush) {
      await this.writeStatus(current, status);
      if (finished) {
        if (jc.finished?.type === 'Complete') this.events.record(job, JOB_KIND, 'Normal', 'Completed', 'Job completed');
        else if (jc.finished !== undefined) this.events.record(job, JOB_KIND, 'Warning', jc.finished.reason, jc.finished.message);
      }
    }
  }

  /**
   * writeStatus writes status through /status unless job already says it, and returns the written Job. The write
   * carries the cached resourceVersion and is not retried on a conflict: counters computed from a stale Job must
   * not land (the sync is requeued and starts again from the newer one).
   */
  private async writeStatus(job: RoJob, status: JobStatus): Promise<Job | undefined> {
    if (jsonEqual(job.status ?? {}, status)) return undefined;
    const body = { ...(deepCopy(job) as Job), status: deepCopy(status) };
    return this.writer.write('update-job-status', cacheKey(job), () => this.ctx.client.updateStatus<Job>(JOBS, body), { active: status.active ?? 0, succeeded: status.succeeded ?? 0, failed: status.failed ?? 0 });
  }
}

/** removeFinalizerPatch is the strategic merge patch that removes the Job tracking finalizer from a pod. */
function removeFinalizerPatch(): unknown {
  return { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };
}
