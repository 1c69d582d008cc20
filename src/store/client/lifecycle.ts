/**
 * Lifecycle tracks everything of a client that could keep the process alive — timers, sleeps, calls,
 * streams — so that close() releases all of it at once and nothing outlives the client.
 */
import type { Clock, TimerHandle } from '../../util/clock.js';
import { ClientClosedError } from './errors.js';

/** Lifecycle is the client's open/closed state and the resources to release on close. */
export class Lifecycle {
  private isClosed = false;
  private readonly timers = new Set<TimerHandle>();
  private readonly sleepers = new Set<() => void>();
  private readonly closers = new Set<() => void>();

  constructor(readonly clock: Clock) {}

  /** closed is true once close() was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** assertOpen throws ClientClosedError after close(). */
  assertOpen(): void {
    if (this.isClosed) throw new ClientClosedError();
  }

  /** setTimeout runs fn after ms unless cancelled or the client closes first. */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (this.isClosed) return { cancel: () => undefined };
    const handle: TimerHandle = {
      cancel: () => {
        inner.cancel();
        this.timers.delete(handle);
      },
    };
    const inner = this.clock.setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, Math.max(0, ms));
    this.timers.add(handle);
    return handle;
  }

  /** sleep resolves after ms, or rejects with ClientClosedError when the client closes first. */
  sleep(ms: number): Promise<void> {
    if (this.isClosed) return Promise.reject(new ClientClosedError());
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        timer.cancel();
        reject(new ClientClosedError());
      };
      const timer = this.setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      this.sleepers.add(wake);
    });
  }

  /** onClose registers fn to run at close(); the returned function unregisters it. */
  onClose(fn: () => void): () => void {
    if (this.isClosed) {
      fn();
      return () => undefined;
    }
    this.closers.add(fn);
    return () => this.closers.delete(fn);
  }

  /** close cancels every timer, wakes every sleeper with ClientClosedError and runs the closers. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const wake of [...this.sleepers]) wake();
    for (const t of [...this.timers]) t.cancel();
    for (const fn of [...this.closers]) fn();
    this.closers.clear();
  }
}
