/**
 * WatchHub places watch subscriptions on streams: new ones on the stream of the pinned endpoint (one stream
 * per endpoint, shared), broken ones — a stream that failed, a member that lost its leader — on a working
 * endpoint after a backoff, from their resume revision (watch-subscription.ts). A stream left without
 * watches is closed, so an idle client holds no streams.
 */
import type { Logger } from '../../util/logger.js';
import type { Random } from '../../util/random.js';
import type * as pb from '../grpc/types.js';
import type { Endpoint, Method } from './endpoint.js';
import type { EndpointPool } from './endpoint-pool.js';
import { toClientError, UnexpectedStatusError } from './errors.js';
import type { Lifecycle } from './lifecycle.js';
import { backoffMs, type BackoffOptions } from './retry-policy.js';
import type { WatchSink } from './watch.js';
import { WatchStream, type WatchStreamOwner } from './watch-stream.js';
import { WatchSubscription, type CancelOutcome, type SubscriptionOptions } from './watch-subscription.js';

/** WatchHub owns the client's watch streams and subscriptions. */
export class WatchHub implements WatchStreamOwner {
  private readonly streams = new Map<Endpoint, WatchStream>();
  private readonly placed = new Map<WatchSubscription, WatchStream>();
  private readonly live = new Set<WatchSubscription>();

  constructor(
    private readonly pool: EndpointPool,
    private readonly lifecycle: Lifecycle,
    private readonly method: Method<pb.WatchRequest, pb.WatchResponse>,
    private readonly random: Random,
    private readonly log: Logger,
    private readonly dialTimeoutMs: number,
    private readonly backoff: BackoffOptions,
  ) {
    lifecycle.onClose(() => this.closeAll());
  }

  /** watch starts a subscription delivering into sink and returns the function that cancels it. */
  watch(key: Buffer, rangeEnd: Buffer, options: SubscriptionOptions, sink: WatchSink): () => void {
    const sub = new WatchSubscription(key, rangeEnd, options, sink);
    this.live.add(sub);
    this.placeLater(sub);
    return () => this.cancel(sub);
  }

  broken(stream: WatchStream, subs: WatchSubscription[], err: unknown): void {
    this.dropStream(stream);
    for (const s of subs) this.placed.delete(s);
    if (this.lifecycle.closed) return;
    const e = toClientError(err, stream.endpoint.url, true, 0, false);
    if (!e.retryable && !(e instanceof UnexpectedStatusError)) {
      // One of etcd's definitive refusals (permission denied, invalid token …): re-creating cannot help.
      for (const s of subs) {
        this.live.delete(s);
        s.fail(e);
      }
      return;
    }
    this.pool.markFailed(stream.endpoint, e);
    for (const s of subs) this.placeLater(s);
  }

  canceledByServer(stream: WatchStream, sub: WatchSubscription, outcome: CancelOutcome): void {
    this.placed.delete(sub);
    if (outcome === 'ended' || this.lifecycle.closed) {
      this.live.delete(sub);
      return;
    }
    this.pool.markFailed(stream.endpoint, new Error('watch canceled by the server for a retryable reason'));
    this.placeLater(sub);
  }

  idle(stream: WatchStream): void {
    this.dropStream(stream);
    stream.close();
  }

  /** placeLater runs place in the background; a bug in it ends the watch rather than going unnoticed. */
  private placeLater(sub: WatchSubscription): void {
    this.place(sub).catch((err: unknown) => {
      this.live.delete(sub);
      sub.fail(toClientError(err, this.pool.current.url, false, 0, this.lifecycle.closed));
    });
  }

  /** place puts sub on a stream of a connected endpoint, after a backoff if it failed before. */
  private async place(sub: WatchSubscription): Promise<void> {
    const lc = this.lifecycle;
    while (!sub.canceled && !lc.closed) {
      if (sub.attempts > 0) {
        try {
          await lc.sleep(backoffMs(sub.attempts, this.random.float(), this.backoff));
        } catch {
          return;
        }
        if (sub.canceled) return;
      }
      sub.attempts++;
      const ep = this.pool.pick();
      try {
        await ep.connectStreams(this.dialTimeoutMs, sub.attempts <= this.pool.endpoints.length);
      } catch (err) {
        if (lc.closed) return;
        this.pool.markFailed(ep, err);
        continue;
      }
      if (sub.canceled || lc.closed) return;
      let stream = this.streams.get(ep);
      if (stream === undefined || !stream.alive) {
        stream = new WatchStream(ep, this.method, this, this.log);
        this.streams.set(ep, stream);
        this.log.debug({ endpoint: ep.url }, 'etcd client: watch stream opened');
      }
      this.placed.set(sub, stream);
      stream.add(sub);
      return;
    }
  }

  private cancel(sub: WatchSubscription): void {
    this.live.delete(sub);
    if (sub.canceled) return;
    sub.canceled = true;
    const stream = this.placed.get(sub);
    this.placed.delete(sub);
    stream?.remove(sub);
  }

  private dropStream(stream: WatchStream): void {
    if (this.streams.get(stream.endpoint) === stream) this.streams.delete(stream.endpoint);
  }

  private closeAll(): void {
    for (const s of this.streams.values()) s.close();
    this.streams.clear();
    this.placed.clear();
    for (const sub of this.live) sub.end();
    this.live.clear();
  }
}
