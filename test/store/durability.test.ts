/**
 * Durability before acknowledgement (ARCHITECTURE "the store, end to end", step 2; etcd's raft.go: save
 * HardState and entries, fsync, then apply): the Raft log entry of a client's write is written to LevelDB in
 * a synced (fsync) batch, and the client's answer does not come before that batch has settled. kill -9 cannot
 * show this, because the page cache survives a killed process; so this test holds the synced write back and
 * watches the answer wait for it. And the other half of crash safety: replaying the log over a store that
 * already holds its effects (the consistent index is stored with them) changes nothing.
 */
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/store/backend.js';
import type * as pb from '../../src/store/grpc/types.js';
import { putOp, settle, startInProcessStore } from './helpers/in-process-store.js';

type BatchFn = (ops: { type: string; key: Buffer; value?: Buffer }[], options?: { sync?: boolean }) => Promise<void>;
interface ChainedBatch {
  put(key: Buffer, value: Buffer): ChainedBatch;
  del(key: Buffer): ChainedBatch;
  write(options?: { sync?: boolean }): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a write is durable before it is acknowledged', () => {
  it("the put's log entry goes to disk in a synced batch, and the answer waits until that batch settles", async () => {
    const { s, stop } = await startInProcessStore();
    cleanups.push(stop);
    const backend = (s as unknown as { backend: Backend }).backend;
    const db = backend.db as unknown as { batch: (...args: unknown[]) => unknown };
    const realBatch = db.batch.bind(db);
    const marker = Buffer.from('durable-marker-value');
    const batches: { sync: boolean; hasMarker: boolean }[] = [];
    let release: (() => void) | undefined;
    let held: { sync: boolean } | undefined;
    // Every write of the backend goes through one of LevelDB's two batch forms; watch both.
    const written = async (hasMarker: boolean, options: { sync?: boolean } | undefined): Promise<void> => {
      batches.push({ sync: options?.sync === true, hasMarker });
      if (hasMarker && held === undefined) {
        // The first write that carries the put: hold it as a slow fsync would.
        held = { sync: options?.sync === true };
        await new Promise<void>((resolve) => (release = resolve));
      }
    };
    db.batch = (...args: unknown[]) => {
      if (args.length > 0) {
        const [ops, options] = args as Parameters<BatchFn>;
        return written(ops.some((op) => op.value?.includes(marker) === true), options).then(() => (realBatch as unknown as BatchFn)(ops, options));
      }
      const inner = realBatch() as ChainedBatch;
      let hasMarker = false;
      const chained: ChainedBatch = {
        put(key, value) {
          if (value.includes(marker)) hasMarker = true;
          inner.put(key, value);
          return chained;
        },
        del(key) {
          inner.del(key);
          return chained;
        },
        async write(options) {
          await written(hasMarker, options);
          return inner.write(options);
        },
      };
      return chained;
    };

    let answered = false;
    const put = s.propose(putOp('durable/k', marker.toString())).then((r) => {
      answered = true;
      return r;
    });
    await settle(() => release !== undefined, 'the write of the entry');
    expect(held, 'the first batch holding the put').toEqual({ sync: true });
    // Give the server every chance to answer early: many turns of the event loop with the fsync pending.
    for (let i = 0; i < 200; i++) await yieldToIo();
    expect(answered, 'the put was answered before its log entry was synced').toBe(false);
    expect(s.kv.currentRev, 'the put was applied before its log entry was synced').toBe(1);

    release!();
    await put;
    expect(answered).toBe(true);
    expect(s.kv.currentRev).toBe(2);
    // Later batches (the MVCC apply) may be unsynced: etcd syncs the WAL, not the backend, on every write.
    expect(batches.find((b) => b.hasMarker)).toEqual({ sync: true, hasMarker: true });
  });
});

describe('replaying the log after a restart is idempotent', () => {
  it('entries at or below the consistent index are re-delivered by the core but not applied again', async () => {
    const store = await startInProcessStore();
    cleanups.push(() => store.stop());
    for (let i = 1; i <= 5; i++) await store.s.propose(putOp(`replay/k${i}`, `v${i}`));
    await store.s.propose(putOp('replay/k1', 'v1-again'));
    await store.s.propose({ request: 'deleteRange', deleteRange: { key: Buffer.from('replay/k2'), rangeEnd: Buffer.alloc(0), prevKv: false } } as pb.InternalRaftOp);
    const rev = store.s.kv.currentRev;
    const consistentIndex = store.s.kv.consistentIndex;
    const hash = (await store.s.kv.hashKV(0)).hash;
    expect(rev).toBe(8);

    // No snapshot was taken (--snapshot-count is far away), so the restarted core hands every committed
    // entry since index 1 to the store again: the whole history is replayed over the store that holds it.
    await store.restart();
    const s = store.s;
    expect(s.raftStatus().applied).toBeGreaterThanOrEqual(consistentIndex);
    expect(s.kv.consistentIndex).toBeGreaterThanOrEqual(consistentIndex);
    expect(s.kv.currentRev).toBe(rev);
    expect((await s.kv.hashKV(0)).hash).toBe(hash);
    const next = (await s.propose<pb.PutResponse>(putOp('replay/after', 'x'))).resp;
    expect(Number(next.header?.revision)).toBe(rev + 1);
  });
});
