/**
 * A watch stream counts as congested — its watchers then leave their events on disk and catch up later —
 * only once 128 responses wait unsent (etcd's per-watcher buffer), not at grpc-js's own mark of 16, which one
 * Ready applying a few dozen writes reaches before the loop can flush anything — and a Ready's entries cost a
 * watch stream one response, not one per write. The store is a real
 * in-process member; the stream's transport is held by the test, which decides when queued responses leave.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { watchService } from '../../../src/store/grpc/watch-service.js';
import type * as pb from '../../../src/store/grpc/types.js';
import { silentLogger } from '../../../src/util/logger.js';
import { putOp, settle, startInProcessStore, type InProcessStore } from '../helpers/in-process-store.js';

/** HeldCall is a watch stream's server side whose written responses stay queued until flush(). */
class HeldCall extends EventEmitter {
  readonly queued: Partial<pb.WatchResponse>[] = [];
  readonly sent: Partial<pb.WatchResponse>[] = [];
  readonly metadata = { get: (): string[] => [] };

  get writableLength(): number {
    return this.queued.length;
  }

  get writableNeedDrain(): boolean {
    return this.queued.length >= 16;
  }

  /** write takes a response as the service writes it: fields at their defaults (no events) left out. */
  write(r: Partial<pb.WatchResponse>): boolean {
    this.queued.push(r);
    return this.queued.length < 16;
  }

  /** flush sends every queued response and tells the stream it drained. */
  flush(): void {
    this.sent.push(...this.queued.splice(0));
    this.emit('drain');
  }

  /** revisions lists the revisions of the events delivered so far, in order. */
  revisions(): number[] {
    return [...this.sent, ...this.queued].flatMap((r) => (r.events ?? []).map((e) => Number(e.kv!.modRevision)));
  }
}

const stores: InProcessStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
});

async function watching(): Promise<{ store: InProcessStore; call: HeldCall; replayed: () => number }> {
  const store = await startInProcessStore();
  stores.push(store);
  let replayed = 0;
  store.s.watchable.onReplay = (n) => (replayed += n);
  const call = new HeldCall();
  watchService(store.s, store.clock, silentLogger(), { progressNotifyIntervalMs: 600_000 }).Watch(call as never);
  const create: pb.WatchRequest = {
    requestUnion: 'createRequest',
    createRequest: { key: Buffer.from('k'), rangeEnd: Buffer.from('l'), startRevision: '0', progressNotify: false, filters: [], prevKv: false, watchId: '0', fragment: false },
  } as pb.WatchRequest;
  call.emit('data', create);
  call.flush();
  return { store, call, replayed: () => replayed };
}

describe('a watch stream\'s send buffer', () => {
  it('holds 100 unsent responses without its watcher falling back to disk', async () => {
    const { store, call, replayed } = await watching();
    const first = store.s.kv.currentRev + 1;
    for (let i = 0; i < 100; i++) await store.s.propose(putOp(`k${i % 7}`, `v${i}`));
    await settle(() => call.revisions().length === 100, '100 events');
    expect(call.queued.length).toBe(100);
    expect(replayed()).toBe(0);
    expect(call.revisions()).toEqual(Array.from({ length: 100 }, (_, i) => first + i));
  });

  it('at 128 unsent responses leaves the rest on disk, and catches up in order once the stream drains', async () => {
    const { store, call, replayed } = await watching();
    const first = store.s.kv.currentRev + 1;
    for (let i = 0; i < 150; i++) await store.s.propose(putOp(`k${i % 7}`, `v${i}`));
    await settle(() => call.revisions().length === 128, '128 events');
    expect(replayed()).toBe(0);
    call.flush();
    await settle(() => call.revisions().length === 150, 'the rest, from disk');
    expect(replayed()).toBeGreaterThanOrEqual(22);
    expect(call.revisions()).toEqual(Array.from({ length: 150 }, (_, i) => first + i));
  });

  it('sends the events of one Ready\'s entries as one response: 200 puts proposed at once take a few, each event once, in order', async () => {
    const { store, call, replayed } = await watching();
    const first = store.s.kv.currentRev + 1;
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.s.propose(putOp(`k${i % 7}`, `v${i}`))));
    await settle(() => call.revisions().length === 200, '200 events');
    // One response per Ready that applied entries, not one per put (200, which would have filled the buffer).
    expect(call.queued.length).toBeLessThan(20);
    expect(replayed()).toBe(0);
    expect(call.revisions()).toEqual(Array.from({ length: 200 }, (_, i) => first + i));
    // Each response reports the revision of its last event.
    for (const r of call.queued) expect(Number(r.header!.revision)).toBe(Number(r.events!.at(-1)!.kv!.modRevision));
  });
});
