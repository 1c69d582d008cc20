/**
 * Durability before acknowledgement (ARCHITECTURE "the store, end to end", step 2; etcd's raft.go: save
 * HardState and entries, fsync, then apply): the Raft log entry of a client's write is written to LevelDB in
 * a synced (fsync) batch, and the client's answer does not come before that batch has settled. kill -9 cannot
 * show this, because the page cache survives a killed process; so this test holds the synced write back and
 * watches the answer wait for it. And the other half of crash safety: replaying the log over a store that
 * already holds its effects (the consistent index is stored with them) changes nothing. A Ready that only moves
 * the commit index writes nothing of its own (etcd's WAL buffers such a HardState unsynced): its HardState goes
 * down with the next write, never letting the applied index on disk get ahead of the commit index there, and
 * the commit mark (its own small file, written synchronously) covers a write before the write is answered.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Prefix, prefixed, type Backend } from '../../src/store/backend.js';
import { COMMIT_MARK_FILE, decodeMark } from '../../src/store/commit-mark.js';
import { metaConsistentIndex } from '../../src/store/mvcc/kv-store.js';
import { StoreServer } from '../../src/store/server.js';
import type * as pb from '../../src/store/grpc/types.js';
import { putOp, rangeRequest, settle, startInProcessCluster, startInProcessStore } from './helpers/in-process-store.js';

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

/** DiskState is what a member's LevelDB holds of its HardState and consistent index after a batch. */
interface DiskState {
  term: number;
  commit: number;
  consistentIndex: number;
}

/**
 * watchBatches records every batch the server's backend writes, in order, with what the disk holds after it,
 * and fails at once if one takes the term or the commit index on disk back.
 */
function watchBatches(server: StoreServer): { disk: DiskState; seen: (DiskState & { onlyHardState: boolean; sync: boolean })[] } {
  const backend = (server as unknown as { backend: Backend }).backend;
  const db = backend.db as unknown as { batch: (...args: unknown[]) => unknown };
  const realBatch = db.batch.bind(db);
  const hardStateKey = prefixed(Prefix.raftState, 'hardstate');
  const disk: DiskState = { term: 0, commit: 0, consistentIndex: 0 };
  const seen: (DiskState & { onlyHardState: boolean; sync: boolean })[] = [];
  db.batch = (...args: unknown[]) => {
    expect(args, 'the backend writes chained batches only').toEqual([]);
    const inner = realBatch() as ChainedBatch;
    const after = { ...disk };
    let ops = 0;
    let hardState = false;
    const chained: ChainedBatch = {
      put(key, value) {
        ops++;
        if (key.equals(hardStateKey)) {
          hardState = true;
          after.term = Number(value.readBigUInt64BE(0));
          after.commit = Number(value.readBigUInt64BE(16));
        }
        if (key.equals(metaConsistentIndex)) after.consistentIndex = Number(value.readBigUInt64BE(0));
        inner.put(key, value);
        return chained;
      },
      del(key) {
        ops++;
        inner.del(key);
        return chained;
      },
      async write(options) {
        // Batches go down one at a time, in the order they are built.
        expect(after.term, 'the term on disk went back').toBeGreaterThanOrEqual(disk.term);
        expect(after.commit, 'the commit index on disk went back').toBeGreaterThanOrEqual(disk.commit);
        Object.assign(disk, after);
        seen.push({ ...after, onlyHardState: hardState && ops === 1, sync: options?.sync === true });
        return inner.write(options);
      },
    };
    return chained;
  };
  return { disk, seen };
}

describe('a Ready that only moves the commit index has no write of its own', () => {
  it('its HardState goes down with the MVCC flush, ahead of what was applied: no batch holds the HardState alone, and on disk the consistent index never passes the commit index', async () => {
    const store = await startInProcessStore();
    cleanups.push(() => store.stop());
    const { disk, seen } = watchBatches(store.s);
    for (let i = 0; i < 20; i++) await store.s.propose(putOp(`commit-only/k${i}`, 'v'));
    await settle(() => store.s.kv.consistentIndex === store.s.raftStatus().applied, 'the last apply');
    store.clock.advance(100);
    await settle(() => disk.consistentIndex === store.s.kv.consistentIndex, 'the last flush');
    // Each put: the synced write of its entry (a single member commits it once that is on disk), which carries
    // what the put before it applied and the commit index that moved it (before: a write of the HardState
    // alone); the last put's apply goes down in the flush after the batch interval.
    expect(seen.length).toBeGreaterThanOrEqual(20);
    expect(seen.filter((b) => b.onlyHardState)).toEqual([]);
    for (const b of seen) expect(b.consistentIndex, JSON.stringify(b)).toBeLessThanOrEqual(b.commit);
    expect(disk.commit).toBe(store.s.kv.consistentIndex);

    // Replayed after a restart from what is on disk.
    const rev = store.s.kv.currentRev;
    await store.restart();
    expect(store.s.kv.currentRev).toBe(rev);
  });

  it('what a Ready applied goes down with the next Ready\'s synced write, or on its own once the batch interval (100 ms) has passed', async () => {
    const store = await startInProcessStore();
    cleanups.push(() => store.stop());
    const { disk, seen } = watchBatches(store.s);
    const applied = (): Promise<void> => settle(() => store.s.kv.consistentIndex === store.s.raftStatus().applied, 'the apply');
    await store.s.propose(putOp('batch-interval/a', 'v'));
    await applied();
    const first = store.s.kv.consistentIndex;
    // Nothing more is written until the interval has passed on the member's clock.
    for (let i = 0; i < 20; i++) await yieldToIo();
    expect(disk.consistentIndex).toBeLessThan(first);
    store.clock.advance(99);
    for (let i = 0; i < 20; i++) await yieldToIo();
    expect(disk.consistentIndex).toBeLessThan(first);
    store.clock.advance(1);
    await settle(() => disk.consistentIndex === first, 'the flush at the batch interval');
    expect(seen.at(-1)!.sync).toBe(false);

    // The next put's synced write carries what the one before it applied: one write per put, not two.
    await store.s.propose(putOp('batch-interval/b', 'v'));
    await applied();
    const second = store.s.kv.consistentIndex;
    const before = seen.length;
    await store.s.propose(putOp('batch-interval/c', 'v'));
    await applied();
    expect(seen.slice(before)).toEqual([expect.objectContaining({ sync: true, consistentIndex: second })]);
    const rev = store.s.kv.currentRev;
    await store.restart();
    expect(store.s.kv.currentRev).toBe(rev);
  });

  it('a write is answered only once the commit mark on disk covers it, while the backend\'s commit index waits for the batch interval', async () => {
    const store = await startInProcessStore();
    cleanups.push(() => store.stop());
    const { disk } = watchBatches(store.s);
    const mark = (): number | undefined => decodeMark(readFileSync(join(store.dataDir, 'member', COMMIT_MARK_FILE)))?.index;
    for (let i = 0; i < 10; i++) {
      await store.s.propose(putOp(`commit-mark/k${i}`, 'v'));
      // Read at once after the answer: the mark was written synchronously, before it.
      expect(mark()).toBeGreaterThanOrEqual(store.s.kv.consistentIndex);
    }
    // The last put's commit index is in the backend only after the batch interval; the mark had it at once.
    expect(disk.commit).toBeLessThan(store.s.kv.consistentIndex);
    store.clock.advance(100);
    await settle(() => disk.commit === store.s.kv.consistentIndex, 'the flush at the batch interval');
    const rev = store.s.kv.currentRev;
    await store.restart();
    expect(store.s.kv.currentRev).toBe(rev);
    expect(store.s.raftStatus().commit).toBeGreaterThanOrEqual(mark()!);
  });

  it('a member bootstrapped on a new backend starts its commit mark over: a mark its data directory left behind is never taken for this log\'s', async () => {
    const store = await startInProcessStore();
    cleanups.push(() => store.stop());
    const markFile = join(store.dataDir, 'member', COMMIT_MARK_FILE);
    for (let i = 0; i < 30; i++) await store.s.propose(putOp(`old-log/k${i}`, 'v'));
    const left = decodeMark(readFileSync(markFile))!;
    expect(left.index).toBeGreaterThanOrEqual(30);
    await store.s.stop();
    // The backend goes, the mark stays: the next start bootstraps a new log under the old mark.
    rmSync(join(store.dataDir, 'member', 'db'), { recursive: true });
    await store.restart();
    expect(store.s.kv.currentRev).toBe(1);
    expect(decodeMark(readFileSync(markFile))!.index).toBeLessThan(left.index);
    await store.s.propose(putOp('new-log/a', 'v'));
    await store.restart();
    expect(store.s.raftStatus().commit).toBeLessThan(left.index);
    expect(store.s.kv.currentRev).toBe(2);
  });

  it('in a 3-member cluster under concurrent writes and Txns, the term and commit index on disk never go back on any member, and the applied index never passes the commit index', async () => {
    // Followers' acknowledgements advance the leader's commit index in Readys of their own, and commit-only
    // MsgApps do the same on followers, so HardStates are deferred on every member; Txns reading a past
    // revision are prepared before they apply. watchBatches fails the test on a batch that takes the term or
    // the commit index back.
    const cluster = await startInProcessCluster(3);
    cleanups.push(() => cluster.stop());
    const watched = cluster.members.map(watchBatches);
    const leader = cluster.leader()!;
    // Time passes at twice the real rate: heartbeats and the batch-interval flush go on, while a proposal
    // held up by a slow fsync on a loaded machine still has seconds of real time before its request timeout
    // (at 20× — 100 ms every 5 ms — it had 350 ms, and one CI run timed out).
    const ticking = setInterval(() => cluster.clock.advance(100), 50);
    try {
      const first = Number((await leader.propose<pb.PutResponse>(putOp('trio/base', 'v'))).resp.header?.revision);
      const range = rangeRequest('trio/base', { revision: String(first) });
      const pastRead = { request: 'txn', txn: { compare: [], success: [{ request: 'requestRange', requestRange: range }], failure: [] } } as pb.InternalRaftOp;
      await Promise.all([
        ...Array.from({ length: 8 }, async (_, c) => {
          for (let i = 0; i < 40; i++) await leader.propose(putOp(`trio/c${c}/${i}`, 'v'));
        }),
        ...Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 40; i++) await leader.propose(pastRead);
        }),
      ]);
      const applied = leader.kv.consistentIndex;
      await settle(() => cluster.members.every((m) => m.kv.consistentIndex >= applied), 'every member applying the writes');
    } finally {
      clearInterval(ticking);
    }
    for (const [i, w] of watched.entries()) {
      expect(w.seen.length, `member ${i}`).toBeGreaterThan(0);
      for (const b of w.seen) expect(b.consistentIndex, `member ${i}: ${JSON.stringify(b)}`).toBeLessThanOrEqual(b.commit);
    }
  });
});

/** backendWrites opens up a member's backend so a test can wrap its writes; write is the real one. */
function backendWrites(s: StoreServer): { backend: { write: Backend['write'] }; write: Backend['write'] } {
  const backend = (s as unknown as { backend: Backend }).backend as unknown as { write: Backend['write'] };
  return { backend, write: backend.write.bind(backend) };
}

/** stopped says whether the member's Raft loop has stopped. */
function stopped(s: StoreServer): boolean {
  return (s as unknown as { stopped: boolean }).stopped;
}

describe('a failed write of applied state stops the member', () => {
  it('the Raft loop stops, later proposals fail with "server stopped", and stop() writes nothing more', async () => {
    const store = await startInProcessStore();
    cleanups.push(() => store.stop());
    const { backend, write } = backendWrites(store.s);
    const unsynced: number[] = [];
    // Synced writes (the Raft log) go through; the first unsynced one (applied MVCC state) fails.
    backend.write = (ops, sync) => {
      if (sync) return write(ops, sync);
      unsynced.push(ops.length);
      return unsynced.length === 1 ? Promise.reject(new Error('injected write failure')) : write(ops, sync);
    };
    await store.s.propose(putOp('failed-flush/a', 'v'));
    await settle(() => store.s.kv.consistentIndex === store.s.raftStatus().applied, 'the apply');
    store.clock.advance(100);
    await settle(() => unsynced.length > 0, 'the flush of the apply, at the batch interval');
    await settle(() => stopped(store.s), 'the member stopping');
    await expect(store.s.propose(putOp('failed-flush/b', 'v'))).rejects.toThrow('etcdserver: server stopped');
    await store.s.stop();
    expect(unsynced, 'nothing unsynced written after the failure').toHaveLength(1);
    expect(await Promise.race([store.s.failed, 'not failed'])).toBeInstanceOf(Error);
  });

  it('a flush that fails under a reader (a historic range) stops the member at once', async () => {
    const store = await startInProcessStore();
    cleanups.push(() => store.stop());
    const first = Number((await store.s.propose<pb.PutResponse>(putOp('failed-read/k', 'v1'))).resp.header?.revision);
    await store.s.propose(putOp('failed-read/k', 'v2'));
    const { backend, write } = backendWrites(store.s);
    await (store.s as unknown as { backend: Backend }).backend.barrier();
    backend.write = (ops, sync) => (sync ? write(ops, sync) : Promise.reject(new Error('injected write failure')));
    // Applied state waiting in memory, as between an apply and its flush: the historic read flushes it first.
    store.s.kv.queue({ type: 'put', key: prefixed(Prefix.meta, 'durability-test'), value: Buffer.from('x') });
    expect(stopped(store.s)).toBe(false);
    await expect(store.s.kv.range('failed-read/k', '', first, 0)).rejects.toThrow('injected write failure');
    expect(stopped(store.s)).toBe(true);
    await expect(store.s.propose(putOp('failed-read/k', 'v4'))).rejects.toThrow('etcdserver: server stopped');
  });

  it('after a failed Raft write nothing more reaches the disk: a historic read, which flushes first, fails with "server stopped"', async () => {
    const store = await startInProcessStore();
    cleanups.push(() => store.stop());
    const first = Number((await store.s.propose<pb.PutResponse>(putOp('failed-raft/k', 'v1'))).resp.header?.revision);
    await store.s.propose(putOp('failed-raft/k', 'v2'));
    const { backend, write } = backendWrites(store.s);
    let failedOne = false;
    const after: boolean[] = [];
    // The next synced write (a Raft entry, carrying what earlier Readys applied) fails; count what follows it.
    backend.write = (ops, sync) => {
      if (failedOne) after.push(sync);
      if (sync && !failedOne) {
        failedOne = true;
        return write(ops, sync).then(() => Promise.reject(new Error('injected write failure')));
      }
      return write(ops, sync);
    };
    await expect(store.s.propose(putOp('failed-raft/k', 'v3'))).rejects.toThrow();
    await settle(() => stopped(store.s), 'the member stopping');
    await expect(store.s.kv.range('failed-raft/k', '', first, 0)).rejects.toThrow('etcdserver: server stopped');
    await store.s.stop();
    expect(after.filter((sync) => sync), 'no synced write after the failure').toEqual([]);
  });
});
