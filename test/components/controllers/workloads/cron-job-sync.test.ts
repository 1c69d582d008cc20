/**
 * The CronJob controller's pure decisions, as kube's cronjob utils_test: the most recent unmet schedule time
 * (none yet, one, many missed, cut by startingDeadlineSeconds), when to look again, the Job a time gets (its
 * name, scheduled-timestamp annotation in the CronJob's zone, owner), and which finished Jobs exceed the history.
 */
import { describe, expect, it } from 'vitest';
import { formatTime, parseCronSchedule, type CronJob, type Job } from '../../../../src/api/index.js';
import { formatInZone, type CronSchedule } from '../../../../src/api/cron-schedule.js';
import {
  CRON_JOB_SCHEDULED_TIMESTAMP_ANNOTATION,
  jobFromTemplate,
  jobName,
  jobsBeyondHistory,
  mostRecentScheduleTime,
  nextScheduleDelayMs,
} from '../../../../src/components/controllers/workloads/cron-job-sync.js';

const T = Date.UTC(2026, 11, 4, 10, 0, 0); // a Friday, 10:00 UTC

function schedule(spec: string): CronSchedule {
  const parsed = parseCronSchedule(spec);
  if (parsed.schedule === undefined) throw new Error(parsed.error);
  return parsed.schedule;
}

function cronJob(o: { created?: number; last?: number; deadline?: number; successful?: number; failed?: number } = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'backup', namespace: 'default', uid: 'uid-backup', creationTimestamp: formatTime(o.created ?? T) },
    spec: {
      schedule: '*/10 * * * *',
      ...(o.deadline === undefined ? {} : { startingDeadlineSeconds: o.deadline }),
      ...(o.successful === undefined ? {} : { successfulJobsHistoryLimit: o.successful }),
      ...(o.failed === undefined ? {} : { failedJobsHistoryLimit: o.failed }),
      jobTemplate: { metadata: { labels: { app: 'backup' }, annotations: { team: 'ops' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'backup:1' }] } } } },
    },
    status: o.last === undefined ? {} : { lastScheduleTime: formatTime(o.last) },
  };
}

const MIN = 60_000;

describe('mostRecentScheduleTime', () => {
  it.each([
    { name: 'before the first time: none', now: T + 5 * MIN, time: undefined, missed: 0 },
    { name: 'the first time came', now: T + 10 * MIN + 30_000, time: T + 10 * MIN, missed: 0 },
    { name: 'several passed: the latest, and how many', now: T + 45 * MIN, time: T + 40 * MIN, missed: 4 },
  ])('$name', ({ now, time, missed }) => {
    const r = mostRecentScheduleTime(cronJob(), schedule('*/10 * * * *'), 'UTC', now, true);
    expect(r.time).toBe(time);
    expect(r.missed).toBe(missed);
  });

  it('starts from the last schedule time, not creation', () => {
    const r = mostRecentScheduleTime(cronJob({ created: T - 600 * MIN, last: T + 20 * MIN }), schedule('*/10 * * * *'), 'UTC', T + 25 * MIN, true);
    expect(r.time).toBeUndefined();
  });

  it('startingDeadlineSeconds moves the start of the search forward', () => {
    const r = mostRecentScheduleTime(cronJob({ created: T - 10_000 * MIN, deadline: 300 }), schedule('*/10 * * * *'), 'UTC', T + 12 * MIN, true);
    expect(r.time).toBe(T + 10 * MIN);
    expect(r.missed).toBe(0);
    expect(mostRecentScheduleTime(cronJob({ created: T - 10_000 * MIN, deadline: 300 }), schedule('*/10 * * * *'), 'UTC', T + 12 * MIN, false).missed).toBeGreaterThan(100);
  });

  it('reads the schedule in the CronJob zone', () => {
    const r = mostRecentScheduleTime(cronJob({ created: T }), schedule('0 12 * * *'), 'Europe/Berlin', T + 5 * 60 * MIN, true);
    expect(r.time).toBe(Date.UTC(2026, 11, 4, 11, 0, 0)); // 12:00 in Berlin is 11:00 UTC in December
  });

  it('a schedule that never fires is invalid, as kube finds two zero times less than a second apart', () => {
    expect(() => mostRecentScheduleTime(cronJob(), schedule('0 0 30 2 *'), 'UTC', T, true)).toThrow('time difference between two schedules is less than 1 second');
    expect(nextScheduleDelayMs(cronJob(), schedule('0 0 30 2 *'), 'UTC', T)).toBeUndefined();
  });

  it('an irregular schedule whose estimate finds no time looks again from now, never at once', () => {
    const day0 = Date.UTC(2026, 11, 1);
    const cj = cronJob({ created: day0 + 23 * 60 * MIN + 30 * MIN }); // day 0, 23:30
    // Day 1, 23:00: 00:00 and 01:00 were missed; kube's estimate (an hour apart, 24 missed) starts at 22:00 and
    // finds nothing up to now.
    const now = day0 + 47 * 60 * MIN;
    const r = mostRecentScheduleTime(cj, schedule('0 0,1 * * *'), 'UTC', now, false);
    expect(r.time).toBeUndefined();
    expect(r.missed).toBeGreaterThan(0);
    expect(nextScheduleDelayMs(cj, schedule('0 0,1 * * *'), 'UTC', now)).toBe(60 * MIN + 100);
  });

  it('looks again 100 ms after the next time', () => {
    expect(nextScheduleDelayMs(cronJob(), schedule('*/10 * * * *'), 'UTC', T + 3 * MIN)).toBe(7 * MIN + 100);
    expect(nextScheduleDelayMs(cronJob({ last: T + 40 * MIN }), schedule('*/10 * * * *'), 'UTC', T + 45 * MIN)).toBe(5 * MIN + 100);
  });
});

describe('the Job a schedule time gets', () => {
  it('is named after the minute, annotated with the time in the zone, and owned by the CronJob', () => {
    const job = jobFromTemplate(cronJob(), T + 10 * MIN, 'Europe/Berlin');
    expect(job.metadata.name).toBe(jobName(cronJob(), T + 10 * MIN));
    expect(job.metadata.name).toBe(`backup-${(T + 10 * MIN) / MIN}`);
    expect(job.metadata.annotations).toEqual({ team: 'ops', [CRON_JOB_SCHEDULED_TIMESTAMP_ANNOTATION]: '2026-12-04T11:10:00+01:00' });
    expect(job.metadata.labels).toEqual({ app: 'backup' });
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({ apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', uid: 'uid-backup', controller: true });
    expect(job.spec?.template.spec?.restartPolicy).toBe('OnFailure');
  });

  it('formats times as Go RFC 3339 in a zone', () => {
    expect(formatInZone(T, 'UTC')).toBe('2026-12-04T10:00:00Z');
    expect(formatInZone(Date.UTC(2026, 6, 1, 10, 0, 0), 'America/New_York')).toBe('2026-07-01T06:00:00-04:00');
    expect(formatInZone(T, 'Asia/Kolkata')).toBe('2026-12-04T15:30:00+05:30');
  });
});

describe('history limits', () => {
  const finished = (name: string, start: number, type: 'Complete' | 'Failed' | undefined): Job => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { template: {} },
    status: { startTime: formatTime(start), ...(type === undefined ? {} : { conditions: [{ type, status: 'True' }] }) },
  });

  it('deletes the oldest finished Jobs beyond each limit and keeps running ones', () => {
    const jobs = [finished('s1', T, 'Complete'), finished('s3', T + 2 * MIN, 'Complete'), finished('s2', T + MIN, 'Complete'), finished('f1', T, 'Failed'), finished('f2', T + MIN, 'Failed'), finished('r', T - MIN, undefined)];
    expect(jobsBeyondHistory(cronJob({ successful: 1, failed: 1 }), jobs).map((j) => j.metadata.name)).toEqual(['s1', 's2', 'f1']);
    expect(jobsBeyondHistory(cronJob({ successful: 0, failed: 5 }), jobs).map((j) => j.metadata.name)).toEqual(['s1', 's2', 's3']);
    expect(jobsBeyondHistory(cronJob(), jobs)).toEqual([]);
  });
});
