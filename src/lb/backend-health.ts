/**
 * The health state machine of one backend, as haproxy keeps it for a server with `check rise R fall F
 * observe layer4 on-error mark-down`: consecutive passed checks bring a down backend up, consecutive
 * failed checks take an up one down, and a refused connection (on a check or on a client's connection)
 * takes it down at once, because on a reachable host it means nothing listens on the port any more.
 *
 * It is pure and synchronous: every input goes through step(), time is an argument, and the only output is
 * the status change a step caused, which the caller logs and acts on.
 */
import { invariant } from '../util/errors.js';

/**
 * BackendStatus is where a backend stands. `unknown` lasts until its first check completes, which decides
 * directly (up or down) without waiting for rise or fall, so a freshly started balancer is ready after one
 * check round. Only `up` backends receive new connections.
 */
export type BackendStatus = 'unknown' | 'up' | 'down';

/**
 * CheckFailureReason classifies a failed check: `refused` (ECONNREFUSED: nothing listens), `timeout` (no
 * answer within the check timeout), `status` (an answer that is not 2xx/3xx, such as /readyz's 503), or
 * `error` (any other socket or TLS error, a reset included).
 */
export type CheckFailureReason = 'refused' | 'timeout' | 'status' | 'error';

/** HealthEvent is one input to BackendHealth.step. */
export type HealthEvent =
  /** check-passed: a health check answered 2xx or 3xx. */
  | { readonly type: 'check-passed'; readonly detail: string }
  /** check-failed: a health check failed for reason. */
  | { readonly type: 'check-failed'; readonly reason: CheckFailureReason; readonly detail: string }
  /** connect-refused: a client's connection to the backend was refused (passive observation). */
  | { readonly type: 'connect-refused'; readonly detail: string };

/** HealthParams are the rise and fall thresholds (both ≥ 1). */
export interface HealthParams {
  readonly rise: number;
  readonly fall: number;
}

/** StatusChange is the transition one step caused, with the event that caused it, for logs and metrics. */
export interface StatusChange {
  readonly backend: string;
  readonly from: BackendStatus;
  readonly to: BackendStatus;
  /** at is the monotonic time of the step. */
  readonly at: number;
  /** cause describes the deciding event: `check passed (200)`, `check failed: refused (…)`, … */
  readonly cause: string;
}

/** LastCheck is the outcome of the most recent health check. */
export interface LastCheck {
  readonly at: number;
  readonly ok: boolean;
  readonly reason: CheckFailureReason | undefined;
  readonly detail: string;
}

/** BackendHealthView is a read-only copy of a BackendHealth, for /backends and tests. */
export interface BackendHealthView {
  readonly backend: string;
  readonly status: BackendStatus;
  readonly since: number;
  readonly consecutivePasses: number;
  readonly consecutiveFailures: number;
  readonly lastCheck: LastCheck | undefined;
}

/**
 * BackendHealth is the health state machine of one backend. step() is its one entry point; it never reads
 * a clock.
 */
export class BackendHealth {
  private status: BackendStatus = 'unknown';
  private since: number;
  private passes = 0;
  private failures = 0;
  private last: LastCheck | undefined;

  constructor(
    readonly backend: string,
    private readonly params: HealthParams,
    now: number,
  ) {
    invariant(Number.isSafeInteger(params.rise) && params.rise >= 1, () => `rise must be an integer ≥ 1, got ${String(params.rise)}`);
    invariant(Number.isSafeInteger(params.fall) && params.fall >= 1, () => `fall must be an integer ≥ 1, got ${String(params.fall)}`);
    this.since = now;
  }

  /** isUp reports whether the backend may receive new connections. */
  isUp(): boolean {
    return this.status === 'up';
  }

  /** view returns a copy of the current state. */
  view(): BackendHealthView {
    return {
      backend: this.backend,
      status: this.status,
      since: this.since,
      consecutivePasses: this.passes,
      consecutiveFailures: this.failures,
      lastCheck: this.last,
    };
  }

  /** step applies one event observed at monotonic time now and returns the status change it caused, if any. */
  step(event: HealthEvent, now: number): StatusChange | undefined {
    switch (event.type) {
      case 'check-passed': {
        this.last = { at: now, ok: true, reason: undefined, detail: event.detail };
        this.failures = 0;
        this.passes++;
        const cause = `check passed (${event.detail})`;
        if (this.status === 'unknown') return this.become('up', now, cause);
        if (this.status === 'down' && this.passes >= this.params.rise) return this.become('up', now, cause);
        return undefined;
      }
      case 'check-failed': {
        this.last = { at: now, ok: false, reason: event.reason, detail: event.detail };
        this.passes = 0;
        this.failures++;
        const cause = `check failed: ${event.reason} (${event.detail})`;
        if (this.status === 'unknown') return this.become('down', now, cause);
        if (this.status === 'up' && (event.reason === 'refused' || this.failures >= this.params.fall)) return this.become('down', now, cause);
        return undefined;
      }
      case 'connect-refused': {
        this.passes = 0;
        if (this.status === 'down') return undefined;
        return this.become('down', now, `client connection refused (${event.detail})`);
      }
    }
  }

  private become(to: BackendStatus, now: number, cause: string): StatusChange {
    invariant(to !== this.status, () => `backend ${this.backend}: transition ${this.status} → ${to} is not a change`);
    const change: StatusChange = { backend: this.backend, from: this.status, to, at: now, cause };
    this.status = to;
    this.since = now;
    return change;
  }
}
