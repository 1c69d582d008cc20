/**
 * fast-codec writes and reads, by hand, the protobuf messages every Put goes through: the Raft entry of a Put
 * (capstanpb.InternalRaftRequest with a header and a PutRequest) and the PutResponse. protobufjs converts every
 * 64-bit field through Long objects and decimal strings, which is most of what these small messages cost; here
 * 64-bit values go straight between varints and the decimal strings of types.ts.
 *
 * The bytes are ordinary protobuf (any decoder reads them), and what the decoders return is exactly what
 * proto.ts's protobufjs conversion returns for the same bytes. A message outside the narrow shape handled here
 * makes the decoder return undefined, and the caller falls back to protobufjs.
 */
import type * as grpc from '@grpc/grpc-js';
import type { KeyValue as MvccKeyValue } from '../mvcc/types.js';
import type { InternalRaftRequest, KeyValue, PutRequest, PutResponse, ResponseHeader } from './types.js';

const TWO_32 = 4294967296;
const EMPTY = Buffer.alloc(0);

/** Field tags (field number << 3 | wire type) of the messages handled here. */
const TAG_PUT = (4 << 3) | 2;
/** InternalRaftRequest.header is field 100: its tag is the two-byte varint a2 06. */
const TAG_HEADER_0 = 0xa2;
const TAG_HEADER_1 = 0x06;

// ------------------------------------------------------------------------------------------------ writing

/** Int64Parts is a 64-bit value as two 32-bit halves (two's complement for negative values). */
interface Int64Parts {
  lo: number;
  hi: number;
}

/** int64Parts splits a decimal int64/uint64 string into halves; "0" and "" are zero. */
function int64Parts(s: string): Int64Parts {
  if (s.length <= 15) {
    const n = Number(s);
    if (Number.isSafeInteger(n)) return safeIntParts(n);
  }
  return bigintParts(BigInt(s));
}

/** safeIntParts splits a safe integer into halves (two's complement when negative). */
function safeIntParts(n: number): Int64Parts {
  if (n >= 0) return { lo: n % TWO_32 >>> 0, hi: Math.floor(n / TWO_32) >>> 0 };
  const m = -n;
  let lo = ~(m % TWO_32 >>> 0) >>> 0;
  let hi = ~Math.floor(m / TWO_32) >>> 0;
  lo = (lo + 1) >>> 0;
  if (lo === 0) hi = (hi + 1) >>> 0;
  return { lo, hi };
}

/** bigintParts splits an int64/uint64 bigint into halves. */
function bigintParts(v: bigint): Int64Parts {
  if (v === 0n) return { lo: 0, hi: 0 };
  const b = BigInt.asUintN(64, v);
  return { lo: Number(b & 0xffffffffn), hi: Number(b >> 32n) };
}

function varint64Size(p: Int64Parts): number {
  if (p.hi === 0) return varint32Size(p.lo);
  // 32 bits of lo plus the bit length of hi, 7 bits per byte.
  return Math.ceil((64 - Math.clz32(p.hi)) / 7);
}

function varint32Size(v: number): number {
  v >>>= 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Writer fills a Buffer of a size computed beforehand. */
class Writer {
  readonly buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  varint32(v: number): void {
    v >>>= 0;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  varint64(p: Int64Parts): void {
    let lo = p.lo >>> 0;
    let hi = p.hi >>> 0;
    while (hi !== 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  bytes(b: Uint8Array): void {
    this.varint32(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** bytesField writes a length-delimited field (number < 16), left out when empty. */
  bytesField(field: number, b: Uint8Array): void {
    if (b.length === 0) return;
    this.byte((field << 3) | 2);
    this.bytes(b);
  }

  /** int64Field writes a varint field (number < 16), left out when zero. */
  int64Field(field: number, p: Int64Parts): void {
    if (isZero(p)) return;
    this.byte(field << 3);
    this.varint64(p);
  }
}

function isZero(p: Int64Parts): boolean {
  return p.lo === 0 && p.hi === 0;
}

/** bytesField and int64Field are the encoded sizes of a field (tag of one byte), 0 when it is left out. */
function bytesField(b: Uint8Array): number {
  return b.length === 0 ? 0 : 1 + varint32Size(b.length) + b.length;
}

function int64Field(p: Int64Parts): number {
  return isZero(p) ? 0 : 1 + varint64Size(p);
}

/**
 * encodePutEntry writes the Raft entry of a Put: InternalRaftRequest{header{id}, put}. Fields at their zero
 * value are left out (proto3).
 */
export function encodePutEntry(id: string, put: PutRequest): Buffer {
  const idp = int64Parts(id);
  const lease = int64Parts(put.lease);
  const headerLen = int64Field(idp);
  const putLen =
    bytesField(put.key) + bytesField(put.value) + int64Field(lease) + (put.prevKv ? 2 : 0) + (put.ignoreValue ? 2 : 0) + (put.ignoreLease ? 2 : 0);
  const w = new Writer(1 + varint32Size(putLen) + putLen + 2 + varint32Size(headerLen) + headerLen);
  w.byte(TAG_PUT);
  w.varint32(putLen);
  if (put.key.length > 0) {
    w.byte((1 << 3) | 2);
    w.bytes(put.key);
  }
  if (put.value.length > 0) {
    w.byte((2 << 3) | 2);
    w.bytes(put.value);
  }
  if (!isZero(lease)) {
    w.byte(3 << 3);
    w.varint64(lease);
  }
  if (put.prevKv) w.byte(4 << 3), w.byte(1);
  if (put.ignoreValue) w.byte(5 << 3), w.byte(1);
  if (put.ignoreLease) w.byte(6 << 3), w.byte(1);
  w.byte(TAG_HEADER_0);
  w.byte(TAG_HEADER_1);
  w.varint32(headerLen);
  if (!isZero(idp)) {
    w.byte(1 << 3);
    w.varint64(idp);
  }
  return w.buf;
}

function headerParts(h: ResponseHeader): Int64Parts[] {
  return [int64Parts(h.clusterId), int64Parts(h.memberId), int64Parts(h.revision), int64Parts(h.raftTerm)];
}

function headerLen(parts: Int64Parts[]): number {
  let n = 0;
  for (const p of parts) n += int64Field(p);
  return n;
}

function kvParts(kv: KeyValue): Int64Parts[] {
  return [int64Parts(kv.createRevision), int64Parts(kv.modRevision), int64Parts(kv.version), int64Parts(kv.lease)];
}

function kvLen(kv: KeyValue, parts: Int64Parts[]): number {
  return bytesField(kv.key) + int64Field(parts[0]!) + int64Field(parts[1]!) + int64Field(parts[2]!) + bytesField(kv.value) + int64Field(parts[3]!);
}

/**
 * encodeMvccKeyValue writes an mvccpb.KeyValue as MVCC stores it under its revision: byte for byte what
 * protobufjs writes (fields in number order, zero values left out), without building a message object. Every
 * put and every key a DeleteRange tombstones goes through it on every member.
 */
export function encodeMvccKeyValue(kv: MvccKeyValue): Buffer {
  const c = safeIntParts(kv.createRevision);
  const m = safeIntParts(kv.modRevision);
  const v = safeIntParts(kv.version);
  const l = bigintParts(kv.lease);
  const w = new Writer(bytesField(kv.key) + int64Field(c) + int64Field(m) + int64Field(v) + bytesField(kv.value) + int64Field(l));
  w.bytesField(1, kv.key);
  w.int64Field(2, c);
  w.int64Field(3, m);
  w.int64Field(4, v);
  w.bytesField(5, kv.value);
  w.int64Field(6, l);
  return w.buf;
}

/** encodePutResponse writes an etcdserverpb.PutResponse (the gRPC serializer of KV.Put). */
export function encodePutResponse(resp: PutResponse): Buffer {
  const h = resp.header === null || resp.header === undefined ? undefined : headerParts(resp.header);
  const hLen = h === undefined ? 0 : headerLen(h);
  const kv = resp.prevKv ?? undefined;
  const kp = kv === undefined ? undefined : kvParts(kv);
  const kLen = kv === undefined ? 0 : kvLen(kv, kp!);
  const size = (h === undefined ? 0 : 1 + varint32Size(hLen) + hLen) + (kv === undefined ? 0 : 1 + varint32Size(kLen) + kLen);
  const w = new Writer(size);
  if (h !== undefined) {
    w.byte((1 << 3) | 2);
    w.varint32(hLen);
    for (let i = 0; i < 4; i++) {
      if (isZero(h[i]!)) continue;
      w.byte((i + 1) << 3);
      w.varint64(h[i]!);
    }
  }
  if (kv !== undefined) {
    w.byte((2 << 3) | 2);
    w.varint32(kLen);
    if (kv.key.length > 0) {
      w.byte((1 << 3) | 2);
      w.bytes(kv.key);
    }
    for (let i = 0; i < 3; i++) {
      if (isZero(kp![i]!)) continue;
      w.byte((i + 2) << 3);
      w.varint64(kp![i]!);
    }
    if (kv.value.length > 0) {
      w.byte((5 << 3) | 2);
      w.bytes(kv.value);
    }
    if (!isZero(kp![3]!)) {
      w.byte(6 << 3);
      w.varint64(kp![3]!);
    }
  }
  return w.buf;
}

// ------------------------------------------------------------------------------------------------ reading

/** Reader walks a Buffer; a malformed or unexpected message makes it report failure, never throw. */
class Reader {
  pos: number;
  lo = 0;
  hi = 0;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** varint reads a varint into lo/hi; false if it runs past end or is longer than 10 bytes. */
  varint(): boolean {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) return false;
      const b = this.buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if ((b & 0x80) === 0) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return true;
      }
      shift += 7;
    }
    return false;
  }

  /** length reads a length prefix and checks that many bytes follow. */
  length(): number {
    if (!this.varint() || this.hi !== 0 || this.lo > this.end - this.pos) return -1;
    return this.lo;
  }
}

function unsignedString(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function signedString(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function readPut(buf: Buffer, start: number, end: number): PutRequest | undefined {
  const r = new Reader(buf, start, end);
  const put: PutRequest = { key: EMPTY, value: EMPTY, lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false };
  while (r.pos < end) {
    if (!r.varint() || r.hi !== 0) return undefined;
    const tag = r.lo;
    switch (tag) {
      case (1 << 3) | 2:
      case (2 << 3) | 2: {
        const n = r.length();
        if (n < 0) return undefined;
        const b = buf.subarray(r.pos, r.pos + n);
        r.pos += n;
        if (tag === ((1 << 3) | 2)) put.key = b;
        else put.value = b;
        break;
      }
      case 3 << 3:
        if (!r.varint()) return undefined;
        put.lease = signedString(r.lo, r.hi);
        break;
      case 4 << 3:
      case 5 << 3:
      case 6 << 3: {
        if (!r.varint()) return undefined;
        const v = r.lo !== 0 || r.hi !== 0;
        if (tag === 4 << 3) put.prevKv = v;
        else if (tag === 5 << 3) put.ignoreValue = v;
        else put.ignoreLease = v;
        break;
      }
      default:
        return undefined;
    }
  }
  return put;
}

/**
 * decodePutEntry reads a Raft entry holding exactly a header and a Put, in the shape decodeInternalRequest
 * returns; anything else (another request, unknown fields) gives undefined.
 */
export function decodePutEntry(buf: Buffer): InternalRaftRequest | undefined {
  const r = new Reader(buf, 0, buf.length);
  let id: string | undefined;
  let put: PutRequest | undefined;
  while (r.pos < buf.length) {
    if (!r.varint() || r.hi !== 0) return undefined;
    if (r.lo === TAG_PUT && put === undefined) {
      const n = r.length();
      if (n < 0) return undefined;
      put = readPut(buf, r.pos, r.pos + n);
      if (put === undefined) return undefined;
      r.pos += n;
    } else if (r.lo === ((100 << 3) | 2) && id === undefined) {
      const n = r.length();
      if (n < 0) return undefined;
      const end = r.pos + n;
      id = '0';
      while (r.pos < end) {
        if (!r.varint() || r.hi !== 0 || r.lo !== 1 << 3 || !r.varint() || r.pos > end) return undefined;
        id = unsignedString(r.lo, r.hi);
      }
    } else {
      return undefined;
    }
  }
  if (put === undefined || id === undefined) return undefined;
  return { header: { id }, put, request: 'put' } as InternalRaftRequest;
}

/** withFastPutResponse returns the KV service definition with KV.Put's responses written by encodePutResponse. */
export function withFastPutResponse(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const put = def['Put'] as grpc.MethodDefinition<unknown, PutResponse> | undefined;
  if (put === undefined) return def;
  return { ...def, Put: { ...put, responseSerialize: encodePutResponse } };
}
