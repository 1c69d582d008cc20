/**
 * kv-codec reads and writes, by hand, the etcdserverpb messages of the KV service's hot calls: the requests
 * Range, Put, DeleteRange and Txn (with its Compares and RequestOps, nested Txns included) in both directions,
 * and their responses, and reads the Watch service's responses (every change an API server's watch caches
 * see). proto-loader converts every request with protobufjs's generic decode and toObject, and
 * every response with fromObject and encode, going through Long objects for each 64-bit field; that is a
 * large share of what a small request costs the store.
 *
 * What the readers return is exactly what protobufjs's decode + toObject with proto.ts's CONVERSION_OPTIONS
 * returns for the same bytes (the types.ts shapes). A message they do not fully understand — malformed,
 * unknown fields, an unknown enum value, a oneof set twice, nesting deeper than MAX_TXN_DEPTH — makes them
 * return undefined, and the caller falls back to protobufjs, so errors and corner cases stay protobufjs's.
 *
 * The writers write ordinary proto3 (fields in number order, zero scalars left out, oneof members present
 * even at zero), which protobufjs and Go read back as the same message.
 */
import type * as grpc from '@grpc/grpc-js';
import { EMPTY, Reader, Writer } from './proto-wire.js';
import type {
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  SortOrder,
  SortTarget,
  TxnRequest,
  TxnResponse,
  Event,
  WatchResponse,
} from './types.js';

/** MAX_TXN_DEPTH bounds the nesting of Txns read here; deeper ones go to protobufjs and its recursion limit. */
const MAX_TXN_DEPTH = 16;

const SORT_ORDERS: readonly SortOrder[] = ['NONE', 'ASCEND', 'DESCEND'];
const SORT_TARGETS: readonly SortTarget[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const COMPARE_RESULTS: readonly CompareResult[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];
const COMPARE_TARGETS: readonly CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'];

// Wire tags (field number << 3 | wire type) of the fields read here.
const VARINT = 0;
const LEN = 2;
const t = (field: number, wireType: number): number => field * 8 + wireType;

// ------------------------------------------------------------------------------------------------ reading

/**
 * readMessage reads the embedded message whose tag was just read, with read; undefined if malformed. A
 * singular message field seen twice is left to the caller to refuse (protobufjs keeps the last, Go merges).
 */
function readMessage<T>(r: Reader, read: (r: Reader, end: number) => T | undefined): T | undefined {
  const n = r.length();
  return n < 0 ? undefined : read(r, r.pos + n);
}

/** readRange reads a RangeRequest from r up to end. */
export function readRangeRequest(r: Reader, end: number): RangeRequest | undefined {
  const m: RangeRequest = {
    key: EMPTY,
    rangeEnd: EMPTY,
    limit: '0',
    revision: '0',
    sortOrder: 'NONE',
    sortTarget: 'KEY',
    serializable: false,
    keysOnly: false,
    countOnly: false,
    minModRevision: '0',
    maxModRevision: '0',
    minCreateRevision: '0',
    maxCreateRevision: '0',
  };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, LEN): {
        const b = r.bytes();
        if (b === undefined) return undefined;
        m.key = b;
        break;
      }
      case t(2, LEN): {
        const b = r.bytes();
        if (b === undefined) return undefined;
        m.rangeEnd = b;
        break;
      }
      case t(3, VARINT):
      case t(4, VARINT):
      case t(10, VARINT):
      case t(11, VARINT):
      case t(12, VARINT):
      case t(13, VARINT): {
        const field = r.lo >>> 3;
        const v = r.int64();
        if (v === undefined) return undefined;
        if (field === 3) m.limit = v;
        else if (field === 4) m.revision = v;
        else if (field === 10) m.minModRevision = v;
        else if (field === 11) m.maxModRevision = v;
        else if (field === 12) m.minCreateRevision = v;
        else m.maxCreateRevision = v;
        break;
      }
      case t(5, VARINT): {
        if (!r.varint32() || r.hi !== 0 || r.lo >= SORT_ORDERS.length) return undefined;
        m.sortOrder = SORT_ORDERS[r.lo]!;
        break;
      }
      case t(6, VARINT): {
        if (!r.varint32() || r.hi !== 0 || r.lo >= SORT_TARGETS.length) return undefined;
        m.sortTarget = SORT_TARGETS[r.lo]!;
        break;
      }
      case t(7, VARINT):
      case t(8, VARINT):
      case t(9, VARINT): {
        const field = r.lo >>> 3;
        const v = r.bool();
        if (v < 0) return undefined;
        if (field === 7) m.serializable = v === 1;
        else if (field === 8) m.keysOnly = v === 1;
        else m.countOnly = v === 1;
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

/** readPutRequest reads a PutRequest from r up to end. */
export function readPutRequest(r: Reader, end: number): PutRequest | undefined {
  const m: PutRequest = { key: EMPTY, value: EMPTY, lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, LEN): {
        const b = r.bytes();
        if (b === undefined) return undefined;
        m.key = b;
        break;
      }
      case t(2, LEN): {
        const b = r.bytes();
        if (b === undefined) return undefined;
        m.value = b;
        break;
      }
      case t(3, VARINT): {
        const v = r.int64();
        if (v === undefined) return undefined;
        m.lease = v;
        break;
      }
      case t(4, VARINT):
      case t(5, VARINT):
      case t(6, VARINT): {
        const field = r.lo >>> 3;
        const v = r.bool();
        if (v < 0) return undefined;
        if (field === 4) m.prevKv = v === 1;
        else if (field === 5) m.ignoreValue = v === 1;
        else m.ignoreLease = v === 1;
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

/** readDeleteRangeRequest reads a DeleteRangeRequest from r up to end. */
export function readDeleteRangeRequest(r: Reader, end: number): DeleteRangeRequest | undefined {
  const m: DeleteRangeRequest = { key: EMPTY, rangeEnd: EMPTY, prevKv: false };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, LEN):
      case t(2, LEN): {
        const field = r.lo >>> 3;
        const b = r.bytes();
        if (b === undefined) return undefined;
        if (field === 1) m.key = b;
        else m.rangeEnd = b;
        break;
      }
      case t(3, VARINT): {
        const v = r.bool();
        if (v < 0) return undefined;
        m.prevKv = v === 1;
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

const COMPARE_MEMBERS = [undefined, undefined, undefined, undefined, 'version', 'createRevision', 'modRevision', undefined, 'lease'] as const;

function readCompare(r: Reader, end: number): Compare | undefined {
  const m: Compare = { result: 'EQUAL', target: 'VERSION', key: EMPTY, rangeEnd: EMPTY };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, VARINT):
        if (!r.varint32() || r.hi !== 0 || r.lo >= COMPARE_RESULTS.length) return undefined;
        m.result = COMPARE_RESULTS[r.lo]!;
        break;
      case t(2, VARINT):
        if (!r.varint32() || r.hi !== 0 || r.lo >= COMPARE_TARGETS.length) return undefined;
        m.target = COMPARE_TARGETS[r.lo]!;
        break;
      case t(3, LEN): {
        const b = r.bytes();
        if (b === undefined) return undefined;
        m.key = b;
        break;
      }
      case t(64, LEN): {
        const b = r.bytes();
        if (b === undefined) return undefined;
        m.rangeEnd = b;
        break;
      }
      case t(4, VARINT):
      case t(5, VARINT):
      case t(6, VARINT):
      case t(8, VARINT): {
        const member = COMPARE_MEMBERS[r.lo >>> 3]!;
        // A second member of the oneof: protobufjs keeps both; leave that to it.
        if (m.targetUnion !== undefined && m.targetUnion !== member) return undefined;
        const v = r.int64();
        if (v === undefined) return undefined;
        m.targetUnion = member;
        if (member === 'version') m.version = v;
        else if (member === 'createRevision') m.createRevision = v;
        else if (member === 'modRevision') m.modRevision = v;
        else m.lease = v;
        break;
      }
      case t(7, LEN): {
        if (m.targetUnion !== undefined && m.targetUnion !== 'value') return undefined;
        const b = r.bytes();
        if (b === undefined) return undefined;
        m.targetUnion = 'value';
        m.value = b;
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

/** OpMember is one member of RequestOp's or ResponseOp's oneof: how its message is read and the op it makes. */
interface OpMember {
  read(r: Reader, end: number, depth: number): unknown;
  make(m: unknown): object;
}

// By field number - 1. Built once: the readers run for every op of every Txn.
const REQUEST_OP_MEMBERS: readonly OpMember[] = [
  { read: readRangeRequest, make: (m) => ({ request: 'requestRange', requestRange: m }) },
  { read: readPutRequest, make: (m) => ({ request: 'requestPut', requestPut: m }) },
  { read: readDeleteRangeRequest, make: (m) => ({ request: 'requestDeleteRange', requestDeleteRange: m }) },
  { read: (r, end, depth) => readTxnRequest(r, end, depth + 1), make: (m) => ({ request: 'requestTxn', requestTxn: m }) },
];
const RESPONSE_OP_MEMBERS: readonly OpMember[] = [
  { read: readRangeResponse, make: (m) => ({ response: 'responseRange', responseRange: m }) },
  { read: readPutResponse, make: (m) => ({ response: 'responsePut', responsePut: m }) },
  { read: readDeleteRangeResponse, make: (m) => ({ response: 'responseDeleteRange', responseDeleteRange: m }) },
  { read: (r, end, depth) => readTxnResponse(r, end, depth + 1), make: (m) => ({ response: 'responseTxn', responseTxn: m }) },
];

/**
 * readOp reads a RequestOp or ResponseOp: one of the members' embedded messages (fields 1–4), as protobufjs's
 * toObject with oneofs returns it (`{ request: 'requestPut', requestPut: … }`), or undefined for no member.
 * Two members, or one set twice (protobufjs's handling differs from Go's), are left to protobufjs (`false`).
 */
function readOp(r: Reader, end: number, depth: number, members: readonly OpMember[]): object | undefined | false {
  let op: object | undefined;
  while (r.pos < end) {
    if (!r.tag() || op !== undefined) return false;
    const member = members[(r.lo >>> 3) - 1];
    if ((r.lo & 7) !== LEN || member === undefined) return false;
    const n = r.length();
    if (n < 0) return false;
    const m = member.read(r, r.pos + n, depth);
    if (m === undefined) return false;
    op = member.make(m);
  }
  return r.pos === end ? op : false;
}

function readRequestOp(r: Reader, end: number, depth: number): RequestOp | undefined {
  const op = readOp(r, end, depth, REQUEST_OP_MEMBERS);
  return op === false ? undefined : ((op ?? {}) as RequestOp);
}

/** readTxnRequest reads a TxnRequest from r up to end; depth counts the Txns around it. */
export function readTxnRequest(r: Reader, end: number, depth = 0): TxnRequest | undefined {
  if (depth > MAX_TXN_DEPTH) return undefined;
  const m: TxnRequest = { compare: [], success: [], failure: [] };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    const tag = r.lo;
    if (tag !== t(1, LEN) && tag !== t(2, LEN) && tag !== t(3, LEN)) return undefined;
    const n = r.length();
    if (n < 0) return undefined;
    const subEnd = r.pos + n;
    if (tag === t(1, LEN)) {
      const c = readCompare(r, subEnd);
      if (c === undefined) return undefined;
      m.compare.push(c);
    } else {
      const op = readRequestOp(r, subEnd, depth);
      if (op === undefined) return undefined;
      (tag === t(2, LEN) ? m.success : m.failure).push(op);
    }
  }
  return r.pos === end ? m : undefined;
}

// ---------------------------------------------------------------------------------------- reading responses

function readHeader(r: Reader, end: number): ResponseHeader | undefined {
  const m: ResponseHeader = { clusterId: '0', memberId: '0', revision: '0', raftTerm: '0' };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    const tag = r.lo;
    const v = tag === t(3, VARINT) ? r.int64() : tag === t(1, VARINT) || tag === t(2, VARINT) || tag === t(4, VARINT) ? r.uint64() : undefined;
    if (v === undefined) return undefined;
    if (tag === t(1, VARINT)) m.clusterId = v;
    else if (tag === t(2, VARINT)) m.memberId = v;
    else if (tag === t(3, VARINT)) m.revision = v;
    else m.raftTerm = v;
  }
  return r.pos === end ? m : undefined;
}

/** readHeaderField reads a response's header (field 1) into m; false if malformed or sent twice. */
function readHeaderField(r: Reader, m: { header: ResponseHeader | null }): boolean {
  if (m.header !== null) return false;
  const h = readMessage(r, readHeader);
  if (h === undefined) return false;
  m.header = h;
  return true;
}

function readKeyValue(r: Reader, end: number): KeyValue | undefined {
  const m: KeyValue = { key: EMPTY, createRevision: '0', modRevision: '0', version: '0', value: EMPTY, lease: '0' };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, LEN):
      case t(5, LEN): {
        const field = r.lo >>> 3;
        const b = r.bytes();
        if (b === undefined) return undefined;
        if (field === 1) m.key = b;
        else m.value = b;
        break;
      }
      case t(2, VARINT):
      case t(3, VARINT):
      case t(4, VARINT):
      case t(6, VARINT): {
        const field = r.lo >>> 3;
        const v = r.int64();
        if (v === undefined) return undefined;
        if (field === 2) m.createRevision = v;
        else if (field === 3) m.modRevision = v;
        else if (field === 4) m.version = v;
        else m.lease = v;
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

/** readRangeResponse reads a RangeResponse from r up to end. */
export function readRangeResponse(r: Reader, end: number): RangeResponse | undefined {
  const m: RangeResponse = { header: null, kvs: [], more: false, count: '0' };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, LEN):
        if (!readHeaderField(r, m)) return undefined;
        break;
      case t(2, LEN): {
        const kv = readMessage(r, readKeyValue);
        if (kv === undefined) return undefined;
        m.kvs.push(kv);
        break;
      }
      case t(3, VARINT): {
        const v = r.bool();
        if (v < 0) return undefined;
        m.more = v === 1;
        break;
      }
      case t(4, VARINT): {
        const v = r.int64();
        if (v === undefined) return undefined;
        m.count = v;
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

/** readPutResponse reads a PutResponse from r up to end. */
export function readPutResponse(r: Reader, end: number): PutResponse | undefined {
  const m: PutResponse = { header: null, prevKv: null };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    if (r.lo === t(1, LEN)) {
      if (!readHeaderField(r, m)) return undefined;
    } else if (r.lo === t(2, LEN) && m.prevKv === null) {
      const kv = readMessage(r, readKeyValue);
      if (kv === undefined) return undefined;
      m.prevKv = kv;
    } else return undefined;
  }
  return r.pos === end ? m : undefined;
}

/** readDeleteRangeResponse reads a DeleteRangeResponse from r up to end. */
export function readDeleteRangeResponse(r: Reader, end: number): DeleteRangeResponse | undefined {
  const m: DeleteRangeResponse = { header: null, deleted: '0', prevKvs: [] };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, LEN):
        if (!readHeaderField(r, m)) return undefined;
        break;
      case t(2, VARINT): {
        const v = r.int64();
        if (v === undefined) return undefined;
        m.deleted = v;
        break;
      }
      case t(3, LEN): {
        const kv = readMessage(r, readKeyValue);
        if (kv === undefined) return undefined;
        m.prevKvs.push(kv);
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

function readResponseOp(r: Reader, end: number, depth: number): ResponseOp | undefined {
  const op = readOp(r, end, depth, RESPONSE_OP_MEMBERS);
  // An op without a member is left to protobufjs too (the types have no such ResponseOp).
  return op === false || op === undefined ? undefined : (op as ResponseOp);
}

/** readTxnResponse reads a TxnResponse from r up to end; depth counts the Txns around it. */
export function readTxnResponse(r: Reader, end: number, depth = 0): TxnResponse | undefined {
  if (depth > MAX_TXN_DEPTH) return undefined;
  const m: TxnResponse = { header: null, succeeded: false, responses: [] };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, LEN):
        if (!readHeaderField(r, m)) return undefined;
        break;
      case t(2, VARINT): {
        const v = r.bool();
        if (v < 0) return undefined;
        m.succeeded = v === 1;
        break;
      }
      case t(3, LEN): {
        const n = r.length();
        const op = n < 0 ? undefined : readResponseOp(r, r.pos + n, depth);
        if (op === undefined) return undefined;
        m.responses.push(op);
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

/** readEvent reads an mvccpb.Event (a kv or prevKv sent twice goes to protobufjs, which keeps the last). */
function readEvent(r: Reader, end: number): Event | undefined {
  const m: Event = { type: 'PUT', kv: null, prevKv: null };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, VARINT): {
        // PUT and DELETE only; any other value (a number to protobufjs) is left to it.
        if (!r.varint32() || r.hi !== 0 || r.lo > 1) return undefined;
        m.type = r.lo === 0 ? 'PUT' : 'DELETE';
        break;
      }
      case t(2, LEN):
      case t(3, LEN): {
        const field = r.lo >>> 3;
        if ((field === 2 ? m.kv : m.prevKv) !== null) return undefined;
        const kv = readMessage(r, readKeyValue);
        if (kv === undefined) return undefined;
        if (field === 2) m.kv = kv;
        else m.prevKv = kv;
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

/** readWatchResponse reads a WatchResponse from r up to end (a non-ASCII cancel reason goes to protobufjs). */
export function readWatchResponse(r: Reader, end: number): WatchResponse | undefined {
  const m: WatchResponse = { header: null, watchId: '0', created: false, canceled: false, compactRevision: '0', cancelReason: '', fragment: false, events: [] };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    switch (r.lo) {
      case t(1, LEN):
        if (!readHeaderField(r, m)) return undefined;
        break;
      case t(2, VARINT):
      case t(5, VARINT): {
        const field = r.lo >>> 3;
        const v = r.int64();
        if (v === undefined) return undefined;
        if (field === 2) m.watchId = v;
        else m.compactRevision = v;
        break;
      }
      case t(3, VARINT):
      case t(4, VARINT):
      case t(7, VARINT): {
        const field = r.lo >>> 3;
        const v = r.bool();
        if (v < 0) return undefined;
        if (field === 3) m.created = v === 1;
        else if (field === 4) m.canceled = v === 1;
        else m.fragment = v === 1;
        break;
      }
      case t(6, LEN): {
        const b = r.bytes();
        if (b === undefined || b.some((c) => c >= 0x80)) return undefined;
        m.cancelReason = b.toString('latin1');
        break;
      }
      case t(11, LEN): {
        const ev = readMessage(r, readEvent);
        if (ev === undefined) return undefined;
        m.events.push(ev);
        break;
      }
      default:
        return undefined;
    }
  }
  return r.pos === end ? m : undefined;
}

/** decodeWhole runs read over a whole message; undefined unless it consumed exactly every byte. */
function decodeWhole<T>(read: (r: Reader, end: number) => T | undefined): (b: Buffer) => T | undefined {
  return (b) => read(new Reader(b, 0, b.length), b.length);
}

/** decodeRangeRequest reads a whole RangeRequest; undefined means "ask protobufjs". */
export const decodeRangeRequest = decodeWhole(readRangeRequest);
/** decodePutRequest reads a whole PutRequest; undefined means "ask protobufjs". */
export const decodePutRequest = decodeWhole(readPutRequest);
/** decodeDeleteRangeRequest reads a whole DeleteRangeRequest; undefined means "ask protobufjs". */
export const decodeDeleteRangeRequest = decodeWhole(readDeleteRangeRequest);
/** decodeTxnRequest reads a whole TxnRequest; undefined means "ask protobufjs". */
export const decodeTxnRequest = decodeWhole((r, end) => readTxnRequest(r, end, 0));
/** decodeRangeResponse reads a whole RangeResponse (a client's side of KV.Range); undefined means "ask protobufjs". */
export const decodeRangeResponse = decodeWhole(readRangeResponse);
/** decodePutResponse reads a whole PutResponse; undefined means "ask protobufjs". */
export const decodePutResponse = decodeWhole(readPutResponse);
/** decodeDeleteRangeResponse reads a whole DeleteRangeResponse; undefined means "ask protobufjs". */
export const decodeDeleteRangeResponse = decodeWhole(readDeleteRangeResponse);
/** decodeTxnResponse reads a whole TxnResponse; undefined means "ask protobufjs". */
export const decodeTxnResponse = decodeWhole((r, end) => readTxnResponse(r, end, 0));
/** decodeWatchResponse reads a whole WatchResponse; undefined means "ask protobufjs". */
export const decodeWatchResponse = decodeWhole(readWatchResponse);

// ------------------------------------------------------------------------------------------------ writing

function enumNumber<T extends string>(names: readonly T[], v: T | number): number {
  if (typeof v === 'number') return v;
  const i = names.indexOf(v);
  return i < 0 ? 0 : i;
}

/** writeRangeRequest writes the fields of a RangeRequest. */
export function writeRangeRequest(w: Writer, m: RangeRequest): void {
  w.bytesField(1, m.key);
  w.bytesField(2, m.rangeEnd);
  w.int64Field(3, m.limit);
  w.int64Field(4, m.revision);
  w.enumField(5, enumNumber(SORT_ORDERS, m.sortOrder));
  w.enumField(6, enumNumber(SORT_TARGETS, m.sortTarget));
  w.boolField(7, m.serializable);
  w.boolField(8, m.keysOnly);
  w.boolField(9, m.countOnly);
  w.int64Field(10, m.minModRevision);
  w.int64Field(11, m.maxModRevision);
  w.int64Field(12, m.minCreateRevision);
  w.int64Field(13, m.maxCreateRevision);
}

/** writePutRequest writes the fields of a PutRequest. */
export function writePutRequest(w: Writer, m: PutRequest): void {
  w.bytesField(1, m.key);
  w.bytesField(2, m.value);
  w.int64Field(3, m.lease);
  w.boolField(4, m.prevKv);
  w.boolField(5, m.ignoreValue);
  w.boolField(6, m.ignoreLease);
}

/** writeDeleteRangeRequest writes the fields of a DeleteRangeRequest. */
export function writeDeleteRangeRequest(w: Writer, m: DeleteRangeRequest): void {
  w.bytesField(1, m.key);
  w.bytesField(2, m.rangeEnd);
  w.boolField(3, m.prevKv);
}

function writeCompare(w: Writer, c: Compare): void {
  w.enumField(1, enumNumber(COMPARE_RESULTS, c.result));
  w.enumField(2, enumNumber(COMPARE_TARGETS, c.target));
  w.bytesField(3, c.key);
  // Every member present is written, as protobufjs's fromObject + encode do, so a zero operand stays set.
  if (c.version != null) w.int64Member(4, c.version);
  if (c.createRevision != null) w.int64Member(5, c.createRevision);
  if (c.modRevision != null) w.int64Member(6, c.modRevision);
  if (c.value != null) w.bytesMember(7, c.value);
  if (c.lease != null) w.int64Member(8, c.lease);
  w.bytesField(64, c.rangeEnd);
}

function writeRequestOp(w: Writer, op: RequestOp): void {
  const o = op as { requestRange?: RangeRequest; requestPut?: PutRequest; requestDeleteRange?: DeleteRangeRequest; requestTxn?: TxnRequest };
  if (o.requestRange != null) {
    const at = w.fork(1);
    writeRangeRequest(w, o.requestRange);
    w.join(at);
  }
  if (o.requestPut != null) {
    const at = w.fork(2);
    writePutRequest(w, o.requestPut);
    w.join(at);
  }
  if (o.requestDeleteRange != null) {
    const at = w.fork(3);
    writeDeleteRangeRequest(w, o.requestDeleteRange);
    w.join(at);
  }
  if (o.requestTxn != null) {
    const at = w.fork(4);
    writeTxnRequest(w, o.requestTxn);
    w.join(at);
  }
}

/** writeTxnRequest writes the fields of a TxnRequest. */
export function writeTxnRequest(w: Writer, m: TxnRequest): void {
  for (const c of m.compare) {
    const at = w.fork(1);
    writeCompare(w, c);
    w.join(at);
  }
  for (const [field, ops] of [
    [2, m.success],
    [3, m.failure],
  ] as const) {
    for (const op of ops) {
      const at = w.fork(field);
      writeRequestOp(w, op);
      w.join(at);
    }
  }
}

function writeHeader(w: Writer, h: ResponseHeader | null | undefined): void {
  if (h == null) return;
  const at = w.fork(1);
  w.int64Field(1, h.clusterId);
  w.int64Field(2, h.memberId);
  w.int64Field(3, h.revision);
  w.int64Field(4, h.raftTerm);
  w.join(at);
}

/** KeyValueFields is an mvccpb.KeyValue either as the wire shape (types.ts) or as MVCC holds it (numbers, bigint). */
export interface KeyValueFields {
  key: Uint8Array;
  createRevision: string | number;
  modRevision: string | number;
  version: string | number;
  value: Uint8Array;
  lease: string | bigint;
}

/** writeKeyValueFields writes the fields of an mvccpb.KeyValue in number order, zero values left out. */
export function writeKeyValueFields(w: Writer, kv: KeyValueFields): void {
  w.bytesField(1, kv.key);
  w.int64Field(2, kv.createRevision);
  w.int64Field(3, kv.modRevision);
  w.int64Field(4, kv.version);
  w.bytesField(5, kv.value);
  w.int64Field(6, kv.lease);
}

function writeKeyValue(w: Writer, field: number, kv: KeyValue): void {
  const at = w.fork(field);
  writeKeyValueFields(w, kv);
  w.join(at);
}

function writeRangeResponse(w: Writer, m: RangeResponse): void {
  writeHeader(w, m.header);
  for (const kv of m.kvs) writeKeyValue(w, 2, kv);
  w.boolField(3, m.more);
  w.int64Field(4, m.count);
}

function writePutResponse(w: Writer, m: PutResponse): void {
  writeHeader(w, m.header);
  if (m.prevKv != null) writeKeyValue(w, 2, m.prevKv);
}

function writeDeleteRangeResponse(w: Writer, m: DeleteRangeResponse): void {
  writeHeader(w, m.header);
  w.int64Field(2, m.deleted);
  for (const kv of m.prevKvs) writeKeyValue(w, 3, kv);
}

function writeResponseOp(w: Writer, op: ResponseOp): void {
  const o = op as { responseRange?: RangeResponse; responsePut?: PutResponse; responseDeleteRange?: DeleteRangeResponse; responseTxn?: TxnResponse };
  if (o.responseRange != null) {
    const at = w.fork(1);
    writeRangeResponse(w, o.responseRange);
    w.join(at);
  }
  if (o.responsePut != null) {
    const at = w.fork(2);
    writePutResponse(w, o.responsePut);
    w.join(at);
  }
  if (o.responseDeleteRange != null) {
    const at = w.fork(3);
    writeDeleteRangeResponse(w, o.responseDeleteRange);
    w.join(at);
  }
  if (o.responseTxn != null) {
    const at = w.fork(4);
    writeTxnResponse(w, o.responseTxn);
    w.join(at);
  }
}

function writeTxnResponse(w: Writer, m: TxnResponse): void {
  writeHeader(w, m.header);
  w.boolField(2, m.succeeded);
  for (const op of m.responses) {
    const at = w.fork(3);
    writeResponseOp(w, op);
    w.join(at);
  }
}

function writeEvent(w: Writer, e: Event): void {
  const at = w.fork(11);
  w.enumField(1, e.type === 'DELETE' ? 1 : 0);
  if (e.kv != null) writeKeyValue(w, 2, e.kv);
  if (e.prevKv != null) writeKeyValue(w, 3, e.prevKv);
  w.join(at);
}

/** writeWatchResponse writes a WatchResponse whose absent members are their proto3 defaults (left out, as grpc-go). */
function writeWatchResponse(w: Writer, m: Partial<WatchResponse>): void {
  writeHeader(w, m.header);
  w.int64Field(2, m.watchId ?? 0);
  w.boolField(3, m.created === true);
  w.boolField(4, m.canceled === true);
  w.int64Field(5, m.compactRevision ?? 0);
  if (m.cancelReason !== undefined && m.cancelReason !== '') w.bytesField(6, Buffer.from(m.cancelReason, 'utf8'));
  w.boolField(7, m.fragment === true);
  for (const e of m.events ?? []) writeEvent(w, e);
}

function encodeWith<T>(write: (w: Writer, m: T) => void): (m: T) => Buffer {
  return (m) => {
    const w = new Writer();
    write(w, m);
    return w.finish();
  };
}

/** encodeRangeRequest writes a RangeRequest. */
export const encodeRangeRequest = encodeWith(writeRangeRequest);
/** encodeTxnRequest writes a TxnRequest. */
export const encodeTxnRequest = encodeWith(writeTxnRequest);
/** encodePutRequest writes a PutRequest. */
export const encodePutRequest = encodeWith(writePutRequest);
/** encodeDeleteRangeRequest writes a DeleteRangeRequest. */
export const encodeDeleteRangeRequest = encodeWith(writeDeleteRangeRequest);
/** encodeRangeResponse writes a RangeResponse (the gRPC serializer of KV.Range). */
export const encodeRangeResponse = encodeWith(writeRangeResponse);
/** encodePutResponse writes a PutResponse (the gRPC serializer of KV.Put). */
export const encodePutResponse = encodeWith(writePutResponse);
/** encodeDeleteRangeResponse writes a DeleteRangeResponse (the gRPC serializer of KV.DeleteRange). */
export const encodeDeleteRangeResponse = encodeWith(writeDeleteRangeResponse);
/** encodeTxnResponse writes a TxnResponse (the gRPC serializer of KV.Txn). */
export const encodeTxnResponse = encodeWith(writeTxnResponse);
/** encodeWatchResponse writes a WatchResponse (the gRPC serializer of Watch.Watch's responses). */
export const encodeWatchResponse = encodeWith(writeWatchResponse);

// ------------------------------------------------------------------------------------- service definition

const FAST: Record<string, { decode: (b: Buffer) => unknown; encode: (m: never) => Buffer }> = {
  Range: { decode: decodeRangeRequest, encode: encodeRangeResponse },
  Put: { decode: decodePutRequest, encode: encodePutResponse },
  DeleteRange: { decode: decodeDeleteRangeRequest, encode: encodeDeleteRangeResponse },
  Txn: { decode: decodeTxnRequest, encode: encodeTxnResponse },
};

/**
 * withFastKvCodec returns the KV service definition with the requests of Range, Put, DeleteRange and Txn read,
 * and their responses written, by this file's codecs. A request the readers leave undefined goes to the
 * definition's own protobufjs deserializer, which also throws the errors unary-interceptors.ts translates.
 */
export function withFastKvCodec(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...def } as Record<string, grpc.MethodDefinition<unknown, unknown>>;
  for (const [name, fast] of Object.entries(FAST)) {
    const m = out[name];
    if (m === undefined) continue;
    const slow = m.requestDeserialize;
    out[name] = {
      ...m,
      requestDeserialize: (b: Buffer) => fast.decode(b) ?? slow(b),
      responseSerialize: fast.encode as (m: unknown) => Buffer,
    };
  }
  return out as grpc.ServiceDefinition;
}

/**
 * withFastWatchCodec returns the Watch service definition with its responses written by this file's codec:
 * every applied write reaches each watch stream as one, and protobufjs's fromObject and encode of them (the
 * int64 strings through long.js) cost a busy member more than the rest of the stream's path.
 */
export function withFastWatchCodec(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const watch = def.Watch;
  if (watch === undefined) return def;
  return { ...def, Watch: { ...watch, responseSerialize: encodeWatchResponse as (m: unknown) => Buffer } } as grpc.ServiceDefinition;
}
