/**
 * Reflector keeps a store in step with the server (client-go's cache.Reflector):
 *
 * 1. list the collection, a page at a time (limit + continue), as one consistent snapshot, and replace the
 *    store's content with it; the list's resourceVersion becomes the last synced one;
 * 2. watch from that resourceVersion with allowWatchBookmarks, applying ADDED / MODIFIED / DELETED to the
 *    store and advancing the resourceVersion with every event and BOOKMARK;
 * 3. when the watch ends (timeoutSeconds, a replica restarting, a broken connection) watch again from the
 *    last resourceVersion — nothing is missed and nothing is listed again;
 * 4. when the server answers 410 Gone/Expired (the resourceVersion is older than the compacted history, or a
 *    continue token expired mid-list) list again from scratch: the store's replace then reports what changed
 *    meanwhile, deletions included;
 * 5. other failures pause with exponential backoff and jitter (client-go's 800 ms → 30 s) before retrying.
 *
 * Every resyncPeriodMs (0: never) the store is asked to resync, re-delivering what it holds. The reflector
 * never blocks on its consumer: the store's methods are synchronous (handlers only enqueue keys).
 */
import type { KubeList, KubeObject, ListOptions, Status, WatchEvent } from '../../api/index.js';
import { systemClock, type Clock, type TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { cryptoRandom, type Random } from '../../util/random.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { apiStatusError, isGoneOrExpired } from './errors.js';
import type { RestClient } from './rest-client.js';
import type { ResourceDescriptor } from './resource.js';
import type { WatchStream } from './watch-stream.js';

/** ListerWatcher is where a reflector lists and watches (cache.ListerWatcher); tests stand in for it. */
export interface ListerWatcher<T> {
  list(options: ListOptions): Promise<KubeList<T>>;
  watch(options: ListOptions): Promise<WatchStream<T>>;
}

/** listWatchFor builds the ListerWatcher of a resource, in one namespace or all, optionally filtered. */
export function listWatchFor<T>(
  client: RestClient,
  r: ResourceDescriptor,
  namespace?: string,
  selectors: { labelSelector?: string; fieldSelector?: string } = {},
): ListerWatcher<T> {
  return {
    list: (options) => client.list<T>(r, namespace, { ...selectors, ...options }),
    watch: (options) => client.watch<T>(r, namespace, { ...selectors, ...options }),
  };
}

/** ReflectorStore is what a reflector writes into (the informer). Its methods must not block. */
export interface ReflectorStore<T> {
  /** replace swaps the whole content for a fresh list at resourceVersion. */
  replace(items: T[], resourceVersion: string): void;
  add(obj: T): void;
  update(obj: T): void;
  /** delete removes obj; obj is the final state the server reported. */
  delete(obj: T): void;
  /** resync re-delivers the content (the periodic resync). */
  resync(): void;
}

/** ReflectorOptions tune a reflector. */
export interface ReflectorOptions {
  /** name identifies it in logs (e.g. the resource). */
  name?: string;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** pageSize is the limit of each list page; default 500 (client-go's). */
  pageSize?: number;
  /** resyncPeriodMs is how often the store resyncs; 0 (default) never. */
  resyncPeriodMs?: number;
  /** minWatchTimeoutSeconds: each watch asks for between it and twice it; default 300 (client-go's 5 min). */
  minWatchTimeoutSeconds?: number;
  /** backoff shapes the pause after a failed list or watch; default 800 ms doubling to 30 s, jitter 1. */
  backoff?: BackoffOptions;
}

/** ReflectorStats counts what a reflector did, for tests and metrics. */
export interface ReflectorStats {
  /** lists is the number of complete lists (the first one and every relist). */
  lists: number;
  /** relistsAfterGone is the number of lists caused by a 410 Gone/Expired. */
  relistsAfterGone: number;
  /** watches is the number of watches opened. */
  watches: number;
  /** events is the number of ADDED/MODIFIED/DELETED events applied. */
  events: number;
  /** bookmarks is the number of BOOKMARK events seen. */
  bookmarks: number;
  /** failures is the number of failed lists and watches (each followed by a backoff pause). */
  failures: number;
}

function resourceVersionOf(obj: unknown): string | undefined {
  const rv = (obj as Partial<KubeObject> | undefined)?.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/** Reflector runs the list-then-watch loop of the module comment until stop(). */
export class Reflector<T extends KubeObject> {
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger | undefined;
  private readonly pageSize: number;
  private readonly resyncPeriodMs: number;
  private readonly minWatchTimeoutSeconds: number;
  private readonly backoff: Backoff;
  private lastRV = '';
  private needList = true;
  /** goneInARow counts 410s since the last watch made progress (an event, or a clean end). */
  private goneInARow = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private watch: WatchStream<T> | undefined;
  private pauseTimer: TimerHandle | undefined;
  private wakePause: (() => void) | undefined;
  private resyncTimer: TimerHandle | undefined;
  /** stats counts lists, watches, events and failures. */
  readonly stats: ReflectorStats = { lists: 0, relistsAfterGone: 0, watches: 0, events: 0, bookmarks: 0, failures: 0 };

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    options: ReflectorOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
    this.log = options.logger?.child({ component: 'reflector', reflector: options.name ?? 'unnamed' });
    this.pageSize = options.pageSize ?? 500;
    this.resyncPeriodMs = options.resyncPeriodMs ?? 0;
    this.minWatchTimeoutSeconds = options.minWatchTimeoutSeconds ?? 300;
    this.backoff = new Backoff(this.random, { initialMs: 800, maxMs: 30_000, jitter: 1, ...options.backoff });
    if (!(this.pageSize >= 0 && this.resyncPeriodMs >= 0 && this.minWatchTimeoutSeconds > 0)) {
      throw new RangeError(`Reflector: pageSize and resyncPeriodMs must be >= 0 and minWatchTimeoutSeconds > 0`);
    }
  }

  /** lastSyncResourceVersion is the resourceVersion the store reflects ('' before the first list). */
  get lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  /** start runs the loop in the background; calling it twice is an error. */
  start(): void {
    if (this.loop !== undefined) throw new RangeError('Reflector.start called twice');
    if (this.resyncPeriodMs > 0) {
      this.resyncTimer = this.clock.setInterval(() => {
        if (!this.stopped && this.stats.lists > 0) this.store.resync();
      }, this.resyncPeriodMs);
    }
    this.loop = this.run();
  }

  /** stop ends the loop and resolves once it has exited (after a list in flight returns). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.resyncTimer?.cancel();
    this.watch?.stop();
    this.pauseTimer?.cancel();
    this.wakePause?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.needList) await this.list();
        if (this.stopped) return;
        await this.watchOnce();
      } catch (err) {
        if (this.stopped) return;
        if (isGoneOrExpired(err)) {
          // The history we would resume from is compacted away: only a new list can catch up. The first
          // relist goes at once; a server that keeps answering 410 without progress in between is backed off.
          this.needList = true;
          this.stats.relistsAfterGone++;
          this.log?.info({ resourceVersion: this.lastRV, err: (err as Error).message }, 'resourceVersion expired; relisting');
          if (this.goneInARow++ === 0) continue;
        }
        this.stats.failures++;
        const pauseMs = this.backoff.next();
        this.log?.warn({ err: (err as Error).message, pauseMs, relist: this.needList }, 'list/watch failed; backing off');
        await this.pause(pauseMs);
      }
    }
  }

  /** list reads every page of one consistent snapshot and replaces the store's content with it. */
  private async list(): Promise<void> {
    const items: T[] = [];
    let token: string | undefined;
    let rv = '';
    do {
      const page = await this.lw.list({ ...(this.pageSize > 0 ? { limit: this.pageSize } : {}), ...(token === undefined ? {} : { continue: token }) });
      if (this.stopped) return;
      items.push(...page.items);
      token = page.metadata.continue === '' ? undefined : page.metadata.continue;
      rv = page.metadata.resourceVersion ?? '';
    } while (token !== undefined);
    this.store.replace(items, rv);
    this.lastRV = rv;
    this.needList = false;
    this.stats.lists++;
    this.backoff.reset();
  }

  /** watchOnce watches from the last resourceVersion until the stream ends; a 410 or a broken stream throws. */
  private async watchOnce(): Promise<void> {
    const timeoutSeconds = Math.floor(this.minWatchTimeoutSeconds * (1 + this.random.float()));
    const w = await this.lw.watch({ resourceVersion: this.lastRV, allowWatchBookmarks: true, timeoutSeconds });
    if (this.stopped) {
      w.stop();
      return;
    }
    this.watch = w;
    this.stats.watches++;
    this.backoff.reset();
    try {
      for await (const ev of w) {
        if (this.stopped) return;
        this.apply(ev);
        this.goneInARow = 0;
      }
      this.goneInARow = 0;
    } finally {
      w.stop();
      this.watch = undefined;
    }
  }

  private apply(ev: WatchEvent<T>): void {
    if (ev.type === 'ERROR') {
      const status = ev.object as Status;
      throw apiStatusError({ ...status, code: status.code ?? 500, reason: status.reason ?? '' });
    }
    const rv = resourceVersionOf(ev.object);
    if (ev.type === 'BOOKMARK') {
      this.stats.bookmarks++;
      if (rv !== undefined) this.lastRV = rv;
      return;
    }
    const obj = ev.object as T;
    switch (ev.type) {
      case 'ADDED':
        this.store.add(obj);
        break;
      case 'MODIFIED':
        this.store.update(obj);
        break;
      case 'DELETED':
        this.store.delete(obj);
        break;
      default:
        this.log?.warn({ type: ev.type }, 'unknown watch event type; ignored');
        return;
    }
    this.stats.events++;
    if (rv !== undefined) this.lastRV = rv;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakePause = resolve;
      this.pauseTimer = this.clock.setTimeout(resolve, ms);
    });
  }
}
