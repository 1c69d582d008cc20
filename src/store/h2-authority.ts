import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { createRequire } from 'node:module';

/**
 * Go gRPC clients that dial an endpoint given as a URL (etcdctl's `endpoint status`, `defrag`,
 * `move-leader`… dial `passthrough:///http://host:port`) send `:authority: http://host:port`. Go's HTTP/2
 * server accepts that; Node's (nghttp2) rejects the stream with PROTOCOL_ERROR, because '/' is not an
 * authority character. etcd serves such clients, so capstan must: this stream sits between the socket and
 * the HTTP/2 server and rewrites, in the client's HEADERS blocks, any `:authority` literal with characters
 * nghttp2 refuses, replacing each such byte with '-'. The value keeps its length, so the HPACK dynamic
 * tables of client and server stay in step; everything else passes through untouched. Only connections
 * whose first request needs it get this stream (h2-sniffer.ts decides): it costs every request of the
 * connection CPU, which the native socket does not.
 */

interface HpackDecoder {
  push(b: Buffer): void;
  decodeStr(): Buffer | number[];
}
const require = createRequire(import.meta.url);
const hpack = require('hpack.js') as { decoder: { create(): HpackDecoder } };

const PREFACE_LEN = 24;
const FRAME_HEADERS = 0x1;
const FRAME_SETTINGS = 0x4;
const FRAME_CONTINUATION = 0x9;
const FLAG_ACK = 0x1;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
const MAX_FRAME = 16384;
const AUTHORITY = Buffer.from(':authority');

/** isAuthorityByte is nghttp2's accepted set: unreserved, sub-delims, ':', '@', '[', ']', '%'. */
function isAuthorityByte(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    '-._~!$&\'()*+,;=:@[]%'.includes(String.fromCharCode(c))
  );
}

function decodeInt(b: Buffer, off: number, prefixBits: number): { value: number; next: number } {
  const max = (1 << prefixBits) - 1;
  let value = b[off]! & max;
  off++;
  if (value < max) return { value, next: off };
  let m = 0;
  for (;;) {
    const octet = b[off++]!;
    value += (octet & 0x7f) * 2 ** m;
    m += 7;
    if ((octet & 0x80) === 0) break;
    if (off > b.length) throw new Error('hpack: truncated integer');
  }
  return { value, next: off };
}

function encodeInt(first: number, prefixBits: number, value: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Buffer.from(out);
}

/** readString returns the decoded bytes of an HPACK string literal at off and where it ends. */
function readString(b: Buffer, off: number): { bytes: Buffer; next: number } {
  const huffman = (b[off]! & 0x80) !== 0;
  const { value: len, next } = decodeInt(b, off, 7);
  const end = next + len;
  if (end > b.length) throw new Error('hpack: truncated string');
  if (!huffman) return { bytes: b.subarray(next, end), next: end };
  const d = hpack.decoder.create();
  d.push(b.subarray(off, end));
  const s = d.decodeStr();
  return { bytes: Buffer.isBuffer(s) ? s : Buffer.from(s), next: end };
}

/**
 * rewriteBlock returns the header block with offending :authority values fixed, or undefined if none. A block
 * with nothing to fix (nearly every one) is only scanned: the copy starts at the first offending field.
 */
export function rewriteHeaderBlock(block: Buffer): Buffer | undefined {
  let parts: Buffer[] | undefined;
  /** copied is where the part of block not yet in parts begins (once parts exists). */
  let copied = 0;
  let off = 0;
  while (off < block.length) {
    const first = block[off]!;
    if (first & 0x80) {
      off = decodeInt(block, off, 7).next; // indexed field
      continue;
    }
    if ((first & 0xe0) === 0x20) {
      off = decodeInt(block, off, 5).next; // dynamic table size update
      continue;
    }
    const start = off;
    const prefix = (first & 0xc0) === 0x40 ? 6 : 4;
    const { value: nameIndex, next } = decodeInt(block, off, prefix);
    off = next;
    let isAuthority = nameIndex === 1;
    if (nameIndex === 0) {
      const name = readString(block, off);
      isAuthority = name.bytes.equals(AUTHORITY);
      off = name.next;
    }
    const valueStart = off;
    const value = readString(block, off);
    off = value.next;
    if (isAuthority && value.bytes.some((c) => !isAuthorityByte(c))) {
      const fixed = Buffer.from(value.bytes.map((c) => (isAuthorityByte(c) ? c : 0x2d)));
      parts ??= [];
      parts.push(block.subarray(copied, start), block.subarray(start, valueStart), encodeInt(0, 7, fixed.length), fixed);
      copied = off;
    }
  }
  if (parts === undefined) return undefined;
  parts.push(block.subarray(copied));
  return Buffer.concat(parts);
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const h = Buffer.allocUnsafe(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

/**
 * AuthorityFixingStream is the Duplex handed to the HTTP/2 server in place of the socket: writes go to the
 * socket; reads are the socket's bytes with HEADERS blocks rewritten as described above.
 */
export class AuthorityFixingStream extends Duplex {
  private buf: Buffer = Buffer.alloc(0);
  private prefaceLeft = PREFACE_LEN;
  /** passLeft is how many payload bytes of the current non-HEADERS frame still pass through as they are. */
  private passLeft = 0;
  private pendingHeaders: { streamId: number; flags: number; fragments: Buffer[]; raw: Buffer[] } | undefined;

  /** dropSettingsAck drops the client's first SETTINGS acknowledgement (of the sniffer's settings, h2-sniffer.ts). */
  private dropSettingsAck: boolean;

  constructor(
    private readonly socket: Socket,
    options: { dropSettingsAck?: boolean } = {},
  ) {
    super({ allowHalfOpen: false });
    this.dropSettingsAck = options.dropSettingsAck ?? false;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
  }

  private onData(chunk: Buffer): void {
    const out: Buffer[] = [];
    let b = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = Buffer.alloc(0);
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, b.length);
      out.push(b.subarray(0, n));
      this.prefaceLeft -= n;
      b = b.subarray(n);
    }
    while (b.length > 0) {
      if (this.passLeft > 0) {
        const n = Math.min(this.passLeft, b.length);
        out.push(b.subarray(0, n));
        this.passLeft -= n;
        b = b.subarray(n);
        continue;
      }
      if (b.length < 9) break;
      const len = b.readUIntBE(0, 3);
      const type = b[3]!;
      if (this.dropSettingsAck && type === FRAME_SETTINGS && (b[4]! & FLAG_ACK) !== 0) {
        if (b.length < 9 + len) break;
        this.dropSettingsAck = false;
        b = b.subarray(9 + len);
        continue;
      }
      if (type !== FRAME_HEADERS && type !== FRAME_CONTINUATION) {
        out.push(b.subarray(0, 9));
        this.passLeft = len;
        b = b.subarray(9);
        continue;
      }
      if (b.length < 9 + len) break;
      const flags = b[4]!;
      const streamId = b.readUInt32BE(5) & 0x7fffffff;
      const raw = b.subarray(0, 9 + len);
      let payload = b.subarray(9, 9 + len);
      b = b.subarray(9 + len);
      if (type === FRAME_HEADERS) {
        let pad = 0;
        if (flags & FLAG_PADDED) {
          pad = payload[0]!;
          payload = payload.subarray(1);
        }
        const priority = flags & FLAG_PRIORITY ? payload.subarray(0, 5) : Buffer.alloc(0);
        if (flags & FLAG_PRIORITY) payload = payload.subarray(5);
        payload = payload.subarray(0, payload.length - pad);
        this.pendingHeaders = { streamId, flags: flags & (FLAG_PRIORITY | FLAG_END_STREAM), fragments: [priority, payload], raw: [raw] };
      } else if (this.pendingHeaders !== undefined) {
        this.pendingHeaders.fragments.push(payload);
        this.pendingHeaders.raw.push(raw);
      } else {
        out.push(raw);
        continue;
      }
      if ((flags & FLAG_END_HEADERS) === 0) continue;
      const h = this.pendingHeaders!;
      this.pendingHeaders = undefined;
      const priority = h.fragments[0]!;
      const block = h.fragments.length === 2 ? h.fragments[1]! : Buffer.concat(h.fragments.slice(1));
      let fixed: Buffer | undefined;
      try {
        fixed = rewriteHeaderBlock(block);
      } catch {
        fixed = undefined; // not ours to judge: let the HTTP/2 server reject it
      }
      if (fixed === undefined) {
        out.push(...h.raw);
        continue;
      }
      const body = Buffer.concat([priority, fixed]);
      for (let i = 0; i < body.length || i === 0; i += MAX_FRAME) {
        const part = body.subarray(i, i + MAX_FRAME);
        const last = i + MAX_FRAME >= body.length;
        out.push(frame(i === 0 ? FRAME_HEADERS : FRAME_CONTINUATION, (i === 0 ? h.flags : 0) | (last ? FLAG_END_HEADERS : 0), h.streamId, part));
        if (last) break;
      }
    }
    this.buf = b.length > 0 ? Buffer.from(b) : this.buf;
    if (out.length > 0) this.push(out.length === 1 ? out[0] : Buffer.concat(out));
  }

  override _read(): void {
    // The socket pushes as data arrives (flow control is HTTP/2's own).
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, cb);
  }

  /**
   * _writev hands the socket everything the HTTP/2 session wrote in one go (it corks around each flush) as one
   * corked write, so a response's HEADERS, DATA and trailers leave in one system call rather than one each.
   */
  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.socket.cork();
    for (let i = 0; i < chunks.length - 1; i++) this.socket.write(chunks[i]!.chunk);
    this.socket.write(chunks[chunks.length - 1]!.chunk, cb);
    this.socket.uncork();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}
