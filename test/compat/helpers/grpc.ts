/**
 * A thin etcd v3 gRPC client for the suites that need the wire itself (error codes and messages, watch
 * responses, raw bytes): @grpc/grpc-js with the etcd3 package's .proto files loaded by proto-loader
 * (`longs: String`, `enums: String`, `defaults: true`, bytes as Buffer), plus identity-serialized calls
 * for sending bytes that are not a valid message at all.
 *
 * Requests take keys and values as Buffers: proto-loader would read a string in a bytes field as base64.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client, Metadata, credentials, type ChannelOptions, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type MethodDefinition, type PackageDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import { AsyncQueue } from './wait.js';

/** Int64 is an int64 as it goes out: a number or a decimal string. */
export type Int64 = number | string;

/** ResponseHeader is etcd's header on every response; int64 fields come back as decimal strings. */
export interface ResponseHeader {
  cluster_id: string;
  member_id: string;
  revision: string;
  raft_term: string;
}

/** KeyValue is mvccpb.KeyValue as decoded. */
export interface KeyValue {
  key: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  value: Buffer;
  lease: string;
}

/** RangeRequest is the subset of etcdserverpb.RangeRequest the suites send. */
export interface RangeRequest {
  key: Buffer;
  range_end?: Buffer;
  limit?: Int64;
  revision?: Int64;
  serializable?: boolean;
  keys_only?: boolean;
  count_only?: boolean;
}

/** RangeResponse is etcdserverpb.RangeResponse as decoded. */
export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: string;
}

/** PutRequest is etcdserverpb.PutRequest. */
export interface PutRequest {
  key: Buffer;
  value?: Buffer;
  lease?: Int64;
  prev_kv?: boolean;
  ignore_value?: boolean;
}

/** PutResponse is etcdserverpb.PutResponse as decoded. */
export interface PutResponse {
  header: ResponseHeader;
  prev_kv: KeyValue | null;
}

/** DeleteRangeRequest is etcdserverpb.DeleteRangeRequest. */
export interface DeleteRangeRequest {
  key: Buffer;
  range_end?: Buffer;
  prev_kv?: boolean;
}

/** DeleteRangeResponse is etcdserverpb.DeleteRangeResponse as decoded. */
export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: string;
  prev_kvs: KeyValue[];
}

/** RequestOp is one operation of a Txn branch. */
export type RequestOp = { request_range: RangeRequest } | { request_put: PutRequest } | { request_delete_range: DeleteRangeRequest } | { request_txn: TxnRequest };

/** Compare is one guard of a Txn (enum names as in the etcd3 package's proto). */
export interface Compare {
  result: 'Equal' | 'Greater' | 'Less' | 'NotEqual';
  target: 'Version' | 'Create' | 'Mod' | 'Value' | 'Lease';
  key: Buffer;
  version?: Int64;
  create_revision?: Int64;
  mod_revision?: Int64;
  value?: Buffer;
  lease?: Int64;
}

/** TxnRequest is etcdserverpb.TxnRequest. */
export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

/** TxnResponse is etcdserverpb.TxnResponse as decoded (responses kept loose). */
export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: unknown[];
}

/** CompactionResponse is etcdserverpb.CompactionResponse as decoded. */
export interface CompactionResponse {
  header: ResponseHeader;
}

/** LeaseGrantResponse is etcdserverpb.LeaseGrantResponse as decoded. */
export interface LeaseGrantResponse {
  header: ResponseHeader;
  ID: string;
  TTL: string;
  error: string;
}

/** LeaseTimeToLiveResponse is etcdserverpb.LeaseTimeToLiveResponse as decoded. */
export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  ID: string;
  TTL: string;
  grantedTTL: string;
  keys: Buffer[];
}

/** LeaseKeepAliveResponse is etcdserverpb.LeaseKeepAliveResponse as decoded. */
export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  ID: string;
  TTL: string;
}

/** StatusResponse is the part of etcdserverpb.StatusResponse the suites read. */
export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: string;
  leader: string;
  raftIndex: string;
  raftTerm: string;
}

/** HashKVResponse is etcdserverpb.HashKVResponse as decoded (hash is a uint32, a number). */
export interface HashKVResponse {
  header: ResponseHeader;
  hash: number;
  compact_revision: string;
}

/** Member is etcdserverpb.Member as decoded; ID is a decimal string. */
export interface Member {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** MemberListResponse is etcdserverpb.MemberListResponse as decoded. */
export interface MemberListResponse {
  header: ResponseHeader;
  members: Member[];
}

/** WatchCreateRequest is etcdserverpb.WatchCreateRequest. */
export interface WatchCreateRequest {
  key: Buffer;
  range_end?: Buffer;
  start_revision?: Int64;
  prev_kv?: boolean;
  progress_notify?: boolean;
  /** filters drop events server-side (enum names as in the etcd3 package's proto: NOPUT is `Noput`). */
  filters?: WatchFilter[];
  watch_id?: Int64;
  /** fragment lets the server split a response larger than --max-request-bytes over several. */
  fragment?: boolean;
}

/** WatchFilter is WatchCreateRequest.FilterType by its name in the etcd3 package's proto. */
export type WatchFilter = 'Noput' | 'Nodelete';

/** WatchRequest is etcdserverpb.WatchRequest (one of its three requests). */
export type WatchRequest = { create_request: WatchCreateRequest } | { cancel_request: { watch_id: Int64 } } | { progress_request: Record<string, never> };

/** Event is mvccpb.Event as decoded; type is the enum name, `Put` or `Delete`. */
export interface WatchEvent {
  type: 'Put' | 'Delete';
  kv: KeyValue;
  prev_kv: KeyValue | null;
}

/** WatchResponse is etcdserverpb.WatchResponse as decoded. */
export interface WatchResponse {
  header: ResponseHeader;
  watch_id: string;
  created: boolean;
  canceled: boolean;
  compact_revision: string;
  cancel_reason: string;
  fragment: boolean;
  events: WatchEvent[];
}

/** GrpcFailure is what a failed call reports: the status code and its details string. */
export interface GrpcFailure {
  code: number;
  details: string;
}

type ServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance' | 'Auth';

let loaded: PackageDefinition | undefined;

function packageDefinition(): PackageDefinition {
  if (loaded === undefined) {
    const etcd3 = dirname(createRequire(import.meta.url).resolve('etcd3/package.json'));
    loaded = loadSync(join(etcd3, 'proto', 'rpc.proto'), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  }
  return loaded;
}

function method(service: ServiceName, name: string): MethodDefinition<object, object> {
  const svc = packageDefinition()[`etcdserverpb.${service}`] as ServiceDefinition | undefined;
  const m = svc?.[name];
  if (m === undefined) throw new Error(`etcdserverpb.${service}/${name} is not in the etcd3 package's rpc.proto`);
  return m as MethodDefinition<object, object>;
}

const identity = (b: Buffer): Buffer => b;

/** isServiceError reports whether err is a gRPC call failure carrying a status code. */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'details' in err;
}

/**
 * grpcFailure awaits a call that must fail and resolves to its { code, details }; it rejects if the call
 * succeeds, or fails with something that is not a gRPC status.
 */
export async function grpcFailure(call: Promise<unknown>): Promise<GrpcFailure> {
  let value: unknown;
  try {
    value = await call;
  } catch (err) {
    if (isServiceError(err)) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error(`expected the call to fail, it succeeded with ${JSON.stringify(value)}`);
}

/**
 * FRESH_CHANNEL are channel options for talking to processes that die and come back on the same port: a
 * subchannel of its own (grpc-js otherwise shares one per address across clients, reconnect backoff
 * included) and a reconnect backoff capped at one second.
 */
export const FRESH_CHANNEL: ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
};

/** requireLeaderMetadata is a call's metadata: `hasleader: true` when asked, as clientv3.WithRequireLeader sets. */
export function requireLeaderMetadata(options: { requireLeader?: boolean }): Metadata {
  const md = new Metadata();
  if (options.requireLeader === true) md.set('hasleader', 'true');
  return md;
}

/** EtcdGrpc is one gRPC channel to a store's client address (host:port). Close it when done. */
export class EtcdGrpc {
  private readonly client: Client;

  constructor(
    readonly address: string,
    options: ChannelOptions = {},
  ) {
    this.client = new Client(address, credentials.createInsecure(), options);
  }

  /** unary calls service/name with a decoded request and resolves to the decoded response. */
  unary<Res>(service: ServiceName, name: string, request: object, timeoutMs = 10_000): Promise<Res> {
    const m = method(service, name);
    return new Promise<Res>((resolve, reject) => {
      this.client.makeUnaryRequest(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        request,
        new Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, value) => (err ? reject(err) : resolve(value as Res)),
      );
    });
  }

  /** raw sends bytes as the request of a unary method path (e.g. /etcdserverpb.KV/Put), unserialized. */
  raw(path: string, bytes: Buffer, timeoutMs = 10_000): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.client.makeUnaryRequest(path, identity, identity, bytes, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, value) =>
        err ? reject(err) : resolve(value as Buffer),
      );
    });
  }

  /** range is KV.Range. */
  range(request: RangeRequest): Promise<RangeResponse> {
    return this.unary('KV', 'Range', request);
  }

  /** put is KV.Put. */
  put(request: PutRequest): Promise<PutResponse> {
    return this.unary('KV', 'Put', request);
  }

  /** deleteRange is KV.DeleteRange. */
  deleteRange(request: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    return this.unary('KV', 'DeleteRange', request);
  }

  /** txn is KV.Txn. */
  txn(request: TxnRequest): Promise<TxnResponse> {
    return this.unary('KV', 'Txn', request);
  }

  /** compact is KV.Compact. */
  compact(revision: Int64, physical = false): Promise<CompactionResponse> {
    return this.unary('KV', 'Compact', { revision, physical });
  }

  /** leaseGrant is Lease.LeaseGrant. */
  leaseGrant(ttl: number, id: Int64 = 0): Promise<LeaseGrantResponse> {
    return this.unary('Lease', 'LeaseGrant', { TTL: ttl, ID: id });
  }

  /** leaseRevoke is Lease.LeaseRevoke. */
  leaseRevoke(id: Int64): Promise<{ header: ResponseHeader }> {
    return this.unary('Lease', 'LeaseRevoke', { ID: id });
  }

  /** leaseTimeToLive is Lease.LeaseTimeToLive. */
  leaseTimeToLive(id: Int64, keys = false): Promise<LeaseTimeToLiveResponse> {
    return this.unary('Lease', 'LeaseTimeToLive', { ID: id, keys });
  }

  /** status is Maintenance.Status. */
  status(timeoutMs = 10_000): Promise<StatusResponse> {
    return this.unary('Maintenance', 'Status', {}, timeoutMs);
  }

  /** hashKV is Maintenance.HashKV: the hash of the member's MVCC keys up to revision (0: its current one). */
  hashKV(revision: Int64 = 0, timeoutMs = 10_000): Promise<HashKVResponse> {
    return this.unary('Maintenance', 'HashKV', { revision }, timeoutMs);
  }

  /** memberList is Cluster.MemberList. */
  memberList(timeoutMs = 10_000): Promise<MemberListResponse> {
    return this.unary('Cluster', 'MemberList', {}, timeoutMs);
  }

  /** get reads one key and resolves to its value as UTF-8, or undefined when absent. */
  async get(key: string): Promise<string | undefined> {
    const r = await this.range({ key: Buffer.from(key) });
    return r.kvs[0]?.value.toString('utf8');
  }

  /** set puts a UTF-8 key and value and resolves to the response. */
  set(key: string, value: string): Promise<PutResponse> {
    return this.put({ key: Buffer.from(key), value: Buffer.from(value) });
  }

  /** watch opens a Watch stream; requireLeader sends `hasleader: true`, as clientv3.WithRequireLeader does. */
  watch(options: { requireLeader?: boolean } = {}): BidiStream<WatchRequest, WatchResponse> {
    return this.bidi('Watch', 'Watch', requireLeaderMetadata(options));
  }

  /** keepAlive opens a Lease.LeaseKeepAlive stream; requireLeader sends `hasleader: true`. */
  keepAlive(options: { requireLeader?: boolean } = {}): BidiStream<{ ID: Int64 }, LeaseKeepAliveResponse> {
    return this.bidi('Lease', 'LeaseKeepAlive', requireLeaderMetadata(options));
  }

  /** bidi opens a bidirectional stream whose responses queue up for the test to take with a deadline. */
  bidi<Req, Res>(service: ServiceName, name: string, metadata: Metadata = new Metadata()): BidiStream<Req, Res> {
    const m = method(service, name);
    const call = this.client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, metadata);
    return new BidiStream<Req, Res>(call as ClientDuplexStream<unknown, unknown> as ClientDuplexStream<Req, Res>);
  }

  /** close closes the channel. */
  close(): void {
    this.client.close();
  }
}

/** BidiStream wraps a duplex call: send() writes, next() takes the next response within a deadline. */
export class BidiStream<Req, Res> {
  readonly responses = new AsyncQueue<Res>((items) => `unread: ${JSON.stringify(items)}`);

  constructor(private readonly call: ClientDuplexStream<Req, Res>) {
    call.on('data', (res: Res) => this.responses.push(res));
    call.on('error', (err: Error) => this.responses.end(err));
    call.on('end', () => this.responses.end(new Error('the server ended the stream')));
  }

  /** send writes one request. */
  send(request: Req): void {
    this.call.write(request);
  }

  /** next resolves to the next response, waiting at most timeoutMs. */
  next(timeoutMs: number, what: string): Promise<Res> {
    return this.responses.shift(timeoutMs, what);
  }

  /**
   * pause stops reading responses: grpc-js then stops taking messages off the HTTP/2 stream, whose flow-control
   * window fills, so the server's writes back up as they would for a client that stopped reading.
   */
  pause(): void {
    this.call.pause();
  }

  /** resume starts reading responses again. */
  resume(): void {
    this.call.resume();
  }

  /** close cancels the call (the server sees the stream end). */
  close(): void {
    this.call.cancel();
  }
}

/**
 * probeReady asks address for key "health" with a linearizable Range (what `etcdctl endpoint health`
 * does), on a fresh channel so no reconnect backoff carries over between attempts. It resolves when the
 * Range succeeds: the store listens, has a leader and serves linearizable reads. A learner refuses that Range
 * (as etcd's do): it is ready once its Status names a leader.
 */
export async function probeReady(address: string, timeoutMs: number): Promise<void> {
  const c = new EtcdGrpc(address);
  try {
    await c.unary('KV', 'Range', { key: Buffer.from('health') }, timeoutMs).catch(async (err: unknown) => {
      if (!isServiceError(err) || err.details !== 'etcdserver: rpc not supported for learner') throw err;
      const st = await c.status(timeoutMs);
      if (BigInt(st.leader) === 0n) throw new Error('the learner knows no leader yet');
    });
  } finally {
    c.close();
  }
}
