/**
 * UnaryCaller runs one unary request to completion under the retry policy (retry-policy.ts): within the
 * request timeout it picks an endpoint, waits for its connection (at most the dial timeout), sends, and on
 * failure fails over and/or resends as the policy allows, pausing with jittered backoff after every full
 * round of endpoints. Whatever it throws is a CapstanError.
 */
import { Metadata } from '@grpc/grpc-js';
import type { Logger } from '../../util/logger.js';
import type { Random } from '../../util/random.js';
import type { CapstanError } from '../../util/errors.js';
import type { Endpoint, Method } from './endpoint.js';
import type { EndpointPool } from './endpoint-pool.js';
import { ClientClosedError, DeadlineExceededError, neverSent, toClientError } from './errors.js';
import type { Lifecycle } from './lifecycle.js';
import { backoffMs, decideRetry, type BackoffOptions, type RequestKind } from './retry-policy.js';

/**
 * requireLeaderMetadata is clientv3's WithRequireLeader: etcd refuses the call with "no leader" when the
 * member has no leader (instead of letting it wait out a timeout), and ends watch streams when the member
 * loses its leader, so the client fails over to a member that has one.
 */
export function requireLeaderMetadata(): Metadata {
  const md = new Metadata();
  md.set('hasleader', 'true');
  return md;
}

/** REQUIRE_LEADER_HEADERS is requireLeaderMetadata as the request headers of a unary call. */
const REQUIRE_LEADER_HEADERS: Readonly<Record<string, string>> = Object.freeze({ hasleader: 'true' });
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** CallOptions say how a request may be retried and where it may go. */
export interface CallOptions<Resp> {
  readonly kind: RequestKind;
  /** requireLeader sends the `hasleader` metadata (every request but serializable reads and Status). */
  readonly requireLeader: boolean;
  /** endpoint pins the request to one endpoint (no failover; unreachable fails at once), e.g. Status of a member. */
  readonly endpoint?: Endpoint;
  /**
   * afterAmbiguous may turn an error answered to a resend, after an earlier attempt that may have been
   * applied, into a result (a revoke that finds its lease gone has succeeded).
   */
  readonly afterAmbiguous?: (err: CapstanError) => Resp | undefined;
}

/** Answer is a response and the endpoint that gave it. */
export interface Answer<Resp> {
  readonly response: Resp;
  readonly endpoint: Endpoint;
}

/** UnaryCaller sends unary requests for one client. */
export class UnaryCaller {
  constructor(
    private readonly pool: EndpointPool,
    private readonly lifecycle: Lifecycle,
    private readonly random: Random,
    private readonly log: Logger,
    private readonly timeouts: { readonly dialTimeoutMs: number; readonly requestTimeoutMs: number },
    private readonly backoff: BackoffOptions,
  ) {}

  /** call sends request until it succeeds, fails for good, or the request timeout passes. */
  async call<Req, Resp>(method: Method<Req, Resp>, request: Req, options: CallOptions<Resp>): Promise<Answer<Resp>> {
    const lc = this.lifecycle;
    lc.assertOpen();
    const clock = lc.clock;
    const timeoutMs = this.timeouts.requestTimeoutMs;
    const deadline = clock.monotonic() + timeoutMs;
    const tried = new Set<Endpoint>();
    let round = 0;
    let last: CapstanError | undefined;
    let ambiguous = false;
    for (;;) {
      let remaining = deadline - clock.monotonic();
      if (remaining <= 0) throw new DeadlineExceededError(timeoutMs, ambiguous, last === undefined ? undefined : { cause: last });
      const ep = this.next(tried, options.endpoint);
      if (ep === undefined) {
        // Every endpoint failed in this round: pause before the next.
        round++;
        tried.clear();
        await lc.sleep(Math.min(remaining, backoffMs(round, this.random.float(), this.backoff)));
        continue;
      }
      tried.add(ep);
      try {
        // After a full round of failures, wait for a reconnection instead of failing fast on a down endpoint.
        await ep.connect(Math.min(this.timeouts.dialTimeoutMs, remaining), round === 0);
      } catch (err) {
        if (lc.closed) throw new ClientClosedError({ cause: err });
        last = err as CapstanError;
        this.pool.markFailed(ep, err);
        // A request pinned to one endpoint has nowhere else to go: report the endpoint down at once.
        if (options.endpoint !== undefined) throw last;
        continue;
      }
      remaining = deadline - clock.monotonic();
      const call = ep.unary(method, request, options.requireLeader ? REQUIRE_LEADER_HEADERS : NO_HEADERS, Date.now() + Math.max(1, remaining));
      const unregister = lc.onClose(() => call.cancel());
      try {
        const response = await call.response;
        this.pool.markHealthy(ep);
        return { response, endpoint: ep };
      } catch (raw) {
        const sent = !neverSent(raw);
        const err = toClientError(raw, ep.url, sent, timeoutMs, lc.closed);
        if (lc.closed) throw err instanceof ClientClosedError ? err : new ClientClosedError({ cause: err });
        if (ambiguous && options.afterAmbiguous !== undefined) {
          const settled = options.afterAmbiguous(err);
          if (settled !== undefined) return { response: settled, endpoint: ep };
        }
        const decision = decideRetry(options.kind, err, sent);
        if (decision.failover) this.pool.markFailed(ep, err);
        if (!decision.retry) throw err;
        ambiguous ||= decision.maybeApplied;
        last = err;
        this.log.debug({ endpoint: ep.url, method: method.path, err: err.code }, 'etcd client: retrying request');
      } finally {
        unregister();
      }
    }
  }

  /** next picks an endpoint not yet tried in this round, or undefined when the round is over. */
  private next(tried: ReadonlySet<Endpoint>, pinned: Endpoint | undefined): Endpoint | undefined {
    if (pinned !== undefined) return tried.has(pinned) ? undefined : pinned;
    const ep = this.pool.pick(tried);
    return tried.has(ep) ? undefined : ep;
  }
}
