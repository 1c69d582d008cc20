import { describe, expect, it } from 'vitest';
import { SeededRandom, cryptoRandom } from '../../src/util/random.js';

function draws(r: SeededRandom, n: number): number[] {
  return Array.from({ length: n }, () => r.next32());
}

describe('SeededRandom', () => {
  it('produces the same sequence for the same seed', () => {
    expect(draws(new SeededRandom(42), 100)).toEqual(draws(new SeededRandom(42), 100));
  });

  it('produces different sequences for different seeds', () => {
    expect(draws(new SeededRandom(1), 16)).not.toEqual(draws(new SeededRandom(2), 16));
  });

  it('pins its output, so a simulation seed replays across versions and platforms', () => {
    // If this changes, every recorded failing seed stops reproducing: change it only on purpose.
    expect(draws(new SeededRandom(0), 4)).toEqual([3809008728, 1133695204, 53579671, 2891528803]);
    const r = new SeededRandom(12345);
    expect(r.uint64()).toBe(2227659765754930734n);
    expect(r.int(1000)).toBe(985);
    expect(r.float()).toBe(0.8749444088898599);
  });

  it('treats seeds as 32-bit unsigned', () => {
    expect(draws(new SeededRandom(-1), 8)).toEqual(draws(new SeededRandom(0xffffffff), 8));
  });

  it('forks an independent generator: draws on the fork do not shift the parent', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const forkA = a.fork();
    const forkB = b.fork();
    draws(forkA, 50); // only a's fork is used
    expect(draws(a, 20)).toEqual(draws(b, 20));
    // forks of equal parents are equal too, and differ from the parent's own stream
    expect(draws(forkB, 10)).toEqual(draws(new SeededRandom(7).fork(), 10));
    expect(draws(new SeededRandom(7).fork(), 10)).not.toEqual(draws(new SeededRandom(7), 10));
  });

  it('float stays in [0, 1)', () => {
    const r = new SeededRandom(3);
    const fs = Array.from({ length: 10_000 }, () => r.float());
    expect(fs.every((f) => f >= 0 && f < 1)).toBe(true);
  });

  it('int(n) stays in [0, n) and reaches every value', () => {
    const r = new SeededRandom(11);
    const vs = Array.from({ length: 5_000 }, () => r.int(10));
    expect(vs.every((v) => Number.isInteger(v) && v >= 0 && v < 10)).toBe(true);
    expect(new Set(vs).size).toBe(10);
    expect(new SeededRandom(5).int(1)).toBe(0);
  });

  it('int rejects a non-positive or non-integer bound', () => {
    const r = new SeededRandom(1);
    for (const n of [0, -1, 1.5, Number.NaN, 2 ** 53]) expect(() => r.int(n)).toThrow(RangeError);
  });

  it('uint64 returns a bigint in [0, 2^64), deterministically', () => {
    const r = new SeededRandom(99);
    const ids = Array.from({ length: 100 }, () => r.uint64());
    for (const id of ids) {
      expect(typeof id).toBe('bigint');
      expect(id >= 0n && id < 1n << 64n).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(new SeededRandom(99).uint64()).toBe(ids[0]);
    // uses the high half too
    expect(ids.some((id) => id >= 1n << 32n)).toBe(true);
  });
});

describe('cryptoRandom', () => {
  it('honours the Random contract', () => {
    const f = cryptoRandom.float();
    expect(f >= 0 && f < 1).toBe(true);
    const i = cryptoRandom.int(3);
    expect([0, 1, 2]).toContain(i);
    expect(typeof cryptoRandom.uint64()).toBe('bigint');
    expect(() => cryptoRandom.int(0)).toThrow(RangeError);
  });
});
