import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/raft/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { SimDisk } from './sim/disk.js';

/**
 * SimDisk is the simulator's model of a member's WAL (sim/disk.ts): the crash semantics the simulation's
 * "unsynced writes are lost" claim rests on. A synced write survives any crash and makes every earlier
 * write durable with it (fsync is ordered); a crash keeps only a prefix of the unsynced writes since the last
 * sync, as an append-only file would; a snapshot is saved durably and replaces the log it covers.
 */

const entry = (index: number, term = 1): Entry => ({ index, term, type: 'EntryNormal', data: new Uint8Array([index]) });
const indexes = (d: SimDisk): number[] => d.load().entries.map((e) => e.index);

describe('SimDisk', () => {
  it('a synced write survives a crash', () => {
    const d = new SimDisk();
    d.write({ hardState: { term: 2, vote: 1n, commit: 1 }, entries: [entry(1), entry(2)] }, true);
    expect(d.crash(new SeededRandom(1))).toBe(0);
    expect(d.load().hardState).toEqual({ term: 2, vote: 1n, commit: 1 });
    expect(indexes(d)).toEqual([1, 2]);
  });

  it('a crash keeps a prefix of the unsynced writes and reports how many it lost; over many seeds, every prefix occurs', () => {
    const kept = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) {
      const d = new SimDisk();
      d.write({ entries: [entry(1)] }, true);
      for (let i = 2; i <= 4; i++) d.write({ entries: [entry(i)], hardState: { term: 1, vote: 0n, commit: i - 1 } }, false);
      const lost = d.crash(new SeededRandom(seed));
      const got = indexes(d);
      expect(got).toEqual([1, 2, 3, 4].slice(0, 4 - lost));
      expect(d.load().hardState.commit).toBe(got.length === 1 ? 0 : got.length - 1);
      kept.add(got.length);
    }
    expect([...kept].sort()).toEqual([1, 2, 3, 4]);
  });

  it('a synced write makes every earlier unsynced write durable too', () => {
    const d = new SimDisk();
    d.write({ entries: [entry(1)] }, false);
    d.write({ entries: [entry(2)] }, false);
    d.write({ hardState: { term: 1, vote: 1n, commit: 2 }, entries: [] }, true);
    expect(d.crash(new SeededRandom(7))).toBe(0);
    expect(indexes(d)).toEqual([1, 2]);
  });

  it('an append at an index the log holds truncates the conflicting suffix (Raft §5.3)', () => {
    const d = new SimDisk();
    d.write({ entries: [entry(1), entry(2), entry(3)] }, true);
    d.write({ entries: [entry(2, 2)] }, true);
    expect(d.load().entries.map((e) => `${e.term}/${e.index}`)).toEqual(['1/1', '2/2']);
  });

  it('a saved snapshot is durable and drops the log it covers', () => {
    const d = new SimDisk();
    d.write({ entries: [entry(1), entry(2), entry(3)] }, true);
    d.write({ entries: [entry(4)] }, false);
    d.saveSnapshot({ data: new Uint8Array(0), metadata: { index: 2, term: 1, confState: { voters: [1n], learners: [] } } });
    expect(d.crash(new SeededRandom(3))).toBe(0);
    expect(d.load().snapshot?.metadata.index).toBe(2);
    expect(indexes(d)).toEqual([3, 4]);
  });
});
