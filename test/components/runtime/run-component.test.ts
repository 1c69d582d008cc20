/**
 * runComponent against a real `capstan apiserver` over a real store process, with short leader-election
 * timings (lease 2 s, renew 1.5 s, retry 0.3 s): of two replicas one runs the work; shutting it down stops its
 * work before it releases the Lease, and the standby starts within about one retry; at no moment do both run
 * the work. The health port answers /healthz, /readyz, /leaderz, /metrics and /debug/journal.
 */
import { afterAll, describe, expect, it } from 'vitest';
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
