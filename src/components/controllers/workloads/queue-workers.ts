/**
 * runQueueWorkers runs the worker loop of a controller (sample-controller's runWorker/processNextWorkItem):
 * `workers` loops take keys from the queue and call sync; a key whose sync throws is re-queued rate-limited,
 * one that succeeds is forgotten by the rate limiter. When signal aborts, the queue is shut down and the promise
 * resolves once every worker has returned — a sync in progress sees the same signal and stops writing.
 */
import type { Logger } from '../../../util/logger.js';
import type { WorkQueue } from '../../client/workqueue.js';

/** SyncResult lets a sync ask to look at its key again after a delay. */
export interface SyncResult {
  readonly requeueAfterMs?: number;
}

/** runQueueWorkers processes queue with sync until signal aborts; see the module comment. */
export async function runQueueWorkers(queue: WorkQueue<string>, workers: number, sync: (key: string) => Promise<SyncResult | void>, signal: AbortSignal, log: Logger): Promise<void> {
  const onAbort = (): void => queue.shutDown();
  if (signal.aborted) queue.shutDown();
  else signal.addEventListener('abort', onAbort, { once: true });
  const loop = async (): Promise<void> => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        if (signal.aborted) continue;
        const result = await sync(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined && !signal.aborted) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        if (!signal.aborted) {
          log.warn({ key, err: err instanceof Error ? err.message : String(err) }, 'sync failed; retrying');
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, workers) }, () => loop()));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** waitForSyncOrAbort resolves true once the informers synced, false if signal aborted first. */
export async function waitForSyncOrAbort(waitForSync: () => Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort: () => void = () => {};
  const aborted = new Promise<boolean>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([waitForSync().then(() => true), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** ControllerLoop is what runControllerLoop needs: the informers to start, the handlers to drop, the queue and its sync. */
export interface ControllerLoop {
  readonly name: string;
  readonly informers: { start(): void; waitForSync(): Promise<void> };
  readonly registrations: readonly { remove(): void }[];
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  sync(key: string): Promise<SyncResult | void>;
}

/**
 * runControllerLoop is a controller's whole term: start the shared informers, wait for their caches (or the
 * end of leadership), run the workers until signal aborts, then shut the queue down and drop the handlers.
 */
export async function runControllerLoop(loop: ControllerLoop, signal: AbortSignal, log: Logger): Promise<void> {
  try {
    loop.informers.start();
    if (!(await waitForSyncOrAbort(() => loop.informers.waitForSync(), signal))) return;
    log.info({ workers: loop.workers }, `${loop.name} controller started`);
    await runQueueWorkers(loop.queue, loop.workers, (key) => loop.sync(key), signal, log);
  } finally {
    loop.queue.shutDown();
    for (const r of loop.registrations) r.remove();
  }
}
