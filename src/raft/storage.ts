import { CompactedError, SnapOutOfDateError, UnavailableError, assert } from './errors.js';
import { NONE, entrySize, type ConfState, type Entry, type HardState, type Snapshot } from './types.js';

/**
 * Storage is the core's read view of what the caller has persisted: the durable log, HardState, and the latest
 * snapshot. The core never writes to it; the caller appends what Ready hands it. Mirrors etcd-io/raft's Storage.
 */
export interface Storage {
  /** initialState returns the persisted HardState and the membership at the end of the persisted state. */
  initialState(): { hardState: HardState; confState: ConfState };
  /** entries returns entries in [lo, hi), at least one if any, at most maxSize bytes. */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  /** term returns the term of entry i, which must be in [firstIndex()-1, lastIndex()]. */
  term(i: number): number;
  /** firstIndex is the index of the first entry still available (older ones are in the snapshot). */
  firstIndex(): number;
  /** lastIndex is the index of the last entry in the log. */
  lastIndex(): number;
  /** snapshot returns the most recent snapshot. */
  snapshot(): Snapshot;
}

/**
 * limitSize returns the longest prefix of ents within maxSize bytes, and always at least one entry, so that a
 * single large entry still makes progress.
 */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0]!);
  let limit = 1;
  for (; limit < ents.length; limit++) {
    size += entrySize(ents[limit]!);
    if (size > maxSize) break;
  }
  return limit === ents.length ? ents : ents.slice(0, limit);
}

/**
 * MemoryStorage is a Storage kept in memory. The store's node wrapper uses it as the cache in front of its
 * LevelDB log (as etcd keeps raft.MemoryStorage in front of its WAL); tests and the simulator use it as
 * the durable state itself. ents[0] is a dummy entry holding the index and term of the last compacted entry.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: NONE, commit: 0 };
  private snap: Snapshot;
  private ents: Entry[];

  /** A new MemoryStorage bootstraps a cluster of the given voters (and learners) at index 0 with an empty log. */
  constructor(voters: bigint[] = [], learners: bigint[] = []) {
    this.snap = { data: new Uint8Array(0), metadata: { index: 0, term: 0, confState: { voters: [...voters], learners: [...learners] } } };
    this.ents = [{ term: 0, index: 0, type: 'EntryNormal', data: new Uint8Array(0) }];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.metadata.confState) };
  }

  /** setHardState records the HardState the caller persisted. */
  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw new CompactedError(lo, offset + 1);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    if (this.ents.length === 1) throw new UnavailableError(lo, this.lastIndex());
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(i: number): number {
    const offset = this.ents[0]!.index;
    if (i < offset) throw new CompactedError(i, offset + 1);
    if (i - offset >= this.ents.length) throw new UnavailableError(i, this.lastIndex());
    return this.ents[i - offset]!.term;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** applySnapshot replaces the whole storage with the snapshot's state; older snapshots are refused. */
  applySnapshot(s: Snapshot): void {
    const current = this.snap.metadata.index;
    if (current >= s.metadata.index) throw new SnapOutOfDateError(s.metadata.index, current);
    this.snap = s;
    this.ents = [{ term: s.metadata.term, index: s.metadata.index, type: 'EntryNormal', data: new Uint8Array(0) }];
  }

  /**
   * createSnapshot records a snapshot of the application's state at index (≤ lastIndex), with the membership
   * cs at that point. Entries are kept until compact() is called, so slow followers may still be served.
   */
  createSnapshot(index: number, cs: ConfState | undefined, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new SnapOutOfDateError(index, this.snap.metadata.index);
    const offset = this.ents[0]!.index;
    assert(index <= this.lastIndex(), () => `createSnapshot: index ${index} is out of bound lastindex(${this.lastIndex()})`);
    this.snap = {
      data,
      metadata: {
        index,
        term: this.ents[index - offset]!.term,
        confState: cs === undefined ? cloneConfState(this.snap.metadata.confState) : cloneConfState(cs),
      },
    };
    return this.snap;
  }

  /** compact discards entries up to and including compactIndex (which must be ≤ the applied index). */
  compact(compactIndex: number): void {
    const offset = this.ents[0]!.index;
    if (compactIndex <= offset) throw new CompactedError(compactIndex, offset + 1);
    assert(compactIndex <= this.lastIndex(), () => `compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    const i = compactIndex - offset;
    const first = this.ents[i]!;
    const rest = this.ents.slice(i + 1);
    this.ents = [{ term: first.term, index: first.index, type: 'EntryNormal', data: new Uint8Array(0) }, ...rest];
  }

  /**
   * append adds entries to the log, first truncating any conflicting suffix. Entries already compacted are
   * ignored. The entries must be contiguous with the log (no gap).
   */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return;
    if (first > entries[0]!.index) entries = entries.slice(first - entries[0]!.index);
    const offset = entries[0]!.index - this.ents[0]!.index;
    assert(offset <= this.ents.length, () => `missing log entry [last: ${this.lastIndex()}, append at: ${entries[0]!.index}]`);
    if (offset < this.ents.length) this.ents = this.ents.slice(0, offset);
    for (const e of entries) this.ents.push(e);
  }
}

/** cloneConfState copies a ConfState so callers cannot alias the core's membership lists. */
export function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}
