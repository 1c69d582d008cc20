/**
 * startWatch serves a Kubernetes watch with kube-apiserver's semantics:
 *
 * - resourceVersion "0": the current state first (one ADDED per object) from the replica's watch cache,
 *   then every change after it; resourceVersion N: every change after N, from the watch cache when its
 *   window reaches back to N, else straight from an etcd watch; unset: a consistent list from etcd first,
 *   then the changes after it (an etcd watch);
 * - selectors are applied to both the new and the previous state, so an object that starts to match arrives
 *   as ADDED and one that stops matching as DELETED (watch-event.ts);
 * - a resourceVersion older than the store's compacted history answers an ERROR event whose object is a
 *   410 Expired Status (`too old resource version`), after which the client relists;
 * - with allowWatchBookmarks, BOOKMARK events carry the revision up to which every change was delivered;
 * - timeoutSeconds ends the stream cleanly, and so does a watch cache that starts over.
 */
import type { KubeObject, Status, WatchEvent } from '../api/index.js';
import { CompactedError } from '../store/client/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { StatusError } from './errors.js';
import { queryFlag, type RequestInfo } from './request-info.js';
import { apiVersionOf, stampKind, type ResourceType } from './resource.js';
import { parseSelection } from './selection.js';
import type { ObjectStore } from './storage/object-store.js';
import type { WatchCaches } from './watch-cache.js';
import { changesFromBatch, changeToEvent, deliveredThrough, type ObjectChange } from './watch-event.js';

/** WatchSink receives a watch's events; end is called once, when the watch is over. */
export interface WatchSink {
  event(ev: WatchEvent<KubeObject>): void;
  end(): void;
}

/** WatchTuning tunes a watch. */
export interface WatchTuning {
  /** bookmarkIntervalMs is how often a BOOKMARK is sent when asked for; kube-apiserver's is about a minute. */
  readonly bookmarkIntervalMs: number;
  /** maxTimeoutSeconds bounds timeoutSeconds (twice kube-apiserver's --min-request-timeout). */
  readonly maxTimeoutSeconds: number;
}

/** Feed is where a watch's initial objects and changes come from. */
interface Feed {
  readonly initial: readonly KubeObject[];
  /** start delivers changes (in revision order) until the returned function is called or end is reported. */
  start(changes: (c: readonly ObjectChange[], revision: number) => void, end: (status: Status | undefined) => void): Promise<() => void>;
}

function expired(fromRevision: number, compactRevision: number | undefined): Status {
  return StatusError.resourceExpired(`too old resource version: ${fromRevision} (${compactRevision ?? 0})`).status;
}

/** etcdFeed watches etcd directly from fromRevision (exclusive) on a key or a prefix. */
function etcdFeed(store: ObjectStore, r: ResourceType, keyOrPrefix: string, isPrefix: boolean, fromRevision: number, initial: readonly KubeObject[]): Feed {
  const stamp = (o: KubeObject): KubeObject => stampKind(r, o);
  return {
    initial,
    async start(changes, end) {
      const watcher = store.watch(keyOrPrefix, fromRevision + 1, isPrefix);
      const onError = (err: Error): void => end(err instanceof CompactedError ? expired(fromRevision, err.compactRevision) : StatusError.internal(err).status);
      watcher.on('data', (batch) => changes(changesFromBatch(batch, stamp), deliveredThrough(batch)));
      watcher.on('error', onError);
      watcher.on('close', () => end(undefined));
      try {
        await watcher.ready();
      } catch (err) {
        if (!(err instanceof CompactedError)) throw err;
        end(expired(fromRevision, err.compactRevision));
      }
      return () => watcher.cancel();
    },
  };
}

/**
 * startWatch validates the request, picks the feed, sends the initial state if asked, and then streams
 * changes into sink until stop() is called, the timeout passes, or the feed ends. It resolves to stop once
 * the watch is established; a bad request rejects with a StatusError before anything is sent.
 */
export async function startWatch(
  store: ObjectStore,
  caches: WatchCaches | undefined,
  r: ResourceType,
  info: RequestInfo,
  query: URLSearchParams,
  sink: WatchSink,
  clock: Clock,
  tuning: WatchTuning,
): Promise<() => void> {
  const selection = parseSelection(r, query);
  const prefix = store.listPrefix(r.resource, r.namespaced ? info.namespace : undefined);
  const matches = (o: KubeObject): boolean => (info.name === '' || o.metadata.name === info.name) && selection.matches(o);
  const rv = query.get('resourceVersion') ?? '';
  if (rv !== '' && !/^\d+$/.test(rv)) throw StatusError.badRequest(`invalid resource version: ${rv}`);
  const timeoutSeconds = Math.min(Number(query.get('timeoutSeconds') ?? tuning.maxTimeoutSeconds) || tuning.maxTimeoutSeconds, tuning.maxTimeoutSeconds);
  const bookmarks = queryFlag(query, 'allowWatchBookmarks') === true;
  // A watch of one named object (the legacy /watch/…/<name> path) follows its key alone when it goes to etcd.
  const single = info.name !== '' && (!r.namespaced || info.namespace !== '');
  const etcdKey = single ? store.key(r.resource, r.namespaced ? info.namespace : undefined, info.name) : prefix;

  let feed: Feed;
  let from: number;
  // A cache this watch starts begins at its resourceVersion (WatchCache): a client that listed and then watched
  // is never outside the window of the cache its own watch started.
  const startAt = rv === '0' || !Number.isSafeInteger(Number(rv)) ? undefined : Number(rv);
  const cache = rv === '' || caches === undefined ? undefined : await caches.for(r, startAt);
  if (cache !== undefined && (rv === '0' || cache.covers(Number(rv)))) {
    const listed = rv === '0' ? cache.list(prefix, matches) : { items: [], revision: Number(rv) };
    from = listed.revision;
    feed = {
      initial: listed.items,
      start: async (changes, end) => cache.subscribe(from, { changes, end: () => end(undefined) }),
    };
  } else if (rv === '' || rv === '0') {
    const page = await store.list({ prefix, filter: matches });
    from = page.revision;
    feed = etcdFeed(store, r, etcdKey, !single, from, page.items.map((v) => stampKind(r, v.obj)));
  } else {
    from = Number(rv);
    feed = etcdFeed(store, r, etcdKey, !single, from, []);
  }

  let delivered = from;
  let announced = delivered;
  let ended = false;
  let cancelFeed: (() => void) | undefined;
  const timers: TimerHandle[] = [];
  const stop = (): void => {
    if (ended) return;
    ended = true;
    for (const t of timers) t.cancel();
    cancelFeed?.();
    sink.end();
  };

  for (const obj of feed.initial) sink.event({ type: 'ADDED', object: obj });
  cancelFeed = await feed.start(
    (changes, revision) => {
      if (ended) return;
      for (const c of changes) {
        if (c.revision <= delivered || !c.key.startsWith(prefix)) continue;
        const ev = changeToEvent(c, matches);
        if (ev !== undefined) sink.event(ev);
      }
      delivered = Math.max(delivered, revision);
    },
    (status) => {
      if (ended) return;
      if (status !== undefined) sink.event({ type: 'ERROR', object: status });
      stop();
    },
  );
  if (ended) return stop;

  timers.push(clock.setTimeout(stop, timeoutSeconds * 1000));
  if (bookmarks) {
    const apiVersion = apiVersionOf(r);
    timers.push(
      clock.setInterval(() => {
        if (ended || delivered <= announced) return;
        announced = delivered;
        sink.event({ type: 'BOOKMARK', object: { kind: r.kind, apiVersion, metadata: { resourceVersion: String(delivered) } } });
      }, tuning.bookmarkIntervalMs),
    );
  }
  return stop;
}
