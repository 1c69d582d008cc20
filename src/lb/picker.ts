/**
 * Pickers choose the backend of each new client connection among the backends that are up, as haproxy's
 * `balance roundrobin` and `balance leastconn` do. They are pure: the caller passes the backends (always
 * in the same, configured order) with their status and active connection counts.
 */
import type { BalanceAlgorithm } from './config.js';

/** PickCandidate is one backend as a picker sees it. */
export interface PickCandidate {
  readonly backend: string;
  readonly up: boolean;
  /** active is the number of client connections currently proxied to the backend. */
  readonly active: number;
}

/** Picker chooses a backend for a new connection. */
export interface Picker {
  /**
   * pick returns the backend for the next connection among candidates that are up and not in exclude (the
   * backends this connection already tried), or undefined when there is none.
   */
  pick(candidates: readonly PickCandidate[], exclude: ReadonlySet<string>): string | undefined;
}

/**
 * RoundRobinPicker hands connections to the eligible backends in turn, continuing after the position of its
 * previous pick, so a backend that goes down or comes back shifts the rotation but never restarts it.
 */
export class RoundRobinPicker implements Picker {
  private last = -1;

  pick(candidates: readonly PickCandidate[], exclude: ReadonlySet<string>): string | undefined {
    const n = candidates.length;
    for (let step = 1; step <= n; step++) {
      const i = (this.last + step) % n;
      const c = candidates[i];
      if (c !== undefined && c.up && !exclude.has(c.backend)) {
        this.last = i;
        return c.backend;
      }
    }
    return undefined;
  }
}

/**
 * LeastConnPicker hands a connection to the eligible backend with the fewest active connections; among
 * equals it goes round-robin, so idle backends still share short requests evenly. This suits long-lived
 * watch streams better than plain round-robin after a backend comes back.
 */
export class LeastConnPicker implements Picker {
  private last = -1;

  pick(candidates: readonly PickCandidate[], exclude: ReadonlySet<string>): string | undefined {
    const n = candidates.length;
    let best = -1;
    let bestActive = Infinity;
    for (let step = 1; step <= n; step++) {
      const i = (this.last + step) % n;
      const c = candidates[i];
      if (c === undefined || !c.up || exclude.has(c.backend)) continue;
      if (c.active < bestActive) {
        best = i;
        bestActive = c.active;
      }
    }
    if (best < 0) return undefined;
    this.last = best;
    return candidates[best]?.backend;
  }
}

/** createPicker returns a new picker implementing algorithm. */
export function createPicker(algorithm: BalanceAlgorithm): Picker {
  return algorithm === 'leastconn' ? new LeastConnPicker() : new RoundRobinPicker();
}
