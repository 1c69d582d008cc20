/**
 * The batch/v1 printers of Kubernetes 1.32: Job (NAME STATUS COMPLETIONS DURATION AGE, wide CONTAINERS IMAGES
 * SELECTOR) and CronJob (NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE, wide CONTAINERS IMAGES
 * SELECTOR). A Job's STATUS is the first of Complete, Failed, Terminating (being deleted), Suspended and
 * FailureTarget that holds, else Running; COMPLETIONS is `succeeded/completions`, or `succeeded/1` (`of
 * <parallelism>` when more than one pod runs at once) for a Job without completions; DURATION runs from the
 * start to the completion, or to now while the Job has not completed, and is empty before it starts.
 */
import type { CronJob, Job, JobCondition, JobConditionType } from '../../api/batch-v1.js';
import type { KubeObject } from '../../api/meta-v1.js';
import { DESC_CONTAINER_IMAGES, DESC_CONTAINER_NAMES, DESC_CRON_JOB, DESC_JOB } from './descriptions.js';
import { humanDuration } from './duration.js';
import { formatLabelSelector } from './printer-apps.js';
import { type PrintedRow, type TableConvertor, ageColumn, column, layoutContainerCells, nameColumn, timestampMillis, translateTimestampSince } from './table-convertor.js';

const jobColumns = [
  nameColumn,
  column('Status', 'string', DESC_JOB.status),
  column('Completions', 'string', DESC_JOB.succeeded),
  column('Duration', 'string', DESC_JOB.duration),
  ageColumn,
  column('Containers', 'string', DESC_CONTAINER_NAMES, 1),
  column('Images', 'string', DESC_CONTAINER_IMAGES, 1),
  column('Selector', 'string', DESC_JOB.selector, 1),
];

const cronJobColumns = [
  nameColumn,
  column('Schedule', 'string', DESC_CRON_JOB.schedule),
  column('Timezone', 'string', DESC_CRON_JOB.timeZone),
  column('Suspend', 'boolean', DESC_CRON_JOB.suspend),
  column('Active', 'integer', DESC_CRON_JOB.active),
  column('Last Schedule', 'string', DESC_CRON_JOB.lastScheduleTime),
  ageColumn,
  column('Containers', 'string', DESC_CONTAINER_NAMES, 1),
  column('Images', 'string', DESC_CONTAINER_IMAGES, 1),
  column('Selector', 'string', DESC_JOB.selector, 1),
];

/** hasJobCondition is the printers' hasJobCondition: the first condition of the type decides, True or not. */
function hasJobCondition(conditions: readonly JobCondition[] | undefined, type: JobConditionType): boolean {
  const c = (conditions ?? []).find((x) => x.type === type);
  return c?.status === 'True';
}

/** jobStatus is the STATUS cell of a Job. */
function jobStatus(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasJobCondition(conditions, 'Complete')) return 'Complete';
  if (hasJobCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp !== undefined && job.metadata.deletionTimestamp !== null) return 'Terminating';
  if (hasJobCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasJobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(job: Job, now: number): string {
  const start = timestampMillis(job.status?.startTime);
  if (start === undefined) return '';
  const end = timestampMillis(job.status?.completionTime);
  return humanDuration((end ?? now) - start);
}

function printJob(job: Job, now: number): PrintedRow {
  const [containers, images] = layoutContainerCells(job.spec?.template?.spec?.containers);
  return {
    cells: [
      job.metadata.name ?? '',
      jobStatus(job),
      completions(job),
      duration(job, now),
      translateTimestampSince(job.metadata.creationTimestamp, now),
      containers,
      images,
      formatLabelSelector(job.spec?.selector),
    ],
  };
}

/** printBoolPtr is the printers' printBoolPtr: True, False, or `<unset>`. */
function printBoolPtr(v: boolean | undefined): string {
  if (v === undefined) return '<unset>';
  return v ? 'True' : 'False';
}

function printCronJob(cj: CronJob, now: number): PrintedRow {
  const jobSpec = cj.spec?.jobTemplate?.spec;
  const [containers, images] = layoutContainerCells(jobSpec?.template?.spec?.containers);
  const last = cj.status?.lastScheduleTime;
  return {
    cells: [
      cj.metadata.name ?? '',
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      printBoolPtr(cj.spec?.suspend),
      (cj.status?.active ?? []).length,
      last === undefined || last === null ? '<none>' : translateTimestampSince(last, now),
      translateTimestampSince(cj.metadata.creationTimestamp, now),
      containers,
      images,
      formatLabelSelector(jobSpec?.selector),
    ],
  };
}

/** jobTableConvertor prints jobs. */
export const jobTableConvertor: TableConvertor = {
  columns: jobColumns,
  row: (obj: KubeObject, now: number) => printJob(obj as Job, now),
};

/** cronJobTableConvertor prints cron jobs. */
export const cronJobTableConvertor: TableConvertor = {
  columns: cronJobColumns,
  row: (obj: KubeObject, now: number) => printCronJob(obj as CronJob, now),
};
