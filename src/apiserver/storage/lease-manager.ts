/**
 * LeaseManager hands out etcd leases for objects that must expire (events, with kube-apiserver's
 * --event-ttl), reusing one lease for every object written within a reuse window, as kube-apiserver's
 * storage/etcd3 leaseManager does: the window is 5% of the TTL, at most reuseSeconds (60); a lease granted
 * at time t with TTL ttl + window serves requests until t + window, so each object lives at least ttl and at
 * most ttl + window, and the store holds one lease per window instead of one per object.
 */
import type { EtcdClient } from '../../store/client/index.js';
import type { Clock } from '../../util/clock.js';

/** LeaseManager: see the module comment. */
export class LeaseManager {
  private current: { id: bigint; ttl: number; grantedAt: number } | undefined;
  private granting: Promise<bigint> | undefined;

  constructor(
    private readonly client: EtcdClient,
    private readonly clock: Clock,
    /** reuseSeconds caps the window within which one lease is reused (kube-apiserver's 60 s). */
    private readonly reuseSeconds = 60,
  ) {}

  /** lease returns a lease under which an object lives at least ttl seconds. */
  async lease(ttl: number): Promise<bigint> {
    const now = this.clock.monotonic();
    const reuse = Math.min(Math.floor(ttl * 0.05), this.reuseSeconds);
    const c = this.current;
    if (c !== undefined && c.ttl === ttl + reuse && now - c.grantedAt < reuse * 1000) return c.id;
    // Requests that arrive together share one grant.
    this.granting ??= (async () => {
      try {
        const id = await this.client.grant(ttl + reuse);
        this.current = { id, ttl: ttl + reuse, grantedAt: now };
        return id;
      } finally {
        this.granting = undefined;
      }
    })();
    return this.granting;
  }
}
