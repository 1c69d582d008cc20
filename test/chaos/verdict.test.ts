import { describe, expect, it } from 'vitest';
import { checkLinearizability } from '../../src/chaos/linearizability.js';
import { assembleVerdict, countOps, hashDisagreement, lostWrites, report, type RunChecks } from '../../src/chaos/verdict.js';
import { checkWatches, type StoreEvent } from '../../src/chaos/watch-checker.js';
import { HistoryBuilder } from './helpers/histories.js';

const events: StoreEvent[] = [
  { revision: 2, key: 'x', type: 'put', value: 'a' },
  { revision: 3, key: 'x', type: 'put', value: 'b' },
];
const hashes = [
  { member: 's1', revision: 3, hash: 7 },
  { member: 's2', revision: 3, hash: 7 },
];

function checks(b: HistoryBuilder, extra: Partial<RunChecks> = {}): RunChecks {
  return {
    seed: 42,
    history: b.ops,
    linearizability: checkLinearizability(b.ops),
    watches: checkWatches({ history: events, watchers: [{ id: 'w0', range: { key: 'x' }, startRevision: 1, events }] }),
    storeEvents: events,
    hashes,
    faults: [{ action: 'kill' }, { action: 'restart' }, { action: 'kill' }],
    problems: [],
    ...extra,
  };
}

describe('the chaos run verdict', () => {
  it('passes a run whose every check passes, and counts operations and faults', () => {
    const b = new HistoryBuilder().write(1, 'a', 0, 1).cas(2, 'a', 'b', true, 2, 3).cas(1, 'a', 'c', false, 4, 5).read(2, 'b', 6, 7).write(1, 'q', 8, 9, 'info').write(3, 'nope', 10, 11, 'fail');
    const v = assembleVerdict(checks(b));
    expect(v.result).toBe('ok');
    expect(v.faults).toEqual({ kill: 2, restart: 1 });
    expect(countOps(b.ops)).toEqual({ read: { ok: 1, fail: 0, info: 0 }, write: { ok: 1, fail: 1, info: 1 }, cas: { ok: 2, fail: 0, info: 0 }, casTaken: 1 });
    const text = report(v);
    expect(text).toContain('verdict: OK (seed 42)');
    expect(text).toContain('faults: kill 2, restart 1');
    expect(text).toContain('replicas: HashKV agrees on 2 members at revision 3');
  });

  it('fails a stale read with the smallest bad sub-history, and a lost acknowledged write', () => {
    const b = new HistoryBuilder().write(1, 'a', 0, 1).write(1, 'b', 2, 3).read(2, 'a', 4, 5).write(3, 'gone', 6, 7);
    const v = assembleVerdict(checks(b));
    expect(v.result).toBe('fail');
    expect(v.lostWrites.map((o) => o.id)).toEqual([3]);
    expect(v.failures).toEqual(['not linearizable: key "x"', '1 acknowledged write(s) missing from the store']);
    const text = report(v);
    expect(text).toContain('smallest non-linearizable sub-history found:');
    expect(text).toContain('read x → "a"');
    expect(text).toContain('lost: #3');
  });

  it('fails on replicas that disagree, watchers that missed events, and problems of the run itself', () => {
    const b = new HistoryBuilder().write(1, 'a', 0, 1).write(1, 'b', 2, 3);
    expect(assembleVerdict(checks(b, { hashes: [hashes[0]!, { member: 's2', revision: 3, hash: 8 }] })).failures).toEqual(['replicas disagree: HashKV differs at revision 3: s1=7, s2=8']);
    const gap = checkWatches({ history: events, watchers: [{ id: 'w0', range: { key: 'x' }, startRevision: 1, events: [events[1]!] }] });
    expect(assembleVerdict(checks(b, { watches: gap })).failures).toEqual(['watch guarantees broken: 1 violation(s)']);
    expect(assembleVerdict(checks(b, { problems: ['nemesis: boom'] })).result).toBe('fail');
  });

  it('explains hashes that prove nothing', () => {
    expect(hashDisagreement([])).toBe('no member reported a hash');
    expect(hashDisagreement([{ member: 's1', revision: 3, error: 'unavailable' }])).toBe('no hash from s1 (unavailable)');
    expect(hashDisagreement([{ member: 's1', revision: 3, hash: 1 }, { member: 's2', revision: 4, hash: 1 }])).toBe('members hashed different revisions: s1@3, s2@4');
    expect(lostWrites(new HistoryBuilder().cas(1, null, 'a', false, 0, 1).write(1, null, 2, 3).ops, [])).toEqual([]);
  });

  it('is unknown, not ok, when the search ran out of budget', () => {
    const b = new HistoryBuilder().write(1, 'a', 0, 1).write(1, 'b', 2, 3);
    const lin = checkLinearizability(b.ops, { maxSteps: 0 });
    expect(assembleVerdict(checks(b, { linearizability: lin })).result).toBe('unknown');
  });
});
