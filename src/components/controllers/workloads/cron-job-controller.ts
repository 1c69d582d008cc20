/**
 * The CronJob controller (kube's pkg/controller/cronjob, ControllerV2): creates a CronJob's Jobs on its schedule.
 * A sync reads the CronJob's Jobs (those it controls), takes finished ones out of `status.active` (a
 * `SawCompletedJob` Event) and vanished ones too (`MissingJob`, after asking the API server), records the latest
 * completion in `lastSuccessfulTime`, deletes finished Jobs beyond the history limits, and — unless the CronJob is
 * suspended or being deleted — runs the most recent schedule time not yet run: too late past
 * startingDeadlineSeconds is a `MissSchedule` warning, `Forbid` skips it while a Job is active
 * (`JobAlreadyActive`), `Replace` deletes the active Jobs first; the Job (named after the schedule minute, so a
 * time never runs twice) is created (`SuccessfulCreate`), added to `status.active` and the time recorded in
 * `lastScheduleTime`. The CronJob is looked at again 100 ms after its next schedule time. A spec.timeZone names
 * the zone the schedule is read in; without one it is read in the controller-manager's local zone (as kube's:
 * Go's time.Local, from TZ or /etc/localtime; Node's Intl reads the same).
 */
import { isKnownTimeZone, parseCronSchedule } from '../../../api/cron-schedule.js';
import { deepCopy, formatTime, jsonEqual, parseTime, type CronJob, type DeepReadonly, type Job } from '../../../api/index.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { isAlreadyExists, isNamespaceTerminating, isNotFound } from '../../client/errors.js';
import { tombstoneObject } from '../../client/informer.js';
import type { CacheReader } from '../../client/indexer.js';
import { CRON_JOBS, JOBS } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import { eventRecorder, type ComponentContext, type Controller } from '../../runtime/controller.js';
import { cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import { ControllerWriter } from './controller-writer.js';
import {
  CRON_JOB_KIND,
  TOO_MANY_MISSED,
  jobFromTemplate,
  jobName,
  jobReference,
  jobsBeyondHistory,
  mostRecentScheduleTime,
  nextScheduleDelayMs,
} from './cron-job-sync.js';
import { finishedCondition } from './job-sync.js';
import { listInNamespace, namespacedInformer, resolveControllerRef } from './shared-informers.js';

/** CronJobControllerOptions tune the controller. */
export interface CronJobControllerOptions {
  /** workers is --concurrent-cron-job-syncs (default 5). */
  readonly workers?: number;
  /** localTimeZone reads the schedules that name no spec.timeZone (default: the process's zone). */
  readonly localTimeZone?: string;
}

/** cronJobController is the `cronjob` controller of the controller-manager; see the module comment. */
export function cronJobController(options: CronJobControllerOptions = {}): Controller {
  return {
    name: 'cronjob',
    run: (ctx, signal) => new CronJobSyncer(ctx, signal, options).run(),
  };
}

type RoJob = DeepReadonly<Job>;

class CronJobSyncer {
  private readonly queue: WorkQueue<string>;
  private readonly cronJobs: CacheReader<CronJob>;
  private readonly jobs: CacheReader<Job>;
  private readonly cronJobInformer;
  private readonly jobInformer;
  private readonly writer: ControllerWriter;
  private readonly events: EventRecorder;
  private readonly log: ComponentContext['log'];
  private readonly localTimeZone: string;

  constructor(
    private readonly ctx: ComponentContext,
    private readonly signal: AbortSignal,
    private readonly options: CronJobControllerOptions,
  ) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.cronJobInformer = namespacedInformer<CronJob>(ctx.informers, CRON_JOBS);
    this.jobInformer = namespacedInformer<Job>(ctx.informers, JOBS);
    this.cronJobs = this.cronJobInformer.cache;
    this.jobs = this.jobInformer.cache;
    this.writer = new ControllerWriter(ctx, signal);
    this.events = eventRecorder(ctx, signal, 'cronjob-controller');
    this.log = ctx.log.child({ controller: 'cronjob' });
    this.localTimeZone = options.localTimeZone ?? processTimeZone();
  }

  async run(): Promise<void> {
    const owner = (job: RoJob): void => {
      const cj = resolveControllerRef(this.cronJobs, job, 'CronJob');
      if (cj !== undefined) this.queue.add(cacheKey(cj));
    };
    const registrations = [
      this.cronJobInformer.addEventHandler({
        onAdd: (cj) => this.queue.add(cacheKey(cj)),
        onUpdate: (_old, cj) => this.queue.add(cacheKey(cj)),
      }),
      this.jobInformer.addEventHandler({ onAdd: owner, onUpdate: (_old, job) => owner(job), onDelete: (obj) => owner(tombstoneObject(obj)) }),
    ];
    const workers = this.options.workers ?? 5;
    try {
      if (!(await syncInformers(this.ctx, this.signal))) return;
      this.log.info({ workers }, 'cronjob controller started');
      await runWorkers('cronjob', this.queue, workers, (key) => this.sync(key), this.signal, this.log);
    } finally {
      this.queue.shutDown();
      for (const r of registrations) r.remove();
    }
  }

  /** sync is kube's sync: clean up history, sync, write the status once if it changed, requeue at the next time. */
  private async sync(key: string): Promise<void> {
    const cached = this.cronJobs.get(key);
    if (cached === undefined) return;
    const cj = deepCopy(cached) as CronJob;
    cj.status ??= {};
    const jobs = listInNamespace(this.jobs, cj.metadata.namespace ?? '').filter((j) => (j.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === cj.metadata.uid));
    await this.cleanupFinishedJobs(cj, jobs);
    let requeueAfter: number | undefined;
    let syncError: unknown;
    try {
      requeueAfter = await this.syncCronJob(cj, jobs);
    } catch (err) {
      syncError = err;
    }
    if (!jsonEqual(cached.status ?? {}, cj.status)) {
      const body = deepCopy(cj);
      await this.writer.write('update-cronjob-status', key, () => this.ctx.client.updateStatus<CronJob>(CRON_JOBS, body), { active: (cj.status.active ?? []).length });
    }
    if (requeueAfter !== undefined) this.queue.addAfter(key, Math.max(0, requeueAfter));
    else if (syncError !== undefined) throw syncError;
  }

  /** cleanupFinishedJobs deletes the finished Jobs beyond the history limits. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: readonly RoJob[]): Promise<void> {
    for (const job of jobsBeyondHistory(cj, jobs)) await this.deleteJob(cj, job);
  }

  /** deleteJob deletes a Job of the CronJob (background propagation) and takes it out of the active list. */
  private async deleteJob(cj: CronJob, job: RoJob): Promise<boolean> {
    const name = job.metadata.name ?? '';
    try {
      await this.writer.write('delete-job', cacheKey(job), () => this.ctx.client.delete(JOBS, job.metadata.namespace, name, { propagationPolicy: 'Background' }), { cronjob: cj.metadata.name ?? '' });
    } catch (err) {
      if (!isNotFound(err)) {
        this.events.record(cj, CRON_JOB_KIND, 'Warning', 'FailedDelete', `Deleted job: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
    }
    this.removeFromActive(cj, job.metadata.uid ?? '');
    this.events.record(cj, CRON_JOB_KIND, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    return true;
  }

  private removeFromActive(cj: CronJob, uid: string): void {
    const status = cj.status ?? (cj.status = {});
    const active = (status.active ?? []).filter((r) => r.uid !== uid);
    if (active.length > 0) status.active = active;
    else delete status.active;
  }

  /** syncCronJob is kube's syncCronJob; it returns when to look again, if ever. */
  private async syncCronJob(cj: CronJob, jobs: readonly RoJob[]): Promise<number | undefined> {
    const now = this.ctx.clock.now();
    const status = cj.status ?? (cj.status = {});
    const children = new Set<string>();
    for (const job of jobs) {
      const uid = job.metadata.uid ?? '';
      children.add(uid);
      const inActive = (status.active ?? []).some((r) => r.uid === uid);
      const finished = finishedCondition(job)?.type;
      if (!inActive && finished === undefined) {
        this.events.record(cj, CRON_JOB_KIND, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name ?? ''}`);
      } else if (inActive && finished !== undefined) {
        this.removeFromActive(cj, uid);
        this.events.record(cj, CRON_JOB_KIND, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name ?? ''}, condition: ${finished}`);
      }
      // Whether or not it was listed as active, a succeeded Job's completion counts (in the same sync).
      if (finished === 'Complete' && typeof job.status?.completionTime === 'string') {
        const done = parseTime(job.status.completionTime);
        if (status.lastSuccessfulTime === undefined || done > parseTime(status.lastSuccessfulTime)) status.lastSuccessfulTime = job.status.completionTime;
      }
    }
    for (const ref of [...(status.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      // A slow watch may not show the Job yet: only the API server can say it is gone.
      try {
        await this.ctx.client.get<Job>(JOBS, ref.namespace ?? cj.metadata.namespace, ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.events.record(cj, CRON_JOB_KIND, 'Normal', 'MissingJob', `Active job went missing: ${ref.name ?? ''}`);
        this.removeFromActive(cj, ref.uid ?? '');
      }
    }
    if (cj.metadata.deletionTimestamp) return undefined;
    const timeZone = cj.spec?.timeZone ?? this.localTimeZone;
    if (!isKnownTimeZone(timeZone)) {
      this.events.record(cj, CRON_JOB_KIND, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${timeZone}": unknown time zone ${timeZone}`);
      return undefined;
    }
    if (cj.spec?.suspend === true) return undefined;
    const parsed = parseCronSchedule(cj.spec?.schedule ?? '');
    if (parsed.schedule === undefined) {
      this.events.record(cj, CRON_JOB_KIND, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec?.schedule ?? ''}" : ${parsed.error}`);
      return undefined;
    }
    const schedule = parsed.schedule;
    let recent;
    try {
      recent = mostRecentScheduleTime(cj, schedule, timeZone, now, true);
    } catch (err) {
      this.events.record(cj, CRON_JOB_KIND, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule ?? ''} : ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    if (recent.missed > TOO_MANY_MISSED) {
      this.events.record(cj, CRON_JOB_KIND, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const next = (): number | undefined => nextScheduleDelayMs(cj, schedule, timeZone, this.ctx.clock.now());
    const scheduled = recent.time;
    if (scheduled === undefined) return next();
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now) {
      this.events.record(cj, CRON_JOB_KIND, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRFC1123Z(scheduled)}`);
      return next();
    }
    const name = jobName(cj, scheduled);
    if ((status.active ?? []).some((r) => r.name === name) || (status.lastScheduleTime !== undefined && parseTime(status.lastScheduleTime) === scheduled)) return next();
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active ?? []).length > 0) {
      this.events.record(cj, CRON_JOB_KIND, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return next();
    }
    if (policy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        const job = this.jobs.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`) ?? ({ metadata: { namespace: ref.namespace, name: ref.name, uid: ref.uid } } as RoJob);
        if (!(await this.deleteJob(cj, job))) throw new Error(`could not replace job ${ref.namespace ?? ''}/${ref.name ?? ''}`);
      }
    }
    // The scheduled-timestamp annotation is written in spec.timeZone, or UTC without one (kube: LoadLocation("")).
    const body = jobFromTemplate(cj, scheduled, cj.spec?.timeZone ?? 'UTC');
    let created: Job;
    try {
      created = await this.writer.write('create-job', `${body.metadata.namespace ?? ''}/${name}`, () => this.ctx.client.create<Job>(JOBS, body.metadata.namespace, body), { cronjob: cj.metadata.name ?? '', scheduled: formatTime(scheduled) });
      this.events.record(cj, CRON_JOB_KIND, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
    } catch (err) {
      if (isNamespaceTerminating(err)) throw err;
      if (!isAlreadyExists(err)) {
        this.events.record(cj, CRON_JOB_KIND, 'Warning', 'FailedCreate', `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
      // Someone (an earlier term of this controller) made it: take it if it is ours and not yet listed.
      created = await this.ctx.client.get<Job>(JOBS, body.metadata.namespace, name);
      const ours = (created.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === cj.metadata.uid);
      if (!ours || (status.active ?? []).some((r) => r.uid === created.metadata.uid)) return undefined;
    }
    status.active = [...(status.active ?? []), jobReference(created)];
    status.lastScheduleTime = formatTime(scheduled);
    return next();
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** formatRFC1123Z writes an instant as Go's time.RFC1123Z in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function formatRFC1123Z(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]!}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]!} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/**
 * processTimeZone is the zone of this process (Go's time.Local: TZ, else /etc/localtime), or UTC where none can
 * be found (Intl then says `Etc/Unknown`; Go falls back to UTC).
 */
function processTimeZone(): string {
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone !== undefined && zone !== 'Etc/Unknown' && isKnownTimeZone(zone) ? zone : 'UTC';
}
