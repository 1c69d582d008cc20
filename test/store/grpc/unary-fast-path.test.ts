/**
 * The store's unary fast path against grpc-js's own server, side by side: two gRPC servers in the test
 * process on loopback ports chosen at run time, with the same handlers, one with the fast path installed.
 * Every case sends the same bytes to both and expects the same answer — response, status code and message,
 * headers a client reads — and the fast one to have served the call itself; streams and unknown methods on
 * the fast server still reach grpc-js.
 */
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmp, EtcdClient, op } from '../../../src/store/client/index.js';
import type { UnaryCallLike } from '../../../src/store/grpc/handler.js';
import { UnaryFastPath } from '../../../src/store/grpc/unary-fast-path.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { startSingleMember, type SingleMember } from '../helpers/single-member.js';

const MAX_RECEIVE = 64 * 1024;
const identity = (b: Buffer): Buffer => b;

/** SERVICE has two unary methods whose messages are raw bytes, and one bidi stream. */
const SERVICE: grpc.ServiceDefinition = {
  Call: { path: '/test.Svc/Call', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  Other: { path: '/test.Svc/Other', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  Chat: { path: '/test.Svc/Chat', requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

/**
 * call answers by the request's text: "echo:x" → x; "fail" → INVALID_ARGUMENT with a message that needs
 * percent-encoding; "hang" → never; "leader" → the hasleader metadata; "throw-serialize" → a response the
 * serializer refuses; "throw" → the handler throws.
 */
function call(c: UnaryCallLike<unknown>, done: grpc.sendUnaryData<unknown>): void {
  const text = (c.request as Buffer).toString('utf8');
  if (text.startsWith('echo:')) done(null, Buffer.from(text.slice(5), 'utf8'));
  else if (text === 'fail') done({ code: grpc.status.INVALID_ARGUMENT, details: 'etcdserver: bad request — 100% "wrong"' });
  else if (text === 'leader') done(null, Buffer.from(String(c.metadata.get('hasleader')[0] ?? 'none'), 'utf8'));
  else if (text === 'throw-serialize') done(null, 'not a buffer');
  else if (text === 'throw') throw new Error('the handler broke');
  else if (text !== 'hang') done(null, Buffer.alloc(0));
}

const impl = {
  Call: call,
  Other: (_c: UnaryCallLike<unknown>, done: grpc.sendUnaryData<unknown>) => done(null, Buffer.from('other', 'utf8')),
  Chat: (s: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    s.on('data', (b: Buffer) => s.write(Buffer.concat([Buffer.from('re:'), b])));
    s.on('end', () => s.end());
  },
};

interface Served {
  url: string;
  server: grpc.Server;
  /** served counts the calls the fast path answered (on the server without it, stays 0). */
  served: { count: number; inc(): void };
}

async function start(withFastPath: boolean): Promise<Served> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_RECEIVE, 'grpc.enable_channelz': 0 });
  // The serializer of Call refuses non-buffers, as a real one would refuse a wrong object.
  const serialize = (m: unknown): Buffer => {
    if (!Buffer.isBuffer(m)) throw new TypeError('not a buffer');
    return m;
  };
  const def: grpc.ServiceDefinition = { ...SERVICE, Call: { ...SERVICE.Call!, responseSerialize: serialize } };
  server.addService(def, impl as unknown as grpc.UntypedServiceImplementation);
  const served = {
    count: 0,
    inc(): void {
      this.count++;
    },
  };
  if (withFastPath) {
    const fast = new UnaryFastPath(MAX_RECEIVE, systemClock, silentLogger(), served);
    expect(fast.install(server)).toBe(true);
    fast.addService({ Call: def.Call!, Other: def.Other! }, { Call: impl.Call, Other: impl.Other });
  }
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { url: `http://127.0.0.1:${port}`, server, served };
}

/** Answer is what a client reads of a unary call at the HTTP/2 level. */
interface Answer {
  status: string | undefined;
  message: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** raw sends the exact bytes as one unary call over plain HTTP/2 (with pieces, one byte per DATA frame) and reads the answer. */
function raw(url: string, path: string, body: Buffer, extra: http2.OutgoingHttpHeaders = {}, pieces = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...extra });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => (headers = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('close', () => {
      session.close();
      const pick = (k: string): string | undefined => {
        const v = trailers[k] ?? headers[k];
        return v === undefined ? undefined : String(v);
      };
      resolve({ status: pick('grpc-status'), message: pick('grpc-message'), contentType: headers['content-type'], body: Buffer.concat(chunks).toString('hex') });
    });
    const send = (i: number): void => {
      if (i === body.length) req.end();
      else req.write(body.subarray(i, i + 1), () => send(i + 1));
    };
    if (pieces) send(0);
    else req.end(body);
  });
}

/** frame is one gRPC message: flag, length, bytes. */
function frame(text: string, compressed = false): Buffer {
  const b = Buffer.from(text, 'utf8');
  const f = Buffer.alloc(5 + b.length);
  f[0] = compressed ? 1 : 0;
  f.writeUInt32BE(b.length, 1);
  b.copy(f, 5);
  return f;
}

describe('unary fast path answers as grpc-js does', () => {
  let fast: Served;
  let plain: Served;

  beforeAll(async () => {
    fast = await start(true);
    plain = await start(false);
  });
  afterAll(() => {
    fast?.server.forceShutdown();
    plain?.server.forceShutdown();
  });

  /** same sends one call to both servers and expects one answer, served by the fast path on the fast server. */
  async function same(path: string, body: Buffer, headers: http2.OutgoingHttpHeaders = {}, expectServed = true): Promise<Answer> {
    const before = fast.served.count;
    const a = await raw(fast.url, path, body, headers);
    const b = await raw(plain.url, path, body, headers);
    expect(a).toEqual(b);
    expect(fast.served.count - before).toBe(expectServed ? 1 : 0);
    return a;
  }

  it('a response, an empty response, and request metadata', async () => {
    expect(await same('/test.Svc/Call', frame('echo:héllo'))).toEqual({ status: '0', message: 'OK', contentType: 'application/grpc+proto', body: frame('héllo').toString('hex') });
    expect((await same('/test.Svc/Call', frame('other'))).body).toBe(frame('').toString('hex'));
    expect((await same('/test.Svc/Call', frame('leader'), { hasleader: 'true' })).body).toBe(frame('true').toString('hex'));
    expect((await same('/test.Svc/Call', frame('leader'))).body).toBe(frame('none').toString('hex'));
  });

  it('a handler error keeps its code and its message, percent-encoded the same way', async () => {
    const a = await same('/test.Svc/Call', frame('fail'));
    expect(a.status).toBe(String(grpc.status.INVALID_ARGUMENT));
    expect(decodeURIComponent(a.message ?? '')).toBe('etcdserver: bad request — 100% "wrong"');
  });

  it('refuses no message, two messages and an oversized message; reads a compressed flag without an encoding as grpc-js does', async () => {
    expect((await same('/test.Svc/Call', Buffer.alloc(0))).status).toBe(String(grpc.status.UNIMPLEMENTED));
    expect((await same('/test.Svc/Call', Buffer.concat([frame('echo:a'), frame('echo:b')]))).status).toBe(String(grpc.status.UNIMPLEMENTED));
    // grpc-js reads a compressed flag under the identity encoding as uncompressed; so does the fast path
    expect((await same('/test.Svc/Call', frame('echo:a', true))).body).toBe(frame('a').toString('hex'));
    const big = Buffer.alloc(5 + MAX_RECEIVE + 1);
    big.writeUInt32BE(MAX_RECEIVE + 1, 1);
    const a = await same('/test.Svc/Call', big);
    expect(a.status).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
    expect(a.message).toBe(encodeURI(`Received message larger than max (${MAX_RECEIVE + 1} vs ${MAX_RECEIVE})`));
  });

  it('a response the serializer refuses is INTERNAL, a handler that throws UNKNOWN, with grpc-js\'s messages', async () => {
    expect(await same('/test.Svc/Call', frame('throw-serialize'))).toMatchObject({ status: String(grpc.status.INTERNAL), message: 'Error%20serializing%20response' });
    expect(await same('/test.Svc/Call', frame('throw'))).toMatchObject({ status: String(grpc.status.UNKNOWN), message: 'Unknown%20error' });
  });

  it('a second message is refused, a partial one after the first ignored, an oversized second one refused; byte by byte too', async () => {
    expect((await same('/test.Svc/Call', Buffer.concat([frame('echo:a'), frame('echo:b').subarray(0, 7)]))).body).toBe(frame('a').toString('hex'));
    const big = Buffer.alloc(5);
    big.writeUInt32BE(MAX_RECEIVE + 1, 1);
    expect((await same('/test.Svc/Call', Buffer.concat([frame('echo:a'), big]))).status).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
    // the same bytes split into one-byte DATA frames parse the same
    const before = fast.served.count;
    const answers = await Promise.all([fast.url, plain.url].map((u) => raw(u, '/test.Svc/Call', frame('echo:pieces'), {}, true)));
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.body).toBe(frame('pieces').toString('hex'));
    expect(fast.served.count - before).toBe(1);
  });

  it('a call past its grpc-timeout ends DEADLINE_EXCEEDED; a malformed grpc-timeout is left to grpc-js', async () => {
    const a = await same('/test.Svc/Call', frame('hang'), { 'grpc-timeout': '50m' });
    expect(a).toMatchObject({ status: String(grpc.status.DEADLINE_EXCEEDED), message: 'Deadline%20exceeded' });
    expect((await same('/test.Svc/Call', frame('echo:x'), { 'grpc-timeout': '5000m' })).body).toBe(frame('x').toString('hex'));
    expect((await same('/test.Svc/Call', frame('echo:x'), { 'grpc-timeout': 'soon' }, false)).status).toBe(String(grpc.status.INTERNAL));
  });

  it('a call the client cancels gets nothing more; the connection keeps serving', async () => {
    const session = http2.connect(fast.url);
    try {
      const req = session.request({ ':method': 'POST', ':path': '/test.Svc/Call', 'content-type': 'application/grpc', te: 'trailers' });
      let answered = false;
      req.on('response', () => (answered = true));
      req.on('error', () => undefined);
      req.end(frame('hang'));
      await new Promise<void>((resolve) => req.once('ready', () => resolve()));
      const closed = new Promise<void>((resolve) => req.once('close', () => resolve()));
      req.close(http2.constants.NGHTTP2_CANCEL);
      await closed;
      const next = session.request({ ':method': 'POST', ':path': '/test.Svc/Call', 'content-type': 'application/grpc', te: 'trailers' });
      const chunks: Buffer[] = [];
      next.on('data', (c: Buffer) => chunks.push(c));
      await new Promise<void>((resolve, reject) => {
        next.on('close', () => resolve());
        next.on('error', reject);
        next.end(frame('echo:after'));
      });
      expect(Buffer.concat(chunks).toString('hex')).toBe(frame('after').toString('hex'));
      expect(answered).toBe(false);
    } finally {
      session.close();
    }
  });

  it('compressed calls, other content types and methods it was not given go to grpc-js', async () => {
    await same('/test.Svc/Call', frame('echo:x'), { 'grpc-encoding': 'gzip' }, false);
    await same('/test.Svc/Unknown', frame('echo:x'), {}, false);
    expect((await same('/test.Svc/Other', frame('x'))).body).toBe(frame('other').toString('hex'));
  });

  it('grpc-js clients get the same results; a bidi stream on the same connection still works', async () => {
    const Client = grpc.makeGenericClientConstructor(SERVICE, 'Svc');
    for (const s of [fast, plain]) {
      const client = new Client(s.url.slice('http://'.length), grpc.credentials.createInsecure()) as unknown as grpc.Client & {
        Call(req: Buffer, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): void;
        Chat(): grpc.ClientDuplexStream<Buffer, Buffer>;
      };
      try {
        const ok = await new Promise<Buffer | undefined>((resolve, reject) => client.Call(Buffer.from('echo:hi'), (err, res) => (err ? reject(err) : resolve(res))));
        expect(ok?.toString()).toBe('hi');
        const err = await new Promise<grpc.ServiceError | null>((resolve) => client.Call(Buffer.from('fail'), (e) => resolve(e)));
        expect({ code: err?.code, details: err?.details }).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'etcdserver: bad request — 100% "wrong"' });
        const chat = client.Chat();
        const got = new Promise<string>((resolve) => chat.once('data', (b: Buffer) => resolve(b.toString())));
        chat.write(Buffer.from('x'));
        expect(await got).toBe('re:x');
        chat.end();
      } finally {
        client.close();
      }
    }
  });
});

describe('a store member answers KV calls on the fast path', () => {
  let member: SingleMember | undefined;
  afterAll(async () => {
    await member?.stop();
  });

  it('puts, gets and txns through the etcd client are counted by capstan_store_grpc_fast_path_calls_total; a bad one gets etcd\'s error', async () => {
    member = await startSingleMember();
    const clientUrl = member.clientUrl;
    const etcd = new EtcdClient({ endpoints: [clientUrl] });
    const fastCalls = async (): Promise<number> => {
      const text = await (await fetch(new URL('/metrics', clientUrl))).text();
      return Number(/^capstan_store_grpc_fast_path_calls_total (\d+)/m.exec(text)?.[1] ?? NaN);
    };
    try {
      const before = await fastCalls();
      await etcd.put('k', 'v');
      expect((await etcd.get('k')).kvs[0]?.value.toString()).toBe('v');
      expect((await etcd.txn({ compare: [cmp.value('k', '==', 'v')], success: [op.put('k', 'w')] })).succeeded).toBe(true);
      await expect(etcd.get('k', { revision: 1000 })).rejects.toThrow('etcdserver: mvcc: required revision is a future revision');
      expect((await fastCalls()) - before).toBeGreaterThanOrEqual(4);
    } finally {
      etcd.close();
    }
  });
});
