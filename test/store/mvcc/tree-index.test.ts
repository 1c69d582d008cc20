import { setImmediate as yieldToIo } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TreeIndex, rangeEndOf } from '../../../src/store/mvcc/tree-index.js';

function scan(t: TreeIndex, start: string, rangeEnd: string): string[] {
  const out: string[] = [];
  t.forEachInRange(start, rangeEndOf(rangeEnd), (e) => {
    out.push(e.key);
    return true;
  });
  return out;
}

describe('TreeIndex', () => {
  it('scans keys in byte order whatever the order and batching of their creation', () => {
    const key = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 });
    // Each step creates a batch of keys (small batches merge one by one, large ones by sort and merge), then scans.
    const step = fc.record({ create: fc.array(key, { maxLength: 40 }), from: key, to: fc.oneof(fc.constant('\0'), key) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const t = new TreeIndex();
        const model = new Set<string>();
        let rev = 1;
        for (const s of steps) {
          for (const k of s.create) {
            t.getOrCreate(k).put({ main: ++rev, sub: 0 });
            model.add(k);
          }
          const want = [...model].sort().filter((k) => k >= s.from && (s.to === '\0' || k < s.to));
          expect(scan(t, s.from, s.to)).toEqual(want);
        }
        expect([...new Set(t.revisionsSince(0).map((r) => r.key))]).toEqual([...model].sort());
      }),
    );
  });

  it('drops keys a compaction emptied, including keys created since the last scan', () => {
    const t = new TreeIndex();
    t.getOrCreate('b').put({ main: 2, sub: 0 });
    t.getOrCreate('b').tombstone({ main: 3, sub: 0 });
    expect(scan(t, 'a', '\0')).toEqual(['b']);
    t.getOrCreate('a').put({ main: 4, sub: 0 });
    t.getOrCreate('c').put({ main: 5, sub: 0 });
    t.getOrCreate('c').tombstone({ main: 6, sub: 0 });
    t.compact(6);
    expect(scan(t, '\0', '\0')).toEqual(['a']);
    expect(t.size()).toBe(1);
  });

  it('compacts in chunks with writes applied between the chunks to the same index as compacting at once before them', async () => {
    // A write is a put or a delete of one of a few keys; deletes of missing or deleted keys change nothing, as
    // in MVCC.
    const write = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), del: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(write, { maxLength: 40 }), fc.array(write, { maxLength: 20 }), fc.nat(), fc.integer({ min: 1, max: 3 }), async (before, after, at, chunk) => {
        const apply = (t: TreeIndex, w: { key: string; del: boolean }, main: number): void => {
          if (!w.del) t.getOrCreate(w.key).put({ main, sub: 0 });
          else if (t.entry(w.key)?.isDeleted() === false) t.entry(w.key)!.tombstone({ main, sub: 0 });
        };
        const atOnce = new TreeIndex();
        const chunked = new TreeIndex();
        let main = 1;
        for (const w of before) {
          main++;
          apply(atOnce, w, main);
          apply(chunked, w, main);
        }
        const rev = 1 + (at % main);
        const keptAtOnce = atOnce.compact(rev);
        let next = main;
        const pending = [...after];
        // The writes after the compaction's revision go in one per turn of the event loop while it runs.
        const writing = (async () => {
          while (pending.length > 0) {
            apply(chunked, pending.shift()!, ++next);
            scan(chunked, '\0', '\0');
            await yieldToIo();
          }
        })();
        let t = 0;
        const { available: keptChunked, longestPauseMs } = await chunked.compactInChunks(rev, chunk, () => t++);
        expect(longestPauseMs).toBeGreaterThanOrEqual(0);
        await writing;
        for (const w of after) apply(atOnce, w, ++main);
        expect([...keptChunked].sort()).toEqual([...keptAtOnce].sort());
        expect(scan(chunked, '\0', '\0')).toEqual(scan(atOnce, '\0', '\0'));
        expect(chunked.revisionsSince(0)).toEqual(atOnce.revisionsSince(0));
        expect(chunked.size()).toBe(atOnce.size());
        for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) for (let r = rev; r <= main; r++) expect(chunked.get(k, r)).toEqual(atOnce.get(k, r));
      }),
      { seed: 20261202, numRuns: 300 },
    );
  });
});
