/**
 * The REST client against in-process HTTP(S) servers that script their answers: paths, verbs and content
 * types; Status bodies → error classes and predicates; which failures are retried and after how long (on a
 * clock that runs pauses at once and records them); the request timeout; keep-alive; watch streams; and TLS
 * with the CA and token of a kubeconfig written as `capstan up` writes it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ConfigMap, Status, WatchEvent } from '../../../src/api/index.js';
import { generatePki, writeKubeconfig } from '../../../src/cli/launcher/pki.js';
import {
  AlreadyExistsError,
  ConflictError,
  ConnectionError,
  GoneError,
  isAlreadyExists,
  isConflict,
  isGone,
  isGoneOrExpired,
  isNotFound,
  isResourceExpired,
  isServerTimeout,
  isTimeout,
  isTooManyRequests,
  NotFoundError,
  RequestTimeoutError,
  ServiceUnavailableError,
  TooManyRequestsError,
} from '../../../src/components/client/errors.js';
import { loadKubeconfig } from '../../../src/components/client/kubeconfig.js';
import { CONFIGMAPS, DEPLOYMENTS, NODES, PODS } from '../../../src/components/client/resource.js';
import { RestClient, type RestClientOptions } from '../../../src/components/client/rest-client.js';
import { ManualClock, systemClock, type Clock, type TimerHandle } from '../../../src/util/clock.js';
import { SeededRandom } from '../../../src/util/random.js';
import { freePorts } from '../../../src/cli/launcher/processes.js';

/** PauseClock runs pauses (timers up to 10 s) at once and records them; longer timers (request timeouts) never fire. */
class PauseClock implements Clock {
  readonly pauses: number[] = [];
  onPause: (n: number) => Promise<void> | void = () => {};
  now = (): number => Date.now();
  monotonic = (): number => performance.now();
  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (ms > 10_000) return { cancel: () => {} };
    this.pauses.push(ms);
    let cancelled = false;
    void Promise.resolve(this.onPause(this.pauses.length)).then(() => setImmediate(() => cancelled || fn()));
    return { cancel: () => void (cancelled = true) };
  }
  setInterval(): TimerHandle {
    throw new Error('not used');
  }
}

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

type Script = (req: http.IncomingMessage, res: http.ServerResponse, n: number, body: string) => void;

const servers: http.Server[] = [];
const clients: RestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

function listen(server: http.Server, port = 0): Promise<number> {
  servers.push(server);
  server.on('connection', (s) => server.emit('test-connection', s));
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** serve starts a scripted HTTP server and returns its URL and what it saw. */
async function serve(script: Script): Promise<{ url: string; seen: Seen[]; server: http.Server; connections: () => number }> {
  const seen: Seen[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], authorization: req.headers.authorization, body });
      script(req, res, seen.length, body);
    });
  });
  server.on('connection', () => connections++);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, seen, server, connections: () => connections };
}

function json(res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function status(code: number, reason: Status['reason'], message = 'm'): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message };
}

function client(server: string, options: Partial<RestClientOptions> = {}): RestClient {
  const c = new RestClient({ config: { server }, random: new SeededRandom(1), ...options });
  clients.push(c);
  return c;
}

const cm = (name: string, rv?: string): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name, ...(rv === undefined ? {} : { resourceVersion: rv }) }, data: { a: '1' } });

describe('RestClient verbs', () => {
  it('builds the paths, query strings, methods and content types of every verb and subresource', async () => {
    const s = await serve((_req, res) => json(res, 200, { kind: 'Status', status: 'Success' }));
    const c = client(s.url);
    await c.get(CONFIGMAPS, 'ns', 'a');
    await c.list(CONFIGMAPS, undefined, { labelSelector: 'app=x', limit: 2, continue: 'tok', resourceVersion: '' });
    await c.list(NODES, 'ignored', {});
    await c.create(CONFIGMAPS, 'ns', cm('a'));
    await c.update(CONFIGMAPS, cm('a', '5'));
    await c.updateStatus(PODS, { metadata: { namespace: 'ns', name: 'p', resourceVersion: '6' }, status: { phase: 'Running' } });
    await c.patch(CONFIGMAPS, 'ns', 'a', 'merge', { data: { b: '2' } });
    await c.patch(DEPLOYMENTS, 'ns', 'd', 'strategic', { spec: { replicas: 3 } });
    await c.patch(NODES, undefined, 'n1', 'json', [{ op: 'add', path: '/spec/unschedulable', value: true }], { subresource: 'status' });
    await c.delete(CONFIGMAPS, 'ns', 'a', { propagationPolicy: 'Foreground', preconditions: { resourceVersion: '5' } });
    await c.delete(NODES, undefined, 'n1');
    await c.bind('ns', { metadata: { name: 'p', namespace: 'ns' }, target: { kind: 'Node', name: 'n1' } });
    await c.getScale(DEPLOYMENTS, 'ns', 'd');
    await c.updateScale(DEPLOYMENTS, { metadata: { namespace: 'ns', name: 'd', resourceVersion: '9' }, spec: { replicas: 4 } });
    expect(s.seen.map((r) => `${r.method} ${r.url} ${r.contentType ?? '-'}`)).toEqual([
      'GET /api/v1/namespaces/ns/configmaps/a -',
      'GET /api/v1/configmaps?labelSelector=app%3Dx&limit=2&continue=tok -',
      'GET /api/v1/nodes -',
      'POST /api/v1/namespaces/ns/configmaps application/json',
      'PUT /api/v1/namespaces/ns/configmaps/a application/json',
      'PUT /api/v1/namespaces/ns/pods/p/status application/json',
      'PATCH /api/v1/namespaces/ns/configmaps/a application/merge-patch+json',
      'PATCH /apis/apps/v1/namespaces/ns/deployments/d application/strategic-merge-patch+json',
      'PATCH /api/v1/nodes/n1/status application/json-patch+json',
      'DELETE /api/v1/namespaces/ns/configmaps/a application/json',
      'DELETE /api/v1/nodes/n1 -',
      'POST /api/v1/namespaces/ns/pods/p/binding application/json',
      'GET /apis/apps/v1/namespaces/ns/deployments/d/scale -',
      'PUT /apis/apps/v1/namespaces/ns/deployments/d/scale application/json',
    ]);
    expect(JSON.parse(s.seen[9]!.body)).toEqual({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', preconditions: { resourceVersion: '5' } });
    expect(JSON.parse(s.seen[11]!.body)).toMatchObject({ target: { kind: 'Node', name: 'n1' } });
    expect(s.seen[0]!.authorization).toBeUndefined();
  });

  it('keeps the path prefix of a server URL (an API mounted under a proxy path)', async () => {
    const s = await serve((_req, res) => json(res, 200, cm('a')));
    const c = client(`${s.url}/k8s/`);
    expect(c.server).toBe(`${s.url}/k8s`);
    await c.get(CONFIGMAPS, 'ns', 'a');
    expect(s.seen[0]!.url).toBe('/k8s/api/v1/namespaces/ns/configmaps/a');
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const s = await serve((_req, res) => json(res, 200, cm('a')));
    const c = client(s.url);
    for (let i = 0; i < 5; i++) await c.get<ConfigMap>(CONFIGMAPS, 'ns', 'a');
    expect(s.connections()).toBe(1);
  });
});

describe('RestClient connections', () => {
  /** holding answers nothing until `size` requests wait, then all of them: the most the client sends at once. */
  async function holding(size: number): Promise<Awaited<ReturnType<typeof serve>> & { mostAtOnce: () => number }> {
    let held: http.ServerResponse[] = [];
    let most = 0;
    const s = await serve((req, res) => {
      if (req.url!.includes('watch=1')) {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        return;
      }
      held.push(res);
      most = Math.max(most, held.length);
      if (held.length < size) return;
      for (const r of held) json(r, 200, cm('a'));
      held = [];
    });
    return { ...s, mostAtOnce: () => most };
  }

  it('sends at most maxConnections requests at once, the rest in the order asked, on connections it keeps', async () => {
    const s = await holding(4);
    const c = client(s.url, { maxConnections: 4 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => c.get(CONFIGMAPS, 'ns', `a${i}`)));
    // Four connections: never more than four requests out at once.
    expect(s.seen.map((r) => r.url.split('/').at(-1))).toEqual(Array.from({ length: 12 }, (_, i) => `a${i}`));
    expect(s.connections()).toBe(4);
    // Watches have connections of their own: with four running, a request still goes out.
    const watches = await Promise.all(Array.from({ length: 4 }, () => c.watch<ConfigMap>(CONFIGMAPS, 'ns', {})));
    await Promise.all(Array.from({ length: 4 }, (_, i) => c.get(CONFIGMAPS, 'ns', `b${i}`)));
    expect(s.connections()).toBe(8);
    for (const w of watches) w.stop();
  });

  it('keeps every connection a burst opened, more than Node keeps by default (256), so the next burst opens none', async () => {
    const s = await holding(300);
    const c = client(s.url, { maxConnections: 300 });
    for (let burst = 0; burst < 2; burst++) await Promise.all(Array.from({ length: 300 }, (_, i) => c.get(CONFIGMAPS, 'ns', `a${i}`)));
    expect(s.mostAtOnce()).toBe(300);
    expect(s.connections()).toBe(300);
  });

  it('a request still waiting for a connection when its timeout passes fails then, as never sent', async () => {
    const held: http.ServerResponse[] = [];
    const s = await serve((_req, res) => held.push(res));
    const clock = new ManualClock();
    const c = client(s.url, { maxConnections: 1, maxRetries: 0, clock, requestTimeoutMs: 30_000 });
    const outcome = (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (err: unknown) => err);
    const first = outcome(c.get(CONFIGMAPS, 'ns', 'a'));
    const turns = async (until: () => boolean): Promise<void> => {
      for (let i = 0; i < 1000 && !until(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    await turns(() => held.length === 1);
    // The GET holds the only connection: the first create waits for it, the second comes 15 s later.
    const second = outcome(c.create(CONFIGMAPS, 'ns', cm('b')));
    clock.advance(15_000);
    const third = outcome(c.create(CONFIGMAPS, 'ns', cm('c')));
    clock.advance(15_000);
    // 30 s on: the GET went out and times out as such; the first create never left and fails as not sent.
    expect(await first).toBeInstanceOf(RequestTimeoutError);
    const err = await second;
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).sent).toBe(false);
    expect((err as Error).message).toContain('no connection free within 30000 ms');
    // The second create, with time left, takes the connection the GET's end frees.
    await turns(() => held.length === 2);
    json(held[1]!, 201, cm('c'));
    expect(await third).toMatchObject({ metadata: { name: 'c' } });
    expect(s.seen.map((r) => `${r.method} ${r.url.split('/').at(-1)}`)).toEqual(['GET a', 'POST configmaps']);
    expect(JSON.parse(s.seen[1]!.body)).toMatchObject({ metadata: { name: 'c' } });
  });

  it('a bound client drops its requests still waiting for a connection when its scope ends; sent ones finish', async () => {
    const held: http.ServerResponse[] = [];
    const s = await serve((_req, res) => held.push(res));
    const c = client(s.url, { maxConnections: 1 });
    const term = new AbortController();
    const bound = c.boundTo(term.signal);
    const outcome = (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (err: unknown) => err);
    const sent = outcome(bound.get(CONFIGMAPS, 'ns', 'a'));
    for (let i = 0; i < 1000 && held.length === 0; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    const queued = outcome(bound.create(CONFIGMAPS, 'ns', cm('b')));
    term.abort();
    const err = await queued;
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).sent).toBe(false);
    expect((err as Error).message).toContain('dropped before it was sent');
    // After the end nothing more goes out through it; the client it came from carries on.
    expect(await outcome(bound.create(CONFIGMAPS, 'ns', cm('c')))).toBeInstanceOf(ConnectionError);
    json(held[0]!, 200, cm('a'));
    expect(await sent).toMatchObject({ metadata: { name: 'a' } });
    const after = outcome(c.get(CONFIGMAPS, 'ns', 'd'));
    for (let i = 0; i < 1000 && held.length < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    json(held[1]!, 200, cm('d'));
    expect(await after).toMatchObject({ metadata: { name: 'd' } });
    expect(s.seen.map((r) => `${r.method} ${r.url.split('/').at(-1)}`)).toEqual(['GET a', 'GET d']);
  });

  it('refuses a maxConnections that is not a positive whole number', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new RestClient({ config: { server: 'http://127.0.0.1:1' }, maxConnections: bad })).toThrow(RangeError);
  });
});

describe('RestClient errors', () => {
  it('turns Status answers into error classes with reason and code, and the predicates agree', async () => {
    const answers: [number, Status['reason']][] = [
      [404, 'NotFound'],
      [409, 'Conflict'],
      [409, 'AlreadyExists'],
      [410, 'Expired'],
      [410, 'Gone'],
      [504, 'Timeout'],
      [500, 'ServerTimeout'],
      [429, 'TooManyRequests'],
    ];
    const s = await serve((_req, res, n) => json(res, answers[n - 1]![0], status(answers[n - 1]![0], answers[n - 1]![1], `answer ${n}`)));
    const c = client(s.url, { maxRetries: 0 });
    const errors: unknown[] = [];
    for (let i = 0; i < answers.length; i++) errors.push(await c.get(CONFIGMAPS, 'ns', 'a').catch((e: unknown) => e));
    expect(errors[0]).toBeInstanceOf(NotFoundError);
    expect(errors[1]).toBeInstanceOf(ConflictError);
    expect(errors[2]).toBeInstanceOf(AlreadyExistsError);
    expect(errors[3]).toBeInstanceOf(GoneError);
    expect(errors[7]).toBeInstanceOf(TooManyRequestsError);
    const table = errors.map((e) => [isNotFound(e), isConflict(e), isAlreadyExists(e), isResourceExpired(e), isGone(e), isGoneOrExpired(e), isTimeout(e), isServerTimeout(e), isTooManyRequests(e)].map(Number).join(''));
    expect(table).toEqual(['100000000', '010000000', '001000000', '000101000', '000011000', '000000100', '000000010', '000000001']);
    expect(errors[0]).toMatchObject({ message: 'answer 1', httpCode: 404, reason: 'NotFound', status: { code: 404, reason: 'NotFound' } });
  });

  it('builds a Status from the HTTP code when the body is not one (a proxy answering)', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no route');
    });
    const err = await client(s.url).get(CONFIGMAPS, 'ns', 'a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ reason: 'NotFound', httpCode: 404, message: 'the server could not find the requested resource (no route)' });
  });
});

describe('RestClient retries', () => {
  it('retries a GET on 503 with exponential backoff and jitter, then succeeds', async () => {
    const s = await serve((_req, res, n) => (n <= 3 ? json(res, 503, status(503, 'ServiceUnavailable')) : json(res, 200, cm('a'))));
    const clock = new PauseClock();
    const got = await client(s.url, { clock }).get<ConfigMap>(CONFIGMAPS, 'ns', 'a');
    expect(got.metadata.name).toBe('a');
    expect(s.seen).toHaveLength(4);
    expect(clock.pauses).toHaveLength(3);
    clock.pauses.forEach((p, i) => {
      const base = 100 * 2 ** i;
      expect(p).toBeGreaterThanOrEqual(base);
      expect(p).toBeLessThan(base * 1.5);
    });
  });

  it('honours Retry-After on 429, for a create too; gives up after maxRetries with the last error', async () => {
    const s = await serve((_req, res) => json(res, 429, status(429, 'TooManyRequests'), { 'retry-after': '2' }));
    const clock = new PauseClock();
    const err = await client(s.url, { clock, maxRetries: 3 }).create(CONFIGMAPS, 'ns', cm('a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyRequestsError);
    expect((err as TooManyRequestsError).retryAfterSeconds).toBe(2);
    expect(s.seen).toHaveLength(4);
    expect(clock.pauses).toEqual([2000, 2000, 2000]);
  });

  it('does not retry a create on a 5xx (it may have happened) unless the server sent Retry-After', async () => {
    const s = await serve((_req, res, n) => (n === 1 ? json(res, 503, status(503, 'ServiceUnavailable')) : n === 2 ? json(res, 503, status(503, 'ServiceUnavailable'), { 'retry-after': '1' }) : json(res, 201, cm('a'))));
    const clock = new PauseClock();
    const c = client(s.url, { clock });
    await expect(c.create(CONFIGMAPS, 'ns', cm('a'))).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(s.seen).toHaveLength(1);
    await expect(c.create(CONFIGMAPS, 'ns', cm('a'))).resolves.toMatchObject({ metadata: { name: 'a' } });
    expect(s.seen).toHaveLength(3);
    expect(clock.pauses).toEqual([1000]);
    const patchServer = await serve((_req, res) => json(res, 500, status(500, 'InternalError')));
    await expect(client(patchServer.url, { clock }).patch(CONFIGMAPS, 'ns', 'a', 'merge', {})).rejects.toMatchObject({ httpCode: 500 });
    expect(patchServer.seen).toHaveLength(1);
  });

  it('a connection broken after the request was sent is retried for a GET or PUT, not for a POST', async () => {
    const s = await serve((req, res, n) => {
      if (n % 2 === 1) req.socket.destroy();
      else json(res, 200, cm('a'));
    });
    const clock = new PauseClock();
    const c = client(s.url, { clock });
    await expect(c.get(CONFIGMAPS, 'ns', 'a')).resolves.toMatchObject({ metadata: { name: 'a' } });
    await expect(c.update(CONFIGMAPS, cm('a', '3'))).resolves.toMatchObject({ metadata: { name: 'a' } });
    expect(s.seen).toHaveLength(4);
    const err = await c.create(CONFIGMAPS, 'ns', cm('b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).sent).toBe(true);
    expect(s.seen).toHaveLength(5);
  });

  it('a refused connection is retried for every verb, until the server comes back on its port', async () => {
    const [port] = await freePorts(1);
    const clock = new PauseClock();
    let seen = 0;
    clock.onPause = async (n) => {
      if (n !== 3) return;
      const server = http.createServer((_req, res) => {
        seen++;
        json(res, 201, cm('a'));
      });
      await listen(server, port);
    };
    const created = await client(`http://127.0.0.1:${port}`, { clock }).create(CONFIGMAPS, 'ns', cm('a'));
    expect(created.metadata.name).toBe('a');
    expect(seen).toBe(1);
    expect(clock.pauses).toHaveLength(3);
  });

  it('times out a request that gets no answer; retries it only when idempotent', async () => {
    const s = await serve(() => {});
    const c = client(s.url, { clock: systemClock, requestTimeoutMs: 100, maxRetries: 1, backoff: { initialMs: 1, maxMs: 1 } });
    await expect(c.get(CONFIGMAPS, 'ns', 'a')).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(s.seen).toHaveLength(2);
    await expect(c.create(CONFIGMAPS, 'ns', cm('a'))).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(s.seen).toHaveLength(3);
  });
});

describe('RestClient watch', () => {
  it('streams JSON lines split anywhere across chunks, ends when the server ends, and stop() closes the connection', async () => {
    const events: WatchEvent<ConfigMap>[] = [
      { type: 'ADDED', object: cm('a', '2') },
      { type: 'MODIFIED', object: cm('a', '3') },
      { type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '4' } } as ConfigMap },
    ];
    let closed = 0;
    const s = await serve((req, res, n) => {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      req.socket.on('close', () => closed++);
      if (n === 1) {
        // Blank lines between events are skipped; each piece waits for the previous one to reach the socket,
        // since writes in one turn of the loop leave as one chunk.
        const text = events.map((e, i) => `${JSON.stringify(e)}\n${i === 0 ? '\n \n' : ''}`).join('');
        void (async () => {
          for (let i = 0; i < text.length; i += 7) await new Promise<void>((resolve) => res.write(text.slice(i, i + 7), () => resolve()));
          res.end();
        })();
      } else {
        res.write(`${JSON.stringify(events[0])}\n`);
      }
    });
    const c = client(s.url);
    const w = await c.watch<ConfigMap>(CONFIGMAPS, 'ns', { resourceVersion: '1', allowWatchBookmarks: true, timeoutSeconds: 30 });
    const got: string[] = [];
    for await (const e of w) got.push(`${e.type} ${(e.object as ConfigMap).metadata.resourceVersion}`);
    expect(got).toEqual(['ADDED 2', 'MODIFIED 3', 'BOOKMARK 4']);
    expect(s.seen[0]!.url).toBe('/api/v1/namespaces/ns/configmaps?resourceVersion=1&timeoutSeconds=30&allowWatchBookmarks=true&watch=1');
    const open = await c.watch<ConfigMap>(CONFIGMAPS, 'ns', {});
    for await (const e of open) {
      expect(e.type).toBe('ADDED');
      break; // leaving the loop stops the watch
    }
    for (let i = 0; i < 100 && closed === 0; i++) await new Promise<void>((resolve) => setTimeout(resolve, 10));
    expect(closed).toBeGreaterThanOrEqual(1);
  });

  it('reads a chunk of many events and a line that ends in the next chunk, in order', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `${JSON.stringify({ type: 'MODIFIED', object: cm('a', String(i + 2)) })}\n`);
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      const text = lines.join('');
      const cut = text.length - 10;
      res.write(text.slice(0, cut), () => res.end(text.slice(cut)));
    });
    const w = await client(s.url).watch<ConfigMap>(CONFIGMAPS, 'ns', { resourceVersion: '1' });
    const got: string[] = [];
    for await (const e of w) got.push((e.object as ConfigMap).metadata.resourceVersion!);
    expect(got).toEqual(lines.map((_, i) => String(i + 2)));
  });

  it('a refused watch throws the Status error; a stream broken mid-way fails the iteration', async () => {
    const s = await serve((req, res, n) => {
      if (n === 1) json(res, 410, status(410, 'Expired', 'too old resource version: 1 (5)'));
      else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`${JSON.stringify({ type: 'ADDED', object: cm('a', '2') })}\n`, () => req.socket.destroy());
      }
    });
    const c = client(s.url);
    await expect(c.watch(CONFIGMAPS, 'ns', { resourceVersion: '1' })).rejects.toSatisfy(isResourceExpired);
    const w = await c.watch<ConfigMap>(CONFIGMAPS, 'ns', { resourceVersion: '1' });
    const got: string[] = [];
    const err = await (async () => {
      for await (const e of w) got.push(e.type);
    })().catch((e: unknown) => e);
    expect(got).toEqual(['ADDED']);
    expect(err).toBeInstanceOf(ConnectionError);
  });
});

describe('RestClient over TLS with a kubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-rest-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies the server with the kubeconfig CA and sends its bearer token; a foreign CA fails without retries', async () => {
    const pki = await generatePki(dir, 'secret-token');
    const other = await generatePki(join(dir, 'other'), 'x');
    let seenAuth: string | undefined;
    let requests = 0;
    const server = https.createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, (req, res) => {
      requests++;
      seenAuth = req.headers.authorization;
      json(res, 200, cm('a'));
    });
    const port = await listen(server);
    const path = join(dir, 'kubeconfig');
    writeKubeconfig(path, `https://127.0.0.1:${port}`, readFileSync(pki.caCert, 'utf8'), pki.adminToken);
    const c = RestClient.fromKubeconfig(path);
    clients.push(c);
    expect(loadKubeconfig(path).namespace).toBe('default');
    await expect(c.get<ConfigMap>(CONFIGMAPS, 'ns', 'a')).resolves.toMatchObject({ metadata: { name: 'a' } });
    expect(seenAuth).toBe('Bearer secret-token');
    const clock = new PauseClock();
    const wrong = client('', { config: { server: `https://127.0.0.1:${port}`, caData: readFileSync(other.caCert, 'utf8') }, clock });
    const err = await wrong.get(CONFIGMAPS, 'ns', 'a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).retryable).toBe(false);
    expect(clock.pauses).toEqual([]);
    const insecure = client('', { config: { server: `https://127.0.0.1:${port}`, insecureSkipTLSVerify: true } });
    await expect(insecure.get(CONFIGMAPS, 'ns', 'a')).resolves.toMatchObject({ metadata: { name: 'a' } });
    expect(requests).toBe(2);
  });
});

