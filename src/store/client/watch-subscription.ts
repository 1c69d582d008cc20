/**
 * WatchSubscription is the state of one watch across however many server-side watches it takes: where to
 * resume, what has been delivered, and how to read the server's answers. It does no I/O (watch-stream.ts and
 * watch-hub.ts carry it from stream to stream), so its exactly-once rules are unit-tested on their own.
 *
 * - The resume revision is the one the next WatchCreateRequest asks for: the caller's startRevision, or,
 *   for a watch "from now", the created response's header revision + 1 (etcd starts such a watch at the
 *   revision after the one it reports); after any delivered event, that event's revision + 1. Progress
 *   notifications do not move it: etcd before 3.4.25/3.5.8 could send a progress notification ahead of
 *   events still queued (etcd-io/etcd#15220), and trusting one would skip them.
 * - Events at or below the highest revision already delivered are dropped: a re-created watch never
 *   delivers an event twice, whatever the server replays. etcd never splits one revision's events across
 *   responses (fragments aside, which the client does not request), so dropping by revision is exact.
 * - A cancellation with compact_revision means history from the resume revision is gone: CompactedError
 *   with compactRevision, and the watch ends. A cancellation whose reason is one of etcd's retryable
 *   statuses ("no leader", …) re-creates the watch elsewhere; any other ends the watch with WatchCanceledError.
 */
import { status } from '@grpc/grpc-js';
import { CompactedError, fromGrpcError } from '../errors.js';
import type * as pb from '../grpc/types.js';
import { int64, toNum } from '../grpc/types.js';
import type { CapstanError } from '../../util/errors.js';
import { WatchCanceledError } from './errors.js';
import { fromWireKeyValue, headerRevision } from './kv.js';
import type { WatchEvent, WatchSink } from './watch.js';

/** SubscriptionOptions are the server-side options of a watch. */
export interface SubscriptionOptions {
  readonly startRevision: number;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
}

/** CancelOutcome says what a server-side cancellation means for the subscription. */
export type CancelOutcome = 'recreate' | 'ended';

/** WatchSubscription is one client watch (see the module comment). */
export class WatchSubscription {
  /** canceled is set when the consumer canceled or the watch ended; no more deliveries happen. */
  canceled = false;
  /** attempts counts consecutive (re)creation attempts since the last delivery, for backoff. */
  attempts = 0;
  private resumeRevision: number;
  private deliveredThrough = 0;
  private established = false;

  constructor(
    readonly key: Buffer,
    readonly rangeEnd: Buffer,
    private readonly options: SubscriptionOptions,
    private readonly sink: WatchSink,
  ) {
    this.resumeRevision = options.startRevision;
  }

  /** nextRevision is the revision the next (re)creation starts from; 0 means "after the current one". */
  get nextRevision(): number {
    return this.resumeRevision;
  }

  /** createRequest is the WatchCreateRequest that (re)creates this watch at its resume revision. */
  createRequest(): pb.WatchCreateRequest {
    return {
      key: this.key,
      rangeEnd: this.rangeEnd,
      startRevision: int64(this.resumeRevision),
      progressNotify: this.options.progressNotify,
      filters: [],
      prevKv: this.options.prevKv,
      watchId: '0',
      fragment: false,
    };
  }

  /** onCreated handles the server's confirmation; header is its header revision. */
  onCreated(header: number): void {
    if (this.canceled) return;
    if (this.resumeRevision === 0) this.resumeRevision = header + 1;
    if (!this.established) {
      this.established = true;
      this.sink.created(this.resumeRevision - 1);
    }
  }

  /** onResponse handles a response with events (or a progress notification) for this watch. */
  onResponse(r: pb.WatchResponse): void {
    if (this.canceled) return;
    const revision = headerRevision(r.header);
    if (r.events.length === 0) {
      this.attempts = 0;
      if (this.options.progressNotify) this.sink.batch({ events: [], revision });
      return;
    }
    const events: WatchEvent[] = [];
    for (const e of r.events) {
      if (e.kv === null) continue;
      const kv = fromWireKeyValue(e.kv);
      if (kv.modRevision <= this.deliveredThrough) continue;
      events.push({ type: e.type, kv, prevKv: e.prevKv === null ? undefined : fromWireKeyValue(e.prevKv) });
    }
    const last = events.at(-1);
    if (last === undefined) return;
    this.attempts = 0;
    this.deliveredThrough = last.kv.modRevision;
    this.resumeRevision = last.kv.modRevision + 1;
    this.sink.batch({ events, revision: Math.max(revision, last.kv.modRevision) });
  }

  /** onCanceled handles a cancellation by the server (a canceled response, compacted or not). */
  onCanceled(r: pb.WatchResponse): CancelOutcome {
    if (this.canceled) return 'ended';
    // as clientv3: any compact_revision (even -1, for a negative start revision) means the history is gone
    const compactRevision = toNum(r.compactRevision);
    if (compactRevision !== 0) {
      this.fail(new CompactedError(this.resumeRevision, compactRevision));
      return 'ended';
    }
    // etcd sends the status message as cancel_reason; its retryable conditions are all UNAVAILABLE.
    const known = fromGrpcError({ code: status.UNAVAILABLE, details: r.cancelReason });
    if (known?.retryable === true) return 'recreate';
    this.fail(new WatchCanceledError(r.cancelReason));
    return 'ended';
  }

  /** end ends the subscription without error (the client closed). */
  end(): void {
    if (this.canceled) return;
    this.canceled = true;
    this.sink.end();
  }

  /** fail ends the subscription with a terminal error. */
  fail(err: CapstanError): void {
    if (this.canceled) return;
    this.canceled = true;
    this.sink.fail(err);
  }
}
