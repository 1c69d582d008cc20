/**
 * The pure core of leader election: given the Lease just read, what this elector last observed and when (by
 * its own monotonic clock), whether it leads and when it last renewed, decide what to do — create, acquire,
 * renew, wait, or stop leading. Expiry is judged by locally observed time (when this elector last saw the
 * record change), never by the timestamps inside the record, as client-go does, so clock skew between
 * machines does not matter.
 */
import type { Lease, LeaseSpec } from '../../api/coordination-v1.js';
import { formatMicroTime } from '../../api/time.js';
import type { LeaderElectionConfig } from './config.js';

/** Observation is the record this elector last saw and the monotonic time it first saw it in that form. */
export interface Observation {
  /** spec is the observed record. */
  readonly spec: LeaseSpec;
  /** observedAt is the monotonic time (ms) the record was first seen in this form. */
  readonly observedAt: number;
}

/** DecideInput is everything the decision depends on. */
export interface DecideInput {
  readonly config: LeaderElectionConfig;
  /** lease is the Lease just read, or undefined when it does not exist. */
  readonly lease: Lease | undefined;
  /** previous is the last observation, if any. */
  readonly previous: Observation | undefined;
  /** leading says whether this elector currently acts as leader. */
  readonly leading: boolean;
  /** lastRenewAt is the monotonic time (ms) the last successful acquire or renew was sent. */
  readonly lastRenewAt: number | undefined;
  /** now is the monotonic time (ms). */
  readonly now: number;
  /** wallNow is the wall time (epoch ms) written into acquireTime and renewTime. */
  readonly wallNow: number;
}

/** Decision is what to do after one read of the Lease. */
export type Decision =
  | { readonly action: 'create'; readonly spec: LeaseSpec; readonly observation: Observation | undefined }
  | { readonly action: 'acquire' | 'renew'; readonly spec: LeaseSpec; readonly observation: Observation }
  | { readonly action: 'wait'; readonly holder: string; readonly observation: Observation }
  | { readonly action: 'stop'; readonly reason: string; readonly observation: Observation | undefined };

function sameRecord(a: LeaseSpec, b: LeaseSpec): boolean {
  return (
    (a.holderIdentity ?? '') === (b.holderIdentity ?? '') &&
    (a.leaseDurationSeconds ?? 0) === (b.leaseDurationSeconds ?? 0) &&
    (a.acquireTime ?? null) === (b.acquireTime ?? null) &&
    (a.renewTime ?? null) === (b.renewTime ?? null) &&
    (a.leaseTransitions ?? 0) === (b.leaseTransitions ?? 0)
  );
}

/** observe returns the observation after reading spec at now: the previous one if the record is unchanged. */
export function observe(previous: Observation | undefined, spec: LeaseSpec, now: number): Observation {
  if (previous !== undefined && sameRecord(previous.spec, spec)) return previous;
  return { spec, observedAt: now };
}

/** leaseSeconds is the whole number of seconds written as leaseDurationSeconds (at least 1). */
export function leaseSeconds(config: LeaderElectionConfig): number {
  return Math.max(1, Math.ceil(config.leaseDurationMs / 1000));
}

/** expired reports whether the observed record's holder has not been seen renewing for its lease duration. */
export function expired(observation: Observation, now: number): boolean {
  return observation.observedAt + (observation.spec.leaseDurationSeconds ?? 0) * 1000 <= now;
}

/** decide is the leader-election state machine: one step per read of the Lease (client-go tryAcquireOrRenew). */
export function decide(input: DecideInput): Decision {
  const { config, lease, previous, leading, lastRenewAt, now, wallNow } = input;
  const me = config.identity;
  if (leading && lastRenewAt !== undefined && now - lastRenewAt >= config.renewDeadlineMs) {
    return { action: 'stop', reason: 'failed to renew the lease within renewDeadline', observation: previous };
  }
  const stamp = formatMicroTime(wallNow);
  if (lease === undefined) {
    if (leading) return { action: 'stop', reason: 'the lease was deleted', observation: previous };
    return {
      action: 'create',
      spec: { holderIdentity: me, leaseDurationSeconds: leaseSeconds(config), acquireTime: stamp, renewTime: stamp, leaseTransitions: 0 },
      observation: previous,
    };
  }
  const spec = lease.spec ?? {};
  const observation = observe(previous, spec, now);
  const holder = spec.holderIdentity ?? '';
  if (holder !== me) {
    if (leading) return { action: 'stop', reason: `the lease is now held by ${holder === '' ? 'nobody' : holder}`, observation };
    if (holder !== '' && !expired(observation, now)) return { action: 'wait', holder, observation };
    return {
      action: 'acquire',
      spec: { ...spec, holderIdentity: me, leaseDurationSeconds: leaseSeconds(config), acquireTime: stamp, renewTime: stamp, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 },
      observation,
    };
  }
  return {
    action: leading ? 'renew' : 'acquire',
    spec: { ...spec, holderIdentity: me, leaseDurationSeconds: leaseSeconds(config), acquireTime: spec.acquireTime ?? stamp, renewTime: stamp, leaseTransitions: spec.leaseTransitions ?? 0 },
    observation,
  };
}

/** releaseSpec is the record a leader writes on clean shutdown: no holder, a 1 s lease, transitions kept. */
export function releaseSpec(spec: LeaseSpec, wallNow: number): LeaseSpec {
  const stamp = formatMicroTime(wallNow);
  return { ...spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: stamp, renewTime: stamp, leaseTransitions: spec.leaseTransitions ?? 0 };
}
