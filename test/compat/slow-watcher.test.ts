/**
 * A slow watcher never blocks writers (issue 3: "a slow watcher never blocks writers: it falls behind and
 * catches up from disk"), over real gRPC: a client opens a prefix watch and stops reading, so its HTTP/2
 * window fills and the server cannot send it anything more; 10,000 puts of 1 KiB meanwhile complete at full
 * speed. When the client reads again it gets every event, in revision order, exactly once.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, expect, it } from 'vitest';
import { EtcdGrpc, type PutResponse, type WatchResponse } from './helpers/grpc.js';
import { useStore } from './helpers/store.js';
import { describeCompat } from './helpers/tools.js';
import { metricValue } from './helpers/metrics.js';
import { waitFor } from './helpers/wait.js';

const PUTS = 10_000;
const WRITERS = 16;

describeCompat('a watcher that stops reading', ['store'], () => {
  const store = useStore({ name: 'slow-watch' });
  const channels: EtcdGrpc[] = [];
  afterAll(() => {
    for (const c of channels) c.close();
  });

  it('does not slow 10,000 puts down, and afterwards receives every event once, in order', async () => {
    const watchChannel = new EtcdGrpc(store().address);
    channels.push(watchChannel);
    const base = Number((await watchChannel.range({ key: Buffer.from('health') })).header.revision);
    const stream = watchChannel.watch();
    stream.send({ create_request: { key: Buffer.from('slow/'), range_end: Buffer.from('slow0'), start_revision: base + 1 } });
    const created: WatchResponse = await stream.next(10_000, 'the watch to be created');
    expect(created.created).toBe(true);
    const eventsAtStart = await metricValue(store().endpoint, 'etcd_debugging_mvcc_events_total');
    stream.pause();

    const writers = Array.from({ length: WRITERS }, () => new EtcdGrpc(store().address));
    channels.push(...writers);
    const value = Buffer.alloc(1024, 'v');
    let next = 0;
    let slowest = 0;
    const t0 = performance.now();
    await Promise.all(
      writers.map(async (rpc) => {
        while (next < PUTS) {
          const i = next++;
          const started = performance.now();
          await rpc.unary<PutResponse>('KV', 'Put', { key: Buffer.from(`slow/${String(i).padStart(5, '0')}`), value }, 10_000);
          slowest = Math.max(slowest, performance.now() - started);
        }
      }),
    );
    const elapsed = performance.now() - t0;
    console.log(`[slow-watcher] ${PUTS} puts of 1 KiB with a stalled watcher: ${Math.round(elapsed)} ms (${Math.round(PUTS / (elapsed / 1000))}/s), slowest put ${Math.round(slowest)} ms`);
    expect(slowest, 'a put stalled behind the watcher').toBeLessThan(2_000);
    // The stalled watcher is a slow (unsynced) one, as etcd counts it.
    const slow = 'etcd_debugging_mvcc_slow_watcher_total';
    await waitFor(async () => ((await metricValue(store().endpoint, slow)) === 1 ? true : undefined), { what: `${slow} 1`, timeoutMs: 10_000, intervalMs: 100 });

    stream.resume();
    const revisions: number[] = [];
    const keys = new Set<string>();
    const t1 = performance.now();
    while (revisions.length < PUTS) {
      const res = await stream.next(30_000, `events after ${revisions.length} of ${PUTS}`);
      for (const e of res.events) {
        expect(e.type).toBe('Put');
        revisions.push(Number(e.kv.mod_revision));
        keys.add(e.kv.key.toString());
      }
    }
    // Caught up: no slow watcher, and every event sent counted once.
    await waitFor(async () => ((await metricValue(store().endpoint, slow)) === 0 ? true : undefined), { what: `${slow} 0`, timeoutMs: 10_000, intervalMs: 100 });
    expect(await metricValue(store().endpoint, 'etcd_debugging_mvcc_events_total')).toBe(eventsAtStart + PUTS);
    stream.close();
    console.log(`[slow-watcher] the watcher caught up with ${PUTS} events in ${Math.round(performance.now() - t1)} ms`);
    expect(revisions).toEqual(Array.from({ length: PUTS }, (_, i) => base + 1 + i));
    expect(keys.size).toBe(PUTS);
  });
});
