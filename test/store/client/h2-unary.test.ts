/**
 * H2UnaryTransport against HTTP/2 servers in the test process, each playing one behaviour of a gRPC server
 * or of a failing one, on loopback ports chosen at run time: the request as it goes on the wire; responses
 * cut anyhow, large, trailers-only, non-200, malformed; what counts as never sent (REFUSED_STREAM, a GOAWAY
 * below the stream, no connection) and what may have been applied (a connection dropped after the request);
 * deadline and cancel as RST_STREAM CANCEL; connect with and without failFast, backoff and reconnection;
 * keepalive pings only while calls run, and a silent server detected by them; close() leaving nothing; TLS.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientClosedError, EndpointUnavailableError, GrpcStatusError, neverSent } from '../../../src/store/client/errors.js';
import { frameMessage, MessageReader } from '../../../src/store/client/grpc-wire.js';
import { DEFAULT_H2_UNARY_OPTIONS, H2UnaryTransport, type H2UnaryOptions, type UnaryMethod } from '../../../src/store/client/h2-unary.js';
import { freePorts } from '../../../src/cli/launcher/processes.js';
import { findOnPath, repoRoot } from '../../compat/helpers/tools.js';
import { waitFor, withDeadline } from '../../compat/helpers/wait.js';

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;

/** ECHO is a method whose messages are UTF-8 strings. */
const ECHO: UnaryMethod<string, string> = {
  path: '/test.Echo/Echo',
  requestSerialize: (s) => Buffer.from(s, 'utf8'),
  responseDeserialize: (b) => b.toString('utf8'),
};

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, request: string) => void;

/** FakeServer is an HTTP/2 server whose every stream gets the handler, called once the request is read. */
interface FakeServer {
  readonly url: string;
  readonly port: number;
  /** streams are the server side of every stream seen, in order. */
  readonly streams: http2.ServerHttp2Stream[];
  /** pings counts PING frames received. */
  readonly pings: { count: number };
  handler: Handler;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeServer(handler: Handler, port = 0): Promise<FakeServer> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  const fake: FakeServer = {
    url: '',
    port: 0,
    streams: [],
    pings: { count: 0 },
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('ping', () => fake.pings.count++);
  });
  server.on('stream', (stream, headers) => {
    fake.streams.push(stream);
    stream.on('error', () => undefined);
    const reader = new MessageReader();
    stream.on('data', (chunk: Buffer) => reader.push(chunk));
    stream.on('end', () => fake.handler(stream, headers, reader.messages.map(String).join('|')));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as net.AddressInfo).port;
  Object.assign(fake, { url: `http://127.0.0.1:${bound}`, port: bound });
  cleanups.push(() => fake.close());
  return fake;
}

/** answer sends message as a gRPC response with status OK (or the given status and trailers). */
function answer(stream: http2.ServerHttp2Stream, body: Buffer | null, trailers: http2.OutgoingHttpHeaders = { 'grpc-status': '0' }): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  stream.end(body ?? undefined);
}

function transport(url: string, options: Partial<H2UnaryOptions> = {}): H2UnaryTransport {
  const t = new H2UnaryTransport(url, { ...DEFAULT_H2_UNARY_OPTIONS, ...options });
  cleanups.push(() => t.close());
  return t;
}

async function failure(p: Promise<unknown>): Promise<GrpcStatusError> {
  const err = await p.then(
    (v) => new Error(`expected a failure, got ${JSON.stringify(v)}`),
    (e: unknown) => e,
  );
  if (!(err instanceof GrpcStatusError)) throw new Error(`expected a GrpcStatusError, got ${String(err)}`, { cause: err });
  return err;
}

const soon = (): number => Date.now() + 5_000;

describe('H2UnaryTransport: requests and responses', () => {
  it('sends a POST with the gRPC headers, grpc-timeout and metadata, and one framed message', async () => {
    let seen: { headers: http2.IncomingHttpHeaders; request: string } | undefined;
    const server = await fakeServer((stream, headers, request) => {
      seen = { headers, request };
      answer(stream, frameMessage(Buffer.from(`echo ${request}`)));
    });
    const t = transport(server.url);
    await t.connect(2_000, true);
    expect(await t.unary(ECHO, 'hi', { hasleader: 'true' }, Date.now() + 3_000).response).toBe('echo hi');
    const h = seen?.headers ?? {};
    expect(h).toMatchObject({
      ':method': 'POST',
      ':path': '/test.Echo/Echo',
      ':scheme': 'http',
      ':authority': `127.0.0.1:${server.port}`,
      'content-type': 'application/grpc',
      te: 'trailers',
      hasleader: 'true',
      'user-agent': DEFAULT_H2_UNARY_OPTIONS.userAgent,
    });
    const timeout = /^(\d+)m$/.exec(String(h['grpc-timeout']));
    expect(timeout, String(h['grpc-timeout'])).not.toBeNull();
    expect(Number(timeout?.[1])).toBeGreaterThan(2_000);
    expect(Number(timeout?.[1])).toBeLessThanOrEqual(3_000);
    expect(seen?.request).toBe('hi');
  });

  it('reassembles a response written a byte at a time, each byte its own DATA frame', async () => {
    const server = await fakeServer((stream) => {
      const body = frameMessage(Buffer.from('split across frames'));
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      const next = (i: number): void => {
        if (i === body.length) stream.end();
        else stream.write(body.subarray(i, i + 1), () => setImmediate(() => next(i + 1)));
      };
      next(0);
    });
    const t = transport(server.url);
    await t.connect(2_000, true);
    expect(await t.unary(ECHO, 'x', {}, soon()).response).toBe('split across frames');
  });

  it('takes a response larger than 4 MiB (no receive limit)', async () => {
    const big = 'v'.repeat(6 * 1024 * 1024 + 3);
    const server = await fakeServer((stream) => answer(stream, frameMessage(Buffer.from(big))));
    const t = transport(server.url);
    await t.connect(2_000, true);
    const got = await t.unary(ECHO, 'x', {}, soon()).response;
    expect(got.length).toBe(big.length);
    expect(got === big).toBe(true);
  });

  it('a status in the trailers fails the call with code, percent-decoded details and the trailers as metadata', async () => {
    const server = await fakeServer((stream) =>
      answer(stream, null, { 'grpc-status': String(status.OUT_OF_RANGE), 'grpc-message': 'etcdserver: mvcc: required revision has been compacted%20%E2%9C%93', 'x-extra': 'yes' }),
    );
    const t = transport(server.url);
    await t.connect(2_000, true);
    const err = await failure(t.unary(ECHO, 'x', {}, soon()).response);
    expect(err.code).toBe(status.OUT_OF_RANGE);
    expect(err.details).toBe('etcdserver: mvcc: required revision has been compacted ✓');
    expect(err.metadata.get('x-extra')).toEqual(['yes']);
    expect(err.sent).toBe(true);
  });

  it('a trailers-only response carries its status in the headers', async () => {
    const server = await fakeServer((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status.UNAVAILABLE), 'grpc-message': 'etcdserver: no leader' }, { endStream: true });
    });
    const t = transport(server.url);
    await t.connect(2_000, true);
    const err = await failure(t.unary(ECHO, 'x', {}, soon()).response);
    expect([err.code, err.details, err.sent]).toEqual([status.UNAVAILABLE, 'etcdserver: no leader', true]);
  });

  it.each([
    [503, status.UNAVAILABLE],
    [404, status.UNIMPLEMENTED],
    [400, status.INTERNAL],
    [500, status.UNKNOWN],
  ])('HTTP %i without a grpc-status is mapped as the spec says', async (httpStatus, code) => {
    const server = await fakeServer((stream) => {
      stream.respond({ ':status': httpStatus, 'content-type': 'text/html' });
      stream.end('<html>not gRPC</html>');
    });
    const t = transport(server.url);
    await t.connect(2_000, true);
    const err = await failure(t.unary(ECHO, 'x', {}, soon()).response);
    expect(err.code).toBe(code);
    expect(err.details).toContain(String(httpStatus));
  });

  it('a compressed message, no message, two messages or no status are INTERNAL', async () => {
    const compressed = frameMessage(Buffer.from('x'));
    compressed[0] = 1;
    const bodies: [Buffer | null, http2.OutgoingHttpHeaders | undefined, RegExp][] = [
      [compressed, undefined, /compressed/],
      [null, undefined, /got 0 messages/],
      [Buffer.concat([frameMessage(Buffer.from('a')), frameMessage(Buffer.from('b'))]), undefined, /got 2 messages/],
      [frameMessage(Buffer.from('abc')).subarray(0, 6), undefined, /truncated/],
      [frameMessage(Buffer.from('a')), {}, /without a grpc-status/],
    ];
    let i = 0;
    const server = await fakeServer((stream) => {
      const [body, trailers] = bodies[i++] as [Buffer | null, http2.OutgoingHttpHeaders | undefined, RegExp];
      answer(stream, body, trailers);
    });
    const t = transport(server.url);
    await t.connect(2_000, true);
    for (const [, , want] of bodies) {
      const err = await failure(t.unary(ECHO, 'x', {}, soon()).response);
      expect(err.code, err.details).toBe(status.INTERNAL);
      expect(err.details).toMatch(want);
    }
    // the session survived all of it
    expect(t.state).toBe(2 /* READY */);
  });
});

describe('H2UnaryTransport: never sent vs maybe applied', () => {
  it('RST_STREAM REFUSED_STREAM: never sent; the session stays in use', async () => {
    const server = await fakeServer((stream) => stream.close(NGHTTP2_REFUSED_STREAM));
    const t = transport(server.url);
    await t.connect(2_000, true);
    const err = await failure(t.unary(ECHO, 'x', {}, soon()).response);
    expect([err.code, err.sent, neverSent(err)]).toEqual([status.UNAVAILABLE, false, true]);
    server.handler = (stream) => answer(stream, frameMessage(Buffer.from('ok')));
    expect(await t.unary(ECHO, 'x', {}, soon()).response).toBe('ok');
  });

  it('a GOAWAY whose last stream ID is below the stream: never sent; the next call dials a new session', async () => {
    // A raw HTTP/2 server: Node's own replaces a GOAWAY's last stream ID 0 by the last stream it processed.
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.on('error', () => undefined);
      socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])); // SETTINGS
      let buf = Buffer.alloc(0);
      let prefaceSeen = false;
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (!prefaceSeen) {
          if (buf.length < 24) return;
          buf = buf.subarray(24);
          prefaceSeen = true;
        }
        while (buf.length >= 9 && buf.length >= 9 + buf.readUIntBE(0, 3)) {
          const [type, flags, streamId] = [buf[3], buf[4] as number, buf.readUInt32BE(5) & 0x7fffffff];
          buf = buf.subarray(9 + buf.readUIntBE(0, 3));
          if (type === 4 && (flags & 1) === 0) socket.write(Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0])); // SETTINGS ack
          if (type === 1) {
            const goaway = Buffer.alloc(17);
            goaway.writeUIntBE(8, 0, 3);
            goaway[3] = 7;
            goaway.writeUInt32BE(streamId - 1, 9); // below the stream just opened
            socket.write(goaway);
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const t = transport(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    await t.connect(2_000, true);
    const err = await failure(t.unary(ECHO, 'x', {}, soon()).response);
    expect([err.code, err.sent]).toEqual([status.UNAVAILABLE, false]);
    expect(t.state).not.toBe(2 /* READY */);
    await t.connect(2_000, true);
    expect(connections).toBe(2);
  });

  it('a connection dropped after the server read the request: maybe applied; the transport reconnects', async () => {
    const server = await fakeServer((stream) => stream.session?.destroy());
    const t = transport(server.url);
    await t.connect(2_000, true);
    const err = await failure(t.unary(ECHO, 'x', {}, soon()).response);
    expect([err.code, err.sent, neverSent(err)]).toEqual([status.UNAVAILABLE, true, false]);
    expect(err.details).toMatch(/connection dropped/);
    server.handler = (stream) => answer(stream, frameMessage(Buffer.from('back')));
    await t.connect(2_000, true);
    expect(await t.unary(ECHO, 'x', {}, soon()).response).toBe('back');
  });

  it('a call on a transport that is not READY fails at once, never sent', async () => {
    const server = await fakeServer((stream) => answer(stream, frameMessage(Buffer.from('ok'))));
    const t = transport(server.url);
    const err = await failure(t.unary(ECHO, 'x', {}, soon()).response);
    expect([err.code, err.sent]).toEqual([status.UNAVAILABLE, false]);
    expect(server.streams).toHaveLength(0);
  });
});

describe('H2UnaryTransport: deadline and cancel', () => {
  it('at the deadline the stream is cancelled (RST_STREAM CANCEL) and the call fails with DEADLINE_EXCEEDED', async () => {
    const server = await fakeServer(() => undefined);
    const t = transport(server.url);
    await t.connect(2_000, true);
    const started = Date.now();
    const err = await failure(t.unary(ECHO, 'x', {}, started + 300).response);
    const elapsed = Date.now() - started;
    expect([err.code, err.sent]).toEqual([status.DEADLINE_EXCEEDED, true]);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3_000);
    const s = server.streams[0] as http2.ServerHttp2Stream;
    await waitFor(() => (s.closed ? true : undefined), { what: 'the server to see the stream reset', timeoutMs: 2_000 });
    expect(s.rstCode).toBe(NGHTTP2_CANCEL);
  });

  it('cancel() fails the call with CANCELLED and resets the stream', async () => {
    const server = await fakeServer(() => undefined);
    const t = transport(server.url);
    await t.connect(2_000, true);
    const call = t.unary(ECHO, 'x', {}, soon());
    await waitFor(() => (server.streams.length > 0 ? true : undefined), { what: 'the server to see the stream', timeoutMs: 2_000 });
    call.cancel();
    const err = await failure(call.response);
    expect(err.code).toBe(status.CANCELLED);
    const s = server.streams[0] as http2.ServerHttp2Stream;
    await waitFor(() => (s.closed ? true : undefined), { what: 'the server to see the stream reset', timeoutMs: 2_000 });
    expect(s.rstCode).toBe(NGHTTP2_CANCEL);
  });
});

describe('H2UnaryTransport: connect', () => {
  it('failFast rejects as soon as the attempt fails; without it, connect waits, backing off, until the server listens', async () => {
    const [port] = await freePorts(1);
    const url = `http://127.0.0.1:${port}`;
    const t = transport(url, { initialBackoffMs: 50, maxBackoffMs: 200 });
    const started = Date.now();
    const err = await t.connect(5_000, true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EndpointUnavailableError);
    expect((err as EndpointUnavailableError).maybeApplied).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(t.state).toBe(3 /* TRANSIENT_FAILURE */);

    const timedOut = await t.connect(300, false).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(timedOut).toBeInstanceOf(EndpointUnavailableError);
    expect(String((timedOut as Error).cause)).toMatch(/not connected within 300 ms/);

    const waiting = t.connect(10_000, false);
    await fakeServer((stream) => answer(stream, frameMessage(Buffer.from('up'))), port);
    await withDeadline(waiting, 5_000, 'connect to succeed once the server listens');
    expect(await t.unary(ECHO, 'x', {}, soon()).response).toBe('up');
  });

  it('reconnects lazily after the session ends (the server went away): the next connect dials again', async () => {
    let sessions = 0;
    const server = await fakeServer((stream) => answer(stream, frameMessage(Buffer.from(`session ${sessions}`))));
    const t = transport(server.url);
    await t.connect(2_000, true);
    sessions++;
    expect(await t.unary(ECHO, 'x', {}, soon()).response).toBe('session 1');
    await server.close(); // destroys the session and stops listening
    await waitFor(() => (t.state === 0 /* IDLE */ ? true : undefined), { what: 'the transport to notice the session ended', timeoutMs: 2_000 });
    const again = await fakeServer(server.handler, server.port);
    sessions++;
    await t.connect(2_000, true);
    expect(await t.unary(ECHO, 'x', {}, soon()).response).toBe('session 2');
    expect(again.streams).toHaveLength(1);
  });

  it('close() rejects waiting connects with ClientClosedError and fails calls in flight', async () => {
    const server = await fakeServer(() => undefined);
    const t = transport(server.url);
    await t.connect(2_000, true);
    const call = t.unary(ECHO, 'x', {}, soon());
    const [port] = await freePorts(1);
    const other = transport(`http://127.0.0.1:${port}`, { initialBackoffMs: 50, maxBackoffMs: 50 });
    const waiting = other.connect(10_000, false);
    t.close();
    other.close();
    await expect(waiting).rejects.toBeInstanceOf(ClientClosedError);
    const err = await failure(call.response);
    expect(err.code).toBe(status.UNAVAILABLE);
    await expect(t.connect(1_000, true)).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('leaves no sockets or timers behind after close()', async () => {
    const server = await fakeServer((stream) => answer(stream, frameMessage(Buffer.from('ok'))));
    const count = (): number => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    const baseline = count();
    const t = transport(server.url, { keepaliveTimeMs: 60_000 });
    await t.connect(2_000, true);
    expect(await t.unary(ECHO, 'x', {}, soon()).response).toBe('ok');
    const pending = t.unary(ECHO, 'x', {}, soon());
    server.handler = () => undefined;
    t.close();
    await pending.response.catch(() => undefined);
    await waitFor(() => (count() <= baseline ? true : undefined), {
      what: `active resources to return to the baseline of ${baseline} (now: ${process.getActiveResourcesInfo().join(', ')})`,
      timeoutMs: 3_000,
    });
  });
});

describe('H2UnaryTransport: keepalive', () => {
  it('pings while a call runs, never while idle', async () => {
    const server = await fakeServer((stream) => {
      // answer only once the client has pinged twice during the call
      const check = (): void => {
        if (server.pings.count >= 2) answer(stream, frameMessage(Buffer.from('pinged')));
        else setTimeout(check, 10);
      };
      check();
    });
    const t = transport(server.url, { keepaliveTimeMs: 50, keepaliveTimeoutMs: 1_000 });
    await t.connect(2_000, true);
    expect(await t.unary(ECHO, 'x', {}, soon()).response).toBe('pinged');
    // an observation window of ten keepalive intervals without calls: no ping goes out
    const after = server.pings.count;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.pings.count).toBe(after);
  });

  it('a server that stops answering (no PING ack) is detected: the call fails UNAVAILABLE, maybe applied, before its deadline', async () => {
    // A raw server that sends its SETTINGS, then never another byte.
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const t = transport(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, { keepaliveTimeMs: 100, keepaliveTimeoutMs: 200 });
    await t.connect(2_000, true);
    const started = Date.now();
    const err = await failure(t.unary(ECHO, 'x', {}, Date.now() + 10_000).response);
    expect([err.code, err.sent]).toEqual([status.UNAVAILABLE, true]);
    expect(String(err.cause)).toMatch(/keepalive ping not answered within 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(t.state).not.toBe(2 /* READY */);
  });
});

describe.runIf(findOnPath('openssl') !== undefined)('H2UnaryTransport: https', () => {
  /** selfSigned makes a certificate for 127.0.0.1 in a temporary directory. */
  function selfSigned(): { dir: string; key: Buffer; cert: Buffer } {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-h2-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { dir, key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  }

  async function secureServer(key: Buffer, cert: Buffer): Promise<number> {
    const server = http2.createSecureServer({ key, cert });
    server.on('stream', (stream) => {
      stream.on('error', () => undefined);
      stream.resume();
      stream.on('end', () => answer(stream, frameMessage(Buffer.from('over tls'))));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return (server.address() as net.AddressInfo).port;
  }

  it('verifies the server certificate: an untrusted one is refused', async () => {
    const { key, cert } = selfSigned();
    const port = await secureServer(key, cert);
    const t = transport(`https://127.0.0.1:${port}`);
    const err = await t.connect(5_000, true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EndpointUnavailableError);
    expect(String((err as Error).cause)).toMatch(/self[- ]signed|certificate/i);
  });

  it('calls over TLS when the certificate is trusted (NODE_EXTRA_CA_CERTS, in a child process)', async () => {
    const { dir, key, cert } = selfSigned();
    const port = await secureServer(key, cert);
    const script = [
      "import { H2UnaryTransport } from './src/store/client/h2-unary.ts';",
      `const t = new H2UnaryTransport('https://127.0.0.1:${port}');`,
      'await t.connect(5000, true);',
      "const m = { path: '/test.Echo/Echo', requestSerialize: (s) => Buffer.from(s), responseDeserialize: (b) => b.toString() };",
      "console.log(await t.unary(m, 'x', {}, Date.now() + 5000).response);",
      't.close();',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await withDeadline(new Promise<number | null>((resolve) => child.once('exit', resolve)), 20_000, 'the TLS client process to exit');
    expect(out.trim(), out).toBe('over tls');
    expect(code).toBe(0);
  });
});
