import { CompactedError, UnavailableError, assert } from './errors.js';
import { Unstable } from './log-unstable.js';
import { limitSize, type Storage } from './storage.js';
import type { Entry, Snapshot } from './types.js';

const noLimit = Number.MAX_SAFE_INTEGER;

/**
 * RaftLog is the log as the core sees it: the persisted part in Storage followed by the unstable part,
 * with the commit and apply cursors. Invariant: applied ≤ applying ≤ committed ≤ lastIndex (Raft §5.3).
 */
export class RaftLog {
  readonly storage: Storage;
  readonly unstable: Unstable;
  committed: number;
  applied: number;
  /** applying is the last index handed to the application (ahead of applied only with asynchronous writes). */
  applying: number;
  /** maxNextEntsSize bounds the bytes of committed entries handed out in one Ready. */
  readonly maxNextEntsSize: number;
  /**
   * applyUnstable lets committed entries be handed out before they are persisted locally (the synchronous
   * Ready contract persists a Ready's entries before applying its committed ones). With asynchronous writes
   * it is off: only entries already durable here are applied.
   */
  readonly applyUnstable: boolean;

  constructor(storage: Storage, maxNextEntsSize = noLimit, applyUnstable = true) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
    this.applying = first - 1;
    this.maxNextEntsSize = maxNextEntsSize;
    this.applyUnstable = applyUnstable;
  }

  /**
   * maybeAppend handles an append from the leader (Raft §5.3): if the entry at index has logTerm, the
   * entries are added after it (truncating conflicts) and the commit index moves to min(committed, last new).
   * Returns the last new index, or undefined when the consistency check fails.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      assert(ci > this.committed, () => `entry ${ci} conflicts with committed entry [committed(${this.committed})]`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** append adds entries after the current log, truncating at the first one's index. Returns lastIndex. */
  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    assert(after >= this.committed, () => `after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * findConflict returns the index of the first entry in ents whose term differs from the log's entry at the
   * same index, or the first new entry if all overlap matches, or 0 if ents adds nothing.
   */
  findConflict(ents: Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * findConflictByTerm returns the largest index ≤ index whose term is ≤ term, with that term: the leader
   * uses it to skip a whole term of mismatching entries in one round trip (thesis §5.3 optimisation).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (; index > 0; index--) {
      const t = this.termOrUndefined(index);
      if (t === undefined) return { index, term: 0 };
      if (t <= term) return { index, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** unstableEntries are the entries the caller has yet to persist (and has not been handed for writing). */
  unstableEntries(): Entry[] {
    return this.unstable.nextEntries();
  }

  /** nextCommittedEnts returns committed entries not yet handed out for applying (within maxNextEntsSize). */
  nextCommittedEnts(): Entry[] {
    const off = Math.max(this.applying + 1, this.firstIndex());
    const hi = this.maxAppliableIndex();
    if (hi + 1 > off) return this.slice(off, hi + 1, this.maxNextEntsSize);
    return [];
  }

  /** hasNextCommittedEnts reports whether nextCommittedEnts would return anything. */
  hasNextCommittedEnts(): boolean {
    const off = Math.max(this.applying + 1, this.firstIndex());
    return this.maxAppliableIndex() + 1 > off;
  }

  /**
   * maxAppliableIndex is the last committed index that may be handed out: with applyUnstable off, only
   * what is durable here, and nothing while a received snapshot is yet to be persisted and applied.
   */
  private maxAppliableIndex(): number {
    if (this.applyUnstable) return this.committed;
    if (this.unstable.snapshot !== undefined) return 0;
    return Math.min(this.committed, this.unstable.offset - 1);
  }

  /** acceptApplying records that entries through i were handed to the application. */
  acceptApplying(i: number): void {
    assert(this.committed >= i && i >= this.applying, () => `applying(${i}) is out of range [prevApplying(${this.applying}), committed(${this.committed})]`);
    this.applying = i;
  }

  /** snapshot returns the unstable snapshot if there is one, otherwise the stored one. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** commitTo moves the commit index forward; it never moves back and never passes lastIndex. */
  commitTo(tocommit: number): void {
    if (this.committed < tocommit) {
      assert(this.lastIndex() >= tocommit, () => `tocommit(${tocommit}) is out of range [lastIndex(${this.lastIndex()})]. Was the raft log corrupted, truncated, or lost?`);
      this.committed = tocommit;
    }
  }

  /** appliedTo records that the application applied entries up to i. */
  appliedTo(i: number): void {
    if (i === 0) return;
    assert(this.committed >= i && i >= this.applied, () => `applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    this.applied = i;
    this.applying = Math.max(this.applying, i);
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  /** lastStableIndex is the last index the caller has persisted (for the leader's own acknowledgement). */
  lastStableIndex(): number {
    if (this.unstable.snapshot !== undefined) return this.unstable.snapshot.metadata.index - 1;
    return this.unstable.offset - 1;
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** term returns the term of entry i; it throws CompactedError/UnavailableError when i is out of range. */
  term(i: number): number {
    const t = this.termOrUndefined(i);
    if (t !== undefined) return t;
    if (i < this.firstIndex() - 1) throw new CompactedError(i, this.firstIndex());
    throw new UnavailableError(i, this.lastIndex());
  }

  /** termOrUndefined returns the term of entry i, or undefined if it is compacted or not yet there. */
  termOrUndefined(i: number): number | undefined {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    try {
      return this.storage.term(i);
    } catch (err) {
      if (err instanceof CompactedError || err instanceof UnavailableError) return undefined;
      throw err;
    }
  }

  /** entries returns entries from i on, at most maxSize bytes. */
  entries(i: number, maxSize: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  /**
   * isUpToDate reports whether a log ending at (lasti, term) is at least as up to date as this one
   * (Raft §5.4.1: compare last terms, then lengths).
   */
  isUpToDate(lasti: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lasti >= this.lastIndex());
  }

  matchTerm(i: number, term: number): boolean {
    const t = this.termOrUndefined(i);
    return t !== undefined && t === term;
  }

  /** maybeCommit commits maxIndex if that entry is from term (Raft §5.4.2: only current-term entries by counting). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrUndefined(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /** restore replaces the log with a snapshot (a follower far behind, Raft §7). */
  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** slice returns entries in [lo, hi) from storage and unstable, at most maxSize bytes (at least one). */
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    this.mustCheckOutOfBounds(lo, hi);
    if (lo === hi) return [];
    let ents: Entry[] = [];
    if (lo < this.unstable.offset) {
      const stored = this.storage.entries(lo, Math.min(hi, this.unstable.offset), maxSize);
      // A short read from storage means the size limit was hit: stop there.
      if (stored.length < Math.min(hi, this.unstable.offset) - lo) return stored;
      ents = stored;
    }
    if (hi > this.unstable.offset) {
      const un = this.unstable.slice(Math.max(lo, this.unstable.offset), hi);
      ents = ents.length > 0 ? ents.concat(un) : un;
    }
    return limitSize(ents, maxSize);
  }

  private mustCheckOutOfBounds(lo: number, hi: number): void {
    assert(lo <= hi, () => `invalid slice ${lo} > ${hi}`);
    const fi = this.firstIndex();
    if (lo < fi) throw new CompactedError(lo, fi);
    const length = this.lastIndex() + 1 - fi;
    assert(hi <= fi + length, () => `slice[${lo},${hi}) out of bound [${fi},${this.lastIndex()}]`);
  }
}
