/**
 * Waiting without sleeping: every wait in the compatibility and integration suites either waits on an
 * event (AsyncQueue, withDeadline) or polls a condition until a deadline (waitFor), and fails with a
 * message naming what it waited for and what it saw last.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** DeadlineError says a wait ran out of time; the message names what was awaited. */
export class DeadlineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeadlineError';
  }
}

/**
 * withDeadline resolves like promise, or rejects with a DeadlineError naming `what` after ms. The timer
 * is cleared either way so it never keeps the worker alive.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** WaitForOptions bounds a poll: total time, the pause between attempts, and what is being awaited. */
export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  what: string;
}

/**
 * waitFor polls check until it returns a value other than undefined, and resolves to that value. An
 * attempt that throws counts as "not yet" (its error is reported if the deadline passes). Use it only for
 * state that has no event to wait on (a process becoming ready, a lease expiring on the server).
 */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, options: WaitForOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last === undefined ? '' : `; last attempt: ${last instanceof Error ? last.message : String(last)}`;
      throw new DeadlineError(`timed out after ${timeoutMs} ms waiting for ${options.what}${detail}`, { cause: last });
    }
    await delay(intervalMs);
  }
}

/**
 * AsyncQueue hands items pushed by event handlers (stream data, output lines) to a test that awaits them
 * one by one with a deadline. end() marks the source finished; a shift() past the end rejects with the
 * reason, so a test never waits for an item that cannot come. summarize renders the unread items for
 * failure messages.
 */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();
  private ended: Error | undefined;

  constructor(private readonly summarize: (items: readonly T[]) => string = () => '') {}

  /** push adds an item and wakes any waiter. */
  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  /** end marks the source finished; waiting shifts reject with reason. */
  end(reason: Error): void {
    this.ended ??= reason;
    this.wake();
  }

  /** get size returns the number of items not yet shifted. */
  get size(): number {
    return this.items.length;
  }

  /** shift resolves to the next item, waiting at most timeoutMs for it. */
  async shift(timeoutMs: number, what: string): Promise<T> {
    const [item] = await this.take(1, timeoutMs, what);
    return item as T;
  }

  /** take resolves to the next n items, waiting at most timeoutMs for all of them. */
  async take(n: number, timeoutMs: number, what: string): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length < n) {
      if (this.ended !== undefined) {
        throw new Error(`${what}: the source ended after ${this.items.length} of ${n} items (${this.ended.message})${this.context()}`, {
          cause: this.ended,
        });
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new DeadlineError(`timed out after ${timeoutMs} ms waiting for ${what}: got ${this.items.length} of ${n}${this.context()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const waiters = this.waiters;
        function done(): void {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
    return this.items.splice(0, n);
  }

  private context(): string {
    const d = this.summarize(this.items);
    return d === '' ? '' : `\n${d}`;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
