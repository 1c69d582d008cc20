import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/util/clock.js';

describe('ManualClock', () => {
  it('starts where told and moves only on advance', () => {
    const c = new ManualClock(1_000);
    expect(c.now()).toBe(1_000);
    expect(c.monotonic()).toBe(1_000);
    c.advance(250);
    expect(c.now()).toBe(1_250);
    expect(c.monotonic()).toBe(1_250);
  });

  it('fires timers in deadline order, ties in creation order, each at its own time', () => {
    const c = new ManualClock();
    const fired: string[] = [];
    c.setTimeout(() => fired.push(`c@${c.now()}`), 30);
    c.setTimeout(() => fired.push(`a@${c.now()}`), 10);
    c.setTimeout(() => fired.push(`b1@${c.now()}`), 20);
    c.setTimeout(() => fired.push(`b2@${c.now()}`), 20);
    c.advance(25);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20']);
    expect(c.now()).toBe(25);
    expect(c.pending()).toBe(1);
    c.advance(5);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(c.pending()).toBe(0);
  });

  it('does not fire a timer before its deadline', () => {
    const c = new ManualClock();
    let fired = false;
    c.setTimeout(() => (fired = true), 100);
    c.advance(99);
    expect(fired).toBe(false);
    c.advance(1);
    expect(fired).toBe(true);
  });

  it('fires a zero-delay timer on the next advance, even advance(0)', () => {
    const c = new ManualClock();
    let fired = 0;
    c.setTimeout(() => fired++, 0);
    expect(fired).toBe(0);
    c.advance(0);
    expect(fired).toBe(1);
  });

  it('fires timers scheduled by a firing timer within the same advance when due', () => {
    const c = new ManualClock();
    const fired: number[] = [];
    c.setTimeout(() => {
      fired.push(c.now());
      c.setTimeout(() => fired.push(c.now()), 10);
    }, 10);
    c.advance(50);
    expect(fired).toEqual([10, 20]);
  });

  it('repeats intervals at every period until cancelled', () => {
    const c = new ManualClock();
    const ticks: number[] = [];
    const h = c.setInterval(() => ticks.push(c.now()), 100);
    c.advance(350);
    expect(ticks).toEqual([100, 200, 300]);
    c.advance(50);
    expect(ticks).toEqual([100, 200, 300, 400]);
    h.cancel();
    c.advance(1_000);
    expect(ticks).toHaveLength(4);
    expect(c.pending()).toBe(0);
  });

  it('interleaves intervals and timeouts by deadline', () => {
    const c = new ManualClock();
    const log: string[] = [];
    c.setInterval(() => log.push(`tick@${c.now()}`), 10);
    c.setTimeout(() => log.push(`once@${c.now()}`), 15);
    c.advance(30);
    expect(log).toEqual(['tick@10', 'once@15', 'tick@20', 'tick@30']);
  });

  it('cancels timeouts, and cancelling twice or after firing is harmless', () => {
    const c = new ManualClock();
    let fired = 0;
    const h = c.setTimeout(() => fired++, 10);
    h.cancel();
    h.cancel();
    c.advance(100);
    expect(fired).toBe(0);
    const h2 = c.setTimeout(() => fired++, 10);
    c.advance(10);
    h2.cancel();
    expect(fired).toBe(1);
  });

  it('lets an interval cancel itself from its own callback', () => {
    const c = new ManualClock();
    let n = 0;
    const h = c.setInterval(() => {
      if (++n === 3) h.cancel();
    }, 5);
    c.advance(100);
    expect(n).toBe(3);
  });
});

describe('systemClock', () => {
  it('reads wall and monotonic time and cancels timers', async () => {
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(1_000);
    const a = systemClock.monotonic();
    expect(systemClock.monotonic()).toBeGreaterThanOrEqual(a);
    let fired = false;
    systemClock.setTimeout(() => (fired = true), 0).cancel();
    systemClock.setInterval(() => (fired = true), 1).cancel();
    // wait on an event (a later timer), not a sleep of guessed length
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
    expect(fired).toBe(false);
  });
});
