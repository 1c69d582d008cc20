/**
 * Leader election against a real `capstan apiserver` over a real store process, on the system clock with
 * short durations (lease 2 s, renew 1.5 s, retry 0.3 s): one of two electors leads; a clean stop hands the
 * Lease over within about one retry; cutting the leader off (its requests hang) makes it stop by its renew
 * deadline and the other take over after about leaseDuration + retry. A monitor checks every 10 ms that the
 * two never lead at once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Lease } from '../../../src/api/coordination-v1.js';
import { LEASES } from '../../../src/components/client/resource.js';
import { RestClient } from '../../../src/components/client/rest-client.js';
import { LeaderElector } from '../../../src/components/leaderelection/leader-elector.js';
import { restLeaseClient, type LeaseClient } from '../../../src/components/leaderelection/lease-client.js';
import { systemClock } from '../../../src/util/clock.js';
import { SeededRandom } from '../../../src/util/random.js';
import { useApiServer } from '../../apiserver/helpers/apiserver.js';
import { useStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';

const store = useStore({ name: 'leaderelection' });
const api = useApiServer(store);

const TIMING = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 300 };

function cuttable(inner: LeaseClient): LeaseClient & { cut: boolean } {
  const hang = <T>(): Promise<T> => new Promise<T>(() => {});
  const c = {
    cut: false,
    get: (ns: string, name: string) => (c.cut ? hang<Lease | undefined>() : inner.get(ns, name)),
    create: (l: Lease) => (c.cut ? hang<Lease>() : inner.create(l)),
    update: (l: Lease) => (c.cut ? hang<Lease>() : inner.update(l)),
  };
  return c;
}

describe('leader election against capstan apiserver', () => {
  const electors: LeaderElector[] = [];
  const clients: RestClient[] = [];
  afterAll(async () => {
    await Promise.all(electors.map((e) => e.stop().catch(() => {})));
    clients.forEach((c) => c.close());
  });

  function elector(identity: string, seed: number): { e: LeaderElector; client: LeaseClient & { cut: boolean } } {
    const rest = new RestClient({ config: { server: api().url }, maxRetries: 0 });
    clients.push(rest);
    const client = cuttable(restLeaseClient(rest));
    const e = new LeaderElector({ client, name: 'test-leader', identity, clock: systemClock, random: new SeededRandom(seed), ...TIMING });
    electors.push(e);
    return { e, client };
  }

  it('one leads; release hands over within about a retry; a cut-off leader is replaced after about leaseDuration + retry; never two at once', async () => {
    const overlaps: string[] = [];
    const monitor = setInterval(() => {
      const live = electors.filter((e) => e.isLeader());
      if (live.length > 1) overlaps.push(live.map((e) => e.config.identity).join(','));
    }, 10);
    try {
      const a = elector('a', 1);
      const b = elector('b', 2);
      a.e.start();
      b.e.start();
      const first = await waitFor(() => electors.find((e) => e.isLeader()), { timeoutMs: 10_000, intervalMs: 10, what: 'a leader' });
      const second = first === a.e ? b.e : a.e;
      // Three renewals go by with no change of leader.
      const rest = clients[0]!;
      const renewals = new Set<string>();
      await waitFor(
        async () => {
          const l = await rest.get<Lease>(LEASES, 'kube-system', 'test-leader');
          renewals.add(l.spec?.renewTime ?? '');
          return renewals.size >= 4 ? true : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 50, what: 'three renewals' },
      );
      expect(first.isLeader()).toBe(true);
      expect(second.isLeader()).toBe(false);

      let lease = await rest.get<Lease>(LEASES, 'kube-system', 'test-leader');
      expect(lease.spec).toMatchObject({ holderIdentity: first.config.identity, leaseDurationSeconds: 2, leaseTransitions: 0 });

      // Clean release.
      const t0 = systemClock.monotonic();
      await first.stop();
      await waitFor(() => (second.isLeader() ? true : undefined), { timeoutMs: 5_000, intervalMs: 5, what: 'takeover after release' });
      const releaseTakeover = systemClock.monotonic() - t0;
      expect(releaseTakeover).toBeLessThan(TIMING.retryPeriodMs * 2.2 + 500);
      lease = await rest.get<Lease>(LEASES, 'kube-system', 'test-leader');
      expect(lease.spec).toMatchObject({ holderIdentity: second.config.identity, leaseTransitions: 1 });

      // A fresh standby; then cut the leader off.
      const c = elector('c', 3);
      c.e.start();
      await waitFor(() => (c.e.leader() === second.config.identity ? true : undefined), { timeoutMs: 5_000, intervalMs: 10, what: 'the new standby to see the leader' });
      const cutOff = second === a.e ? a : b;
      cutOff.client.cut = true;
      const t1 = systemClock.monotonic();
      await waitFor(() => (second.isLeader() ? undefined : true), { timeoutMs: 5_000, intervalMs: 5, what: 'the cut-off leader to stop' });
      const stoppedAfter = systemClock.monotonic() - t1;
      await waitFor(() => (c.e.isLeader() ? true : undefined), { timeoutMs: 10_000, intervalMs: 5, what: 'takeover after a cut' });
      const cutTakeover = systemClock.monotonic() - t1;
      expect(stoppedAfter).toBeLessThanOrEqual(TIMING.renewDeadlineMs + 100);
      expect(cutTakeover).toBeGreaterThan(TIMING.leaseDurationMs - TIMING.retryPeriodMs);
      expect(cutTakeover).toBeLessThan(TIMING.leaseDurationMs + TIMING.retryPeriodMs * 2.2 + 1_000);
      lease = await rest.get<Lease>(LEASES, 'kube-system', 'test-leader');
      expect(lease.spec).toMatchObject({ holderIdentity: 'c', leaseTransitions: 2 });
      expect(lease.spec!.renewTime).toMatch(/\.\d{6}Z$/);
      process.stdout.write(`leaderelection: takeover after release ${releaseTakeover.toFixed(0)} ms, cut leader stopped after ${stoppedAfter.toFixed(0)} ms, takeover after cut ${cutTakeover.toFixed(0)} ms\n`);
    } finally {
      clearInterval(monitor);
    }
    expect(overlaps).toEqual([]);
  }, 60_000);
});
