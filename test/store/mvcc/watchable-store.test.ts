import { afterEach, describe, expect, it } from 'vitest';
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
  compactedAt: number | undefined;
  busy = false;
  private waiters: (() => void)[] = [];
  events(_w: Watcher, events: MvccEvent[]): void {
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
    const { kv, ws } = await setup();
    let replayed = 0;
    ws.onReplay = (n) => (replayed += n);
    const sink = new RecordingSink();
    ws.watch(opts({ key: 'k', rangeEnd: 'l' }), sink);
    write(kv, ws, (t) => t.put(b('k'), b('0'), 0n));
    sink.busy = true;
    for (let i = 1; i <= 50; i++) write(kv, ws, (t) => t.put(b('k'), b(String(i)), 0n));
    expect(sink.got).toHaveLength(1);
    expect(ws.watcherCount().unsynced).toBe(1);
    expect(replayed).toBe(0);
    sink.busy = false;
    await sink.until(() => sink.got.length === 51, ws);
    // The 50 events written while it was congested came back from the backend, and were counted.
    expect(replayed).toBe(50);
    write(kv, ws, (t) => t.put(b('k'), b('52'), 0n));
    await sink.until(() => sink.got.length === 52, ws);
    expect(replayed).toBe(50);
    expect(sink.got.map((e) => e.value)).toEqual([...Array.from({ length: 51 }, (_, i) => String(i)), '52']);
    expect(ws.watcherCount()).toEqual({ synced: 1, unsynced: 0 });
  });

  it('property: under random writes, congestion and late starts, every watcher sees each matching event once, in order, with the prev_kv a live event had', async () => {
    const seed = Number(process.env.CAPSTAN_SEED ?? 20261122);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), del: fc.boolean(), busy: fc.boolean(), watchAt: fc.boolean() }), {
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
            const txn = kv.write();
            if (s.del) txn.deleteRange(s.key, '');
            else txn.put(b(s.key), b(`v${kv.currentRev + 1}`), 0n);
            const r = txn.end();
            ws.notify(r.rev, r.events);
            // A live event's prev_kv comes from memory; one replayed from disk must carry the same.
            for (const e of r.events) truth.push({ rev: r.rev, key: e.kv.key.toString(), type: e.type, prev: e.prevKv?.value.toString() ?? '-' });
          }
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
