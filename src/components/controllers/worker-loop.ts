/**
 * The shell every controller of the controller-manager shares, sample-controller's shape: event handlers only
 * enqueue keys; `runWorkers` hands them to N workers that call the controller's syncHandler, requeue a failed
 * key with the queue's rate limiter and forget a succeeded one; when the term's signal aborts the queue shuts
 * down and workers return without syncing what is still queued. `actingWrite` is the one way a controller
 * writes: it refuses once the signal has aborted (leadership ended), and records the action in the journal
 * before the request is sent.
 */
import { metaNamespaceKey } from '../../api/index.js';
import type { Logger } from '../../util/logger.js';
import { CapstanError } from '../../util/errors.js';
import type { WorkQueue } from '../client/workqueue.js';
import type { ComponentContext } from '../runtime/controller.js';

/** NotLeadingError is a write attempted after the term's signal aborted: the replica no longer leads. */
export class NotLeadingError extends CapstanError {
  constructor(action: string, object: string) {
    super(`not leading: refusing ${action} ${object}`, 'NOT_LEADING', false);
  }
}

/** actingWrite checks that the term is still on, journals action on object, then sends the write. */
export async function actingWrite<T>(
  ctx: Pick<ComponentContext, 'journal'>,
  signal: AbortSignal,
  action: string,
  object: string,
  send: () => Promise<T>,
  detail?: Readonly<Record<string, string | number | boolean>>,
): Promise<T> {
  if (signal.aborted) throw new NotLeadingError(action, object);
  ctx.journal.record(action, object, detail);
  return send();
}

/** SyncHandler reconciles one key; throwing requeues it with backoff. */
export type SyncHandler<K> = (key: K) => Promise<void>;

/**
 * runWorkers runs `workers` workers over queue until signal aborts, then shuts the queue down and resolves once
 * every worker has returned.
 */
export async function runWorkers<K>(name: string, queue: WorkQueue<K>, workers: number, sync: SyncHandler<K>, signal: AbortSignal, log: Logger): Promise<void> {
  const stop = (): void => queue.shutDown();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  const worker = async (): Promise<void> => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        if (signal.aborted) continue;
        await sync(key);
        queue.forget(key);
      } catch (err) {
        if (!signal.aborted) {
          log.warn({ controller: name, key: String(key), err: err instanceof Error ? err.message : String(err) }, 'sync failed; requeued');
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, () => worker()));
  signal.removeEventListener('abort', stop);
}

/** untilAborted resolves when signal aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** cacheKey is the informer cache key (`namespace/name`, or `name`) of a cached object. */
export function cacheKey(obj: { readonly metadata?: { readonly namespace?: string | undefined; readonly name?: string | undefined } | undefined }): string {
  return metaNamespaceKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}

/**
 * syncInformers starts the term's informers and waits until they have synced (cache.WaitForCacheSync); it
 * resolves false when the term ended first.
 */
export async function syncInformers(ctx: Pick<ComponentContext, 'informers'>, signal: AbortSignal): Promise<boolean> {
  ctx.informers.start();
  await Promise.race([ctx.informers.waitForSync(), untilAborted(signal)]);
  return !signal.aborted;
}
