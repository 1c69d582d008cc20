/**
 * The store's domain errors, one class per condition, and the one table that translates them to gRPC
 * statuses at the etcd boundary.
 *
 * Codes and messages are etcd's, byte for byte (api/v3rpc/rpctypes/error.go, and the domain → rpctypes map
 * togRPCError in server/etcdserver/api/v3rpc/util.go, etcd 3.4/3.5): etcdctl, clientv3 and the npm etcd3
 * client decide what happened — compacted, no leader, lease gone — by matching the status message, so a
 * single changed character changes client behaviour. Inside the store the classes are matched by type
 * (instanceof) or `code`, never by message.
 *
 * `retryable` follows etcd's client: the Unavailable conditions (no leader, leader changed, timeouts,
 * stopped, unhealthy, learner) and the rate limit may succeed when sent again; everything else will not.
 */
import { status } from '@grpc/grpc-js';
import { CapstanError } from '../util/errors.js';

// -------------------------------------------------------------------------------------- KV and MVCC

/** EmptyKeyError: a request names no key (etcd ErrGRPCEmptyKey). */
export class EmptyKeyError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: key is not provided', 'EMPTY_KEY', false, options);
  }
}

/** KeyNotFoundError: a put with ignore_value or ignore_lease names a key that does not exist (etcd ErrKeyNotFound). */
export class KeyNotFoundError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: key not found', 'KEY_NOT_FOUND', false, options);
  }
}

/** ValueProvidedError: a put sets ignore_value and also carries a value (etcd ErrGRPCValueProvided). */
export class ValueProvidedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: value is provided', 'VALUE_PROVIDED', false, options);
  }
}

/** LeaseProvidedError: a put sets ignore_lease and also carries a lease (etcd ErrGRPCLeaseProvided). */
export class LeaseProvidedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: lease is provided', 'LEASE_PROVIDED', false, options);
  }
}

/** TooManyOpsError: a txn has more operations than --max-txn-ops allows (etcd ErrGRPCTooManyOps). */
export class TooManyOpsError extends CapstanError {
  /** ops is the number of operations in the offending branch; max the configured limit. */
  readonly ops: number | undefined;
  readonly max: number | undefined;

  constructor(ops?: number, max?: number, options?: ErrorOptions) {
    super('etcdserver: too many operations in txn request', 'TOO_MANY_OPS', false, options);
    this.ops = ops;
    this.max = max;
  }
}

/** DuplicateKeyError: a txn branch writes the same key twice (etcd ErrGRPCDuplicateKey). */
export class DuplicateKeyError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: duplicate key given in txn request', 'DUPLICATE_KEY', false, options);
  }
}

/**
 * CompactedError: the requested revision is at or below the compacted revision (etcd mvcc.ErrCompacted).
 * compactRevision lets a watch answer with WatchResponse.compact_revision.
 */
export class CompactedError extends CapstanError {
  readonly revision: number | undefined;
  readonly compactRevision: number | undefined;

  constructor(revision?: number, compactRevision?: number, options?: ErrorOptions) {
    super('etcdserver: mvcc: required revision has been compacted', 'COMPACTED', false, options);
    this.revision = revision;
    this.compactRevision = compactRevision;
  }
}

/** FutureRevError: the requested revision is above the current revision (etcd mvcc.ErrFutureRev). */
export class FutureRevError extends CapstanError {
  readonly revision: number | undefined;
  readonly currentRevision: number | undefined;

  constructor(revision?: number, currentRevision?: number, options?: ErrorOptions) {
    super('etcdserver: mvcc: required revision is a future revision', 'FUTURE_REV', false, options);
    this.revision = revision;
    this.currentRevision = currentRevision;
  }
}

/** NoSpaceError: the NOSPACE alarm is raised; writes are refused until it is cleared (etcd ErrNoSpace). */
export class NoSpaceError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: mvcc: database space exceeded', 'NO_SPACE', false, options);
  }
}

/** RequestTooLargeError: the encoded request exceeds --max-request-bytes (etcd ErrRequestTooLarge). */
export class RequestTooLargeError extends CapstanError {
  readonly size: number | undefined;
  readonly limit: number | undefined;

  constructor(size?: number, limit?: number, options?: ErrorOptions) {
    super('etcdserver: request is too large', 'REQUEST_TOO_LARGE', false, options);
    this.size = size;
    this.limit = limit;
  }
}

/** TooManyRequestsError: applied index lags committed index too far; back off (etcd ErrTooManyRequests). */
export class TooManyRequestsError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: too many requests', 'TOO_MANY_REQUESTS', true, options);
  }
}

// -------------------------------------------------------------------------------------------- Lease

/** LeaseNotFoundError: no lease has this ID (etcd lease.ErrLeaseNotFound). */
export class LeaseNotFoundError extends CapstanError {
  readonly leaseId: bigint | undefined;

  constructor(leaseId?: bigint, options?: ErrorOptions) {
    super('etcdserver: requested lease not found', 'LEASE_NOT_FOUND', false, options);
    this.leaseId = leaseId;
  }
}

/** LeaseExistsError: a grant asks for an ID that is already taken (etcd lease.ErrLeaseExists). */
export class LeaseExistsError extends CapstanError {
  readonly leaseId: bigint | undefined;

  constructor(leaseId?: bigint, options?: ErrorOptions) {
    super('etcdserver: lease already exists', 'LEASE_EXISTS', false, options);
    this.leaseId = leaseId;
  }
}

/** LeaseTTLTooLargeError: a grant asks for a TTL above the maximum (etcd lease.ErrLeaseTTLTooLarge). */
export class LeaseTTLTooLargeError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: too large lease TTL', 'LEASE_TTL_TOO_LARGE', false, options);
  }
}

// --------------------------------------------------------------------------------------- Membership

/** MemberExistsError: the member ID is already in the cluster (etcd membership.ErrIDExists). */
export class MemberExistsError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: member ID already exist', 'MEMBER_EXISTS', false, options);
  }
}

/**
 * PeerURLExistsError: another member already uses one of the peer URLs (etcd membership.ErrPeerURLexists,
 * whose internal text "etcdserver: peerURL exists" is never what clients see).
 */
export class PeerURLExistsError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: Peer URLs already exists', 'PEER_URL_EXISTS', false, options);
  }
}

/** MemberNotEnoughStartedError: the change would leave too few started members for quorum (etcd ErrNotEnoughStartedMembers). */
export class MemberNotEnoughStartedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super(
      'etcdserver: re-configuration failed due to not enough started members',
      'MEMBER_NOT_ENOUGH_STARTED',
      false,
      options,
    );
  }
}

/** MemberBadURLsError: the given peer URLs do not parse (etcd ErrGRPCMemberBadURLs). */
export class MemberBadURLsError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: given member URLs are invalid', 'MEMBER_BAD_URLS', false, options);
  }
}

/** MemberNotFoundError: no member has this ID, or it was removed (etcd membership.ErrIDNotFound / ErrIDRemoved). */
export class MemberNotFoundError extends CapstanError {
  readonly memberId: bigint | undefined;

  constructor(memberId?: bigint, options?: ErrorOptions) {
    super('etcdserver: member not found', 'MEMBER_NOT_FOUND', false, options);
    this.memberId = memberId;
  }
}

/** MemberNotLearnerError: promote names a voting member (etcd membership.ErrMemberNotLearner). */
export class MemberNotLearnerError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: can only promote a learner member', 'MEMBER_NOT_LEARNER', false, options);
  }
}

/** LearnerNotReadyError: the learner's log is not close enough to the leader's to promote (etcd ErrLearnerNotReady). */
export class LearnerNotReadyError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super(
      'etcdserver: can only promote a learner member which is in sync with leader',
      'LEARNER_NOT_READY',
      false,
      options,
    );
  }
}

/** TooManyLearnersError: the cluster already has the maximum number of learners (etcd membership.ErrTooManyLearners). */
export class TooManyLearnersError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: too many learner members in cluster', 'TOO_MANY_LEARNERS', false, options);
  }
}

// ------------------------------------------------------------------------------------ Server / Raft

/** NoLeaderError: this member knows no leader, so it cannot propose or confirm a read (etcd ErrNoLeader). */
export class NoLeaderError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: no leader', 'NO_LEADER', true, options);
  }
}

/** NotLeaderError: the request must be served by the leader and this member is not it (etcd ErrNotLeader). */
export class NotLeaderError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: not leader', 'NOT_LEADER', true, options);
  }
}

/** LeaderChangedError: leadership changed while the request was in flight (etcd ErrLeaderChanged). */
export class LeaderChangedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: leader changed', 'LEADER_CHANGED', true, options);
  }
}

/** NotCapableError: the cluster version does not support the request yet (etcd ErrNotCapable). */
export class NotCapableError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: not capable', 'NOT_CAPABLE', false, options);
  }
}

/** StoppedError: the member is shutting down (etcd ErrStopped). */
export class StoppedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: server stopped', 'STOPPED', true, options);
  }
}

/** TimeoutError: the proposal or read did not complete in time; its outcome is unknown (etcd ErrTimeout). */
export class TimeoutError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: request timed out', 'TIMEOUT', true, options);
  }
}

/** TimeoutDueToLeaderFailError: the request timed out and the previous leader is presumed failed (etcd ErrTimeoutDueToLeaderFail). */
export class TimeoutDueToLeaderFailError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super(
      'etcdserver: request timed out, possibly due to previous leader failure',
      'TIMEOUT_DUE_TO_LEADER_FAIL',
      true,
      options,
    );
  }
}

/** TimeoutDueToConnectionLostError: the request timed out while the leader was unreachable (etcd ErrTimeoutDueToConnectionLost). */
export class TimeoutDueToConnectionLostError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super(
      'etcdserver: request timed out, possibly due to connection lost',
      'TIMEOUT_DUE_TO_CONNECTION_LOST',
      true,
      options,
    );
  }
}

/** TimeoutWaitAppliedIndexError: a linearizable read waited too long for apply to reach the read index (etcd ErrTimeoutWaitAppliedIndex). */
export class TimeoutWaitAppliedIndexError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super(
      'etcdserver: request timed out, waiting for the applied index took too long',
      'TIMEOUT_WAIT_APPLIED_INDEX',
      true,
      options,
    );
  }
}

/** UnhealthyError: a membership change would leave the cluster without an active quorum (etcd ErrUnhealthy). */
export class UnhealthyError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: unhealthy cluster', 'UNHEALTHY', true, options);
  }
}

/** CorruptError: the CORRUPT alarm is raised: members disagree on the data (etcd ErrCorrupt). */
export class CorruptError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: corrupt cluster', 'CORRUPT', false, options);
  }
}

/** NotSupportedForLearnerError: a learner serves only serializable reads and Status (etcd ErrGPRCNotSupportedForLearner). */
export class NotSupportedForLearnerError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: rpc not supported for learner', 'NOT_SUPPORTED_FOR_LEARNER', true, options);
  }
}

/** BadLeaderTransfereeError: MoveLeader names a member that cannot become leader (etcd ErrBadLeaderTransferee). */
export class BadLeaderTransfereeError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: bad leader transferee', 'BAD_LEADER_TRANSFEREE', false, options);
  }
}

/**
 * RequestCanceledError: the caller went away while its proposal was pending (etcd ErrCanceled). etcd has no
 * rpctypes entry for it, so it reaches clients as code Unknown with this text.
 */
export class RequestCanceledError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: request cancelled', 'REQUEST_CANCELED', false, options);
  }
}

// --------------------------------------------------------------------------------------------- Auth

/** RootUserNotExistError: auth cannot be enabled without a root user (etcd auth.ErrRootUserNotExist). */
export class RootUserNotExistError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: root user does not exist', 'ROOT_USER_NOT_EXIST', false, options);
  }
}

/** RootRoleNotExistError: the root user lacks the root role (etcd auth.ErrRootRoleNotExist). */
export class RootRoleNotExistError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: root user does not have root role', 'ROOT_ROLE_NOT_EXIST', false, options);
  }
}

/** UserAlreadyExistsError: user add names an existing user (etcd auth.ErrUserAlreadyExist). */
export class UserAlreadyExistsError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: user name already exists', 'USER_ALREADY_EXISTS', false, options);
  }
}

/** UserEmptyError: a user request has an empty name (etcd auth.ErrUserEmpty). */
export class UserEmptyError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: user name is empty', 'USER_EMPTY', false, options);
  }
}

/** UserNotFoundError: no such user (etcd auth.ErrUserNotFound). */
export class UserNotFoundError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: user name not found', 'USER_NOT_FOUND', false, options);
  }
}

/** RoleAlreadyExistsError: role add names an existing role (etcd auth.ErrRoleAlreadyExist). */
export class RoleAlreadyExistsError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: role name already exists', 'ROLE_ALREADY_EXISTS', false, options);
  }
}

/** RoleNotFoundError: no such role (etcd auth.ErrRoleNotFound). */
export class RoleNotFoundError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: role name not found', 'ROLE_NOT_FOUND', false, options);
  }
}

/** RoleEmptyError: a role request has an empty name (etcd auth.ErrRoleEmpty). */
export class RoleEmptyError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: role name is empty', 'ROLE_EMPTY', false, options);
  }
}

/** AuthFailedError: wrong user name or password (etcd auth.ErrAuthFailed). */
export class AuthFailedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: authentication failed, invalid user ID or password', 'AUTH_FAILED', false, options);
  }
}

/** PermissionDeniedError: the authenticated user may not perform the request (etcd auth.ErrPermissionDenied). */
export class PermissionDeniedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: permission denied', 'PERMISSION_DENIED', false, options);
  }
}

/** RoleNotGrantedError: revoke names a role the user does not have (etcd auth.ErrRoleNotGranted). */
export class RoleNotGrantedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: role is not granted to the user', 'ROLE_NOT_GRANTED', false, options);
  }
}

/** PermissionNotGrantedError: revoke names a permission the role does not have (etcd auth.ErrPermissionNotGranted). */
export class PermissionNotGrantedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: permission is not granted to the role', 'PERMISSION_NOT_GRANTED', false, options);
  }
}

/** UnknownServiceError: a gRPC health check named a service the member does not report on (grpc-go's health server). */
export class UnknownServiceError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('unknown service', 'UNKNOWN_SERVICE', false, options);
  }
}

/**
 * HealthWatchEndedError: a health Watch ended by the server while it still serves — grpc-go's health server
 * answers a cancelled stream so, which etcd's leader monitor causes for a `hasleader` one.
 */
export class HealthWatchEndedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('Stream has ended.', 'HEALTH_WATCH_ENDED', true, options);
  }
}

/** AuthNotEnabledError: an auth-only request arrived while auth is disabled (etcd auth.ErrAuthNotEnabled). */
export class AuthNotEnabledError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: authentication is not enabled', 'AUTH_NOT_ENABLED', false, options);
  }
}

/** InvalidAuthTokenError: the token is unknown or expired (etcd auth.ErrInvalidAuthToken). */
export class InvalidAuthTokenError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: invalid auth token', 'INVALID_AUTH_TOKEN', false, options);
  }
}

/** InvalidAuthMgmtError: the request would lock out the root user (etcd auth.ErrInvalidAuthMgmt). */
export class InvalidAuthMgmtError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: invalid auth management', 'INVALID_AUTH_MGMT', false, options);
  }
}

/** AuthOldRevisionError: the request was authorised against an auth store revision since superseded (etcd auth.ErrAuthOldRevision). */
export class AuthOldRevisionError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdserver: revision of auth store is old', 'AUTH_OLD_REVISION', false, options);
  }
}

// ------------------------------------------------------------------------------------------ the table

/** GrpcErrorEntry is one row of the table: the status a condition reaches clients with, and how to rebuild it. */
export interface GrpcErrorEntry {
  /** code is the gRPC status code etcd answers with. */
  readonly code: status;
  /** details is etcd's status message, byte for byte. */
  readonly details: string;
  /** create builds the domain error back from a status received from a member (forwarding, clients). */
  readonly create: (options?: ErrorOptions) => CapstanError;
}

function row(code: status, create: (options?: ErrorOptions) => CapstanError): [string, GrpcErrorEntry] {
  const sample = create();
  return [sample.code, { code, details: sample.message, create }];
}

/**
 * GRPC_ERRORS maps every store error's `code` to its gRPC status and etcd's message — the one table of
 * domain → gRPC translation, after etcd's rpctypes and v3rpc toGRPCErrorMap. The details come from the
 * classes' messages, which are etcd's texts; errors.test.ts pins each to the literal etcd string.
 */
export const GRPC_ERRORS: ReadonlyMap<string, GrpcErrorEntry> = new Map([
  row(status.INVALID_ARGUMENT, (o) => new EmptyKeyError(o)),
  row(status.INVALID_ARGUMENT, (o) => new KeyNotFoundError(o)),
  row(status.INVALID_ARGUMENT, (o) => new ValueProvidedError(o)),
  row(status.INVALID_ARGUMENT, (o) => new LeaseProvidedError(o)),
  row(status.INVALID_ARGUMENT, (o) => new TooManyOpsError(undefined, undefined, o)),
  row(status.INVALID_ARGUMENT, (o) => new DuplicateKeyError(o)),
  row(status.OUT_OF_RANGE, (o) => new CompactedError(undefined, undefined, o)),
  row(status.OUT_OF_RANGE, (o) => new FutureRevError(undefined, undefined, o)),
  row(status.RESOURCE_EXHAUSTED, (o) => new NoSpaceError(o)),
  row(status.INVALID_ARGUMENT, (o) => new RequestTooLargeError(undefined, undefined, o)),
  row(status.RESOURCE_EXHAUSTED, (o) => new TooManyRequestsError(o)),

  row(status.NOT_FOUND, (o) => new LeaseNotFoundError(undefined, o)),
  row(status.FAILED_PRECONDITION, (o) => new LeaseExistsError(undefined, o)),
  row(status.OUT_OF_RANGE, (o) => new LeaseTTLTooLargeError(o)),

  row(status.FAILED_PRECONDITION, (o) => new MemberExistsError(o)),
  row(status.FAILED_PRECONDITION, (o) => new PeerURLExistsError(o)),
  row(status.FAILED_PRECONDITION, (o) => new MemberNotEnoughStartedError(o)),
  row(status.INVALID_ARGUMENT, (o) => new MemberBadURLsError(o)),
  row(status.NOT_FOUND, (o) => new MemberNotFoundError(undefined, o)),
  row(status.FAILED_PRECONDITION, (o) => new MemberNotLearnerError(o)),
  row(status.FAILED_PRECONDITION, (o) => new LearnerNotReadyError(o)),
  row(status.FAILED_PRECONDITION, (o) => new TooManyLearnersError(o)),

  row(status.UNAVAILABLE, (o) => new NoLeaderError(o)),
  row(status.FAILED_PRECONDITION, (o) => new NotLeaderError(o)),
  row(status.UNAVAILABLE, (o) => new LeaderChangedError(o)),
  row(status.UNAVAILABLE, (o) => new NotCapableError(o)),
  row(status.UNAVAILABLE, (o) => new StoppedError(o)),
  row(status.UNAVAILABLE, (o) => new TimeoutError(o)),
  row(status.UNAVAILABLE, (o) => new TimeoutDueToLeaderFailError(o)),
  row(status.UNAVAILABLE, (o) => new TimeoutDueToConnectionLostError(o)),
  row(status.UNAVAILABLE, (o) => new TimeoutWaitAppliedIndexError(o)),
  row(status.UNAVAILABLE, (o) => new UnhealthyError(o)),
  row(status.DATA_LOSS, (o) => new CorruptError(o)),
  row(status.UNAVAILABLE, (o) => new NotSupportedForLearnerError(o)),
  row(status.FAILED_PRECONDITION, (o) => new BadLeaderTransfereeError(o)),
  row(status.UNKNOWN, (o) => new RequestCanceledError(o)),

  row(status.FAILED_PRECONDITION, (o) => new RootUserNotExistError(o)),
  row(status.FAILED_PRECONDITION, (o) => new RootRoleNotExistError(o)),
  row(status.FAILED_PRECONDITION, (o) => new UserAlreadyExistsError(o)),
  row(status.INVALID_ARGUMENT, (o) => new UserEmptyError(o)),
  row(status.FAILED_PRECONDITION, (o) => new UserNotFoundError(o)),
  row(status.FAILED_PRECONDITION, (o) => new RoleAlreadyExistsError(o)),
  row(status.FAILED_PRECONDITION, (o) => new RoleNotFoundError(o)),
  row(status.INVALID_ARGUMENT, (o) => new RoleEmptyError(o)),
  row(status.INVALID_ARGUMENT, (o) => new AuthFailedError(o)),
  row(status.PERMISSION_DENIED, (o) => new PermissionDeniedError(o)),
  row(status.FAILED_PRECONDITION, (o) => new RoleNotGrantedError(o)),
  row(status.FAILED_PRECONDITION, (o) => new PermissionNotGrantedError(o)),
  row(status.FAILED_PRECONDITION, (o) => new AuthNotEnabledError(o)),
  row(status.NOT_FOUND, (o) => new UnknownServiceError(o)),
  row(status.CANCELLED, (o) => new HealthWatchEndedError(o)),
  row(status.UNAUTHENTICATED, (o) => new InvalidAuthTokenError(o)),
  row(status.INVALID_ARGUMENT, (o) => new InvalidAuthMgmtError(o)),
  row(status.INVALID_ARGUMENT, (o) => new AuthOldRevisionError(o)),
]);

const BY_DETAILS: ReadonlyMap<string, GrpcErrorEntry> = new Map([...GRPC_ERRORS.values()].map((e) => [e.details, e]));

/** GrpcErrorStatus is what a handler passes to its callback (or call.destroy / emit('error')) to fail a call. */
export interface GrpcErrorStatus {
  code: status;
  details: string;
}

/**
 * toGrpcError translates anything a handler caught into the status etcd would answer with. A store error
 * maps through GRPC_ERRORS; a status received from another member (an object with a numeric gRPC `code`
 * and string `details`, as grpc-js clients reject with) passes through unchanged, so a forwarded request
 * fails exactly as on the leader; anything else becomes Unknown with its message, as etcd's togRPCError
 * does. It never throws.
 */
export function toGrpcError(err: unknown): GrpcErrorStatus {
  if (err instanceof CapstanError) {
    const entry = GRPC_ERRORS.get(err.code);
    if (entry !== undefined) return { code: entry.code, details: entry.details };
    return { code: status.UNKNOWN, details: err.message };
  }
  if (isGrpcStatus(err)) return { code: err.code, details: err.details };
  return { code: status.UNKNOWN, details: describe(err) };
}

/**
 * fromGrpcError rebuilds the store error a gRPC status stands for, matching etcd's exact message as
 * clientv3's rpctypes.Error does (the one place capstan matches on message text), with the status error as
 * cause. It returns undefined for a status that is not one of etcd's.
 */
export function fromGrpcError(err: { code?: unknown; details?: unknown }): CapstanError | undefined {
  if (typeof err.details !== 'string') return undefined;
  const entry = BY_DETAILS.get(err.details);
  if (entry === undefined || entry.code !== err.code) return undefined;
  return entry.create({ cause: err });
}

function isGrpcStatus(err: unknown): err is GrpcErrorStatus {
  if (typeof err !== 'object' || err === null) return false;
  const { code, details } = err as { code?: unknown; details?: unknown };
  return (
    typeof code === 'number' &&
    Number.isInteger(code) &&
    code > status.OK &&
    code <= status.UNAUTHENTICATED &&
    typeof details === 'string'
  );
}

function describe(err: unknown): string {
  try {
    if (err instanceof Error) return err.message;
    if (typeof err === 'string') return err;
    return String(err);
  } catch {
    return 'unknown error';
  }
}
