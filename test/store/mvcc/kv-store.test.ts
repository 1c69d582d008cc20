import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/store/backend.js';
import { CompactedError, FutureRevError, StoppedError } from '../../../src/store/errors.js';
import type { CompactionTimings, KvStore } from '../../../src/store/mvcc/kv-store.js';
import type { MvccEvent } from '../../../src/store/mvcc/types.js';
import { TempStore, b } from './helpers.js';

const stores: TempStore[] = [];
async function open(): Promise<{ t: TempStore; kv: KvStore }> {
  const t = new TempStore();
  stores.push(t);
  return { t, kv: await t.open() };
}
afterEach(async () => {
  for (const t of stores.splice(0)) await t.close();
});

function put(kv: KvStore, key: string, value: string, lease = 0n): number {
  const txn = kv.write();
  txn.put(b(key), b(value), lease);
  return txn.end().rev;
}

function del(kv: KvStore, key: string, end = ''): number {
  const txn = kv.write();
  txn.deleteRange(key, end);
  return txn.end().rev;
}

/** countingTurns awaits work and counts the turns the event loop took meanwhile. */
async function countingTurns<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let counting = true;
  const count = (): void => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  const result = await work();
  counting = false;
  return { result, turns };
}

const keysOf = (r: { kvs: { key: Buffer }[] }): string[] => r.kvs.map((x) => x.key.toString());

describe('KvStore', () => {
  it('starts at revision 1; each write request gets the next revision; version and create revision follow the key', async () => {
    const { kv } = await open();
    expect(kv.currentRev).toBe(1);
    expect(put(kv, 'a', '1')).toBe(2);
    expect(put(kv, 'a', '2')).toBe(3);
    const r = await kv.range('a', '', 0, 0);
    expect(r.kvs[0]).toMatchObject({ createRevision: 2, modRevision: 3, version: 2 });
    expect(r.kvs[0]!.value.toString()).toBe('2');
  });

  it('a transaction of several writes uses one revision; a delete of nothing changes no revision', async () => {
    const { kv } = await open();
    const txn = kv.write();
    txn.put(b('x'), b('1'), 0n);
    txn.put(b('y'), b('1'), 0n);
    expect(txn.range('x', '', 0).kvs).toHaveLength(1);
    expect(txn.end().rev).toBe(2);
    expect(del(kv, 'nothing')).toBe(2);
  });

  it('range handles single keys, [start, end), "\\0" for every key after, limit and count', async () => {
    const { kv } = await open();
    for (const k of ['a', 'b', 'c', 'd']) put(kv, k, k);
    expect(keysOf(await kv.range('b', '', 0, 0))).toEqual(['b']);
    expect(keysOf(await kv.range('b', 'd', 0, 0))).toEqual(['b', 'c']);
    expect(keysOf(await kv.range('b', '\0', 0, 0))).toEqual(['b', 'c', 'd']);
    expect(keysOf(await kv.range('\0', '\0', 0, 0))).toEqual(['a', 'b', 'c', 'd']);
    const limited = await kv.range('a', '\0', 0, 2);
    expect(keysOf(limited)).toEqual(['a', 'b']);
    expect(limited.count).toBe(4);
  });

  it('reads at a past revision see the store as it was (from the backend), including deleted keys', async () => {
    const { kv } = await open();
    put(kv, 'k', 'v1'); // 2
    put(kv, 'k', 'v2'); // 3
    del(kv, 'k'); // 4
    put(kv, 'k', 'v3'); // 5
    const at = async (rev: number) => (await kv.range('k', '', rev, 0)).kvs.map((x) => x.value.toString());
    expect(await at(2)).toEqual(['v1']);
    expect(await at(3)).toEqual(['v2']);
    expect(await at(4)).toEqual([]);
    expect(await at(5)).toEqual(['v3']);
    expect((await kv.range('k', '', 5, 0)).kvs[0]).toMatchObject({ createRevision: 5, version: 1 });
    expect(() => kv.checkReadRev(6)).toThrow(FutureRevError);
  });

  it('compaction refuses reads before it, keeps reads at and after it, and deletes superseded revisions from disk', async () => {
    const { t, kv } = await open();
    for (let i = 0; i < 10; i++) put(kv, 'k', `v${i}`); // revisions 2..11
    put(kv, 'gone', 'x'); // 12
    del(kv, 'gone'); // 13
    const compacting = kv.compact(10);
    // At once, before the index and the disk are compacted (in the background): nothing below 10 is read,
    // not even a watch event's previous value (as etcd, whose read there fails).
    expect(() => kv.checkReadRev(9)).toThrow(CompactedError);
    expect(await kv.kvAt('k', 9)).toBeUndefined();
    expect((await kv.kvAt('k', 10))!.value.toString()).toBe('v8');
    await compacting;
    expect(() => kv.checkReadRev(9)).toThrow(CompactedError);
    expect(await kv.kvAt('k', 9)).toBeUndefined();
    expect((await kv.range('k', '', 10, 0)).kvs[0]!.value.toString()).toBe('v8');
    expect((await kv.range('k', '', 11, 0)).kvs[0]!.value.toString()).toBe('v9');
    expect(() => kv.compact(10)).toThrow(CompactedError);
    let onDisk = 0;
    for await (const _ of t.backend.db.keys({ gte: Buffer.from('k'), lt: Buffer.from('l') })) onDisk++;
    // Kept: k@10 (latest ≤ 10), k@11, gone@12, gone@13(tombstone).
    expect(onDisk).toBe(4);
  });

  it('a compaction that failed on disk does not hold back the next one, which deletes what the first left', async () => {
    const { t, kv } = await open();
    for (let i = 0; i < 10; i++) put(kv, 'k', `v${i}`); // revisions 2..11
    const backend = t.backend as unknown as { write: Backend['write'] };
    const write = backend.write.bind(t.backend);
    let failOnce = true;
    backend.write = (ops, sync) => {
      if (failOnce && ops.some((op) => op.type === 'del')) {
        failOnce = false;
        return Promise.reject(new Error('injected write failure'));
      }
      return write(ops, sync);
    };
    await expect(kv.compact(5)).rejects.toThrow('injected write failure');
    await expect(kv.compaction()).rejects.toThrow('injected write failure');
    await kv.compact(8);
    await kv.compaction();
    let onDisk = 0;
    for await (const _ of t.backend.db.keys({ gte: Buffer.from('k'), lt: Buffer.from('l') })) onDisk++;
    // Kept: k@8 (latest ≤ 8) to k@11.
    expect(onDisk).toBe(4);
    expect((await kv.range('k', '', 8, 0)).kvs[0]!.value.toString()).toBe('v6');
  });

  it('after a failed flush nothing more is written: every later drain and flush fails with "server stopped"', async () => {
    const { t, kv } = await open();
    put(kv, 'a', '1');
    const backend = t.backend as unknown as { write: Backend['write'] };
    const write = backend.write.bind(t.backend);
    backend.write = () => Promise.reject(new Error('injected write failure'));
    const told: unknown[] = [];
    kv.onFailure = (err) => told.push(err);
    await expect(kv.flush()).rejects.toThrow('injected write failure');
    expect(told.map((e) => (e as Error).message)).toEqual(['injected write failure']);
    backend.write = write;
    put(kv, 'b', '2');
    // The failed batch is gone from memory and cannot be put back in order: writing b's now would leave a's lost.
    expect(() => kv.drain()).toThrow(StoppedError);
    await expect(kv.flush()).rejects.toThrow(StoppedError);
    expect(() => kv.assertWritable()).toThrow(StoppedError);
    expect(told, 'told once').toHaveLength(1);
  });

  it('kvsAt answers nothing below a compaction that came while it read', async () => {
    const { kv } = await open();
    for (let i = 0; i < 6; i++) put(kv, 'k', `v${i}`); // revisions 2..7
    const reading = kv.kvsAt([
      { key: 'k', at: 3 },
      { key: 'k', at: 6 },
    ]);
    const compacting = kv.compact(5);
    expect((await reading).map((x) => x?.value.toString())).toEqual([undefined, 'v4']);
    await compacting;
  });

  it('restores index, latest values, revisions and compaction from disk', async () => {
    const { t, kv } = await open();
    put(kv, 'a', '1');
    put(kv, 'b', '1');
    del(kv, 'a');
    put(kv, 'c', '1');
    put(kv, 'c', '2');
    expect(kv.liveKeys).toBe(2);
    kv.setConsistentIndex(42);
    await kv.compact(3);
    const again = await t.reopen();
    expect(again.liveKeys).toBe(2);
    expect(again.currentRev).toBe(6);
    expect(again.consistentIndex).toBe(42);
    expect(again.compactMainRev).toBe(3);
    expect(keysOf(await again.range('a', '\0', 0, 0))).toEqual(['b', 'c']);
    expect(keysOf(await again.range('a', '\0', 3, 0))).toEqual(['a', 'b']);
    expect(put(again, 'd', '1')).toBe(7);
    expect(again.liveKeys).toBe(3);
    del(again, 'a', '\0');
    expect(again.liveKeys).toBe(0);
  });

  it('tells how a compaction went: revisions deleted, a pause per full batch of 1,000 scanned, the whole', async () => {
    const { kv } = await open();
    const seen: CompactionTimings[] = [];
    kv.onCompacted = (t) => seen.push(t);
    let rev = 0;
    for (let i = 0; i < 1500; i++) rev = put(kv, 'one', String(i));
    put(kv, 'other', 'x');
    await kv.compact(rev);
    // The 1,500 revisions up to rev scanned (one full batch of 1,000), all but the latest of "one" deleted.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.keys).toBe(1499);
    expect(seen[0]!.batchPausesMs).toHaveLength(1);
    expect(seen[0]!.totalMs).toBeGreaterThanOrEqual(seen[0]!.batchPausesMs[0]!);
    expect(seen[0]!.indexPauseMs).toBeGreaterThanOrEqual(0);
    expect(kv.liveKeys).toBe(2);
  });

  it('hashKV is equal for equal histories and changes with any write', async () => {
    const { kv: one } = await open();
    const { kv: two } = await open();
    for (const kv of [one, two]) {
      put(kv, 'a', '1');
      put(kv, 'b', '2');
      del(kv, 'a');
    }
    const h1 = await one.hashKV(0);
    expect(h1).toEqual(await two.hashKV(0));
    put(two, 'c', '3');
    expect((await two.hashKV(4)).hash).toBe(h1.hash);
    expect((await two.hashKV(0)).hash).not.toBe(h1.hash);
  });

  it('a range delete worked out ahead (prepareDelete) applies as one worked out at once, without holding the event loop', async () => {
    const { t: ta, kv: ahead } = await open();
    const { kv: atOnce } = await open();
    // More keys than one chunk of preparation, some with several lives, some outside the range.
    for (const kv of [ahead, atOnce]) {
      const txn = kv.write();
      for (let i = 0; i < 9_000; i++) txn.put(b(`r/${String(i).padStart(5, '0')}`), b('v'), 0n);
      txn.put(b('q'), b('before the range'), 0n);
      txn.put(b('s'), b('after the range'), 0n);
      txn.end();
      put(kv, 'r/00007', 'second value');
      del(kv, 'r/00008');
      put(kv, 'r/00009', 'lease', 5n);
    }
    const { result: prepared, turns } = await countingTurns(() => ahead.prepareDelete({ key: 'r/', rangeEnd: 'r0' }));
    // Three chunks of keys, and the event loop's turn between each two.
    expect(turns).toBeGreaterThanOrEqual(2);
    // Worked out, not applied: the store reads as before.
    expect((await ahead.range('r/', 'r0', 0, 0)).count).toBe(8_999);
    const ta1 = ahead.write();
    const deletedAhead = ta1.deleteRange('r/', 'r0', prepared);
    const ra = ta1.end();
    const ta2 = atOnce.write();
    const deletedAtOnce = ta2.deleteRange('r/', 'r0');
    const rb = ta2.end();
    // What was worked out ahead is what went in, not a second working out.
    expect(ra.events).toBe(prepared.deletion.events);
    expect(deletedAhead).toBe(prepared.deletion.prevs);
    expect(deletedAhead).toHaveLength(8_999);
    expect(deletedAhead).toEqual(deletedAtOnce);
    expect(ra).toEqual(rb);
    expect(ra.events.find((e) => e.prevKv!.key.toString() === 'r/00009')!.prevKv!.lease).toBe(5n);
    expect(keysOf(await ahead.range('a', '\0', 0, 0))).toEqual(['q', 's']);
    expect(await ahead.hashKV(0)).toEqual(await atOnce.hashKV(0));
    expect(put(ahead, 'r/00007', 'third life')).toBe(put(atOnce, 'r/00007', 'third life'));
    const reopened = await ta.reopen();
    expect(keysOf(await reopened.range('a', '\0', 0, 0))).toEqual(['q', 'r/00007', 's']);
    expect(keysOf(await reopened.range('r/', 'r0', ra.rev - 1, 2))).toEqual(['r/00000', 'r/00001']);
    expect(await reopened.hashKV(0)).toEqual(await atOnce.hashKV(0));
  });

  it("listed keys (a lease's) deleted with a deletion worked out ahead apply as when worked out at once, in key order", async () => {
    const { kv: ahead } = await open();
    const { kv: atOnce } = await open();
    const listed: string[] = [];
    for (const kv of [ahead, atOnce]) {
      const txn = kv.write();
      for (let i = 0; i < 9_000; i++) txn.put(b(`l/${String(i).padStart(5, '0')}`), b('v'), 7n);
      txn.put(b('l/other'), b('not listed'), 0n);
      txn.end();
    }
    for (let i = 8_999; i >= 0; i--) listed.push(`l/${String(i).padStart(5, '0')}`);
    const { result: prepared, turns } = await countingTurns(() => ahead.prepareDelete({ lease: 7n, keys: [...listed].sort() }));
    expect(turns).toBeGreaterThanOrEqual(2);
    expect((await ahead.range('l/', 'l0', 0, 0)).count).toBe(9_001);
    const ta = ahead.write();
    const deletedAhead = ta.deleteKeys(7n, listed, prepared);
    const ra = ta.end();
    const tb = atOnce.write();
    const deletedAtOnce = tb.deleteKeys(7n, listed);
    const rb = tb.end();
    expect(ra.events).toBe(prepared.deletion.events);
    expect(deletedAhead).toEqual(deletedAtOnce);
    expect(ra).toEqual(rb);
    // In key order whatever order the keys came in, each its own sub revision of one revision.
    expect(ra.events.map((e) => e.kv.key.toString())).toEqual([...listed].sort());
    expect(keysOf(await ahead.range('l/', 'l0', 0, 0))).toEqual(['l/other']);
    expect(await ahead.hashKV(0)).toEqual(await atOnce.hashKV(0));
    // Worked out before the store changed: worked out anew; worked out for a range: not used for listed keys.
    for (const kv of [ahead, atOnce]) for (const k of ['l/a', 'l/b', 'l/c']) put(kv, k, 'v', 8n);
    const stale = await ahead.prepareDelete({ lease: 8n, keys: ['l/a', 'l/b', 'l/c'] });
    for (const kv of [ahead, atOnce]) del(kv, 'l/b');
    const tc = ahead.write();
    tc.deleteKeys(8n, ['l/c', 'l/a'], stale);
    const rc = tc.end();
    expect(rc.events).not.toBe(stale.deletion.events);
    expect(rc.events.map((e) => e.kv.key.toString())).toEqual(['l/a', 'l/c']);
    put(ahead, 'l/x', 'v');
    const forRange = await ahead.prepareDelete({ key: 'l/x', rangeEnd: 'l/y' });
    const td = ahead.write();
    td.deleteKeys(0n, ['l/x'], forRange);
    const rd = td.end();
    expect(rd.events).not.toBe(forRange.deletion.events);
    expect(rd.events.map((e) => e.kv.key.toString())).toEqual(['l/x']);
    // Worked out for another lease with as many keys: not used either.
    put(ahead, 'l/y', 'v', 9n);
    const otherLease = await ahead.prepareDelete({ lease: 9n, keys: ['l/y'] });
    const te = ahead.write();
    te.deleteKeys(10n, ['l/y'], otherLease);
    expect(te.end().events).not.toBe(otherLease.deletion.events);
  });

  it('a range delete worked out before the store changed, or for another range, is worked out anew when applied', async () => {
    const { kv: ahead } = await open();
    const { kv: atOnce } = await open();
    const summary = (r: { events: MvccEvent[] }): string[] => r.events.map((e) => `${e.kv.key.toString()}@${String(e.kv.modRevision)}`);
    for (const kv of [ahead, atOnce]) for (const k of ['r/1', 'r/2', 'r/3']) put(kv, k, 'v');
    const stale = await ahead.prepareDelete({ key: 'r/', rangeEnd: 'r0' });
    for (const kv of [ahead, atOnce]) {
      put(kv, 'r/4', 'added after');
      del(kv, 'r/1');
    }
    const txn = ahead.write();
    txn.deleteRange('r/', 'r0', stale);
    const r = txn.end();
    expect(r.events).not.toBe(stale.deletion.events);
    expect(summary(r)).toEqual(['r/2@7', 'r/3@7', 'r/4@7']);
    del(atOnce, 'r/', 'r0');
    for (const kv of [ahead, atOnce]) put(kv, 'r/5', 'v');
    const other = await ahead.prepareDelete({ key: 's/', rangeEnd: 's0' });
    const txn2 = ahead.write();
    txn2.deleteRange('r/', 'r0', other);
    const r2 = txn2.end();
    expect(r2.events).not.toBe(other.deletion.events);
    expect(summary(r2)).toEqual(['r/5@9']);
    del(atOnce, 'r/', 'r0');
    expect(await ahead.hashKV(0)).toEqual(await atOnce.hashKV(0));
  });
});
