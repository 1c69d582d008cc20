/**
 * The TTL-after-finished controller (kube's pkg/controller/ttlafterfinished): deletes a Job
 * ttlSecondsAfterFinished after it finished (the lastTransitionTime of its Complete or Failed condition), with
 * foreground propagation so its pods go first. A Job whose time has not come is looked at again when it does;
 * before deleting, the Job is read again from the API server (a cache may be stale: the TTL may have been
 * changed or removed) and the delete carries its uid and resourceVersion as preconditions.
 */
import { parseTime, type DeepReadonly, type Job } from '../../../api/index.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import type { CacheReader } from '../../client/indexer.js';
import { JOBS } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ComponentContext, Controller } from '../../runtime/controller.js';
import { cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import { ControllerWriter } from './controller-writer.js';
import { finishedCondition } from './job-sync.js';
import { namespacedInformer } from './shared-informers.js';

/** TtlAfterFinishedControllerOptions tune the controller. */
export interface TtlAfterFinishedControllerOptions {
  /** workers is --concurrent-ttl-after-finished-syncs (default 5). */
  readonly workers?: number;
}

/** ttlAfterFinishedController is the `ttl-after-finished` controller; see the module comment. */
export function ttlAfterFinishedController(options: TtlAfterFinishedControllerOptions = {}): Controller {
  return {
    name: 'ttl-after-finished',
    run: (ctx, signal) => new TtlAfterFinished(ctx, signal, options).run(),
  };
}

/** jobFinishedAt is when a Job finished (its True Complete or Failed condition's transition), or undefined. */
export function jobFinishedAt(job: DeepReadonly<Job>): number | undefined {
  const at = finishedCondition(job)?.lastTransitionTime;
  return typeof at === 'string' ? parseTime(at) : undefined;
}

/** ttlExpiresInMs is how long until a finished Job with a TTL expires (≤ 0: now), or undefined when it never does. */
export function ttlExpiresInMs(job: DeepReadonly<Job>, now: number): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp) return undefined;
  const finished = jobFinishedAt(job);
  return finished === undefined ? undefined : finished + ttl * 1000 - now;
}

class TtlAfterFinished {
  private readonly queue: WorkQueue<string>;
  private readonly jobs: CacheReader<Job>;
  private readonly informer;
  private readonly writer: ControllerWriter;
  private readonly log: ComponentContext['log'];

  constructor(
    private readonly ctx: ComponentContext,
    private readonly signal: AbortSignal,
    private readonly options: TtlAfterFinishedControllerOptions,
  ) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.informer = namespacedInformer<Job>(ctx.informers, JOBS);
    this.jobs = this.informer.cache;
    this.writer = new ControllerWriter(ctx, signal);
    this.log = ctx.log.child({ controller: 'ttl-after-finished' });
  }

  async run(): Promise<void> {
    const consider = (job: DeepReadonly<Job>): void => {
      if (ttlExpiresInMs(job, this.ctx.clock.now()) !== undefined) this.queue.add(cacheKey(job));
    };
    const registration = this.informer.addEventHandler({ onAdd: consider, onUpdate: (_old, job) => consider(job) });
    const workers = this.options.workers ?? 5;
    try {
      if (!(await syncInformers(this.ctx, this.signal))) return;
      this.log.info({ workers }, 'ttl-after-finished controller started');
      await runWorkers('ttl-after-finished', this.queue, workers, (key) => this.sync(key), this.signal, this.log);
    } finally {
      this.queue.shutDown();
      registration.remove();
    }
  }

  private async sync(key: string): Promise<void> {
    const cached = this.jobs.get(key);
    if (cached === undefined) return;
    const due = ttlExpiresInMs(cached, this.ctx.clock.now());
    if (due === undefined) return;
    if (due > 0) {
      this.queue.addAfter(key, due);
      return;
    }
    // The cache may be stale: the TTL must still have expired on the Job as the API server has it.
    let fresh: Job;
    try {
      fresh = await this.ctx.client.get<Job>(JOBS, cached.metadata.namespace, cached.metadata.name ?? '');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const freshDue = ttlExpiresInMs(fresh, this.ctx.clock.now());
    if (freshDue === undefined) return;
    if (freshDue > 0) {
      this.queue.addAfter(key, freshDue);
      return;
    }
    try {
      await this.writer.write(
        'delete-job',
        key,
        () =>
          this.ctx.client.delete(JOBS, fresh.metadata.namespace, fresh.metadata.name ?? '', {
            propagationPolicy: 'Foreground',
            preconditions: { uid: fresh.metadata.uid ?? '', resourceVersion: fresh.metadata.resourceVersion ?? '' },
          }),
        { ttlSecondsAfterFinished: fresh.spec?.ttlSecondsAfterFinished ?? 0 },
      );
    } catch (err) {
      if (isNotFound(err)) return;
      // A conflict means the Job changed since it was read: look again.
      if (isConflict(err)) this.queue.add(key);
      else throw err;
    }
  }
}
