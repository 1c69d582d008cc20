/**
 * Two `capstan controller-manager` replicas over a real store and API server, on short leader-election timings
 * (lease 2 s, renew deadline 1.5 s, retry 300 ms), while namespaces keep being created so the active replica
 * keeps acting (the serviceaccount controller gives each its `default` ServiceAccount):
 *
 * - kill -9 the active replica: the standby holds the Lease within leaseDuration + retryPeriod (plus scheduling
 *   slack) and acts;
 * - SIGTERM the active one: it releases the Lease and the standby takes over within about one retryPeriod;
 * - every action in each replica's journal (its log) lies inside one of its own leading intervals, and the
 *   replicas' intervals never overlap.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ServiceAccount } from '../../../src/api/index.js';
import { useApiServer } from '../../apiserver/helpers/apiserver.js';
import { rest } from '../../apiserver/helpers/rest.js';
import { useStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';
import { startControllerManager, type ControllerManagerProcess } from './helpers/controller-manager.js';

const store = useStore({ name: 'controller-manager-ha' });
const api = useApiServer(store);
const LEASE_MS = 2_000;
const RETRY_MS = 300;
const FLAGS = ['--leader-elect-lease-duration=2s', '--leader-elect-renew-deadline=1500ms', '--leader-elect-retry-period=300ms', '--controllers=serviceaccount,namespace,endpoint'];

describe('controller-manager leader election', () => {
  const replicas: ControllerManagerProcess[] = [];
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.dispose().catch(() => {})));
  });

  async function leader(exclude?: ControllerManagerProcess): Promise<ControllerManagerProcess> {
    return waitFor(
      async () => {
        for (const r of replicas) if (r !== exclude && r.proc.running && (await r.leaderz())?.leading === true) return r;
        return undefined;
      },
      { timeoutMs: 15_000, intervalMs: 20, what: 'a leading controller-manager' },
    );
  }

  let seq = 0;
  async function acts(): Promise<void> {
    const ns = `ha-probe-${String(seq++)}`;
    await rest(api().url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await waitFor(async () => ((await rest<ServiceAccount>(api().url, 'GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200 ? true : undefined), {
      timeoutMs: 10_000,
      what: `${ns}/default made by the leader`,
    });
  }

  it('kill -9 and SIGTERM of the active replica hand over in time; no action outside a leading interval', async () => {
    replicas.push(await startControllerManager(api().url, 'cm-a', FLAGS), await startControllerManager(api().url, 'cm-b', FLAGS));
    const first = await leader();
    await acts();
    let load = true;
    const loader = (async () => {
      for (let i = 0; load; i++) {
        await rest(api().url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ha-load-${String(i)}` } }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      const killedAt = Date.now();
      await first.proc.kill9();
      const second = await leader(first);
      const killTakeoverMs = Date.now() - killedAt;
      await acts();
      // The killed replica comes back as a standby.
      await first.proc.start();
      await waitFor(async () => ((await first.leaderz())?.leader === second.identity ? true : undefined), { timeoutMs: 10_000, what: 'the restarted replica to see the leader' });
      expect((await first.leaderz())?.leading).toBe(false);

      const stoppedAt = Date.now();
      const stopping = second.proc.stop();
      const third = await leader(second);
      const stopTakeoverMs = Date.now() - stoppedAt;
      await stopping;
      expect(third).toBe(first);
      await acts();
      load = false;
      await loader;

      // Figures for the report, and the bounds. Measured from the kill, a takeover is due leaseDuration after the
      // standby last saw a renewal (which it may have seen up to one jittered retry late) plus one jittered retry
      // (client-go's JitterUntil, factor 1.2): leaseDuration + retryPeriod, with up to 2 × 1.2 × retryPeriod of
      // jitter and 1 s of slack for a busy 2-core machine. A clean stop hands over within about one retry period.
      process.stderr.write(`controller-manager takeover: kill -9 ${String(killTakeoverMs)} ms, SIGTERM ${String(stopTakeoverMs)} ms\n`);
      expect(killTakeoverMs).toBeLessThan(LEASE_MS + RETRY_MS + 2 * 1.2 * RETRY_MS + 1_000);
      expect(stopTakeoverMs).toBeLessThan(RETRY_MS + 1_200);

      // Leading intervals: a term cut short by kill -9 ends at the kill.
      const intervals = new Map<string, { start: number; end: number }[]>();
      for (const r of replicas) {
        const list = r.leadingIntervals().map((iv, i, all) => ({ start: iv.start, end: iv.end ?? (i < all.length - 1 || !r.proc.running ? killedAt : Number.POSITIVE_INFINITY) }));
        intervals.set(r.identity, list);
      }
      const all = [...intervals.entries()].flatMap(([id, list]) => list.map((iv) => ({ id, ...iv }))).sort((a, b) => a.start - b.start);
      expect(all.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < all.length; i++) expect(all[i]!.start, `${all[i]!.id} started before ${all[i - 1]!.id} stopped`).toBeGreaterThanOrEqual(all[i - 1]!.end);
      let checked = 0;
      for (const r of replicas) {
        for (const j of r.journalLines()) {
          const inside = intervals.get(r.identity)!.some((iv) => j.at >= iv.start && j.at <= iv.end);
          expect(inside, `${r.identity} ${j.action} ${j.object} at ${String(j.at)} outside its leading intervals`).toBe(true);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(5);
      expect(new Set(replicas.flatMap((r) => r.journalLines().map((j) => j.identity))).size).toBe(2);
    } finally {
      load = false;
      await loader;
    }
  }, 120_000);
});
