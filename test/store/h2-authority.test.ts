import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthorityFixingStream, rewriteHeaderBlock } from '../../src/store/h2-authority.js';

// ------------------------------------------------------------------------------------------ HPACK helpers

interface HpackHeader {
  name: string;
  value: string;
  huffman?: boolean;
  incremental?: boolean;
  neverIndex?: boolean;
}
interface HpackCompressor {
  write(headers: HpackHeader[]): void;
  read(): Buffer | null;
}
interface HpackDecompressor {
  write(b: Buffer): void;
  execute(): void;
  read(): { name: string; value: string } | null;
}
interface HpackEncoder {
  encodeStr(value: number[], huffman: boolean): void;
  render(): Buffer[];
}
const require = createRequire(import.meta.url);
const hpack = require('hpack.js') as {
  compressor: { create(o: { table: { size: number } }): HpackCompressor };
  decompressor: { create(o: { table: { size: number } }): HpackDecompressor };
  encoder: { create(): HpackEncoder };
};

const BAD = 'http://127.0.0.1:2379';
const FIXED = 'http:--127.0.0.1:2379';

/** compress encodes one header list with a fresh hpack.js compressor (RFC 7541 encoder, 4096-byte table). */
function compress(headers: HpackHeader[]): Buffer {
  const c = hpack.compressor.create({ table: { size: 4096 } });
  c.write(headers);
  return c.read()!;
}

/** decompress decodes one header block with a fresh decompressor. */
function decompress(block: Buffer): [string, string][] {
  const d = hpack.decompressor.create({ table: { size: 4096 } });
  d.write(block);
  d.execute();
  const out: [string, string][] = [];
  for (let h = d.read(); h !== null; h = d.read()) out.push([h.name, h.value]);
  return out;
}

/** str is an HPACK string literal (RFC 7541 §5.2), Huffman-coded or raw. */
function str(s: string, huffman: boolean): Buffer {
  const e = hpack.encoder.create();
  e.encodeStr([...Buffer.from(s, 'latin1')], huffman);
  return Buffer.concat(e.render());
}

/** literalNewName is a literal field with a literal name (RFC 7541 §6.2): first byte 0x40, 0x00 or 0x10. */
function literalNewName(first: number, name: string, value: string, huffman = false): Buffer {
  return Buffer.concat([Buffer.from([first]), str(name, huffman), str(value, huffman)]);
}

// ------------------------------------------------------------------------------------------ rewriteHeaderBlock

describe('rewriteHeaderBlock', () => {
  it('rewrites a raw :authority literal with incremental indexing on static name index 1, keeping its length', () => {
    const block = compress([
      { name: ':method', value: 'POST' },
      { name: ':scheme', value: 'http' },
      { name: ':authority', value: BAD, huffman: false },
      { name: 'content-type', value: 'application/grpc', huffman: false },
    ]);
    // 0x83 (:method POST), 0x86 (:scheme http), then 0x41 = literal with indexing, name index 1 (:authority).
    expect(block.subarray(0, 3)).toEqual(Buffer.from([0x83, 0x86, 0x41]));
    const out = rewriteHeaderBlock(block)!;
    expect(out).toBeDefined();
    expect(out.length).toBe(block.length);
    const expected = Buffer.from(block);
    expected.write(FIXED, block.indexOf(BAD), 'latin1');
    expect(out.equals(expected)).toBe(true);
    expect(decompress(out)).toEqual([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', FIXED],
      ['content-type', 'application/grpc'],
    ]);
  });

  it('rewrites a Huffman-coded value into a raw one of the same decoded length; other fields are byte-identical', () => {
    const before = compress([{ name: ':method', value: 'GET' }]);
    const block = compress([
      { name: ':method', value: 'GET' },
      { name: ':authority', value: BAD, huffman: true },
      { name: 'te', value: 'trailers', huffman: true },
    ]);
    const authorityAt = before.length;
    expect(block[authorityAt]).toBe(0x41);
    expect(block[authorityAt + 1]! & 0x80).toBe(0x80); // H bit: the value is Huffman-coded
    const hufLen = block[authorityAt + 1]! & 0x7f;
    const tail = block.subarray(authorityAt + 2 + hufLen);
    const out = rewriteHeaderBlock(block)!;
    expect(out.equals(Buffer.concat([before, Buffer.from([0x41, FIXED.length]), Buffer.from(FIXED), tail]))).toBe(true);
    expect(decompress(out)).toEqual([
      [':method', 'GET'],
      [':authority', FIXED],
      ['te', 'trailers'],
    ]);
  });

  it.each([
    ['with incremental indexing', 0x40],
    ['without indexing', 0x00],
    ['never indexed', 0x10],
  ] as const)('rewrites an :authority literal with a literal name, %s', (_kind, first) => {
    for (const huffman of [false, true]) {
      const prefix = Buffer.from([0x82, 0x84]);
      const field = literalNewName(first, ':authority', BAD, huffman);
      const suffix = literalNewName(0x00, 'x-trace', 'a/b', huffman);
      const out = rewriteHeaderBlock(Buffer.concat([prefix, field, suffix]))!;
      const nameEnd = 1 + str(':authority', huffman).length;
      expect(out.equals(Buffer.concat([prefix, field.subarray(0, nameEnd), Buffer.from([FIXED.length]), Buffer.from(FIXED), suffix]))).toBe(true);
      expect(decompress(out)).toEqual([
        [':method', 'GET'],
        [':path', '/'],
        [':authority', FIXED],
        ['x-trace', 'a/b'],
      ]);
    }
  });

  it('keeps a dynamic table size update and indexed fields in front as they were', () => {
    const update = Buffer.from([0x3f, 0xe1, 0x1f]); // size update to 4096 (RFC 7541 §6.3, 5-bit prefix)
    const field = literalNewName(0x40, ':authority', BAD);
    const out = rewriteHeaderBlock(Buffer.concat([update, Buffer.from([0xbe]), field]))!;
    expect(out.subarray(0, 4)).toEqual(Buffer.concat([update, Buffer.from([0xbe])]));
    expect(out.subarray(4).toString('latin1')).toContain(FIXED);
  });

  it('rewrites a value longer than 127 bytes (multi-byte length prefix) in place', () => {
    const long = `http://${'a'.repeat(200)}:1`;
    const block = compress([{ name: ':authority', value: long, huffman: false }]);
    expect(block[1]).toBe(0x7f); // the 7-bit prefix is full: the length continues
    const out = rewriteHeaderBlock(block)!;
    expect(out.equals(Buffer.from(block.toString('latin1').replace('http://', 'http:--'), 'latin1'))).toBe(true);
  });

  it('returns undefined when no :authority needs fixing', () => {
    // RFC 7541 C.4.1: the first request of the Huffman examples (:authority www.example.com).
    expect(rewriteHeaderBlock(Buffer.from('828684418cf1e3c2e5f23a6ba0ab90f4ff', 'hex'))).toBeUndefined();
    // RFC 7541 C.3.1: the same request without Huffman coding.
    expect(rewriteHeaderBlock(Buffer.from('828684410f7777772e6578616d706c652e636f6d', 'hex'))).toBeUndefined();
    // Every byte nghttp2 accepts in an authority.
    const ok = "user:pw@[::1]:2379-._~!$&'()*+,;=%41";
    expect(rewriteHeaderBlock(compress([{ name: ':authority', value: ok }]))).toBeUndefined();
    // Offending bytes in other headers are not ours to touch.
    expect(rewriteHeaderBlock(compress([{ name: ':path', value: '/etcdserverpb.KV/Range' }, { name: 'x-url', value: BAD }]))).toBeUndefined();
    expect(rewriteHeaderBlock(Buffer.alloc(0))).toBeUndefined();
  });

  it('replaces every byte outside the authority set, not only slashes', () => {
    const out = rewriteHeaderBlock(literalNewName(0x00, ':authority', 'a b/c?d#e"f\u00e9'))!;
    expect(decompress(out)).toEqual([[':authority', 'a-b-c-d-e-f-']]);
  });

  it('throws on a string literal that runs past the block (the stream then passes the block on untouched)', () => {
    const block = compress([{ name: ':authority', value: BAD, huffman: false }]);
    expect(() => rewriteHeaderBlock(block.subarray(0, block.length - 3))).toThrow(/truncated/);
  });
});

// ------------------------------------------------------------------------------------------ HTTP/2 framing

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const GOAWAY = 0x7;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}

/** FakeSocket stands in for the net.Socket: the test emits 'data' and reads what the stream wrote. */
class FakeSocket extends EventEmitter {
  readonly written: Buffer[] = [];
  ended = false;
  destroyed = false;
  write(chunk: Buffer, cb: (err?: Error | null) => void): boolean {
    this.written.push(Buffer.from(chunk));
    cb();
    return true;
  }
  end(cb: () => void): void {
    this.ended = true;
    cb();
  }
  destroy(): void {
    this.destroyed = true;
  }
}

function fixer(): { socket: FakeSocket; stream: AuthorityFixingStream; read: () => Buffer } {
  const socket = new FakeSocket();
  const stream = new AuthorityFixingStream(socket as unknown as net.Socket);
  // The stream stays paused: read() drains what it has pushed so far, synchronously.
  const read = (): Buffer => {
    const out: Buffer[] = [];
    for (let c = stream.read() as Buffer | null; c !== null; c = stream.read() as Buffer | null) out.push(c);
    return Buffer.concat(out);
  };
  return { socket, stream, read };
}

describe('AuthorityFixingStream framing', () => {
  it('passes the preface and non-HEADERS frames through and rewrites a padded, prioritised HEADERS + CONTINUATION, byte by byte', () => {
    const block = compress([
      { name: ':method', value: 'POST' },
      { name: ':path', value: '/etcdserverpb.Maintenance/Status' },
      { name: ':authority', value: BAD, huffman: true },
      { name: 'content-type', value: 'application/grpc' },
    ]);
    const split = 10;
    const priority = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x0f]);
    const pad = 4;
    const headersPayload = Buffer.concat([Buffer.from([pad]), priority, block.subarray(0, split), Buffer.alloc(pad)]);
    // A DATA payload that looks like a HEADERS frame header: it must not be parsed as one.
    const dataPayload = Buffer.concat([frame(HEADERS, END_HEADERS, 1, Buffer.from([0x41, 0x01, 0x2f])), Buffer.from('tail')]);
    const input = Buffer.concat([
      PREFACE,
      frame(SETTINGS, 0, 0, Buffer.from([0x00, 0x04, 0x00, 0x01, 0x00, 0x00])),
      frame(HEADERS, PADDED | PRIORITY, 1, headersPayload),
      frame(CONTINUATION, END_HEADERS, 1, block.subarray(split)),
      frame(DATA, END_STREAM, 1, dataPayload),
    ]);
    const { socket, read } = fixer();
    for (let i = 0; i < input.length; i++) socket.emit('data', input.subarray(i, i + 1));
    const fixed = rewriteHeaderBlock(block)!;
    const expected = Buffer.concat([
      PREFACE,
      frame(SETTINGS, 0, 0, Buffer.from([0x00, 0x04, 0x00, 0x01, 0x00, 0x00])),
      frame(HEADERS, PRIORITY | END_HEADERS, 1, Buffer.concat([priority, fixed])),
      frame(DATA, END_STREAM, 1, dataPayload),
    ]);
    expect(read().toString('hex')).toBe(expected.toString('hex'));
  });

  it('passes HEADERS without an offending :authority through byte for byte, padding and all', () => {
    const block = compress([
      { name: ':method', value: 'POST' },
      { name: ':authority', value: '127.0.0.1:2379' },
    ]);
    const input = Buffer.concat([
      PREFACE,
      frame(HEADERS, PADDED | END_STREAM, 1, Buffer.concat([Buffer.from([2]), block.subarray(0, 3), Buffer.alloc(2)])),
      frame(CONTINUATION, END_HEADERS, 1, block.subarray(3)),
      frame(HEADERS, END_HEADERS | END_STREAM, 3, Buffer.from([0x82, 0x84, 0xbe])),
    ]);
    const { socket, read } = fixer();
    socket.emit('data', input.subarray(0, 30));
    socket.emit('data', input.subarray(30));
    expect(read().equals(input)).toBe(true);
  });

  it('splits a rewritten block that outgrows one frame into HEADERS and CONTINUATION frames of at most 16384 bytes', () => {
    // A Huffman-coded value of digits grows when written raw: ~5 bits per byte become 8.
    const value = `http://${'1'.repeat(20_000)}:1`;
    const block = compress([{ name: ':authority', value, huffman: true }]);
    expect(block.length).toBeLessThan(16_384);
    const { socket, read } = fixer();
    socket.emit('data', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 5, block)]));
    const out = read().subarray(PREFACE.length);
    const frames: { type: number; flags: number; stream: number; payload: Buffer }[] = [];
    for (let off = 0; off < out.length; ) {
      const len = out.readUIntBE(off, 3);
      frames.push({ type: out[off + 3]!, flags: out[off + 4]!, stream: out.readUInt32BE(off + 5), payload: out.subarray(off + 9, off + 9 + len) });
      off += 9 + len;
    }
    expect(frames.map((f) => [f.type, f.flags, f.stream])).toEqual([
      [HEADERS, END_STREAM, 5],
      [CONTINUATION, END_HEADERS, 5],
    ]);
    expect(frames[0]!.payload.length).toBe(16_384);
    const joined = Buffer.concat(frames.map((f) => f.payload));
    expect(joined.equals(rewriteHeaderBlock(block)!)).toBe(true);
    expect(decompress(joined)).toEqual([[':authority', `http:--${'1'.repeat(20_000)}:1`]]);
  });

  it('writes to the socket, ends it on end(), and destroys it with the stream', async () => {
    const { socket, stream } = fixer();
    await new Promise<void>((resolve, reject) => stream.write(Buffer.from('abc'), (err) => (err ? reject(err) : resolve())));
    expect(Buffer.concat(socket.written).toString()).toBe('abc');
    await new Promise<void>((resolve) => stream.end(resolve));
    expect(socket.ended).toBe(true);
    stream.destroy();
    expect(socket.destroyed).toBe(true);
  });

  it('ends its readable side when the socket ends', async () => {
    const { socket, stream } = fixer();
    const ended = new Promise<void>((resolve) => stream.once('end', resolve));
    stream.resume();
    socket.emit('end');
    await ended;
  });
});

// ------------------------------------------------------------------------------------------ end to end

interface RawResponse {
  headers?: [string, string][];
  rstCode?: number;
  goawayCode?: number;
}

/**
 * RawClient speaks just enough HTTP/2 over a net.Socket to send requests node:http2's client refuses to
 * (an :authority with '/'), and to read the response HEADERS, RST_STREAM or GOAWAY for each stream.
 */
class RawClient {
  private buf = Buffer.alloc(0);
  private readonly comp = hpack.compressor.create({ table: { size: 4096 } });
  private readonly decomp = hpack.decompressor.create({ table: { size: 4096 } });
  private readonly waiters = new Map<number, (r: RawResponse) => void>();
  private readonly results = new Map<number, RawResponse>();
  private closedWith: RawResponse | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.settleAll({ goawayCode: -1 }));
    socket.on('close', () => this.settleAll({ goawayCode: -1 }));
    socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)]));
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** request sends a GET with the given :authority on streamId and resolves with what the server answered. */
  request(streamId: number, authority: string, extra: HpackHeader[] = [], deadlineMs = 2_000): Promise<RawResponse> {
    this.comp.write([
      { name: ':method', value: 'GET' },
      { name: ':scheme', value: 'http' },
      { name: ':path', value: '/probe' },
      { name: ':authority', value: authority, huffman: true },
      ...extra,
    ]);
    const block = this.comp.read()!;
    const answer = new Promise<RawResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer on stream ${streamId} within ${deadlineMs} ms`)), deadlineMs);
      const done = (r: RawResponse): void => {
        clearTimeout(timer);
        resolve(r);
      };
      const early = this.results.get(streamId) ?? this.closedWith;
      if (early !== undefined) done(early);
      else this.waiters.set(streamId, done);
    });
    this.socket.write(frame(HEADERS, END_HEADERS | END_STREAM, streamId, block));
    return answer;
  }

  close(): void {
    this.socket.destroy();
  }

  private settle(streamId: number, r: RawResponse): void {
    if (this.results.has(streamId)) return;
    this.results.set(streamId, r);
    const w = this.waiters.get(streamId);
    this.waiters.delete(streamId);
    w?.(r);
  }

  private settleAll(r: RawResponse): void {
    this.closedWith ??= r;
    for (const id of [...this.waiters.keys()]) this.settle(id, r);
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 9) {
      const len = this.buf.readUIntBE(0, 3);
      if (this.buf.length < 9 + len) break;
      const type = this.buf[3]!;
      const flags = this.buf[4]!;
      const streamId = this.buf.readUInt32BE(5) & 0x7fffffff;
      let payload = this.buf.subarray(9, 9 + len);
      this.buf = this.buf.subarray(9 + len);
      if (type === SETTINGS && (flags & ACK) === 0) this.socket.write(frame(SETTINGS, ACK, 0));
      else if (type === HEADERS) {
        let pad = 0;
        if (flags & PADDED) {
          pad = payload[0]!;
          payload = payload.subarray(1);
        }
        if (flags & PRIORITY) payload = payload.subarray(5);
        payload = payload.subarray(0, payload.length - pad);
        if ((flags & END_HEADERS) === 0) throw new Error('RawClient: CONTINUATION not supported');
        this.decomp.write(payload);
        this.decomp.execute();
        const headers: [string, string][] = [];
        for (let h = this.decomp.read(); h !== null; h = this.decomp.read()) headers.push([h.name, h.value]);
        this.settle(streamId, { headers });
      } else if (type === RST_STREAM) this.settle(streamId, { rstCode: payload.readUInt32BE(0) });
      else if (type === GOAWAY) this.settleAll({ goawayCode: payload.readUInt32BE(4) });
    }
  }
}

/** startServer runs a plain-text HTTP/2 server that echoes :authority, fed through AuthorityFixingStream if fix. */
async function startServer(fix: boolean): Promise<{ port: number; close: () => Promise<void> }> {
  const h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200, 'x-authority': String(headers[':authority']) });
    stream.end('ok');
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    h2.emit('connection', fix ? new AuthorityFixingStream(socket) : socket);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const port = (tcp.address() as net.AddressInfo).port;
  return {
    port,
    close: async () => {
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

describe('AuthorityFixingStream in front of a node:http2 server', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('lets a request with :authority http://x:1 through, twice on one connection (dynamic tables in step)', async () => {
    const server = await startServer(true);
    cleanups.push(server.close);
    const client = await RawClient.connect(server.port);
    cleanups.push(() => client.close());

    const first = await client.request(1, 'http://x:1', [{ name: 'x-n', value: '1' }]);
    expect(first.rstCode).toBeUndefined();
    expect(first.headers).toContainEqual([':status', '200']);
    expect(first.headers).toContainEqual(['x-authority', 'http:--x:1']);

    // The client's encoder now sends :authority as an index into its dynamic table; the server's entry
    // there holds the rewritten value, so the request is served with it again.
    const second = await client.request(3, 'http://x:1', [{ name: 'x-n', value: '2' }]);
    expect(second.headers).toContainEqual([':status', '200']);
    expect(second.headers).toContainEqual(['x-authority', 'http:--x:1']);

    const plain = await client.request(5, '127.0.0.1:2379');
    expect(plain.headers).toContainEqual(['x-authority', '127.0.0.1:2379']);
  });

  it('is needed: without it node:http2 refuses the same request', async () => {
    const server = await startServer(false);
    cleanups.push(server.close);
    const client = await RawClient.connect(server.port);
    cleanups.push(() => client.close());
    const r = await client.request(1, 'http://x:1');
    expect(r.headers).toBeUndefined();
    // nghttp2 resets the stream with PROTOCOL_ERROR (0x1).
    expect([r.rstCode, r.goawayCode]).toContain(1);
  });
});
