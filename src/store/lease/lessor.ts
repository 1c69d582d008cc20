import type { Clock } from '../../util/clock.js';
import { Prefix, prefixed, type BatchOp } from '../backend.js';
import { LeaseExistsError, LeaseNotFoundError, LeaseTTLTooLargeError, NotLeaderError } from '../errors.js';

/** MAX_LEASE_TTL is etcd's upper bound on a lease TTL in seconds. */
export const MAX_LEASE_TTL = 9_000_000_000;

/** Lease is one lease: its ID, granted TTL in seconds, the keys attached, and (on the leader) when it expires. */
export class Lease {
  readonly keys = new Set<string>();
  /** expiry is a monotonic deadline in ms; Infinity on members that are not the leader. */
  expiry = Infinity;

  constructor(
    readonly id: bigint,
    readonly ttl: number,
  ) {}

  /** remainingSeconds is the TTL left, rounded up, as TimeToLive reports it (-1 once expired). */
  remainingSeconds(now: number): number {
    if (this.expiry === Infinity) return this.ttl;
    const ms = this.expiry - now;
    return ms <= 0 ? -1 : Math.ceil(ms / 1000);
  }
}

/**
 * Lessor keeps the leases (etcd's lessor). Grants and revocations arrive through the Raft log, so every member
 * holds the same leases; only the leader (primary) keeps expiry deadlines, renews them on KeepAlive and
 * proposes revocation of expired leases. A member that becomes leader gives every lease a fresh TTL plus an
 * extension, so no lease expires because leadership moved (etcd's Promote).
 */
export class Lessor {
  readonly leases = new Map<bigint, Lease>();
  private primary = false;

  constructor(
    private readonly clock: Clock,
    /** minTTL is the smallest TTL granted in seconds (etcd: 1.5 election timeouts, rounded up). */
    readonly minTTL: number,
  ) {}

  /** isPrimary reports whether this lessor decides expiry (it runs on the leader). */
  isPrimary(): boolean {
    return this.primary;
  }

  /** grant creates a lease (applied from the log); the TTL is raised to minTTL. Returns the backend op. */
  grant(id: bigint, ttl: number): { lease: Lease; op: BatchOp } {
    if (this.leases.has(id)) throw new LeaseExistsError();
    if (ttl > MAX_LEASE_TTL) throw new LeaseTTLTooLargeError();
    const l = new Lease(id, Math.max(ttl, this.minTTL));
    if (this.primary) l.expiry = this.clock.monotonic() + l.ttl * 1000;
    this.leases.set(id, l);
    return { lease: l, op: { type: 'put', key: leaseKey(id), value: encodeLease(l) } };
  }

  /** revoke removes a lease (applied from the log) and returns its keys (in no order), which the caller deletes. */
  revoke(id: bigint): { keys: string[]; op: BatchOp } {
    const l = this.leases.get(id);
    if (l === undefined) throw new LeaseNotFoundError();
    this.leases.delete(id);
    return { keys: [...l.keys], op: { type: 'del', key: leaseKey(id) } };
  }

  /**
   * sortedKeys returns a lease's keys in key order (the order a revoke deletes them in), or undefined if there
   * is no such lease.
   */
  sortedKeys(id: bigint): string[] | undefined {
    const l = this.leases.get(id);
    return l === undefined ? undefined : [...l.keys].sort();
  }

  /** renew restarts a lease's TTL (KeepAlive); only the leader can. Returns the TTL, or -1 if it already expired. */
  renew(id: bigint): number {
    if (!this.primary) throw new NotLeaderError();
    const l = this.leases.get(id);
    if (l === undefined) throw new LeaseNotFoundError();
    const now = this.clock.monotonic();
    if (l.expiry <= now) return -1;
    l.expiry = now + l.ttl * 1000;
    return l.ttl;
  }

  /** remaining is a lease's TTL left in seconds as TimeToLive reports it. */
  remaining(l: Lease): number {
    return l.remainingSeconds(this.clock.monotonic());
  }

  lookup(id: bigint): Lease | undefined {
    return this.leases.get(id);
  }

  /** attach records that key is bound to lease id (a Put with that lease was applied). */
  attach(id: bigint, key: string): void {
    this.leases.get(id)?.keys.add(key);
  }

  /** detach undoes attach (the key was deleted or put with another lease). */
  detach(id: bigint, key: string): void {
    this.leases.get(id)?.keys.delete(key);
  }

  /** promote makes this lessor primary: every lease gets its full TTL again, plus extendMs. */
  promote(extendMs: number): void {
    this.primary = true;
    const now = this.clock.monotonic();
    for (const l of this.leases.values()) l.expiry = now + extendMs + l.ttl * 1000;
  }

  /** demote stops expiry decisions (this member lost leadership). */
  demote(): void {
    this.primary = false;
    for (const l of this.leases.values()) l.expiry = Infinity;
  }

  /** expired lists up to limit leases whose deadline has passed (primary only). */
  expired(limit: number): Lease[] {
    if (!this.primary) return [];
    const now = this.clock.monotonic();
    const out: Lease[] = [];
    for (const l of this.leases.values()) {
      if (l.expiry <= now) {
        out.push(l);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** reset forgets every lease (before restoring them from an installed snapshot). */
  reset(): void {
    this.leases.clear();
  }

  /** restore adds a lease read back from the backend. */
  restore(id: bigint, ttl: number): void {
    const l = new Lease(id, ttl);
    if (this.primary) l.expiry = this.clock.monotonic() + ttl * 1000;
    this.leases.set(id, l);
  }
}

/** leaseKey is a lease's backend key. */
export function leaseKey(id: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, id));
  return prefixed(Prefix.lease, b);
}

/** encodeLease stores a lease's TTL (8 bytes, big-endian). */
export function encodeLease(l: Lease): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(l.ttl));
  return b;
}

/** decodeLeaseRecord reads a lease record back. */
export function decodeLeaseRecord(key: Buffer, value: Buffer): { id: bigint; ttl: number } {
  return { id: BigInt.asIntN(64, key.readBigUInt64BE(1)), ttl: Number(value.readBigUInt64BE(0)) };
}
