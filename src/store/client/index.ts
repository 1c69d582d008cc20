/**
 * The etcd v3 client, the one part of the store the API server may import (ARCHITECTURE.md): EtcdClient and
 * the types, builders and errors of its API.
 */
export { EtcdClient, type ClusterMember, type EtcdClientOptions, type EndpointStatus, type LeaseTimeToLive, type SnapshotChunk } from './etcd-client.js';
export type { Bytes, DeleteOptions, DeleteResult, GetOptions, GetResult, KeyValue, PutOptions, PutResult, RangeOptions } from './kv.js';
export { prefixEnd } from './kv.js';
export { cmp, op, type CompareOperator, type Comparison, type Operation, type TxnOpResult, type TxnResult, type TxnSpec } from './txn.js';
export { Watcher, type WatchBatch, type WatchEvent, type WatchOptions, type WatcherEvents } from './watch.js';
export { LeaseKeepAlive, type KeepAliveResult, type LeaseKeepAliveEvents } from './lease-keepalive.js';
export {
  ClientClosedError,
  ClientConfigError,
  DeadlineExceededError,
  EndpointUnavailableError,
  LeaseKeepAliveTimeoutError,
  UnexpectedStatusError,
  WatchCanceledError,
} from './errors.js';
export type { BackoffOptions, RequestKind } from './retry-policy.js';
// etcd's conditions as the client surfaces them (rebuilt from their gRPC statuses), so that callers outside
// the store match on these classes without importing the store's internals.
export {
  CompactedError,
  DuplicateKeyError,
  EmptyKeyError,
  FutureRevError,
  InvalidAuthTokenError,
  KeyNotFoundError,
  LeaderChangedError,
  LeaseExistsError,
  LeaseNotFoundError,
  LeaseTTLTooLargeError,
  LearnerNotReadyError,
  MemberBadURLsError,
  MemberExistsError,
  MemberNotEnoughStartedError,
  MemberNotFoundError,
  MemberNotLearnerError,
  NoLeaderError,
  NoSpaceError,
  NotCapableError,
  NotSupportedForLearnerError,
  PeerURLExistsError,
  PermissionDeniedError,
  RequestTooLargeError,
  StoppedError,
  TimeoutDueToConnectionLostError,
  TimeoutDueToLeaderFailError,
  TimeoutError,
  TimeoutWaitAppliedIndexError,
  TooManyLearnersError,
  TooManyOpsError,
  TooManyRequestsError,
  UnhealthyError,
} from '../errors.js';
