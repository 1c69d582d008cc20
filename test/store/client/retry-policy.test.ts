/**
 * The retry policy as a table: for each kind of request and each way an attempt can fail, whether the client
 * fails over and whether it sends again — reads on any transient failure, writes only when they certainly
 * did not reach a leader. And the backoff and suspicion curves.
 */
import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  CompactedError,
  LeaderChangedError,
  NoLeaderError,
  NotSupportedForLearnerError,
  TimeoutDueToLeaderFailError,
  TimeoutError,
  TooManyRequestsError,
} from '../../../src/store/errors.js';
import { DeadlineExceededError, EndpointUnavailableError, GrpcStatusError, neverSent, UnexpectedStatusError, toClientError } from '../../../src/store/client/errors.js';
import { backoffMs, decideRetry, suspicionMs, type RequestKind } from '../../../src/store/client/retry-policy.js';
import type { CapstanError } from '../../../src/util/errors.js';

type Row = [string, CapstanError, boolean, { read: string; write: string }];

// "F" fails over, "R" resends, "-" neither; e.g. "FR" = fail over and resend.
const TABLE: Row[] = [
  ['not connected (nothing sent)', new EndpointUnavailableError('e', false), false, { read: 'FR', write: 'FR' }],
  ['connection dropped after sending', new EndpointUnavailableError('e', true), true, { read: 'FR', write: 'F' }],
  ['no leader', new NoLeaderError(), true, { read: 'FR', write: 'FR' }],
  ['learner', new NotSupportedForLearnerError(), true, { read: 'FR', write: 'FR' }],
  ['too many requests', new TooManyRequestsError(), true, { read: 'R', write: 'R' }],
  ['leader changed', new LeaderChangedError(), true, { read: 'FR', write: 'F' }],
  ['server timeout', new TimeoutError(), true, { read: 'FR', write: 'F' }],
  ['timeout, leader failed', new TimeoutDueToLeaderFailError(), true, { read: 'FR', write: 'F' }],
  ['client deadline', new DeadlineExceededError(100, true), true, { read: 'F', write: 'F' }],
  ['compacted', new CompactedError(), true, { read: '-', write: '-' }],
  ['unexpected status', new UnexpectedStatusError(status.INTERNAL, 'x'), true, { read: '-', write: '-' }],
];

function render(kind: RequestKind, err: CapstanError, sent: boolean): string {
  const d = decideRetry(kind, err, sent);
  return `${d.failover ? 'F' : ''}${d.retry ? 'R' : ''}` || '-';
}

describe('decideRetry', () => {
  it.each(TABLE)('%s', (_name, err, sent, want) => {
    expect(render('read', err, sent)).toBe(want.read);
    expect(render('write', err, sent)).toBe(want.write);
    // repeatable writes (lease grant/revoke) follow reads
    expect(render('repeatable-write', err, sent)).toBe(want.read);
  });

  it('says a write may have been applied unless it was refused before proposing', () => {
    expect(decideRetry('write', new EndpointUnavailableError('e', false), false).maybeApplied).toBe(false);
    expect(decideRetry('write', new NoLeaderError(), true).maybeApplied).toBe(false);
    expect(decideRetry('write', new EndpointUnavailableError('e', true), true).maybeApplied).toBe(true);
    expect(decideRetry('write', new TimeoutError(), true).maybeApplied).toBe(true);
  });
});

describe('toClientError', () => {
  const grpcError = (code: status, details: string): Error => Object.assign(new Error(details), { code, details, metadata: undefined });

  it("rebuilds etcd's statuses as domain errors and the rest as the client's own", () => {
    expect(toClientError(grpcError(status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'), 'e', true, 1, false)).toBeInstanceOf(CompactedError);
    expect(toClientError(grpcError(status.UNAVAILABLE, 'etcdserver: no leader'), 'e', true, 1, false)).toBeInstanceOf(NoLeaderError);
    const dropped = toClientError(grpcError(status.UNAVAILABLE, 'Connection dropped'), 'http://x:1', true, 1, false);
    expect(dropped).toBeInstanceOf(EndpointUnavailableError);
    expect((dropped as EndpointUnavailableError).maybeApplied).toBe(true);
    expect(toClientError(grpcError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'), 'e', true, 1, false)).toBeInstanceOf(DeadlineExceededError);
    // the same message under another code is not etcd's condition
    expect(toClientError(grpcError(status.INTERNAL, 'etcdserver: no leader'), 'e', true, 1, false)).toBeInstanceOf(UnexpectedStatusError);
  });
});

describe('backoffMs and suspicionMs', () => {
  it('backoff doubles from the base, is capped, and jitters within the upper half', () => {
    const opts = { baseMs: 50, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6, 10].map((r) => backoffMs(r, 0, opts))).toEqual([25, 50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6, 10].map((r) => backoffMs(r, 0.999999, opts))).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
  });

  it('an endpoint is suspected longer after each consecutive failure, up to 10 s', () => {
    expect([1, 2, 3, 4, 5, 6].map(suspicionMs)).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });
});

describe('neverSent', () => {
  const serviceError = (code: number, details: string): Error => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
  it.each([
    ['the transport had no connection, or the stream was refused unprocessed', new GrpcStatusError(status.UNAVAILABLE, 'refused', false), true],
    ['a connection dropped under the call', new GrpcStatusError(status.UNAVAILABLE, 'connection dropped', true), false],
    ['a status the server answered', new GrpcStatusError(status.UNAVAILABLE, 'etcdserver: no leader', true), false],
    ['a grpc-js error (a stream), whatever its message', serviceError(status.UNAVAILABLE, 'No connection established'), false],
    ['not a gRPC error', new Error('No connection established'), false],
  ])('%s → %s', (_, err, want) => {
    expect(neverSent(err)).toBe(want);
  });

  it("a GrpcStatusError is translated like grpc-js's ServiceError", () => {
    expect(toClientError(new GrpcStatusError(status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted', true), 'e', true, 1, false)).toBeInstanceOf(CompactedError);
    const notSent = toClientError(new GrpcStatusError(status.UNAVAILABLE, 'refused', false), 'e', false, 1, false);
    expect(notSent).toBeInstanceOf(EndpointUnavailableError);
    expect((notSent as EndpointUnavailableError).maybeApplied).toBe(false);
  });
});
