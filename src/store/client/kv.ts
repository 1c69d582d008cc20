/**
 * The key-value shapes the client hands out, and their conversion from and to the wire (types.ts): keys and
 * values are Buffers, revisions and versions safe-integer numbers, lease IDs bigint (STYLE rule 4). A key or
 * value given as a string is UTF-8.
 *
 * Ranges follow clientv3's options: `prefix` selects every key that starts with key (WithPrefix; an empty key
 * with prefix selects every key, as etcd's "\0" … "\0"), `rangeEnd` an explicit half-open range [key, rangeEnd).
 */
import type * as pb from '../grpc/types.js';
import { int64, toBigInt, toNum } from '../grpc/types.js';
import { ClientConfigError } from './errors.js';

/** Bytes is a key or value: a Buffer, or a string taken as UTF-8. */
export type Bytes = string | Buffer;

/** KeyValue is one version of a key (mvccpb.KeyValue). */
export interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  /** createRevision is the revision of the put that created the key (this incarnation of it). */
  readonly createRevision: number;
  /** modRevision is the revision of the last change; a Kubernetes resourceVersion. */
  readonly modRevision: number;
  /** version counts puts since creation; a delete resets it to 0. */
  readonly version: number;
  /** lease is the attached lease's ID, 0n for none. */
  readonly lease: bigint;
}

/** RangeOptions select a key, a prefix or a range. */
export interface RangeOptions {
  /** prefix selects every key that starts with the key (clientv3 WithPrefix). */
  prefix?: boolean;
  /** rangeEnd selects [key, rangeEnd) (clientv3 WithRange); exclusive with prefix. */
  rangeEnd?: Bytes;
}

/** GetOptions are the options of get(): a range, and etcd's RangeRequest knobs. */
export interface GetOptions extends RangeOptions {
  /** revision reads the store as of that revision (0: the latest). */
  revision?: number;
  /** limit caps the number of keys returned (0: no limit); `more` says whether some were left out. */
  limit?: number;
  /** serializable serves the read from the member's local state, without a ReadIndex round. */
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
}

/** GetResult is a Range's answer. */
export interface GetResult {
  readonly kvs: KeyValue[];
  /** count is the number of keys in the range (not only those returned). */
  readonly count: number;
  readonly more: boolean;
  /** revision is the store revision the read was served at (the response header). */
  readonly revision: number;
}

/** PutOptions are the options of put(). */
export interface PutOptions {
  /** lease attaches the key to a lease; it is deleted when the lease expires or is revoked. */
  lease?: bigint;
  /** prevKv returns the key's previous version. */
  prevKv?: boolean;
  /** ignoreLease keeps the key's current lease (the key must exist); exclusive with lease. */
  ignoreLease?: boolean;
}

/** PutResult is a Put's answer. */
export interface PutResult {
  /** revision is the revision of the write (the response header). */
  readonly revision: number;
  readonly prevKv: KeyValue | undefined;
}

/** DeleteOptions are the options of delete(). */
export interface DeleteOptions extends RangeOptions {
  /** prevKv returns the deleted versions. */
  prevKv?: boolean;
}

/** DeleteResult is a DeleteRange's answer. */
export interface DeleteResult {
  /** revision is the revision of the delete if it deleted anything, else the current revision. */
  readonly revision: number;
  readonly deleted: number;
  readonly prevKvs: KeyValue[];
}

const EMPTY = Buffer.alloc(0);
const NUL = Buffer.from([0]);

/** toBuffer returns b as a Buffer (strings as UTF-8). */
export function toBuffer(b: Bytes): Buffer {
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
}

/**
 * prefixEnd is the range_end selecting every key that starts with prefix (clientv3 GetPrefixRangeEnd): the
 * prefix with its last byte below 0xff incremented and the rest dropped; "\0" (to the end of the keyspace)
 * when every byte is 0xff or the prefix is empty.
 */
export function prefixEnd(prefix: Buffer): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i] as number;
    if (byte < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = byte + 1;
      return end;
    }
  }
  return NUL;
}

/** keyRange resolves a key and RangeOptions to the wire's (key, range_end). */
export function keyRange(key: Bytes, options: RangeOptions = {}): { key: Buffer; rangeEnd: Buffer } {
  const k = toBuffer(key);
  if (options.prefix === true && options.rangeEnd !== undefined) throw new ClientConfigError('prefix and rangeEnd are exclusive');
  if (options.prefix === true) return k.length === 0 ? { key: NUL, rangeEnd: NUL } : { key: k, rangeEnd: prefixEnd(k) };
  if (k.length === 0) throw new ClientConfigError('key is empty');
  return { key: k, rangeEnd: options.rangeEnd === undefined ? EMPTY : toBuffer(options.rangeEnd) };
}

function nonNegative(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (!Number.isSafeInteger(v) || v < 0) throw new ClientConfigError(`${name} must be a non-negative safe integer, got ${v}`);
  return v;
}

/** rangeRequest builds etcdserverpb.RangeRequest. */
export function rangeRequest(key: Bytes, options: GetOptions = {}): pb.RangeRequest {
  // Built as one literal (no spread): an object grown property by property is slow to make and to write.
  const range = keyRange(key, options);
  return {
    key: range.key,
    rangeEnd: range.rangeEnd,
    limit: int64(nonNegative('limit', options.limit)),
    revision: int64(nonNegative('revision', options.revision)),
    sortOrder: 'NONE',
    sortTarget: 'KEY',
    serializable: options.serializable === true,
    keysOnly: options.keysOnly === true,
    countOnly: options.countOnly === true,
    minModRevision: '0',
    maxModRevision: '0',
    minCreateRevision: '0',
    maxCreateRevision: '0',
  };
}

/** putRequest builds etcdserverpb.PutRequest. */
export function putRequest(key: Bytes, value: Bytes, options: PutOptions = {}): pb.PutRequest {
  const k = toBuffer(key);
  if (k.length === 0) throw new ClientConfigError('key is empty');
  if (options.ignoreLease === true && options.lease !== undefined && options.lease !== 0n) throw new ClientConfigError('lease and ignoreLease are exclusive');
  return {
    key: k,
    value: toBuffer(value),
    lease: int64(options.lease ?? 0n),
    prevKv: options.prevKv === true,
    ignoreValue: false,
    ignoreLease: options.ignoreLease === true,
  };
}

/** deleteRequest builds etcdserverpb.DeleteRangeRequest. */
export function deleteRequest(key: Bytes, options: DeleteOptions = {}): pb.DeleteRangeRequest {
  return { ...keyRange(key, options), prevKv: options.prevKv === true };
}

/** fromWireKeyValue converts a mvccpb.KeyValue off the wire. */
export function fromWireKeyValue(kv: pb.KeyValue): KeyValue {
  return {
    key: kv.key,
    value: kv.value,
    createRevision: toNum(kv.createRevision),
    modRevision: toNum(kv.modRevision),
    version: toNum(kv.version),
    lease: toBigInt(kv.lease),
  };
}

/** headerRevision is the revision of a response header (0 if absent). */
export function headerRevision(header: pb.ResponseHeader | null): number {
  return header === null ? 0 : toNum(header.revision);
}

/** fromRangeResponse converts a RangeResponse; revision falls back to the enclosing Txn's when its header is empty. */
export function fromRangeResponse(r: pb.RangeResponse, fallbackRevision = 0): GetResult {
  return { kvs: r.kvs.map(fromWireKeyValue), count: toNum(r.count), more: r.more, revision: headerRevision(r.header) || fallbackRevision };
}

/** fromPutResponse converts a PutResponse. */
export function fromPutResponse(r: pb.PutResponse, fallbackRevision = 0): PutResult {
  return { revision: headerRevision(r.header) || fallbackRevision, prevKv: r.prevKv === null ? undefined : fromWireKeyValue(r.prevKv) };
}

/** fromDeleteResponse converts a DeleteRangeResponse. */
export function fromDeleteResponse(r: pb.DeleteRangeResponse, fallbackRevision = 0): DeleteResult {
  return { revision: headerRevision(r.header) || fallbackRevision, deleted: toNum(r.deleted), prevKvs: r.prevKvs.map(fromWireKeyValue) };
}
