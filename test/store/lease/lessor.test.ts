import { describe, expect, it } from 'vitest';
import { Prefix } from '../../../src/store/backend.js';
import { LeaseExistsError, LeaseNotFoundError, LeaseTTLTooLargeError, NotLeaderError } from '../../../src/store/errors.js';
import { Lease, Lessor, MAX_LEASE_TTL, decodeLeaseRecord, encodeLease, leaseKey } from '../../../src/store/lease/lessor.js';
import { ManualClock } from '../../../src/util/clock.js';

const MIN_TTL = 3;

function setup(primary: boolean, start = 1_000_000): { clock: ManualClock; lessor: Lessor } {
  const clock = new ManualClock(start);
  const lessor = new Lessor(clock, MIN_TTL);
  if (primary) lessor.promote(0);
  return { clock, lessor };
}

const ids = (ls: Lease[]): bigint[] => ls.map((l) => l.id);

describe('Lessor.grant', () => {
  it('raises a TTL below minTTL to minTTL and keeps larger ones (etcd lessor.Grant)', () => {
    const { lessor } = setup(false);
    expect(lessor.grant(1n, 1).lease.ttl).toBe(MIN_TTL);
    expect(lessor.grant(2n, 0).lease.ttl).toBe(MIN_TTL);
    expect(lessor.grant(3n, MIN_TTL).lease.ttl).toBe(MIN_TTL);
    expect(lessor.grant(4n, 60).lease.ttl).toBe(60);
    expect(lessor.lookup(1n)?.ttl).toBe(MIN_TTL);
  });

  it('returns the backend op that records the lease under its key', () => {
    const { lessor } = setup(false);
    const { lease, op } = lessor.grant(42n, 10);
    expect(op).toEqual({ type: 'put', key: leaseKey(42n), value: encodeLease(lease) });
    if (op.type !== 'put') throw new Error('expected a put');
    expect(decodeLeaseRecord(op.key, Buffer.from(op.value))).toEqual({ id: 42n, ttl: 10 });
  });

  it('refuses an ID already granted, leaving the first lease as it was', () => {
    const { lessor } = setup(true);
    const first = lessor.grant(7n, 10).lease;
    lessor.attach(7n, 'k');
    expect(() => lessor.grant(7n, 20)).toThrow(LeaseExistsError);
    expect(lessor.lookup(7n)).toBe(first);
    expect([...first.keys]).toEqual(['k']);
  });

  it('refuses a TTL above MAX_LEASE_TTL and accepts MAX_LEASE_TTL itself', () => {
    const { lessor } = setup(false);
    expect(() => lessor.grant(1n, MAX_LEASE_TTL + 1)).toThrow(LeaseTTLTooLargeError);
    expect(lessor.lookup(1n)).toBeUndefined();
    expect(lessor.grant(1n, MAX_LEASE_TTL).lease.ttl).toBe(MAX_LEASE_TTL);
  });

  it('sets a deadline only on the primary', () => {
    const follower = setup(false);
    expect(follower.lessor.grant(1n, 10).lease.expiry).toBe(Infinity);
    const leader = setup(true);
    expect(leader.lessor.grant(1n, 10).lease.expiry).toBe(leader.clock.monotonic() + 10_000);
  });
});

describe('Lessor expiry', () => {
  it('expires a lease on the primary exactly when its TTL has passed, not before', () => {
    const { clock, lessor } = setup(true);
    lessor.grant(1n, 5);
    lessor.grant(2n, 10);
    clock.advance(4_999);
    expect(lessor.expired(10)).toEqual([]);
    clock.advance(1);
    expect(ids(lessor.expired(10))).toEqual([1n]);
    clock.advance(5_000);
    expect(ids(lessor.expired(10))).toEqual([1n, 2n]);
  });

  it('never reports expiry on a member that is not primary', () => {
    const { clock, lessor } = setup(false);
    lessor.grant(1n, 5);
    clock.advance(1_000_000);
    expect(lessor.expired(10)).toEqual([]);
    expect(lessor.isPrimary()).toBe(false);
  });

  it('reports at most limit expired leases', () => {
    const { clock, lessor } = setup(true);
    for (let i = 1n; i <= 5n; i++) lessor.grant(i, 5);
    clock.advance(5_000);
    expect(lessor.expired(2)).toHaveLength(2);
    expect(lessor.expired(100)).toHaveLength(5);
  });
});

describe('Lessor.renew', () => {
  it('is refused on a member that is not primary, before looking the lease up', () => {
    const { lessor } = setup(false);
    lessor.grant(1n, 5);
    expect(() => lessor.renew(1n)).toThrow(NotLeaderError);
    expect(() => lessor.renew(99n)).toThrow(NotLeaderError);
  });

  it('refuses an unknown lease with LeaseNotFoundError', () => {
    const { lessor } = setup(true);
    expect(() => lessor.renew(99n)).toThrow(LeaseNotFoundError);
  });

  it('restarts the TTL from now and returns it', () => {
    const { clock, lessor } = setup(true);
    lessor.grant(1n, 5);
    clock.advance(4_000);
    expect(lessor.renew(1n)).toBe(5);
    clock.advance(4_999);
    expect(lessor.expired(10)).toEqual([]);
    clock.advance(1);
    expect(ids(lessor.expired(10))).toEqual([1n]);
  });

  it('returns -1 for a lease already past its deadline and does not revive it', () => {
    const { clock, lessor } = setup(true);
    lessor.grant(1n, 5);
    clock.advance(5_000);
    expect(lessor.renew(1n)).toBe(-1);
    expect(ids(lessor.expired(10))).toEqual([1n]);
  });
});

describe('Lessor promote and demote', () => {
  it('promote gives every lease its full TTL plus the extension (etcd Promote)', () => {
    const { clock, lessor } = setup(false);
    lessor.grant(1n, 5);
    lessor.grant(2n, 60);
    clock.advance(3_600_000);
    lessor.promote(2_000);
    expect(lessor.isPrimary()).toBe(true);
    const now = clock.monotonic();
    expect(lessor.lookup(1n)!.expiry).toBe(now + 2_000 + 5_000);
    expect(lessor.lookup(2n)!.expiry).toBe(now + 2_000 + 60_000);
    clock.advance(6_999);
    expect(lessor.expired(10)).toEqual([]);
    clock.advance(1);
    expect(ids(lessor.expired(10))).toEqual([1n]);
  });

  it('promote refreshes leases that were about to expire under an earlier term', () => {
    const { clock, lessor } = setup(true);
    lessor.grant(1n, 5);
    clock.advance(4_900);
    lessor.demote();
    lessor.promote(1_000);
    clock.advance(5_999);
    expect(lessor.expired(10)).toEqual([]);
    clock.advance(1);
    expect(ids(lessor.expired(10))).toEqual([1n]);
  });

  it('demote stops expiry and renewal, and remaining() reports the granted TTL', () => {
    const { clock, lessor } = setup(true);
    const l = lessor.grant(1n, 5).lease;
    clock.advance(4_000);
    lessor.demote();
    expect(lessor.isPrimary()).toBe(false);
    expect(l.expiry).toBe(Infinity);
    clock.advance(60_000);
    expect(lessor.expired(10)).toEqual([]);
    expect(lessor.remaining(l)).toBe(5);
    expect(() => lessor.renew(1n)).toThrow(NotLeaderError);
  });
});

describe('Lessor keys and revoke', () => {
  it('attach and detach track the keys bound to a lease; unknown leases are ignored', () => {
    const { lessor } = setup(false);
    const l = lessor.grant(1n, 5).lease;
    lessor.attach(1n, 'b');
    lessor.attach(1n, 'a');
    lessor.attach(1n, 'a');
    expect([...l.keys].sort()).toEqual(['a', 'b']);
    lessor.detach(1n, 'b');
    lessor.detach(1n, 'never');
    expect([...l.keys]).toEqual(['a']);
    lessor.attach(2n, 'x');
    lessor.detach(2n, 'x');
    expect(lessor.lookup(2n)).toBeUndefined();
  });

  it('revoke removes the lease and returns its keys, with the delete op; sortedKeys lists them in key order', () => {
    const { lessor } = setup(true);
    lessor.grant(1n, 5);
    for (const k of ['zeta', 'alpha', 'mid', '\u00ff', 'Alpha']) lessor.attach(1n, k);
    expect(lessor.sortedKeys(1n)).toEqual(['Alpha', 'alpha', 'mid', 'zeta', '\u00ff']);
    expect(lessor.sortedKeys(2n)).toBeUndefined();
    const { keys, op } = lessor.revoke(1n);
    expect([...keys].sort()).toEqual(['Alpha', 'alpha', 'mid', 'zeta', '\u00ff']);
    expect(op).toEqual({ type: 'del', key: leaseKey(1n) });
    expect(lessor.lookup(1n)).toBeUndefined();
    expect(() => lessor.revoke(1n)).toThrow(LeaseNotFoundError);
  });

  it('revoke of a lease with no keys returns none', () => {
    const { lessor } = setup(false);
    lessor.grant(1n, 5);
    expect(lessor.revoke(1n).keys).toEqual([]);
  });
});

describe('Lessor.remaining', () => {
  it('rounds the time left up to whole seconds and turns to -1 at the deadline', () => {
    const { clock, lessor } = setup(true);
    const l = lessor.grant(1n, 10).lease;
    expect(lessor.remaining(l)).toBe(10);
    clock.advance(1);
    expect(lessor.remaining(l)).toBe(10);
    clock.advance(999);
    expect(lessor.remaining(l)).toBe(9);
    clock.advance(8_001);
    expect(lessor.remaining(l)).toBe(1);
    clock.advance(998);
    expect(lessor.remaining(l)).toBe(1);
    clock.advance(1);
    expect(lessor.remaining(l)).toBe(-1);
    clock.advance(10_000);
    expect(lessor.remaining(l)).toBe(-1);
  });
});

describe('Lessor.restore', () => {
  it('adds a lease as recorded, with a deadline only on the primary', () => {
    const follower = setup(false);
    follower.lessor.restore(5n, 1);
    expect(follower.lessor.lookup(5n)).toMatchObject({ id: 5n, ttl: 1, expiry: Infinity });
    const leader = setup(true);
    leader.lessor.restore(5n, 30);
    expect(leader.lessor.lookup(5n)!.expiry).toBe(leader.clock.monotonic() + 30_000);
  });
});

describe('leaseKey and decodeLeaseRecord', () => {
  it.each([1n, 42n, 0x7fff_ffff_ffff_ffffn, -1n, -42n, -(1n << 63n), 0n])('round-trip lease ID %s', (id) => {
    const key = leaseKey(id);
    expect(key[0]).toBe(Prefix.lease);
    expect(key.length).toBe(9);
    expect(decodeLeaseRecord(key, encodeLease(new Lease(id, 77)))).toEqual({ id, ttl: 77 });
  });

  it('stores a negative ID as its two-complement unsigned bytes', () => {
    expect(leaseKey(-1n).subarray(1).equals(Buffer.alloc(8, 0xff))).toBe(true);
    expect(leaseKey(-(1n << 63n)).subarray(1).toString('hex')).toBe('8000000000000000');
  });

  it('round-trips the largest TTL', () => {
    expect(decodeLeaseRecord(leaseKey(9n), encodeLease(new Lease(9n, MAX_LEASE_TTL))).ttl).toBe(MAX_LEASE_TTL);
  });
});
