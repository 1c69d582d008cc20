import { setImmediate } from 'node:timers/promises';
import { KeyIndex, type KeyIndexGet } from './key-index.js';
import type { Revision } from './revision.js';
import type { KeyValue } from './types.js';

/**
 * IndexEntry is a key's revision history plus the KeyValue of its latest revision while the key is alive,
 * so that reads at the current revision and Txn compares are served from memory.
 */
export class IndexEntry extends KeyIndex {
  latest: KeyValue | undefined = undefined;
}

/** RangeEnd says where a range stops: one key, every key ≥ start, or before `end`. */
export type RangeEnd = { kind: 'single' } | { kind: 'to-end' } | { kind: 'before'; end: string };

/**
 * rangeEndOf interprets etcd's range_end: empty means the single key, "\0" means every key ≥ key, anything
 * else is an exclusive upper bound. Keys are byte strings held as latin1 strings, so JS string order is byte
 * order.
 */
export function rangeEndOf(rangeEnd: string): RangeEnd {
  if (rangeEnd.length === 0) return { kind: 'single' };
  if (rangeEnd === '\0') return { kind: 'to-end' };
  return { kind: 'before', end: rangeEnd };
}

/** inKeyRange reports whether k is in the range of a request's key and range_end (etcd's rules, as rangeEndOf). */
export function inKeyRange(k: string, key: string, rangeEnd: string): boolean {
  if (rangeEnd.length === 0) return k === key;
  if (rangeEnd === '\0') return k >= key;
  return k >= key && k < rangeEnd;
}

/**
 * TreeIndex is the in-memory key index (etcd's treeIndex): every key's KeyIndex, ordered by key for range
 * scans. The ordered part is a sorted array with binary search, which beats a tree for the key counts a
 * control plane holds. New keys are collected unsorted and merged in when a range scan next needs the order,
 * so a burst of creates (or a restart's restore) costs one sort and merge instead of a memmove per key.
 */
export class TreeIndex {
  private readonly entries = new Map<string, IndexEntry>();
  private sorted: string[] = [];
  /** added are keys created since the last merge into sorted, in no order. */
  private added: string[] = [];
  /**
   * removed are keys a compaction dropped from entries, still in sorted or added (scans skip them) until the
   * compaction ends (dropRemoved).
   */
  private removed = new Set<string>();

  /** size is the number of keys with any history left. */
  size(): number {
    return this.entries.size;
  }

  /** entry returns a key's entry, if the key has history. */
  entry(key: string): IndexEntry | undefined {
    return this.entries.get(key);
  }

  /** getOrCreate returns a key's entry, creating an empty one if needed. */
  getOrCreate(key: string): IndexEntry {
    let e = this.entries.get(key);
    if (e === undefined) {
      e = new IndexEntry(key);
      this.entries.set(key, e);
      // A key a compaction dropped is still listed (sorted or added) until it ends: it stays listed.
      if (!this.removed.delete(key)) this.added.push(key);
    }
    return e;
  }

  /** get returns what a read at atRev sees of one key. */
  get(key: string, atRev: number): KeyIndexGet | undefined {
    return this.entries.get(key)?.get(atRev);
  }

  /** forEachInRange calls fn with each key in [start, end) in order until fn returns false. */
  forEachInRange(start: string, end: RangeEnd, fn: (e: IndexEntry) => boolean): void {
    if (end.kind === 'single') {
      const e = this.entries.get(start);
      if (e !== undefined) fn(e);
      return;
    }
    const sorted = this.ordered();
    for (let i = lowerBound(sorted, start); i < sorted.length; i++) {
      const k = sorted[i]!;
      if (end.kind === 'before' && k >= end.end) return;
      const e = this.entries.get(k);
      // undefined: dropped by a compaction still running (removed).
      if (e !== undefined && !fn(e)) return;
    }
  }

  /**
   * compact compacts every key's history at rev and returns the revisions still needed; keys with nothing
   * left are removed from the index.
   */
  compact(rev: number): Set<string> {
    const available = new Set<string>();
    for (const e of this.entries.values()) this.compactEntry(e, rev, available);
    this.dropRemoved();
    return available;
  }

  /**
   * compactInChunks is compact, chunk keys per turn of the event loop: a member's one thread is not held for
   * the whole index (a million keys take about a second). It also tells the longest it held the thread. Writes may apply between chunks, and it comes to
   * the same: compacting at rev drops only revisions at or before rev, which later writes never change, and
   * keys created or written meanwhile are compacted as they are then (a no-op for keys newer than rev). Reads
   * between chunks see the same at every revision from rev on; earlier ones the store refuses (compacted).
   * Compactions must not overlap: the caller runs them one after another.
   */
  async compactInChunks(rev: number, chunk: number, monotonic: () => number): Promise<{ available: Set<string>; longestPauseMs: number }> {
    const available = new Set<string>();
    let n = 0;
    let longestPauseMs = 0;
    let since = monotonic();
    // A Map's iterator visits entries added after it started and skips deleted ones.
    for (const e of this.entries.values()) {
      this.compactEntry(e, rev, available);
      if (++n % chunk === 0) {
        longestPauseMs = Math.max(longestPauseMs, monotonic() - since);
        await setImmediate();
        since = monotonic();
      }
    }
    this.dropRemoved();
    return { available, longestPauseMs: Math.max(longestPauseMs, monotonic() - since) };
  }

  /** compactEntry compacts one key at rev and drops it from the index if nothing is left. */
  private compactEntry(e: IndexEntry, rev: number, available: Set<string>): void {
    e.compact(rev, available);
    if (!e.isEmpty()) return;
    this.entries.delete(e.key);
    this.removed.add(e.key);
  }

  /** keep returns the revisions a compaction at rev would keep, changing nothing. */
  keep(rev: number): Set<string> {
    const available = new Set<string>();
    for (const e of this.entries.values()) e.keep(rev, available);
    return available;
  }

  /** dropRemoved takes the keys a compaction dropped off the lists, once, as it ends. */
  private dropRemoved(): void {
    if (this.removed.size === 0) return;
    const gone = this.removed;
    this.removed = new Set();
    this.sorted = this.sorted.filter((k) => !gone.has(k));
    this.added = this.added.filter((k) => !gone.has(k));
  }

  /** ordered merges the keys added since the last call into the sorted array and returns it. */
  private ordered(): string[] {
    const added = this.added;
    if (added.length === 0) return this.sorted;
    this.added = [];
    if (added.length <= 8) {
      for (const k of added) this.sorted.splice(lowerBound(this.sorted, k), 0, k);
    } else {
      // Keys are latin1 strings: code-unit order (the default sort) is byte order.
      added.sort();
      this.sorted = mergeSorted(this.sorted, added);
    }
    return this.sorted;
  }

  /** revisionsSince lists every (key, revision) with main ≥ rev, for diagnostics and tests. */
  revisionsSince(rev: number): { key: string; rev: Revision }[] {
    const out: { key: string; rev: Revision }[] = [];
    for (const k of this.ordered()) for (const r of this.entries.get(k)?.since(rev) ?? []) out.push({ key: k, rev: r });
    return out;
  }
}

/**
 * mergeSorted merges two ascending arrays of distinct strings into a new ascending array.
 */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out = new Array<string>(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) out[o++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[o++] = a[i++]!;
  while (j < b.length) out[o++] = b[j++]!;
  return out;
}

/** lowerBound is the first index i with sorted[i] ≥ key. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
