/**
 * Timing of leader election, with client-go's defaults and its validation (leaderelection.NewLeaderElector):
 * leaseDuration > renewDeadline > JITTER_FACTOR × retryPeriod, all positive, and a non-empty identity.
 */
import { CapstanError } from '../../util/errors.js';

/** JITTER_FACTOR is client-go's JitterFactor: a standby waits retryPeriod × (1 + random × 1.2) between tries. */
export const JITTER_FACTOR = 1.2;

/** DEFAULT_LEASE_DURATION_MS is kube-scheduler's and kube-controller-manager's default leaseDuration (15 s). */
export const DEFAULT_LEASE_DURATION_MS = 15_000;

/** DEFAULT_RENEW_DEADLINE_MS is the default renewDeadline (10 s). */
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;

/** DEFAULT_RETRY_PERIOD_MS is the default retryPeriod (2 s). */
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/** LeaderElectionConfig is the validated identity and timing of one elector (all durations in ms). */
export interface LeaderElectionConfig {
  /** identity is this candidate's name in holderIdentity. */
  readonly identity: string;
  /** leaseDurationMs is how long a standby waits, after it last saw the record change, before taking over. */
  readonly leaseDurationMs: number;
  /** renewDeadlineMs is how long the leader keeps acting without a successful renewal. */
  readonly renewDeadlineMs: number;
  /** retryPeriodMs is the time between tries to acquire or renew. */
  readonly retryPeriodMs: number;
}

/** InvalidLeaderElectionConfigError is a configuration client-go would refuse. */
export class InvalidLeaderElectionConfigError extends CapstanError {
  constructor(message: string) {
    super(message, 'INVALID_LEADER_ELECTION_CONFIG', false);
  }
}

/** leaderElectionConfig fills in the defaults and validates as client-go does; it throws InvalidLeaderElectionConfigError. */
export function leaderElectionConfig(input: { identity: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number }): LeaderElectionConfig {
  const c: LeaderElectionConfig = {
    identity: input.identity,
    leaseDurationMs: input.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS,
    renewDeadlineMs: input.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS,
    retryPeriodMs: input.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS,
  };
  if (!(c.leaseDurationMs > c.renewDeadlineMs)) throw new InvalidLeaderElectionConfigError('leaseDuration must be greater than renewDeadline');
  if (!(c.renewDeadlineMs > JITTER_FACTOR * c.retryPeriodMs)) throw new InvalidLeaderElectionConfigError(`renewDeadline must be greater than retryPeriod*JitterFactor`);
  if (!(c.leaseDurationMs > 0)) throw new InvalidLeaderElectionConfigError('leaseDuration must be greater than zero');
  if (!(c.renewDeadlineMs > 0)) throw new InvalidLeaderElectionConfigError('renewDeadline must be greater than zero');
  if (!(c.retryPeriodMs > 0)) throw new InvalidLeaderElectionConfigError('retryPeriod must be greater than zero');
  if (c.identity === '') throw new InvalidLeaderElectionConfigError('Lock identity is empty');
  return c;
}
