import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../src/components/client/workqueue.js';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from '../../../src/components/client/rate-limiter.js';
import { ManualClock } from '../../../src/util/clock.js';
import { AssertionError } from '../../../src/util/errors.js';

/** settle lets pending promise continuations run (the queue's waiters are promises). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('WorkQueue', () => {
  it('hands keys out in first-added order and collapses duplicates while queued', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('c');
    q.add('b');
    expect(q.len()).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
    expect(q.len()).toBe(0);
  });

  it('never hands a key to two workers at once; a key re-added while processing comes back after done()', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    q.add('k');
    const first = await q.get();
    expect(first).toBe('k');
    q.add('k');
    q.add('k');
    expect(q.len()).toBe(0); // dirty, but not handed out while in process
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await settle();
    expect(second).toBeUndefined();
    q.done('k');
    await settle();
    expect(second).toBe('k');
    q.done('k');
    expect(q.len()).toBe(0);
  });

  it('many concurrent workers: every key processed, never two at once, re-adds while processing not lost', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    const active = new Set<string>();
    const processed = new Map<string, number>();
    let violations = 0;
    let total = 0;
    let allDone: () => void = () => {};
    const finished = new Promise<void>((resolve) => (allDone = resolve));
    const worker = async (): Promise<void> => {
      for (let key = await q.get(); key !== undefined; key = await q.get()) {
        if (active.has(key)) violations++;
        active.add(key);
        await settle();
        // re-add while processing, once per key
        if ((processed.get(key) ?? 0) === 0) q.add(key);
        processed.set(key, (processed.get(key) ?? 0) + 1);
        active.delete(key);
        q.done(key);
        if (++total === 20) allDone();
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());
    for (let i = 0; i < 20; i++) q.add(`k${i % 10}`);
    await finished;
    await q.shutDownWithDrain();
    await Promise.all(workers);
    expect(violations).toBe(0);
    expect([...processed.values()]).toEqual(Array.from({ length: 10 }, () => 2));
  });

  it('done() of a key not in process is a bug', () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    expect(() => q.done('x')).toThrow(AssertionError);
  });

  it('addAfter adds once the delay has passed on the clock; the earliest of several delays wins', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 200);
    q.addAfter('b', 0);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('b');
    clock.advance(49);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
    clock.advance(1_000);
    expect(q.len()).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('addRateLimited backs off per key 5 ms, 10 ms, 20 ms …; forget resets it', () => {
    const clock = new ManualClock();
    const q = new WorkQueue<string>({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = clock.now();
      q.addRateLimited('k');
      while (q.len() === 0) clock.advance(1);
      delays.push(clock.now() - before);
      void q.get();
      q.done('k');
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(q.numRequeues('k')).toBe(4);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  it('shutDown refuses adds and drops delayed ones, hands out what is queued, then get() resolves undefined', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue<string>({ clock });
    q.add('a');
    q.addAfter('later', 10);
    const idle = new WorkQueue<string>({ clock });
    const idleGet = idle.get();
    idle.shutDown();
    expect(await idleGet).toBeUndefined();
    q.shutDown();
    q.add('b');
    clock.advance(100);
    expect(clock.pending()).toBe(0);
    expect(q.isShuttingDown()).toBe(true);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBeUndefined();
    q.done('a');
  });

  it('shutDownWithDrain waits for keys in process to be done', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    q.add('a');
    const key = (await q.get())!;
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    q.done(key);
    await drain;
    expect(drained).toBe(true);
  });
});

describe('rate limiters', () => {
  it('ItemExponentialFailureRateLimiter doubles per item from 5 ms and caps at 1000 s', () => {
    const l = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    const seq = Array.from({ length: 20 }, () => l.when('a'));
    expect(seq.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(seq[17]).toBe(5 * 2 ** 17);
    expect(seq[18]).toBe(1_000_000);
    expect(l.when('b')).toBe(5);
    expect(l.numRequeues('a')).toBe(20);
    l.forget('a');
    expect(l.when('a')).toBe(5);
  });

  it('BucketRateLimiter lets a burst through, then one token per 1/qps, refilling with time', () => {
    const clock = new ManualClock();
    const l = new BucketRateLimiter<string>(clock, 10, 100);
    const burst = Array.from({ length: 100 }, (_, i) => l.when(`k${i}`));
    expect(burst.every((d) => d === 0)).toBe(true);
    expect(l.when('x')).toBeCloseTo(100);
    expect(l.when('y')).toBeCloseTo(200);
    clock.advance(1_000); // ten tokens back: the debt of two is paid, eight are saved
    expect(l.when('z')).toBe(0);
    expect(l.numRequeues('z')).toBe(0);
  });

  it('the default controller rate limiter is the larger of both', () => {
    const clock = new ManualClock();
    const l = defaultControllerRateLimiter<string>(clock);
    expect(l.when('a')).toBe(5);
    expect(l.when('a')).toBe(10);
    // exhaust the bucket with other keys: a fresh key then waits for the bucket, not 5 ms
    for (let i = 0; i < 98; i++) l.when(`k${i}`);
    expect(l.when('fresh')).toBeCloseTo(100);
    expect(l.numRequeues('a')).toBe(2);
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
  });

  it('MaxOfRateLimiter needs a limiter', () => {
    expect(() => new MaxOfRateLimiter<string>()).toThrow(RangeError);
  });
});
