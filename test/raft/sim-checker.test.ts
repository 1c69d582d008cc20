import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/raft/index.js';
import { InvariantViolation, SafetyChecker, type InvariantName, type LogView } from './sim/checker.js';

/**
 * The simulation's SafetyChecker must reject each kind of violation it exists for, not only the ones the
 * core's deliberate bugs happen to produce (sim-bugs.test.ts shows leader completeness and linearizable reads
 * firing end to end). Each case feeds it a history that breaks one property of Raft's Figure 3 and expects
 * an InvariantViolation naming that property; the same history without the fault passes.
 */

const utf8 = new TextEncoder();

function entry(index: number, term: number, data: string): Entry {
  return { index, term, type: 'EntryNormal', data: utf8.encode(data) };
}

/** logOf is a LogView over a log that starts at index 1. */
function logOf(entries: Entry[]): LogView {
  return {
    firstIndex: () => 1,
    lastIndex: () => entries.length,
    term: (i) => entries[i - 1]!.term,
  };
}

function violation(fn: () => void): InvariantName {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvariantViolation) return err.invariant;
    throw err;
  }
  throw new Error('no invariant violation was reported');
}

describe('SafetyChecker: Raft §5.2 election safety', () => {
  it('accepts one leader per term, re-reported and across terms', () => {
    const c = new SafetyChecker();
    c.onLeader(1n, 1);
    c.onLeader(1n, 1);
    c.onLeader(2n, 2);
    expect(c.leadersSeen).toBe(2);
  });

  it('rejects two leaders of one term', () => {
    const c = new SafetyChecker();
    c.onLeader(1n, 3);
    expect(violation(() => c.onLeader(2n, 3))).toBe('election-safety');
  });
});

describe('SafetyChecker: Raft §5.3 log matching', () => {
  it('accepts members holding the same entries', () => {
    const c = new SafetyChecker();
    const log = [entry(1, 1, 'a'), entry(2, 1, 'b')];
    c.onAppend(1n, log, logOf(log));
    c.onAppend(2n, log, logOf(log));
  });

  it('rejects two different entries with the same index and term', () => {
    const c = new SafetyChecker();
    const a = [entry(1, 1, 'a')];
    const b = [entry(1, 1, 'b')];
    c.onAppend(1n, a, logOf(a));
    expect(violation(() => c.onAppend(2n, b, logOf(b)))).toBe('log-matching');
  });

  it('rejects an equal entry whose preceding entry has a different term (the logs disagree on the prefix)', () => {
    const c = new SafetyChecker();
    const a = [entry(1, 1, 'x'), entry(2, 3, 'same')];
    const b = [entry(1, 2, 'y'), entry(2, 3, 'same')];
    c.onAppend(1n, a, logOf(a));
    c.onAppend(2n, [b[0]!], logOf(b.slice(0, 1)));
    expect(violation(() => c.onAppend(2n, [b[1]!], logOf(b)))).toBe('log-matching');
  });
});

describe('SafetyChecker: Raft §5.4.3 state-machine safety', () => {
  it('accepts members applying the same history', () => {
    const c = new SafetyChecker();
    c.onApply(1n, entry(1, 1, 'a'), 0xaaaa, { key: 'k', value: 'a' });
    c.onApply(2n, entry(1, 1, 'a'), 0xaaaa, { key: 'k', value: 'a' });
    c.onRestore(3n, 1, 0xaaaa);
  });

  it('rejects two members applying different entries at one index', () => {
    const c = new SafetyChecker();
    c.onApply(1n, entry(1, 1, 'a'), 0xaaaa, { key: 'k', value: 'a' });
    expect(violation(() => c.onApply(2n, entry(1, 2, 'b'), 0xbbbb, { key: 'k', value: 'b' }))).toBe('state-machine-safety');
  });

  it('rejects a member applying the same entry over a different applied history', () => {
    const c = new SafetyChecker();
    c.onApply(1n, entry(2, 1, 'a'), 0x1111, undefined);
    expect(violation(() => c.onApply(2n, entry(2, 1, 'a'), 0x2222, undefined))).toBe('state-machine-safety');
  });

  it('rejects two members committing different terms at one index', () => {
    const c = new SafetyChecker();
    c.observeCommit(1n, 1, logOf([entry(1, 1, 'a')]));
    expect(violation(() => c.observeCommit(2n, 1, logOf([entry(1, 2, 'b')])))).toBe('state-machine-safety');
  });

  it('rejects a snapshot whose applied history differs from what was applied at its index', () => {
    const c = new SafetyChecker();
    c.onApply(1n, entry(1, 1, 'a'), 0xaaaa, undefined);
    expect(violation(() => c.onRestore(2n, 1, 0xbbbb))).toBe('state-machine-safety');
  });

  it('rejects a read of a value no member applied', () => {
    const c = new SafetyChecker();
    c.onApply(1n, entry(1, 1, 'a'), 0xaaaa, { key: 'k', value: 'a' });
    expect(violation(() => c.onRead(1n, 'r0', 'k', { value: 'forged', index: 1 }, 1, 1))).toBe('state-machine-safety');
  });
});

describe('SafetyChecker: Raft §5.4.1 leader completeness and thesis §6.4 linearizable reads', () => {
  it('rejects a leader missing an entry committed in an earlier term', () => {
    const c = new SafetyChecker();
    c.observeCommit(1n, 2, logOf([entry(1, 1, 'a'), entry(2, 1, 'b')]));
    c.checkLeaderCompleteness(1n, 2, logOf([entry(1, 1, 'a'), entry(2, 1, 'b')]));
    expect(violation(() => c.checkLeaderCompleteness(2n, 2, logOf([entry(1, 1, 'a')])))).toBe('leader-completeness');
  });

  it('rejects a read index below what was committed when the read began, and a stale value', () => {
    const c = new SafetyChecker();
    c.onApply(1n, entry(1, 1, 'v1'), 1, { key: 'k', value: 'v1' });
    c.onApply(1n, entry(2, 1, 'v2'), 2, { key: 'k', value: 'v2' });
    c.onReadState(1n, 'r0', 2, 2);
    c.onRead(1n, 'r0', 'k', { value: 'v2', index: 2 }, 2, 2);
    expect(violation(() => c.onReadState(1n, 'r1', 1, 2))).toBe('linearizable-read');
    expect(violation(() => c.onRead(1n, 'r1', 'k', { value: 'v1', index: 1 }, 2, 2))).toBe('linearizable-read');
  });
});
