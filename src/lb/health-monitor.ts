/**
 * HealthMonitor runs the health checks: one loop per backend that probes it, reports the outcome to the
 * BackendPool and waits the check interval before the next probe (checks of one backend never overlap, so a
 * hung backend is probed once per timeout + interval). All backends are probed at once on start, so the
 * balancer knows its backends one check after it starts.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { StatusChange } from './backend-health.js';
import type { BackendPool } from './backend-pool.js';
import type { HostPort } from './config.js';
import type { HealthProbe, ProbeResult } from './health-probe.js';

/** HealthMonitorOptions wires a HealthMonitor. */
export interface HealthMonitorOptions {
  readonly pool: BackendPool;
  /** backends maps each pool key to the address probed. */
  readonly backends: ReadonlyMap<string, HostPort>;
  readonly probe: HealthProbe;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** onCheck is told every probe outcome (for metrics). */
  readonly onCheck?: (backend: string, result: ProbeResult) => void;
  /** onChange is told every status change the checks cause. */
  readonly onChange?: (change: StatusChange) => void;
}

/** HealthMonitor drives the periodic checks of every backend until stop(). */
export class HealthMonitor {
  private readonly timers = new Map<string, TimerHandle>();
  private running = false;

  constructor(private readonly opts: HealthMonitorOptions) {}

  /** start probes every backend now and then every interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const backend of this.opts.backends.keys()) this.check(backend);
  }

  /** stop cancels the pending checks; outcomes of checks in flight are dropped. */
  stop(): void {
    this.running = false;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private check(backend: string): void {
    const address = this.opts.backends.get(backend);
    if (address === undefined || !this.running) return;
    // A probe is not supposed to reject; if one does, that counts as a failed check rather than ending the loop.
    const outcome = this.opts.probe(address).catch(
      (err: unknown): ProbeResult => ({ ok: false, reason: 'error', detail: err instanceof Error ? err.message : String(err) }),
    );
    void outcome.then((result) => {
      if (!this.running) return;
      this.opts.onCheck?.(backend, result);
      const change = this.opts.pool.report(
        backend,
        result.ok ? { type: 'check-passed', detail: result.detail } : { type: 'check-failed', reason: result.reason, detail: result.detail },
        this.opts.clock.monotonic(),
      );
      if (!result.ok) this.opts.log.debug({ backend, reason: result.reason, detail: result.detail }, 'health check failed');
      if (change !== undefined) this.opts.onChange?.(change);
      this.timers.set(
        backend,
        this.opts.clock.setTimeout(() => this.check(backend), this.opts.intervalMs),
      );
    });
  }
}
