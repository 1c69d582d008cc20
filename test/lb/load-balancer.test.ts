/**
 * The socket shell of `capstan lb` in-process (startLoadBalancer with a stub health probe) against raw TCP
 * backends: byte-exact passthrough both ways, half-close, connection accounting, resets, and refusal.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveLbConfig } from '../../src/lb/config.js';
import type { ProbeResult } from '../../src/lb/health-probe.js';
import { startLoadBalancer, type RunningLoadBalancer } from '../../src/lb/load-balancer.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { waitFor } from '../compat/helpers/wait.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** tcpBackend listens on a free loopback port and hands each connection to onConnection. */
async function tcpBackend(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { server, port: (server.address() as AddressInfo).port };
}

async function balancer(ports: readonly number[], probe?: (port: number) => ProbeResult, healthInterval = '50ms'): Promise<RunningLoadBalancer> {
  const cfg = resolveLbConfig({ listen: '127.0.0.1:0', backends: ports.map((p) => `127.0.0.1:${String(p)}`).join(','), healthInterval });
  const lb = await startLoadBalancer(cfg, { clock: systemClock, log: silentLogger(), probe: (b) => Promise.resolve(probe?.(b.port) ?? { ok: true, detail: '200' }) });
  cleanups.push(() => lb.stop());
  if (probe === undefined) await waitFor(() => (lb.pool.healthyCount() > 0 ? true : undefined), { what: 'a backend to be up' });
  return lb;
}

function dial(lb: RunningLoadBalancer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: lb.address.port, allowHalfOpen: true }, () => resolve(s));
    s.once('error', reject);
  });
}

function readAll(s: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('error', reject);
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('startLoadBalancer (TCP shell)', () => {
  it('passes bytes through unchanged both ways, and a client half-close through to the backend', async () => {
    // the backend reads the whole request, then answers with its digest and a large body, then ends
    const reply = randomBytes(4 << 20);
    const backend = await tcpBackend((s) => {
      const got: Buffer[] = [];
      s.on('data', (c: Buffer) => got.push(c));
      s.on('end', () => {
        s.write(`${sha(Buffer.concat(got))}\n`);
        s.end(reply);
      });
    });
    const lb = await balancer([backend.port]);
    const client = await dial(lb);
    const answer = readAll(client);
    const request = randomBytes(3 << 20);
    client.end(request);
    const body = await answer;
    expect(body.subarray(0, 64).toString()).toBe(sha(request));
    expect(sha(body.subarray(65))).toBe(sha(reply));
    client.destroy();
    await waitFor(() => (lb.pool.view()[0]?.activeConnections === 0 ? true : undefined), { what: 'the connection to be released' });
    expect(lb.pool.view()[0]?.totalConnections).toBe(1);
  });

  it('closes the client when its backend resets, and releases the connection', async () => {
    let backendSide: Socket | undefined;
    const backend = await tcpBackend((s) => {
      backendSide = s;
      s.write('hello');
    });
    const lb = await balancer([backend.port]);
    const client = await dial(lb);
    await new Promise((resolve) => client.once('data', resolve));
    expect(lb.pool.view()[0]?.activeConnections).toBe(1);
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => client.once('error', resolve));
    backendSide?.resetAndDestroy();
    expect((await failed).code).toBe('ECONNRESET');
    await waitFor(() => (lb.pool.view()[0]?.activeConnections === 0 ? true : undefined), { what: 'the connection to be released' });
  });

  it('places a connection on another backend when the picked one refuses, and marks it down', async () => {
    const alive = await tcpBackend((s) => s.end('alive'));
    const dead = await tcpBackend(() => undefined);
    await new Promise<void>((resolve) => dead.server.close(() => resolve()));
    // both pass their first check and no other runs (a stale view), so the first connection goes to the dead one
    const lb = await balancer([dead.port, alive.port], undefined, '1h');
    await waitFor(() => (lb.pool.healthyCount() === 2 ? true : undefined), { what: 'both backends up' });
    const client = await dial(lb);
    expect((await readAll(client)).toString()).toBe('alive');
    expect(lb.pool.isUp(`127.0.0.1:${String(dead.port)}`)).toBe(false);
    expect(await lb.metrics.registry.getSingleMetricAsString('capstan_lb_backend_connect_failures_total')).toContain(
      `capstan_lb_backend_connect_failures_total{backend="127.0.0.1:${String(dead.port)}",reason="refused"} 1`,
    );
  });

  it('closes a client at once, without a byte, while no backend is up', async () => {
    const backend = await tcpBackend((s) => s.end('never'));
    const lb = await balancer([backend.port], () => ({ ok: false, reason: 'status', detail: 'HTTP 503' }));
    await waitFor(() => (lb.pool.view()[0]?.status === 'down' ? true : undefined), { what: 'the backend to be down' });
    const client = await dial(lb);
    client.on('error', () => undefined);
    expect((await readAll(client).catch(() => Buffer.alloc(0))).length).toBe(0);
    expect(await lb.metrics.registry.getSingleMetricAsString('capstan_lb_connections_rejected_total')).toContain('capstan_lb_connections_rejected_total 1');
  });
});
