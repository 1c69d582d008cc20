import type * as grpc from '@grpc/grpc-js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { toPbKv } from '../apply.js';
import type { StoreMetrics } from '../metrics.js';
import type { Watcher, WatchSink } from '../mvcc/watchable-store.js';
import { keyString, type MvccEvent } from '../mvcc/types.js';
import type { StoreServer } from '../server.js';
import type * as pb from './types.js';
import { encodeKeyValue } from './proto.js';
import { int64, toNum } from './types.js';

/** WatchServiceOptions tunes the watch service (etcd's progress notify interval is 10 minutes). */
export interface WatchServiceOptions {
  progressNotifyIntervalMs: number;
}

/**
 * watchService implements etcdserverpb.Watch: many watches per stream, historic replay, filters, prev_kv,
 * progress notifications and requests, fragmentation, and cancellation — with etcd's response shapes (a
 * created response first; a compacted start revision answered with compact_revision and a cancel).
 */
export function watchService(s: StoreServer, clock: Clock, log: Logger, opts: WatchServiceOptions, metrics?: StoreMetrics): pb.WatchServer {
  return {
    Watch: (call) => {
      new WatchStream(s, call, clock, log, opts, metrics).start();
    },
  };
}

class WatchStream implements WatchSink {
  private readonly watchers = new Map<number, Watcher>();
  private readonly ids = new Map<Watcher, number>();
  private readonly progressWanted = new Set<number>();
  private readonly heardSinceProgress = new Set<number>();
  private readonly fragmenting = new Set<number>();
  /** pendingId names the watcher being created, for answers given before watch() returns. */
  private pendingId: number | undefined;
  private nextId = 0;
  private closed = false;
  private progressTimer: TimerHandle | undefined;

  constructor(
    private readonly s: StoreServer,
    private readonly call: grpc.ServerDuplexStream<pb.WatchRequest, pb.WatchResponse>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: WatchServiceOptions,
    private readonly metrics: StoreMetrics | undefined,
  ) {}

  start(): void {
    this.metrics?.watchStreams.inc();
    this.call.on('data', (req: pb.WatchRequest) => this.onRequest(req));
    // A client's half-close ends nothing: etcd's receive loop returns quietly on EOF and its sends go on until
    // the client cancels the stream or goes away. (grpc-js was seen to report a client's cancel as the end of
    // its side first; answering that with OK counted a cancelled stream as a completed one.)
    this.call.on('cancelled', () => this.close());
    this.call.on('error', () => this.close());
    this.call.on('drain', () => this.s.watchable.kick());
    this.progressTimer = this.clock.setInterval(() => this.sendProgress(), this.opts.progressNotifyIntervalMs);
  }

  private onRequest(req: pb.WatchRequest): void {
    switch (req.requestUnion) {
      case 'createRequest':
        this.create(req.createRequest);
        return;
      case 'cancelRequest': {
        const id = toNum(req.cancelRequest.watchId);
        const w = this.watchers.get(id);
        if (w !== undefined) {
          this.remove(id, w);
          this.send({ watchId: int64(id), canceled: true });
        }
        return;
      }
      case 'progressRequest':
        // etcd answers only when every watcher of the stream is up to date, with watch ID -1.
        if ([...this.watchers.values()].every((w) => this.s.watchable.isSynced(w))) this.send({ watchId: '-1' });
        return;
      default:
        return;
    }
  }

  private create(c: pb.WatchCreateRequest): void {
    // etcd refuses a range that selects nothing (a range_end at or before the key; `\0` means "from the key"), and
    // a client-chosen ID already in use, with a created+canceled response for watch ID -1 (mvcc watchStream.Watch).
    const refuse = (reason: string): void => this.send({ watchId: '-1', created: true, canceled: true, cancelReason: reason });
    const fromKey = c.rangeEnd.length === 1 && c.rangeEnd[0] === 0;
    if (c.rangeEnd.length > 0 && !fromKey && Buffer.compare(c.key, c.rangeEnd) >= 0) return refuse('mvcc: watcher range is empty');
    let id = toNum(c.watchId);
    if (id === 0) {
      while (this.watchers.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.watchers.has(id)) {
      return refuse('mvcc: duplicate watch ID provided on the WatchStream');
    }
    const key = c.key.length === 0 && c.rangeEnd.length === 0 ? '\0' : keyString(c.key);
    this.send({ watchId: int64(id), created: true });
    const options = {
      key,
      rangeEnd: keyString(c.rangeEnd),
      startRev: toNum(c.startRevision),
      prevKv: c.prevKv,
      noPut: c.filters.includes('NOPUT'),
      noDelete: c.filters.includes('NODELETE'),
    };
    // Register before watch() returns: a compacted start revision is answered from inside it.
    this.pendingId = id;
    if (c.fragment) this.fragmenting.add(id);
    const w = this.s.watchable.watch(options, this);
    this.pendingId = undefined;
    if (w.cancelled) {
      this.fragmenting.delete(id);
      return;
    }
    this.watchers.set(id, w);
    this.ids.set(w, id);
    if (c.progressNotify) this.progressWanted.add(id);
    this.metrics?.watchers.inc();
  }


  private idOf(w: Watcher): number | undefined {
    return this.ids.get(w) ?? this.pendingId;
  }

  events(w: Watcher, events: MvccEvent[], rev: number): void {
    const id = this.idOf(w);
    if (id === undefined || this.closed) return;
    this.heardSinceProgress.add(id);
    this.metrics?.watchEvents.inc(events.length);
    const pbEvents: pb.Event[] = events.map((e) => ({
      type: e.type,
      kv: toPbKv(e.kv),
      prevKv: e.prevKv === undefined ? null : toPbKv(e.prevKv),
    }));
    // As etcd's sendFragments: a response of at least max-request-bytes plus gRPC's allowance, with more
    // than one event, goes out in pieces, each filled while it stays under the limit (at least one event).
    const whole = (): void => this.send({ header: this.s.header(rev), watchId: int64(id), events: pbEvents });
    // Sizes are only needed where a watcher asked for fragments.
    if (!this.fragmenting.has(id) || pbEvents.length < 2) return whole();
    const limit = this.s.cfg.maxRequestBytes + GRPC_OVERHEAD_BYTES;
    const sizes = events.map(eventWireBytes);
    const base = RESPONSE_OVERHEAD_BYTES;
    const total = sizes.reduce((a, b) => a + b, base);
    if (total < limit) return whole();
    let start = 0;
    while (start < pbEvents.length) {
      let end = start;
      let size = base;
      while (end < pbEvents.length) {
        const next = size + sizes[end]!;
        if (end > start && next >= limit) break;
        size = next;
        end++;
      }
      const last = end === pbEvents.length;
      this.send({ header: this.s.header(rev), watchId: int64(id), events: pbEvents.slice(start, end), fragment: !last });
      start = end;
    }
  }

  compacted(w: Watcher, compactRevision: number): void {
    const id = this.idOf(w);
    if (id === undefined || this.closed) return;
    // etcd's cancellation carries revision 0 in its header and no cancel_reason: clients read compact_revision.
    this.send({ header: this.s.header(0), watchId: int64(id), compactRevision: int64(compactRevision), canceled: true });
    const known = this.watchers.get(id);
    if (known !== undefined) this.remove(id, known);
  }

  congested(): boolean {
    return this.closed || this.call.writableLength >= WATCH_SEND_BUFFER;
  }

  private sendProgress(): void {
    for (const id of this.progressWanted) {
      const w = this.watchers.get(id);
      if (w === undefined) continue;
      if (!this.heardSinceProgress.has(id) && this.s.watchable.isSynced(w)) this.send({ watchId: int64(id) });
    }
    this.heardSinceProgress.clear();
  }

  private send(r: Partial<pb.WatchResponse>): void {
    if (this.closed) return;
    // Fields at their proto3 defaults are left out, so that they are not encoded: grpc-go (etcd) never sends
    // them, and an explicit `false` or `0` costs two bytes each in every response.
    const resp: Partial<pb.WatchResponse> = { header: r.header ?? this.s.header(this.s.kv.currentRev) };
    if (r.watchId !== undefined && r.watchId !== '0') resp.watchId = r.watchId;
    if (r.created === true) resp.created = true;
    if (r.canceled === true) resp.canceled = true;
    if (r.compactRevision !== undefined && r.compactRevision !== '0') resp.compactRevision = r.compactRevision;
    if (r.cancelReason !== undefined && r.cancelReason !== '') resp.cancelReason = r.cancelReason;
    if (r.fragment === true) resp.fragment = true;
    if (r.events !== undefined && r.events.length > 0) resp.events = r.events;
    // The serializer reads an absent field as its default.
    this.call.write(resp as pb.WatchResponse);
  }

  private remove(id: number, w: Watcher): void {
    this.s.watchable.cancel(w);
    this.watchers.delete(id);
    this.ids.delete(w);
    this.progressWanted.delete(id);
    this.fragmenting.delete(id);
    this.metrics?.watchers.dec();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.metrics?.watchStreams.dec();
    this.progressTimer?.cancel();
    for (const [id, w] of this.watchers) this.remove(id, w);
    this.log.debug('watch: stream closed');
  }
}

/** GRPC_OVERHEAD_BYTES is etcd's allowance over --max-request-bytes for gRPC framing. */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;
/** RESPONSE_OVERHEAD_BYTES bounds the encoded header and scalar fields of a WatchResponse. */
const RESPONSE_OVERHEAD_BYTES = 64;

/**
 * WATCH_SEND_BUFFER is how many responses a watch stream may have queued before its watchers count as
 * congested and fall back to catching up from disk: etcd's per-watcher channel (chanBufLen, 128). grpc-js's
 * own mark (16) is reached by one Ready that applies a few dozen writes, before the loop can flush anything.
 */
const WATCH_SEND_BUFFER = 128;

function varintLen(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** eventWireBytes is an event's encoded size inside a WatchResponse (field 11), from its KeyValues' encodings. */
function eventWireBytes(e: MvccEvent): number {
  const kv = encodeKeyValue(e.kv).length;
  let ev = 1 + varintLen(kv) + kv + (e.type === 'DELETE' ? 2 : 0);
  if (e.prevKv !== undefined) {
    const p = encodeKeyValue(e.prevKv).length;
    ev += 1 + varintLen(p) + p;
  }
  return 1 + varintLen(ev) + ev;
}
