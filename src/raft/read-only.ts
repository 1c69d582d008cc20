import type { Message } from './types.js';

/** ReadIndexStatus tracks one ReadIndex request until a quorum confirms the leader still leads. */
export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<bigint>;
}

/**
 * ReadOnly queues ReadIndex requests on the leader (thesis §6.4). Each request records the commit index when
 * it arrived; it is answered once a quorum has answered a heartbeat sent after it. A later confirmation also
 * confirms every earlier request, so requests are released in arrival order.
 */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private readonly queue: string[] = [];

  /** addRequest enqueues m (whose entries[0].data is the request context) at commit index `index`. */
  addRequest(index: number, m: Message): void {
    const key = ctxKey(m.entries[0]!.data);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req: m, index, acks: new Set() });
    this.queue.push(key);
  }

  /** recvAck records that id answered the heartbeat carrying ctx and returns who has so far. */
  recvAck(id: bigint, ctx: Uint8Array): Set<bigint> | undefined {
    const rs = this.pending.get(ctxKey(ctx));
    if (rs === undefined) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** advance releases every request up to and including the one with ctx, in arrival order. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = ctxKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const released = this.queue.splice(0, at + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of released) {
      const rs = this.pending.get(k);
      if (rs !== undefined) out.push(rs);
      this.pending.delete(k);
    }
    return out;
  }

  /** lastPendingRequestCtx is the context to piggyback on heartbeats so lost acknowledgements are retried. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1]!)?.req.entries[0]!.data;
  }

  /** size is the number of requests waiting. */
  size(): number {
    return this.queue.length;
  }
}

/** ctxKey turns a request context into a map key. */
export function ctxKey(ctx: Uint8Array): string {
  let s = '';
  for (let i = 0; i < ctx.length; i++) s += String.fromCharCode(ctx[i]!);
  return s;
}
