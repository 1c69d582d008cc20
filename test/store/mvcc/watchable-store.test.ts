import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { WatchableStore, type WatchOptions, type WatchSink, type Watcher } from '../../../src/store/mvcc/watchable-store.js';
import type { KvStore } from '../../../src/store/mvcc/kv-store.js';
import type { MvccEvent } from '../../../src/store/mvcc/types.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TempStore, b } from './helpers.js';

const stores: TempStore[] = [];
afterEach(async () => {
  for (const t of stores.splice(0)) await t.close();
});

async function setup(): Promise<{ kv: KvStore; ws: WatchableStore }> {
  const t = new TempStore();
  stores.push(t);
  const kv = await t.open();
  return { kv, ws: new WatchableStore(kv, new ManualClock(), silentLogger()) };
}

/** RecordingSink records what a watcher receives; it can pretend to be congested. */
class RecordingSink implements WatchSink {
  got: { rev: number; type: string; key: string; value: string; prev?: string }[] = [];
  /** deliveries lists each events() call: how many events, and the revision it reported. */
  deliveries: { count: number; rev: number }[] = [];
  compactedAt: number | undefined;
  busy = false;
  private waiters: (() => void)[] = [];
  events(_w: Watcher, events: MvccEvent[], rev: number): void {
    this.deliveries.push({ count: events.length, rev });
    for (const e of events) {
      this.got.push({
        rev: e.kv.modRevision,
        type: e.type,
        key: e.kv.key.toString(),
        value: e.kv.value.toString(),
        ...(e.prevKv ? { prev: e.prevKv.value.toString() } : {}),
      });
    }
    for (const w of this.waiters.splice(0)) w();
  }
  compacted(_w: Watcher, rev: number): void {
    this.compactedAt = rev;
  }
  congested(): boolean {
    return this.busy;
  }
  /** until resolves when cond holds, re-checking on every delivery, or rejects at the deadline. */
  async until(cond: () => boolean, ws: WatchableStore, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`condition not met in ${ms} ms; got ${JSON.stringify(this.got)}`);
      ws.kick();
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
  }
}

/** watchingK sets up a store with one watcher of the keys from k to l that has seen k = 0, counting replayed events. */
async function watchingK(): Promise<{ kv: KvStore; ws: WatchableStore; sink: RecordingSink; replayed: () => number }> {
  const { kv, ws } = await setup();
  let replayed = 0;
  ws.onReplay = (n) => (replayed += n);
  const sink = new RecordingSink();
  ws.watch(opts({ key: 'k', rangeEnd: 'l' }), sink);
  write(kv, ws, (t) => t.put(b('k'), b('0'), 0n));
  return { kv, ws, sink, replayed: () => replayed };
}

function write(kv: KvStore, ws: WatchableStore, f: (t: ReturnType<KvStore['write']>) => void): number {
  const txn = kv.write();
  f(txn);
  const r = txn.end();
  ws.notify(r.rev, r.events);
  return r.rev;
}

const opts = (o: Partial<WatchOptions>): WatchOptions => ({ key: '', rangeEnd: '', startRev: 0, prevKv: false, noPut: false, noDelete: false, ...o });

describe('WatchableStore', () => {
  it('delivers matching events to a synced watcher as writes apply, with prev_kv when asked, and honours filters', async () => {
    const { kv, ws } = await setup();
    const all = new RecordingSink();
    const noDel = new RecordingSink();
    ws.watch(opts({ key: 'a', rangeEnd: 'b', prevKv: true }), all);
    ws.watch(opts({ key: 'a', rangeEnd: 'b', noDelete: true }), noDel);
    write(kv, ws, (t) => t.put(b('a1'), b('x'), 0n));
    write(kv, ws, (t) => t.put(b('zz'), b('x'), 0n));
    write(kv, ws, (t) => t.put(b('a1'), b('y'), 0n));
    write(kv, ws, (t) => t.deleteRange('a1', ''));
    expect(all.got).toEqual([
      { rev: 2, type: 'PUT', key: 'a1', value: 'x' },
      { rev: 4, type: 'PUT', key: 'a1', value: 'y', prev: 'x' },
      { rev: 5, type: 'DELETE', key: 'a1', value: '', prev: 'y' },
    ]);
    expect(noDel.got.map((e) => e.rev)).toEqual([2, 4]);
  });

  it('replays history from a past start revision, then continues live without gap or duplicate', async () => {
    const { kv, ws } = await setup();
    for (let i = 0; i < 30; i++) write(kv, ws, (t) => t.put(b(`k${i % 3}`), b(String(i)), 0n));
    const sink = new RecordingSink();
    ws.watch(opts({ key: 'k', rangeEnd: 'l', startRev: 10, prevKv: true }), sink);
    write(kv, ws, (t) => t.put(b('k0'), b('live'), 0n));
    await sink.until(() => sink.got.length === 23, ws);
    expect(sink.got.map((e) => e.rev)).toEqual(Array.from({ length: 23 }, (_, i) => i + 10));
    expect(sink.got[0]!.prev).toBe(String(10 - 2 - 3));
  });

  it('a watch from a compacted revision is answered with the compaction revision and cancelled', async () => {
    const { kv, ws } = await setup();
    for (let i = 0; i < 5; i++) write(kv, ws, (t) => t.put(b('k'), b(String(i)), 0n));
    await kv.compact(4);
    const sink = new RecordingSink();
    const w = ws.watch(opts({ key: 'k', startRev: 2 }), sink);
    expect(sink.compactedAt).toBe(4);
    expect(w.cancelled).toBe(true);
  });

  it('a congested watcher never blocks writes and later catches up in order, exactly once', async () => {
    const { kv, ws, sink, replayed } = await watchingK();
    sink.busy = true;
    for (let i = 1; i <= 50; i++) write(kv, ws, (t) => t.put(b('k'), b(String(i)), 0n));
    expect(sink.got).toHaveLength(1);
    expect(ws.watcherCount().unsynced).toBe(1);
    expect(replayed()).toBe(0);
    sink.busy = false;
    await sink.until(() => sink.got.length === 51, ws);
    // The 50 events written while it was congested came back from the backend, and were counted.
    expect(replayed()).toBe(50);
    write(kv, ws, (t) => t.put(b('k'), b('52'), 0n));
    await sink.until(() => sink.got.length === 52, ws);
    expect(replayed()).toBe(50);
    expect(sink.got.map((e) => e.value)).toEqual([...Array.from({ length: 51 }, (_, i) => String(i)), '52']);
    expect(ws.watcherCount()).toEqual({ synced: 1, unsynced: 0 });
  });

  it('gathers the events of writes applied between hold and release into one delivery per watcher, at the last revision', async () => {
    const { kv, ws } = await setup();
    const sink = new RecordingSink();
    const other = new RecordingSink();
    ws.watch(opts({ key: 'k', rangeEnd: 'l', prevKv: true }), sink);
    ws.watch(opts({ key: 'x' }), other);
    write(kv, ws, (t) => t.put(b('k1'), b('0'), 0n));
    ws.hold();
    const revs: number[] = [];
    for (let i = 1; i <= 30; i++) revs.push(write(kv, ws, (t) => t.put(b(i % 2 === 0 ? 'k1' : 'zz'), b(String(i)), 0n)));
    expect(sink.got).toHaveLength(1);
    ws.release();
    expect(sink.deliveries.slice(1)).toEqual([{ count: 15, rev: revs[29] }]);
    expect(sink.got.slice(1).map((e) => [e.value, e.prev])).toEqual(Array.from({ length: 15 }, (_, i) => [String(2 * i + 2), String(i === 0 ? 0 : 2 * i)]));
    expect(other.deliveries).toEqual([]);
    // After release, each write is delivered as it applies again.
    write(kv, ws, (t) => t.put(b('k1'), b('31'), 0n));
    expect(sink.deliveries.at(-1)).toEqual({ count: 1, rev: kv.currentRev });
    expect(ws.watcherCount()).toEqual({ synced: 2, unsynced: 0 });
  });

  it('a watcher congested at release catches up from the first held event, from disk, exactly once', async () => {
    const { kv, ws, sink, replayed } = await watchingK();
    ws.hold();
    for (let i = 1; i <= 20; i++) write(kv, ws, (t) => t.put(b('k'), b(String(i)), 0n));
    sink.busy = true;
    ws.release();
    expect(sink.got).toHaveLength(1);
    expect(ws.watcherCount().unsynced).toBe(1);
    sink.busy = false;
    await sink.until(() => sink.got.length === 21, ws);
    expect(replayed()).toBe(20);
    write(kv, ws, (t) => t.put(b('k'), b('21'), 0n));
    await sink.until(() => sink.got.length === 22, ws);
    expect(sink.got.map((e) => e.value)).toEqual(Array.from({ length: 22 }, (_, i) => String(i)));
  });

  it('a catch-up never starts inside its caller\'s turn, so it cannot flush the MVCC queue in the middle of an entry', async () => {
    const { kv, ws } = await setup();
    write(kv, ws, (t) => t.put(b('a'), b('1'), 0n));
    const drain = vi.spyOn(kv, 'drain');
    const sink = new RecordingSink();
    // A watch from the past is unsynced: registering it, and every write after it, asks for a catch-up.
    ws.watch(opts({ key: 'a', startRev: 1 }), sink);
    write(kv, ws, (t) => t.put(b('a'), b('2'), 0n));
    expect(drain).not.toHaveBeenCalled();
    await sink.until(() => sink.got.length === 2, ws);
    expect(drain).toHaveBeenCalled();
    expect(sink.got.map((e) => e.value)).toEqual(['1', '2']);
  });

  it('a watcher cancelled while its events are held gets none of them', async () => {
    const { kv, ws } = await setup();
    const sink = new RecordingSink();
    const w = ws.watch(opts({ key: 'k' }), sink);
    ws.hold();
    write(kv, ws, (t) => t.put(b('k'), b('1'), 0n));
    ws.cancel(w);
    ws.release();
    expect(sink.got).toEqual([]);
  });

  it('property: under random writes, congestion, late starts and held batches, every watcher sees each matching event once, in order, with the prev_kv a live event had', async () => {
    const seed = Number(process.env.CAPSTAN_SEED ?? 20261122);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), del: fc.boolean(), busy: fc.boolean(), watchAt: fc.boolean(), hold: fc.constantFrom<'hold' | 'release' | undefined>('hold', 'release', undefined) }), {
          minLength: 5,
          maxLength: 40,
        }),
        async (steps) => {
          const { kv, ws } = await setup();
          const watchers: { sink: RecordingSink; from: number; key: string; end: string }[] = [];
          const truth: { rev: number; key: string; type: string; prev: string }[] = [];
          for (const s of steps) {
            if (s.watchAt) {
              const sink = new RecordingSink();
              const from = Math.max(1, kv.currentRev - 2);
              ws.watch(opts({ key: 'b', rangeEnd: 'd', startRev: from, prevKv: true }), sink);
              watchers.push({ sink, from, key: 'b', end: 'd' });
            }
            for (const w of watchers) w.sink.busy = s.busy;
            // Writes applied while held (one Ready's entries) arrive in one batch at the release.
            if (s.hold === 'hold') ws.hold();
            if (s.hold === 'release') ws.release();
            const txn = kv.write();
            if (s.del) txn.deleteRange(s.key, '');
            else txn.put(b(s.key), b(`v${kv.currentRev + 1}`), 0n);
            const r = txn.end();
            ws.notify(r.rev, r.events);
            // A live event's prev_kv comes from memory; one replayed from disk must carry the same.
            for (const e of r.events) truth.push({ rev: r.rev, key: e.kv.key.toString(), type: e.type, prev: e.prevKv?.value.toString() ?? '-' });
          }
          ws.release();
          for (const w of watchers) w.sink.busy = false;
          for (const w of watchers) {
            const want = truth.filter((e) => e.rev >= w.from && e.key >= w.key && e.key < w.end).map((e) => `${e.rev}${e.type}${e.key}<${e.prev}`);
            await w.sink.until(() => w.sink.got.length >= want.length, ws);
            expect(w.sink.got.map((e) => `${e.rev}${e.type}${e.key}<${e.prev ?? '-'}`)).toEqual(want);
          }
        },
      ),
      { seed, numRuns: 25, verbose: true },
    );
  });
});
