import { describe, expect, it } from 'vitest';
import type { Lease, LeaseSpec } from '../../../src/api/coordination-v1.js';
import { formatMicroTime } from '../../../src/api/time.js';
import { leaderElectionConfig, InvalidLeaderElectionConfigError } from '../../../src/components/leaderelection/config.js';
import { decide, observe, releaseSpec, type Decision, type Observation } from '../../../src/components/leaderelection/decide.js';

const config = leaderElectionConfig({ identity: 'a' });
const WALL = 1_700_000_000_000;

function lease(spec: LeaseSpec): Lease {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'kube-system', resourceVersion: '5' }, spec };
}

const held = (holder: string, extra: Partial<LeaseSpec> = {}): LeaseSpec => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: formatMicroTime(WALL - 60_000),
  renewTime: formatMicroTime(WALL - 1_000),
  leaseTransitions: 3,
  ...extra,
});

interface Case {
  name: string;
  spec: LeaseSpec | undefined;
  previous?: Observation;
  leading?: boolean;
  lastRenewAt?: number;
  now: number;
  expect: Partial<Decision> & { action: Decision['action'] };
  spec_?: Partial<LeaseSpec>;
}

const cases: Case[] = [
  {
    name: 'creates the lease when there is none',
    spec: undefined,
    now: 0,
    expect: { action: 'create' },
    spec_: { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0, acquireTime: formatMicroTime(WALL), renewTime: formatMicroTime(WALL) },
  },
  {
    name: 'acquires a released lease (empty holder) at once, counting a transition',
    spec: held('', { leaseDurationSeconds: 1 }),
    now: 0,
    expect: { action: 'acquire' },
    spec_: { holderIdentity: 'a', leaseTransitions: 4, leaseDurationSeconds: 15, acquireTime: formatMicroTime(WALL) },
  },
  { name: 'waits when another holds a lease seen for the first time', spec: held('b'), now: 100_000, expect: { action: 'wait', holder: 'b' } },
  {
    name: 'waits while the record keeps changing (judged by local observation, not renewTime)',
    spec: held('b', { renewTime: formatMicroTime(WALL - 3_600_000) }),
    previous: { spec: held('b', { renewTime: formatMicroTime(WALL - 3_700_000) }), observedAt: 0 },
    now: 20_000,
    expect: { action: 'wait' },
  },
  { name: 'waits while the unchanged record is younger than leaseDuration', spec: held('b'), previous: { spec: held('b'), observedAt: 0 }, now: 14_999, expect: { action: 'wait' } },
  {
    name: 'takes over once leaseDuration passed without an observed change',
    spec: held('b'),
    previous: { spec: held('b'), observedAt: 0 },
    now: 15_000,
    expect: { action: 'acquire' },
    spec_: { holderIdentity: 'a', leaseTransitions: 4, acquireTime: formatMicroTime(WALL), renewTime: formatMicroTime(WALL) },
  },
  {
    name: "uses the record's leaseDurationSeconds for expiry",
    spec: held('b', { leaseDurationSeconds: 1 }),
    previous: { spec: held('b', { leaseDurationSeconds: 1 }), observedAt: 0 },
    now: 1_000,
    expect: { action: 'acquire' },
  },
  {
    name: 'renews its own lease keeping acquireTime and transitions',
    spec: held('a'),
    previous: { spec: held('a'), observedAt: 0 },
    leading: true,
    lastRenewAt: 0,
    now: 2_000,
    expect: { action: 'renew' },
    spec_: { holderIdentity: 'a', leaseTransitions: 3, acquireTime: formatMicroTime(WALL - 60_000), renewTime: formatMicroTime(WALL) },
  },
  {
    name: 're-acquires a lease already in its name without a transition',
    spec: held('a'),
    now: 0,
    expect: { action: 'acquire' },
    spec_: { leaseTransitions: 3 },
  },
  { name: 'stops leading when renewDeadline passed without a renewal', spec: held('a'), leading: true, lastRenewAt: 0, now: 10_000, expect: { action: 'stop' } },
  { name: 'keeps leading just before renewDeadline', spec: held('a'), previous: { spec: held('a'), observedAt: 0 }, leading: true, lastRenewAt: 0, now: 9_999, expect: { action: 'renew' } },
  { name: 'stops leading when another identity holds the lease', spec: held('b'), leading: true, lastRenewAt: 0, now: 2_000, expect: { action: 'stop' } },
  { name: 'stops leading when the lease was deleted', spec: undefined, leading: true, lastRenewAt: 0, now: 2_000, expect: { action: 'stop' } },
];

describe('decide', () => {
  it.each(cases)('$name', (c) => {
    const d = decide({ config, lease: c.spec === undefined ? undefined : lease(c.spec), previous: c.previous, leading: c.leading ?? false, lastRenewAt: c.lastRenewAt, now: c.now, wallNow: WALL });
    expect(d).toMatchObject(c.expect);
    if (c.spec_ !== undefined) expect('spec' in d ? d.spec : undefined).toMatchObject(c.spec_);
  });

  it('observe keeps the observation time while the record is unchanged and resets it on change', () => {
    const o1 = observe(undefined, held('b'), 100);
    expect(observe(o1, held('b'), 5_000).observedAt).toBe(100);
    expect(observe(o1, held('b', { renewTime: formatMicroTime(WALL) }), 5_000).observedAt).toBe(5_000);
  });

  it('releaseSpec clears the holder, sets a 1 s lease and keeps the transitions', () => {
    expect(releaseSpec(held('a'), WALL)).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 3, renewTime: formatMicroTime(WALL) });
  });

  it('a released lease is taken over by the next try, counting a transition', () => {
    const released = releaseSpec(held('b'), WALL);
    const d = decide({ config, lease: lease(released), previous: { spec: held('b'), observedAt: 0 }, leading: false, lastRenewAt: undefined, now: 1, wallNow: WALL });
    expect(d).toMatchObject({ action: 'acquire', spec: { holderIdentity: 'a', leaseTransitions: 4 } });
  });
});

describe('leaderElectionConfig', () => {
  it('defaults to 15 s / 10 s / 2 s', () => {
    expect(leaderElectionConfig({ identity: 'x' })).toEqual({ identity: 'x', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
  });
  it.each([
    { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 },
    { renewDeadlineMs: 2_400, retryPeriodMs: 2_000 },
    { leaseDurationMs: 3, renewDeadlineMs: 2, retryPeriodMs: 0 },
    { leaseDurationMs: 0, renewDeadlineMs: -5, retryPeriodMs: -10 },
    { identity: '' },
  ])('refuses %o', (bad) => {
    expect(() => leaderElectionConfig({ identity: 'x', ...bad })).toThrow(InvalidLeaderElectionConfigError);
  });
  it('accepts renewDeadline just above 1.2 × retryPeriod', () => {
    expect(() => leaderElectionConfig({ identity: 'x', leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 300 })).not.toThrow();
  });
});
