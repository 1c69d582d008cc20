import { describe, expect, it } from 'vitest';
import { formatOperation, HistoryError, HistoryRecorder, opsByKey, validateHistory } from '../../src/chaos/history.js';
import { checkLinearizability } from '../../src/chaos/linearizability.js';
import { HistoryBuilder } from './helpers/histories.js';

describe('HistoryRecorder', () => {
  it('stamps invocations and completions with the injected clock, ids in invocation order', () => {
    let t = 0;
    const rec = new HistoryRecorder(() => t);
    const w = rec.invoke(1, 'x', { kind: 'write', value: 'a' });
    t = 5;
    const r = rec.invoke(2, 'x', { kind: 'read' });
    t = 7;
    r.ok({ value: null });
    t = 9;
    w.ok();
    const c = rec.invoke(1, 'x', { kind: 'cas', expected: 'a', value: 'b' });
    t = 12;
    const lost = rec.invoke(3, 'y', { kind: 'write', value: 'z' });
    c.info();
    rec.endPending();
    expect(rec.history().map((o) => [o.id, o.process, o.invoke, o.complete, o.result])).toEqual([
      [1, 2, 5, 7, 'ok'],
      [0, 1, 0, 9, 'ok'],
      [2, 1, 9, 12, 'info'],
      [3, 3, 12, 12, 'info'],
    ]);
    expect(() => lost.ok()).toThrow(HistoryError);
    expect(() => validateHistory(rec.history())).not.toThrow();
    expect(checkLinearizability(rec.history()).verdict).toBe('ok');
  });
});

describe('validateHistory', () => {
  it('refuses duplicate ids, completions before invocations, ok reads without a value, overlapping operations of one process', () => {
    const ok = new HistoryBuilder().write(1, 'a', 0, 1).read(1, 'a', 2, 3).ops;
    expect(() => validateHistory(ok)).not.toThrow();
    expect(() => validateHistory([ok[0]!, { ...ok[1]!, id: 0 }])).toThrow(/duplicate id/);
    expect(() => validateHistory([{ ...ok[0]!, complete: -1 }])).toThrow(/completes/);
    expect(() => validateHistory([{ ...ok[1]!, output: undefined }])).toThrow(/ok read needs/);
    expect(() => validateHistory(new HistoryBuilder().write(1, 'a', 0, 5).read(1, 'a', 2, 3).ops)).toThrow(/invoked before operation 0 completes/);
    // A process may go on after giving up on an indeterminate operation.
    expect(() => validateHistory(new HistoryBuilder().write(1, 'a', 0, 5, 'info').read(1, 'a', 2, 3).ops)).not.toThrow();
  });

  it('formats operations on one line and groups them by key', () => {
    const b = new HistoryBuilder().write(1, 'a', 0, 1.25).cas(2, 'a', null, true, 2, 3, 'y').write(3, 'q', 4, 5, 'info');
    expect(b.ops.map(formatOperation)).toEqual(['#0 p1 [0.0, 1.3] ok write x "a"', '#1 p2 [2.0, 3.0] ok cas y "a"→nil ✓', '#2 p3 [4.0, ∞] info write x "q"']);
    expect([...opsByKey(b.ops).keys()]).toEqual(['x', 'y']);
  });
});
