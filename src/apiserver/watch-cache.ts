/**
 * WatchCache is one replica's cache of one resource, as kube-apiserver's cacher: a single etcd watch on the
 * resource's prefix keeps an in-memory copy of every object and a window of recent changes, and serves every
 * watch of that resource on this replica (and lists at resourceVersion "0") from memory, so N watchers cost
 * one etcd watch, not N.
 *
 * - It starts lazily, at the first use: a list at revision R fills the objects, then the watch from R+1
 *   keeps them current; `revision` is the newest revision whose changes are all applied. Started by a watch
 *   from resourceVersion N, R is N where the store still holds it: a client lists, then watches from the list's
 *   revision, and the writes in between (a thousand node agents registering at once) would otherwise leave that
 *   first watcher outside the window, on an etcd watch of its own for as long as it runs.
 * - A watch from resourceVersion N replays the changes after N from the window, then follows live ones; if
 *   the window no longer reaches back to N it is a 410 Expired (`too old resource version`), which makes
 *   clients relist — as with kube-apiserver, whose window is also bounded.
 * - Subscribers are called synchronously, in revision order; they must not block (the HTTP layer drops a
 *   watcher whose connection does not drain).
 * - If the etcd watch fails (a compaction the cache fell behind, the store gone for good), every subscriber is
 *   ended and the cache starts over with a fresh list; ended clients re-watch from their last revision.
 * - Cached objects are shared by every reader and must never be mutated.
 */
import type { KubeObject } from '../api/index.js';
import { CompactedError, FutureRevError, type Watcher } from '../store/client/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { StatusError } from './errors.js';
import { stampKind, type ResourceType } from './resource.js';
import type { ObjectStore, Versioned } from './storage/object-store.js';
import { applyBatch, deliveredThrough, type ObjectChange } from './watch-event.js';

/**
 * WRITTEN_LIMIT bounds the objects a cache remembers having written ahead of its watch: a few seconds of
 * writes through one replica when the watch lags.
 */
const WRITTEN_LIMIT = 8192;

/** WARM_RETRY_MS is how long after a failed start warm leaves a cache alone. */
const WARM_RETRY_MS = 1_000;

/** OwnWrite is an object this replica wrote, at the write's revision; obj is undefined for a delete. */
interface OwnWrite {
  readonly obj: KubeObject | undefined;
  readonly modRevision: number;
}

/** CacheSubscriber receives a cache's changes; end is called once if the cache drops it. */
export interface CacheSubscriber {
  changes(changes: readonly ObjectChange[], revision: number): void;
  end(reason: Error): void;
}

/** WatchCache: see the module comment. */
export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  private window: ObjectChange[] = [];
  /** complete is the revision after which the window holds every change. */
  private complete = 0;
  private current = 0;
  private readonly subscribers = new Set<CacheSubscriber>();
  private watcher: Watcher | undefined;
  private starting: Promise<void> | undefined;
  /** live is true while the cache's etcd watch runs and the objects reflect it. */
  private live = false;
  private closed = false;
  /**
   * written holds objects this replica wrote that the cache has not seen yet, oldest first (see wrote), and as
   * tombstones (no obj) those it deleted. It is pruned as the cache moves past them and never holds more than
   * WRITTEN_LIMIT.
   */
  private readonly written = new Map<string, OwnWrite>();

  constructor(
    private readonly store: ObjectStore,
    private readonly r: ResourceType,
    private readonly log: Logger,
    /** windowSize is how many recent changes the cache keeps for watches that start in the past. */
    private readonly windowSize: number,
  ) {}

  /** revision is the newest revision the cache reflects (0 before it started). */
  get revision(): number {
    return this.current;
  }

  /** running says the cache is started or starting (its watch has not failed since). */
  get running(): boolean {
    return this.starting !== undefined;
  }

  /**
   * ready starts the cache if it is not running and resolves once it holds the resource; from, if given, is
   * the revision to start at (see the module comment) — the latest where the store no longer has it.
   */
  ready(from?: number): Promise<void> {
    if (this.closed) return Promise.reject(StatusError.serviceUnavailable('the watch cache is closed'));
    this.starting ??= this.start(from).catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private stamp(obj: KubeObject): KubeObject {
    return Object.freeze(stampKind(this.r, obj));
  }

  private async start(from: number | undefined): Promise<void> {
    const prefix = this.store.listPrefix(this.r.resource);
    const page = await this.store.list({ prefix, revision: from }).catch((err: unknown) => {
      if (from === undefined || !(err instanceof CompactedError || err instanceof FutureRevError)) throw err;
      return this.store.list({ prefix });
    });
    if (this.closed) throw StatusError.serviceUnavailable('the watch cache is closed');
    this.objects.clear();
    // Under the store key, as the watch's changes are: an object's metadata need not match its key.
    for (const v of page.items) this.objects.set(v.key, this.stamp(v.obj));
    this.window = [];
    this.complete = page.revision;
    this.current = page.revision;
    // The cache holds every object, so each change's previous state is its own: no previous values asked for.
    const watcher = this.store.watch(prefix, page.revision + 1, true, false);
    this.watcher = watcher;
    watcher.on('data', (batch) => {
      if (this.watcher !== watcher) return;
      const changes = applyBatch(batch, this.objects, (o) => this.stamp(o), (key, err) => this.log.warn({ err, key }, 'watch cache: skipping a value that is not an object'));
      for (const c of changes) this.window.push(c);
      if (this.window.length > this.windowSize) {
        const dropped = this.window.splice(0, this.window.length - this.windowSize);
        this.complete = dropped[dropped.length - 1]!.revision;
      }
      this.current = Math.max(this.current, deliveredThrough(batch));
      this.pruneWritten();
      for (const s of [...this.subscribers]) {
        // One watcher's failure (a client's stream, a printer) must not reach the others or the cache.
        try {
          s.changes(changes, this.current);
        } catch (err) {
          this.subscribers.delete(s);
          this.log.error({ err, resource: this.r.resource }, 'watch cache: a subscriber failed; ending it');
          s.end(err instanceof Error ? err : new Error(String(err)));
        }
      }
    });
    const restart = (err: Error): void => {
      if (this.watcher !== watcher) return;
      this.watcher = undefined;
      this.starting = undefined;
      this.live = false;
      this.log.warn({ err, resource: this.r.resource }, 'watch cache: etcd watch ended; ending watchers and starting over');
      for (const s of [...this.subscribers]) s.end(err);
      this.subscribers.clear();
    };
    watcher.on('error', restart);
    watcher.on('close', () => restart(new Error('the etcd watch closed')));
    await watcher.ready();
    if (this.closed) {
      // Closed while the watch was being set up: close() found no watch to cancel.
      watcher.cancel();
      throw StatusError.serviceUnavailable('the watch cache is closed');
    }
    this.live = this.watcher === watcher;
    this.pruneWritten();
  }

  /**
   * suggestion is the cached object under key with its mod revision, while the cache is live — a guess at
   * the stored state that an update may start from (kube-apiserver's cachedExistingObject): the write is
   * guarded by that revision, so a stale guess costs a retry, never a lost update.
   */
  suggestion(key: string): Versioned | undefined {
    if (!this.live) return undefined;
    const own = this.written.get(key);
    // Deleted by this replica: the cached copy is known to be gone, so there is nothing to suggest.
    if (own !== undefined && own.modRevision > this.current) return own.obj === undefined ? undefined : { obj: own.obj, modRevision: own.modRevision };
    const obj = this.objects.get(key);
    const modRevision = Number(obj?.metadata.resourceVersion);
    return obj === undefined || !Number.isSafeInteger(modRevision) ? undefined : { obj, modRevision };
  }

  /**
   * wrote records an object this replica has just written, as the store acknowledged it (stamped with the
   * write's revision). Until the cache's watch reaches that revision, suggestion
   * offers it in place of the cached copy: an agent that writes again right after its own write (a kubelet's
   * second status update, a lease renewal) would otherwise find the cache known-stale and cost a store read. With
   * deleted, written is the object as it was deleted, at the delete's revision: it is remembered as gone.
   */
  wrote(key: string, written: Versioned, deleted = false): void {
    // A cache that is not running is never pruned; and an answer that arrives late must not hide a newer one.
    if (!this.running || written.modRevision <= this.current || written.modRevision <= (this.written.get(key)?.modRevision ?? 0)) return;
    this.written.delete(key);
    // A copy frozen as the cache's own objects are: what the handler answers with may not change it.
    this.written.set(key, { obj: deleted ? undefined : Object.freeze({ ...written.obj }), modRevision: written.modRevision });
    if (this.written.size > WRITTEN_LIMIT) this.written.delete(this.written.keys().next().value!);
  }

  /** pruneWritten drops the written objects the cache has caught up with (the oldest come first). */
  private pruneWritten(): void {
    for (const [key, w] of this.written) {
      if (w.modRevision > this.current) return;
      this.written.delete(key);
    }
  }

  /** get returns the cached object under key (shared: never mutate it), or undefined. */
  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /**
   * getWithOwnWrites is get with this replica's own writes the watch has not brought yet: the object it wrote, or
   * undefined when it deleted it.
   */
  getWithOwnWrites(key: string): KubeObject | undefined {
    const own = this.written.get(key);
    if (own !== undefined && own.modRevision > this.current) return own.obj;
    return this.objects.get(key);
  }

  /**
   * listWithOwnWrites lists the cached objects under a key prefix with the objects this replica wrote that the
   * watch has not brought yet in place of their cached state (unordered; shared: never mutate them) — what an
   * admission check reads, so that a client's write is seen by its next request through the same replica.
   */
  listWithOwnWrites(prefix: string): KubeObject[] {
    const byKey = new Map<string, KubeObject>();
    for (const [k, o] of this.objects) if (k.startsWith(prefix)) byKey.set(k, o);
    for (const [k, w] of this.written) {
      if (!k.startsWith(prefix) || w.modRevision <= this.current) continue;
      if (w.obj === undefined) byKey.delete(k);
      else byKey.set(k, w.obj);
    }
    return [...byKey.values()];
  }

  /** covers says whether the window holds every change after revision (a watch from it can be served). */
  covers(revision: number): boolean {
    return revision >= this.complete;
  }

  /**
   * list returns the cached objects under a key prefix (a namespace's, or all), in key order, that pass
   * filter, and the revision they reflect. The objects are shared: never mutate them.
   */
  list(prefix: string, filter: (o: KubeObject) => boolean): { items: KubeObject[]; revision: number } {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const items: KubeObject[] = [];
    for (const k of keys) {
      const o = this.objects.get(k)!;
      if (filter(o)) items.push(o);
    }
    return { items, revision: this.current };
  }

  /**
   * subscribe replays the changes after fromRevision and then delivers live ones to s, until the returned
   * function is called. A fromRevision older than the window throws a 410 Expired StatusError.
   */
  subscribe(fromRevision: number, s: CacheSubscriber): () => void {
    if (fromRevision < this.complete) throw StatusError.resourceExpired(`too old resource version: ${fromRevision} (${this.complete + 1})`);
    const replay = this.window.filter((c) => c.revision > fromRevision);
    if (replay.length > 0) s.changes(replay, this.current);
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** close stops the etcd watch and ends every subscriber. */
  close(): void {
    this.closed = true;
    this.live = false;
    this.watcher?.cancel();
    this.watcher = undefined;
    for (const s of [...this.subscribers]) s.end(new Error('the watch cache closed'));
    this.subscribers.clear();
  }
}

/** cacheKey names resource r's cache among a replica's. */
function cacheKey(r: ResourceType): string {
  return `${r.group}/${r.resource}`;
}

/** WatchCaches holds one WatchCache per resource of a replica, created at first use. */
export class WatchCaches {
  private readonly caches = new Map<string, WatchCache>();

  constructor(
    private readonly store: ObjectStore,
    private readonly log: Logger,
    private readonly windowSize: number,
    private readonly clock: Clock,
  ) {}

  private closed = false;
  /** warmFailures holds when warm last failed to start a resource's cache (monotonic ms). */
  private readonly warmFailures = new Map<string, number>();

  /** for returns the (started) cache of resource r; from is the revision to start it at if it must start. */
  async for(r: ResourceType, from?: number): Promise<WatchCache> {
    if (this.closed) throw StatusError.serviceUnavailable('the watch cache is closed');
    const c = this.cacheOf(r);
    await c.ready(from);
    return c;
  }

  private cacheOf(r: ResourceType): WatchCache {
    const key = cacheKey(r);
    let c = this.caches.get(key);
    if (c === undefined) {
      c = new WatchCache(this.store, r, this.log.child({ component: 'watch-cache', resource: r.resource }), this.windowSize);
      this.caches.set(key, c);
    }
    return c;
  }

  /**
   * warm returns resource r's cache, (re)starting it in the background if it is not running: an update asks
   * for it, so that later updates of the resource (node Leases, which nobody on this replica may watch)
   * start from the cache's copy instead of a store read. It offers nothing until it is live. After close,
   * there is none.
   */
  warm(r: ResourceType): WatchCache | undefined {
    if (this.closed) return undefined;
    const c = this.cacheOf(r);
    if (c.running) return c;
    // After a failed start, updates try again at most once a second (each try lists the whole resource).
    const key = cacheKey(r);
    const failedAt = this.warmFailures.get(key);
    if (failedAt !== undefined && this.clock.monotonic() - failedAt < WARM_RETRY_MS) return c;
    c.ready().then(
      () => this.warmFailures.delete(key),
      (err: unknown) => {
        this.warmFailures.set(key, this.clock.monotonic());
        this.log.debug({ err, resource: r.resource }, 'watch cache: could not start it for updates');
      },
    );
    return c;
  }

  /** existing returns resource r's cache if one was created, without starting one. */
  existing(r: ResourceType): WatchCache | undefined {
    return this.caches.get(cacheKey(r));
  }

  /** close closes every cache. */
  close(): void {
    this.closed = true;
    for (const c of this.caches.values()) c.close();
    this.caches.clear();
  }
}
