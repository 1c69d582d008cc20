/**
 * A watch cache remembers what its own replica wrote ahead of its watch (WatchCache.wrote), so that the next
 * update of that object starts from the write instead of a store read. The cache here runs over a store
 * whose watch the test drives by hand, so "the watch has not caught up yet" is a state, not a race.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ConfigMap } from '../../src/api/index.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import type { ListPage, ListRequest, ObjectStore, Versioned } from '../../src/apiserver/storage/object-store.js';
import { WatchCache, WatchCaches } from '../../src/apiserver/watch-cache.js';
import { ManualClock } from '../../src/util/clock.js';
import { CapstanError } from '../../src/util/errors.js';
import { Watcher, type KeyValue } from '../../src/store/client/index.js';
import type { WatchSink } from '../../src/store/client/watch.js';
import { silentLogger } from '../../src/util/logger.js';

const PREFIX = '/registry/configmaps/';

/** HandDrivenStore lists one object at revision 10 and hands the test the sink of the cache's watch. */
class HandDrivenStore implements Pick<ObjectStore, 'list' | 'listPrefix' | 'key' | 'watch'> {
  sink: WatchSink | undefined;
  lists = 0;
  /** watches records what each watch asked for. */
  readonly watches: { prevKv: boolean | undefined; cancelled: boolean }[] = [];
  /** hold, when set, keeps the next list pending until the test calls it. */
  hold: ((release: () => void) => void) | undefined;
  /** failLists makes lists fail. */
  failLists = false;
  /** holdCreated leaves a new watch waiting for its creation until the test calls sink.created. */
  holdCreated = false;

  list(_req: ListRequest): Promise<ListPage> {
    this.lists++;
    if (this.failLists) return Promise.reject(new Error('the store is unavailable'));
    const page: ListPage = { items: [{ obj: configMap('a', 'listed', 5), modRevision: 5, key: this.key('configmaps', 'default', 'a') }], revision: 10 };
    const hold = this.hold;
    this.hold = undefined;
    return hold === undefined ? Promise.resolve(page) : new Promise((resolve) => hold(() => resolve(page)));
  }

  listPrefix(): string {
    return PREFIX;
  }

  key(_resource: string, _namespace: string | undefined, name: string): string {
    return `${PREFIX}default/${name}`;
  }

  watch(keyOrPrefix: string, _start: number, _isPrefix: boolean, prevKv?: boolean): Watcher {
    const record = { prevKv, cancelled: false };
    this.watches.push(record);
    return new Watcher(Buffer.from(keyOrPrefix), Buffer.alloc(0), (sink) => {
      this.sink = sink;
      if (!this.holdCreated) queueMicrotask(() => sink.created(10));
      return () => {
        record.cancelled = true;
      };
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
    cache.wrote(key, written('a', 'mine', 12));
    const offered = cache.suggestion(key);
    expect([data(offered), offered?.modRevision, Object.isFrozen(offered?.obj)]).toEqual(['mine', 12, true]);
    // A change of another key at 11 does not reach the write.
    store.put('b', 'other', 11);
    expect(data(cache.suggestion(key))).toBe('mine');
    store.put('a', 'watched', 12);
    const after = cache.suggestion(key);
    expect(data(after)).toBe('watched');
    expect(after?.modRevision).toBe(12);
  });

  it('never offers a write older than what the cache already reflects', async () => {
    const { cache, store } = await startedCache();
    const key = store.key('configmaps', 'default', 'a');
    cache.wrote(key, written('a', 'old', 9));
    expect(data(cache.suggestion(key))).toBe('listed');
  });

  it('remembers the replica\'s delete: nothing to suggest (the cached copy is known gone), and its own listing leaves it out', async () => {
    const { cache, store } = await startedCache();
    const key = store.key('configmaps', 'default', 'a');
    cache.wrote(key, written('a', 'mine', 12));
    cache.wrote(key, written('a', 'mine', 13), true);
    expect(cache.suggestion(key)).toBeUndefined();
    expect(cache.listWithOwnWrites(store.listPrefix()).map((o) => o.metadata.name)).not.toContain('a');
    // A late answer of the delete does not hide a newer create; a create after it is offered.
    cache.wrote(key, written('a', 'again', 14));
    cache.wrote(key, written('a', 'mine', 13), true);
    expect(data(cache.suggestion(key))).toBe('again');
    expect(cache.listWithOwnWrites(store.listPrefix()).map((o) => o.metadata.name)).toContain('a');
  });

  it('a tombstone gives way to what its watch brings after the delete', async () => {
    const { cache, store } = await startedCache();
    const key = store.key('configmaps', 'default', 'a');
    cache.wrote(key, written('a', 'mine', 12), true);
    expect(cache.suggestion(key)).toBeUndefined();
    store.put('a', 'recreated elsewhere', 13);
    expect(data(cache.suggestion(key))).toBe('recreated elsewhere');
  });

  it('asks its watch for no previous values', async () => {
    const { store } = await startedCache();
    expect(store.watches.map((w) => w.prevKv)).toEqual([false]);
  });

  it('keeps the newer write when an older one is reported after it, and nothing while it is not running', async () => {
    const { cache, store } = await startedCache();
    const key = store.key('configmaps', 'default', 'a');
    cache.wrote(key, written('a', 'newer', 14));
    cache.wrote(key, written('a', 'older', 12));
    expect(data(cache.suggestion(key))).toBe('newer');
    store.sink!.fail(new CapstanError('the watch failed', 'test', true));
    cache.wrote(store.key('configmaps', 'default', 'b'), written('b', 'mine', 15));
    await cache.ready();
    expect(cache.suggestion(store.key('configmaps', 'default', 'b'))).toBeUndefined();
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
  const clock = new ManualClock();

  it('starts the cache in the background, offers nothing until it is live, and restarts it after its watch failed', async () => {
    const store = new HandDrivenStore();
    const caches = new WatchCaches(store as unknown as ObjectStore, silentLogger(), 100, clock);
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

  it('starts nothing once the caches are closed', async () => {
    const store = new HandDrivenStore();
    const caches = new WatchCaches(store as unknown as ObjectStore, silentLogger(), 100, clock);
    caches.close();
    expect(caches.warm(configmaps)).toBeUndefined();
    await expect(caches.for(configmaps)).rejects.toThrow('the watch cache is closed');
    expect(store.lists).toBe(0);
  });

  it('a cache closed while it lists opens no watch, and one closed while its watch starts cancels it', async () => {
    const store = new HandDrivenStore();
    let release: (() => void) | undefined;
    store.hold = (r) => (release = r);
    const caches = new WatchCaches(store as unknown as ObjectStore, silentLogger(), 100, clock);
    const cache = caches.warm(configmaps)!;
    const started = cache.ready();
    caches.close();
    release!();
    await expect(started).rejects.toThrow('the watch cache is closed');
    expect(store.watches).toEqual([]);
    expect(cache.suggestion(key)).toBeUndefined();

    const other = new HandDrivenStore();
    other.holdCreated = true;
    const caches2 = new WatchCaches(other as unknown as ObjectStore, silentLogger(), 100, clock);
    const cache2 = caches2.warm(configmaps)!;
    const started2 = cache2.ready();
    await vi.waitFor(() => expect(other.sink).toBeDefined());
    caches2.close();
    other.sink!.created(10);
    await expect(started2).rejects.toThrow();
    expect(other.watches.every((w) => w.cancelled)).toBe(true);
    expect(cache2.suggestion(key)).toBeUndefined();
  });

  it('after a failed start, updates try again once a second, not on every call', async () => {
    const store = new HandDrivenStore();
    store.failLists = true;
    const caches = new WatchCaches(store as unknown as ObjectStore, silentLogger(), 100, clock);
    const cache = caches.warm(configmaps)!;
    await expect(cache.ready()).rejects.toThrow('the store is unavailable');
    const tries = store.lists;
    for (let i = 0; i < 10; i++) caches.warm(configmaps);
    expect(store.lists).toBe(tries);
    store.failLists = false;
    clock.advance(1_000);
    caches.warm(configmaps);
    await cache.ready();
    expect(store.lists).toBe(tries + 1);
    expect(data(cache.suggestion(key))).toBe('listed');
  });
});
