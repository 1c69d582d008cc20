/**
 * Informer is a reflector, an indexed cache and event handlers together (client-go's
 * sharedIndexInformer, without the DeltaFIFO: the reflector writes straight into the informer, which updates
 * its cache and then notifies handlers, synchronously and in event order). The contract handlers get is
 * client-go's:
 *
 * - onAdd(obj) for an object the cache did not hold; onUpdate(old, new) for one it did — including every
 *   object of a relist and of a periodic resync (then old and new may be the same object: compare
 *   resourceVersions to tell a resync from a change);
 * - onDelete(obj) with the last state the server reported, or — when the object vanished while the watch was
 *   down and only a relist noticed — a DeletedFinalStateUnknown tombstone holding the last state the cache
 *   had;
 * - every object is frozen: handlers must not mutate it (they should only enqueue its key, see workqueue.ts);
 * - hasSynced() turns true once the first complete list is in the cache and its handlers have run.
 *
 * A handler added after start first receives onAdd for everything already cached. A handler that throws is
 * logged and does not stop the informer or the other handlers.
 */
import { deepFreeze, objectKey, type DeepReadonly, type KubeObject } from '../../api/index.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { CacheSyncTimeoutError } from './errors.js';
import { Indexer, type CacheReader, type Indexers } from './indexer.js';
import { Reflector, type ListerWatcher, type ReflectorOptions, type ReflectorStats, type ReflectorStore } from './reflector.js';

/**
 * DeletedFinalStateUnknown is what onDelete receives for an object that was deleted while the informer was
 * not watching: its key and the last state the cache held (cache.DeletedFinalStateUnknown).
 */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: DeepReadonly<T>,
  ) {}
}

/** tombstoneObject returns the object onDelete was given, unwrapping a DeletedFinalStateUnknown. */
export function tombstoneObject<T>(obj: DeepReadonly<T> | DeletedFinalStateUnknown<T>): DeepReadonly<T> {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/** EventHandler receives an informer's notifications (cache.ResourceEventHandlerFuncs). */
export interface EventHandler<T> {
  onAdd?(obj: DeepReadonly<T>, isInInitialList: boolean): void;
  onUpdate?(oldObj: DeepReadonly<T>, newObj: DeepReadonly<T>): void;
  onDelete?(obj: DeepReadonly<T> | DeletedFinalStateUnknown<T>): void;
}

/** HandlerRegistration removes a handler again. */
export interface HandlerRegistration {
  remove(): void;
}

/** InformerOptions configure an informer; reflector options pass through. */
export interface InformerOptions<T> extends ReflectorOptions {
  /** indexers are the cache's secondary indexes. */
  indexers?: Indexers<T>;
}

/** Informer keeps an indexed, frozen cache of one resource in step with the server and tells handlers about changes. */
export class Informer<T extends KubeObject> {
  private readonly indexer: Indexer<T>;
  private readonly reflector: Reflector<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly log: Logger | undefined;
  private readonly clock: Clock;
  private readonly name: string;
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(lw: ListerWatcher<T>, options: InformerOptions<T> = {}) {
    this.indexer = new Indexer<T>(options.indexers ?? {});
    this.name = options.name ?? 'unnamed';
    this.log = options.logger?.child({ component: 'informer', informer: options.name ?? 'unnamed' });
    this.clock = options.clock ?? systemClock;
    const store: ReflectorStore<T> = {
      replace: (items) => this.onReplace(items),
      add: (obj) => this.onUpsert(obj),
      update: (obj) => this.onUpsert(obj),
      delete: (obj) => this.onDelete(obj),
      resync: () => this.onResync(),
    };
    this.reflector = new Reflector<T>(lw, store, options);
  }

  /** cache is the read side of the informer's indexer (listers read here). */
  get cache(): CacheReader<T> {
    return this.indexer;
  }

  /** stats are the reflector's counters. */
  get stats(): Readonly<ReflectorStats> {
    return this.reflector.stats;
  }

  /** lastSyncResourceVersion is the resourceVersion the cache reflects. */
  get lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  /** addIndexers adds secondary indexes to the cache, filing what it already holds (cache.SharedIndexInformer.AddIndexers). */
  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  /** addEventHandler registers h; if the cache already holds objects, h first gets onAdd for each. */
  addEventHandler(h: EventHandler<T>): HandlerRegistration {
    this.handlers.add(h);
    for (const obj of this.indexer.list()) this.call('onAdd', () => h.onAdd?.(obj, true));
    return { remove: () => void this.handlers.delete(h) };
  }

  /** start starts the reflector. */
  start(): void {
    this.reflector.start();
  }

  /** stop stops the reflector and resolves once it has exited. */
  stop(): Promise<void> {
    return this.reflector.stop();
  }

  /** hasSynced reports whether the first complete list has been delivered (cache.InformerSynced). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** waitForSync resolves once hasSynced() is true, or rejects after timeoutMs (cache.WaitForCacheSync). */
  waitForSync(timeoutMs = 60_000): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(new CacheSyncTimeoutError(`informer ${this.name} did not sync within ${timeoutMs} ms`)), timeoutMs);
      this.syncWaiters.push(() => {
        timer.cancel();
        resolve();
      });
    });
  }

  private onReplace(items: T[]): void {
    const fresh = new Set<string>();
    const initial = !this.synced;
    for (const obj of items) {
      const { key, obj: frozen, old } = this.indexer.upsert(obj);
      fresh.add(key);
      if (old === undefined) this.notify('onAdd', (h) => h.onAdd?.(frozen, initial));
      else this.notify('onUpdate', (h) => h.onUpdate?.(old, frozen));
    }
    for (const key of this.indexer.listKeys()) {
      if (fresh.has(key)) continue;
      const old = this.indexer.deleteKey(key)!;
      const tombstone = new DeletedFinalStateUnknown<T>(key, old);
      this.notify('onDelete', (h) => h.onDelete?.(tombstone));
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private onUpsert(obj: T): void {
    const { obj: frozen, old } = this.indexer.upsert(obj);
    if (old === undefined) this.notify('onAdd', (h) => h.onAdd?.(frozen, false));
    else this.notify('onUpdate', (h) => h.onUpdate?.(old, frozen));
  }

  private onDelete(obj: T): void {
    this.indexer.deleteKey(objectKey(obj));
    // The DELETED event carries the server's final state, which is newer than the cached one.
    const last = deepFreeze(obj);
    this.notify('onDelete', (h) => h.onDelete?.(last));
  }

  private onResync(): void {
    for (const obj of this.indexer.list()) this.notify('onUpdate', (h) => h.onUpdate?.(obj, obj));
  }

  private notify(what: keyof EventHandler<T>, fn: (h: EventHandler<T>) => void): void {
    for (const h of this.handlers) this.call(what, () => fn(h));
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log?.error({ handler: what, err: err instanceof Error ? err.message : String(err) }, 'event handler failed');
    }
  }
}
