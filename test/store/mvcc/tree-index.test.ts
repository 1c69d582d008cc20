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
});
