/**
 * WatchStream is an open watch as its consumer sees it: an async iterable of watch events that ends when the
 * server ends the stream (timeoutSeconds, a replica going away) and throws when the connection breaks;
 * stop() ends it from the consumer's side. EventChannel is the buffer between a producer (the HTTP response
 * parser, or a test's fake source) and that consumer.
 */
import type { WatchEvent } from '../../api/index.js';

/** WatchStream is one open watch. */
export interface WatchStream<T> extends AsyncIterable<WatchEvent<T>> {
  /** stop ends the watch; iteration then finishes after the events already received. */
  stop(): void;
}

/**
 * EventChannel buffers items pushed by a producer for one async consumer. end() finishes the iteration
 * after the buffered items; fail(err) makes it throw err after them; onStop runs once when the consumer
 * stops (stop(), or leaving a for-await loop early).
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;
  private done = false;
  private error: Error | undefined;
  private stopped = false;

  constructor(private readonly onStop: () => void = () => {}) {}

  /** push adds an item unless the channel is finished. */
  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.wake();
  }

  /** end finishes the channel cleanly. */
  end(): void {
    this.done = true;
    this.wake();
  }

  /** fail finishes the channel with err (ignored if it already finished). */
  fail(err: Error): void {
    if (this.done) return;
    this.error = err;
    this.done = true;
    this.wake();
  }

  /** finished says whether end, fail or stop was called. */
  get finished(): boolean {
    return this.done;
  }

  /** stop finishes the channel from the consumer's side and runs onStop once. */
  stop(): void {
    this.done = true;
    this.wake();
    if (!this.stopped) {
      this.stopped = true;
      this.onStop();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        const item = this.items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.done) {
          if (this.error !== undefined) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => (this.waiter = resolve));
      }
    } finally {
      this.stop();
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
