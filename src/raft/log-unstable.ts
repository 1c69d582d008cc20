import { assert } from './errors.js';
import type { Entry, Snapshot } from './types.js';

/**
 * Unstable holds what the core has accepted but the caller has not yet persisted: at most one incoming
 * snapshot and the entries after it. entries[i] has index offset + i. It becomes stable through
 * stableTo/stableSnapTo when the caller advances past a Ready that handed it out.
 *
 * With asynchronous storage writes (etcd-io/raft's AsyncStorageWrites) a Ready's entries are handed out once
 * and stay here, "in progress", until their write is reported done: entries below offsetInProgress and a
 * snapshot with snapshotInProgress set were already handed out. Invariant: offset ≤ offsetInProgress ≤
 * offset + entries.length; without asynchronous writes offsetInProgress stays equal to offset.
 */
export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];
  offset: number;
  /** offsetInProgress is the first index not yet handed out for writing. */
  offsetInProgress: number;
  /** snapshotInProgress says the unstable snapshot was handed out for writing. */
  snapshotInProgress = false;

  constructor(offset: number) {
    this.offset = offset;
    this.offsetInProgress = offset;
  }

  /** nextEntries are the entries not yet handed out for writing. */
  nextEntries(): Entry[] {
    const skip = this.offsetInProgress - this.offset;
    if (skip >= this.entries.length) return [];
    return this.entries.slice(skip);
  }

  /** hasNextEntries reports whether nextEntries would return anything. */
  hasNextEntries(): boolean {
    return this.offsetInProgress < this.offset + this.entries.length;
  }

  /** nextSnapshot is the unstable snapshot if it was not yet handed out for writing. */
  nextSnapshot(): Snapshot | undefined {
    return this.snapshotInProgress ? undefined : this.snapshot;
  }

  /** acceptInProgress marks everything held here as handed out for writing. */
  acceptInProgress(): void {
    this.offsetInProgress = this.offset + this.entries.length;
    if (this.snapshot !== undefined) this.snapshotInProgress = true;
  }

  /** maybeFirstIndex is the first index of the log if only the unstable snapshot knows it. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  /** maybeLastIndex is the last index held here, if any. */
  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.metadata.index;
  }

  /** maybeTerm is the term of entry i if this holds it. */
  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot !== undefined && this.snapshot.metadata.index === i) return this.snapshot.metadata.term;
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset]!.term;
  }

  /** stableTo marks entries up to i (with term t) persisted; a mismatch means they were since replaced. */
  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    if (gt === undefined) return;
    // A term mismatch means the entries were replaced after this write was handed out; the write that
    // carries the replacements reports them (Log Matching: index and term identify an entry and its prefix).
    if (gt === t && i >= this.offset) {
      this.entries = this.entries.slice(i + 1 - this.offset);
      this.offset = i + 1;
      this.offsetInProgress = Math.max(this.offsetInProgress, this.offset);
    }
  }

  /** stableSnapTo marks the unstable snapshot at index i persisted. */
  stableSnapTo(i: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === i) {
      this.snapshot = undefined;
      this.snapshotInProgress = false;
    }
  }

  /** restore replaces everything with a snapshot. */
  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.offsetInProgress = this.offset;
    this.entries = [];
    this.snapshot = s;
    this.snapshotInProgress = false;
  }

  /** truncateAndAppend appends ents, truncating whatever they conflict with. */
  truncateAndAppend(ents: Entry[]): void {
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      for (const e of ents) this.entries.push(e);
    } else if (after <= this.offset) {
      // The log is being replaced from before what is held here: storage will be truncated on persist.
      this.offset = after;
      this.offsetInProgress = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.slice(this.offset, after);
      for (const e of ents) this.entries.push(e);
      // Entries from `after` on are new, even if a write of the ones they replace is in flight.
      this.offsetInProgress = Math.min(this.offsetInProgress, after);
    }
  }

  /** slice returns entries in [lo, hi). */
  slice(lo: number, hi: number): Entry[] {
    assert(lo <= hi, () => `unstable.slice: invalid ${lo} > ${hi}`);
    const upper = this.offset + this.entries.length;
    assert(lo >= this.offset && hi <= upper, () => `unstable.slice[${lo},${hi}) out of bound [${this.offset},${upper}]`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
