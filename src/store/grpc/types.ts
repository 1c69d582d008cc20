/**
 * The etcd v3 API messages as @grpc/proto-loader hands them over with capstan's loader options (see proto.ts):
 * field names in camelCase (`range_end` → `rangeEnd`; etcd's `ID`, `TTL`, `peerURLs`, `remaining_TTL` keep
 * their spelling), every 64-bit integer (int64 and uint64) as a decimal string, bytes as Buffer, enums as
 * their value names, scalars and repeated fields always present (defaults on), unset sub-messages as null,
 * and a oneof as its present member plus a virtual property naming it (`request: 'requestPut'`).
 *
 * The same shapes go out: the serializers accept them as they are. Handlers convert 64-bit values at this
 * edge only, with toBigInt / toNum / int64 below (STYLE rule 4: IDs are bigint, revisions safe numbers).
 */
import type * as grpc from '@grpc/grpc-js';
import type { UnaryHandler } from './handler.js';

/** Int64 is a 64-bit integer field (int64 or uint64) as the loader represents it: a decimal string. */
export type Int64 = string;

// ---------------------------------------------------------------------------------------------- mvccpb

/** KeyValue is mvccpb.KeyValue. */
export interface KeyValue {
  key: Buffer;
  createRevision: Int64;
  modRevision: Int64;
  version: Int64;
  value: Buffer;
  lease: Int64;
}

/** EventType is mvccpb.Event.EventType. */
export type EventType = 'PUT' | 'DELETE';

/** Event is mvccpb.Event: one change seen by a watcher. */
export interface Event {
  type: EventType;
  kv: KeyValue | null;
  prevKv: KeyValue | null;
}

// ---------------------------------------------------------------------------------------------- authpb

/** UserAddOptions is authpb.UserAddOptions. */
export interface UserAddOptions {
  noPassword: boolean;
}

/** PermissionType is authpb.Permission.Type. */
export type PermissionType = 'READ' | 'WRITE' | 'READWRITE';

/** Permission is authpb.Permission: access of one kind to the key range [key, rangeEnd). */
export interface Permission {
  permType: PermissionType;
  key: Buffer;
  rangeEnd: Buffer;
}

/** User is authpb.User, a single entry of the authUsers bucket. */
export interface User {
  name: Buffer;
  password: Buffer;
  roles: string[];
  options: UserAddOptions | null;
}

/** Role is authpb.Role, a single entry of the authRoles bucket. */
export interface Role {
  name: Buffer;
  keyPermission: Permission[];
}

// ----------------------------------------------------------------------------------- etcdserverpb: KV

/** ResponseHeader is etcdserverpb.ResponseHeader, carried by every response. */
export interface ResponseHeader {
  clusterId: Int64;
  memberId: Int64;
  revision: Int64;
  raftTerm: Int64;
}

/** SortOrder is etcdserverpb.RangeRequest.SortOrder. */
export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
/** SortTarget is etcdserverpb.RangeRequest.SortTarget. */
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

/** RangeRequest is etcdserverpb.RangeRequest. */
export interface RangeRequest {
  key: Buffer;
  rangeEnd: Buffer;
  limit: Int64;
  revision: Int64;
  sortOrder: SortOrder;
  sortTarget: SortTarget;
  serializable: boolean;
  keysOnly: boolean;
  countOnly: boolean;
  minModRevision: Int64;
  maxModRevision: Int64;
  minCreateRevision: Int64;
  maxCreateRevision: Int64;
}

/** RangeResponse is etcdserverpb.RangeResponse. */
export interface RangeResponse {
  header: ResponseHeader | null;
  kvs: KeyValue[];
  more: boolean;
  count: Int64;
}

/** PutRequest is etcdserverpb.PutRequest. */
export interface PutRequest {
  key: Buffer;
  value: Buffer;
  lease: Int64;
  prevKv: boolean;
  ignoreValue: boolean;
  ignoreLease: boolean;
}

/** PutResponse is etcdserverpb.PutResponse. */
export interface PutResponse {
  header: ResponseHeader | null;
  prevKv: KeyValue | null;
}

/** DeleteRangeRequest is etcdserverpb.DeleteRangeRequest. */
export interface DeleteRangeRequest {
  key: Buffer;
  rangeEnd: Buffer;
  prevKv: boolean;
}

/** DeleteRangeResponse is etcdserverpb.DeleteRangeResponse. */
export interface DeleteRangeResponse {
  header: ResponseHeader | null;
  deleted: Int64;
  prevKvs: KeyValue[];
}

/** RequestOp is etcdserverpb.RequestOp: one operation of a transaction; `request` names the member set. */
export type RequestOp =
  | { request: 'requestRange'; requestRange: RangeRequest }
  | { request: 'requestPut'; requestPut: PutRequest }
  | { request: 'requestDeleteRange'; requestDeleteRange: DeleteRangeRequest }
  | { request: 'requestTxn'; requestTxn: TxnRequest }
  | { request?: undefined };

/** ResponseOp is etcdserverpb.ResponseOp: the result of one RequestOp; `response` names the member set. */
export type ResponseOp =
  | { response: 'responseRange'; responseRange: RangeResponse }
  | { response: 'responsePut'; responsePut: PutResponse }
  | { response: 'responseDeleteRange'; responseDeleteRange: DeleteRangeResponse }
  | { response: 'responseTxn'; responseTxn: TxnResponse };

/** CompareResult is etcdserverpb.Compare.CompareResult. */
export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
/** CompareTarget is etcdserverpb.Compare.CompareTarget. */
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

/**
 * Compare is etcdserverpb.Compare. The operand sits in the member of the `target_union` oneof that matches
 * `target`; `targetUnion` names it. A client that leaves the oneof unset means the zero value.
 */
export interface Compare {
  result: CompareResult;
  target: CompareTarget;
  key: Buffer;
  rangeEnd: Buffer;
  targetUnion?: 'version' | 'createRevision' | 'modRevision' | 'value' | 'lease';
  version?: Int64;
  createRevision?: Int64;
  modRevision?: Int64;
  value?: Buffer;
  lease?: Int64;
}

/** TxnRequest is etcdserverpb.TxnRequest. */
export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

/** TxnResponse is etcdserverpb.TxnResponse. */
export interface TxnResponse {
  header: ResponseHeader | null;
  succeeded: boolean;
  responses: ResponseOp[];
}

/** CompactionRequest is etcdserverpb.CompactionRequest. */
export interface CompactionRequest {
  revision: Int64;
  physical: boolean;
}

/** CompactionResponse is etcdserverpb.CompactionResponse. */
export interface CompactionResponse {
  header: ResponseHeader | null;
}

// -------------------------------------------------------------------------------- etcdserverpb: Watch

/** FilterType is etcdserverpb.WatchCreateRequest.FilterType. */
export type FilterType = 'NOPUT' | 'NODELETE';

/** WatchCreateRequest is etcdserverpb.WatchCreateRequest. */
export interface WatchCreateRequest {
  key: Buffer;
  rangeEnd: Buffer;
  startRevision: Int64;
  progressNotify: boolean;
  filters: FilterType[];
  prevKv: boolean;
  watchId: Int64;
  fragment: boolean;
}

/** WatchCancelRequest is etcdserverpb.WatchCancelRequest. */
export interface WatchCancelRequest {
  watchId: Int64;
}

/** WatchProgressRequest is etcdserverpb.WatchProgressRequest (no fields). */
export type WatchProgressRequest = Record<string, never>;

/** WatchRequest is etcdserverpb.WatchRequest; `requestUnion` names the member set. */
export type WatchRequest =
  | { requestUnion: 'createRequest'; createRequest: WatchCreateRequest }
  | { requestUnion: 'cancelRequest'; cancelRequest: WatchCancelRequest }
  | { requestUnion: 'progressRequest'; progressRequest: WatchProgressRequest }
  | { requestUnion?: undefined };

/** WatchResponse is etcdserverpb.WatchResponse. */
export interface WatchResponse {
  header: ResponseHeader | null;
  watchId: Int64;
  created: boolean;
  canceled: boolean;
  compactRevision: Int64;
  cancelReason: string;
  fragment: boolean;
  events: Event[];
}

// -------------------------------------------------------------------------------- etcdserverpb: Lease

/** LeaseGrantRequest is etcdserverpb.LeaseGrantRequest; ID 0 lets the lessor choose. */
export interface LeaseGrantRequest {
  TTL: Int64;
  ID: Int64;
}

/** LeaseGrantResponse is etcdserverpb.LeaseGrantResponse. */
export interface LeaseGrantResponse {
  header: ResponseHeader | null;
  ID: Int64;
  TTL: Int64;
  error: string;
}

/** LeaseRevokeRequest is etcdserverpb.LeaseRevokeRequest. */
export interface LeaseRevokeRequest {
  ID: Int64;
}

/** LeaseRevokeResponse is etcdserverpb.LeaseRevokeResponse. */
export interface LeaseRevokeResponse {
  header: ResponseHeader | null;
}

/** LeaseCheckpoint is etcdserverpb.LeaseCheckpoint: a lease's remaining TTL, replicated by the leader. */
export interface LeaseCheckpoint {
  ID: Int64;
  remaining_TTL: Int64;
}

/** LeaseCheckpointRequest is etcdserverpb.LeaseCheckpointRequest. */
export interface LeaseCheckpointRequest {
  checkpoints: LeaseCheckpoint[];
}

/** LeaseCheckpointResponse is etcdserverpb.LeaseCheckpointResponse. */
export interface LeaseCheckpointResponse {
  header: ResponseHeader | null;
}

/** LeaseKeepAliveRequest is etcdserverpb.LeaseKeepAliveRequest. */
export interface LeaseKeepAliveRequest {
  ID: Int64;
}

/** LeaseKeepAliveResponse is etcdserverpb.LeaseKeepAliveResponse; TTL 0 or less means the lease is gone. */
export interface LeaseKeepAliveResponse {
  header: ResponseHeader | null;
  ID: Int64;
  TTL: Int64;
}

/** LeaseTimeToLiveRequest is etcdserverpb.LeaseTimeToLiveRequest. */
export interface LeaseTimeToLiveRequest {
  ID: Int64;
  keys: boolean;
}

/** LeaseTimeToLiveResponse is etcdserverpb.LeaseTimeToLiveResponse; TTL -1 means expired or unknown. */
export interface LeaseTimeToLiveResponse {
  header: ResponseHeader | null;
  ID: Int64;
  TTL: Int64;
  grantedTTL: Int64;
  keys: Buffer[];
}

/** LeaseLeasesRequest is etcdserverpb.LeaseLeasesRequest (no fields). */
export type LeaseLeasesRequest = Record<string, never>;

/** LeaseStatus is etcdserverpb.LeaseStatus. */
export interface LeaseStatus {
  ID: Int64;
}

/** LeaseLeasesResponse is etcdserverpb.LeaseLeasesResponse. */
export interface LeaseLeasesResponse {
  header: ResponseHeader | null;
  leases: LeaseStatus[];
}

// ------------------------------------------------------------------------------ etcdserverpb: Cluster

/** Member is etcdserverpb.Member; name and clientURLs are empty until the member has started. */
export interface Member {
  ID: Int64;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** MemberAddRequest is etcdserverpb.MemberAddRequest. */
export interface MemberAddRequest {
  peerURLs: string[];
  isLearner: boolean;
}

/** MemberAddResponse is etcdserverpb.MemberAddResponse. */
export interface MemberAddResponse {
  header: ResponseHeader | null;
  member: Member | null;
  members: Member[];
}

/** MemberRemoveRequest is etcdserverpb.MemberRemoveRequest. */
export interface MemberRemoveRequest {
  ID: Int64;
}

/** MemberRemoveResponse is etcdserverpb.MemberRemoveResponse. */
export interface MemberRemoveResponse {
  header: ResponseHeader | null;
  members: Member[];
}

/** MemberUpdateRequest is etcdserverpb.MemberUpdateRequest. */
export interface MemberUpdateRequest {
  ID: Int64;
  peerURLs: string[];
}

/** MemberUpdateResponse is etcdserverpb.MemberUpdateResponse. */
export interface MemberUpdateResponse {
  header: ResponseHeader | null;
  members: Member[];
}

/** MemberListRequest is etcdserverpb.MemberListRequest. */
export interface MemberListRequest {
  linearizable: boolean;
}

/** MemberListResponse is etcdserverpb.MemberListResponse. */
export interface MemberListResponse {
  header: ResponseHeader | null;
  members: Member[];
}

/** MemberPromoteRequest is etcdserverpb.MemberPromoteRequest. */
export interface MemberPromoteRequest {
  ID: Int64;
}

/** MemberPromoteResponse is etcdserverpb.MemberPromoteResponse. */
export interface MemberPromoteResponse {
  header: ResponseHeader | null;
  members: Member[];
}

// -------------------------------------------------------------------------- etcdserverpb: Maintenance

/** AlarmType is etcdserverpb.AlarmType. */
export type AlarmType = 'NONE' | 'NOSPACE' | 'CORRUPT';
/** AlarmAction is etcdserverpb.AlarmRequest.AlarmAction. */
export type AlarmAction = 'GET' | 'ACTIVATE' | 'DEACTIVATE';

/** AlarmRequest is etcdserverpb.AlarmRequest; memberID 0 means every member. */
export interface AlarmRequest {
  action: AlarmAction;
  memberID: Int64;
  alarm: AlarmType;
}

/** AlarmMember is etcdserverpb.AlarmMember: one raised alarm. */
export interface AlarmMember {
  memberID: Int64;
  alarm: AlarmType;
}

/** AlarmResponse is etcdserverpb.AlarmResponse. */
export interface AlarmResponse {
  header: ResponseHeader | null;
  alarms: AlarmMember[];
}

/** StatusRequest is etcdserverpb.StatusRequest (no fields). */
export type StatusRequest = Record<string, never>;

/** DowngradeInfo is etcdserverpb.DowngradeInfo (etcd 3.6). */
export interface DowngradeInfo {
  enabled: boolean;
  targetVersion: string;
}

/** StatusResponse is etcdserverpb.StatusResponse; storageVersion, dbSizeQuota, downgradeInfo are etcd 3.6's. */
export interface StatusResponse {
  header: ResponseHeader | null;
  version: string;
  dbSize: Int64;
  leader: Int64;
  raftIndex: Int64;
  raftTerm: Int64;
  raftAppliedIndex: Int64;
  errors: string[];
  dbSizeInUse: Int64;
  isLearner: boolean;
  storageVersion: string;
  dbSizeQuota: Int64;
  downgradeInfo: DowngradeInfo | null;
}

/** DefragmentRequest is etcdserverpb.DefragmentRequest (no fields). */
export type DefragmentRequest = Record<string, never>;

/** DefragmentResponse is etcdserverpb.DefragmentResponse. */
export interface DefragmentResponse {
  header: ResponseHeader | null;
}

/** HashRequest is etcdserverpb.HashRequest (no fields). */
export type HashRequest = Record<string, never>;

/** HashResponse is etcdserverpb.HashResponse. */
export interface HashResponse {
  header: ResponseHeader | null;
  hash: number;
}

/** HashKVRequest is etcdserverpb.HashKVRequest. */
export interface HashKVRequest {
  revision: Int64;
}

/** HashKVResponse is etcdserverpb.HashKVResponse; hashRevision is etcd 3.6's. */
export interface HashKVResponse {
  header: ResponseHeader | null;
  hash: number;
  compactRevision: Int64;
  hashRevision: Int64;
}

/** SnapshotRequest is etcdserverpb.SnapshotRequest (no fields). */
export type SnapshotRequest = Record<string, never>;

/** SnapshotResponse is etcdserverpb.SnapshotResponse: one chunk of the snapshot stream. */
export interface SnapshotResponse {
  header: ResponseHeader | null;
  remainingBytes: Int64;
  blob: Buffer;
  version: string;
}

/** MoveLeaderRequest is etcdserverpb.MoveLeaderRequest. */
export interface MoveLeaderRequest {
  targetID: Int64;
}

/** MoveLeaderResponse is etcdserverpb.MoveLeaderResponse. */
export interface MoveLeaderResponse {
  header: ResponseHeader | null;
}

/** DowngradeAction is etcdserverpb.DowngradeRequest.DowngradeAction. */
export type DowngradeAction = 'VALIDATE' | 'ENABLE' | 'CANCEL';

/** DowngradeRequest is etcdserverpb.DowngradeRequest. */
export interface DowngradeRequest {
  action: DowngradeAction;
  version: string;
}

/** DowngradeResponse is etcdserverpb.DowngradeResponse. */
export interface DowngradeResponse {
  header: ResponseHeader | null;
  version: string;
}

// --------------------------------------------------------------------------------- etcdserverpb: Auth

/** AuthEnableRequest is etcdserverpb.AuthEnableRequest (no fields). */
export type AuthEnableRequest = Record<string, never>;
/** AuthDisableRequest is etcdserverpb.AuthDisableRequest (no fields). */
export type AuthDisableRequest = Record<string, never>;
/** AuthStatusRequest is etcdserverpb.AuthStatusRequest (no fields). */
export type AuthStatusRequest = Record<string, never>;
/** AuthUserListRequest is etcdserverpb.AuthUserListRequest (no fields). */
export type AuthUserListRequest = Record<string, never>;
/** AuthRoleListRequest is etcdserverpb.AuthRoleListRequest (no fields). */
export type AuthRoleListRequest = Record<string, never>;

/** AuthenticateRequest is etcdserverpb.AuthenticateRequest. */
export interface AuthenticateRequest {
  name: string;
  password: string;
}

/** AuthUserAddRequest is etcdserverpb.AuthUserAddRequest. */
export interface AuthUserAddRequest {
  name: string;
  password: string;
  options: UserAddOptions | null;
  hashedPassword: string;
}

/** AuthUserGetRequest is etcdserverpb.AuthUserGetRequest. */
export interface AuthUserGetRequest {
  name: string;
}

/** AuthUserDeleteRequest is etcdserverpb.AuthUserDeleteRequest. */
export interface AuthUserDeleteRequest {
  name: string;
}

/** AuthUserChangePasswordRequest is etcdserverpb.AuthUserChangePasswordRequest. */
export interface AuthUserChangePasswordRequest {
  name: string;
  password: string;
  hashedPassword: string;
}

/** AuthUserGrantRoleRequest is etcdserverpb.AuthUserGrantRoleRequest. */
export interface AuthUserGrantRoleRequest {
  user: string;
  role: string;
}

/** AuthUserRevokeRoleRequest is etcdserverpb.AuthUserRevokeRoleRequest. */
export interface AuthUserRevokeRoleRequest {
  name: string;
  role: string;
}

/** AuthRoleAddRequest is etcdserverpb.AuthRoleAddRequest. */
export interface AuthRoleAddRequest {
  name: string;
}

/** AuthRoleGetRequest is etcdserverpb.AuthRoleGetRequest. */
export interface AuthRoleGetRequest {
  role: string;
}

/** AuthRoleDeleteRequest is etcdserverpb.AuthRoleDeleteRequest. */
export interface AuthRoleDeleteRequest {
  role: string;
}

/** AuthRoleGrantPermissionRequest is etcdserverpb.AuthRoleGrantPermissionRequest. */
export interface AuthRoleGrantPermissionRequest {
  name: string;
  perm: Permission | null;
}

/** AuthRoleRevokePermissionRequest is etcdserverpb.AuthRoleRevokePermissionRequest. */
export interface AuthRoleRevokePermissionRequest {
  role: string;
  key: Buffer;
  rangeEnd: Buffer;
}

/** HeaderOnlyResponse is the shape of every etcd response that carries nothing but the header. */
export interface HeaderOnlyResponse {
  header: ResponseHeader | null;
}

/** AuthStatusResponse is etcdserverpb.AuthStatusResponse. */
export interface AuthStatusResponse {
  header: ResponseHeader | null;
  enabled: boolean;
  authRevision: Int64;
}

/** AuthenticateResponse is etcdserverpb.AuthenticateResponse. */
export interface AuthenticateResponse {
  header: ResponseHeader | null;
  token: string;
}

/** AuthUserGetResponse is etcdserverpb.AuthUserGetResponse. */
export interface AuthUserGetResponse {
  header: ResponseHeader | null;
  roles: string[];
}

/** AuthUserListResponse is etcdserverpb.AuthUserListResponse. */
export interface AuthUserListResponse {
  header: ResponseHeader | null;
  users: string[];
}

/** AuthRoleGetResponse is etcdserverpb.AuthRoleGetResponse. */
export interface AuthRoleGetResponse {
  header: ResponseHeader | null;
  perm: Permission[];
}

/** AuthRoleListResponse is etcdserverpb.AuthRoleListResponse. */
export interface AuthRoleListResponse {
  header: ResponseHeader | null;
  roles: string[];
}

// ------------------------------------------------------------------------------------------ capstanpb

/** InternalRequestHeader is capstanpb.RequestHeader: the proposal id its proposer waits on. */
export interface InternalRequestHeader {
  id: Int64;
}

/** InternalAuthenticateRequest is capstanpb.InternalAuthenticateRequest. */
export interface InternalAuthenticateRequest {
  name: string;
  password: string;
  simpleToken: string;
}

/** MemberAttributes is capstanpb.MemberAttributes: what a started member publishes about itself. */
export interface MemberAttributes {
  name: string;
  clientUrls: string[];
}

/** MemberAttrSetRequest is capstanpb.MemberAttrSetRequest. */
export interface MemberAttrSetRequest {
  memberId: Int64;
  memberAttributes: MemberAttributes | null;
}

/** MemberLeaveRequest is capstanpb.MemberLeaveRequest: a member about to be removed drains first. */
export interface MemberLeaveRequest {
  memberId: Int64;
  drained: boolean;
}

/**
 * InternalRaftOp is the request an InternalRaftRequest carries: exactly one member of the `request` oneof,
 * named by `request` (which the encoder ignores and the decoder sets).
 */
export type InternalRaftOp =
  | { request: 'range'; range: RangeRequest }
  | { request: 'put'; put: PutRequest }
  | { request: 'deleteRange'; deleteRange: DeleteRangeRequest }
  | { request: 'txn'; txn: TxnRequest }
  | { request: 'compaction'; compaction: CompactionRequest }
  | { request: 'leaseGrant'; leaseGrant: LeaseGrantRequest }
  | { request: 'leaseRevoke'; leaseRevoke: LeaseRevokeRequest }
  | { request: 'alarm'; alarm: AlarmRequest }
  | { request: 'leaseCheckpoint'; leaseCheckpoint: LeaseCheckpointRequest }
  | { request: 'authEnable'; authEnable: AuthEnableRequest }
  | { request: 'authDisable'; authDisable: AuthDisableRequest }
  | { request: 'authenticate'; authenticate: InternalAuthenticateRequest }
  | { request: 'authStatus'; authStatus: AuthStatusRequest }
  | { request: 'authUserAdd'; authUserAdd: AuthUserAddRequest }
  | { request: 'authUserDelete'; authUserDelete: AuthUserDeleteRequest }
  | { request: 'authUserGet'; authUserGet: AuthUserGetRequest }
  | { request: 'authUserChangePassword'; authUserChangePassword: AuthUserChangePasswordRequest }
  | { request: 'authUserGrantRole'; authUserGrantRole: AuthUserGrantRoleRequest }
  | { request: 'authUserRevokeRole'; authUserRevokeRole: AuthUserRevokeRoleRequest }
  | { request: 'authUserList'; authUserList: AuthUserListRequest }
  | { request: 'authRoleList'; authRoleList: AuthRoleListRequest }
  | { request: 'authRoleAdd'; authRoleAdd: AuthRoleAddRequest }
  | { request: 'authRoleDelete'; authRoleDelete: AuthRoleDeleteRequest }
  | { request: 'authRoleGet'; authRoleGet: AuthRoleGetRequest }
  | { request: 'authRoleGrantPermission'; authRoleGrantPermission: AuthRoleGrantPermissionRequest }
  | { request: 'authRoleRevokePermission'; authRoleRevokePermission: AuthRoleRevokePermissionRequest }
  | { request: 'memberAttrSet'; memberAttrSet: MemberAttrSetRequest }
  | { request: 'memberLeave'; memberLeave: MemberLeaveRequest };

/** InternalRaftRequest is capstanpb.InternalRaftRequest: the payload of one normal Raft log entry. */
export type InternalRaftRequest = { header: InternalRequestHeader | null } & InternalRaftOp;

// ---------------------------------------------------------------------------- service implementations

/** KVServer is the implementation of etcdserverpb.KV that grpc's Server.addService takes. */
export type KVServer = {
  Range: UnaryHandler<RangeRequest, RangeResponse>;
  Put: UnaryHandler<PutRequest, PutResponse>;
  DeleteRange: UnaryHandler<DeleteRangeRequest, DeleteRangeResponse>;
  Txn: UnaryHandler<TxnRequest, TxnResponse>;
  Compact: UnaryHandler<CompactionRequest, CompactionResponse>;
};

/** WatchServer is the implementation of etcdserverpb.Watch. */
export type WatchServer = {
  Watch: grpc.handleBidiStreamingCall<WatchRequest, WatchResponse>;
};

/** LeaseServer is the implementation of etcdserverpb.Lease. */
export type LeaseServer = {
  LeaseGrant: grpc.handleUnaryCall<LeaseGrantRequest, LeaseGrantResponse>;
  LeaseRevoke: grpc.handleUnaryCall<LeaseRevokeRequest, LeaseRevokeResponse>;
  LeaseKeepAlive: grpc.handleBidiStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse>;
  LeaseTimeToLive: grpc.handleUnaryCall<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse>;
  LeaseLeases: grpc.handleUnaryCall<LeaseLeasesRequest, LeaseLeasesResponse>;
};

/** ClusterServer is the implementation of etcdserverpb.Cluster. */
export type ClusterServer = {
  MemberAdd: grpc.handleUnaryCall<MemberAddRequest, MemberAddResponse>;
  MemberRemove: grpc.handleUnaryCall<MemberRemoveRequest, MemberRemoveResponse>;
  MemberUpdate: grpc.handleUnaryCall<MemberUpdateRequest, MemberUpdateResponse>;
  MemberList: grpc.handleUnaryCall<MemberListRequest, MemberListResponse>;
  MemberPromote: grpc.handleUnaryCall<MemberPromoteRequest, MemberPromoteResponse>;
};

/** MaintenanceServer is the implementation of etcdserverpb.Maintenance. */
export type MaintenanceServer = {
  Alarm: grpc.handleUnaryCall<AlarmRequest, AlarmResponse>;
  Status: grpc.handleUnaryCall<StatusRequest, StatusResponse>;
  Defragment: grpc.handleUnaryCall<DefragmentRequest, DefragmentResponse>;
  Hash: grpc.handleUnaryCall<HashRequest, HashResponse>;
  HashKV: grpc.handleUnaryCall<HashKVRequest, HashKVResponse>;
  Snapshot: grpc.handleServerStreamingCall<SnapshotRequest, SnapshotResponse>;
  MoveLeader: grpc.handleUnaryCall<MoveLeaderRequest, MoveLeaderResponse>;
  Downgrade: grpc.handleUnaryCall<DowngradeRequest, DowngradeResponse>;
};

/** AuthServer is the implementation of etcdserverpb.Auth. */
export type AuthServer = {
  AuthEnable: grpc.handleUnaryCall<AuthEnableRequest, HeaderOnlyResponse>;
  AuthDisable: grpc.handleUnaryCall<AuthDisableRequest, HeaderOnlyResponse>;
  AuthStatus: grpc.handleUnaryCall<AuthStatusRequest, AuthStatusResponse>;
  Authenticate: grpc.handleUnaryCall<AuthenticateRequest, AuthenticateResponse>;
  UserAdd: grpc.handleUnaryCall<AuthUserAddRequest, HeaderOnlyResponse>;
  UserGet: grpc.handleUnaryCall<AuthUserGetRequest, AuthUserGetResponse>;
  UserList: grpc.handleUnaryCall<AuthUserListRequest, AuthUserListResponse>;
  UserDelete: grpc.handleUnaryCall<AuthUserDeleteRequest, HeaderOnlyResponse>;
  UserChangePassword: grpc.handleUnaryCall<AuthUserChangePasswordRequest, HeaderOnlyResponse>;
  UserGrantRole: grpc.handleUnaryCall<AuthUserGrantRoleRequest, HeaderOnlyResponse>;
  UserRevokeRole: grpc.handleUnaryCall<AuthUserRevokeRoleRequest, HeaderOnlyResponse>;
  RoleAdd: grpc.handleUnaryCall<AuthRoleAddRequest, HeaderOnlyResponse>;
  RoleGet: grpc.handleUnaryCall<AuthRoleGetRequest, AuthRoleGetResponse>;
  RoleList: grpc.handleUnaryCall<AuthRoleListRequest, AuthRoleListResponse>;
  RoleDelete: grpc.handleUnaryCall<AuthRoleDeleteRequest, HeaderOnlyResponse>;
  RoleGrantPermission: grpc.handleUnaryCall<AuthRoleGrantPermissionRequest, HeaderOnlyResponse>;
  RoleRevokePermission: grpc.handleUnaryCall<AuthRoleRevokePermissionRequest, HeaderOnlyResponse>;
};

// ------------------------------------------------------------------------------------ int64 at the edge

const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * toBigInt converts a 64-bit field as the loader hands it over (decimal string; a number from hand-built
 * objects; missing means 0) to a bigint. It throws a RangeError on anything that is not an integer in the
 * int64 ∪ uint64 range, so a malformed ID never turns into a different one.
 */
export function toBigInt(v: string | number | bigint | null | undefined): bigint {
  if (v === undefined || v === null || v === '' || v === '0') return 0n;
  let b: bigint;
  if (typeof v === 'bigint') {
    b = v;
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64: ${v} is not a safe integer`);
    b = BigInt(v);
  } else {
    if (!/^-?\d+$/.test(v)) throw new RangeError(`int64: ${JSON.stringify(v)} is not a decimal integer`);
    b = BigInt(v);
  }
  if (b < INT64_MIN || b > UINT64_MAX) throw new RangeError(`int64: ${b} is out of the 64-bit range`);
  return b;
}

/**
 * toNum converts a 64-bit field (revision, TTL, count, limit…) to a number, missing meaning 0. It throws a
 * RangeError if the value is not a safe integer, rather than silently rounding it.
 */
export function toNum(v: string | number | bigint | null | undefined): number {
  if (v === undefined || v === null || v === '') return 0;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64: ${v} is not a safe integer`);
    return v;
  }
  if (typeof v === 'string' && !/^-?\d+$/.test(v)) {
    throw new RangeError(`int64: ${JSON.stringify(v)} is not a decimal integer`);
  }
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int64: ${v} exceeds the safe integer range`);
  return n;
}

/**
 * int64 renders a bigint or an integral number as the decimal string the serializers take for int64 and
 * uint64 fields. It throws a RangeError on a fraction, a non-finite number, or a value outside 64 bits.
 */
export function int64(v: bigint | number): Int64 {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64: ${v} is not a safe integer`);
    return String(v);
  }
  if (v < INT64_MIN || v > UINT64_MAX) throw new RangeError(`int64: ${v} is out of the 64-bit range`);
  return v.toString();
}
