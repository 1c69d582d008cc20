/**
 * Clock is the one way capstan code reads time and schedules work, so that tests and simulations can
 * substitute a manual clock and replay exactly.
 */
export interface Clock {
  /** now returns milliseconds since the Unix epoch (wall time, for timestamps shown to people). */
  now(): number;
  /** monotonic returns milliseconds from an arbitrary origin that never goes backwards (for deadlines). */
  monotonic(): number;
  /** setTimeout schedules fn after ms and returns a handle that cancels it. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** setInterval runs fn every ms until cancelled. */
  setInterval(fn: () => void, ms: number): TimerHandle;
}

/** TimerHandle cancels a timer created by a Clock. Cancelling twice is harmless. */
export interface TimerHandle {
  cancel(): void;
}

/** systemClock is the real clock: Date.now, performance.now and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    return { cancel: () => clearInterval(t) };
  },
};

interface ManualTimer {
  id: number;
  at: number;
  every: number | undefined;
  fn: () => void;
}

/**
 * ManualClock is a Clock that only moves when told to. advance() fires due timers in deadline order
 * (ties in creation order), so a test that drives it is deterministic.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 0;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  /** advance moves time forward by ms, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let due: ManualTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.at <= target && (due === undefined || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
      }
      if (due === undefined) break;
      this.current = Math.max(this.current, due.at);
      if (due.every === undefined) this.timers.delete(due.id);
      else due.at += due.every;
      due.fn();
    }
    this.current = target;
  }

  /** pending returns how many timers are scheduled. */
  pending(): number {
    return this.timers.size;
  }

  private add(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.current + Math.max(0, ms), every, fn });
    return { cancel: () => void this.timers.delete(id) };
  }
}
