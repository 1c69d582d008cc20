/**
 * WatchWriter writes a watch stream's frames to its HTTP response in as few socket writes as the load allows.
 *
 * Every socket write of a watch stream costs a system call on the API server and a wake-up and a read on its
 * client; on loopback the kernel delivers the bytes to the reader inside the writer's call. Under load the
 * events of a busy resource arrive a few at a time (one store commit each), so writing each batch at once
 * means hundreds of small writes per second per watcher. The writer therefore writes at once when it last
 * wrote at least `intervalMs` ago — an idle watch adds no delay — and otherwise holds the frames until
 * `intervalMs` after its last write, then writes them as one chunk. A watcher waits at most `intervalMs` more
 * for an event, and a stream costs at most one write per interval; `intervalMs` 0 writes every batch at the
 * end of the turn that produced it. Frames keep their order; close() writes what is held. A writer holding
 * MAX_HELD_BYTES writes at once, so a long replay leaves in chunks of about that size.
 */
import type { Clock, TimerHandle } from '../util/clock.js';

/**
 * MAX_HELD_BYTES is how much a writer holds before it writes at once, interval or not: a watch that starts with
 * the whole current state (resourceVersion 0) goes out in chunks of about this size, not as one copy of it all.
 */
export const MAX_HELD_BYTES = 1024 * 1024;

/** WatchOutput is where a WatchWriter's chunks go: an HTTP response's write. */
export interface WatchOutput {
  write(chunk: string | Buffer): void;
}

/**
 * WatchWriter writes one watch stream's frames to its output: in the order given, each frame once, as one
 * chunk per write; at the end of the turn when it last wrote at least intervalMs ago, else intervalMs after
 * its last write, and at once when it holds MAX_HELD_BYTES; nothing after close() or discard().
 */
export class WatchWriter {
  private held: (string | Buffer)[] = [];
  private heldBytes = 0;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private scheduled = false;
  /** turn identifies the end-of-turn write scheduled last; an earlier one, overtaken by a write, does nothing. */
  private turn = 0;
  private timer: TimerHandle | undefined;
  private closed = false;

  /** written is called after each chunk is handed to the output (the caller checks what is unread). */
  constructor(
    private readonly out: WatchOutput,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly written: () => void = () => undefined,
  ) {}

  /** pendingBytes is how much is waiting to be written (a rough measure: string lengths, buffer sizes). */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  /** write queues a frame; nothing is written after close(). */
  write(frame: string | Buffer): void {
    if (this.closed) return;
    this.held.push(frame);
    this.heldBytes += frame.length;
    if (this.heldBytes >= MAX_HELD_BYTES) {
      this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastWrite + this.intervalMs - this.clock.monotonic();
    // At once means at the end of this turn: the rest of the batch being delivered joins the same chunk.
    if (wait <= 0) {
      const turn = ++this.turn;
      queueMicrotask(() => {
        if (turn === this.turn) this.flush();
      });
    } else this.timer = this.clock.setTimeout(() => this.flush(), wait);
  }

  /** close writes what is held and stops the writer; later writes are dropped. Closing twice is harmless. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  /** discard stops the writer without writing what is held (the client is gone). */
  discard(): void {
    this.closed = true;
    this.timer?.cancel();
    this.held = [];
    this.heldBytes = 0;
  }

  private flush(): void {
    this.scheduled = false;
    this.turn++;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.closed || this.held.length === 0) return;
    const frames = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.lastWrite = this.clock.monotonic();
    this.out.write(frames.length === 1 ? frames[0]! : joinFrames(frames));
    this.written();
  }
}

/** joinFrames makes one chunk of several frames: a string when they are all strings, else bytes. */
function joinFrames(frames: readonly (string | Buffer)[]): string | Buffer {
  if (frames.every((f) => typeof f === 'string')) return frames.join('');
  return Buffer.concat(frames.map((f) => (typeof f === 'string' ? Buffer.from(f) : f)));
}
