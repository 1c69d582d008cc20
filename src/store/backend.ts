import { setImmediate } from 'node:timers/promises';
import { ClassicLevel } from 'classic-level';
import type { Clock } from '../util/clock.js';

/** BatchOp is one write in a backend batch. */
export type BatchOp = { type: 'put'; key: Buffer; value: Uint8Array } | { type: 'del'; key: Buffer };

/** BUILD_CHUNK is how many operations go into a batch per turn of the event loop (a few milliseconds' worth). */
const BUILD_CHUNK = 8192;

interface PendingWrite {
  ops: BatchOp[];
  sync: boolean;
  resolve: (writeMs: number) => void;
  reject: (err: unknown) => void;
}

/**
 * Key prefixes of the one LevelDB a member keeps. The Raft log, HardState and snapshot metadata live beside
 * MVCC data so that one ordered write stream covers both: a synced write makes every earlier write durable
 * too, which is what lets MVCC batches go unsynced (replay from the log covers a crash) while Raft writes
 * are synced.
 */
export const Prefix = {
  /** MVCC: revision → mvccpb.KeyValue (etcd's "key" bucket). */
  key: 0x6b, // 'k'
  /** Store metadata: consistent index, compaction revisions, cluster ID… (etcd's "meta" bucket). */
  meta: 0x6d, // 'm'
  /** Leases: ID → lease record (etcd's "lease" bucket). */
  lease: 0x6c, // 'l'
  /** Cluster members: ID → member record (etcd's "members" bucket). */
  member: 0x4d, // 'M'
  /** Alarms (etcd's "alarm" bucket). */
  alarm: 0x61, // 'a'
  /** Raft log entries: index → entry (etcd's WAL). */
  raftEntry: 0x77, // 'w'
  /** Raft HardState, snapshot metadata and other Raft state (etcd's WAL records and snap files). */
  raftState: 0x72, // 'r'
} as const;

/** prefixed builds a backend key from a prefix byte and the rest. */
export function prefixed(prefix: number, rest: Uint8Array | string): Buffer {
  const tail = typeof rest === 'string' ? Buffer.from(rest, 'latin1') : rest;
  const b = Buffer.allocUnsafe(1 + tail.length);
  b[0] = prefix;
  b.set(tail, 1);
  return b;
}

/** prefixRange returns the [gte, lt) bounds covering every key with the prefix. */
export function prefixRange(prefix: number): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.from([prefix]), lt: Buffer.from([prefix + 1]) };
}

/**
 * Backend is a member's LevelDB with an ordered group-commit writer: writes are applied in the order they
 * were issued, several queued writes go down as one batch, and a batch is synced if any write in it asked.
 * It fails stop: after a write fails, every write queued behind it and every later one fails with the same
 * error, so nothing issued after a lost write can reach the disk without it.
 */
export class Backend {
  readonly db: ClassicLevel<Buffer, Buffer>;
  private queue: PendingWrite[] = [];
  private flushing = false;
  /** failed is the error of the first failed write (see the class comment). */
  private failed: unknown;
  /** writes and syncs count batches written, for metrics. */
  writes = 0;
  syncs = 0;

  private constructor(
    db: ClassicLevel<Buffer, Buffer>,
    private readonly clock: Pick<Clock, 'monotonic'>,
  ) {
    this.db = db;
  }

  /** open opens (creating if needed) the LevelDB in dir; clock times the writes. */
  static async open(dir: string, clock: Pick<Clock, 'monotonic'>): Promise<Backend> {
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    return new Backend(db, clock);
  }

  /**
   * write queues ops; the promise settles once they are in LevelDB (and on disk, if sync), with how long
   * LevelDB took to write (and sync) the batch they went down in, in milliseconds: the time spent queued
   * behind earlier writes or building the batch is not in it.
   */
  write(ops: BatchOp[], sync: boolean): Promise<number> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, sync, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** barrier settles once every write issued before it is in LevelDB. */
  async barrier(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return;
    await this.write([], false);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        if (this.failed !== undefined) {
          for (const w of group) w.reject(this.failed);
          continue;
        }
        let sync = false;
        let count = 0;
        for (const w of group) {
          count += w.ops.length;
          sync ||= w.sync;
        }
        let writeMs = 0;
        try {
          if (count > 0) {
            // A chained batch: the array form of batch() clones and re-validates every operation in JS, which
            // costs about five times as much main-thread time per operation.
            // A big batch (a range delete's tombstones) is built a chunk per turn of the event loop.
            const batch = this.db.batch();
            let built = 0;
            for (const w of group) {
              for (const op of w.ops) {
                if (op.type === 'put') batch.put(op.key, op.value as Buffer);
                else batch.del(op.key);
                if (++built % BUILD_CHUNK === 0) await setImmediate();
              }
            }
            const startedAt = this.clock.monotonic();
            await batch.write({ sync });
            writeMs = this.clock.monotonic() - startedAt;
            this.writes++;
            if (sync) this.syncs++;
          } else if (sync) {
            const startedAt = this.clock.monotonic();
            await this.db.put(Buffer.from([Prefix.meta]), Buffer.alloc(0), { sync: true });
            writeMs = this.clock.monotonic() - startedAt;
            this.syncs++;
          }
          for (const w of group) w.resolve(writeMs);
        } catch (err) {
          this.failed = err;
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** get reads one key as LevelDB has it now (callers that need their own writes first await barrier()). */
  async get(key: Buffer): Promise<Buffer | undefined> {
    return this.db.get(key);
  }

  /** approximateSize estimates the bytes on disk, for Status.dbSize and the space quota. */
  async approximateSize(): Promise<number> {
    return this.db.approximateSize(Buffer.from([0]), Buffer.from([0xff]));
  }

  /** compactAll rewrites the whole keyspace, dropping deleted data (etcd's defragment). */
  async compactAll(): Promise<void> {
    await this.barrier();
    await this.db.compactRange(Buffer.from([0]), Buffer.from([0xff]));
  }

  /** close waits for the writes issued so far (whether or not they fail) and closes LevelDB. */
  async close(): Promise<void> {
    await this.barrier().catch(() => undefined);
    await this.db.close();
  }
}
