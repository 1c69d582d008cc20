/**
 * rpc is the benchmark's etcd v3 client: raw @grpc/grpc-js unary calls and one bidi Watch stream, with
 * requests and responses encoded by protobufjs from the repository's etcd protos (loadProtos()). It talks to
 * capstan and etcd the same way, so neither side gets a different client.
 *
 * Load-generating calls (put, range) do not decode their responses: a call counts as done when its gRPC status
 * is OK, the way etcd's own `benchmark` tool counts it. Status and Watch responses are decoded, since the
 * benchmark reads them.
 */
import { Client, credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { loadProtos } from '../../src/store/grpc/proto.js';

/** BenchTypes are the etcdserverpb message types the benchmark encodes and decodes. */
interface BenchTypes {
  PutRequest: protobuf.Type;
  RangeRequest: protobuf.Type;
  StatusRequest: protobuf.Type;
  StatusResponse: protobuf.Type;
  WatchRequest: protobuf.Type;
  WatchResponse: protobuf.Type;
}

let types: BenchTypes | undefined;

function benchTypes(): BenchTypes {
  if (types === undefined) {
    const root = loadProtos().root;
    types = {
      PutRequest: root.lookupType('etcdserverpb.PutRequest'),
      RangeRequest: root.lookupType('etcdserverpb.RangeRequest'),
      StatusRequest: root.lookupType('etcdserverpb.StatusRequest'),
      StatusResponse: root.lookupType('etcdserverpb.StatusResponse'),
      WatchRequest: root.lookupType('etcdserverpb.WatchRequest'),
      WatchResponse: root.lookupType('etcdserverpb.WatchResponse'),
    };
  }
  return types;
}

/** MemberStatus is what Maintenance.Status says about the answering member. */
export interface MemberStatus {
  memberId: bigint;
  /** leader is the member ID the answering member believes leads; 0n: none known. */
  leader: bigint;
  raftTerm: number;
  raftIndex: number;
}

/** WatchEventSample is one event as the watcher saw it: the value's bytes and when it arrived. */
export interface WatchEventSample {
  value: Uint8Array;
  receivedAt: number;
}

/** RpcError is a failed call; code is the gRPC status name (`UNAVAILABLE`, `DEADLINE_EXCEEDED`, …). */
export class RpcError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RpcError';
    this.code = code;
  }
}

function toRpcError(err: ServiceError): RpcError {
  const code = GrpcStatus[err.code] ?? `CODE_${String(err.code)}`;
  return new RpcError(code, err.details || err.message, { cause: err });
}

const identity = (b: Buffer): Buffer => b;

/** RpcOptions tunes one channel. */
export interface RpcOptions {
  /**
   * fastReconnect shortens the channel's reconnect backoff (50–250 ms instead of grpc-js's 1–120 s), for
   * channels to a member that is killed and restarted on the same port.
   */
  fastReconnect?: boolean;
}

/**
 * EtcdRpc is one HTTP/2 connection to one member (its own subchannel: channels are never shared between
 * EtcdRpc instances, so N instances are N connections).
 */
export class EtcdRpc {
  private readonly client: Client;

  constructor(
    readonly address: string,
    options: RpcOptions = {},
  ) {
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      ...(options.fastReconnect === true ? { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 250 } : {}),
    });
  }

  /** waitReady resolves once the connection is up, or rejects after timeoutMs. */
  waitReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (err) => (err === undefined || err === null ? resolve() : reject(err)));
    });
  }

  /** unary sends an already encoded request and resolves with the raw response bytes. */
  unary(method: string, request: Buffer, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(method, identity, identity, request, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err !== null) reject(toRpcError(err));
        else resolve(res ?? Buffer.alloc(0));
      });
    });
  }

  /** put stores value at key (KV.Put). */
  async put(request: Buffer, timeoutMs: number): Promise<void> {
    await this.unary('/etcdserverpb.KV/Put', request, timeoutMs);
  }

  /** range reads with a pre-encoded RangeRequest (KV.Range). */
  async range(request: Buffer, timeoutMs: number): Promise<void> {
    await this.unary('/etcdserverpb.KV/Range', request, timeoutMs);
  }

  /** status asks Maintenance.Status. */
  async status(timeoutMs: number): Promise<MemberStatus> {
    const t = benchTypes();
    const raw = await this.unary('/etcdserverpb.Maintenance/Status', encodeStatusRequest(), timeoutMs);
    const o = t.StatusResponse.toObject(t.StatusResponse.decode(raw), { longs: String, defaults: true }) as {
      header?: { memberId: string };
      leader: string;
      raftTerm: string;
      raftIndex: string;
    };
    return {
      memberId: BigInt(o.header?.memberId ?? '0'),
      leader: BigInt(o.leader),
      raftTerm: Number(o.raftTerm),
      raftIndex: Number(o.raftIndex),
    };
  }

  /**
   * watchPrefix opens a Watch stream on [prefix, prefixEnd(prefix)) from now on and calls onEvents with the
   * events of every response. It resolves once the server confirmed the watch (created).
   */
  watchPrefix(prefix: Buffer, onEvents: (events: WatchEventSample[]) => void, onError: (err: RpcError) => void, timeoutMs: number): Promise<WatchHandle> {
    const t = benchTypes();
    const call = this.client.makeBidiStreamRequest('/etcdserverpb.Watch/Watch', identity, identity);
    return new Promise((resolve, reject) => {
      let created = false;
      const timer = setTimeout(() => {
        if (created) return;
        call.cancel();
        reject(new RpcError('DEADLINE_EXCEEDED', `watch on ${this.address} was not created within ${timeoutMs} ms`));
      }, timeoutMs);
      call.on('data', (raw: Buffer) => {
        const receivedAt = performance.now();
        const msg = t.WatchResponse.decode(raw) as unknown as { created: boolean; canceled: boolean; cancelReason: string; events: { kv?: { value: Uint8Array } }[] };
        if (msg.created && !created) {
          created = true;
          clearTimeout(timer);
          resolve({ close: () => call.cancel() });
        }
        if (msg.canceled) onError(new RpcError('CANCELED', `watch canceled by the server: ${msg.cancelReason}`));
        if (msg.events.length > 0) onEvents(msg.events.map((e) => ({ value: e.kv?.value ?? new Uint8Array(0), receivedAt })));
      });
      call.on('error', (err: ServiceError) => {
        if (err.code === GrpcStatus.CANCELLED) return;
        clearTimeout(timer);
        const e = toRpcError(err);
        if (!created) reject(e);
        else onError(e);
      });
      call.write(Buffer.from(t.WatchRequest.encode(t.WatchRequest.create({ createRequest: { key: prefix, rangeEnd: prefixEnd(prefix) } })).finish()));
    });
  }

  close(): void {
    this.client.close();
  }
}

/** WatchHandle cancels a watch stream. */
export interface WatchHandle {
  close(): void;
}

/** prefixEnd is etcd's range end for a prefix: the prefix with its last byte below 0xff incremented. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** encodePut encodes a PutRequest. */
export function encodePut(key: Buffer, value: Buffer): Buffer {
  const t = benchTypes().PutRequest;
  return Buffer.from(t.encode(t.create({ key, value })).finish());
}

/** encodeRange encodes a single-key RangeRequest; serializable false is a linearizable read. */
export function encodeRange(key: Buffer, serializable: boolean): Buffer {
  const t = benchTypes().RangeRequest;
  return Buffer.from(t.encode(t.create({ key, serializable: serializable })).finish());
}

function encodeStatusRequest(): Buffer {
  const t = benchTypes().StatusRequest;
  return Buffer.from(t.encode(t.create({})).finish());
}
