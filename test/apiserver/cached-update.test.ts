/**
 * Updates that start from the watch cache's copy (kube-apiserver's cachedExistingObject): the first try of
 * an update, a binding or a patch starts from what the replica's cache holds, which saves a store read, but
 * nothing may be decided on that copy alone. The cache here is made stale on purpose (it keeps suggesting
 * an object's first version while the store moves on), against a real store member, and every outcome must
 * be what the store's current state decides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, KubeObject, Pod } from '../../src/api/index.js';
import { StatusError } from '../../src/apiserver/errors.js';
import { RestHandlers } from '../../src/apiserver/handlers.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import type { RequestInfo } from '../../src/apiserver/request-info.js';
import type { ResourceType } from '../../src/apiserver/resource.js';
import { ObjectStore, type Versioned } from '../../src/apiserver/storage/object-store.js';
import type { WatchCache, WatchCaches } from '../../src/apiserver/watch-cache.js';
import { EtcdClient } from '../../src/store/client/index.js';
import { systemClock } from '../../src/util/clock.js';
import { SeededRandom } from '../../src/util/random.js';
import { useStore } from '../compat/helpers/store.js';

/** StaleCaches suggests, for each key, the version it was told to remember, whatever the store holds now. */
class StaleCaches implements Pick<WatchCaches, 'for' | 'existing' | 'warm'> {
  readonly remembered = new Map<string, Versioned>();
  /** told lists what the handlers reported having written (WatchCache.wrote), in order. */
  readonly told: { key: string; written: Versioned; deleted: boolean }[] = [];
  suggested = 0;

  for(): Promise<WatchCache> {
    return Promise.reject(new Error('not used by these tests'));
  }

  warm(): WatchCache {
    return this.existing();
  }

  existing(): WatchCache {
    const suggestion = (key: string): Versioned | undefined => {
      const v = this.remembered.get(key);
      if (v !== undefined) this.suggested++;
      return v === undefined ? undefined : { obj: Object.freeze(structuredClone(v.obj)), modRevision: v.modRevision };
    };
    const wrote = (key: string, written: Versioned, deleted = false): void => {
      this.told.push({ key, written, deleted });
    };
    return { suggestion, wrote } as unknown as WatchCache;
  }
}

describe('updates that start from a stale watch cache', () => {
  const store = useStore({ name: 'cached-update' });
  const registry = builtinRegistry();
  const configmaps = registry.lookup('', 'v1', 'configmaps')!;
  const pods = registry.lookup('', 'v1', 'pods')!;
  const caches = new StaleCaches();
  let client: EtcdClient;
  let objects: ObjectStore;
  let handlers: RestHandlers;

  beforeAll(async () => {
    client = new EtcdClient({ endpoints: [store().endpoint] });
    objects = new ObjectStore(client, '/registry');
    handlers = new RestHandlers(objects, caches, systemClock, new SeededRandom(7));
    await handlers.ensureSystemNamespaces(registry.lookup('', 'v1', 'namespaces')!);
  });
  afterAll(() => client?.close());

  const info = (r: ResourceType, name: string, subresource = '', verb: RequestInfo['verb'] = 'update'): RequestInfo => ({
    verb,
    group: '',
    version: 'v1',
    namespace: 'default',
    resource: r.resource,
    subresource,
    name,
  });
  const cm = (name: string, value: string, rv?: string): ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(rv === undefined ? {} : { resourceVersion: rv }) },
    data: { k: value },
  });
  const key = (r: ResourceType, name: string): string => objects.key(r.resource, 'default', name);
  const stored = async (r: ResourceType, name: string): Promise<KubeObject | undefined> => (await objects.get(key(r, name)))?.obj;
  /** staleAt creates name, remembers its first version for the cache, and moves the store on with an update. */
  const staleAt = async (name: string): Promise<{ first: ConfigMap; second: ConfigMap }> => {
    const first = (await handlers.create(configmaps, info(configmaps, '', '', 'create'), cm(name, 'v1'))).body as ConfigMap;
    const second = (await handlers.update(configmaps, info(configmaps, name), cm(name, 'v2', first.metadata.resourceVersion))).body as ConfigMap;
    caches.remembered.set(key(configmaps, name), { obj: first, modRevision: Number(first.metadata.resourceVersion) });
    return { first, second };
  };
  const refusal = async (p: Promise<unknown>): Promise<StatusError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StatusError);
    return err as StatusError;
  };

  it('an update without a resourceVersion lands on the current state, not the cached one', async () => {
    const { second } = await staleAt('cu-1');
    const before = caches.suggested;
    const out = (await handlers.update(configmaps, info(configmaps, 'cu-1'), cm('cu-1', 'v3'))).body as ConfigMap;
    expect(caches.suggested).toBe(before + 1);
    expect(Number(out.metadata.resourceVersion)).toBeGreaterThan(Number(second.metadata.resourceVersion));
    expect((await stored(configmaps, 'cu-1')) as ConfigMap).toMatchObject({ data: { k: 'v3' }, metadata: { resourceVersion: out.metadata.resourceVersion } });
  });

  it('a client resourceVersion that only the stale cache matches is a 409 Conflict, and nothing is written', async () => {
    const { first, second } = await staleAt('cu-2');
    const err = await refusal(handlers.update(configmaps, info(configmaps, 'cu-2'), cm('cu-2', 'v3', first.metadata.resourceVersion)));
    expect(err.status.code).toBe(409);
    expect(err.status.message).toBe('Operation cannot be fulfilled on configmaps "cu-2": the object has been modified; please apply your changes to the latest version and try again');
    expect(((await stored(configmaps, 'cu-2')) as ConfigMap).metadata.resourceVersion).toBe(second.metadata.resourceVersion);
  });

  it('a client resourceVersion that only the stale cache refuses is accepted', async () => {
    const { second } = await staleAt('cu-3');
    const out = await handlers.update(configmaps, info(configmaps, 'cu-3'), cm('cu-3', 'v3', second.metadata.resourceVersion));
    expect(out.code).toBe(200);
    expect(((await stored(configmaps, 'cu-3')) as ConfigMap).data).toEqual({ k: 'v3' });
  });

  it('an update equal to the cached copy but not to the stored object is written, not taken for a no-op', async () => {
    await staleAt('cu-4');
    const out = (await handlers.update(configmaps, info(configmaps, 'cu-4'), cm('cu-4', 'v1'))).body as ConfigMap;
    expect(((await stored(configmaps, 'cu-4')) as ConfigMap).data).toEqual({ k: 'v1' });
    expect((await stored(configmaps, 'cu-4'))?.metadata.resourceVersion).toBe(out.metadata.resourceVersion);
  });

  it('an object the cache still holds but the store deleted is a 404', async () => {
    await staleAt('cu-5');
    await handlers.delete(configmaps, info(configmaps, 'cu-5', '', 'delete'), {});
    const err = await refusal(handlers.update(configmaps, info(configmaps, 'cu-5'), cm('cu-5', 'v3')));
    expect(err.status.code).toBe(404);
  });

  it('a pod the cache shows unbound but the store has bound cannot be bound again', async () => {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cu-pod' }, spec: { containers: [{ name: 'c', image: 'pause' }] } };
    const created = (await handlers.create(pods, info(pods, '', '', 'create'), pod)).body as Pod;
    caches.remembered.set(key(pods, 'cu-pod'), { obj: created, modRevision: Number(created.metadata.resourceVersion) });
    const binding = (node: string): KubeObject => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'cu-pod' }, target: { kind: 'Node', name: node } }) as KubeObject;
    expect((await handlers.bind(pods, info(pods, 'cu-pod', 'binding', 'create'), binding('node-a') as never)).code).toBe(201);
    const err = await refusal(handlers.bind(pods, info(pods, 'cu-pod', 'binding', 'create'), binding('node-b') as never));
    expect(err.status.code).toBe(409);
    expect(err.status.message).toBe('Operation cannot be fulfilled on pods/binding "cu-pod": pod cu-pod is already assigned to node "node-a"');
    expect(((await stored(pods, 'cu-pod')) as Pod).spec?.nodeName).toBe('node-a');
  });

  it('tells the cache what it wrote: a create, an update, a delete', async () => {
    const k = key(configmaps, 'cu-7');
    const told = (): { key: string; written: Versioned; deleted: boolean } | undefined => caches.told.at(-1);
    const created = (await handlers.create(configmaps, info(configmaps, '', '', 'create'), cm('cu-7', 'v1'))).body as ConfigMap;
    expect(told()).toEqual({ key: k, written: { obj: created, modRevision: Number(created.metadata.resourceVersion) }, deleted: false });
    const updated = (await handlers.update(configmaps, info(configmaps, 'cu-7'), cm('cu-7', 'v2'))).body as ConfigMap;
    expect(told()?.written?.obj).toBe(updated);
    expect(told()?.written?.modRevision).toBe(Number(updated.metadata.resourceVersion));
    expect(((await stored(configmaps, 'cu-7')) as ConfigMap).metadata.resourceVersion).toBe(updated.metadata.resourceVersion);
    await handlers.delete(configmaps, info(configmaps, 'cu-7', '', 'delete'), {});
    // A delete is told with the delete's revision, after the update's.
    expect(told()).toMatchObject({ key: k, deleted: true });
    expect(told()!.written.modRevision).toBeGreaterThan(Number(updated.metadata.resourceVersion));
  });

  it('a dry run never starts from the cache', async () => {
    await staleAt('cu-6');
    const before = caches.suggested;
    const out = (await handlers.update(configmaps, { ...info(configmaps, 'cu-6'), dryRun: true }, cm('cu-6', 'v9'))).body as ConfigMap;
    expect(caches.suggested).toBe(before);
    expect(((await stored(configmaps, 'cu-6')) as ConfigMap).data).toEqual({ k: 'v2' });
    expect(out.data).toEqual({ k: 'v9' });
  });
});
