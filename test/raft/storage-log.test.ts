import { describe, expect, it } from 'vitest';
import {
  CompactedError,
  ConfChangeDecodeError,
  MemoryStorage,
  RaftLog,
  SnapOutOfDateError,
  UnavailableError,
  committedIndex,
  decodeConfChange,
  encodeConfChange,
  voteResult,
  type Entry,
} from '../../src/raft/index.js';
import { Inflights } from '../../src/raft/inflights.js';
import { Progress } from '../../src/raft/progress.js';
import { ReadOnly } from '../../src/raft/read-only.js';

function ents(from: number, terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: from + i, term, type: 'EntryNormal', data: new Uint8Array(0) }));
}

describe('MemoryStorage', () => {
  it('serves entries, refuses compacted and unavailable ranges with typed errors', () => {
    const s = new MemoryStorage([1n]);
    s.append(ents(1, [1, 1, 2, 2, 3]));
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(5);
    expect(s.entries(2, 4, Infinity).map((e) => e.index)).toEqual([2, 3]);
    s.compact(3);
    expect(s.firstIndex()).toBe(4);
    expect(s.term(3)).toBe(2);
    expect(() => s.entries(2, 4, Infinity)).toThrow(CompactedError);
    expect(() => s.term(2)).toThrow(CompactedError);
    expect(() => s.entries(4, 7, Infinity)).toThrow(UnavailableError);
  });

  it('append truncates a conflicting suffix and ignores compacted entries', () => {
    const s = new MemoryStorage([1n]);
    s.append(ents(1, [1, 1, 1, 1]));
    s.append(ents(3, [2]));
    expect(s.lastIndex()).toBe(3);
    expect(s.term(3)).toBe(2);
    s.compact(2);
    s.append(ents(1, [1, 1, 2, 3]));
    expect(s.lastIndex()).toBe(4);
    expect(s.term(4)).toBe(3);
  });

  it('entries honours maxSize but always returns at least one entry', () => {
    const s = new MemoryStorage([1n]);
    s.append(ents(1, [1, 1, 1]).map((e) => ({ ...e, data: new Uint8Array(100) })));
    expect(s.entries(1, 4, 1)).toHaveLength(1);
    expect(s.entries(1, 4, 250)).toHaveLength(2);
  });

  it('snapshots: createSnapshot then compact; applySnapshot refuses an older one', () => {
    const s = new MemoryStorage([1n, 2n]);
    s.append(ents(1, [1, 1, 2]));
    const snap = s.createSnapshot(2, { voters: [1n, 2n, 3n], learners: [] }, new Uint8Array([9]));
    expect(snap.metadata).toEqual({ index: 2, term: 1, confState: { voters: [1n, 2n, 3n], learners: [] } });
    expect(s.initialState().confState.voters).toEqual([1n, 2n, 3n]);
    const other = new MemoryStorage([1n]);
    other.applySnapshot(snap);
    expect(other.firstIndex()).toBe(3);
    expect(other.lastIndex()).toBe(2);
    expect(() => other.applySnapshot(snap)).toThrow(SnapOutOfDateError);
  });
});

describe('RaftLog', () => {
  it('maybeAppend checks the previous entry, truncates conflicts, and bounds commit by the last new entry', () => {
    const log = new RaftLog(new MemoryStorage([1n]));
    log.append(ents(1, [1, 2, 3]));
    expect(log.maybeAppend(3, 2, 10, [])).toBeUndefined();
    expect(log.maybeAppend(2, 2, 10, ents(3, [4]))).toBe(3);
    expect(log.term(3)).toBe(4);
    expect(log.committed).toBe(3);
  });

  it('findConflictByTerm skips back past entries of higher terms', () => {
    const log = new RaftLog(new MemoryStorage([1n]));
    log.append(ents(1, [1, 1, 2, 2, 5, 5, 5]));
    expect(log.findConflictByTerm(7, 3)).toEqual({ index: 4, term: 2 });
    expect(log.findConflictByTerm(7, 5)).toEqual({ index: 7, term: 5 });
    expect(log.findConflictByTerm(3, 1)).toEqual({ index: 2, term: 1 });
  });

  it('isUpToDate compares last term, then last index (§5.4.1)', () => {
    const log = new RaftLog(new MemoryStorage([1n]));
    log.append(ents(1, [1, 2, 2]));
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  it('refuses to truncate committed entries (an invariant, not an input error)', () => {
    const log = new RaftLog(new MemoryStorage([1n]));
    log.append(ents(1, [1, 1]));
    log.commitTo(2);
    expect(() => log.maybeAppend(1, 1, 2, ents(2, [2]))).toThrow(/conflicts with committed entry/);
  });
});

describe('flow control', () => {
  it('Inflights is bounded by count and by bytes and frees acknowledged messages in order', () => {
    const inf = new Inflights(3, 1000);
    inf.add(1, 100);
    inf.add(2, 100);
    expect(inf.full()).toBe(false);
    inf.add(3, 100);
    expect(inf.full()).toBe(true);
    inf.freeLE(2);
    expect(inf.count()).toBe(1);
    inf.add(10, 900);
    expect(inf.full()).toBe(true);
  });

  it('Progress probes one message at a time, streams in replicate, and backs off to the hint on rejection', () => {
    const pr = new Progress(11, 4, 0, false);
    expect(pr.isPaused()).toBe(false);
    pr.msgAppFlowPaused = true;
    expect(pr.isPaused()).toBe(true);
    expect(pr.maybeDecrTo(10, 4)).toBe(true);
    expect(pr.next).toBe(5);
    expect(pr.maybeDecrTo(9, 2)).toBe(false); // stale: not the last probe
    pr.maybeUpdate(4);
    pr.becomeReplicate();
    expect(pr.next).toBe(5);
    for (let i = 5; i < 9; i++) pr.inflights.add(i, 1);
    expect(pr.isPaused()).toBe(true);
    expect(pr.maybeDecrTo(3, 0)).toBe(false); // at or below match: stale
  });
});

describe('quorum', () => {
  it('committedIndex is the largest index a majority has', () => {
    const match = new Map([
      [1n, 5],
      [2n, 3],
      [3n, 9],
      [4n, 1],
      [5n, 7],
    ]);
    expect(committedIndex(match.keys(), (id) => match.get(id))).toBe(5);
    expect(committedIndex([1n, 2n, 3n], (id) => match.get(id))).toBe(5);
    expect(committedIndex([1n, 2n], (id) => match.get(id))).toBe(3);
  });

  it('voteResult wins, loses, or stays pending', () => {
    const voters = [1n, 2n, 3n, 4n, 5n];
    expect(voteResult(voters, new Map([[1n, true], [2n, true], [3n, true]]))).toBe('VoteWon');
    expect(voteResult(voters, new Map([[1n, false], [2n, false], [3n, false]]))).toBe('VoteLost');
    expect(voteResult(voters, new Map([[1n, true], [2n, false], [3n, false]]))).toBe('VotePending');
  });
});

describe('conf change encoding', () => {
  it('round-trips every type with its context', () => {
    for (const type of ['ConfChangeAddNode', 'ConfChangeRemoveNode', 'ConfChangeUpdateNode', 'ConfChangeAddLearnerNode'] as const) {
      const cc = { type, nodeId: 0xfedcba9876543210n, context: new TextEncoder().encode('http://127.0.0.1:2380') };
      expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
    }
  });

  it('refuses malformed bytes with a typed error', () => {
    expect(() => decodeConfChange(new Uint8Array(3))).toThrow(ConfChangeDecodeError);
    expect(() => decodeConfChange(new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0, 1]))).toThrow(ConfChangeDecodeError);
  });
});

describe('ReadOnly', () => {
  it('releases requests in arrival order up to the acknowledged one', () => {
    const ro = new ReadOnly();
    const req = (ctx: number) => ({
      type: 'MsgReadIndex' as const,
      to: 0n,
      from: 0n,
      term: 0,
      logTerm: 0,
      index: 0,
      commit: 0,
      reject: false,
      rejectHint: 0,
      entries: [{ index: 0, term: 0, type: 'EntryNormal' as const, data: new Uint8Array([ctx]) }],
    });
    ro.addRequest(5, req(1));
    ro.addRequest(6, req(2));
    ro.addRequest(7, req(3));
    expect(ro.lastPendingRequestCtx()).toEqual(new Uint8Array([3]));
    expect(ro.recvAck(2n, new Uint8Array([2]))?.has(2n)).toBe(true);
    expect(ro.advance(new Uint8Array([2])).map((s) => s.index)).toEqual([5, 6]);
    expect(ro.size()).toBe(1);
  });
});
