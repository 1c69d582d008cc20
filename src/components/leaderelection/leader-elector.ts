/**
 * LeaderElector is the shell around decide(): it reads the Lease every retryPeriod (jittered while standing
 * by, as client-go's JitterUntil), writes what decide() asks with optimistic concurrency, and calls back when
 * it starts or stops leading or sees a new leader. A leader that has not renewed within renewDeadline stops
 * at once — a timer fires at the deadline even if a request hangs — and the elector is then finished, as
 * client-go's Run returns. stop() releases the Lease so a standby takes over within one retry.
 */
import type { Lease } from '../../api/coordination-v1.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { CapstanError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Random } from '../../util/random.js';
import { isAlreadyExists, isConflict } from '../client/errors.js';
import { JITTER_FACTOR, leaderElectionConfig, type LeaderElectionConfig } from './config.js';
import { decide, releaseSpec, type Observation } from './decide.js';
import type { LeaseClient } from './lease-client.js';

/** LeaderCallbacks are called as leadership changes (client-go LeaderCallbacks). */
export interface LeaderCallbacks {
  /** onStartedLeading runs when this elector becomes leader; signal aborts when it must stop acting. */
  onStartedLeading?(signal: AbortSignal): void;
  /** onStoppedLeading runs once when this elector stops leading (deadline missed, lost, or released). */
  onStoppedLeading?(): void;
  /** onNewLeader runs when the observed holder changes (including to this elector). */
  onNewLeader?(identity: string): void;
}

/** LeaderElectorOptions configure a LeaderElector. */
export interface LeaderElectorOptions {
  readonly client: LeaseClient;
  /** namespace of the Lease; kube-system by default. */
  readonly namespace?: string;
  /** name of the Lease, for example kube-scheduler. */
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly callbacks?: LeaderCallbacks;
  readonly logger?: Logger;
}

/** LeaseExpiredError is healthz's answer when this elector leads on record but its lease expired too long ago. */
export class LeaseExpiredError extends CapstanError {
  constructor(message: string) {
    super(message, 'LEADER_LEASE_EXPIRED', false);
  }
}

/** LeaderElector contends for one Lease; see the module comment. */
export class LeaderElector {
  /** config is the validated identity and timing. */
  readonly config: LeaderElectionConfig;
  private readonly namespace: string;
  private readonly opts: LeaderElectorOptions;
  private observation: Observation | undefined;
  private lease: Lease | undefined;
  private leading = false;
  private lastRenewAt: number | undefined;
  private started = false;
  private finished = false;
  private abort: AbortController | undefined;
  private nextTick: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private inflight: Promise<void> | undefined;
  private reportedLeader: string | undefined;

  constructor(opts: LeaderElectorOptions) {
    this.opts = opts;
    this.namespace = opts.namespace ?? 'kube-system';
    this.config = leaderElectionConfig(opts);
  }

  /** start begins contending; it returns at once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** isLeader reports whether this elector currently acts as leader. */
  isLeader(): boolean {
    return this.leading;
  }

  /** isFinished reports whether the elector has stopped (lost leadership or stop() was called). */
  isFinished(): boolean {
    return this.finished;
  }

  /** leader returns the holder this elector last observed ('' if none). */
  leader(): string {
    return this.observation?.spec.holderIdentity ?? '';
  }

  /**
   * healthz returns an error when the last observed record names this elector but was observed more than
   * leaseDuration + timeoutMs ago (client-go HealthzAdaptor), otherwise undefined.
   */
  healthz(timeoutMs = 20_000): LeaseExpiredError | undefined {
    const o = this.observation;
    if (o === undefined || o.spec.holderIdentity !== this.config.identity) return undefined;
    const since = this.opts.clock.monotonic() - o.observedAt;
    if (since > this.config.leaseDurationMs + timeoutMs) {
      return new LeaseExpiredError(`failed election to renew leadership on lease ${this.opts.name}`);
    }
    return undefined;
  }

  /** stop ends contending; a leader releases the Lease (empty holder, 1 s duration) before it resolves. */
  async stop(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.nextTick?.cancel();
    if (!this.leading) return;
    if (this.inflight !== undefined) {
      // Let a renewal in flight finish (its resourceVersion is the one to release), but not past the renew deadline.
      let timer: TimerHandle | undefined;
      const remaining = Math.max(0, this.lastRenewAt! + this.config.renewDeadlineMs - this.opts.clock.monotonic());
      await Promise.race([this.inflight, new Promise<void>((resolve) => (timer = this.opts.clock.setTimeout(resolve, remaining)))]);
      timer?.cancel();
    }
    if (!this.leading) return;
    this.stopLeading('released');
    const lease = this.lease;
    if (lease === undefined || lease.spec?.holderIdentity !== this.config.identity) return;
    try {
      const released = await this.opts.client.update({ ...lease, spec: releaseSpec(lease.spec, this.opts.clock.now()) });
      this.lease = released;
      this.setObservation({ spec: released.spec ?? {}, observedAt: this.opts.clock.monotonic() });
    } catch (err) {
      this.opts.logger?.warn({ lease: this.opts.name, error: String(err) }, 'failed to release the lease');
    }
  }

  private schedule(ms: number): void {
    if (this.finished) return;
    this.nextTick = this.opts.clock.setTimeout(() => {
      this.inflight = this.tick().finally(() => {
        this.inflight = undefined;
      });
    }, ms);
  }

  private interval(): number {
    const p = this.config.retryPeriodMs;
    return this.leading ? p : p + this.opts.random.float() * JITTER_FACTOR * p;
  }

  private async tick(): Promise<void> {
    if (this.finished) return;
    try {
      await this.tryAcquireOrRenew();
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err)) {
        this.opts.logger?.warn({ lease: this.opts.name, error: String(err) }, 'error acquiring or renewing the lease');
      }
    }
    this.schedule(this.interval());
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { client, clock } = this.opts;
    const lease = await client.get(this.namespace, this.opts.name);
    if (this.finished) return;
    const sentAt = clock.monotonic();
    const d = decide({ config: this.config, lease, previous: this.observation, leading: this.leading, lastRenewAt: this.lastRenewAt, now: sentAt, wallNow: clock.now() });
    if (d.observation !== undefined) this.setObservation(d.observation);
    this.lease = lease;
    if (d.action === 'wait') return;
    if (d.action === 'stop') {
      this.stopLeading(d.reason);
      return;
    }
    const written =
      d.action === 'create'
        ? await client.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name, namespace: this.namespace }, spec: d.spec })
        : await client.update({ ...lease!, spec: d.spec });
    if (this.finished && !this.leading) return;
    if (this.leading && this.lastRenewAt !== undefined && clock.monotonic() - this.lastRenewAt >= this.config.renewDeadlineMs) {
      this.stopLeading('failed to renew the lease within renewDeadline');
      return;
    }
    this.lease = written;
    this.setObservation({ spec: written.spec ?? d.spec, observedAt: clock.monotonic() });
    this.lastRenewAt = sentAt;
    this.armDeadline();
    if (!this.leading) {
      this.leading = true;
      this.abort = new AbortController();
      this.opts.logger?.info({ lease: this.opts.name, identity: this.config.identity }, 'acquired the lease');
      this.opts.callbacks?.onStartedLeading?.(this.abort.signal);
    }
  }

  private setObservation(o: Observation): void {
    this.observation = o;
    const holder = o.spec.holderIdentity ?? '';
    if (holder !== '' && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.opts.callbacks?.onNewLeader?.(holder);
    }
  }

  private armDeadline(): void {
    this.deadline?.cancel();
    const at = this.lastRenewAt! + this.config.renewDeadlineMs;
    this.deadline = this.opts.clock.setTimeout(() => {
      if (this.leading) this.stopLeading('failed to renew the lease within renewDeadline');
    }, Math.max(0, at - this.opts.clock.monotonic()));
  }

  private stopLeading(reason: string): void {
    this.deadline?.cancel();
    this.nextTick?.cancel();
    this.finished = true;
    if (!this.leading) return;
    this.leading = false;
    this.opts.logger?.info({ lease: this.opts.name, identity: this.config.identity, reason }, 'stopped leading');
    this.abort?.abort(new LeaseExpiredError(reason));
    this.opts.callbacks?.onStoppedLeading?.();
  }
}
