/**
 * The CronJob controller's decisions (kube's pkg/controller/cronjob: cronjob_controllerv2.go, utils.go), pure
 * functions of a CronJob, its Jobs and the time:
 *
 * - the most recent schedule time not yet run (since the last schedule, or the CronJob's creation; never
 *   before now − startingDeadlineSeconds), with kube's count of missed times (more than 100 is "too many");
 * - when to look again: 100 ms after the next schedule time;
 * - the Job a schedule time gets: named `<cronjob>-<minutes since the epoch>` (so one time is never run twice),
 *   the template's labels, annotations and spec, `batch.kubernetes.io/cronjob-scheduled-timestamp` in the
 *   CronJob's zone, the CronJob as controller;
 * - the finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit, oldest first.
 */
import {
  deepCopy,
  newControllerRef,
  parseTime,
  type CronJob,
  type DeepReadonly,
  type GroupVersionKind,
  type Job,
  type ObjectReference,
} from '../../../api/index.js';
import { formatInZone, type CronSchedule } from '../../../api/cron-schedule.js';
import { finishedCondition } from './job-sync.js';

type RoCronJob = DeepReadonly<CronJob>;
type RoJob = DeepReadonly<Job>;

/** CRON_JOB_KIND is the group, version and kind stamped on the ownerReferences of a CronJob's Jobs. */
export const CRON_JOB_KIND: GroupVersionKind = { group: 'batch', version: 'v1', kind: 'CronJob' };

/** CRON_JOB_SCHEDULED_TIMESTAMP_ANNOTATION is when a CronJob's Job was scheduled (RFC 3339, in the CronJob's zone). */
export const CRON_JOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** NEXT_SCHEDULE_DELTA_MS is how long after a schedule time the CronJob is looked at again (nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;

/** TOO_MANY_MISSED is the count of missed schedule times above which kube warns (TooManyMissedTimes). */
export const TOO_MANY_MISSED = 100;

/** MostRecent is what mostRecentScheduleTime found. */
export interface MostRecent {
  /** earliest is where the search started: the last schedule time, creation, or now − startingDeadlineSeconds. */
  readonly earliest: number;
  /** time is the most recent schedule time at or before now after earliest, if any. */
  readonly time?: number;
  /** missed is how many schedule times kube estimates were missed. */
  readonly missed: number;
}

/** InvalidScheduleError is a schedule whose next two times are less than a second apart (kube's error). */
export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
  constructor() {
    super('time difference between two schedules is less than 1 second');
  }
}

/**
 * mostRecentScheduleTime is kube's: from the last schedule time (or creation, or — with the deadline —
 * now − startingDeadlineSeconds if later), the latest schedule time not after now; the missed count is estimated
 * from the interval between the next two times, as kube does.
 */
export function mostRecentScheduleTime(cj: RoCronJob, schedule: CronSchedule, timeZone: string, now: number, withDeadline: boolean): MostRecent {
  let earliest = typeof cj.status?.lastScheduleTime === 'string' ? parseTime(cj.status.lastScheduleTime) : typeof cj.metadata.creationTimestamp === 'string' ? parseTime(cj.metadata.creationTimestamp) : now;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (withDeadline && deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
  const next = (t: number): number | undefined => schedule.next(new Date(t), timeZone)?.getTime();
  const t1 = next(earliest);
  // A schedule that never fires (`0 0 30 2 *`) is robfig's zero time twice: less than a second apart.
  if (t1 === undefined) throw new InvalidScheduleError();
  if (now < t1) return { earliest, missed: 0 };
  const t2 = next(t1);
  if (t2 === undefined) throw new InvalidScheduleError();
  if (now < t2) return { earliest, time: t1, missed: 0 };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) throw new InvalidScheduleError();
  const missed = Math.floor((now - t1) / 1000 / between) + 1;
  let latest: number | undefined;
  for (let t = next(t1 + (missed - 2) * between * 1000); t !== undefined && t <= now; t = next(t)) latest = t;
  return { earliest, ...(latest === undefined ? {} : { time: latest }), missed };
}

/**
 * nextScheduleDelayMs is how long until 100 ms after the next schedule time (nextScheduleTimeDuration): counted
 * from the most recent time, or from the search's start when none was missed, else from now; undefined when the
 * schedule never fires.
 */
export function nextScheduleDelayMs(cj: RoCronJob, schedule: CronSchedule, timeZone: string, now: number): number | undefined {
  let from = now;
  try {
    const recent = mostRecentScheduleTime(cj, schedule, timeZone, now, false);
    from = recent.time ?? (recent.missed === 0 ? recent.earliest : now);
  } catch {
    // Still look again some time: from now.
  }
  const next = schedule.next(new Date(from), timeZone)?.getTime();
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
}

/** jobName is the Job a CronJob runs at scheduledTime: `<cronjob>-<minutes since the epoch>` (getJobName). */
export function jobName(cj: RoCronJob, scheduledTime: number): string {
  return `${cj.metadata.name ?? ''}-${Math.floor(scheduledTime / 60_000)}`;
}

/** jobFromTemplate is the Job for scheduledTime (getJobFromTemplate2). */
export function jobFromTemplate(cj: RoCronJob, scheduledTime: number, timeZone: string): Job {
  const template = deepCopy(cj.spec?.jobTemplate ?? {}) as NonNullable<CronJob['spec']>['jobTemplate'];
  const annotations = { ...(template.metadata?.annotations ?? {}), [CRON_JOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledTime, timeZone) };
  const labels = template.metadata?.labels;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledTime),
      namespace: cj.metadata.namespace ?? '',
      ...(labels === undefined ? {} : { labels: { ...labels } }),
      annotations,
      ownerReferences: [newControllerRef(cj as CronJob, CRON_JOB_KIND)],
    },
    spec: template.spec ?? { template: {} },
  };
}

/** jobReference is the status.active entry of a Job (getRef). */
export function jobReference(job: RoJob): ObjectReference {
  return { kind: 'Job', namespace: job.metadata.namespace ?? '', name: job.metadata.name ?? '', uid: job.metadata.uid ?? '', apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion ?? '' };
}

function startedAt(job: RoJob): number | undefined {
  return typeof job.status?.startTime === 'string' ? parseTime(job.status.startTime) : undefined;
}

/**
 * jobsBeyondHistory are the finished Jobs to delete (cleanupFinishedJobs): of the succeeded ones all but the newest
 * successfulJobsHistoryLimit, of the failed ones all but the newest failedJobsHistoryLimit, oldest first by start
 * time (a Job that never started counts as newest), then name.
 */
export function jobsBeyondHistory(cj: RoCronJob, jobs: readonly RoJob[]): RoJob[] {
  const byStart = (a: RoJob, b: RoJob): number => {
    const sa = startedAt(a);
    const sb = startedAt(b);
    if (sa !== sb) {
      if (sa === undefined) return 1;
      if (sb === undefined) return -1;
      return sa - sb;
    }
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  };
  const out: RoJob[] = [];
  const pick = (kind: 'Complete' | 'Failed', limit: number | null | undefined): void => {
    if (limit === undefined || limit === null) return;
    const finished = jobs.filter((j) => finishedCondition(j)?.type === kind).sort(byStart);
    out.push(...finished.slice(0, Math.max(0, finished.length - limit)));
  };
  pick('Complete', cj.spec?.successfulJobsHistoryLimit);
  pick('Failed', cj.spec?.failedJobsHistoryLimit);
  return out;
}
