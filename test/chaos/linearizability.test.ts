import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateHistory, type Operation, type Value } from '../../src/chaos/history.js';
import { checkLinearizability, checkRegisterHistory, formatFailure } from '../../src/chaos/linearizability.js';
import { SeededRandom } from '../../src/util/random.js';
import { HistoryBuilder, linearizableHistory } from './helpers/histories.js';

const verdict = (b: HistoryBuilder): string => checkLinearizability(b.ops).verdict;

describe('checkLinearizability: hand-written classics', () => {
  it('accepts a sequential history and reads concurrent with a write that see either value', () => {
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 1).read(2, 'a', 2, 3).write(1, 'b', 4, 5).read(2, 'b', 6, 7))).toBe('ok');
    // While the write is in flight a read may see the old value, then the new one.
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 10).read(2, null, 1, 2).read(3, 'a', 3, 4))).toBe('ok');
    // Two concurrent writes may land in either order.
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 10).write(2, 'b', 0, 10).read(3, 'a', 11, 12))).toBe('ok');
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 10).write(2, 'b', 0, 10).read(3, 'b', 11, 12))).toBe('ok');
    // An operation whose completion ties another's invocation counts as concurrent with it.
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 5).read(2, null, 5, 6))).toBe('ok');
    expect(verdict(new HistoryBuilder())).toBe('ok');
  });

  it('rejects a stale read after a write completed, and names the three operations that prove it', () => {
    const b = new HistoryBuilder().write(1, 'a', 0, 1).write(1, 'b', 2, 3).read(2, 'a', 4, 5);
    const r = checkLinearizability(b.ops);
    expect(r.verdict).toBe('fail');
    expect(r.failure?.key).toBe('x');
    expect(r.failure?.subHistory.map((o) => o.id)).toEqual([0, 1, 2]);
    expect(r.failure?.minimal).toBe(true);
    expect(formatFailure(r.failure!)).toContain('read x → "a"');
  });

  it('shrinks past a cas chain interleaved with another write to the three operations that prove a stale read', () => {
    // nil→a, a→b, b→nil each observe the one before; the write of nil sits among them, so no window of
    // consecutive operations holds the chain, and no link of it can go alone while the next observes it.
    const b = new HistoryBuilder()
      .write(1, 'v0', 0, 1)
      .write(1, null, 2, 3)
      .cas(2, null, 'a', true, 10, 20)
      .write(3, null, 12, 14)
      .cas(4, 'a', 'b', true, 15, 22)
      .cas(5, 'b', null, true, 16, 23)
      .read(6, 'v0', 30, 31);
    const r = checkLinearizability(b.ops);
    expect(r.verdict).toBe('fail');
    expect(r.failure?.subHistory.map((o) => o.id)).toEqual([0, 1, 6]);
    expect(r.failure?.minimal).toBe(true);
  });

  it('rejects reads that see a value in flight and then lose it (non-monotonic)', () => {
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 10).read(2, 'a', 1, 2).read(3, null, 3, 4))).toBe('fail');
  });

  it('rejects a lost write: acknowledged, then never seen', () => {
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 1).read(2, null, 2, 3))).toBe('fail');
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 1).write(2, 'b', 0, 1).read(3, 'b', 2, 3).read(3, 'a', 4, 5))).toBe('fail');
  });

  it('rejects cas anomalies: two creates that both succeed, a cas that fails on a matching value, a cas lost after it succeeded', () => {
    expect(verdict(new HistoryBuilder().cas(1, null, 'a', true, 0, 2).cas(2, null, 'b', true, 1, 3))).toBe('fail');
    expect(verdict(new HistoryBuilder().cas(1, null, 'a', true, 0, 2).cas(2, null, 'b', false, 1, 3).read(3, 'a', 4, 5))).toBe('ok');
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 1).cas(2, 'a', 'b', false, 2, 3))).toBe('fail');
    expect(verdict(new HistoryBuilder().cas(1, null, 'a', true, 0, 1).read(2, null, 2, 3))).toBe('fail');
    // A chain of cas, each seeing the previous one's value.
    expect(verdict(new HistoryBuilder().cas(1, null, 'a', true, 0, 1).cas(2, 'a', 'b', true, 2, 3).cas(3, 'a', 'c', false, 4, 5).read(1, 'b', 6, 7))).toBe('ok');
  });

  it('lets indeterminate writes take effect late, or never, but not before they were invoked nor undo themselves', () => {
    // Took effect long after the client gave up.
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 1, 'info').read(2, null, 2, 3).read(2, 'a', 100, 101))).toBe('ok');
    // Never took effect.
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 1, 'info').read(2, null, 2, 3).read(2, null, 100, 101))).toBe('ok');
    // Seen before it was invoked.
    expect(verdict(new HistoryBuilder().read(2, 'a', 0, 1).write(1, 'a', 2, 3, 'info'))).toBe('fail');
    // Seen, then gone without another write.
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 1, 'info').read(2, 'a', 2, 3).read(2, null, 4, 5))).toBe('fail');
    // An indeterminate cas applies only when its compare holds.
    expect(verdict(new HistoryBuilder().cas(1, null, 'a', undefined, 0, 1).read(2, 'a', 5, 6))).toBe('ok');
    expect(verdict(new HistoryBuilder().write(1, 'z', 0, 1).cas(1, null, 'a', undefined, 2, 3).read(2, 'a', 5, 6))).toBe('fail');
    // A failed (certainly not applied) write is never seen.
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 1, 'fail').read(2, null, 2, 3))).toBe('ok');
    expect(verdict(new HistoryBuilder().write(1, 'a', 0, 1, 'fail').read(2, 'a', 2, 3))).toBe('fail');
  });

  it('checks keys separately and reports the failing one', () => {
    const b = new HistoryBuilder().write(1, 'a', 0, 1, 'ok', 'k1').read(2, 'a', 2, 3, 'k2').read(2, 'a', 2, 3, 'k1');
    const r = checkLinearizability(b.ops);
    expect(r.verdict).toBe('fail');
    expect(r.failure?.key).toBe('k2');
    expect(r.failure?.subHistory.map((o) => o.id)).toEqual([1]);
  });

  it('starts each key from the initial value it is given', () => {
    const b = new HistoryBuilder().read(1, 'seed', 0, 1);
    expect(checkLinearizability(b.ops).verdict).toBe('fail');
    expect(checkLinearizability(b.ops, { initial: () => 'seed' }).verdict).toBe('ok');
  });

  it('answers unknown, not a hang, when the step or time budget runs out', () => {
    const ops = linearizableHistory(new SeededRandom(7), { ops: 2000, keys: 1, overlap: 40, infoRate: 0.1, failRate: 0 });
    const r = checkLinearizability(ops, { maxSteps: 100 });
    expect(r.verdict).toBe('unknown');
    expect(r.keys[0]).toMatchObject({ verdict: 'unknown', reason: 'steps' });
    let t = 0;
    const slow = checkLinearizability(ops, { timeoutMs: 10, monotonic: () => (t += 1) });
    expect(slow.keys[0]).toMatchObject({ verdict: 'unknown', reason: 'time' });
  });
});

/** bruteForce decides linearizability by trying every order of every subset of the indeterminate operations. */
function bruteForce(ops: readonly Operation[], initial: Value): boolean {
  const rel = ops.filter((o) => o.result === 'ok' || (o.result === 'info' && o.input.kind !== 'read'));
  const must = rel.filter((o) => o.result === 'ok');
  const maybe = rel.filter((o) => o.result === 'info');
  const step = (v: Value, o: Operation): Value | undefined => {
    const i = o.input;
    if (i.kind === 'read') return o.output !== undefined && 'value' in o.output && o.output.value === v ? v : undefined;
    if (i.kind === 'write') return i.value;
    if (o.result === 'info') return v === i.expected ? i.value : v;
    const ok = o.output !== undefined && 'succeeded' in o.output && o.output.succeeded;
    if (ok) return v === i.expected ? i.value : undefined;
    return v !== i.expected ? v : undefined;
  };
  const end = (o: Operation): number => (o.result === 'info' ? Infinity : o.complete);
  for (let mask = 0; mask < 1 << maybe.length; mask++) {
    const chosen = [...must, ...maybe.filter((_, i) => (mask >> i) & 1)];
    const used = new Array<boolean>(chosen.length).fill(false);
    const search = (v: Value, done: number): boolean => {
      if (done === chosen.length) return true;
      for (let i = 0; i < chosen.length; i++) {
        if (used[i]) continue;
        const o = chosen[i]!;
        // o may go next only if no other pending operation completed before o was invoked.
        if (chosen.some((p, j) => !used[j] && j !== i && end(p) < o.invoke)) continue;
        const after = step(v, o);
        if (after === undefined) continue;
        used[i] = true;
        if (search(after, done + 1)) return true;
        used[i] = false;
      }
      return false;
    };
    if (search(initial, 0)) return true;
  }
  return false;
}

const smallOp = fc.record({
  process: fc.nat(3),
  kind: fc.constantFrom('read', 'write', 'write', 'cas'),
  // Values beyond a and b are rarely read or compared: writes of them are unobserved (the pool's case).
  a: fc.constantFrom<Value>(null, 'a', 'b', 'c', 'd'),
  b: fc.constantFrom<Value>(null, 'a', 'b', 'c', 'd'),
  flag: fc.boolean(),
  invoke: fc.nat(12),
  len: fc.nat(8),
  result: fc.constantFrom('ok', 'ok', 'ok', 'info', 'info', 'fail'),
});

describe('checkLinearizability: properties', () => {
  it('agrees with a brute-force search on small random histories (with indeterminate and failed operations)', () => {
    fc.assert(
      fc.property(fc.array(smallOp, { maxLength: 8 }), (raw) => {
        const ops: Operation[] = raw.map((r, id) => {
          const result = r.result as Operation['result'];
          const base = { id, process: r.process, key: 'x', invoke: r.invoke, complete: r.invoke + r.len, result };
          if (r.kind === 'read') return { ...base, input: { kind: 'read' }, output: result === 'ok' ? { value: r.a } : undefined };
          if (r.kind === 'write') return { ...base, input: { kind: 'write', value: r.a }, output: undefined };
          return { ...base, input: { kind: 'cas', expected: r.a, value: r.b }, output: result === 'ok' ? { succeeded: r.flag } : undefined };
        });
        expect(checkRegisterHistory(ops, null)).toBe(bruteForce(ops, null) ? 'ok' : 'fail');
      }),
      { numRuns: 5000 },
    );
  });

  it('passes every history generated from a sequential model with overlapping operations', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 60 }), (seed, n, overlap) => {
        const ops = linearizableHistory(new SeededRandom(seed), { ops: n, keys: 3, overlap, infoRate: 0.1, failRate: 0.05 });
        const r = checkLinearizability(ops);
        expect(r.verdict, `seed ${seed}`).toBe('ok');
      }),
      { numRuns: 300 },
    );
  });

  it('fails once a stale read is injected, with a small witness that holds the stale read', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 20, max: 300 }), fc.integer({ min: 0, max: 40 }), (seed, n, overlap) => {
        const ops = linearizableHistory(new SeededRandom(seed), { ops: n, keys: 1, overlap, infoRate: 0.1, failRate: 0.05 });
        // Two acknowledged mutations, the second invoked after the first completed: the first's value is stale.
        const muts = ops.filter((o) => o.result === 'ok' && (o.input.kind === 'write' || (o.input.kind === 'cas' && o.output !== undefined && 'succeeded' in o.output && o.output.succeeded)));
        const pair = muts.flatMap((a) => muts.filter((b) => b.invoke > a.complete).map((b) => [a, b] as const)).find(([a]) => a.input.kind !== 'read' && a.input.value !== null);
        fc.pre(pair !== undefined);
        const [old] = pair!;
        const staleValue = (old.input as { value: Value }).value;
        const end = Math.max(...ops.map((o) => o.complete)) + 1;
        const stale: Operation = { id: ops.length, process: 999, key: old.key, input: { kind: 'read' }, output: { value: staleValue }, invoke: end, complete: end + 1, result: 'ok' };
        const r = checkLinearizability([...ops, stale]);
        expect(r.verdict, `seed ${seed}`).toBe('fail');
        const witness = r.failure!.subHistory;
        expect(witness.map((o) => o.id)).toContain(stale.id);
        expect(witness.length, formatFailure(r.failure!)).toBeLessThanOrEqual(8);
      }),
      { numRuns: 60 },
    );
  });

  it('generated histories are well-formed', () => {
    const ops = linearizableHistory(new SeededRandom(1), { ops: 500, keys: 3, overlap: 30, infoRate: 0.1, failRate: 0.05 });
    // One operation per process in the generator, so the per-process rule holds trivially.
    expect(() => validateHistory(ops)).not.toThrow();
  });
});

describe('checkLinearizability: speed', () => {
  it('checks 10 000 operations per key (5 keys, 8-way overlap, 5 % indeterminate) in seconds', () => {
    const ops = linearizableHistory(new SeededRandom(42), { ops: 50_000, keys: 5, overlap: 40, infoRate: 0.05, failRate: 0.02 });
    const t0 = performance.now();
    const r = checkLinearizability(ops);
    const ms = performance.now() - t0;
    expect(r.verdict).toBe('ok');
    expect(r.keys.every((k) => k.ops > 9000)).toBe(true);
    // Printed for the record (README figures); bounded loosely because the machine is shared.
    process.stdout.write(`linearizability: ${ops.length} ops, ${r.keys.length} keys, ${r.keys.reduce((s, k) => s + k.steps, 0)} steps, ${ms.toFixed(0)} ms\n`);
    expect(ms).toBeLessThan(30_000);
  });
});
