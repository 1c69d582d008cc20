/**
 * WorkQueue is the rate-limited work queue of controllers (client-go's util/workqueue: Typed, delaying and
 * rate-limiting queues in one). Its guarantees are client-go's:
 *
 * - a key is handed to at most one worker at a time: while it is being processed (between get() and done())
 *   it is not handed out again;
 * - duplicates collapse: adding a key that is already waiting does nothing;
 * - a key added while it is being processed is marked dirty and queued again when done() is called, so the
 *   change that caused the add is never lost;
 * - keys are handed out in the order they were first added;
 * - addAfter(key, ms) adds it once ms have passed on the injected clock (the earliest of several pending
 *   delays wins); addRateLimited(key) adds it after the rate limiter's delay (defaultControllerRateLimiter:
 *   5 ms doubling per failure to 1000 s, and an overall 10 qps token bucket); forget(key) resets its backoff;
 * - shutDown() refuses new adds and drops pending delayed adds; workers still get the keys already queued,
 *   and get() resolves undefined once none are left. shutDownWithDrain() also waits until every queued and
 *   in-process key is done (workers must keep running for that).
 *
 * The usual worker loop: `for (let key; (key = await q.get()) !== undefined; ) { try { await sync(key);
 * q.forget(key) } catch { q.addRateLimited(key) } finally { q.done(key) } }`.
 */
import { systemClock, type Clock, type TimerHandle } from '../../util/clock.js';
import { invariant } from '../../util/errors.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/** WorkQueueOptions configure a WorkQueue. */
export interface WorkQueueOptions<K> {
  /** clock runs the delays; default the system clock. */
  clock?: Clock;
  /** rateLimiter decides addRateLimited delays; default defaultControllerRateLimiter. */
  rateLimiter?: RateLimiter<K>;
}

/** MAX_TIMER_MS is the longest delay a Node timer holds (a signed 32-bit count of milliseconds). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** WorkQueue hands keys to workers under the guarantees of the module comment. */
export class WorkQueue<K = string> {
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter<K>;
  /** queue holds keys waiting for a worker, in order; every key in it is also in dirty. */
  private queue: K[] = [];
  /** dirty holds keys that need processing (queued, or re-added while processing). */
  private readonly dirty = new Set<K>();
  /** processing holds keys a worker has and has not yet marked done. */
  private readonly processing = new Set<K>();
  private readonly waiting = new Map<K, { at: number; timer: TimerHandle }>();
  private readonly getters: (() => void)[] = [];
  private readonly drainers: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.clock = options.clock ?? systemClock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
  }

  /** add marks key as needing processing (a no-op if it already waits, or after shutDown). */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.getters.shift()?.();
  }

  /** get resolves to the next key, waiting for one; undefined once the queue is shut down and empty. */
  async get(): Promise<K | undefined> {
    while (this.queue.length === 0) {
      if (this.shuttingDown) return undefined;
      await new Promise<void>((resolve) => this.getters.push(resolve));
    }
    const key = this.queue.shift()!;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  /** done marks key's processing finished; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    invariant(this.processing.has(key), () => `WorkQueue.done: key ${String(key)} is not being processed`);
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.getters.shift()?.();
    }
    this.checkDrained();
  }

  /**
   * addAfter adds key once delayMs have passed (at once when delayMs <= 0); the earliest pending delay wins. A
   * delay beyond what a timer can hold (2^31 − 1 ms, about 24.8 days; Node fires longer ones after 1 ms) is cut to
   * that: the key comes back early and its sync works out the rest of the wait again.
   */
  addAfter(key: K, requestedMs: number): void {
    if (this.shuttingDown) return;
    const delayMs = Math.min(requestedMs, MAX_TIMER_MS);
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.monotonic() + delayMs;
    const pending = this.waiting.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      pending.timer.cancel();
    }
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.waiting.set(key, { at, timer });
  }

  /** addRateLimited adds key after the rate limiter's delay for it (one more failure on its record). */
  addRateLimited(key: K): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** forget clears key's rate-limiting history (after it was processed successfully). */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** numRequeues is how many times key was rate-limited since it was last forgotten. */
  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** len is the number of keys waiting for a worker (not counting delayed or in-process ones). */
  len(): number {
    return this.queue.length;
  }

  /** isShuttingDown reports whether shutDown was called. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** shutDown refuses new adds, drops delayed ones and wakes idle workers (see the module comment). */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) timer.cancel();
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g();
  }

  /** shutDownWithDrain shuts down and resolves once every queued and in-process key is done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    return new Promise<void>((resolve) => {
      this.drainers.push(resolve);
      this.checkDrained();
    });
  }

  private checkDrained(): void {
    if (this.shuttingDown && this.queue.length === 0 && this.processing.size === 0) for (const d of this.drainers.splice(0)) d();
  }
}
