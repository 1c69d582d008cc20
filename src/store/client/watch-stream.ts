/**
 * WatchStream is one Watch bidi stream on one endpoint, shared by every subscription placed on that endpoint
 * (clientv3's watchGrpcStream). Creations are sent one at a time, each waiting for its created response —
 * the created response carries no request identifier, so this is how it is matched to its subscription, as
 * clientv3 does. Events are routed by watch ID.
 *
 * When the stream breaks, its owner gets every subscription it carried (confirmed, being created, or queued)
 * to place elsewhere; the stream is dead from then on and ignores anything late.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../util/logger.js';
import type * as pb from '../grpc/types.js';
import type { Endpoint, Method } from './endpoint.js';
import { headerRevision } from './kv.js';
import { requireLeaderMetadata } from './unary-caller.js';
import type { CancelOutcome, WatchSubscription } from './watch-subscription.js';

/** WatchStreamOwner is told when a stream breaks, when a subscription ends, and when a stream is empty. */
export interface WatchStreamOwner {
  /** broken: the stream failed; subs must be placed on another stream. */
  broken(stream: WatchStream, subs: WatchSubscription[], err: unknown): void;
  /** canceledByServer: the server canceled sub; it ended, or must be re-created elsewhere. */
  canceledByServer(stream: WatchStream, sub: WatchSubscription, outcome: CancelOutcome): void;
  /** idle: the stream carries nothing any more. */
  idle(stream: WatchStream): void;
}

/** WatchStream multiplexes watches over one gRPC Watch call. */
export class WatchStream {
  private readonly call: grpc.ClientDuplexStream<pb.WatchRequest, pb.WatchResponse>;
  private readonly queue: WatchSubscription[] = [];
  private creating: WatchSubscription | undefined;
  private readonly byId = new Map<string, WatchSubscription>();
  private readonly idOf = new Map<WatchSubscription, string>();
  private dead = false;

  constructor(
    readonly endpoint: Endpoint,
    method: Method<pb.WatchRequest, pb.WatchResponse>,
    private readonly owner: WatchStreamOwner,
    private readonly log: Logger,
  ) {
    this.call = endpoint.bidi(method, requireLeaderMetadata());
    this.call.on('data', (r: pb.WatchResponse) => this.onResponse(r));
    this.call.on('error', (err: Error) => this.onBroken(err));
    this.call.on('end', () => this.onBroken(new Error('watch stream ended by the server')));
  }

  /** alive is false once the stream broke or was closed. */
  get alive(): boolean {
    return !this.dead;
  }

  /** add places sub on this stream: it is created after the subscriptions queued before it. */
  add(sub: WatchSubscription): void {
    this.queue.push(sub);
    this.createNext();
  }

  /** remove takes a subscription the consumer canceled off the stream, canceling it on the server. */
  remove(sub: WatchSubscription): void {
    if (this.dead) return;
    const queued = this.queue.indexOf(sub);
    if (queued >= 0) this.queue.splice(queued, 1);
    const id = this.idOf.get(sub);
    if (id !== undefined) {
      this.idOf.delete(sub);
      this.byId.delete(id);
      this.write({ requestUnion: 'cancelRequest', cancelRequest: { watchId: id } });
    }
    // A subscription being created is canceled when its created response names its ID.
    this.checkIdle();
  }

  /** close ends the call without telling the owner. Idempotent. */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    this.call.cancel();
  }

  private createNext(): void {
    if (this.dead || this.creating !== undefined) return;
    const next = this.queue.shift();
    if (next === undefined) return;
    this.creating = next;
    this.write({ requestUnion: 'createRequest', createRequest: next.createRequest() });
  }

  private onResponse(r: pb.WatchResponse): void {
    if (this.dead) return;
    if (r.created) {
      const sub = this.creating;
      this.creating = undefined;
      if (sub !== undefined) this.onCreated(sub, r);
      this.createNext();
      this.checkIdle();
      return;
    }
    const sub = this.byId.get(r.watchId);
    // Unknown IDs: a watch canceled here whose last responses were in flight, or a progress answer (-1).
    if (sub === undefined) return;
    if (r.canceled || r.compactRevision !== '0') {
      this.forget(sub);
      this.settle(sub, r);
      this.checkIdle();
      return;
    }
    sub.onResponse(r);
  }

  private onCreated(sub: WatchSubscription, r: pb.WatchResponse): void {
    if (r.canceled || r.compactRevision !== '0') {
      this.settle(sub, r);
      return;
    }
    if (sub.canceled) {
      this.write({ requestUnion: 'cancelRequest', cancelRequest: { watchId: r.watchId } });
      return;
    }
    this.byId.set(r.watchId, sub);
    this.idOf.set(sub, r.watchId);
    sub.onCreated(headerRevision(r.header));
  }

  private settle(sub: WatchSubscription, r: pb.WatchResponse): void {
    this.owner.canceledByServer(this, sub, sub.onCanceled(r));
  }

  private forget(sub: WatchSubscription): void {
    const id = this.idOf.get(sub);
    if (id === undefined) return;
    this.idOf.delete(sub);
    this.byId.delete(id);
  }

  private onBroken(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    const subs = [...(this.creating === undefined ? [] : [this.creating]), ...this.byId.values(), ...this.queue].filter((s) => !s.canceled);
    this.creating = undefined;
    this.byId.clear();
    this.idOf.clear();
    this.queue.length = 0;
    this.log.debug({ endpoint: this.endpoint.url, watches: subs.length, err }, 'etcd client: watch stream broke');
    this.call.cancel();
    this.owner.broken(this, subs, err);
  }

  private checkIdle(): void {
    if (!this.dead && this.creating === undefined && this.queue.length === 0 && this.byId.size === 0) this.owner.idle(this);
  }

  private write(req: pb.WatchRequest): void {
    if (this.dead) return;
    this.call.write(req);
  }
}
