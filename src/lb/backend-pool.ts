/**
 * BackendPool is the balancer's decision core: the health state machine of every backend, the connection
 * counts, and the picker. It does no I/O and reads no clock (time is an argument), so the health monitor
 * and the TCP proxy around it stay thin and its decisions are unit-tested directly.
 */
import { BackendHealth, type BackendHealthView, type HealthEvent, type HealthParams, type StatusChange } from './backend-health.js';
import type { PickCandidate, Picker } from './picker.js';
import { invariant } from '../util/errors.js';

/** BackendView is one backend's health plus its connection counts, as /backends shows it. */
export interface BackendView extends BackendHealthView {
  /** activeConnections is the number of client connections currently proxied to it. */
  readonly activeConnections: number;
  /** totalConnections counts client connections ever established to it. */
  readonly totalConnections: number;
}

interface Entry {
  readonly health: BackendHealth;
  active: number;
  total: number;
}

/** BackendPool tracks the backends, in their configured order. */
export class BackendPool {
  private readonly entries = new Map<string, Entry>();

  constructor(
    backends: readonly string[],
    params: HealthParams,
    private readonly picker: Picker,
    now: number,
  ) {
    invariant(backends.length > 0, 'a backend pool needs at least one backend');
    for (const b of backends) {
      invariant(!this.entries.has(b), () => `backend ${b} is listed twice`);
      this.entries.set(b, { health: new BackendHealth(b, params, now), active: 0, total: 0 });
    }
  }

  /** backends lists the backend keys in configured order. */
  backends(): string[] {
    return [...this.entries.keys()];
  }

  /** healthyCount is the number of backends that are up. */
  healthyCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.health.isUp()) n++;
    return n;
  }

  /** isUp reports whether backend is up. */
  isUp(backend: string): boolean {
    return this.entry(backend).health.isUp();
  }

  /** report feeds one health event of backend to its state machine and returns the status change, if any. */
  report(backend: string, event: HealthEvent, now: number): StatusChange | undefined {
    return this.entry(backend).health.step(event, now);
  }

  /** pick chooses the backend for a new connection among those up and not in exclude, or returns undefined. */
  pick(exclude: ReadonlySet<string> = new Set()): string | undefined {
    const candidates: PickCandidate[] = [];
    for (const [backend, e] of this.entries) candidates.push({ backend, up: e.health.isUp(), active: e.active });
    return this.picker.pick(candidates, exclude);
  }

  /** connectionOpened counts a client connection established to backend; pair it with connectionClosed. */
  connectionOpened(backend: string): void {
    const e = this.entry(backend);
    e.active++;
    e.total++;
  }

  /** connectionClosed ends a connection counted by connectionOpened. */
  connectionClosed(backend: string): void {
    const e = this.entry(backend);
    invariant(e.active > 0, () => `backend ${backend}: connection closed with no active connection`);
    e.active--;
  }

  /** view returns every backend's state, in configured order. */
  view(): BackendView[] {
    return [...this.entries.values()].map((e) => ({ ...e.health.view(), activeConnections: e.active, totalConnections: e.total }));
  }

  private entry(backend: string): Entry {
    const e = this.entries.get(backend);
    invariant(e !== undefined, () => `unknown backend ${backend}`);
    return e;
  }
}
