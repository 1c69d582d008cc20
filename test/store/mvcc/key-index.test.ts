import { describe, expect, it } from 'vitest';
import { KeyIndex, revKey } from '../../../src/store/mvcc/key-index.js';
import { compareRevision, decodeRevision, encodeRevision, isTombstone } from '../../../src/store/mvcc/revision.js';

describe('revision encoding', () => {
  it('is 17 big-endian bytes whose byte order is revision order, with a tombstone mark', () => {
    const revs = [
      { main: 1, sub: 0 },
      { main: 1, sub: 1 },
      { main: 2, sub: 0 },
      { main: 256, sub: 0 },
      { main: 2 ** 40, sub: 3 },
    ];
    const enc = revs.map((r) => encodeRevision(r));
    expect(enc[0]).toHaveLength(17);
    for (let i = 1; i < enc.length; i++) expect(Buffer.compare(enc[i - 1]!, enc[i]!)).toBe(-1);
    for (const r of revs) expect(decodeRevision(encodeRevision(r))).toEqual(r);
    const t = encodeRevision({ main: 5, sub: 1 }, true);
    expect(t).toHaveLength(18);
    expect(isTombstone(t)).toBe(true);
    expect(isTombstone(encodeRevision({ main: 5, sub: 1 }))).toBe(false);
    expect(compareRevision({ main: 2, sub: 0 }, { main: 1, sub: 9 })).toBeGreaterThan(0);
  });
});

describe('KeyIndex', () => {
  // put a@2, a@4, delete a@6, put a@8, a@10 — two generations.
  function history(): KeyIndex {
    const ki = new KeyIndex('a');
    ki.put({ main: 2, sub: 0 });
    ki.put({ main: 4, sub: 0 });
    ki.tombstone({ main: 6, sub: 0 });
    ki.put({ main: 8, sub: 0 });
    ki.put({ main: 10, sub: 0 });
    return ki;
  }

  it('get sees the key alive with the right created revision and version at each revision', () => {
    const ki = history();
    expect(ki.get(1)).toBeUndefined();
    expect(ki.get(3)).toEqual({ modified: { main: 2, sub: 0 }, created: { main: 2, sub: 0 }, version: 1 });
    expect(ki.get(5)).toEqual({ modified: { main: 4, sub: 0 }, created: { main: 2, sub: 0 }, version: 2 });
    expect(ki.get(6)).toBeUndefined();
    expect(ki.get(7)).toBeUndefined();
    expect(ki.get(9)).toEqual({ modified: { main: 8, sub: 0 }, created: { main: 8, sub: 0 }, version: 1 });
    expect(ki.get(100)?.version).toBe(2);
  });

  it('refuses a revision that is not after the last one (an invariant)', () => {
    const ki = history();
    expect(() => ki.put({ main: 10, sub: 0 })).toThrow(/not after/);
  });

  it('since lists revisions at or after a revision, one per main revision', () => {
    const ki = new KeyIndex('a');
    ki.put({ main: 2, sub: 0 });
    ki.put({ main: 3, sub: 0 });
    ki.put({ main: 3, sub: 1 });
    ki.put({ main: 5, sub: 0 });
    expect(ki.since(3)).toEqual([
      { main: 3, sub: 1 },
      { main: 5, sub: 0 },
    ]);
  });

  it('compact keeps what reads at or after the compaction revision need, and keep() agrees', () => {
    for (const [at, wantAvail, wantGens] of [
      [3, ['2_0'], 2],
      [5, ['4_0'], 2],
      [6, [], 1],
      [9, ['8_0'], 1],
      [12, ['10_0'], 1],
    ] as const) {
      const ki = history();
      const kept = new Set<string>();
      ki.keep(at, kept);
      const avail = new Set<string>();
      ki.compact(at, avail);
      expect([...avail].sort(), `compact at ${at}`).toEqual([...wantAvail]);
      expect([...kept].sort(), `keep at ${at}`).toEqual([...wantAvail]);
      expect(ki.generations.length, `generations at ${at}`).toBe(wantGens);
      // Reads at or after the compaction revision are unchanged.
      const fresh = history();
      for (let r = at; r <= 12; r++) expect(ki.get(r), `get ${r} after compact ${at}`).toEqual(fresh.get(r));
    }
  });

  it('a deleted key compacted past its tombstone is empty', () => {
    const ki = new KeyIndex('a');
    ki.put({ main: 2, sub: 0 });
    ki.tombstone({ main: 3, sub: 0 });
    const avail = new Set<string>();
    ki.compact(4, avail);
    expect(ki.isEmpty()).toBe(true);
    expect(avail.size).toBe(0);
    expect(revKey({ main: 3, sub: 0 })).toBe('3_0');
  });

  it('a tombstone takes the generations planned for it only while they still extend the key\'s own', () => {
    const ki = new KeyIndex('a');
    ki.put({ main: 2, sub: 0 });
    const planned = ki.planTombstone();
    expect(ki.generations).toHaveLength(1);
    // Another put in the same life leaves the plan valid: it shares the life's generation.
    ki.put({ main: 3, sub: 0 });
    ki.tombstone({ main: 4, sub: 0 }, planned);
    expect(ki.generations).toBe(planned);
    expect(ki.get(3)?.version).toBe(2);
    expect(ki.get(4)).toBeUndefined();
    // A plan made before another life began is not taken; the tombstone adds its own generation.
    const stale = ki.planTombstone();
    ki.put({ main: 5, sub: 0 });
    ki.tombstone({ main: 6, sub: 0 });
    ki.put({ main: 7, sub: 0 });
    ki.tombstone({ main: 8, sub: 0 }, stale);
    expect(ki.generations).not.toBe(stale);
    expect(ki.generations.map((g) => g.revs.map((r) => r.main))).toEqual([[2, 3, 4], [5, 6], [7, 8], []]);
    expect(ki.isDeleted()).toBe(true);
  });
});
