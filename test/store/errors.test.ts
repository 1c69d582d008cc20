import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/store/errors.js';
import {
  CompactedError,
  GRPC_ERRORS,
  LeaseNotFoundError,
  NotLeaderError,
  fromGrpcError,
  toGrpcError,
} from '../../src/store/errors.js';
import { CapstanError } from '../../src/util/errors.js';

/**
 * Every condition with the status code and message etcd sends for it, copied from etcd's
 * api/v3rpc/rpctypes/error.go (3.4/3.5) — written out here, not derived, so a typo in the source fails.
 */
const ETCD: [new () => CapstanError, status, string, boolean][] = [
  [errors.EmptyKeyError, status.INVALID_ARGUMENT, 'etcdserver: key is not provided', false],
  [errors.KeyNotFoundError, status.INVALID_ARGUMENT, 'etcdserver: key not found', false],
  [errors.ValueProvidedError, status.INVALID_ARGUMENT, 'etcdserver: value is provided', false],
  [errors.LeaseProvidedError, status.INVALID_ARGUMENT, 'etcdserver: lease is provided', false],
  [errors.TooManyOpsError, status.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request', false],
  [errors.DuplicateKeyError, status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request', false],
  [errors.CompactedError, status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted', false],
  [errors.FutureRevError, status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision', false],
  [errors.NoSpaceError, status.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded', false],
  [errors.RequestTooLargeError, status.INVALID_ARGUMENT, 'etcdserver: request is too large', false],
  [errors.TooManyRequestsError, status.RESOURCE_EXHAUSTED, 'etcdserver: too many requests', true],

  [errors.LeaseNotFoundError, status.NOT_FOUND, 'etcdserver: requested lease not found', false],
  [errors.LeaseExistsError, status.FAILED_PRECONDITION, 'etcdserver: lease already exists', false],
  [errors.LeaseTTLTooLargeError, status.OUT_OF_RANGE, 'etcdserver: too large lease TTL', false],

  [errors.MemberExistsError, status.FAILED_PRECONDITION, 'etcdserver: member ID already exist', false],
  [errors.PeerURLExistsError, status.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists', false],
  [
    errors.MemberNotEnoughStartedError,
    status.FAILED_PRECONDITION,
    'etcdserver: re-configuration failed due to not enough started members',
    false,
  ],
  [errors.MemberBadURLsError, status.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid', false],
  [errors.MemberNotFoundError, status.NOT_FOUND, 'etcdserver: member not found', false],
  [errors.MemberNotLearnerError, status.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member', false],
  [
    errors.LearnerNotReadyError,
    status.FAILED_PRECONDITION,
    'etcdserver: can only promote a learner member which is in sync with leader',
    false,
  ],
  [errors.TooManyLearnersError, status.FAILED_PRECONDITION, 'etcdserver: too many learner members in cluster', false],

  [errors.NoLeaderError, status.UNAVAILABLE, 'etcdserver: no leader', true],
  [errors.NotLeaderError, status.FAILED_PRECONDITION, 'etcdserver: not leader', true],
  [errors.LeaderChangedError, status.UNAVAILABLE, 'etcdserver: leader changed', true],
  [errors.NotCapableError, status.UNAVAILABLE, 'etcdserver: not capable', false],
  [errors.StoppedError, status.UNAVAILABLE, 'etcdserver: server stopped', true],
  [errors.TimeoutError, status.UNAVAILABLE, 'etcdserver: request timed out', true],
  [
    errors.TimeoutDueToLeaderFailError,
    status.UNAVAILABLE,
    'etcdserver: request timed out, possibly due to previous leader failure',
    true,
  ],
  [
    errors.TimeoutDueToConnectionLostError,
    status.UNAVAILABLE,
    'etcdserver: request timed out, possibly due to connection lost',
    true,
  ],
  [
    errors.TimeoutWaitAppliedIndexError,
    status.UNAVAILABLE,
    'etcdserver: request timed out, waiting for the applied index took too long',
    true,
  ],
  [errors.UnhealthyError, status.UNAVAILABLE, 'etcdserver: unhealthy cluster', true],
  [errors.CorruptError, status.DATA_LOSS, 'etcdserver: corrupt cluster', false],
  [errors.NotSupportedForLearnerError, status.UNAVAILABLE, 'etcdserver: rpc not supported for learner', true],
  [errors.BadLeaderTransfereeError, status.FAILED_PRECONDITION, 'etcdserver: bad leader transferee', false],
  [errors.RequestCanceledError, status.UNKNOWN, 'etcdserver: request cancelled', false],

  [errors.RootUserNotExistError, status.FAILED_PRECONDITION, 'etcdserver: root user does not exist', false],
  [errors.RootRoleNotExistError, status.FAILED_PRECONDITION, 'etcdserver: root user does not have root role', false],
  [errors.UserAlreadyExistsError, status.FAILED_PRECONDITION, 'etcdserver: user name already exists', false],
  [errors.UserEmptyError, status.INVALID_ARGUMENT, 'etcdserver: user name is empty', false],
  [errors.UserNotFoundError, status.FAILED_PRECONDITION, 'etcdserver: user name not found', false],
  [errors.RoleAlreadyExistsError, status.FAILED_PRECONDITION, 'etcdserver: role name already exists', false],
  [errors.RoleNotFoundError, status.FAILED_PRECONDITION, 'etcdserver: role name not found', false],
  [errors.RoleEmptyError, status.INVALID_ARGUMENT, 'etcdserver: role name is empty', false],
  [
    errors.AuthFailedError,
    status.INVALID_ARGUMENT,
    'etcdserver: authentication failed, invalid user ID or password',
    false,
  ],
  [errors.PermissionDeniedError, status.PERMISSION_DENIED, 'etcdserver: permission denied', false],
  [errors.RoleNotGrantedError, status.FAILED_PRECONDITION, 'etcdserver: role is not granted to the user', false],
  [
    errors.PermissionNotGrantedError,
    status.FAILED_PRECONDITION,
    'etcdserver: permission is not granted to the role',
    false,
  ],
  [errors.AuthNotEnabledError, status.FAILED_PRECONDITION, 'etcdserver: authentication is not enabled', false],
  [errors.UnknownServiceError, status.NOT_FOUND, 'unknown service', false],
  [errors.HealthWatchEndedError, status.CANCELLED, 'Stream has ended.', true],
  [errors.InvalidAuthTokenError, status.UNAUTHENTICATED, 'etcdserver: invalid auth token', false],
  [errors.InvalidAuthMgmtError, status.INVALID_ARGUMENT, 'etcdserver: invalid auth management', false],
  [errors.AuthOldRevisionError, status.INVALID_ARGUMENT, 'etcdserver: revision of auth store is old', false],
];

describe('store errors → gRPC status', () => {
  it.each(ETCD.map(([cls, code, details, retryable]) => [cls.name, cls, code, details, retryable] as const))(
    '%s has etcd’s code and exact message',
    (name, cls, code, details, retryable) => {
      const err = new cls();
      expect(err).toBeInstanceOf(CapstanError);
      expect(err.name).toBe(name);
      expect(err.retryable).toBe(retryable);
      expect(toGrpcError(err)).toEqual({ code, details });
    },
  );

  it('covers every error class the module exports, each with its own code', () => {
    const exported: unknown[] = Object.values(errors);
    const classes = exported.filter(
      (v): v is new () => CapstanError => typeof v === 'function' && v.prototype instanceof CapstanError,
    );
    expect(classes.map((c) => c.name).sort()).toEqual(ETCD.map(([c]) => c.name).sort());
    const codes = classes.map((c) => new c().code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...GRPC_ERRORS.keys()].sort()).toEqual([...codes].sort());
  });

  it('keeps the details a condition carries and its cause, without changing the status', () => {
    const cause = new Error('index says 10');
    const err = new CompactedError(3, 10, { cause });
    expect(err.compactRevision).toBe(10);
    expect(err.revision).toBe(3);
    expect(err.cause).toBe(cause);
    expect(toGrpcError(err)).toEqual({
      code: status.OUT_OF_RANGE,
      details: 'etcdserver: mvcc: required revision has been compacted',
    });
    expect(new LeaseNotFoundError(0x1234n).leaseId).toBe(0x1234n);
  });
});

describe('toGrpcError on anything else', () => {
  it('answers Unknown with the message, as etcd does for unmapped errors', () => {
    expect(toGrpcError(new Error('disk on fire'))).toEqual({ code: status.UNKNOWN, details: 'disk on fire' });
    expect(toGrpcError(new CapstanError('not an etcd condition', 'OTHER', false))).toEqual({
      code: status.UNKNOWN,
      details: 'not an etcd condition',
    });
    expect(toGrpcError('plain string')).toEqual({ code: status.UNKNOWN, details: 'plain string' });
    expect(toGrpcError(undefined)).toEqual({ code: status.UNKNOWN, details: 'undefined' });
    expect(toGrpcError(null)).toEqual({ code: status.UNKNOWN, details: 'null' });
  });

  it('never throws, even on values that cannot be printed', () => {
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(toGrpcError(hostile)).toEqual({ code: status.UNKNOWN, details: 'unknown error' });
    expect(toGrpcError(Object.create(null))).toEqual({ code: status.UNKNOWN, details: 'unknown error' });
  });

  it('passes a status received from another member through unchanged', () => {
    const forwarded = Object.assign(new Error('14 UNAVAILABLE: etcdserver: no leader'), {
      code: status.UNAVAILABLE,
      details: 'etcdserver: no leader',
    });
    expect(toGrpcError(forwarded)).toEqual({ code: status.UNAVAILABLE, details: 'etcdserver: no leader' });
    expect(toGrpcError({ code: 99, details: 'x' })).toEqual({ code: status.UNKNOWN, details: '[object Object]' });
  });
});

describe('fromGrpcError', () => {
  it('rebuilds every condition from its status, with the status as cause', () => {
    for (const [cls, code, details] of ETCD) {
      const st = { code, details };
      const err = fromGrpcError(st);
      expect(err).toBeInstanceOf(cls);
      expect(err?.cause).toBe(st);
    }
  });

  it('returns undefined for messages or codes that are not etcd’s', () => {
    expect(fromGrpcError({ code: status.UNAVAILABLE, details: 'etcdserver: peerURL exists' })).toBeUndefined();
    expect(fromGrpcError({ code: status.UNAVAILABLE, details: 'etcdserver: not leader' })).toBeUndefined();
    expect(fromGrpcError({ code: status.FAILED_PRECONDITION, details: 'etcdserver: not leader' })).toBeInstanceOf(
      NotLeaderError,
    );
    expect(fromGrpcError({})).toBeUndefined();
  });
});
