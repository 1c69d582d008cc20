/**
 * The watch cache's etcd watch asks for no previous values: applyBatch takes each change's previous object
 * from the state the cache holds. Against a real store, a seeded random history of creates, updates and
 * deletes (single writes and Txns of several keys) must give exactly the changes a watch with previous
 * values gives (changesFromBatch), event for event.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../../src/api/index.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import { ObjectStore } from '../../src/apiserver/storage/object-store.js';
import { WatchCaches } from '../../src/apiserver/watch-cache.js';
import { applyBatch, changesFromBatch, deliveredThrough, type ObjectChange } from '../../src/apiserver/watch-event.js';
import { EtcdClient, op, type Watcher } from '../../src/store/client/index.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { SeededRandom } from '../../src/util/random.js';
import { useStore } from '../compat/helpers/store.js';

const PREFIX = '/registry/configmaps/default/';
const SEED = Number(process.env.CAPSTAN_SEED ?? Date.now() % 1_000_000);

/** collect gathers a watcher's batches through revision through, turned into changes by toChanges. */
async function collect(w: Watcher, through: number, toChanges: (b: Parameters<typeof changesFromBatch>[0]) => ObjectChange[]): Promise<ObjectChange[]> {
  const out: ObjectChange[] = [];
  for await (const batch of w) {
    out.push(...toChanges(batch));
    if (deliveredThrough(batch) >= through) break;
  }
  w.cancel();
  return out;
}

describe('a watch cache\'s changes without previous values from the store', () => {
  const store = useStore({ name: 'watch-event' });
  let client: EtcdClient;
  let objects: ObjectStore;

  beforeAll(() => {
    client = new EtcdClient({ endpoints: [store().endpoint] });
    objects = new ObjectStore(client, '/registry');
  });
  afterAll(() => client?.close());

  it(`are the changes a watch with previous values gives (seed ${SEED}; CAPSTAN_SEED reproduces)`, async () => {
    const random = new SeededRandom(SEED);
    const start = await objects.revision();
    const live = new Set<string>();
    const value = (key: string, n: number): Buffer => Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: key.slice(PREFIX.length) }, data: { n: String(n) } }));
    for (let i = 0; i < 300; i++) {
      // Txns of up to three distinct keys (etcd refuses a key twice in one Txn), or single writes.
      const keys = [...new Set(Array.from({ length: 1 + random.int(3) }, () => `${PREFIX}cm-${random.int(8)}`))];
      const ops = keys.map((key) => {
        if (live.has(key) && random.int(4) === 0) {
          live.delete(key);
          return op.delete(key);
        }
        live.add(key);
        return op.put(key, value(key, i));
      });
      await client.txn({ compare: [], success: ops, failure: [] });
    }
    // A delete of a key that does not exist is no event; one of a range deletes every key in it at once.
    await client.delete(`${PREFIX}absent`);
    await client.delete(`${PREFIX}cm-`, { prefix: true });
    const end = await objects.revision();

    const stamp = (o: KubeObject): KubeObject => Object.freeze(o);
    const withPrev = collect(objects.watch(PREFIX, start + 1, true), end, (b) => changesFromBatch(b, stamp));
    const held = new Map<string, KubeObject>();
    const withoutPrev = collect(objects.watch(PREFIX, start + 1, true, false), end, (b) => applyBatch(b, held, stamp));
    const [expected, actual] = await Promise.all([withPrev, withoutPrev]);
    expect(expected.length).toBeGreaterThan(300);
    expect(actual).toEqual(expected);
    expect(held.size).toBe(0);
  });

  it('a watch cache holds what it lists under the store key, so a delete of an object whose metadata names another key is still a change', async () => {
    const key = `${PREFIX}stored-as`;
    await client.put(key, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'named-otherwise', namespace: 'default' } }));
    const caches = new WatchCaches(objects, silentLogger(), 100, systemClock);
    try {
      const cache = await caches.for(builtinRegistry().lookup('', 'v1', 'configmaps')!);
      const got: ObjectChange[] = [];
      cache.subscribe(cache.revision, { changes: (cs) => got.push(...cs), end: () => undefined });
      await client.delete(key);
      await vi.waitFor(() => expect(got).toHaveLength(1), { timeout: 10_000 });
      expect(got[0]).toMatchObject({ key, object: undefined, prev: { metadata: { name: 'named-otherwise' } } });
    } finally {
      caches.close();
    }
  });

  it('skips a delete of a key it never held, and a value that is not an object', () => {
    const kv = (key: string, value: string, rev: number): Parameters<typeof changesFromBatch>[0]['events'][number]['kv'] => ({ key: Buffer.from(key), value: Buffer.from(value), createRevision: rev, modRevision: rev, version: 1, lease: 0n });
    const held = new Map<string, KubeObject>();
    const undecodable: string[] = [];
    const changes = applyBatch(
      {
        revision: 3,
        events: [
          { type: 'DELETE', kv: kv(`${PREFIX}never`, '', 1), prevKv: undefined },
          { type: 'PUT', kv: kv(`${PREFIX}text`, 'not json', 2), prevKv: undefined },
          { type: 'PUT', kv: kv(`${PREFIX}ok`, '{"metadata":{"name":"ok"}}', 3), prevKv: undefined },
        ],
      },
      held,
      (o) => o,
      (key) => undecodable.push(key),
    );
    expect(changes.map((c) => [c.key, c.revision, c.prev])).toEqual([[`${PREFIX}ok`, 3, undefined]]);
    expect(undecodable).toEqual([`${PREFIX}text`]);
    expect([...held.keys()]).toEqual([`${PREFIX}ok`]);
  });
});
