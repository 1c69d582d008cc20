import type { Logger } from '../util/logger.js';
import { KeyNotFoundError, LeaseNotFoundError, NoSpaceError } from './errors.js';
import type * as pb from './grpc/types.js';
import { int64, toBigInt, toNum } from './grpc/types.js';
import type { Lessor } from './lease/lessor.js';
import type { DeleteTarget, KvStore, PreparedDelete, RangeResult, WriteTxn } from './mvcc/kv-store.js';
import type { WatchableStore } from './mvcc/watchable-store.js';
import { inKeyRange, lowerBound, type IndexEntry } from './mvcc/tree-index.js';
import { keyString, type KeyValue } from './mvcc/types.js';
import type { AlarmStore } from './alarms.js';
import { txnCost } from './quota.js';

/** toPbKv renders an MVCC KeyValue in the wire shape. */
export function toPbKv(kv: KeyValue, keysOnly = false): pb.KeyValue {
  return {
    key: kv.key,
    createRevision: int64(kv.createRevision),
    modRevision: int64(kv.modRevision),
    version: int64(kv.version),
    value: keysOnly ? Buffer.alloc(0) : kv.value,
    lease: int64(kv.lease),
  };
}

/** HeaderFn builds a response header at a store revision. */
export type HeaderFn = (revision: number) => pb.ResponseHeader;

/**
 * Prefetched holds the results of range operations inside a Txn that read a past revision. They are read
 * (asynchronously, from the backend) before the Txn starts, so the Txn itself applies atomically, with no
 * await between its first write and its end.
 */
export type Prefetched = Map<pb.RangeRequest, RangeResult>;

/** PreparedDeletes holds the range deletes inside a Txn worked out ahead, by the request that asks for each. */
export type PreparedDeletes = ReadonlyMap<pb.DeleteRangeRequest, PreparedDelete>;

const NO_DELETES: PreparedDeletes = new Map();

/**
 * Prepared is what an entry's apply is given ahead (Applier.prepare), worked out while the event loop stays
 * free: a Txn's past-revision reads and the range deletes on the branches it will take, or the deletion of a
 * DeleteRange or of a revoked lease's keys.
 */
export type Prepared =
  | { request: 'txn'; reads: Prefetched; deletes: PreparedDeletes }
  | { request: 'deleteRange' | 'leaseRevoke'; deletion: PreparedDelete };

/**
 * MvccOps receives the operations of each MVCC transaction when it ends, as etcd's metricsTxnWrite counts them:
 * a Range request is one read transaction with one range; a Put or DeleteRange one write transaction, with a
 * range more when it reads the previous value (prev_kv, ignore_value, ignore_lease); a Txn's comparisons are
 * ranges of a read transaction (a failing comparison ends its list), and its operations go into that same read
 * transaction when the Txn only reads, else into a write transaction of their own; a revoked lease deletes each
 * of its keys in one write transaction.
 */
export interface MvccOps {
  /** record counts one MVCC transaction's operations, as it ends. */
  record(ops: Readonly<OpCounts>): void;
}

/** OpCounts are one MVCC transaction's operations: ranges, puts, deletes, and the bytes of the puts' keys and values. */
export interface OpCounts {
  ranges: number;
  puts: number;
  deletes: number;
  putBytes: number;
}

/** ONE_RANGE is a Range request's transaction: one range. */
const ONE_RANGE: Readonly<OpCounts> = Object.freeze({ ranges: 1, puts: 0, deletes: 0, putBytes: 0 });

function opCounts(): OpCounts {
  return { ranges: 0, puts: 0, deletes: 0, putBytes: 0 };
}

/** isReadOnlyTxn says whether a Txn only reads, on either branch, nested Txns included (etcd's isTxnReadonly). */
export function isReadOnlyTxn(t: pb.TxnRequest): boolean {
  return [...t.success, ...t.failure].every((op) => op.request === 'requestRange' || (op.request === 'requestTxn' && isReadOnlyTxn(op.requestTxn)));
}

/** PREPARE_REVOKE_KEYS is how many keys a lease must hold for its revoke's deletion to be worked out ahead. */
const PREPARE_REVOKE_KEYS = 1024;

/**
 * Applier applies committed requests to the store, the lessor and the alarms, in log order, and builds the
 * responses (etcd's applierV3). It is deterministic: every member computes the same results. Errors a request
 * can end in (a missing lease, a compacted revision…) are returned as its result, not thrown past it.
 */
export class Applier {
  constructor(
    private readonly kv: KvStore,
    private readonly watchable: WatchableStore,
    private readonly lessor: Lessor,
    private readonly alarms: AlarmStore,
    private readonly header: HeaderFn,
    private readonly log: Logger,
    private readonly mvccOps?: MvccOps,
  ) {}

  /** range serves a read-only request (also used for linearizable and serializable reads outside the log). */
  async range(r: pb.RangeRequest): Promise<pb.RangeResponse> {
    // Counted whether it answers or not (a compacted revision): etcd counts the range before it fails.
    this.mvccOps?.record(ONE_RANGE);
    return this.rangeResponse(r, await this.rangeResult(r));
  }

  private async rangeResult(r: pb.RangeRequest): Promise<RangeResult> {
    return this.kv.range(keyString(r.key), keyString(r.rangeEnd), toNum(r.revision), this.fetchLimit(r));
  }

  /** fetchLimit: sorting or filtering needs every match; otherwise one more than asked tells `more`. */
  private fetchLimit(r: pb.RangeRequest): number {
    const limit = toNum(r.limit);
    const filtering =
      toNum(r.minModRevision) !== 0 || toNum(r.maxModRevision) !== 0 || toNum(r.minCreateRevision) !== 0 || toNum(r.maxCreateRevision) !== 0;
    const sorting = r.sortOrder !== 'NONE' && !(r.sortTarget === 'KEY' && r.sortOrder === 'ASCEND');
    if (filtering || sorting || limit <= 0) return 0;
    return limit + 1;
  }

  /** rangeResponse applies etcd's filters, sort order and limit to a range result. */
  rangeResponse(r: pb.RangeRequest, rr: RangeResult): pb.RangeResponse {
    let kvs = rr.kvs;
    const minMod = toNum(r.minModRevision);
    const maxMod = toNum(r.maxModRevision);
    const minCreate = toNum(r.minCreateRevision);
    const maxCreate = toNum(r.maxCreateRevision);
    if (minMod !== 0) kvs = kvs.filter((kv) => kv.modRevision >= minMod);
    if (maxMod !== 0) kvs = kvs.filter((kv) => kv.modRevision <= maxMod);
    if (minCreate !== 0) kvs = kvs.filter((kv) => kv.createRevision >= minCreate);
    if (maxCreate !== 0) kvs = kvs.filter((kv) => kv.createRevision <= maxCreate);
    let order = r.sortOrder;
    // etcd: a sort target other than the key with no order means ascending.
    if (r.sortTarget !== 'KEY' && order === 'NONE') order = 'ASCEND';
    if (order !== 'NONE' && !(r.sortTarget === 'KEY' && order === 'ASCEND')) {
      const cmp = comparatorFor(r.sortTarget);
      kvs = [...kvs].sort(order === 'DESCEND' ? (a, b) => cmp(b, a) : cmp);
    }
    const limit = toNum(r.limit);
    let more = false;
    if (limit > 0 && kvs.length > limit) {
      kvs = kvs.slice(0, limit);
      more = true;
    }
    return {
      header: this.header(rr.rev),
      kvs: r.countOnly ? [] : kvs.map((kv) => toPbKv(kv, r.keysOnly)),
      more,
      count: int64(rr.count),
    };
  }

  /**
   * prepare does, just before an entry applies, the part of its work that can take long and changes nothing,
   * yielding to the event loop meanwhile (heartbeats, reads): a Txn's past-revision reads, the tombstones of
   * a range delete (alone or inside a Txn) or of a revoked lease's keys (1,024 or more). Requests that need
   * nothing ahead get undefined. The entry must apply next, before any other.
   * A Txn whose reads fail (a compacted revision) fails, as on every member; a delete that could not be worked
   * out ahead is worked out when applied.
   */
  prepare(req: pb.InternalRaftRequest): Promise<Prepared | undefined> | undefined {
    if (req.request === 'txn') return this.prepareTxn(req.txn);
    if (req.request === 'deleteRange' && req.deleteRange.rangeEnd.length > 0) {
      const r = req.deleteRange;
      return this.prepareDelete('deleteRange', { key: keyString(r.key), rangeEnd: keyString(r.rangeEnd) });
    }
    if (req.request === 'leaseRevoke') {
      const lease = toBigInt(req.leaseRevoke.ID);
      if ((this.lessor.lookup(lease)?.keys.size ?? 0) >= PREPARE_REVOKE_KEYS) return this.prepareDelete('leaseRevoke', { lease, keys: this.lessor.sortedKeys(lease)! });
    }
    return undefined;
  }

  private async prepareTxn(t: pb.TxnRequest): Promise<Prepared> {
    const reads = await this.prefetch(t);
    if (!hasRangeDelete(t)) return { request: 'txn', reads, deletes: NO_DELETES };
    try {
      return { request: 'txn', reads, deletes: await this.prepareTxnDeletes(t) };
    } catch (err) {
      this.log.warn({ err, request: 'txn' }, 'apply: could not work a deletion out ahead; working it out as it applies');
      return { request: 'txn', reads, deletes: NO_DELETES };
    }
  }

  /**
   * prepareTxnDeletes works out ahead the range deletes on the branches a Txn will take, each as the Txn's
   * changes before it leave the store: at the sub revision they leave (one per put, one per live key deleted),
   * without the keys an earlier delete of the Txn removes — so overlapping ranges cost one tombstone per key,
   * not one per key and range. A Txn that puts a key inside one of its delete ranges (refused as a duplicate key
   * before it reaches the log) gets none, as the puts would change what the delete finds. Whatever does not
   * hold when the Txn applies is worked out anew there (WriteTxn.deleteRange checks).
   */
  private async prepareTxnDeletes(t: pb.TxnRequest): Promise<PreparedDeletes> {
    const { index, currentRev } = this.kv;
    const view = this.kv.write();
    const path: boolean[] = [];
    this.choosePath(view, t, path, opCounts());
    const writes: pb.RequestOp[] = [];
    writesOnPath(t, path, { next: 0 }, writes);
    const puts: string[] = [];
    for (const op of writes) if (op.request === 'requestPut') puts.push(keyString(op.requestPut.key));
    puts.sort();
    for (const op of writes) {
      if (op.request !== 'requestDeleteRange') continue;
      const key = keyString(op.requestDeleteRange.key);
      const first = puts[lowerBound(puts, key)];
      if (first !== undefined && inKeyRange(first, key, keyString(op.requestDeleteRange.rangeEnd))) return NO_DELETES;
    }
    const deletes = new Map<pb.DeleteRangeRequest, PreparedDelete>();
    // The keys the Txn's deletes so far remove: the later ones neither find nor count them.
    const gone = new Set<IndexEntry>();
    let sub = 0;
    for (const op of writes) {
      if (op.request === 'requestPut') {
        sub++;
        continue;
      }
      if (op.request !== 'requestDeleteRange') continue;
      const r = op.requestDeleteRange;
      const key = keyString(r.key);
      if (r.rangeEnd.length === 0) {
        const e = index.entry(key);
        if (e?.latest !== undefined && !gone.has(e)) {
          gone.add(e);
          sub++;
        }
        continue;
      }
      const prepared = await this.kv.prepareDelete({ key, rangeEnd: keyString(r.rangeEnd) }, sub, gone);
      deletes.set(r, prepared);
      for (const e of prepared.deletion.entries) gone.add(e);
      sub += prepared.deletion.entries.length;
    }
    // Nothing writes while an entry is prepared; should the store have changed all the same, none of it holds.
    return this.kv.index === index && this.kv.currentRev === currentRev ? deletes : NO_DELETES;
  }

  private prepareDelete(request: 'deleteRange' | 'leaseRevoke', target: DeleteTarget): Promise<Prepared | undefined> {
    return this.kv.prepareDelete(target).then(
      (deletion) => ({ request, deletion }),
      (err: unknown) => {
        this.log.warn({ err, request }, 'apply: could not work a deletion out ahead; working it out as it applies');
        return undefined;
      },
    );
  }

  /**
   * prefetch reads, before a Txn applies, every range in it that targets a past revision, and checks the
   * revisions of all its ranges (a compacted or future revision fails the whole Txn before it writes).
   */
  async prefetch(t: pb.TxnRequest, into: Prefetched = new Map()): Promise<Prefetched> {
    for (const op of [...t.success, ...t.failure]) {
      if (op.request === 'requestRange') {
        const rev = toNum(op.requestRange.revision);
        this.kv.checkReadRev(rev);
        // Any explicit revision is read before the Txn writes, so the Txn's own writes never show in it.
        if (rev > 0) into.set(op.requestRange, await this.rangeResult(op.requestRange));
      } else if (op.request === 'requestTxn') {
        await this.prefetch(op.requestTxn, into);
      }
    }
    return into;
  }

  /** put applies a Put in its own revision. */
  put(r: pb.PutRequest): pb.PutResponse {
    this.checkSpace();
    const txn = this.kv.write();
    const ops = opCounts();
    try {
      const resp = this.putIn(txn, r, ops);
      this.end(txn);
      return { ...resp, header: this.header(this.kv.currentRev) };
    } finally {
      this.mvccOps?.record(ops);
    }
  }

  private putIn(txn: WriteTxn, r: pb.PutRequest, ops: OpCounts): pb.PutResponse {
    const key = keyString(r.key);
    const prev = txn.range(key, '', 1).kvs[0];
    if (r.prevKv || r.ignoreValue || r.ignoreLease) ops.ranges++;
    let lease = toBigInt(r.lease);
    let value = r.value;
    if ((r.ignoreValue || r.ignoreLease) && prev === undefined) throw new KeyNotFoundError();
    if (r.ignoreValue) value = prev!.value;
    if (r.ignoreLease) lease = prev!.lease;
    if (lease !== 0n && this.lessor.lookup(lease) === undefined) throw new LeaseNotFoundError();
    ops.puts++;
    ops.putBytes += r.key.length + value.length;
    txn.put(r.key, value, lease);
    if (prev !== undefined && prev.lease !== 0n && prev.lease !== lease) this.lessor.detach(prev.lease, key);
    if (lease !== 0n) this.lessor.attach(lease, key);
    return { header: null, prevKv: r.prevKv && prev !== undefined ? toPbKv(prev) : null };
  }

  /** deleteRange applies a DeleteRange in its own revision; prepared is its deletion worked out ahead, if it was. */
  deleteRange(r: pb.DeleteRangeRequest, prepared?: PreparedDelete): pb.DeleteRangeResponse {
    const txn = this.kv.write();
    const ops = opCounts();
    const resp = this.deleteIn(txn, r, ops, prepared);
    this.end(txn);
    this.mvccOps?.record(ops);
    return { ...resp, header: this.header(this.kv.currentRev) };
  }

  private deleteIn(txn: WriteTxn, r: pb.DeleteRangeRequest, ops: OpCounts, prepared?: PreparedDelete): pb.DeleteRangeResponse {
    if (r.prevKv) ops.ranges++;
    ops.deletes++;
    const deleted = txn.deleteRange(keyString(r.key), keyString(r.rangeEnd), prepared);
    for (const kv of deleted) if (kv.lease !== 0n) this.lessor.detach(kv.lease, keyString(kv.key));
    return { header: null, deleted: int64(deleted.length), prevKvs: r.prevKv ? deleted.map((kv) => toPbKv(kv)) : [] };
  }

  /**
   * txn applies a Txn atomically in one revision; prefetched holds its past-revision reads, deletes its range
   * deletes worked out ahead (prepareTxnDeletes). As in etcd, every comparison (nested ones too) is judged
   * against the store as it was before the Txn, and the puts on the chosen path are checked before anything is
   * written, so a Txn either applies whole or not at all.
   */
  txn(t: pb.TxnRequest, prefetched: Prefetched, deletes: PreparedDeletes = NO_DELETES): pb.TxnResponse {
    const txn = this.kv.write();
    const path: boolean[] = [];
    // The comparisons (and the checks of the puts) read in one transaction; a Txn that writes then writes in
    // another, one that only reads goes on in the first (what etcd counts, see MvccOps).
    const reads = opCounts();
    const ops = isReadOnlyTxn(t) ? reads : opCounts();
    try {
      this.checkSpace(() => txnCost(t));
      this.choosePath(txn, t, path, reads);
      this.checkPath(txn, t, path, 0, reads);
      const resp = this.txnIn(txn, t, { prefetched, deletes }, path, { next: 0 }, ops);
      this.end(txn);
      setHeaders(resp, this.header(this.kv.currentRev));
      return resp;
    } finally {
      this.mvccOps?.record(reads);
      if (ops !== reads) this.mvccOps?.record(ops);
    }
  }

  /** choosePath records, depth first, which branch each (nested) Txn takes; each comparison made is a range. */
  private choosePath(txn: WriteTxn, t: pb.TxnRequest, path: boolean[], reads: OpCounts): void {
    const succeeded = t.compare.every((c) => {
      reads.ranges++;
      return this.compare(txn, c);
    });
    path.push(succeeded);
    for (const op of succeeded ? t.success : t.failure) if (op.request === 'requestTxn') this.choosePath(txn, op.requestTxn, path, reads);
  }

  /** checkPath validates the puts on the path (lease exists, ignore_* has a key). */
  private checkPath(txn: WriteTxn, t: pb.TxnRequest, path: boolean[], at: number, reads: OpCounts, counter = { next: at }): void {
    const succeeded = path[counter.next++]!;
    for (const op of succeeded ? t.success : t.failure) {
      if (op.request === 'requestPut') {
        const r = op.requestPut;
        if (r.ignoreValue || r.ignoreLease) reads.ranges++;
        if ((r.ignoreValue || r.ignoreLease) && txn.range(keyString(r.key), '', 1).kvs.length === 0) throw new KeyNotFoundError();
        const lease = toBigInt(r.lease);
        if (lease !== 0n && this.lessor.lookup(lease) === undefined) throw new LeaseNotFoundError();
      } else if (op.request === 'requestTxn') {
        this.checkPath(txn, op.requestTxn, path, at, reads, counter);
      }
    }
  }

  private txnIn(txn: WriteTxn, t: pb.TxnRequest, ahead: { prefetched: Prefetched; deletes: PreparedDeletes }, path: boolean[], cursor: { next: number }, counts: OpCounts): pb.TxnResponse {
    const succeeded = path[cursor.next++]!;
    const ops = succeeded ? t.success : t.failure;
    const responses: pb.ResponseOp[] = [];
    for (const op of ops) {
      switch (op.request) {
        case 'requestRange': {
          counts.ranges++;
          const rr = ahead.prefetched.get(op.requestRange) ?? txn.range(keyString(op.requestRange.key), keyString(op.requestRange.rangeEnd), this.fetchLimit(op.requestRange));
          responses.push({ response: 'responseRange', responseRange: this.rangeResponse(op.requestRange, rr) });
          break;
        }
        case 'requestPut':
          responses.push({ response: 'responsePut', responsePut: this.putIn(txn, op.requestPut, counts) });
          break;
        case 'requestDeleteRange':
          responses.push({ response: 'responseDeleteRange', responseDeleteRange: this.deleteIn(txn, op.requestDeleteRange, counts, ahead.deletes.get(op.requestDeleteRange)) });
          break;
        case 'requestTxn':
          responses.push({ response: 'responseTxn', responseTxn: this.txnIn(txn, op.requestTxn, ahead, path, cursor, counts) });
          break;
        default:
          break;
      }
    }
    return { header: null, succeeded, responses };
  }

  /** compare evaluates one Txn comparison against the transaction's current view (etcd's applyCompare). */
  private compare(txn: WriteTxn, c: pb.Compare): boolean {
    const rr = txn.range(keyString(c.key), keyString(c.rangeEnd), 0);
    if (rr.kvs.length === 0) {
      // A missing key compares as the zero KeyValue, except that no value equals a missing one.
      if (c.target === 'VALUE') return false;
      return compareKv(c, undefined);
    }
    return rr.kvs.every((kv) => compareKv(c, kv));
  }

  /** compact applies a compaction; the returned promise settles when the disk is compacted too. */
  compact(r: pb.CompactionRequest): { resp: pb.CompactionResponse; physical: Promise<void> } {
    const physical = this.kv.compact(toNum(r.revision));
    return { resp: { header: this.header(this.kv.currentRev) }, physical };
  }

  /** leaseGrant applies a grant (the proposer chose the ID). */
  leaseGrant(r: pb.LeaseGrantRequest): pb.LeaseGrantResponse {
    this.checkSpace();
    const { lease, op } = this.lessor.grant(toBigInt(r.ID), toNum(r.TTL));
    this.kv.queue(op);
    return { header: this.header(this.kv.currentRev), ID: int64(lease.id), TTL: int64(lease.ttl), error: '' };
  }

  /**
   * leaseRevoke revokes a lease and deletes its keys in one revision, in key order; prepared is that deletion
   * worked out ahead, if it was.
   */
  leaseRevoke(r: pb.LeaseRevokeRequest, prepared?: PreparedDelete): pb.LeaseRevokeResponse {
    const lease = toBigInt(r.ID);
    const { keys, op } = this.lessor.revoke(lease);
    this.kv.queue(op);
    if (keys.length > 0) {
      const txn = this.kv.write();
      txn.deleteKeys(lease, keys, prepared);
      this.end(txn);
      this.mvccOps?.record({ ranges: 0, puts: 0, deletes: keys.length, putBytes: 0 });
    }
    return { header: this.header(this.kv.currentRev) };
  }

  /** alarm applies an alarm change (activate, deactivate) or lists them. */
  alarm(r: pb.AlarmRequest): pb.AlarmResponse {
    const changed = this.alarms.apply(r);
    for (const op of changed.ops) this.kv.queue(op);
    if (changed.ops.length > 0) this.log.warn({ action: r.action, alarm: r.alarm, memberID: r.memberID }, 'alarm changed');
    return { header: this.header(this.kv.currentRev), alarms: changed.alarms };
  }

  private end(txn: WriteTxn): void {
    const r = txn.end();
    if (r.events.length > 0) this.watchable.notify(r.rev, r.events);
  }

  /**
   * checkSpace refuses writes that cost quota while the NOSPACE alarm is raised (etcd's applierV3Capped); a
   * Txn's cost is worked out only then, so applying one otherwise never walks it for this.
   */
  private checkSpace(cost: () => number = () => 1): void {
    if (this.alarms.has('NOSPACE') && cost() > 0) throw new NoSpaceError();
  }
}

/** setHeaders gives a Txn response the full header and, as etcd does, its operations a revision-only one. */
function setHeaders(resp: pb.TxnResponse, header: pb.ResponseHeader, inner = false): void {
  resp.header = inner ? { clusterId: '0', memberId: '0', revision: header.revision, raftTerm: '0' } : header;
  header = { clusterId: '0', memberId: '0', revision: header.revision, raftTerm: '0' };
  for (const r of resp.responses) {
    switch (r.response) {
      case 'responseRange':
        r.responseRange.header = header;
        break;
      case 'responsePut':
        r.responsePut.header = header;
        break;
      case 'responseDeleteRange':
        r.responseDeleteRange.header = header;
        break;
      case 'responseTxn':
        setHeaders(r.responseTxn, header, true);
        break;
    }
  }
}

function comparatorFor(target: pb.SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case 'KEY':
      return (a, b) => Buffer.compare(a.key, b.key);
    case 'VERSION':
      return (a, b) => a.version - b.version;
    case 'CREATE':
      return (a, b) => a.createRevision - b.createRevision;
    case 'MOD':
      return (a, b) => a.modRevision - b.modRevision;
    case 'VALUE':
      return (a, b) => Buffer.compare(a.value, b.value);
  }
}

/** compareKv applies one comparison to a KeyValue (undefined: the key does not exist). */
function compareKv(c: pb.Compare, kv: KeyValue | undefined): boolean {
  let cmp: number;
  switch (c.target) {
    case 'VALUE':
      cmp = Buffer.compare(kv?.value ?? Buffer.alloc(0), c.value ?? Buffer.alloc(0));
      break;
    case 'VERSION':
      cmp = sign((kv?.version ?? 0) - toNum(c.version));
      break;
    case 'CREATE':
      cmp = sign((kv?.createRevision ?? 0) - toNum(c.createRevision));
      break;
    case 'MOD':
      cmp = sign((kv?.modRevision ?? 0) - toNum(c.modRevision));
      break;
    case 'LEASE': {
      const l = kv?.lease ?? 0n;
      const want = toBigInt(c.lease);
      cmp = l === want ? 0 : l < want ? -1 : 1;
      break;
    }
  }
  switch (c.result) {
    case 'EQUAL':
      return cmp === 0;
    case 'NOT_EQUAL':
      return cmp !== 0;
    case 'GREATER':
      return cmp > 0;
    case 'LESS':
      return cmp < 0;
  }
}

function sign(n: number): number {
  return n === 0 ? 0 : n < 0 ? -1 : 1;
}

/** hasRangeDelete reports whether a Txn deletes a range on any of its branches, nested ones too. */
function hasRangeDelete(t: pb.TxnRequest): boolean {
  for (const branch of [t.success, t.failure]) {
    for (const op of branch) {
      if (op.request === 'requestDeleteRange' && op.requestDeleteRange.rangeEnd.length > 0) return true;
      if (op.request === 'requestTxn' && hasRangeDelete(op.requestTxn)) return true;
    }
  }
  return false;
}

/** writesOnPath lists the puts and deletes a Txn applies on path (choosePath's), in the order txnIn applies them. */
function writesOnPath(t: pb.TxnRequest, path: readonly boolean[], cursor: { next: number }, into: pb.RequestOp[]): void {
  const succeeded = path[cursor.next++]!;
  for (const op of succeeded ? t.success : t.failure) {
    if (op.request === 'requestPut' || op.request === 'requestDeleteRange') into.push(op);
    else if (op.request === 'requestTxn') writesOnPath(op.requestTxn, path, cursor, into);
  }
}
