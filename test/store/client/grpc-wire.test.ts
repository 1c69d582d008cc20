/**
 * The gRPC wire pieces of the unary transport, without a socket: message framing and its reassembly across
 * any cut of the DATA chunks, grpc-timeout, grpc-message's percent-encoding, and the HTTP → gRPC status map.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { decodeGrpcMessage, FramingError, frameMessage, grpcTimeout, MessageReader, parseGrpcStatus, statusFromHttp } from '../../../src/store/client/grpc-wire.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('frameMessage and MessageReader', () => {
  it('frames a message with flag 0 and its big-endian length', () => {
    expect([...frameMessage(Buffer.from('abc'))]).toEqual([0, 0, 0, 0, 3, 0x61, 0x62, 0x63]);
    expect([...frameMessage(Buffer.alloc(0))]).toEqual([0, 0, 0, 0, 0]);
  });

  it('reassembles messages however the chunks cut them: at every byte, and everything at once', () => {
    const messages = [Buffer.from('first message'), Buffer.alloc(0), Buffer.alloc(70_000, 7)];
    const body = Buffer.concat(messages.map(frameMessage));
    for (const size of [1, 2, 3, 4, 5, 6, 13, 1000, 16_384, body.length]) {
      const reader = new MessageReader();
      for (let off = 0; off < body.length; off += size) reader.push(body.subarray(off, off + size));
      expect(reader.partial, `chunks of ${size}`).toBe(false);
      expect(reader.messages.map(hex), `chunks of ${size}`).toEqual(messages.map(hex));
    }
  });

  it('every cut of a small body into two chunks gives the same message', () => {
    const body = frameMessage(Buffer.from('0123456789'));
    for (let cut = 0; cut <= body.length; cut++) {
      const reader = new MessageReader();
      reader.push(body.subarray(0, cut));
      reader.push(body.subarray(cut));
      expect(reader.messages.map(String), `cut at ${cut}`).toEqual(['0123456789']);
    }
  });

  it('copies a message out of the chunk it arrived in', () => {
    const chunk = frameMessage(Buffer.from('hello'));
    const reader = new MessageReader();
    reader.push(chunk);
    chunk.fill(0);
    expect(String(reader.messages[0])).toBe('hello');
  });

  it('reports a truncated message as partial', () => {
    const reader = new MessageReader();
    reader.push(frameMessage(Buffer.from('hello')).subarray(0, 7));
    expect(reader.partial).toBe(true);
    expect(reader.messages).toEqual([]);
  });

  it('refuses a compressed message and unknown flags', () => {
    const compressed = frameMessage(Buffer.from('x'));
    compressed[0] = 1;
    expect(() => new MessageReader().push(compressed)).toThrow(FramingError);
    expect(() => new MessageReader().push(compressed)).toThrow(/compressed/);
    compressed[0] = 2;
    expect(() => new MessageReader().push(compressed)).toThrow(/invalid message flags 2/);
  });
});

describe('grpcTimeout', () => {
  it('is milliseconds rounded up while they fit in 8 digits, then seconds, then hours', () => {
    expect(grpcTimeout(0)).toBe('0m');
    expect(grpcTimeout(-5)).toBe('0m');
    expect(grpcTimeout(1.2)).toBe('2m');
    expect(grpcTimeout(10_000)).toBe('10000m');
    expect(grpcTimeout(99_999_999)).toBe('99999999m');
    expect(grpcTimeout(100_000_000)).toBe('100000S');
    expect(grpcTimeout(1e12)).toBe('277778H');
  });
});

describe('decodeGrpcMessage', () => {
  it('decodes percent-encoded UTF-8 and keeps malformed escapes as they are', () => {
    expect(decodeGrpcMessage('etcdserver: no leader')).toBe('etcdserver: no leader');
    expect(decodeGrpcMessage('a%20b%25c')).toBe('a b%c');
    expect(decodeGrpcMessage('caf%C3%A9 %E2%9C%93')).toBe('café ✓');
    expect(decodeGrpcMessage('100% sure %zz %4')).toBe('100% sure %zz %4');
    expect(decodeGrpcMessage('déjà %41')).toBe('déjà A');
  });
});

describe('statusFromHttp and parseGrpcStatus', () => {
  it("maps HTTP statuses as gRPC's http-grpc-status-mapping does", () => {
    expect([400, 401, 403, 404, 429, 502, 503, 504, 500, 302].map(statusFromHttp)).toEqual([
      status.INTERNAL,
      status.UNAUTHENTICATED,
      status.PERMISSION_DENIED,
      status.UNIMPLEMENTED,
      status.UNAVAILABLE,
      status.UNAVAILABLE,
      status.UNAVAILABLE,
      status.UNAVAILABLE,
      status.UNKNOWN,
      status.UNKNOWN,
    ]);
  });

  it('reads grpc-status codes 0..16; anything else is UNKNOWN', () => {
    expect(parseGrpcStatus('0')).toBe(status.OK);
    expect(parseGrpcStatus('14')).toBe(status.UNAVAILABLE);
    expect(parseGrpcStatus('16')).toBe(status.UNAUTHENTICATED);
    expect(parseGrpcStatus('17')).toBe(status.UNKNOWN);
    expect(parseGrpcStatus('x')).toBe(status.UNKNOWN);
    expect(parseGrpcStatus(undefined)).toBe(status.UNKNOWN);
    expect(parseGrpcStatus(['5'])).toBe(status.NOT_FOUND);
  });
});
