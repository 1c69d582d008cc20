/**
 * The client machinery against a real `capstan apiserver` over a real store process: an informer over
 * configmaps converges to the server's state under concurrent writes — its watches end every 2 s
 * (--min-request-timeout=1) and resume from their resourceVersion, mostly from etcd since the watch cache
 * keeps only 3 changes — and across a compaction that expires the resourceVersion it would resume from,
 * which forces a relist that reports the deletions it missed as tombstones. The REST client's predicates
 * meet the server's real Status answers, and a create survives a port that refuses connections until it
 * comes back.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ConfigMap, DeepReadonly, KubeList, ListOptions, Namespace } from '../../../src/api/index.js';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  isResourceExpired,
} from '../../../src/components/client/errors.js';
import { DeletedFinalStateUnknown, Informer } from '../../../src/components/client/informer.js';
import { listWatchFor, type ListerWatcher } from '../../../src/components/client/reflector.js';
import { CONFIGMAPS, NAMESPACES } from '../../../src/components/client/resource.js';
import { RestClient } from '../../../src/components/client/rest-client.js';
import type { WatchStream } from '../../../src/components/client/watch-stream.js';
import { EtcdClient } from '../../../src/store/client/index.js';
import { systemClock, type Clock, type TimerHandle } from '../../../src/util/clock.js';
import { SeededRandom } from '../../../src/util/random.js';
import { useApiServer } from '../../apiserver/helpers/apiserver.js';
import { freePorts } from '../../../src/cli/launcher/processes.js';
import { useStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';

const store = useStore({ name: 'client-informer' });
const api = useApiServer(store, ['--default-watch-cache-size=3', '--min-request-timeout=1', '--watch-bookmark-interval=300ms']);

function configMap(namespace: string, name: string, v: string): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name }, data: { v } };
}

async function createNamespace(client: RestClient, name: string): Promise<void> {
  await client.create<Namespace>(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** gated wraps a ListerWatcher so a test can hold new watches back, and records every call. */
function gated<T>(lw: ListerWatcher<T>): ListerWatcher<T> & { close(): void; open(): void; readonly held: number; readonly calls: { verb: string; options: ListOptions }[] } {
  let gate: Promise<void> | undefined;
  let release: () => void = () => {};
  let held = 0;
  const calls: { verb: string; options: ListOptions }[] = [];
  return {
    calls,
    get held() {
      return held;
    },
    close() {
      gate ??= new Promise<void>((resolve) => (release = resolve));
    },
    open() {
      gate = undefined;
      release();
    },
    list(options) {
      calls.push({ verb: 'list', options });
      return lw.list(options);
    },
    async watch(options): Promise<WatchStream<T>> {
      calls.push({ verb: 'watch', options });
      if (gate !== undefined) {
        held++;
        await gate;
        held--;
      }
      return lw.watch(options);
    },
  };
}

/** serverState reads name → resourceVersion of the namespace's configmaps. */
async function serverState(client: RestClient, namespace: string): Promise<Map<string, string>> {
  const list = await client.list<ConfigMap>(CONFIGMAPS, namespace);
  return new Map(list.items.map((c) => [c.metadata.name!, c.metadata.resourceVersion!]));
}

function sorted(m: ReadonlyMap<string, string>): [string, string][] {
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
}

describe('an informer against the API server', () => {
  it('converges under concurrent writes and relists after a compaction expires its resourceVersion', async () => {
    const ns = 'informer-converge';
    const client = new RestClient({ config: { server: api().url } });
    const etcd = new EtcdClient({ endpoints: [store().endpoint] });
    const lw = gated(listWatchFor<ConfigMap>(client, CONFIGMAPS, ns));
    const informer = new Informer<ConfigMap>(lw, { name: 'configmaps', pageSize: 5, backoff: { initialMs: 50, maxMs: 500 } });
    // mirror is built from handler calls alone: it must end up equal to the cache and to the server.
    const mirror = new Map<string, string>();
    const tombstones: string[] = [];
    const note = (o: DeepReadonly<ConfigMap>): void => void mirror.set(o.metadata.name!, o.metadata.resourceVersion!);
    informer.addEventHandler({
      onAdd: note,
      onUpdate: (_old, o) => note(o),
      onDelete: (o) => {
        if (o instanceof DeletedFinalStateUnknown) tombstones.push(o.obj.metadata.name!);
        mirror.delete((o instanceof DeletedFinalStateUnknown ? o.obj : o).metadata.name!);
      },
    });
    try {
      await createNamespace(client, ns);
      for (let i = 0; i < 12; i++) await client.create(CONFIGMAPS, ns, configMap(ns, `cm-${i}`, 'seed'));
      informer.start();
      await informer.waitForSync(20_000);
      expect(informer.cache.size).toBe(12);
      expect(lw.calls.filter((c) => c.verb === 'list').map((c) => c.options.continue === undefined)).toEqual([true, false, false]);

      // Four writers create, update (read-modify-write) and delete 20 names while watches end every 2 s and
      // resume from their resourceVersion. Twice a new watch is held back until five more writes went by, so
      // that it resumes from further back than the watch cache's 3 changes reach: from etcd.
      const random = new SeededRandom(20261202);
      let writes = 0;
      let stopWriting = false;
      const writer = async (w: number): Promise<void> => {
        while (!stopWriting) {
          const name = `cm-${random.int(20)}`;
          const op = random.int(3);
          try {
            if (op === 0) await client.create(CONFIGMAPS, ns, configMap(ns, name, `w${w}`));
            else if (op === 1) {
              const cur = await client.get<ConfigMap>(CONFIGMAPS, ns, name);
              await client.update(CONFIGMAPS, { ...cur, data: { v: `w${w}-${writes}` } });
            } else await client.delete(CONFIGMAPS, ns, name);
            writes++;
          } catch (err) {
            if (!isConflict(err) && !isAlreadyExists(err) && !isNotFound(err)) throw err;
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      try {
        for (let round = 0; round < 2; round++) {
          lw.close();
          await waitFor(() => (lw.held > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20, what: 'a watch to end' });
          const target = writes + 5;
          await waitFor(() => (writes >= target ? true : undefined), { timeoutMs: 10_000, intervalMs: 20, what: 'five writes while no watch is open' });
          lw.open();
        }
        await waitFor(() => (informer.stats.watches >= 4 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20, what: 'a watch after the held ones' });
      } finally {
        stopWriting = true;
        lw.open();
        await Promise.all(writers);
      }
      expect(writes).toBeGreaterThan(10);
      const converged = async (what: string): Promise<void> => {
        await waitFor(
          async () => {
            const server = await serverState(client, ns);
            const cache = new Map(informer.cache.list().map((c) => [c.metadata.name!, c.metadata.resourceVersion!]));
            return JSON.stringify(sorted(server)) === JSON.stringify(sorted(cache)) && JSON.stringify(sorted(mirror)) === JSON.stringify(sorted(cache)) ? true : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 100, what },
        );
      };
      await converged('the informer to converge after the concurrent writes');
      const watchesBefore = informer.stats.watches;

      // Hold the next watch back, change things while none is open, and compact the store past the
      // resourceVersion the informer would resume from: its next watch is answered 410 and it relists.
      lw.close();
      await waitFor(() => (lw.held > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20, what: 'the informer to wait for a new watch' });
      const present = [...(await serverState(client, ns)).keys()];
      const gone = present.slice(0, 3);
      for (const name of gone) await client.delete(CONFIGMAPS, ns, name);
      for (const name of present.slice(3, 6)) {
        const cur = await client.get<ConfigMap>(CONFIGMAPS, ns, name);
        await client.update(CONFIGMAPS, { ...cur, data: { v: 'while-away' } });
      }
      for (let i = 0; i < 3; i++) await client.create(CONFIGMAPS, ns, configMap(ns, `late-${i}`, 'new'));
      const latest = await client.list<ConfigMap>(CONFIGMAPS, ns);
      await etcd.compact(Number(latest.metadata.resourceVersion), true);
      const relistsBefore = informer.stats.relistsAfterGone;
      lw.open();
      await converged('the informer to converge after the compaction');
      expect(informer.stats.relistsAfterGone).toBeGreaterThan(relistsBefore);
      expect(tombstones).toEqual(expect.arrayContaining(gone));
      expect(informer.cache.get(`${ns}/late-0`)?.data?.['v']).toBe('new');
      expect(watchesBefore).toBeGreaterThanOrEqual(4);
      expect(informer.stats.failures).toBe(0);
      expect(informer.lastSyncResourceVersion).not.toBe('');
    } finally {
      lw.open();
      await informer.stop();
      client.close();
      etcd.close();
    }
  });
});

describe('the REST client against the API server', () => {
  it('reports NotFound, AlreadyExists, Conflict and Expired through its predicates', async () => {
    const ns = 'client-predicates';
    const client = new RestClient({ config: { server: api().url }, maxRetries: 0 });
    const etcd = new EtcdClient({ endpoints: [store().endpoint] });
    try {
      await createNamespace(client, ns);
      expect(isNotFound(await client.get(CONFIGMAPS, ns, 'missing').catch((e: unknown) => e))).toBe(true);
      expect(isNotFound(await client.delete(CONFIGMAPS, ns, 'missing').catch((e: unknown) => e))).toBe(true);
      expect(isNotFound(await client.create(CONFIGMAPS, 'no-such-namespace', configMap('no-such-namespace', 'a', '1')).catch((e: unknown) => e))).toBe(true);
      const created = await client.create(CONFIGMAPS, ns, configMap(ns, 'a', '1'));
      expect(isAlreadyExists(await client.create(CONFIGMAPS, ns, configMap(ns, 'a', '1')).catch((e: unknown) => e))).toBe(true);
      const updated = await client.update(CONFIGMAPS, { ...created, data: { v: '2' } });
      expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
      const stale = await client.update(CONFIGMAPS, { ...created, data: { v: '3' } }).catch((e: unknown) => e);
      expect(isConflict(stale)).toBe(true);
      expect(stale).toMatchObject({ httpCode: 409, reason: 'Conflict' });
      const patched = await client.patch<ConfigMap>(CONFIGMAPS, ns, 'a', 'merge', { data: { w: 'x' } });
      expect(patched.data).toEqual({ v: '2', w: 'x' });
      // A watch from a compacted resourceVersion: a 410 Expired ERROR event.
      const list = await client.list<ConfigMap>(CONFIGMAPS, ns);
      for (let i = 0; i < 5; i++) await client.patch(CONFIGMAPS, ns, 'a', 'merge', { data: { i: String(i) } });
      const now = await client.list<ConfigMap>(CONFIGMAPS, ns);
      await etcd.compact(Number(now.metadata.resourceVersion), true);
      const w = await client.watch<ConfigMap>(CONFIGMAPS, ns, { resourceVersion: list.metadata.resourceVersion! });
      const first = await w[Symbol.asyncIterator]().next();
      w.stop();
      expect(first.value).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
      // A paginated list at a compacted resourceVersion: 410 Expired.
      const expired = await client.list(CONFIGMAPS, ns, { resourceVersion: list.metadata.resourceVersion!, resourceVersionMatch: 'Exact' }).catch((e: unknown) => e);
      expect(isResourceExpired(expired)).toBe(true);
    } finally {
      client.close();
      etcd.close();
    }
  });

  it('retries a create while the port refuses connections, and it happens exactly once when the port comes back', async () => {
    const ns = 'client-refused';
    const direct = new RestClient({ config: { server: api().url } });
    await createNamespace(direct, ns);
    const upstream = new URL(api().url);
    const [port] = await freePorts(1);
    // A TCP relay on a port of our own stands in for an API server that is down and comes back.
    const relay = net.createServer((socket) => {
      const up = net.connect(Number(upstream.port), upstream.hostname);
      socket.pipe(up).pipe(socket);
      socket.on('error', () => up.destroy());
      up.on('error', () => socket.destroy());
    });
    let pauses = 0;
    const clock: Clock = {
      ...systemClock,
      setTimeout(fn: () => void, ms: number): TimerHandle {
        if (ms > 10_000) return systemClock.setTimeout(fn, ms);
        pauses++;
        if (pauses === 3) relay.listen(port, '127.0.0.1', fn);
        else setImmediate(fn);
        return { cancel: () => {} };
      },
    };
    const client = new RestClient({ config: { server: `http://127.0.0.1:${port}` }, clock });
    try {
      const created = await client.create(CONFIGMAPS, ns, configMap(ns, 'once', '1'));
      expect(created.metadata.name).toBe('once');
      expect(pauses).toBe(3);
      const all = await direct.list<ConfigMap>(CONFIGMAPS, ns);
      expect((all as KubeList<ConfigMap>).items.map((c) => c.metadata.name)).toEqual(['once']);
    } finally {
      client.close();
      direct.close();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });
});
