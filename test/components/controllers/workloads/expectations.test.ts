/** ControllerExpectations (kube's TestControllerExpectations and UID tracking) and slowStartBatch. */
import { describe, expect, it } from 'vitest';
import { ControllerExpectations } from '../../../../src/components/controllers/workloads/expectations.js';
import { slowStartBatch } from '../../../../src/components/controllers/workloads/slow-start.js';
import { ManualClock } from '../../../../src/util/clock.js';

describe('ControllerExpectations', () => {
  it('holds a key back until every expected creation is observed', () => {
    const e = new ControllerExpectations(new ManualClock(0));
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectCreations('ns/rs', 3);
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('counts each expected deletion once, however often it is observed, and ignores unexpected pods', () => {
    const e = new ControllerExpectations(new ManualClock(0));
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/other');
    expect(e.pending('ns/rs')).toEqual({ add: 0, del: 1 });
    expect(e.satisfied('ns/rs')).toBe(false);
    e.deletionObserved('ns/rs', 'ns/b');
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('lets a key sync once its expectations are older than the TTL', () => {
    const clock = new ManualClock(0);
    const e = new ControllerExpectations(clock, 1000);
    e.expectCreations('ns/rs', 1);
    clock.advance(1000);
    expect(e.satisfied('ns/rs')).toBe(false);
    clock.advance(1);
    expect(e.satisfied('ns/rs')).toBe(true);
    e.forget('ns/rs');
    expect(e.pending('ns/rs')).toEqual({ add: 0, del: 0 });
  });
});

describe('slowStartBatch', () => {
  it.each([
    // count, fail the call numbered (1-based), expected successes, expected batch sizes
    [0, 0, 0, []],
    [1, 0, 1, [1]],
    [10, 0, 10, [1, 2, 4, 3]],
    [10, 2, 2, [1, 2]], // the rest of a failing batch still counts
    [10, 5, 6, [1, 2, 4]],
    [500, 0, 500, [1, 2, 4, 8, 16, 32, 64, 128, 245]],
  ])('count %i, failing call %i: %i successes in batches %j', async (count, failAt, successes, batches) => {
    let calls = 0;
    let inFlight = 0;
    const sizes: number[] = [];
    const result = await slowStartBatch(count, 1, async () => {
      calls += 1;
      const n = calls;
      inFlight += 1;
      if (inFlight === 1) sizes.push(0);
      sizes[sizes.length - 1]! += 1;
      await Promise.resolve();
      inFlight -= 1;
      if (n === failAt) throw new Error(`call ${n} failed`);
    });
    expect(result.successes).toBe(successes);
    expect(sizes).toEqual(batches);
    expect(result.error === undefined).toBe(failAt === 0);
  });
});
