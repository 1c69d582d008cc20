/**
 * EtcdClient against one real store process (capstan, or etcd with CAPSTAN_COMPAT_TARGET=etcd): CRUD with
 * revisions, transactions (create-if-absent, compare-and-swap), watches (order, prevKv, replay, cancel,
 * compaction), leases (keep-alive past the TTL, revoke, loss), domain errors, and close() leaving nothing
 * behind. Every wait is bounded by a deadline; each test works under its own key prefix.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  CompactedError,
  EtcdClient,
  FutureRevError,
  LeaseNotFoundError,
  cmp,
  op,
  type KeepAliveResult,
  type WatchBatch,
  type Watcher,
} from '../../../src/store/client/index.js';
import { createLogger, type Logger } from '../../../src/util/logger.js';
import { useStore } from '../../compat/helpers/store.js';
import { describeCompat } from '../../compat/helpers/tools.js';
import { AsyncQueue, waitFor, withDeadline } from '../../compat/helpers/wait.js';

const s = (b: Buffer): string => b.toString('utf8');

function summarize(batches: readonly WatchBatch[]): string {
  return batches.map((b) => `@${b.revision}: ${b.events.map((e) => `${e.type} ${s(e.kv.key)}@${e.kv.modRevision}`).join(', ')}`).join('\n');
}

describeCompat('EtcdClient against one member', ['store'], () => {
  const store = useStore({ name: 'client' });
  const clients: EtcdClient[] = [];

  function newClient(logger?: Logger): EtcdClient {
    const c = new EtcdClient({ endpoints: [store().endpoint], dialTimeoutMs: 2_000, requestTimeoutMs: 5_000, ...(logger === undefined ? {} : { logger }) });
    clients.push(c);
    return c;
  }

  afterAll(() => {
    for (const c of clients) c.close();
  });

  it('put, get and delete carry revisions, versions and prevKv; get reads past revisions, limits, counts and prefixes', async () => {
    const c = newClient();
    const p1 = await c.put('crud/a', 'one');
    const g1 = await c.get('crud/a');
    expect(g1.kvs).toHaveLength(1);
    expect(g1.revision).toBe(p1.revision);
    expect(g1.kvs[0]).toMatchObject({ createRevision: p1.revision, modRevision: p1.revision, version: 1, lease: 0n });
    expect(s(g1.kvs[0]!.key)).toBe('crud/a');
    expect(s(g1.kvs[0]!.value)).toBe('one');

    const p2 = await c.put('crud/a', 'two', { prevKv: true });
    expect(p2.revision).toBe(p1.revision + 1);
    expect(p2.prevKv && s(p2.prevKv.value)).toBe('one');
    const g2 = await c.get('crud/a');
    expect(g2.kvs[0]).toMatchObject({ createRevision: p1.revision, modRevision: p2.revision, version: 2 });
    const old = await c.get('crud/a', { revision: p1.revision });
    expect(s(old.kvs[0]!.value)).toBe('one');

    await c.put('crud/b', 'bee');
    await c.put('crud/c', 'see');
    await c.put('crud0', 'outside the prefix');
    const all = await c.get('crud/', { prefix: true });
    expect(all.kvs.map((kv) => s(kv.key))).toEqual(['crud/a', 'crud/b', 'crud/c']);
    expect(all.count).toBe(3);
    expect(all.more).toBe(false);
    const limited = await c.get('crud/', { prefix: true, limit: 2 });
    expect(limited.kvs).toHaveLength(2);
    expect(limited.count).toBe(3);
    expect(limited.more).toBe(true);
    const keysOnly = await c.get('crud/', { prefix: true, keysOnly: true });
    expect(keysOnly.kvs.map((kv) => kv.value.length)).toEqual([0, 0, 0]);
    const counted = await c.get('crud/', { prefix: true, countOnly: true });
    expect(counted.kvs).toEqual([]);
    expect(counted.count).toBe(3);
    const ranged = await c.get('crud/a', { rangeEnd: 'crud/c' });
    expect(ranged.kvs.map((kv) => s(kv.key))).toEqual(['crud/a', 'crud/b']);
    const serializable = await c.get('crud/b', { serializable: true });
    expect(s(serializable.kvs[0]!.value)).toBe('bee');

    const del = await c.delete('crud/', { prefix: true, prevKv: true });
    expect(del.deleted).toBe(3);
    expect(del.prevKvs.map((kv) => s(kv.value))).toEqual(['two', 'bee', 'see']);
    expect(del.revision).toBeGreaterThan(p2.revision);
    expect((await c.get('crud/', { prefix: true })).count).toBe(0);
    const none = await c.delete('crud/a');
    expect(none.deleted).toBe(0);
    expect((await c.get('crud0')).count).toBe(1);
  });

  it('txn: create-if-absent (mod_revision == 0) succeeds once; compare-and-swap on mod_revision succeeds only with the current revision', async () => {
    const c = newClient();
    const create = () =>
      c.txn({ compare: [cmp.modRevision('txn/k', '==', 0)], success: [op.put('txn/k', 'v1')], failure: [op.get('txn/k')] });
    const first = await create();
    expect(first.succeeded).toBe(true);
    const put = first.responses[0];
    expect(put?.type).toBe('put');
    const created = first.revision;

    const second = await create();
    expect(second.succeeded).toBe(false);
    const existing = second.responses[0];
    if (existing?.type !== 'get') throw new Error(`expected a get result, got ${JSON.stringify(existing)}`);
    expect(existing.get.kvs[0]).toMatchObject({ modRevision: created, version: 1 });

    const stale = await c.txn({ compare: [cmp.modRevision('txn/k', '==', created - 1)], success: [op.put('txn/k', 'lost')], failure: [op.get('txn/k')] });
    expect(stale.succeeded).toBe(false);
    const cas = await c.txn({ compare: [cmp.modRevision('txn/k', '==', created)], success: [op.put('txn/k', 'v2', { prevKv: true })] });
    expect(cas.succeeded).toBe(true);
    expect(cas.revision).toBe(created + 1);
    const casPut = cas.responses[0];
    if (casPut?.type !== 'put') throw new Error('expected a put result');
    expect(casPut.put.prevKv && s(casPut.put.prevKv.value)).toBe('v1');
    expect(s((await c.get('txn/k')).kvs[0]!.value)).toBe('v2');

    // value, version and a delete branch; several writes of one txn share one revision
    const multi = await c.txn({
      compare: [cmp.value('txn/k', '==', 'v2'), cmp.version('txn/k', '==', 2), cmp.createRevision('txn/k', '==', created)],
      success: [op.put('txn/x', '1'), op.put('txn/y', '2'), op.delete('txn/k')],
    });
    expect(multi.succeeded).toBe(true);
    const after = await c.get('txn/', { prefix: true });
    expect(after.kvs.map((kv) => [s(kv.key), kv.modRevision])).toEqual([
      ['txn/x', multi.revision],
      ['txn/y', multi.revision],
    ]);
    // a read-only txn
    const ro = await c.txn({ compare: [cmp.version('txn/x', '>', 0)], success: [op.get('txn/', { prefix: true, countOnly: true })] });
    const count = ro.responses[0];
    if (count?.type !== 'get') throw new Error('expected a get result');
    expect(count.get.count).toBe(2);
  });

  it('watch delivers every change in revision order, with prevKv, whole transactions per batch; a replay from startRevision sees the same; cancel ends it', async () => {
    const c = newClient();
    const w = c.watch('watch/', { prefix: true, prevKv: true });
    const batches = new AsyncQueue<WatchBatch>(summarize);
    w.on('data', (b) => batches.push(b));
    const startedAt = await withDeadline(w.ready(), 5_000, 'the watch to be created');

    const a1 = await c.put('watch/a', '1');
    expect(a1.revision).toBeGreaterThan(startedAt);
    const a2 = await c.put('watch/a', '2');
    await c.put('other/a', 'not watched');
    const d = await c.delete('watch/a');
    const t = await c.txn({ success: [op.put('watch/b', 'b'), op.put('watch/c', 'c')] });

    const events = [];
    while (events.length < 5) events.push(...(await batches.shift(5_000, 'watch batches')).events);
    expect(events.map((e) => [e.type, s(e.kv.key), e.kv.modRevision])).toEqual([
      ['PUT', 'watch/a', a1.revision],
      ['PUT', 'watch/a', a2.revision],
      ['DELETE', 'watch/a', d.revision],
      ['PUT', 'watch/b', t.revision],
      ['PUT', 'watch/c', t.revision],
    ]);
    expect(events[1]?.prevKv && s(events[1].prevKv.value)).toBe('1');
    expect(events[2]?.prevKv && s(events[2].prevKv.value)).toBe('2');
    expect(w.lastDeliveredRevision).toBe(t.revision);

    // The same history, replayed from a past revision and read through the async iterator.
    const replay = c.watch('watch/', { prefix: true, startRevision: a1.revision });
    const seen: string[] = [];
    await withDeadline(
      (async () => {
        for await (const b of replay) {
          for (const e of b.events) seen.push(`${e.type} ${s(e.kv.key)}@${e.kv.modRevision}`);
          if ((b.events.at(-1)?.kv.modRevision ?? 0) >= t.revision) break;
        }
      })(),
      5_000,
      'the replayed history',
    );
    expect(seen).toEqual([`PUT watch/a@${a1.revision}`, `PUT watch/a@${a2.revision}`, `DELETE watch/a@${d.revision}`, `PUT watch/b@${t.revision}`, `PUT watch/c@${t.revision}`]);
    expect(replay.active).toBe(false);

    const closed = new Promise<void>((resolve) => w.once('close', resolve));
    w.cancel();
    await withDeadline(closed, 1_000, 'the watcher to close');
    await c.put('watch/after-cancel', 'x');
    // nothing arrives after cancel: the next put's event would have been in the queue by the time the put returns on a single member
    expect(batches.size).toBe(0);
  });

  it('a watch from a compacted revision ends with CompactedError carrying the compact revision', async () => {
    const c = newClient();
    const first = await c.put('compact/k', '1');
    await c.put('compact/k', '2');
    const third = await c.put('compact/k', '3');
    await c.compact(third.revision, true);

    const w = c.watch('compact/k', { startRevision: first.revision });
    const err = await withDeadline(
      new Promise<unknown>((resolve) => w.once('error', resolve)),
      5_000,
      'the compacted watch to fail',
    );
    expect(err).toBeInstanceOf(CompactedError);
    expect((err as CompactedError).compactRevision).toBe(third.revision);
    expect(w.active).toBe(false);
    expect(w.error).toBe(err);
    // iterating a failed watcher throws the same error
    await expect(
      (async () => {
        for await (const _ of w) return 'a batch';
        return 'done';
      })(),
    ).rejects.toBeInstanceOf(CompactedError);

    await expect(c.get('compact/k', { revision: first.revision })).rejects.toBeInstanceOf(CompactedError);
    await expect(c.compact(first.revision)).rejects.toBeInstanceOf(CompactedError);
    // from the compact revision itself, history is still there
    const ok = c.watch('compact/k', { startRevision: third.revision });
    const b = await withDeadline(new Promise<WatchBatch>((resolve) => ok.once('data', resolve)), 5_000, 'the event at the compact revision');
    expect(b.events.map((e) => e.kv.modRevision)).toEqual([third.revision]);
    ok.cancel();
  });

  it('a kept-alive lease outlives its TTL with its key; revoke deletes the key', async () => {
    const c = newClient();
    const ttl = 2;
    const id = await c.grant(ttl);
    expect(id).toBeGreaterThan(0n);
    await c.put('lease/k', 'v', { lease: id });
    const grantedAt = Date.now();
    const ka = c.keepAlive(id);
    const renewals = new AsyncQueue<KeepAliveResult>();
    ka.on('keepalive', (r) => renewals.push(r));
    ka.on('lost', (err) => renewals.end(err));
    // Renewals every ttl/3 until well past the TTL (each one is an event; the deadline bounds the wait).
    let renewed = 0;
    while (Date.now() - grantedAt < (ttl + 1.5) * 1000) {
      const r = await renewals.shift(ttl * 1000, 'a lease renewal');
      expect(r.id).toBe(id);
      expect(r.ttl).toBeGreaterThan(0);
      renewed++;
    }
    expect(renewed).toBeGreaterThanOrEqual(4);
    expect((await c.get('lease/k')).kvs[0]?.lease).toBe(id);
    const left = await c.timeToLive(id, { keys: true });
    expect(left.ttl).toBeGreaterThan(0);
    expect(left.grantedTtl).toBe(ttl);
    expect(left.keys.map(s)).toEqual(['lease/k']);

    await c.revoke(id);
    expect(ka.alive).toBe(false);
    expect(ka.lost).toBeUndefined();
    const gone = await c.get('lease/k');
    expect(gone.kvs.map((kv) => s(kv.key)), JSON.stringify(gone, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v))).toEqual([]);
    expect(gone.count).toBe(0);
    expect((await c.timeToLive(id)).ttl).toBe(-1);
    await expect(c.revoke(id)).rejects.toBeInstanceOf(LeaseNotFoundError);
  });

  it("keepAlive emits 'lost' with LeaseNotFoundError when the lease is revoked behind its back", async () => {
    const c = newClient();
    const other = newClient();
    const id = await c.grant(3);
    const ka = c.keepAlive(id);
    await withDeadline(new Promise((resolve) => ka.once('keepalive', resolve)), 5_000, 'the first renewal');
    const lost = new Promise<unknown>((resolve) => ka.once('lost', resolve));
    await other.revoke(id);
    const err = await withDeadline(lost, 5_000, "the keep-alive's 'lost'");
    expect(err).toBeInstanceOf(LeaseNotFoundError);
    expect(ka.alive).toBe(false);
  });

  it('errors are domain errors; a closed client refuses requests with ClientClosedError', async () => {
    const c = newClient();
    const { revision } = await c.put('errors/k', 'v');
    await expect(c.get('errors/k', { revision: revision + 1_000 })).rejects.toBeInstanceOf(FutureRevError);
    await expect(c.revoke(0x1234n)).rejects.toBeInstanceOf(LeaseNotFoundError);
    c.close();
    await expect(c.get('errors/k')).rejects.toBeInstanceOf(ClientClosedError);
    expect(() => c.watch('errors/k')).toThrow(ClientClosedError);
  });

  it('watches on one client share one stream; a watch survives a restart of its member, resuming after the last delivered revision', async () => {
    const logLines: string[] = [];
    const c = newClient(createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }));
    const logged = (msg: string): number => logLines.filter((l) => (JSON.parse(l) as { msg: string }).msg === msg).length;
    const opened = (): number => logged('etcd client: watch stream opened');
    // Streams opened and not broken since: while the restarted member has no leader yet, it refuses the client's
    // watch streams (they ask for one, as clientv3's), and the client opens another after a backoff.
    const live = (): number => opened() - logged('etcd client: watch stream broke');
    const watchers = ['restart/a', 'restart/b', 'restart/'].map((k) => c.watch(k, { prefix: k.endsWith('/') }));
    await withDeadline(Promise.all(watchers.map((w) => w.ready())), 5_000, 'the watches to be created');
    expect(opened()).toBe(1);
    const all = watchers[2] as Watcher;
    const seen = new AsyncQueue<WatchBatch>(summarize);
    all.on('data', (b) => seen.push(b));

    const a = await c.put('restart/a', '1');
    expect((await seen.shift(5_000, 'the first event')).events.map((e) => e.kv.modRevision)).toEqual([a.revision]);
    await store().restart();
    // the member is back: the put is retried across the reconnection, the watch re-created from a.revision + 1
    const b = await c.put('restart/b', '2');
    const after = await seen.shift(10_000, 'the event after the restart');
    expect(after.events.map((e) => `${s(e.kv.key)}@${e.kv.modRevision}`)).toEqual([`restart/b@${b.revision}`]);
    expect(all.lastDeliveredRevision).toBe(b.revision);
    expect(opened()).toBeGreaterThanOrEqual(2);
    expect(live()).toBe(1);
    for (const w of watchers) w.cancel();
  });

  describe('close()', () => {
    it('ends watchers and keep-alives and leaves no timers, sockets or channels behind', async () => {
      const count = (): number => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
      const baseline = count();
      const c = newClient();
      const w = c.watch('close/', { prefix: true });
      await withDeadline(w.ready(), 5_000, 'the watch to be created');
      const id = await c.grant(5);
      const ka = c.keepAlive(id);
      await withDeadline(new Promise((resolve) => ka.once('keepalive', resolve)), 5_000, 'the first renewal');
      const pending = c.get('close/x');
      const iterated = (async () => {
        const got: WatchBatch[] = [];
        for await (const b of w) got.push(b);
        return got;
      })();
      c.close();
      const outcome = await pending.then(() => 'answered', (err: unknown) => err);
      expect(outcome === 'answered' || outcome instanceof ClientClosedError, String(outcome)).toBe(true);
      expect(await withDeadline(iterated, 1_000, 'the iterator to finish')).toEqual([]);
      expect(w.active).toBe(false);
      expect(ka.alive).toBe(false);
      await waitFor(() => (count() <= baseline ? true : undefined), {
        what: `active resources to return to the baseline of ${baseline} (now: ${process.getActiveResourcesInfo().join(', ')})`,
        timeoutMs: 3_000,
      });
    });
  });
});
