/**
 * The byte-level parts of gRPC over HTTP/2 that the unary transport (h2-unary.ts) and the store's unary fast
 * path (grpc/unary-fast-path.ts) need, as pure functions that never touch a socket: the length-prefixed
 * message framing, the grpc-timeout header, grpc-message's percent-encoding, and the status a response
 * without grpc-status stands for. Each follows the gRPC spec
 * (grpc/grpc doc/PROTOCOL-HTTP2.md and doc/http-grpc-status-mapping.md).
 */
import { status } from '@grpc/grpc-js';

/** MESSAGE_HEADER_BYTES is the compressed flag (1 byte) and the big-endian message length (4 bytes). */
export const MESSAGE_HEADER_BYTES = 5;

/** frameMessage prefixes an uncompressed message with its gRPC message header. */
export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(MESSAGE_HEADER_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, MESSAGE_HEADER_BYTES);
  return frame;
}

/** FramingError: the response body is not a sequence of well-formed uncompressed gRPC messages. */
export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

/**
 * MessageReader reassembles gRPC messages from the DATA chunks of a response, however the chunks cut them.
 * Each message is copied into a buffer of its own, as grpc-js does: decoded bytes fields are views of it, and
 * must not keep a whole socket read alive. There is no size limit (a Range over many keys can be large;
 * clientv3 raises its receive limit to MaxInt32 as well).
 */
export class MessageReader {
  /** pending are the chunks of an incomplete message; pendingBytes their total length. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** messages are the complete messages read so far. */
  readonly messages: Buffer[] = [];

  /** push takes the next chunk; it throws FramingError on a compressed message (none was asked for). */
  push(chunk: Buffer): void {
    let buf = chunk;
    // owned: buf is this reader's own concatenation, whose messages need no copy of their own.
    let owned = false;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.needed()) return;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      owned = true;
    }
    let off = 0;
    while (buf.length - off >= MESSAGE_HEADER_BYTES) {
      const flag = buf[off] as number;
      if (flag !== 0) throw new FramingError(flag === 1 ? 'received a compressed message, but no compression was negotiated' : `invalid message flags ${flag}`);
      const end = off + MESSAGE_HEADER_BYTES + buf.readUInt32BE(off + 1);
      if (end > buf.length) break;
      this.messages.push(owned ? buf.subarray(off + MESSAGE_HEADER_BYTES, end) : Buffer.from(buf.subarray(off + MESSAGE_HEADER_BYTES, end)));
      off = end;
    }
    if (off < buf.length) {
      this.pending = [buf.subarray(off)];
      this.pendingBytes = buf.length - off;
    }
  }

  /** partial is true when the bytes received end inside a message. */
  get partial(): boolean {
    return this.pendingBytes > 0;
  }

  /** needed is the length of the pending message with its header (just the header while that is incomplete). */
  private needed(): number {
    if (this.pendingBytes < MESSAGE_HEADER_BYTES) return MESSAGE_HEADER_BYTES;
    if ((this.pending[0] as Buffer).length < MESSAGE_HEADER_BYTES) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
    return MESSAGE_HEADER_BYTES + (this.pending[0] as Buffer).readUInt32BE(1);
  }
}

/** grpcTimeout formats a timeout for the grpc-timeout header: at most 8 digits and a unit, rounded up. */
export function grpcTimeout(ms: number): string {
  const t = Math.max(0, Math.ceil(ms));
  if (t < 1e8) return `${t}m`;
  const s = Math.ceil(t / 1000);
  if (s < 1e8) return `${s}S`;
  return `${Math.min(99_999_999, Math.ceil(s / 3600))}H`;
}

/**
 * decodeGrpcMessage undoes grpc-message's percent-encoding (%XX of the UTF-8 bytes). As the spec asks, a
 * malformed escape does not fail the call: it is kept as it is.
 */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length && isHex(value.charCodeAt(i + 1)) && isHex(value.charCodeAt(i + 2))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(value[i] as string, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * statusFromHttp is the gRPC status of a response that carries an HTTP status other than 200 and no
 * grpc-status (an intermediary or a server that is not gRPC answered), per http-grpc-status-mapping.md.
 */
export function statusFromHttp(httpStatus: number): status {
  switch (httpStatus) {
    case 400:
      return status.INTERNAL;
    case 401:
      return status.UNAUTHENTICATED;
    case 403:
      return status.PERMISSION_DENIED;
    case 404:
      return status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return status.UNAVAILABLE;
    default:
      return status.UNKNOWN;
  }
}

/** parseGrpcStatus reads a grpc-status value; anything but a decimal status code is UNKNOWN. */
export function parseGrpcStatus(value: unknown): status {
  const s = Array.isArray(value) ? value[0] : value;
  if (typeof s !== 'string' || !/^\d{1,2}$/.test(s)) return status.UNKNOWN;
  const code = Number(s);
  return code <= status.UNAUTHENTICATED ? (code as status) : status.UNKNOWN;
}
