/**
 * A watch cache remembers what its own replica wrote ahead of its watch (WatchCache.wrote), so that the next
 * update of that object starts from the write instead of a store read. The cache here runs over a store
 * whose watch the test drives by hand, so "the watch has not caught up yet" is a state, not a race.
 */
import { describe, expect, it } from 'vitest';
import type { ConfigMap } from '../../src/api/index.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import type { ListPage, ListRequest, ObjectStore, Versioned } from '../../src/apiserver/storage/object-store.js';
import { WatchCache, WatchCaches } from '../../src/apiserver/watch-cache.js';
import { CapstanError } from '../../src/util/errors.js';
import { Watcher, type KeyValue } from '../../src/store/client/index.js';
import type { WatchSink } from '../../src/store/client/watch.js';
import { silentLogger } from '../../src/util/logger.js';

const PREFIX = '/registry/configmaps/';

/** HandDrivenStore lists one object at revision 10 and hands the test the sink of the cache's watch. */
class HandDrivenStore implements Pick<ObjectStore, 'list' | 'listPrefix' | 'key' | 'watch'> {
  sink: WatchSink | undefined;
  lists = 0;

  list(_req: ListRequest): Promise<ListPage> {
    this.lists++;
    return Promise.resolve({ items: [{ obj: configMap('a', 'listed', 5), modRevision: 5 }], revision: 10 });
  }

  listPrefix(): string {
    return PREFIX;
  }

  key(_resource: string, _namespace: string | undefined, name: string): string {
    return `${PREFIX}default/${name}`;
  }

  watch(keyOrPrefix: string): Watcher {
    return new Watcher(Buffer.from(keyOrPrefix), Buffer.alloc(0), (sink) => {
      this.sink = sink;
      queueMicrotask(() => sink.created(10));
      return () => undefined;
    });
  }

  /** put delivers, through the watch, a put of name at revision. */
  put(name: string, value: string, revision: number): void {
    const kv: KeyValue = { key: Buffer.from(this.key('configmaps', 'default', name)), value: Buffer.from(JSON.stringify(configMap(name, value))), createRevision: 5, modRevision: revision, version: 2, lease: 0n };
    this.sink!.batch({ events: [{ type: 'PUT', kv, prevKv: undefined }], revision });
  }
}

function configMap(name: string, value: string, rv?: number): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(rv === undefined ? {} : { resourceVersion: String(rv) }) }, data: { k: value } };
}

function written(name: string, value: string, revision: number): Versioned {
  return { obj: configMap(name, value, revision), modRevision: revision };
}

const data = (v: Versioned | undefined): unknown => (v?.obj as ConfigMap | undefined)?.data?.k;

async function startedCache(): Promise<{ cache: WatchCache; store: HandDrivenStore }> {
  const store = new HandDrivenStore();
  const r = builtinRegistry().lookup('', 'v1', 'configmaps')!;
  const cache = new WatchCache(store as unknown as ObjectStore, r, silentLogger(), 100);
  await cache.ready();
  return { cache, store };
}

describe('a watch cache remembers its own replica\'s writes', () => {
  it('offers the write while its watch is behind it, then its own copy once the watch brings it', async () => {
    const { cache, store } = await startedCache();
    const key = store.key('configmaps', 'default', 'a');
    expect(data(cache.suggestion(key))).toBe('listed');
    const mine = written('a', 'mine', 12);
    cache.wrote(key, mine);
    expect(cache.suggestion(key)).toBe(mine);
    // A change of another key at 11 does not reach the write.
    store.put('b', 'other', 11);
    expect(cache.suggestion(key)).toBe(mine);
    store.put('a', 'watched', 12);
    const after = cache.suggestion(key);
    expect(after).not.toBe(mine);
    expect(data(after)).toBe('watched');
    expect(after?.modRevision).toBe(12);
  });

  it('never offers a write older than what the cache already reflects', async () => {
    const { cache, store } = await startedCache();
    const key = store.key('configmaps', 'default', 'a');
    cache.wrote(key, written('a', 'old', 9));
    expect(data(cache.suggestion(key))).toBe('listed');
  });

  it('forgets a remembered write when the replica deletes the object', async () => {
    const { cache, store } = await startedCache();
    const key = store.key('configmaps', 'default', 'a');
    cache.wrote(key, written('a', 'mine', 12));
    cache.wrote(key, undefined);
    expect(data(cache.suggestion(key))).toBe('listed');
  });

  it('offers the newest of several writes of one key', async () => {
    const { cache, store } = await startedCache();
    const key = store.key('configmaps', 'default', 'a');
    cache.wrote(key, written('a', 'first', 12));
    cache.wrote(key, written('a', 'second', 14));
    store.put('a', 'watched', 12);
    expect(data(cache.suggestion(key))).toBe('second');
    store.put('a', 'watched again', 14);
    expect(data(cache.suggestion(key))).toBe('watched again');
  });

  it('keeps at most 8,192 writes, dropping the oldest', async () => {
    const { cache, store } = await startedCache();
    const keys = Array.from({ length: 8193 }, (_, i) => store.key('configmaps', 'default', `n${i}`));
    keys.forEach((key, i) => cache.wrote(key, written(`n${i}`, 'mine', 11 + i)));
    expect(cache.suggestion(keys[0]!)).toBeUndefined();
    expect(data(cache.suggestion(keys[1]!))).toBe('mine');
    expect(data(cache.suggestion(keys[8192]!))).toBe('mine');
  });

  it('offers nothing while its watch is down', async () => {
    const { cache, store } = await startedCache();
    const key = store.key('configmaps', 'default', 'a');
    cache.wrote(key, written('a', 'mine', 12));
    cache.close();
    expect(cache.suggestion(key)).toBeUndefined();
  });
});

describe('an update warms its resource\'s watch cache', () => {
  const configmaps = builtinRegistry().lookup('', 'v1', 'configmaps')!;
  const key = `${PREFIX}default/a`;

  it('starts the cache in the background, offers nothing until it is live, and restarts it after its watch failed', async () => {
    const store = new HandDrivenStore();
    const caches = new WatchCaches(store as unknown as ObjectStore, silentLogger(), 100);
    const cache = caches.warm(configmaps)!;
    expect(cache.running).toBe(true);
    expect(cache.suggestion(key)).toBeUndefined();
    await cache.ready();
    expect(data(caches.warm(configmaps)?.suggestion(key))).toBe('listed');
    expect(store.lists).toBe(1);
    store.sink!.fail(new CapstanError('the watch failed', 'test', true));
    expect(cache.running).toBe(false);
    expect(caches.warm(configmaps)).toBe(cache);
    await cache.ready();
    expect(store.lists).toBe(2);
    expect(data(cache.suggestion(key))).toBe('listed');
  });

  it('starts nothing once the caches are closed', () => {
    const store = new HandDrivenStore();
    const caches = new WatchCaches(store as unknown as ObjectStore, silentLogger(), 100);
    caches.close();
    expect(caches.warm(configmaps)).toBeUndefined();
    expect(store.lists).toBe(0);
  });
});
