/**
 * fast-codec writes and reads, by hand, the protobuf messages every write goes through on every member: the
 * Raft entry of a KV request (capstanpb.InternalRaftRequest with a header and a Range, Put, DeleteRange or
 * Txn; the requests themselves are kv-codec.ts's) and the mvccpb.KeyValue MVCC stores under each revision.
 * protobufjs converts every 64-bit field through Long objects and decimal strings, which is most of what these
 * small messages cost; here 64-bit values go straight between varints and the decimal strings of types.ts.
 *
 * The bytes are ordinary protobuf (any decoder reads them, and entries written by protobufjs before read back
 * the same), and what the decoder returns is exactly what proto.ts's protobufjs conversion returns for the
 * same bytes. An entry outside the shape handled here makes the decoder return undefined, and the caller falls
 * back to protobufjs.
 */
import type { KeyValue as MvccKeyValue } from '../mvcc/types.js';
import {
  readDeleteRangeRequest,
  readPutRequest,
  readRangeRequest,
  readTxnRequest,
  writeDeleteRangeRequest,
  writeKeyValueFields,
  writePutRequest,
  writeRangeRequest,
  writeTxnRequest,
} from './kv-codec.js';
import { Reader, Writer } from './proto-wire.js';
import type { InternalRaftRequest } from './types.js';

/** InternalRaftRequest.header is field 100. */
const FIELD_HEADER = 100;
/** The fields of the InternalRaftRequest oneof handled here. */
const FIELD_RANGE = 3;
const FIELD_PUT = 4;
const FIELD_DELETE_RANGE = 5;
const FIELD_TXN = 6;

/**
 * encodeMvccKeyValue writes an mvccpb.KeyValue as MVCC stores it under its revision: byte for byte what
 * protobufjs writes (fields in number order, zero values left out), without building a message object. Every
 * put and every key a DeleteRange tombstones goes through it on every member.
 */
export function encodeMvccKeyValue(kv: MvccKeyValue): Buffer {
  const w = new Writer();
  writeKeyValueFields(w, kv);
  return w.finish();
}

/**
 * encodeKvEntry writes the Raft entry of a Range, Put, DeleteRange or Txn that has a header: the request (its
 * oneof member, present even when empty) and then the header, in field-number order as protobufjs does.
 * Anything else gives undefined, for protobufjs to write.
 */
export function encodeKvEntry(req: InternalRaftRequest): Buffer | undefined {
  if (req.header === null) return undefined;
  const w = new Writer();
  let at: number;
  switch (req.request) {
    case 'range':
      at = w.fork(FIELD_RANGE);
      writeRangeRequest(w, req.range);
      break;
    case 'put':
      at = w.fork(FIELD_PUT);
      writePutRequest(w, req.put);
      break;
    case 'deleteRange':
      at = w.fork(FIELD_DELETE_RANGE);
      writeDeleteRangeRequest(w, req.deleteRange);
      break;
    case 'txn':
      at = w.fork(FIELD_TXN);
      writeTxnRequest(w, req.txn);
      break;
    default:
      return undefined;
  }
  w.join(at);
  at = w.fork(FIELD_HEADER);
  w.int64Field(1, req.header.id);
  w.join(at);
  return w.finish();
}

/**
 * decodeKvEntry reads a Raft entry holding exactly a header and one Range, Put, DeleteRange or Txn, in the
 * shape decodeInternalRequest returns; anything else (another request, unknown fields, a member set twice)
 * gives undefined.
 */
export function decodeKvEntry(buf: Buffer): InternalRaftRequest | undefined {
  const r = new Reader(buf, 0, buf.length);
  let id: string | undefined;
  let out: InternalRaftRequest | undefined;
  while (r.pos < buf.length) {
    if (!r.tag()) return undefined;
    const field = r.lo >>> 3;
    if ((r.lo & 7) !== 2) return undefined;
    const n = r.length();
    if (n < 0) return undefined;
    const end = r.pos + n;
    if (field === FIELD_HEADER) {
      if (id !== undefined) return undefined;
      id = '0';
      while (r.pos < end) {
        if (!r.tag() || r.lo !== 1 << 3) return undefined;
        const v = r.uint64();
        if (v === undefined) return undefined;
        id = v;
      }
      if (r.pos !== end) return undefined;
      continue;
    }
    if (out !== undefined) return undefined;
    switch (field) {
      case FIELD_RANGE: {
        const range = readRangeRequest(r, end);
        if (range === undefined) return undefined;
        out = { header: null, range, request: 'range' };
        break;
      }
      case FIELD_PUT: {
        const put = readPutRequest(r, end);
        if (put === undefined) return undefined;
        out = { header: null, put, request: 'put' };
        break;
      }
      case FIELD_DELETE_RANGE: {
        const deleteRange = readDeleteRangeRequest(r, end);
        if (deleteRange === undefined) return undefined;
        out = { header: null, deleteRange, request: 'deleteRange' };
        break;
      }
      case FIELD_TXN: {
        const txn = readTxnRequest(r, end);
        if (txn === undefined) return undefined;
        out = { header: null, txn, request: 'txn' };
        break;
      }
      default:
        return undefined;
    }
  }
  if (out === undefined || id === undefined) return undefined;
  out.header = { id };
  return out;
}
