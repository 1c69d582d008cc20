/**
 * runComponent against a real `capstan apiserver` over a real store process, with short leader-election
 * timings (lease 2 s, renew 1.5 s, retry 0.3 s): of two replicas one runs the work; shutting it down stops its
 * work before it releases the Lease, and the standby starts within about one retry; at no moment do both run
 * the work. The health port answers /healthz, /readyz, /leaderz, /metrics and /debug/journal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Lease } from '../../../src/api/index.js';
import { NAMESPACES } from '../../../src/components/client/resource.js';
import { resolveComponentFlags } from '../../../src/components/runtime/component-flags.js';
import type { ComponentContext, Controller } from '../../../src/components/runtime/controller.js';
import { runComponent } from '../../../src/components/runtime/run-component.js';
import type { LeaderStatus } from '../../../src/components/runtime/component-server.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { SeededRandom } from '../../../src/util/random.js';
import { useApiServer } from '../../apiserver/helpers/apiserver.js';
import { useStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';

const store = useStore({ name: 'component-runtime' });
const api = useApiServer(store);

interface Replica {
  identity: string;
  shutdown: AbortController;
  done: Promise<void>;
  port: Promise<number>;
  acting: boolean;
}

describe('runComponent', () => {
  const replicas: Replica[] = [];
  afterAll(async () => {
    replicas.forEach((r) => r.shutdown.abort());
    await Promise.all(replicas.map((r) => r.done));
  });

  function start(identity: string, seed: number, overlaps: string[]): Replica {
    const shutdown = new AbortController();
    let listening: (p: number) => void = () => {};
    const port = new Promise<number>((resolve) => (listening = resolve));
    const replica: Replica = { identity, shutdown, done: Promise.resolve(), port, acting: false };
    const work: Controller = {
      name: 'test',
      async run(ctx: ComponentContext, signal: AbortSignal) {
        if (replicas.some((r) => r !== replica && r.acting)) overlaps.push(identity);
        replica.acting = true;
        ctx.journal.record('act', `test/${identity}`);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        replica.acting = false;
      },
    };
    const flags = resolveComponentFlags(
      { master: api().url, identity, port: '0', leaderElectLeaseDuration: '2s', leaderElectRenewDeadline: '1500ms', leaderElectRetryPeriod: '300ms', leaderElectResourceName: 'runtime-test' },
      { leaseName: 'unused', port: 0 },
    );
    replica.done = runComponent({ component: 'test', flags, work, clock: systemClock, random: new SeededRandom(seed), log: silentLogger(), shutdown: shutdown.signal, onListening: listening });
    replicas.push(replica);
    return replica;
  }

  it('runs the work on one replica at a time and hands over within about a retry on shutdown', async () => {
    const overlaps: string[] = [];
    const a = start('a', 1, overlaps);
    await waitFor(() => (a.acting ? true : undefined), { timeoutMs: 10_000, what: 'replica a acting' });
    const b = start('b', 2, overlaps);
    const portA = await a.port;
    const portB = await b.port;
    await waitFor(async () => ((await leaderz(portB)).leader === 'a' ? true : undefined), { timeoutMs: 5_000, what: 'b observing a' });
    expect(b.acting).toBe(false);
    const la = await leaderz(portA);
    expect(la).toMatchObject({ component: 'test', identity: 'a', leaderElection: true, leading: true, leader: 'a', terms: 1 });
    expect((await fetch(`http://127.0.0.1:${portA}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${portB}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${portA}/metrics`)).text();
    expect(metrics).toMatch(/leader_election_master_status\{name="runtime-test"\} 1/);
    expect(await (await fetch(`http://127.0.0.1:${portB}/metrics`)).text()).toMatch(/leader_election_master_status\{name="runtime-test"\} 0/);
    const journal = (await (await fetch(`http://127.0.0.1:${portA}/debug/journal`)).json()) as { action: string; object: string }[];
    expect(journal.map((e) => [e.action, e.object])).toEqual([['act', 'test/a']]);

    const t0 = performance.now();
    a.shutdown.abort();
    await a.done;
    expect(a.acting).toBe(false);
    await waitFor(() => (b.acting ? true : undefined), { timeoutMs: 5_000, what: 'replica b acting' });
    const handover = performance.now() - t0;
    expect(handover).toBeLessThan(2_000); // released: about one retry (0.3 s, jittered), not a lease duration
    expect((await leaderz(portB)).terms).toBe(1);
    expect(overlaps).toEqual([]);
  });
});

async function leaderz(port: number): Promise<LeaderStatus> {
  return (await (await fetch(`http://127.0.0.1:${port}/leaderz`)).json()) as LeaderStatus;
}

describe('runComponent with its own requests stuck', () => {
  it('keeps renewing its Lease while every request of its work waits (the Lease has connections of its own)', async () => {
    // A server that answers the Lease's requests and never answers anything else.
    let lease: Lease | undefined;
    const renewals: string[] = [];
    let stuck = 0;
    const server = http.createServer((req, res) => {
      if (!req.url!.includes('/leases')) {
        stuck++;
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const answer = (code: number, obj: unknown): void => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(obj));
        };
        if (req.method === 'GET') {
          if (lease === undefined) answer(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
          else answer(200, lease);
          return;
        }
        const sent = JSON.parse(body) as Lease;
        lease = { ...sent, metadata: { ...sent.metadata, resourceVersion: String(renewals.length + 1) } };
        renewals.push(sent.spec?.renewTime ?? '');
        answer(req.method === 'POST' ? 201 : 200, lease);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const shutdown = new AbortController();
    let port: (p: number) => void = () => {};
    const listening = new Promise<number>((resolve) => (port = resolve));
    const work: Controller = {
      name: 'flood',
      async run(ctx: ComponentContext, signal: AbortSignal) {
        // More requests than the client has connections (MAX_CONNECTIONS): all of them wait.
        for (let i = 0; i < 300; i++) ctx.client.list(NAMESPACES, undefined).catch(() => undefined);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    };
    const flags = resolveComponentFlags(
      { master: url, identity: 'busy', port: '0', leaderElectLeaseDuration: '2s', leaderElectRenewDeadline: '1500ms', leaderElectRetryPeriod: '300ms', leaderElectResourceName: 'stuck-test' },
      { leaseName: 'unused', port: 0 },
    );
    const done = runComponent({ component: 'test', flags, work, clock: systemClock, random: new SeededRandom(3), log: silentLogger(), shutdown: shutdown.signal, onListening: port });
    try {
      const health = await listening;
      await waitFor(() => (stuck >= 256 ? true : undefined), { timeoutMs: 10_000, what: 'the work\'s requests to be stuck' });
      const before = renewals.length;
      // Several renew deadlines (1.5 s) later the replica still leads, having renewed all along.
      await waitFor(() => (renewals.length >= before + 10 ? true : undefined), { timeoutMs: 15_000, what: 'ten more renewals' });
      expect(await leaderz(health)).toMatchObject({ leading: true, terms: 1 });
      expect((await fetch(`http://127.0.0.1:${health}/healthz`)).status).toBe(200);
      expect(stuck).toBe(256);
    } finally {
      shutdown.abort();
      await done;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 40_000);
});
