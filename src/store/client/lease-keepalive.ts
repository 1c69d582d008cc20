/**
 * LeaseKeepAlive is what EtcdClient.keepAlive returns: it renews one lease until closed, and says when the
 * lease is lost. Renewals go over one LeaseKeepAlive stream per client, shared by every kept lease
 * (clientv3's lessor): each lease is renewed a third of its TTL after the last renewal (clientv3's
 * `nextKeepAlive = now + TTL/3`), the first time at once.
 *
 * The lease is lost ('lost', once, then nothing more) when the server answers a renewal with TTL ≤ 0 — the
 * lease expired or was revoked (LeaseNotFoundError) — or when no renewal succeeds within the last TTL the
 * server granted (LeaseKeepAliveTimeoutError; before the first answer, the TTL granted by this client, or
 * the request timeout). A broken stream is re-opened on a working endpoint after a backoff, and every lease
 * is renewed at once on the new stream.
 */
import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import type { TimerHandle } from '../../util/clock.js';
import type { CapstanError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Random } from '../../util/random.js';
import { LeaseNotFoundError } from '../errors.js';
import type * as pb from '../grpc/types.js';
import { int64, toBigInt, toNum } from '../grpc/types.js';
import type { Endpoint, Method } from './endpoint.js';
import type { EndpointPool } from './endpoint-pool.js';
import { LeaseKeepAliveTimeoutError, toClientError } from './errors.js';
import { headerRevision } from './kv.js';
import type { Lifecycle } from './lifecycle.js';
import { backoffMs, type BackoffOptions } from './retry-policy.js';
import { requireLeaderMetadata } from './unary-caller.js';

/** KeepAliveResult is one successful renewal. */
export interface KeepAliveResult {
  readonly id: bigint;
  /** ttl is the TTL in seconds the lease was renewed to. */
  readonly ttl: number;
  readonly revision: number;
}

/** LeaseKeepAliveEvents are the events a LeaseKeepAlive emits. */
export interface LeaseKeepAliveEvents {
  keepalive: [KeepAliveResult];
  lost: [CapstanError];
  close: [];
}

/** KeepAliveSink is how the keeper delivers into a LeaseKeepAlive. */
interface KeepAliveSink {
  renewed(r: KeepAliveResult): void;
  lost(err: CapstanError): void;
}

/** LeaseKeepAlive renews one lease (see the module comment). */
export class LeaseKeepAlive extends EventEmitter<LeaseKeepAliveEvents> {
  readonly id: bigint;
  private lastTtl: number | undefined;
  private state: 'alive' | 'lost' | 'closed' = 'alive';
  private lostError: CapstanError | undefined;
  private readonly detach: () => void;

  constructor(id: bigint, attach: (sink: KeepAliveSink) => () => void) {
    super();
    this.id = id;
    this.detach = attach({
      renewed: (r) => {
        if (this.state !== 'alive') return;
        this.lastTtl = r.ttl;
        this.emit('keepalive', r);
      },
      lost: (err) => {
        if (this.state !== 'alive') return;
        this.state = 'lost';
        this.lostError = err;
        this.emit('lost', err);
        this.emit('close');
      },
    });
  }

  /** ttl is the TTL (seconds) of the last renewal, undefined before the first. */
  get ttl(): number | undefined {
    return this.lastTtl;
  }

  /** lost is the error the lease was lost with, once lost. */
  get lost(): CapstanError | undefined {
    return this.lostError;
  }

  /** alive is true until the lease is lost or the keep-alive closed. */
  get alive(): boolean {
    return this.state === 'alive';
  }

  /** close stops renewing (the lease is not revoked: it expires after its TTL). Idempotent. */
  close(): void {
    if (this.state !== 'alive') return;
    this.state = 'closed';
    this.detach();
    this.emit('close');
  }
}

interface KeepAliveStream {
  readonly endpoint: Endpoint;
  readonly call: grpc.ClientDuplexStream<pb.LeaseKeepAliveRequest, pb.LeaseKeepAliveResponse>;
}

interface KeptLease {
  readonly id: bigint;
  readonly sink: KeepAliveSink;
  next: TimerHandle | undefined;
  deadline: TimerHandle | undefined;
}

/** LeaseKeeper renews the client's kept leases over one shared stream. */
export class LeaseKeeper {
  private readonly kept = new Map<bigint, KeptLease>();
  private readonly handles = new Map<bigint, LeaseKeepAlive>();
  /** grantedTtl remembers the TTL (s) of leases this client granted, for the first deadline. */
  private readonly grantedTtl = new Map<bigint, number>();
  private stream: KeepAliveStream | undefined;
  private opening = false;
  private attempts = 0;

  constructor(
    private readonly pool: EndpointPool,
    private readonly lifecycle: Lifecycle,
    private readonly method: Method<pb.LeaseKeepAliveRequest, pb.LeaseKeepAliveResponse>,
    private readonly random: Random,
    private readonly log: Logger,
    private readonly timeouts: { readonly dialTimeoutMs: number; readonly requestTimeoutMs: number },
    private readonly backoff: BackoffOptions,
  ) {
    lifecycle.onClose(() => this.closeAll());
  }

  /** granted records the TTL of a lease this client granted. */
  granted(id: bigint, ttl: number): void {
    this.grantedTtl.set(id, ttl);
  }

  /** keepAlive starts renewing id, or returns the handle already renewing it. */
  keepAlive(id: bigint): LeaseKeepAlive {
    this.lifecycle.assertOpen();
    const existing = this.handles.get(id);
    if (existing?.alive === true) return existing;
    const handle = new LeaseKeepAlive(id, (sink) => {
      const lease: KeptLease = { id, sink, next: undefined, deadline: undefined };
      this.kept.set(id, lease);
      const firstTtlMs = (this.grantedTtl.get(id) ?? 0) * 1000 || this.timeouts.requestTimeoutMs;
      this.armDeadline(lease, firstTtlMs);
      this.send(lease);
      return () => this.forget(id);
    });
    this.handles.set(id, handle);
    return handle;
  }

  /** forget stops renewing id without reporting anything (close() of the handle, a revoke by this client). */
  forget(id: bigint): void {
    const lease = this.kept.get(id);
    this.grantedTtl.delete(id);
    if (lease === undefined) return;
    this.drop(lease);
    this.handles.get(id)?.close();
    this.handles.delete(id);
  }

  private send(lease: KeptLease): void {
    lease.next?.cancel();
    lease.next = undefined;
    const s = this.stream;
    if (s === undefined) {
      this.open();
      return;
    }
    s.call.write({ ID: int64(lease.id) });
  }

  private open(): void {
    if (this.stream !== undefined || this.opening || this.lifecycle.closed || this.kept.size === 0) return;
    this.opening = true;
    this.openLoop()
      .catch((err: unknown) => this.log.error({ err }, 'etcd client: opening the lease keep-alive stream failed'))
      .finally(() => {
        this.opening = false;
      });
  }

  private async openLoop(): Promise<void> {
    const lc = this.lifecycle;
    while (!lc.closed && this.kept.size > 0) {
      if (this.attempts > 0) {
        try {
          await lc.sleep(backoffMs(this.attempts, this.random.float(), this.backoff));
        } catch {
          return;
        }
      }
      this.attempts++;
      const ep = this.pool.pick();
      try {
        await ep.connectStreams(this.timeouts.dialTimeoutMs, this.attempts <= this.pool.endpoints.length);
      } catch (err) {
        if (lc.closed) return;
        this.pool.markFailed(ep, err);
        continue;
      }
      if (lc.closed || this.kept.size === 0) return;
      const call = ep.bidi(this.method, requireLeaderMetadata());
      const stream: KeepAliveStream = { endpoint: ep, call };
      this.stream = stream;
      call.on('data', (r: pb.LeaseKeepAliveResponse) => {
        if (this.stream === stream) this.onResponse(r);
      });
      call.on('error', (err: Error) => this.onBroken(stream, err));
      call.on('end', () => this.onBroken(stream, new Error('lease keep-alive stream ended by the server')));
      for (const lease of this.kept.values()) this.send(lease);
      return;
    }
  }

  private onResponse(r: pb.LeaseKeepAliveResponse): void {
    const lease = this.kept.get(toBigInt(r.ID));
    if (lease === undefined) return;
    this.attempts = 0;
    const ttl = toNum(r.TTL);
    if (ttl <= 0) {
      this.lose(lease, new LeaseNotFoundError(lease.id));
      return;
    }
    this.armDeadline(lease, ttl * 1000);
    lease.next?.cancel();
    lease.next = this.lifecycle.setTimeout(() => {
      lease.next = undefined;
      this.send(lease);
    }, (ttl * 1000) / 3);
    lease.sink.renewed({ id: lease.id, ttl, revision: headerRevision(r.header) });
  }

  private onBroken(stream: KeepAliveStream, err: unknown): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    stream.call.cancel();
    if (this.lifecycle.closed) return;
    const e = toClientError(err, stream.endpoint.url, true, 0, false);
    this.log.debug({ endpoint: stream.endpoint.url, err: e.code }, 'etcd client: lease keep-alive stream broke');
    this.pool.markFailed(stream.endpoint, e);
    this.attempts = Math.max(this.attempts, 1);
    this.open();
  }

  private armDeadline(lease: KeptLease, ms: number): void {
    lease.deadline?.cancel();
    lease.deadline = this.lifecycle.setTimeout(() => this.lose(lease, new LeaseKeepAliveTimeoutError(lease.id)), ms);
  }

  private lose(lease: KeptLease, err: CapstanError): void {
    this.drop(lease);
    this.handles.delete(lease.id);
    this.grantedTtl.delete(lease.id);
    lease.sink.lost(err);
  }

  private drop(lease: KeptLease): void {
    lease.next?.cancel();
    lease.deadline?.cancel();
    this.kept.delete(lease.id);
    if (this.kept.size === 0 && this.stream !== undefined) {
      const s = this.stream;
      this.stream = undefined;
      s.call.cancel();
    }
  }

  private closeAll(): void {
    for (const lease of this.kept.values()) {
      lease.next?.cancel();
      lease.deadline?.cancel();
    }
    this.kept.clear();
    this.stream?.call.cancel();
    this.stream = undefined;
    for (const h of this.handles.values()) h.close();
    this.handles.clear();
  }
}
