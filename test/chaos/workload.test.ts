import { describe, expect, it } from 'vitest';
import { HistoryRecorder } from '../../src/chaos/history.js';
import { Workload } from '../../src/chaos/workload.js';
import { SeededRandom } from '../../src/util/random.js';

describe('the chaos workload', () => {
  it('mixes reads, writes, deletes and cas on a few keys, and writes every value once', () => {
    const w = new Workload(new SeededRandom(1), { prefix: 'p/', keys: 4, opsPerKey: 1_000_000 });
    const kinds = { read: 0, write: 0, delete: 0, cas: 0 };
    const values = new Set<string>();
    const keys = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { key, input } = w.next(i % 3);
      keys.add(key);
      if (input.kind === 'write' && input.value === null) kinds.delete++;
      else kinds[input.kind]++;
      if (input.kind !== 'read' && input.value !== null) {
        expect(values.has(input.value)).toBe(false);
        values.add(input.value);
      }
    }
    expect([...keys].sort()).toEqual(['p/0.0', 'p/1.0', 'p/2.0', 'p/3.0']);
    expect(kinds.read).toBeGreaterThan(800);
    expect(kinds.write).toBeGreaterThan(400);
    expect(kinds.delete).toBeGreaterThan(20);
    expect(kinds.cas).toBeGreaterThan(250);
  });

  it('moves a slot to a fresh key after opsPerKey operations, so each key\'s history stays small', () => {
    const w = new Workload(new SeededRandom(2), { prefix: '', keys: 2, opsPerKey: 10 });
    const perKey = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const { key } = w.next(0);
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    expect(Math.max(...perKey.values())).toBe(10);
    expect(perKey.size).toBeGreaterThanOrEqual(20);
  });

  it('makes cas expect the last value it saw: an ok read, an ok write, a cas that took — not a failed one', () => {
    const w = new Workload(new SeededRandom(3), { prefix: '', keys: 1, mix: { read: 0, write: 0, cas: 1 } });
    const rec = new HistoryRecorder(() => 0);
    expect(w.next(0).input).toEqual({ kind: 'cas', expected: null, value: 'p0.1' });
    w.observe(rec.invoke(0, '0.0', { kind: 'read' }).ok({ value: 'x' }));
    expect(w.next(0).input).toMatchObject({ expected: 'x' });
    w.observe(rec.invoke(0, '0.0', { kind: 'cas', expected: 'x', value: 'y' }).ok({ succeeded: true }));
    expect(w.next(0).input).toMatchObject({ expected: 'y' });
    w.observe(rec.invoke(0, '0.0', { kind: 'write', value: 'z' }).info());
    w.observe(rec.invoke(0, '0.0', { kind: 'cas', expected: 'y', value: 'q' }).ok({ succeeded: false }));
    expect(w.next(0).input).toMatchObject({ expected: 'y' });
  });

  it('refuses a shape it cannot serve', () => {
    expect(() => new Workload(new SeededRandom(1), { prefix: '', keys: 0 })).toThrow(RangeError);
    expect(() => new Workload(new SeededRandom(1), { prefix: '', mix: { read: 0, write: 0, cas: 0 } })).toThrow(RangeError);
  });
});
