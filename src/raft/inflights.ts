import { assert } from './errors.js';

/**
 * Inflights is the leader's window of MsgApp messages sent to one follower and not yet acknowledged, kept as
 * the last index each carried. It bounds the pipeline by count and by bytes (flow control, thesis §10.2.2).
 */
export class Inflights {
  private readonly indexes: number[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
  ) {}

  /** add records a MsgApp whose last entry is index and whose entries total bytes. */
  add(index: number, bytes: number): void {
    assert(!this.full(), 'cannot add into a full inflights');
    this.indexes.push(index);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** freeLE releases every message whose last index is ≤ to (the follower acknowledged up to to). */
  freeLE(to: number): void {
    while (this.head < this.indexes.length && this.indexes[this.head]! <= to) {
      this.bytes -= this.sizes[this.head]!;
      this.head++;
    }
    if (this.head === this.indexes.length) {
      this.indexes.length = 0;
      this.sizes.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.indexes.length) {
      this.indexes.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
  }

  /** freeFirstOne releases the oldest message, so a full window can make progress after losses. */
  freeFirstOne(): void {
    if (this.count() > 0) this.freeLE(this.indexes[this.head]!);
  }

  /** full reports whether no more messages may be sent until some are acknowledged. */
  full(): boolean {
    return this.count() >= this.maxCount || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  count(): number {
    return this.indexes.length - this.head;
  }

  reset(): void {
    this.indexes.length = 0;
    this.sizes.length = 0;
    this.head = 0;
    this.bytes = 0;
  }
}
