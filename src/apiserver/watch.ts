/**
 * startWatch serves a Kubernetes watch over an etcd watch, with kube-apiserver's semantics:
 *
 * - resourceVersion unset or "0": the current state first (one ADDED per object, from a list at revision R),
 *   then every change after R; resourceVersion N: every change after N;
 * - selectors are applied to both the new and the previous state, so an object that starts to match arrives
 *   as ADDED and one that stops matching as DELETED;
 * - a resourceVersion older than the store's compacted history answers an ERROR event whose object is a
 *   410 Expired Status (`too old resource version`), after which the client relists;
 * - with allowWatchBookmarks, BOOKMARK events carry the revision up to which every change was delivered;
 * - timeoutSeconds ends the stream cleanly.
 */
import type { KubeObject, Status, WatchEvent } from '../api/index.js';
import { CompactedError, type Watcher, type WatchBatch } from '../store/client/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { StatusError } from './errors.js';
import type { RequestInfo } from './request-info.js';
import type { ResourceType } from './resource.js';
import { parseSelection } from './selection.js';
import { decodeObject, type ObjectStore } from './storage/object-store.js';

/** WatchSink receives a watch's events; end is called once, when the watch is over. */
export interface WatchSink {
  event(ev: WatchEvent<KubeObject>): void;
  end(): void;
}

/** WatchOptions tune a watch. */
export interface WatchTuning {
  /** bookmarkIntervalMs is how often a BOOKMARK is sent when asked for; kube-apiserver's is about a minute. */
  readonly bookmarkIntervalMs: number;
  /** maxTimeoutSeconds bounds timeoutSeconds (kube-apiserver's --min-request-timeout, 1800 s). */
  readonly maxTimeoutSeconds: number;
}

/**
 * startWatch validates the request, sends the initial state if asked, and then streams changes into sink
 * until stop() is called, the timeout passes, or the store watch fails. It resolves to stop once the
 * watch is established; a bad request rejects with a StatusError before anything is sent.
 */
export async function startWatch(
  store: ObjectStore,
  r: ResourceType,
  info: RequestInfo,
  query: URLSearchParams,
  sink: WatchSink,
  clock: Clock,
  tuning: WatchTuning,
): Promise<() => void> {
  const selection = parseSelection(r, query);
  const apiVersion = r.group === '' ? r.version : `${r.group}/${r.version}`;
  const nameMatches = (o: KubeObject): boolean => info.name === '' || o.metadata.name === info.name;
  const matches = (o: KubeObject): boolean => nameMatches(o) && selection.matches(o);
  const stamp = (o: KubeObject): KubeObject => {
    o.apiVersion = apiVersion;
    o.kind = r.kind;
    return o;
  };
  const rv = query.get('resourceVersion') ?? '';
  if (rv !== '' && !/^\d+$/.test(rv)) throw StatusError.badRequest(`invalid resource version: ${rv}`);
  const timeoutSeconds = Math.min(Number(query.get('timeoutSeconds') ?? tuning.maxTimeoutSeconds) || tuning.maxTimeoutSeconds, tuning.maxTimeoutSeconds);
  const bookmarks = ['1', 'true'].includes(query.get('allowWatchBookmarks') ?? '');
  const prefix = store.listPrefix(r.resource, r.namespaced ? info.namespace : undefined);

  let startRevision: number;
  const initial: KubeObject[] = [];
  if (rv === '' || rv === '0') {
    const page = await store.list({ prefix, serializable: rv === '0', filter: matches });
    for (const v of page.items) initial.push(stamp(v.obj));
    startRevision = page.revision + 1;
  } else {
    startRevision = Number(rv) + 1;
  }

  let delivered = startRevision - 1;
  let announced = delivered;
  let ended = false;
  let watcher: Watcher | undefined;
  const timers: TimerHandle[] = [];
  const stop = (): void => {
    if (ended) return;
    ended = true;
    for (const t of timers) t.cancel();
    watcher?.cancel();
    sink.end();
  };
  const fail = (status: Status): void => {
    if (ended) return;
    sink.event({ type: 'ERROR', object: status });
    stop();
  };

  for (const obj of initial) sink.event({ type: 'ADDED', object: obj });

  const onBatch = (batch: WatchBatch): void => {
    if (ended) return;
    for (const ev of batch.events) {
      const prev = ev.prevKv === undefined ? undefined : stamp(decodeObject(ev.prevKv).obj);
      if (ev.type === 'DELETE') {
        if (prev !== undefined && matches(prev)) {
          prev.metadata.resourceVersion = String(ev.kv.modRevision);
          sink.event({ type: 'DELETED', object: prev });
        }
        continue;
      }
      const cur = stamp(decodeObject(ev.kv).obj);
      const curMatch = matches(cur);
      const prevMatch = prev !== undefined && matches(prev);
      if (curMatch && prevMatch) sink.event({ type: 'MODIFIED', object: cur });
      else if (curMatch) sink.event({ type: 'ADDED', object: cur });
      else if (prevMatch) {
        prev!.metadata.resourceVersion = String(ev.kv.modRevision);
        sink.event({ type: 'DELETED', object: prev! });
      }
    }
    delivered = Math.max(delivered, batch.revision);
  };

  // A watch of one named object (the legacy /watch/…/<name> path) watches its key alone.
  const single = info.name !== '' && (!r.namespaced || info.namespace !== '');
  watcher = store.watch(single ? store.key(r.resource, r.namespaced ? info.namespace : undefined, info.name) : prefix, startRevision, !single);
  watcher.on('data', onBatch);
  watcher.on('error', (err) => {
    if (err instanceof CompactedError) {
      fail(StatusError.resourceExpired(`too old resource version: ${startRevision - 1} (${err.compactRevision ?? 0})`).status);
    } else {
      fail(StatusError.internal(err).status);
    }
  });
  watcher.on('close', () => stop());
  try {
    await watcher.ready();
  } catch (err) {
    if (err instanceof CompactedError) {
      fail(StatusError.resourceExpired(`too old resource version: ${startRevision - 1} (${err.compactRevision ?? 0})`).status);
      return stop;
    }
    stop();
    throw err;
  }

  timers.push(clock.setTimeout(stop, timeoutSeconds * 1000));
  if (bookmarks) {
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
