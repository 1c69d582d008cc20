/**
 * proto-wire holds the protobuf wire primitives the hand-written codecs (fast-codec.ts, kv-codec.ts) share: a
 * Writer that appends fields to a reusable scratch buffer and back-patches the lengths of embedded messages, a
 * Reader that walks bytes and reports malformed input by returning false (never throwing), and the
 * conversions between varints and the decimal strings types.ts uses for 64-bit fields.
 *
 * 64-bit values never go through Long objects: a safe integer is written with plain arithmetic, anything else
 * through a bigint.
 */

const TWO_32 = 4294967296;

/** EMPTY is the zero-length Buffer decoders return for absent bytes fields (it cannot be written to). */
export const EMPTY = Buffer.alloc(0);

/** SCRATCH_BYTES is the scratch buffer's resting size; a bigger message grows it, and it shrinks back after. */
const SCRATCH_BYTES = 64 * 1024;

// A Writer encodes synchronously into this buffer and copies the result out, so one buffer serves every call.
let scratch: Buffer = Buffer.allocUnsafe(SCRATCH_BYTES);

/** varint32Size is the encoded size of an unsigned 32-bit varint. */
export function varint32Size(v: number): number {
  v >>>= 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/**
 * Writer appends protobuf fields. Embedded messages are written in place between fork() and join(), which
 * writes their length in front of them. finish() returns a copy of exactly the bytes written.
 */
export class Writer {
  buf: Buffer = scratch;
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** finish returns the message written, in a Buffer of its own. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    // Keep a moderately grown buffer for the next message; let a huge one go.
    scratch = this.buf.length <= 16 * SCRATCH_BYTES ? this.buf : Buffer.allocUnsafe(SCRATCH_BYTES);
    return out;
  }

  /** tag writes a field's tag: field number and wire type. */
  tag(field: number, wireType: number): void {
    this.varint32(field * 8 + wireType);
  }

  varint32(v: number): void {
    this.ensure(5);
    v >>>= 0;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  /** varintNumber writes a non-negative safe integer as a varint. */
  private varintNumber(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  /** varintBigInt writes a 64-bit value (two's complement when negative) as a varint. */
  private varintBigInt(v: bigint): void {
    this.ensure(10);
    let lo = Number(BigInt.asUintN(32, v));
    let hi = Number(BigInt.asUintN(32, v >> 32n));
    while (hi !== 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  /**
   * int64 writes an int64/uint64 given as types.ts does (a decimal string; a number is taken too) as a varint.
   * It returns false, writing nothing, for a value that is zero.
   */
  int64(v: string | number | bigint): boolean {
    if (typeof v === 'bigint') {
      if (v === 0n) return false;
      this.varintBigInt(v);
      return true;
    }
    const n = typeof v === 'number' ? v : v.length <= 15 ? Number(v) : NaN;
    if (n === 0) return false;
    if (n > 0 && Number.isSafeInteger(n)) this.varintNumber(n);
    else {
      const b = BigInt(v);
      if (b === 0n) return false;
      this.varintBigInt(b);
    }
    return true;
  }

  /** int64Field writes a varint field, left out when zero (proto3). */
  int64Field(field: number, v: string | number | bigint): void {
    const at = this.pos;
    this.tag(field, 0);
    if (!this.int64(v)) this.pos = at;
  }

  /** int64Member writes a varint member of a oneof: present even when zero. */
  int64Member(field: number, v: string | number | bigint): void {
    this.tag(field, 0);
    if (!this.int64(v)) this.byte(0);
  }

  /** boolField writes a bool field, left out when false. */
  boolField(field: number, v: boolean): void {
    if (!v) return;
    this.tag(field, 0);
    this.byte(1);
  }

  /** enumField writes an enum field by value number, left out when zero. */
  enumField(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, 0);
    this.varint32(v);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** bytesMember writes a length-delimited field even when empty. */
  bytesMember(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** bytesField writes a length-delimited field, left out when empty. */
  bytesField(field: number, b: Uint8Array): void {
    if (b.length > 0) this.bytesMember(field, b);
  }

  /** fork writes the tag of an embedded message and reserves its length; join(fork()) completes it. */
  fork(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    return this.pos++;
  }

  /** join writes the length of the embedded message started at `at` (by fork) in front of it. */
  join(at: number): void {
    const len = this.pos - at - 1;
    const n = varint32Size(len);
    if (n > 1) {
      this.ensure(n - 1);
      this.buf.copyWithin(at + n, at + 1, this.pos);
      this.pos += n - 1;
    }
    let p = at;
    let v = len;
    while (v >= 0x80) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
  }
}

/** Reader walks a Buffer; a malformed message makes it report failure, never throw. */
export class Reader {
  pos: number;
  lo = 0;
  hi = 0;

  constructor(
    readonly buf: Buffer,
    start: number,
    public end: number,
  ) {
    this.pos = start;
  }

  /** varint reads a varint into lo/hi; false if it runs past end or is longer than 10 bytes. */
  varint(): boolean {
    const buf = this.buf;
    let pos = this.pos;
    // Varints of up to four bytes (values below 2^28: tags, lengths, revisions, terms, indexes) without the
    // general loop; the bound check covers all four bytes at once.
    if (pos + 4 <= this.end) {
      let b = buf[pos++]!;
      let v = b & 0x7f;
      if (b < 0x80) return this.done(pos, v);
      b = buf[pos++]!;
      v |= (b & 0x7f) << 7;
      if (b < 0x80) return this.done(pos, v);
      b = buf[pos++]!;
      v |= (b & 0x7f) << 14;
      if (b < 0x80) return this.done(pos, v);
      b = buf[pos++]!;
      v |= (b & 0x7f) << 21;
      if (b < 0x80) return this.done(pos, v);
    }
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) return false;
      const b = buf[this.pos++]!;
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

  private done(pos: number, v: number): true {
    this.pos = pos;
    this.lo = v;
    this.hi = 0;
    return true;
  }

  /**
   * varint32 reads a varint that protobufjs reads as 32 bits (tags, lengths, enums, bools: its uint32()), into
   * lo/hi; false beyond five bytes, where protobufjs skips to a tenth byte whatever the varint's real length —
   * such non-canonical bytes are left to it.
   */
  varint32(): boolean {
    const start = this.pos;
    return this.varint() && this.pos - start <= 5;
  }

  /** tag reads a field tag into lo; false if malformed, beyond 32 bits or longer than five bytes. */
  tag(): boolean {
    return this.varint32() && this.hi === 0;
  }

  /** length reads a length prefix and checks that many bytes follow; -1 if not. */
  length(): number {
    if (!this.varint32() || this.hi !== 0 || this.lo > this.end - this.pos) return -1;
    return this.lo;
  }

  /** bytes reads a length-delimited field as a view into the buffer (as protobufjs does); undefined if malformed. */
  bytes(): Buffer | undefined {
    const n = this.length();
    if (n < 0) return undefined;
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** bool reads a bool; -1 for a value protobufjs and Go would read differently (beyond 32 bits) or malformed. */
  bool(): -1 | 0 | 1 {
    if (!this.varint32() || this.hi !== 0) return -1;
    return this.lo !== 0 ? 1 : 0;
  }

  /** int64 reads an int64 varint as a decimal string; undefined if malformed. */
  int64(): string | undefined {
    return this.varint() ? signedString(this.lo, this.hi) : undefined;
  }

  /** uint64 reads a uint64 varint as a decimal string; undefined if malformed. */
  uint64(): string | undefined {
    return this.varint() ? unsignedString(this.lo, this.hi) : undefined;
  }
}

/** unsignedString is the decimal form of the uint64 with 32-bit halves lo and hi. */
export function unsignedString(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** signedString is the decimal form of the int64 (two's complement) with 32-bit halves lo and hi. */
export function signedString(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}
