/**
 * Backoff is the exponential backoff with jitter that the REST client's retries and the reflector's
 * re-list/re-watch loop share (apimachinery's wait.Backoff): the n-th pause is initial × factor^n, capped,
 * then stretched by up to jitter × itself, drawn from an injected Random so tests replay exactly.
 */
import type { Random } from '../../util/random.js';

/** BackoffOptions shape a Backoff. */
export interface BackoffOptions {
  /** initialMs is the first pause; default 100 ms. */
  initialMs?: number;
  /** factor multiplies the pause after each step; default 2. */
  factor?: number;
  /** maxMs caps the pause before jitter; default 10 s. */
  maxMs?: number;
  /** jitter adds up to this fraction of the pause at random; default 0.5. */
  jitter?: number;
}

/** Backoff hands out successive pauses; reset() starts over after a success. */
export class Backoff {
  private readonly initialMs: number;
  private readonly factor: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private steps = 0;

  constructor(
    private readonly random: Random,
    options: BackoffOptions = {},
  ) {
    this.initialMs = options.initialMs ?? 100;
    this.factor = options.factor ?? 2;
    this.maxMs = options.maxMs ?? 10_000;
    this.jitter = options.jitter ?? 0.5;
    if (!(this.initialMs >= 0 && this.factor >= 1 && this.maxMs >= this.initialMs && this.jitter >= 0)) {
      throw new RangeError(`Backoff: need initialMs >= 0, factor >= 1, maxMs >= initialMs, jitter >= 0; got ${JSON.stringify(options)}`);
    }
  }

  /** next returns the pause before the next attempt and advances the step. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.steps);
    this.steps++;
    return base + base * this.jitter * this.random.float();
  }

  /** attempts is how many pauses were handed out since the last reset. */
  get attempts(): number {
    return this.steps;
  }

  /** reset starts the sequence over. */
  reset(): void {
    this.steps = 0;
  }
}
