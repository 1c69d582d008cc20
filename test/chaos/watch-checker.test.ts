import { describe, expect, it } from 'vitest';
import { checkWatches, formatWatchViolation, inRange, type StoreEvent, type WatcherHistory } from '../../src/chaos/watch-checker.js';

const put = (revision: number, key: string, value: string): StoreEvent => ({ revision, key, type: 'put', value });
const del = (revision: number, key: string): StoreEvent => ({ revision, key, type: 'delete', value: null });

// The store's history: rev 2 a=1, rev 3 b=1, rev 4 a=2, rev 5 a and b in one Txn, rev 6 delete b, rev 7 c=1.
const history: StoreEvent[] = [put(2, 'a', '1'), put(3, 'b', '1'), put(4, 'a', '2'), put(5, 'a', '3'), put(5, 'b', '2'), del(6, 'b'), put(7, 'c', '1')];
const prefix = { key: 'a', rangeEnd: 'c' }; // a and b, not c

const watcher = (events: StoreEvent[], extra: Partial<WatcherHistory> = {}): WatcherHistory => ({ id: 'w1', range: prefix, startRevision: 1, events, ...extra });
const kinds = (w: WatcherHistory): string[] => checkWatches({ history, watchers: [w] }).violations.map((v) => v.kind);

describe('checkWatches', () => {
  it('accepts a watcher that saw every change of its range once, in order (a Txn shares a revision)', () => {
    const r = checkWatches({ history, watchers: [watcher(history.filter((e) => e.key !== 'c'))], finalState: new Map([['a', '3'], ['c', '1']]) });
    expect(r).toMatchObject({ ok: true, watchers: 1, events: 6 });
  });

  it('accepts a watcher that started later and only owes what came after its start revision', () => {
    expect(kinds(watcher([put(5, 'a', '3'), put(5, 'b', '2'), del(6, 'b')], { startRevision: 5 }))).toEqual([]);
    // Judged up to revision 4: nothing after it is owed yet.
    expect(kinds(watcher([put(2, 'a', '1'), put(3, 'b', '1'), put(4, 'a', '2')], { endRevision: 4 }))).toEqual([]);
  });

  it('reports a gap: a reconnect that skipped revisions', () => {
    const r = checkWatches({ history, watchers: [watcher([put(2, 'a', '1'), put(3, 'b', '1'), put(5, 'a', '3'), put(5, 'b', '2'), del(6, 'b')])] });
    expect(r.ok).toBe(false);
    expect(r.violations).toEqual([{ kind: 'gap', watcher: 'w1', key: 'a', revision: 4, detail: 'put "2" was never delivered' }]);
    expect(formatWatchViolation(r.violations[0]!)).toBe('gap (watcher w1): key "a" at revision 4: put "2" was never delivered');
  });

  it('reports a duplicate: a reconnect that replayed the last revision', () => {
    expect(kinds(watcher([put(2, 'a', '1'), put(3, 'b', '1'), put(4, 'a', '2'), put(4, 'a', '2'), put(5, 'a', '3'), put(5, 'b', '2'), del(6, 'b')]))).toEqual(['duplicate']);
  });

  it('reports a reorder, and the stale last value it leaves', () => {
    expect(kinds(watcher([put(2, 'a', '1'), put(3, 'b', '1'), put(5, 'a', '3'), put(5, 'b', '2'), del(6, 'b'), put(4, 'a', '2')]))).toEqual(['reorder', 'final-value']);
  });

  it('reports a wrong value, a change the store never made, and an event outside the range', () => {
    expect(kinds(watcher([put(2, 'a', '1'), put(3, 'b', 'X'), put(4, 'a', '2'), put(5, 'a', '3'), put(5, 'b', '2'), del(6, 'b')]))).toEqual(['mismatch']);
    expect(kinds(watcher([put(2, 'a', '1'), put(3, 'b', '1'), put(4, 'a', '2'), put(5, 'a', '3'), put(5, 'b', '2'), del(6, 'b'), put(8, 'a', '9')]))).toEqual(['phantom']);
    expect(kinds(watcher([put(2, 'a', '1'), put(3, 'b', '1'), put(4, 'a', '2'), put(5, 'a', '3'), put(5, 'b', '2'), del(6, 'b'), put(7, 'c', '1')]))).toEqual(['phantom']);
    expect(kinds(watcher([put(2, 'a', '1'), put(3, 'b', '1'), put(4, 'a', '2'), put(5, 'a', '3'), put(5, 'b', '2'), put(6, 'b', '3')]))).toEqual(['mismatch', 'final-value']);
  });

  it('reports a wrong final value: a watcher left holding a value the key no longer has', () => {
    // The delete of b at 6 missed, so the watcher still holds b=2.
    expect(kinds(watcher([put(2, 'a', '1'), put(3, 'b', '1'), put(4, 'a', '2'), put(5, 'a', '3'), put(5, 'b', '2')]))).toEqual(['gap', 'final-value']);
  });

  it('checks the store history against the final state read at the end', () => {
    const r = checkWatches({ history, watchers: [], finalState: new Map([['a', '3'], ['b', 'zombie'], ['c', '1']]) });
    expect(r.violations).toEqual([{ kind: 'final-state', key: 'b', revision: 7, detail: 'the history leaves nil, the final state has "zombie"' }]);
  });

  it('judges each watcher on its own and names it', () => {
    const good = watcher(history.filter((e) => e.key === 'c'), { id: 'c-watcher', range: { key: 'c' } });
    const bad = watcher([put(2, 'a', '1')], { id: 'a-watcher', range: { key: 'a' } });
    const r = checkWatches({ history, watchers: [good, bad] });
    expect(r.violations.map((v) => `${v.watcher}:${v.kind}:${v.revision}`)).toEqual(['a-watcher:gap:4', 'a-watcher:gap:5', 'a-watcher:final-value:7']);
  });

  it('compares keys in byte order for ranges, with "\\0" meaning every key from the start', () => {
    expect(inRange('a', { key: 'a' })).toBe(true);
    expect(inRange('ab', { key: 'a' })).toBe(false);
    expect(inRange('ab', { key: 'a', rangeEnd: 'b' })).toBe(true);
    expect(inRange('b', { key: 'a', rangeEnd: 'b' })).toBe(false);
    expect(inRange('zzz', { key: 'a', rangeEnd: '\0' })).toBe(true);
  });
});
