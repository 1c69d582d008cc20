/**
 * Watcher is what EtcdClient.watch returns: the changes to a key or range, delivered in revision order, each
 * exactly once, as batches (one per WatchResponse). Consume it either as an EventEmitter ('data', 'created',
 * 'error', 'close') or with `for await (const batch of watcher)`; both see the same batches.
 *
 * Guarantees (see watch-hub.ts for how): a broken stream or a failed endpoint does not end the watch — it is
 * re-created on a working endpoint from lastDeliveredRevision + 1, and an event at or below the last
 * delivered revision is never delivered again. The watch ends only by cancel(), close() of the client, or a
 * terminal error: a start revision that has been compacted (CompactedError with compactRevision — a
 * Kubernetes 410 Gone: relist, then watch from the list's revision) or a cancellation by the server.
 *
 * A batch without events is a progress notification (only with progressNotify): every change up to its
 * revision has been delivered.
 *
 * Batches that arrive while the Watcher has no consumer (no 'data' listener, no iterator) are held and
 * handed, in order, to the first consumer that attaches — so `await watcher.ready()` followed by a loop
 * loses nothing. A watcher that nobody consumes keeps holding: cancel the watches you stop reading.
 */
import { EventEmitter } from 'node:events';
import type { CapstanError } from '../../util/errors.js';
import { ClientClosedError } from './errors.js';
import type { KeyValue, RangeOptions } from './kv.js';

/** WatchOptions are the options of EtcdClient.watch. */
export interface WatchOptions extends RangeOptions {
  /** startRevision replays history from this revision (inclusive); default: changes after the watch is created. */
  startRevision?: number;
  /** prevKv delivers the previous version with each event. */
  prevKv?: boolean;
  /** progressNotify asks the server for periodic empty batches carrying the current revision (bookmarks). */
  progressNotify?: boolean;
}

/** WatchEvent is one change (mvccpb.Event); a DELETE's kv carries the key and the delete's modRevision. */
export interface WatchEvent {
  readonly type: 'PUT' | 'DELETE';
  readonly kv: KeyValue;
  readonly prevKv: KeyValue | undefined;
}

/** WatchBatch is the events of one WatchResponse (whole revisions, in order) and its header revision. */
export interface WatchBatch {
  readonly events: WatchEvent[];
  readonly revision: number;
}

/** WatchSink is how the client delivers into a Watcher. */
export interface WatchSink {
  /** created reports the revision the watch is established at (once, at the first creation). */
  created(revision: number): void;
  /** batch delivers a batch. */
  batch(batch: WatchBatch): void;
  /** fail ends the watch with a terminal error. */
  fail(err: CapstanError): void;
  /** end ends the watch without error (the client closed). */
  end(): void;
}

/** WatcherEvents are the events a Watcher emits. */
export interface WatcherEvents {
  data: [WatchBatch];
  created: [number];
  /** error is emitted only if someone listens; the error is also kept in `error` and thrown by iterators. */
  error: [CapstanError];
  close: [];
  newListener: [eventName: string | symbol, listener: (...args: unknown[]) => void];
}

interface IteratorQueue {
  readonly items: WatchBatch[];
  wake: (() => void) | undefined;
}

/**
 * Watcher is the consumer side of one watch. It is attached at construction: `attach` receives the sink
 * through which batches arrive and returns the function that detaches (cancels) the watch.
 */
export class Watcher extends EventEmitter<WatcherEvents> implements AsyncIterable<WatchBatch> {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  private delivered = 0;
  private createdAt: number | undefined;
  private state: 'active' | 'canceled' | 'failed' = 'active';
  private failure: CapstanError | undefined;
  private readonly queues = new Set<IteratorQueue>();
  /** held are batches that arrived while nobody consumed; the first consumer gets them. */
  private held: WatchBatch[] = [];
  private readonly readyWaiters = new Set<{ resolve: (rev: number) => void; reject: (err: CapstanError) => void }>();
  private readonly detach: () => void;

  constructor(key: Buffer, rangeEnd: Buffer, attach: (sink: WatchSink) => () => void) {
    super();
    this.key = key;
    this.rangeEnd = rangeEnd;
    this.detach = attach({
      created: (rev) => this.onCreated(rev),
      batch: (b) => this.onBatch(b),
      fail: (err) => this.onFail(err),
      end: () => this.onEnd(),
    });
    this.on('newListener', (event) => {
      // The listener is added after this hook returns: hand it the held batches right after that.
      if (event === 'data' && this.held.length > 0) queueMicrotask(() => this.flush());
    });
  }

  /** lastDeliveredRevision is the revision of the last event delivered (0 before any). */
  get lastDeliveredRevision(): number {
    return this.delivered;
  }

  /** active is true until the watch is canceled or fails. */
  get active(): boolean {
    return this.state === 'active';
  }

  /** error is the terminal error, once the watch failed. */
  get error(): CapstanError | undefined {
    return this.failure;
  }

  /**
   * ready resolves with the revision the watch was established at (changes after it are delivered) once the
   * server confirmed the watch, or rejects if it ends first.
   */
  ready(): Promise<number> {
    if (this.createdAt !== undefined) return Promise.resolve(this.createdAt);
    if (this.state === 'failed' && this.failure !== undefined) return Promise.reject(this.failure);
    if (this.state === 'canceled') return Promise.reject(new ClientClosedError());
    return new Promise((resolve, reject) => this.readyWaiters.add({ resolve, reject }));
  }

  /** cancel ends the watch: nothing more is delivered, iterators finish after the batches they hold. Idempotent. */
  cancel(): void {
    if (this.state !== 'active') return;
    this.state = 'canceled';
    this.detach();
    this.finish(new ClientClosedError());
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchBatch> {
    const q: IteratorQueue = { items: this.listenerCount('data') === 0 ? this.held.splice(0) : [], wake: undefined };
    this.queues.add(q);
    return {
      next: async (): Promise<IteratorResult<WatchBatch>> => {
        for (;;) {
          const item = q.items.shift();
          if (item !== undefined) return { value: item, done: false };
          if (this.state === 'failed' && this.failure !== undefined) {
            this.queues.delete(q);
            throw this.failure;
          }
          if (this.state === 'canceled') {
            this.queues.delete(q);
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => {
            q.wake = resolve;
          });
          q.wake = undefined;
        }
      },
      return: async (): Promise<IteratorResult<WatchBatch>> => {
        this.queues.delete(q);
        this.cancel();
        return { value: undefined, done: true };
      },
    };
  }

  private onCreated(rev: number): void {
    if (this.state !== 'active' || this.createdAt !== undefined) return;
    this.createdAt = rev;
    for (const w of this.readyWaiters) w.resolve(rev);
    this.readyWaiters.clear();
    this.emit('created', rev);
  }

  private onBatch(b: WatchBatch): void {
    if (this.state !== 'active') return;
    const last = b.events.at(-1);
    if (last !== undefined) this.delivered = last.kv.modRevision;
    this.held.push(b);
    this.flush();
  }

  /** flush hands the held batches, in order, to the consumers, if there are any. */
  private flush(): void {
    if (this.queues.size === 0 && this.listenerCount('data') === 0) return;
    const batches = this.held;
    this.held = [];
    for (const b of batches) {
      for (const q of this.queues) {
        q.items.push(b);
        q.wake?.();
      }
      this.emit('data', b);
    }
  }

  private onEnd(): void {
    if (this.state !== 'active') return;
    this.state = 'canceled';
    this.finish(new ClientClosedError());
  }

  private onFail(err: CapstanError): void {
    if (this.state !== 'active') return;
    this.state = 'failed';
    this.failure = err;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.finish(err);
  }

  private finish(err: CapstanError): void {
    for (const w of this.readyWaiters) w.reject(err);
    this.readyWaiters.clear();
    for (const q of this.queues) q.wake?.();
    this.emit('close');
  }
}
