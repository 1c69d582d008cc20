import { setImmediate } from 'node:timers/promises';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { Backend, Prefix, prefixed, type BatchOp } from '../backend.js';
import { CompactedError, FutureRevError, StoppedError } from '../errors.js';
import { decodeRevision, encodeRevision, isTombstone, REV_BYTES_LEN, type Revision } from './revision.js';
import { rangeEndOf, TreeIndex, type IndexEntry, type RangeEnd } from './tree-index.js';
import { keyString, type KeyValue, type KeyValueCodec, type MvccEvent } from './types.js';
import { revKey, type Generation } from './key-index.js';
import { crc32c } from './crc32c.js';

/** RangeResult is what a range read returns: the KeyValues (up to limit), how many matched, at which revision. */
export interface RangeResult {
  kvs: KeyValue[];
  count: number;
  rev: number;
}

/** TxnResult is what a committed write transaction changed. */
export interface TxnResult {
  /** rev is the store revision after the transaction (unchanged if it changed nothing). */
  rev: number;
  events: MvccEvent[];
}

/**
 * DeleteTarget is what a deletion removes: the live keys of a range [key, rangeEnd), or a revoked lease's keys
 * (each at most once; sorted where a deletion is worked out from them, prepareDelete and planDelete).
 */
export type DeleteTarget = { readonly key: string; readonly rangeEnd: string } | { readonly lease: bigint; readonly keys: readonly string[] };

/**
 * Deletion is a deletion worked out: for every live key of its target, in key order, its index entry, its
 * tombstone revision, its generations as the tombstone leaves them (KeyIndex.planTombstone; ahead of the apply
 * only), its backend write, its event and what the key held. Worked out ahead, everything is allocated here,
 * so that linking it into the store allocates almost nothing.
 */
export interface Deletion {
  readonly entries: IndexEntry[];
  readonly revs: Revision[];
  readonly generations: (Generation[] | undefined)[];
  readonly ops: BatchOp[];
  readonly events: MvccEvent[];
  readonly prevs: KeyValue[];
}

/** PreparedDelete is a deletion worked out ahead of its apply (KvStore.prepareDelete). */
export interface PreparedDelete {
  /** index and rev are the store as the deletion was worked out; it holds while they are unchanged (isCurrent). */
  readonly index: TreeIndex;
  readonly rev: number;
  /** sub is the sub revision of its first tombstone: 0 unless earlier changes of one Txn come before it. */
  readonly sub: number;
  readonly target: DeleteTarget;
  readonly deletion: Deletion;
}

/** sameTarget reports whether two targets are one deletion's; a lease's keys compare by number (see isCurrent). */
function sameTarget(a: DeleteTarget, b: DeleteTarget): boolean {
  if ('keys' in a) return 'keys' in b && a.lease === b.lease && a.keys.length === b.keys.length;
  return !('keys' in b) && a.key === b.key && a.rangeEnd === b.rangeEnd;
}

/** emptyDeletion is a Deletion with nothing in it yet. */
function emptyDeletion(): Deletion {
  return { entries: [], revs: [], generations: [], ops: [], events: [], prevs: [] };
}

/** PREPARE_CHUNK is how many keys prepareDelete visits per turn of the event loop (a few milliseconds). */
const PREPARE_CHUNK = 4096;
/** COMPACT_CHUNK is how many keys an index compaction visits per turn of the event loop (a few milliseconds). */
const COMPACT_CHUNK = 8192;

/** metaConsistentIndex is the backend key of the last applied Raft index (etcd's consistent_index). */
export const metaConsistentIndex = prefixed(Prefix.meta, 'consistent_index');
/** metaScheduledCompact is the backend key of the last compaction revision (etcd's scheduledCompactRev). */
export const metaScheduledCompact = prefixed(Prefix.meta, 'scheduledCompactRev');
const metaFinishedCompact = prefixed(Prefix.meta, 'finishedCompactRev');

/** revisionKey is the backend key of a revision (with the tombstone mark for deletions). */
export function revisionKey(rev: Revision, tombstone = false): Buffer {
  return prefixed(Prefix.key, encodeRevision(rev, tombstone));
}

/** EMPTY_VALUE is the value of every tombstone (shared: nothing writes into a KeyValue's value). */
const EMPTY_VALUE = Buffer.alloc(0);

/** encodeUint64 is an 8-byte big-endian number, for metadata values. */
export function encodeUint64(n: number | bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** decodeUint64 reverses encodeUint64. */
export function decodeUint64(b: Uint8Array): number {
  return Number(Buffer.from(b.buffer, b.byteOffset, b.byteLength).readBigUInt64BE(0));
}

/**
 * KvStore is the multi-version key-value store (etcd's mvcc.store). Every change gets a revision; the index
 * of every key's revisions and the latest value of each live key are in memory, every revision is in the
 * backend under its revision key. Writes are synchronous in memory and queued to the backend in order with
 * the consistent index (the last applied Raft index) in the same batch, so replaying the Raft log after a
 * crash is idempotent.
 */
/** COMPACTION_BATCH is how many revisions a compaction scans per batch of deletions (etcd's compaction batch limit). */
const COMPACTION_BATCH = 1000;

export class KvStore {
  index = new TreeIndex();
  /** currentRev is the revision of the last change (1 in an empty store, as etcd). */
  currentRev = 1;
  /** compactMainRev is the revision of the last compaction (-1: never). */
  compactMainRev = -1;
  /** consistentIndex is the last Raft index whose effects are in this store. */
  consistentIndex = 0;
  private live = 0;
  private consistentIndexDirty = false;
  private pending: BatchOp[] = [];
  /** failed is the error of a failed flush: from then on nothing more is written (see flush). */
  private failed: unknown;
  private compacting: Promise<void> = Promise.resolve();
  /** indexCompacting settles when the index compactions started so far are done (they run one at a time). */
  private indexCompacting: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly backend: Backend,
    readonly codec: KeyValueCodec,
    private readonly log: Logger,
    private readonly clock: Pick<Clock, 'monotonic'>,
  ) {}

  /** open restores the store from the backend: the key index, the latest values and the metadata. clock times compactions. */
  static async open(backend: Backend, codec: KeyValueCodec, log: Logger, clock: Pick<Clock, 'monotonic'>): Promise<KvStore> {
    const s = new KvStore(backend, codec, log, clock);
    await s.restore();
    return s;
  }

  /** reload forgets everything in memory and restores from the backend (after a snapshot was installed). */
  async reload(): Promise<void> {
    await this.compacting.catch(() => undefined);
    this.index = new TreeIndex();
    this.currentRev = 1;
    this.compactMainRev = -1;
    this.consistentIndex = 0;
    this.live = 0;
    this.consistentIndexDirty = false;
    this.pending = [];
    await this.restore();
  }

  private async restore(): Promise<void> {
    const ci = await this.backend.get(metaConsistentIndex);
    if (ci !== undefined) this.consistentIndex = decodeUint64(ci);
    const scheduled = await this.backend.get(metaScheduledCompact);
    const finished = await this.backend.get(metaFinishedCompact);
    let keys = 0;
    for await (const [k, v] of this.backend.db.iterator({ gte: Buffer.from([Prefix.key]), lt: Buffer.from([Prefix.key + 1]) })) {
      const rev = decodeRevision(k, 1);
      const kv = this.codec.decode(v);
      const e = this.index.getOrCreate(keyString(kv.key));
      if (isTombstone(k, 1)) {
        // A tombstone whose put a compaction already removed changes nothing.
        if (!e.isDeleted()) e.tombstone(rev);
        e.latest = undefined;
      } else {
        e.put(rev);
        e.latest = kv;
      }
      if (rev.main > this.currentRev) this.currentRev = rev.main;
      keys++;
    }
    this.index.forEachInRange('\0', { kind: 'to-end' }, (e) => {
      if (e.latest !== undefined) this.live++;
      return true;
    });
    if (scheduled !== undefined) {
      const rev = decodeUint64(scheduled);
      this.compactMainRev = rev;
      this.index.compact(rev);
      if (rev > this.currentRev) this.currentRev = rev;
      if (finished === undefined || decodeUint64(finished) < rev) {
        this.log.info({ compactRevision: rev }, 'mvcc: resuming interrupted compaction');
        this.compacting = this.physicalCompact(rev, this.index.keep(rev), 0);
      }
    }
    this.log.info({ revisions: keys, keys: this.index.size(), currentRevision: this.currentRev, compactRevision: this.compactMainRev, consistentIndex: this.consistentIndex }, 'mvcc: restored');
  }

  /** checkRev validates a read revision (0: current) and returns the revision to read at. */
  checkReadRev(rev: number): number {
    if (rev > this.currentRev) throw new FutureRevError();
    const at = rev <= 0 ? this.currentRev : rev;
    if (at < this.compactMainRev) throw new CompactedError();
    return at;
  }

  /**
   * range reads keys [key, rangeEnd) (etcd's range_end conventions) at rev (0: current), returning at most
   * limit KeyValues (0: no limit) and the total count. Reads at the current revision come from memory.
   */
  async range(key: string, rangeEnd: string, rev: number, limit: number): Promise<RangeResult> {
    const at = this.checkReadRev(rev);
    const end = rangeEndOf(rangeEnd);
    if (at === this.currentRev) return this.rangeLatest(key, end, limit);
    return this.rangeHistoric(key, end, at, limit);
  }

  /** rangeLatest reads at the current revision, from memory, synchronously (Txn uses it). */
  rangeLatest(key: string, end: RangeEnd, limit: number): RangeResult {
    const kvs: KeyValue[] = [];
    let count = 0;
    this.index.forEachInRange(key, end, (e) => {
      if (e.latest === undefined) return true;
      count++;
      if (limit <= 0 || kvs.length < limit) kvs.push(e.latest);
      return true;
    });
    return { kvs, count, rev: this.currentRev };
  }

  /** rangeHistoric reads at an earlier revision; values not current are read from the backend. */
  async rangeHistoric(key: string, end: RangeEnd, at: number, limit: number): Promise<RangeResult> {
    const wanted: { e: IndexEntry; rev: Revision }[] = [];
    let count = 0;
    this.index.forEachInRange(key, end, (e) => {
      const g = e.get(at);
      if (g === undefined) return true;
      count++;
      if (limit <= 0 || wanted.length < limit) wanted.push({ e, rev: g.modified });
      return true;
    });
    const currentRev = this.currentRev;
    const kvs = await this.fetch(wanted);
    return { kvs, count, rev: currentRev };
  }

  /** fetch returns the KeyValues at the given revisions, from memory when they are the latest. */
  private async fetch(wanted: { e: IndexEntry; rev: Revision }[]): Promise<KeyValue[]> {
    const out: (KeyValue | undefined)[] = new Array(wanted.length);
    const missing: number[] = [];
    for (let i = 0; i < wanted.length; i++) {
      const { e, rev } = wanted[i]!;
      if (e.latest !== undefined && e.latest.modRevision === rev.main) out[i] = e.latest;
      else missing.push(i);
    }
    if (missing.length > 0) {
      await this.flush();
      await this.backend.barrier();
      const values = await this.backend.db.getMany(missing.map((i) => revisionKey(wanted[i]!.rev)));
      for (let j = 0; j < missing.length; j++) {
        const v = values[j];
        if (v === undefined) {
          // Compacted between the check and the read.
          throw new CompactedError();
        }
        out[missing[j]!] = this.codec.decode(v);
      }
    }
    return out as KeyValue[];
  }

  /**
   * kvAt returns one key's KeyValue at a revision (for prev_kv of historic events), if it was alive. Below the
   * compaction revision there is none, as in etcd (its read there fails), whether or not the index and the
   * backend have been compacted that far yet.
   */
  async kvAt(key: string, at: number): Promise<KeyValue | undefined> {
    return (await this.kvsAt([{ key, at }]))[0];
  }

  /** kvsAt is kvAt for many keys and revisions at once: one backend read for the values not in memory. */
  async kvsAt(wanted: readonly { key: string; at: number }[]): Promise<(KeyValue | undefined)[]> {
    const out: (KeyValue | undefined)[] = new Array(wanted.length).fill(undefined);
    const found: { e: IndexEntry; rev: Revision }[] = [];
    const slots: number[] = [];
    for (let i = 0; i < wanted.length; i++) {
      const { key, at } = wanted[i]!;
      if (at < this.compactMainRev) continue;
      const e = this.index.entry(key);
      const g = e?.get(at);
      if (e === undefined || g === undefined) continue;
      found.push({ e, rev: g.modified });
      slots.push(i);
    }
    if (found.length === 0) return out;
    try {
      const kvs = await this.fetch(found);
      for (let j = 0; j < slots.length; j++) out[slots[j]!] = kvs[j];
    } catch (err) {
      if (!(err instanceof CompactedError)) throw err;
      // Compacted between the check and the read: each one alone, so only the compacted ones go missing.
      for (let j = 0; j < slots.length; j++) {
        try {
          out[slots[j]!] = (await this.fetch([found[j]!]))[0];
        } catch (e) {
          if (!(e instanceof CompactedError)) throw e;
        }
      }
    }
    // A compaction that came meanwhile: none below it, whatever the read still found.
    for (let i = 0; i < wanted.length; i++) if (wanted[i]!.at < this.compactMainRev) out[i] = undefined;
    return out;
  }

  /** write starts a write transaction: its changes share one main revision. */
  write(): WriteTxn {
    return new WriteTxn(this);
  }

  /**
   * prepareDelete works out a deletion (a DeleteRange, a lease's keys) as the next write would apply it, a
   * chunk of keys per turn of the event loop, changing nothing. A member applying a delete of a hundred
   * thousand keys at once would otherwise hold its one thread for a second, and its heartbeats with it. The
   * deletion holds while the store does not change (isCurrent). Its tombstones' sub revisions start at sub,
   * and it leaves out the keys of skip (a Txn's changes before it take those sub revisions and keys).
   */
  async prepareDelete(target: DeleteTarget, sub = 0, skip?: ReadonlySet<IndexEntry>): Promise<PreparedDelete> {
    const index = this.index;
    const rev = this.currentRev;
    const deletion = emptyDeletion();
    const add = (e: IndexEntry): void => {
      if (e.latest !== undefined && skip?.has(e) !== true) this.addTombstone(deletion, e, rev + 1, sub + deletion.entries.length, e.planTombstone());
    };
    // Changed meanwhile (it should not: writes apply in order, after this one): the apply works it out anew.
    const changed = (): boolean => this.index !== index || this.currentRev !== rev;
    if ('keys' in target) {
      const keys = target.keys;
      for (let i = 0; i < keys.length; i++) {
        if (i > 0 && i % PREPARE_CHUNK === 0) {
          await setImmediate();
          if (changed()) break;
        }
        const e = index.entry(keys[i]!);
        if (e !== undefined) add(e);
      }
      return { index, rev, sub, target, deletion };
    }
    const end = rangeEndOf(target.rangeEnd);
    let from: string | undefined = target.key;
    while (from !== undefined) {
      let seen = 0;
      const start: string = from;
      from = undefined;
      index.forEachInRange(start, end, (e) => {
        if (seen++ === PREPARE_CHUNK) {
          from = e.key;
          return false;
        }
        add(e);
        return true;
      });
      if (from !== undefined) {
        await setImmediate();
        if (changed()) break;
      }
    }
    return { index, rev, sub, target, deletion };
  }

  /**
   * isCurrent reports whether a prepared deletion still holds for a write of target at revision main, sub
   * revision sub. A lease's keys are compared by number only: they change only with a revision (a put or
   * delete attaches or detaches them) or with the index (a snapshot), both checked. Inside a Txn, a key its
   * earlier deletes removed and the deletion still holds fails the check of each key's latest value; its
   * earlier puts must not fall in the range (Applier.prepareTxnDeletes prepares nothing for such a Txn).
   */
  isCurrent(p: PreparedDelete, main: number, sub: number, target: DeleteTarget): boolean {
    if (p.index !== this.index || p.rev !== this.currentRev || main !== p.rev + 1 || sub !== p.sub) return false;
    if (!sameTarget(p.target, target)) return false;
    const { entries, prevs } = p.deletion;
    for (let i = 0; i < entries.length; i++) if (entries[i]!.latest !== prevs[i]) return false;
    return true;
  }

  /** planDelete works out a deletion at once, its sub revisions from sub. */
  planDelete(target: DeleteTarget, main: number, sub: number): Deletion {
    const d = emptyDeletion();
    const add = (e: IndexEntry): boolean => {
      if (e.latest !== undefined) this.addTombstone(d, e, main, sub + d.entries.length, undefined);
      return true;
    };
    if ('keys' in target) {
      for (const k of target.keys) {
        const e = this.index.entry(k);
        if (e !== undefined) add(e);
      }
    } else {
      this.index.forEachInRange(target.key, rangeEndOf(target.rangeEnd), add);
    }
    return d;
  }

  /** addTombstone adds the deletion of a live key at revision main/sub to d, with its generations if planned. */
  private addTombstone(d: Deletion, entry: IndexEntry, main: number, sub: number, generations: Generation[] | undefined): void {
    const prev = entry.latest!;
    const rev = { main, sub };
    const tomb: KeyValue = { key: prev.key, value: EMPTY_VALUE, createRevision: 0, modRevision: main, version: 0, lease: 0n };
    d.entries.push(entry);
    d.revs.push(rev);
    d.generations.push(generations);
    d.ops.push({ type: 'put', key: revisionKey(rev, true), value: this.codec.encode(tomb) });
    d.events.push({ type: 'DELETE', kv: tomb, prevKv: prev });
    d.prevs.push(prev);
  }

  /**
   * setConsistentIndex records the Raft index applied, to be persisted with the next flush: one write of the
   * latest value per flush, in the same batch as the changes of the entries it covers. The caller sets it once
   * an entry's changes are all queued, with no flush in between (the applier runs an entry synchronously).
   */
  setConsistentIndex(index: number): void {
    if (index <= this.consistentIndex) return;
    this.consistentIndex = index;
    this.consistentIndexDirty = true;
  }

  /** queue adds a backend op to the next flush (used by the write transaction and by other buckets). */
  queue(op: BatchOp): void {
    this.pending.push(op);
  }

  /** queueAll adds ops, which the caller hands over, to the next flush. */
  queueAll(ops: BatchOp[]): void {
    if (this.pending.length === 0) this.pending = ops;
    else for (const op of ops) this.pending.push(op);
  }

  /**
   * flush writes the queued ops (unsynced: the synced Raft log covers a crash). If that write fails, its ops are
   * gone from memory and later ones may already be on disk, so the store takes no more writes: every later
   * drain or flush fails with StoppedError, its cause that failure (the server stops on it, as etcd panics).
   * onFlushed is told how long each write took.
   */
  async flush(): Promise<void> {
    const ops = this.drain();
    if (ops.length === 0) return;
    let ms: number;
    try {
      ms = await this.backend.write(ops, false);
    } catch (err) {
      if (this.failed === undefined) {
        this.failed = err;
        this.onFailure?.(err);
      }
      throw err;
    }
    this.onFlushed?.(ms);
  }

  /** onFlushed is told how long each flush's write took, in ms, whoever called it (for the member's metrics). */
  onFlushed: ((ms: number) => void) | undefined;

  /** onFailure is told of the first failed flush, whoever called it (the server stops on it at once). */
  onFailure: ((err: unknown) => void) | undefined;

  /** markFailed makes the store take no more writes, as a failed flush does: the server failed a write of its own. */
  markFailed(err: unknown): void {
    this.failed ??= err;
  }

  /** writable reports whether the store still takes writes (see flush). */
  writable(): boolean {
    return this.failed === undefined;
  }

  /** assertWritable throws StoppedError once a flush has failed (see flush). */
  assertWritable(): void {
    if (this.failed !== undefined) throw new StoppedError({ cause: this.failed });
  }

  /**
   * drain hands over the queued ops, the consistent index included, for the caller to put in a backend write
   * of its own (in order with everything written later, like flush).
   */
  drain(): BatchOp[] {
    this.assertWritable();
    if (this.consistentIndexDirty) {
      this.consistentIndexDirty = false;
      this.pending.push({ type: 'put', key: metaConsistentIndex, value: encodeUint64(this.consistentIndex) });
    }
    const ops = this.pending;
    this.pending = [];
    return ops;
  }

  /**
   * compact discards history before rev: reads at earlier revisions fail with CompactedError from now on.
   * The index is compacted in the background a chunk of keys per turn of the event loop (TreeIndex
   * compactInChunks: writes applied meanwhile change nothing it does), then the superseded revisions are
   * deleted from the backend; the promise settles when both are done.
   */
  compact(rev: number): Promise<void> {
    if (rev <= this.compactMainRev) throw new CompactedError();
    if (rev > this.currentRev) throw new FutureRevError();
    this.compactMainRev = rev;
    this.queue({ type: 'put', key: metaScheduledCompact, value: encodeUint64(rev) });
    const index = this.index;
    const keep = this.indexCompacting.then(() => index.compactInChunks(rev, COMPACT_CHUNK, () => this.clock.monotonic()));
    this.indexCompacting = keep.catch(() => undefined);
    // One that failed on disk (its caller saw it) does not hold back the next, which deletes what it left.
    const prev = this.compacting.catch(() => undefined);
    this.compacting = Promise.all([prev, keep]).then(([, k]) => this.physicalCompact(rev, k.available, k.longestPauseMs));
    return this.compacting;
  }

  /** liveKeys counts the keys that exist at the current revision. */
  get liveKeys(): number {
    return this.live;
  }

  /** keyCreated counts a key a write transaction created (it had no live value). */
  keyCreated(): void {
    this.live++;
  }

  /** keyDeleted counts n live keys a write transaction deleted. */
  keyDeleted(n: number): void {
    this.live -= n;
  }

  /** onCompacted is told how each compaction went (for the member's metrics). */
  onCompacted: ((timings: CompactionTimings) => void) | undefined;

  /** compaction settles when the compactions started so far are done on disk. */
  compaction(): Promise<void> {
    return this.compacting;
  }

  /**
   * physicalCompact deletes the revisions a compaction at rev leaves behind, scanning them 1,000 at a time, and
   * tells onCompacted how it went: each full batch (scan, deletes and write) timed as a pause, as etcd's
   * scheduleCompaction does, the whole, and how many revisions it deleted. indexPauseMs is the index
   * compaction's longest hold of the thread.
   */
  private async physicalCompact(rev: number, keep: Set<string>, indexPauseMs: number): Promise<void> {
    const started = this.clock.monotonic();
    await this.flush();
    await this.backend.barrier();
    const lt = revisionKey({ main: rev + 1, sub: 0 });
    let batch: BatchOp[] = [];
    let scanned = 0;
    let deleted = 0;
    let batchStarted = this.clock.monotonic();
    const batchPausesMs: number[] = [];
    for await (const k of this.backend.db.keys({ gte: Buffer.from([Prefix.key]), lt })) {
      const r = decodeRevision(k, 1);
      if (!keep.has(revKey(r))) {
        batch.push({ type: 'del', key: k });
        deleted++;
      }
      if (++scanned % COMPACTION_BATCH === 0) {
        if (batch.length > 0) await this.backend.write(batch, false);
        batch = [];
        batchPausesMs.push(this.clock.monotonic() - batchStarted);
        batchStarted = this.clock.monotonic();
      }
    }
    // The last, partial batch ends the compaction: etcd times only the full ones as pauses.
    batch.push({ type: 'put', key: metaFinishedCompact, value: encodeUint64(rev) });
    await this.backend.write(batch, false);
    this.log.info({ compactRevision: rev, deletedRevisions: deleted }, 'mvcc: finished compaction');
    this.onCompacted?.({ indexPauseMs, batchPausesMs, totalMs: this.clock.monotonic() - started, keys: deleted });
  }

  /**
   * hashKV hashes (CRC-32C) every revision the store keeps up to rev, as etcd's HashKV does, so members can
   * be compared at the same revision. Returns the hash and the compaction revision it is relative to.
   */
  async hashKV(rev: number): Promise<{ hash: number; compactRevision: number; revision: number }> {
    const at = this.checkReadRev(rev);
    // Unlike a read, a hash at the compaction revision itself is refused too (etcd's HashByRev).
    if (rev > 0 && rev <= this.compactMainRev) throw new CompactedError();
    const compactRev = this.compactMainRev;
    const keep = compactRev > 0 ? this.index.keep(compactRev) : new Set<string>();
    await this.flush();
    await this.backend.barrier();
    let h = 0;
    const upper = { main: at + 1, sub: 0 };
    const lower = { main: compactRev + 1, sub: 0 };
    for await (const [k, v] of this.backend.db.iterator({ gte: Buffer.from([Prefix.key]), lt: revisionKey(upper) })) {
      const r = decodeRevision(k, 1);
      if (r.main < lower.main && keep.size > 0 && !keep.has(revKey(r))) continue;
      h = crc32c(k.subarray(1, 1 + REV_BYTES_LEN + (isTombstone(k, 1) ? 1 : 0)), h);
      h = crc32c(v, h);
    }
    return { hash: h >>> 0, compactRevision: compactRev, revision: this.currentRev };
  }
}

/**
 * CompactionTimings describe one compaction: the longest the index compaction held the member's thread (0 for a
 * compaction resumed at start, whose index was compacted as it loaded), each full batch of 1,000 revisions
 * scanned, the whole of the deletions, and how many revisions they deleted.
 */
export interface CompactionTimings {
  readonly indexPauseMs: number;
  readonly batchPausesMs: readonly number[];
  readonly totalMs: number;
  readonly keys: number;
}

/**
 * WriteTxn is one write request's changes (a Put, a DeleteRange or a whole Txn): they share the main
 * revision currentRev+1 and get increasing sub revisions. Reads inside it see its own writes. end() makes
 * the revision current; a transaction that changed nothing leaves the revision as it was.
 */
export class WriteTxn {
  readonly main: number;
  private sub = 0;
  private events: MvccEvent[] = [];

  constructor(private readonly s: KvStore) {
    this.main = s.currentRev + 1;
  }

  /** put writes key=value with a lease (0n: none) and returns the previous live KeyValue. */
  put(key: Buffer, value: Buffer, lease: bigint): KeyValue | undefined {
    const e = this.s.index.getOrCreate(keyString(key));
    const prev = e.latest;
    const rev = { main: this.main, sub: this.sub++ };
    const kv: KeyValue = {
      key,
      value,
      createRevision: prev === undefined ? this.main : prev.createRevision,
      modRevision: this.main,
      version: prev === undefined ? 1 : prev.version + 1,
      lease,
    };
    e.put(rev);
    e.latest = kv;
    if (prev === undefined) this.s.keyCreated();
    this.s.queue({ type: 'put', key: revisionKey(rev), value: this.s.codec.encode(kv) });
    this.events.push({ type: 'PUT', kv, prevKv: prev });
    return prev;
  }

  /**
   * deleteRange deletes the live keys in [key, rangeEnd) and returns what they held. A deletion worked out
   * ahead (KvStore.prepareDelete) is only linked in, if the store has not changed since; otherwise the
   * deletion is worked out here.
   */
  deleteRange(key: string, rangeEnd: string, prepared?: PreparedDelete): KeyValue[] {
    const target = { key, rangeEnd };
    return this.link(this.isCurrent(prepared, target) ? prepared.deletion : this.s.planDelete(target, this.main, this.sub));
  }

  /**
   * deleteKeys deletes the live ones of a revoked lease's keys (in any order, each at most once) in key order,
   * as deleteRange does a range.
   */
  deleteKeys(lease: bigint, keys: readonly string[], prepared?: PreparedDelete): KeyValue[] {
    if (this.isCurrent(prepared, { lease, keys })) return this.link(prepared.deletion);
    return this.link(this.s.planDelete({ lease, keys: [...keys].sort() }, this.main, this.sub));
  }

  private isCurrent(prepared: PreparedDelete | undefined, target: DeleteTarget): prepared is PreparedDelete {
    return prepared !== undefined && this.s.isCurrent(prepared, this.main, this.sub, target);
  }

  /** link makes a worked-out deletion part of the transaction: the index, the backend writes, the events. */
  private link(d: Deletion): KeyValue[] {
    const n = d.entries.length;
    for (let i = 0; i < n; i++) {
      const e = d.entries[i]!;
      e.tombstone(d.revs[i]!, d.generations[i]);
      e.latest = undefined;
    }
    this.s.keyDeleted(n);
    this.s.queueAll(d.ops);
    if (this.events.length === 0) this.events = d.events;
    else for (const ev of d.events) this.events.push(ev);
    this.sub += n;
    return d.prevs;
  }

  /** range reads at the transaction's view: the current revision plus its own writes. */
  range(key: string, rangeEnd: string, limit: number): RangeResult {
    const r = this.s.rangeLatest(key, rangeEndOf(rangeEnd), limit);
    return { ...r, rev: this.changed() ? this.main : this.s.currentRev };
  }

  /** changed reports whether the transaction wrote anything. */
  changed(): boolean {
    return this.sub > 0;
  }

  /** end makes the transaction's revision current. */
  end(): TxnResult {
    if (this.changed()) this.s.currentRev = this.main;
    return { rev: this.s.currentRev, events: this.events };
  }
}
