/**
 * The client's retry policy, as pure functions: given how a request failed, should the client move to
 * another endpoint, and may it send the request again? Time and randomness come in as arguments, so the
 * policy is unit-tested without a server.
 *
 * The policy follows clientv3 (client/v3/retry.go: `repeatable` vs `nonRepeatable`, isSafeRetryMutableRPC)
 * and kube-apiserver's use of it:
 *
 * - **Reads** (Range, read-only Txn, LeaseTimeToLive, Status) change nothing, so any transient failure is
 *   retried — on another endpoint when the failure points at the endpoint or its view of the cluster.
 * - **Writes** (Put, DeleteRange, a Txn with a put or delete, Compact) are retried only when the request
 *   certainly did not reach a leader: the connection was never established (nothing was sent), or the member
 *   answered etcd's "no leader" (etcd's `hasleader` interceptor and a follower's dropped proposal refuse the
 *   request before anything is proposed), or "too many requests" (refused before proposing). Every other
 *   failure after sending — a dropped connection, "leader changed", a server-side timeout, the client's
 *   deadline — may come after the entry was appended to the leader's log, where it can still commit; a
 *   resend would apply the write twice (a second revision, a failed compare-and-swap reported for a CAS that
 *   in fact succeeded). Those surface to the caller, whose optimistic concurrency (mod_revision compares)
 *   decides what to do, exactly as Kubernetes' storage layer does.
 * - **Repeatable writes** (LeaseGrant, LeaseRevoke) are retried like reads, as clientv3 does: a duplicated
 *   grant leaves an unused lease that expires after its TTL; a duplicated revoke finds the lease gone.
 */
import type { CapstanError } from '../../util/errors.js';
import {
  LeaderChangedError,
  NoLeaderError,
  NotCapableError,
  NotSupportedForLearnerError,
  StoppedError,
  TimeoutDueToConnectionLostError,
  TimeoutDueToLeaderFailError,
  TimeoutError,
  TimeoutWaitAppliedIndexError,
  TooManyRequestsError,
  UnhealthyError,
} from '../errors.js';
import { DeadlineExceededError, EndpointUnavailableError } from './errors.js';

/** RequestKind says how safe it is to send a request twice (see the module comment). */
export type RequestKind = 'read' | 'write' | 'repeatable-write';

/** RetryDecision is what to do after a failed attempt. */
export interface RetryDecision {
  /** failover: stop using this endpoint for a while and move to the next. */
  readonly failover: boolean;
  /** retry: send the request again (within the request deadline). */
  readonly retry: boolean;
  /** maybeApplied: the attempt may have taken effect (it was sent and not refused before proposing). */
  readonly maybeApplied: boolean;
}

/**
 * decideRetry classifies a failed attempt of a request of the given kind. sent is false when the attempt
 * failed before the request was handed to a connection (the endpoint could not be reached in time).
 */
export function decideRetry(kind: RequestKind, err: CapstanError, sent: boolean): RetryDecision {
  if (!sent) return { failover: true, retry: true, maybeApplied: false };
  // Refused before anything was proposed: safe for every kind.
  if (err instanceof NoLeaderError || err instanceof NotCapableError || err instanceof NotSupportedForLearnerError) {
    return { failover: true, retry: true, maybeApplied: false };
  }
  if (err instanceof TooManyRequestsError) return { failover: false, retry: true, maybeApplied: false };
  const idempotent = kind !== 'write';
  // The endpoint, or its view of the cluster, is failing; a write may have been proposed already.
  if (
    err instanceof EndpointUnavailableError ||
    err instanceof LeaderChangedError ||
    err instanceof StoppedError ||
    err instanceof UnhealthyError ||
    err instanceof TimeoutError ||
    err instanceof TimeoutDueToLeaderFailError ||
    err instanceof TimeoutDueToConnectionLostError ||
    err instanceof TimeoutWaitAppliedIndexError
  ) {
    return { failover: true, retry: idempotent, maybeApplied: true };
  }
  // The client's deadline: the request's time is up, but do not send the next one to a member that hangs.
  if (err instanceof DeadlineExceededError) return { failover: true, retry: false, maybeApplied: true };
  return { failover: false, retry: false, maybeApplied: true };
}

/** BackoffOptions bound the pause between rounds of attempts. */
export interface BackoffOptions {
  /** baseMs is the pause after the first round; it doubles each round. */
  readonly baseMs: number;
  /** maxMs caps the pause. */
  readonly maxMs: number;
}

/** DEFAULT_BACKOFF is 50 ms doubling to 1 s — a new leader is usually elected within one election timeout. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 50, maxMs: 1_000 };

/**
 * backoffMs is the pause before round `round` (1-based) of attempts: exponential from baseMs, capped at
 * maxMs, with "equal jitter" (half fixed, half random) so that clients that failed together do not return
 * together. random is a float in [0, 1).
 */
export function backoffMs(round: number, random: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = options.baseMs * 2 ** Math.max(0, Math.min(round - 1, 30));
  const capped = Math.min(options.maxMs, exp);
  return Math.round(capped / 2 + (capped / 2) * random);
}

/**
 * suspicionMs is how long an endpoint that failed `failures` times in a row is passed over when picking
 * one: 1 s doubling to 10 s. A suspected endpoint is still used when every endpoint is suspected.
 */
export function suspicionMs(failures: number): number {
  return Math.min(10_000, 1_000 * 2 ** Math.max(0, Math.min(failures - 1, 4)));
}
