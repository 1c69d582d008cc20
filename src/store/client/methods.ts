/**
 * The etcd v3 methods the client calls, typed with the message shapes of types.ts. The definitions (path,
 * serializers) come from the store's own schema (loadProtos), so client and server cannot disagree on it.
 *
 * Requests are serialized without their empty bytes fields, as Go's proto3 encoder would send them.
 * protobufjs writes a field that is set even when it holds the default, and etcd (3.4) decodes a present
 * but empty `range_end` as a non-nil []byte{}, which its Range — served without a Raft round trip, unlike
 * writes, whose re-encoding drops the empty field — takes as "every key from key on" (the decoded form of
 * range_end "\0"). A get of one key would return the rest of the keyspace. The KV calls are written and read
 * by the store's hand-written codec (kv-codec.ts), which writes proto3 as Go does and so never sends them.
 */
import type * as grpc from '@grpc/grpc-js';
import {
  decodeDeleteRangeResponse,
  decodePutResponse,
  decodeRangeResponse,
  decodeTxnResponse,
  decodeWatchResponse,
  encodeDeleteRangeRequest,
  encodePutRequest,
  encodeRangeRequest,
  encodeTxnRequest,
} from '../grpc/kv-codec.js';
import { loadProtos, type ServiceName } from '../grpc/proto.js';
import type * as pb from '../grpc/types.js';
import type { Method } from './endpoint.js';

/** Methods are the RPCs the client uses, by service. */
export interface Methods {
  readonly range: Method<pb.RangeRequest, pb.RangeResponse>;
  readonly put: Method<pb.PutRequest, pb.PutResponse>;
  readonly deleteRange: Method<pb.DeleteRangeRequest, pb.DeleteRangeResponse>;
  readonly txn: Method<pb.TxnRequest, pb.TxnResponse>;
  readonly compact: Method<pb.CompactionRequest, pb.CompactionResponse>;
  readonly watch: Method<pb.WatchRequest, pb.WatchResponse>;
  readonly leaseGrant: Method<pb.LeaseGrantRequest, pb.LeaseGrantResponse>;
  readonly leaseRevoke: Method<pb.LeaseRevokeRequest, pb.LeaseRevokeResponse>;
  readonly leaseKeepAlive: Method<pb.LeaseKeepAliveRequest, pb.LeaseKeepAliveResponse>;
  readonly leaseTimeToLive: Method<pb.LeaseTimeToLiveRequest, pb.LeaseTimeToLiveResponse>;
  readonly status: Method<pb.StatusRequest, pb.StatusResponse>;
  readonly snapshot: Method<pb.SnapshotRequest, pb.SnapshotResponse>;
  readonly memberList: Method<pb.MemberListRequest, pb.MemberListResponse>;
  readonly memberAdd: Method<pb.MemberAddRequest, pb.MemberAddResponse>;
  readonly memberRemove: Method<pb.MemberRemoveRequest, pb.MemberRemoveResponse>;
  readonly memberUpdate: Method<pb.MemberUpdateRequest, pb.MemberUpdateResponse>;
  readonly memberPromote: Method<pb.MemberPromoteRequest, pb.MemberPromoteResponse>;
}

/** loadMethods resolves the method definitions from the (memoised) schema. */
export function loadMethods(): Methods {
  const { services } = loadProtos();
  function method<Req, Resp>(service: ServiceName, name: string): Method<Req, Resp> {
    const def = (services[service] as grpc.ServiceDefinition)[name];
    if (def === undefined) throw new Error(`proto: method etcdserverpb.${service}/${name} not found`);
    const typed = def as Method<Req, Resp>;
    return { ...typed, requestSerialize: (req: Req): Buffer => typed.requestSerialize(withoutEmptyBytes(req)) };
  }
  /**
   * kvMethod is a KV call whose request is written, and whose response read, by the store's own codec
   * (kv-codec.ts): the hot path of every API server write. Its writer leaves empty bytes fields out as Go
   * does; a response it does not fully understand goes to protobufjs.
   */
  function kvMethod<Req, Resp>(name: string, encode: (req: Req) => Buffer, decode: (b: Buffer) => Resp | undefined): Method<Req, Resp> {
    const slow = method<Req, Resp>('KV', name);
    return { ...slow, requestSerialize: encode, responseDeserialize: (b: Buffer): Resp => decode(b) ?? slow.responseDeserialize(b) };
  }
  // The watch's responses (every change an API server's watch caches see) are read by the same codec.
  const slowWatch = method<pb.WatchRequest, pb.WatchResponse>('Watch', 'Watch');
  const watch = { ...slowWatch, responseDeserialize: (b: Buffer): pb.WatchResponse => decodeWatchResponse(b) ?? slowWatch.responseDeserialize(b) };
  return {
    range: kvMethod('Range', encodeRangeRequest, decodeRangeResponse),
    put: kvMethod('Put', encodePutRequest, decodePutResponse),
    deleteRange: kvMethod('DeleteRange', encodeDeleteRangeRequest, decodeDeleteRangeResponse),
    txn: kvMethod('Txn', encodeTxnRequest, decodeTxnResponse),
    compact: method('KV', 'Compact'),
    watch,
    leaseGrant: method('Lease', 'LeaseGrant'),
    leaseRevoke: method('Lease', 'LeaseRevoke'),
    leaseKeepAlive: method('Lease', 'LeaseKeepAlive'),
    leaseTimeToLive: method('Lease', 'LeaseTimeToLive'),
    status: method('Maintenance', 'Status'),
    snapshot: method('Maintenance', 'Snapshot'),
    memberList: method('Cluster', 'MemberList'),
    memberAdd: method('Cluster', 'MemberAdd'),
    memberRemove: method('Cluster', 'MemberRemove'),
    memberUpdate: method('Cluster', 'MemberUpdate'),
    memberPromote: method('Cluster', 'MemberPromote'),
  };
}

/**
 * withoutEmptyBytes returns v with every zero-length Buffer field left out, at any depth (Txn compares and
 * nested operations included). v itself is not modified.
 */
export function withoutEmptyBytes<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x: unknown) => withoutEmptyBytes(x)) as T;
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (Buffer.isBuffer(x) && x.length === 0) continue;
    out[k] = withoutEmptyBytes(x);
  }
  return out as T;
}
