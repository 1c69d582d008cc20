/**
 * EtcdClient is capstan's etcd v3 client: what the API server uses to reach the store, as kube-apiserver
 * uses clientv3. It speaks the etcd v3 gRPC API, so it works against capstan's store and against etcd alike.
 *
 * Model and limits:
 * - Per endpoint, one HTTP/2 session for the unary requests (h2-unary.ts) and one grpc-js channel for the
 *   streams (endpoint.ts); requests go to one pinned endpoint and move to the next when it fails
 *   (endpoint-pool.ts). Watches share one Watch stream per endpoint, keep-alives one stream per client.
 * - Every request runs under the request timeout, retried within it as retry-policy.ts decides: reads and
 *   repeatable writes on any transient failure; writes only when they certainly did not reach a leader.
 *   A write that failed otherwise may or may not have been applied — callers guard writes with mod_revision
 *   compares (txn + cmp.modRevision), as Kubernetes does, and re-read.
 * - Failures are capstan domain errors (CapstanError subclasses): etcd's own conditions rebuilt from their
 *   statuses (CompactedError, NoLeaderError, LeaseNotFoundError …), the client's in ./errors.ts. Callers
 *   match on classes, never on messages.
 * - Linearizable requests carry etcd's `hasleader` metadata (clientv3 WithRequireLeader), so a member
 *   without a leader refuses them at once instead of letting them wait out a timeout.
 * - close() releases every connection, stream and timer; nothing the client started outlives it.
 * - No authentication or TLS client certificates (capstan's deployments use neither between API server and store).
 */
import { Metadata } from '@grpc/grpc-js';
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import type { CapstanError } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { cryptoRandom, type Random } from '../../util/random.js';
import { LeaseNotFoundError } from '../errors.js';
import type * as pb from '../grpc/types.js';
import { int64, toBigInt, toNum } from '../grpc/types.js';
import { Endpoint, parseEndpoint } from './endpoint.js';
import { EndpointPool } from './endpoint-pool.js';
import { ClientConfigError, toClientError } from './errors.js';
import {
  deleteRequest,
  fromDeleteResponse,
  fromPutResponse,
  fromRangeResponse,
  headerRevision,
  keyRange,
  putRequest,
  rangeRequest,
  type Bytes,
  type DeleteOptions,
  type DeleteResult,
  type GetOptions,
  type GetResult,
  type PutOptions,
  type PutResult,
} from './kv.js';
import { LeaseKeeper, type LeaseKeepAlive } from './lease-keepalive.js';
import { Lifecycle } from './lifecycle.js';
import { loadMethods, type Methods } from './methods.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './retry-policy.js';
import { fromTxnResponse, isReadOnlyTxn, txnRequest, type TxnResult, type TxnSpec } from './txn.js';
import { UnaryCaller } from './unary-caller.js';
import { Watcher, type WatchOptions } from './watch.js';
import { WatchHub } from './watch-hub.js';

/** EtcdClientOptions configure an EtcdClient; they are validated by the constructor. */
export interface EtcdClientOptions {
  /** endpoints are the members' client URLs (http://host:port), in order of preference. */
  endpoints: readonly string[];
  /** dialTimeoutMs bounds the wait for a connection to one endpoint; default 2 s. */
  dialTimeoutMs?: number;
  /** requestTimeoutMs bounds a request, retries included; default 10 s. */
  requestTimeoutMs?: number;
  /** logger receives the client's logs (a child with component etcd-client); default silent. */
  logger?: Logger;
  /** clock schedules backoff and keep-alive timers; default the system clock. */
  clock?: Clock;
  /** random jitters backoff; default the OS CSPRNG. */
  random?: Random;
  /** backoff bounds the pause between rounds of retries; default 50 ms doubling to 1 s. */
  backoff?: BackoffOptions;
}

/** EndpointStatus is one member's Maintenance.Status. */
export interface EndpointStatus {
  readonly endpoint: string;
  readonly memberId: bigint;
  /** leader is the member ID of the leader this member knows, 0n for none. */
  readonly leader: bigint;
  readonly version: string;
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  readonly raftIndex: number;
  readonly raftTerm: number;
  readonly raftAppliedIndex: number;
  readonly isLearner: boolean;
  readonly errors: string[];
  /** revision is the member's current store revision. */
  readonly revision: number;
}

/** SnapshotChunk is one piece of a member's Maintenance.Snapshot stream. */
export interface SnapshotChunk {
  /** endpoint is the member the snapshot comes from. */
  readonly endpoint: string;
  readonly blob: Buffer;
  /** remainingBytes is the member's estimate of what is still to come (0 on the last chunk). */
  readonly remainingBytes: number;
  /** revision is the store revision in the response header. */
  readonly revision: number;
}

/** LeaseTimeToLive is a lease's remaining time; ttl is -1 for a lease that expired or never existed. */
export interface LeaseTimeToLive {
  readonly id: bigint;
  /** ttl is the remaining time in seconds. */
  readonly ttl: number;
  /** grantedTtl is the TTL the lease was granted with. */
  readonly grantedTtl: number;
  /** keys are the attached keys (only when asked for). */
  readonly keys: Buffer[];
}

function positiveInteger(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new ClientConfigError(`${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/** ClusterMember is one member as the Cluster API reports it; name and clientURLs are empty until it started. */
export interface ClusterMember {
  readonly id: bigint;
  readonly name: string;
  readonly peerURLs: readonly string[];
  readonly clientURLs: readonly string[];
  readonly isLearner: boolean;
}

function fromMember(m: pb.Member): ClusterMember {
  return { id: toBigInt(m.ID), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
}

/** EtcdClient is the etcd v3 client (see the module comment). */
export class EtcdClient {
  private readonly pool: EndpointPool;
  private readonly lifecycle: Lifecycle;
  private readonly methods: Methods;
  private readonly caller: UnaryCaller;
  private readonly hub: WatchHub;
  private readonly keeper: LeaseKeeper;
  private readonly log: Logger;
  private readonly dialTimeoutMs: number;

  constructor(options: EtcdClientOptions) {
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) throw new ClientConfigError('at least one endpoint is required');
    const addresses = options.endpoints.map(parseEndpoint);
    if (new Set(addresses.map((a) => a.url)).size !== addresses.length) throw new ClientConfigError('endpoints must be distinct');
    const timeouts = {
      dialTimeoutMs: positiveInteger('dialTimeoutMs', options.dialTimeoutMs, 2_000),
      requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    };
    this.dialTimeoutMs = timeouts.dialTimeoutMs;
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    if (!(backoff.baseMs > 0 && backoff.maxMs >= backoff.baseMs)) throw new ClientConfigError('backoff needs 0 < baseMs <= maxMs');
    const clock = options.clock ?? systemClock;
    const random = options.random ?? cryptoRandom;
    this.log = (options.logger ?? silentLogger()).child({ component: 'etcd-client' });
    this.methods = loadMethods();
    this.lifecycle = new Lifecycle(clock);
    const endpoints = addresses.map((a) => new Endpoint(a));
    this.lifecycle.onClose(() => {
      for (const e of endpoints) e.close();
    });
    this.pool = new EndpointPool(endpoints, clock, this.log);
    this.caller = new UnaryCaller(this.pool, this.lifecycle, random, this.log, timeouts, backoff);
    this.hub = new WatchHub(this.pool, this.lifecycle, this.methods.watch, random, this.log, timeouts.dialTimeoutMs, backoff);
    this.keeper = new LeaseKeeper(this.pool, this.lifecycle, this.methods.leaseKeepAlive, random, this.log, timeouts, backoff);
  }

  /** endpoints are the configured client URLs. */
  get endpoints(): readonly string[] {
    return this.pool.endpoints.map((e) => e.url);
  }

  /** activeEndpoint is the URL requests currently go to. */
  get activeEndpoint(): string {
    return this.pool.current.url;
  }

  /** closed is true once close() was called. */
  get closed(): boolean {
    return this.lifecycle.closed;
  }

  /** get reads a key, a prefix or a range (KV.Range). Retried on any transient failure. */
  async get(key: Bytes, options: GetOptions = {}): Promise<GetResult> {
    const req = rangeRequest(key, options);
    const { response } = await this.caller.call(this.methods.range, req, { kind: 'read', requireLeader: !req.serializable });
    return fromRangeResponse(response);
  }

  /** put writes a key (KV.Put); resent only if it certainly did not reach a leader. */
  async put(key: Bytes, value: Bytes, options: PutOptions = {}): Promise<PutResult> {
    const { response } = await this.caller.call(this.methods.put, putRequest(key, value, options), { kind: 'write', requireLeader: true });
    return fromPutResponse(response);
  }

  /** delete deletes a key, a prefix or a range (KV.DeleteRange); resent only if it certainly did not reach a leader. */
  async delete(key: Bytes, options: DeleteOptions = {}): Promise<DeleteResult> {
    const { response } = await this.caller.call(this.methods.deleteRange, deleteRequest(key, options), { kind: 'write', requireLeader: true });
    return fromDeleteResponse(response);
  }

  /**
   * txn runs a transaction (KV.Txn) built with cmp.* and op.*. A transaction that only reads is retried like
   * get; one that writes like put.
   */
  async txn(spec: TxnSpec): Promise<TxnResult> {
    const kind = isReadOnlyTxn(spec) ? 'read' : 'write';
    const { response } = await this.caller.call(this.methods.txn, txnRequest(spec), { kind, requireLeader: true });
    return fromTxnResponse(response);
  }

  /**
   * compact discards history before revision (KV.Compact); with physical, it resolves only once the
   * compaction is applied to the backend. A revision already compacted fails with CompactedError.
   */
  async compact(revision: number, physical = false): Promise<{ revision: number }> {
    if (!Number.isSafeInteger(revision) || revision <= 0) throw new ClientConfigError(`compact revision must be a positive integer, got ${revision}`);
    const { response } = await this.caller.call(this.methods.compact, { revision: int64(revision), physical }, { kind: 'write', requireLeader: true });
    return { revision: headerRevision(response.header) };
  }

  /** status asks one member (endpoint, which must be configured) or the active one for its Maintenance.Status. */
  async status(endpoint?: string): Promise<EndpointStatus> {
    const pinned = endpoint === undefined ? undefined : this.pool.find(endpoint);
    if (endpoint !== undefined && pinned === undefined) throw new ClientConfigError(`endpoint ${endpoint} is not configured`);
    const answer = await this.caller.call(this.methods.status, {}, { kind: 'read', requireLeader: false, ...(pinned === undefined ? {} : { endpoint: pinned }) });
    const s = answer.response;
    return {
      endpoint: answer.endpoint.url,
      memberId: toBigInt(s.header?.memberId),
      leader: toBigInt(s.leader),
      version: s.version,
      dbSize: toNum(s.dbSize),
      dbSizeInUse: toNum(s.dbSizeInUse),
      raftIndex: toNum(s.raftIndex),
      raftTerm: toNum(s.raftTerm),
      raftAppliedIndex: toNum(s.raftAppliedIndex),
      isLearner: s.isLearner,
      errors: s.errors,
      revision: headerRevision(s.header),
    };
  }

  /** memberList is Cluster.MemberList: every member, learners included (linearizable: confirmed by the leader). */
  async memberList(): Promise<ClusterMember[]> {
    const { response } = await this.caller.call(this.methods.memberList, { linearizable: true }, { kind: 'read', requireLeader: true });
    return response.members.map(fromMember);
  }

  /**
   * memberAdd adds a member (Cluster.MemberAdd) and returns it with the new member list. Not retried once
   * sent: a second add would be refused, or add a second member.
   */
  async memberAdd(peerURLs: readonly string[], isLearner = false): Promise<{ clusterId: bigint; member: ClusterMember; members: ClusterMember[] }> {
    const { response } = await this.caller.call(this.methods.memberAdd, { peerURLs: [...peerURLs], isLearner }, { kind: 'write', requireLeader: true });
    return { clusterId: toBigInt(response.header?.clusterId), member: fromMember(response.member!), members: response.members.map(fromMember) };
  }

  /** memberRemove removes a member (Cluster.MemberRemove) and returns the remaining ones. */
  async memberRemove(id: bigint): Promise<ClusterMember[]> {
    const { response } = await this.caller.call(this.methods.memberRemove, { ID: int64(id) }, { kind: 'write', requireLeader: true });
    return response.members.map(fromMember);
  }

  /** memberUpdate changes a member's peer URLs (Cluster.MemberUpdate) and returns the member list. */
  async memberUpdate(id: bigint, peerURLs: readonly string[]): Promise<ClusterMember[]> {
    const { response } = await this.caller.call(this.methods.memberUpdate, { ID: int64(id), peerURLs: [...peerURLs] }, { kind: 'write', requireLeader: true });
    return response.members.map(fromMember);
  }

  /** memberPromote makes a learner that caught up a voter (Cluster.MemberPromote) and returns the member list. */
  async memberPromote(id: bigint): Promise<ClusterMember[]> {
    const { response } = await this.caller.call(this.methods.memberPromote, { ID: int64(id) }, { kind: 'write', requireLeader: true });
    return response.members.map(fromMember);
  }

  /**
   * snapshot streams the whole backend of one member (endpoint, which must be configured, or the pinned
   * healthy one) as Maintenance.Snapshot sends it: the store's state at one revision, ending with its
   * SHA-256 (clientv3 Maintenance.Snapshot). It is not retried — a snapshot stream cannot resume — so a
   * broken stream throws (EndpointUnavailableError, UnexpectedStatusError…) and the caller starts over.
   * Ending the iteration early, or close(), cancels the stream.
   */
  async *snapshot(endpoint?: string): AsyncGenerator<SnapshotChunk> {
    this.lifecycle.assertOpen();
    const pinned = endpoint === undefined ? undefined : this.pool.find(endpoint);
    if (endpoint !== undefined && pinned === undefined) throw new ClientConfigError(`endpoint ${endpoint} is not configured`);
    const ep = pinned ?? this.pool.pick();
    await ep.connectStreams(this.dialTimeoutMs, true);
    const call = ep.serverStream(this.methods.snapshot, {}, new Metadata());
    const unregister = this.lifecycle.onClose(() => call.cancel());
    let done = false;
    try {
      for await (const r of call as AsyncIterable<pb.SnapshotResponse>) {
        yield { endpoint: ep.url, blob: r.blob, remainingBytes: toNum(r.remainingBytes), revision: headerRevision(r.header) };
      }
      done = true;
    } catch (err) {
      throw toClientError(err, ep.url, true, this.dialTimeoutMs, this.lifecycle.closed);
    } finally {
      unregister();
      if (!done) call.cancel();
    }
  }

  /**
   * watch watches a key, a prefix or a range and returns the Watcher delivering its changes (watch.ts:
   * exactly once, in revision order, across stream breaks and failover; CompactedError ends it).
   */
  watch(key: Bytes, options: WatchOptions = {}): Watcher {
    this.lifecycle.assertOpen();
    const { key: k, rangeEnd } = keyRange(key, options);
    const startRevision = options.startRevision ?? 0;
    if (!Number.isSafeInteger(startRevision) || startRevision < 0) throw new ClientConfigError(`startRevision must be a non-negative integer, got ${startRevision}`);
    const sub = { startRevision, prevKv: options.prevKv === true, progressNotify: options.progressNotify === true };
    return new Watcher(k, rangeEnd, (sink) => this.hub.watch(k, rangeEnd, sub, sink));
  }

  /** grant creates a lease of ttl seconds (Lease.LeaseGrant) and resolves to its ID. Retried like a read. */
  async grant(ttl: number): Promise<bigint> {
    if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new ClientConfigError(`lease TTL must be a positive integer, got ${ttl}`);
    const { response } = await this.caller.call(this.methods.leaseGrant, { TTL: int64(ttl), ID: '0' }, { kind: 'repeatable-write', requireLeader: true });
    const id = toBigInt(response.ID);
    this.keeper.granted(id, toNum(response.TTL));
    return id;
  }

  /** keepAlive renews lease id until the returned handle is closed, emitting 'keepalive' and, once, 'lost'. */
  keepAlive(id: bigint): LeaseKeepAlive {
    return this.keeper.keepAlive(id);
  }

  /**
   * revoke revokes lease id (Lease.LeaseRevoke), deleting its keys, and stops this client's keep-alive of it.
   * Retried like a read: a resend that finds the lease gone after an attempt that may have revoked it counts
   * as success; otherwise an unknown lease fails with LeaseNotFoundError.
   */
  async revoke(id: bigint): Promise<void> {
    this.keeper.forget(id);
    await this.caller.call<pb.LeaseRevokeRequest, pb.LeaseRevokeResponse>(
      this.methods.leaseRevoke,
      { ID: int64(id) },
      { kind: 'repeatable-write', requireLeader: true, afterAmbiguous: (err: CapstanError) => (err instanceof LeaseNotFoundError ? { header: null } : undefined) },
    );
  }

  /** timeToLive reports a lease's remaining TTL (Lease.LeaseTimeToLive); ttl -1 for an unknown lease. */
  async timeToLive(id: bigint, options: { keys?: boolean } = {}): Promise<LeaseTimeToLive> {
    const { response } = await this.caller.call(this.methods.leaseTimeToLive, { ID: int64(id), keys: options.keys === true }, { kind: 'read', requireLeader: true });
    return { id: toBigInt(response.ID), ttl: toNum(response.TTL), grantedTtl: toNum(response.grantedTTL), keys: response.keys };
  }

  /**
   * close cancels every request, watch and keep-alive (requests in flight fail with ClientClosedError,
   * watchers end, keep-alives close without 'lost'), closes every connection and clears every timer. Idempotent.
   */
  close(): void {
    if (this.lifecycle.closed) return;
    this.log.debug('etcd client: closing');
    this.lifecycle.close();
  }
}
