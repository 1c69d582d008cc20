/**
 * Rate limiters of the work queue (client-go's util/workqueue default_rate_limiters.go): when(item) says how
 * long to wait before item may be processed again, forget(item) clears its failure history after a success.
 * The default controller rate limiter is the larger of a per-item exponential backoff (5 ms doubling to
 * 1000 s) and an overall token bucket (10 per second, bursts of 100), so one failing key backs off on its own
 * while a flood of failures cannot overwhelm the API server.
 */
import type { Clock } from '../../util/clock.js';

/** RateLimiter decides requeue delays. */
export interface RateLimiter<K> {
  /** when returns the delay in ms before item may be added again, and records one more failure. */
  when(item: K): number;
  /** forget clears item's history (call it when item was processed successfully). */
  forget(item: K): void;
  /** numRequeues is how many times item has failed since it was last forgotten. */
  numRequeues(item: K): number;
}

/** ItemExponentialFailureRateLimiter waits baseDelayMs × 2^failures for an item, capped at maxDelayMs. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    private readonly baseDelayMs: number,
    private readonly maxDelayMs: number,
  ) {
    if (!(baseDelayMs > 0 && maxDelayMs >= baseDelayMs)) throw new RangeError(`ItemExponentialFailureRateLimiter: need 0 < baseDelayMs <= maxDelayMs, got ${baseDelayMs}, ${maxDelayMs}`);
  }

  when(item: K): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    const backoff = this.baseDelayMs * 2 ** exp;
    return backoff > this.maxDelayMs || !Number.isFinite(backoff) ? this.maxDelayMs : backoff;
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * BucketRateLimiter is an overall token bucket (golang.org/x/time/rate's Limiter): qps tokens a second, at
 * most burst saved up; each when() takes a token, and a token not yet available is waited for. It keeps no
 * per-item state.
 */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly qps: number,
    private readonly burst: number,
  ) {
    if (!(qps > 0 && burst >= 1)) throw new RangeError(`BucketRateLimiter: need qps > 0 and burst >= 1, got ${qps}, ${burst}`);
    this.tokens = burst;
    this.last = clock.monotonic();
  }

  when(_item: K): number {
    const now = this.clock.monotonic();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(_item: K): void {}

  numRequeues(_item: K): number {
    return 0;
  }
}

/** MaxOfRateLimiter waits the longest of its limiters (and records the failure in each). */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.limiters = limiters;
  }

  when(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** defaultControllerRateLimiter is client-go's DefaultControllerRateLimiter: max(5 ms → 1000 s per item, 10 qps / burst 100). */
export function defaultControllerRateLimiter<K>(clock: Clock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialFailureRateLimiter<K>(5, 1_000_000), new BucketRateLimiter<K>(clock, 10, 100));
}
