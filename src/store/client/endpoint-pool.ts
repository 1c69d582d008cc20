/**
 * EndpointPool picks the endpoint requests go to: one pinned endpoint at a time (clientv3 3.3's pinned
 * balancer), kept while it works, replaced by the next healthy one in configured order when it fails.
 *
 * An endpoint is healthy unless it failed recently (it is then suspected for suspicionMs(failures), growing
 * with consecutive failures) or the last connection attempt to it failed (Endpoint.failing). When every endpoint is unhealthy the
 * one whose suspicion ends first is used anyway: a request must go somewhere, and the caller's deadline and
 * backoff bound the cost.
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { invariant } from '../../util/errors.js';
import type { Endpoint } from './endpoint.js';
import { suspicionMs } from './retry-policy.js';

/** EndpointPool holds the client's endpoints and the pinned one. */
export class EndpointPool {
  private pinned = 0;

  constructor(
    readonly endpoints: readonly Endpoint[],
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    invariant(endpoints.length > 0, 'EndpointPool: at least one endpoint');
  }

  /** current is the pinned endpoint, whatever its health. */
  get current(): Endpoint {
    return this.endpoints[this.pinned] as Endpoint;
  }

  /** find returns the endpoint with this URL, if configured. */
  find(url: string): Endpoint | undefined {
    return this.endpoints.find((e) => e.url === url);
  }

  /**
   * pick returns the pinned endpoint if healthy; otherwise pins and returns the next healthy one after it,
   * or, when none is healthy, the one whose suspicion ends first. `exclude` are endpoints the caller already
   * tried in this round; they are picked only when nothing else is left.
   */
  pick(exclude: ReadonlySet<Endpoint> = new Set()): Endpoint {
    const now = this.clock.monotonic();
    const n = this.endpoints.length;
    for (let i = 0; i < n; i++) {
      const idx = (this.pinned + i) % n;
      const e = this.endpoints[idx] as Endpoint;
      if (!exclude.has(e) && this.healthy(e, now)) return this.pin(idx);
    }
    let best = -1;
    for (let i = 0; i < n; i++) {
      const idx = (this.pinned + i) % n;
      const e = this.endpoints[idx] as Endpoint;
      if (exclude.has(e) && exclude.size < n) continue;
      if (best === -1 || e.suspectUntil < (this.endpoints[best] as Endpoint).suspectUntil) best = idx;
    }
    return this.pin(best === -1 ? this.pinned : best);
  }

  /** markFailed suspects e and, if it is pinned, moves the pin to the next endpoint. */
  markFailed(e: Endpoint, reason: unknown): void {
    e.failures++;
    e.suspectUntil = this.clock.monotonic() + suspicionMs(e.failures);
    this.log.debug({ endpoint: e.url, failures: e.failures, err: reason }, 'etcd client: endpoint failed');
    if (this.current === e && this.endpoints.length > 1) {
      const next = (this.pinned + 1) % this.endpoints.length;
      this.log.info({ from: e.url, to: (this.endpoints[next] as Endpoint).url }, 'etcd client: failing over');
      this.pinned = next;
    }
  }

  /** markHealthy clears e's failure history after a successful call. */
  markHealthy(e: Endpoint): void {
    e.failures = 0;
    e.suspectUntil = 0;
  }

  private healthy(e: Endpoint, now: number): boolean {
    return e.suspectUntil <= now && !e.failing();
  }

  private pin(idx: number): Endpoint {
    if (idx !== this.pinned) {
      this.log.debug({ from: this.current.url, to: (this.endpoints[idx] as Endpoint).url }, 'etcd client: pinned endpoint changed');
      this.pinned = idx;
    }
    return this.endpoints[idx] as Endpoint;
  }
}
