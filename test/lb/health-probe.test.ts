import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpProbe } from '../../src/lb/health-probe.js';
import { systemClock } from '../../src/util/clock.js';
import { findOnPath } from '../compat/helpers/tools.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  );
  return (server.address() as AddressInfo).port;
}

const seen: string[] = [];
function readyServer(status: number): Server {
  return createHttpServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''} host=${req.headers.host ?? ''}`);
    res.writeHead(status);
    res.end('body');
  });
}

describe('createHttpProbe', () => {
  const probe = createHttpProbe({ scheme: 'http', path: '/readyz', timeoutMs: 300, clock: systemClock });

  it('passes on 2xx and 3xx, GETting the health path with the backend as Host', async () => {
    const port = await listen(readyServer(200));
    expect(await probe({ host: '127.0.0.1', port })).toEqual({ ok: true, detail: '200' });
    expect(seen.at(-1)).toBe(`GET /readyz host=127.0.0.1:${String(port)}`);
    const redirect = await listen(readyServer(302));
    expect(await probe({ host: '127.0.0.1', port: redirect })).toEqual({ ok: true, detail: '302' });
  });

  it('fails on other statuses', async () => {
    const port = await listen(readyServer(503));
    expect(await probe({ host: '127.0.0.1', port })).toEqual({ ok: false, reason: 'status', detail: 'HTTP 503' });
  });

  it('reports a closed port as refused', async () => {
    const port = await listen(createTcpServer());
    await closers.pop()?.();
    expect(await probe({ host: '127.0.0.1', port })).toEqual({ ok: false, reason: 'refused', detail: 'ECONNREFUSED' });
  });

  it('times out a backend that accepts but never answers', async () => {
    const port = await listen(createTcpServer(() => undefined));
    const started = performance.now();
    expect(await probe({ host: '127.0.0.1', port })).toEqual({ ok: false, reason: 'timeout', detail: 'no answer within 300ms' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reports a backend that resets the connection as an error', async () => {
    const port = await listen(createTcpServer((s) => s.resetAndDestroy()));
    expect(await probe({ host: '127.0.0.1', port })).toMatchObject({ ok: false, reason: 'error' });
  });

  it.runIf(findOnPath('openssl') !== undefined)('checks over HTTPS without verifying a self-signed certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-lb-probe-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=apiserver', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
        res.writeHead(200);
        res.end('ok');
      });
      const port = await listen(server);
      const https = createHttpProbe({ scheme: 'https', path: '/readyz', timeoutMs: 2_000, clock: systemClock });
      expect(await https({ host: '127.0.0.1', port })).toEqual({ ok: true, detail: '200' });
      // the same port spoken to in plain HTTP fails, so the scheme flag matters
      expect(await probe({ host: '127.0.0.1', port })).toMatchObject({ ok: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
