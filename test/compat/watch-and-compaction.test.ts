/**
 * Watch stream details and automatic compaction, over raw gRPC, as etcd 3.4.23 shows them: progress
 * requests, periodic progress notifications (--experimental-watch-progress-notify-interval), fragmented
 * responses (split at --max-request-bytes plus 512 KiB), NOPUT/NODELETE filters and key ranges, cancellation, and
 * --auto-compaction-mode=periodic.
 *
 * Waits are on stream responses with deadlines, or polls with deadlines; "nothing arrives" is only ever
 * asserted over a window closed by another event (a second progress notification, a later event on a
 * sibling watch), never after a fixed sleep.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdGrpc, grpcFailure, type BidiStream, type WatchCreateRequest, type WatchRequest, type WatchResponse } from './helpers/grpc.js';
import { useStore } from './helpers/store.js';
import { describeCompat } from './helpers/tools.js';
import { waitFor } from './helpers/wait.js';

const COMPACTED = 'etcdserver: mvcc: required revision has been compacted';
/** MAX_REQUEST_BYTES is the watch store's --max-request-bytes (128 KiB). */
const MAX_REQUEST_BYTES = 131_072;
/** VALUE_BYTES is the value size of the fragment tests: one put stays under MAX_REQUEST_BYTES. */
const VALUE_BYTES = 100_000;

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
type WatchStream = BidiStream<WatchRequest, WatchResponse>;

/** EventShape is an event reduced to what the assertions compare. */
type EventShape = [type: string, key: string, modRevision: number];

const shapeEvents = (r: WatchResponse): EventShape[] => r.events.map((e) => [e.type, e.kv.key.toString(), Number(e.kv.mod_revision)]);

/** shape reduces a response to its comparable fields (events as [type, key, mod_revision]). */
function shape(r: WatchResponse): Record<string, unknown> {
  return {
    watch_id: r.watch_id,
    revision: Number(r.header.revision),
    created: r.created,
    canceled: r.canceled,
    fragment: r.fragment,
    compact_revision: r.compact_revision,
    cancel_reason: r.cancel_reason,
    events: shapeEvents(r),
  };
}

/** channelTo lazily opens one channel per store and closes it after the suite. */
function channelTo(address: () => string): () => EtcdGrpc {
  let channel: EtcdGrpc | undefined;
  afterAll(() => {
    channel?.close();
  });
  return () => (channel ??= new EtcdGrpc(address()));
}

/** create sends a WatchCreateRequest on stream and resolves to the watch ID of its created response. */
async function create(stream: WatchStream, request: WatchCreateRequest): Promise<string> {
  stream.send({ create_request: request });
  const created = await stream.next(10_000, `the created response for a watch on ${request.key.toString()}`);
  expect(created).toMatchObject({ created: true, canceled: false, events: [] });
  return created.watch_id;
}

/** currentRevision is the header revision of a linearizable Range. */
async function currentRevision(rpc: EtcdGrpc): Promise<number> {
  return Number((await rpc.range({ key: b('health') })).header.revision);
}

/** withStream opens a Watch stream for body and always closes it. */
async function withStream<T>(rpc: EtcdGrpc, body: (stream: WatchStream) => Promise<T>): Promise<T> {
  const stream = rpc.watch();
  try {
    return await body(stream);
  } finally {
    stream.close();
  }
}

describeCompat('watch stream details and automatic compaction', ['store'], () => {
  describe('watch', () => {
    const store = useStore({
      name: 'watch',
      flags: [`--max-request-bytes=${MAX_REQUEST_BYTES}`, '--experimental-watch-progress-notify-interval=1s'],
    });
    const rpc = channelTo(() => store().address);

    it('a progress request with every watcher synced answers the current revision, watch_id -1 and no events', async () => {
      await rpc().set('progress/other', 'x');
      await withStream(rpc(), async (stream) => {
        await create(stream, { key: b('progress/k') });
        await rpc().set('progress/other', 'y');
        const rev = await currentRevision(rpc());
        stream.send({ progress_request: {} });
        const progress = await stream.next(10_000, 'the progress response');
        expect(shape(progress)).toEqual({
          watch_id: '-1',
          revision: rev,
          created: false,
          canceled: false,
          fragment: false,
          compact_revision: '0',
          cancel_reason: '',
          events: [],
        });
        // the watch still delivers after it
        const put = Number((await rpc().set('progress/k', 'v')).header.revision);
        expect(shapeEvents(await stream.next(10_000, 'the event after the progress response'))).toEqual([['Put', 'progress/k', put]]);
      });
    });

    it('a progress request on a stream without watchers still answers the current revision', async () => {
      await withStream(rpc(), async (stream) => {
        const rev = await currentRevision(rpc());
        stream.send({ progress_request: {} });
        expect(shape(await stream.next(10_000, 'the progress response'))).toMatchObject({ watch_id: '-1', revision: rev, created: false, canceled: false, events: [] });
      });
    });

    it('progress_notify gets empty responses at the current revision every interval; a watch without it gets none', async () => {
      const rev = Number((await rpc().set('notify/other', 'x')).header.revision);
      const quiet = rpc().watch();
      try {
        await withStream(rpc(), async (notified) => {
          const quietId = await create(quiet, { key: b('notify/quiet') });
          const id = await create(notified, { key: b('notify/k'), progress_notify: true });
          const first = await notified.next(5_000, 'the first progress notification (interval 1 s)');
          const firstAt = Date.now();
          expect(shape(first)).toEqual({ watch_id: id, revision: rev, created: false, canceled: false, fragment: false, compact_revision: '0', cancel_reason: '', events: [] });
          const second = await notified.next(5_000, 'the second progress notification');
          expect(shape(second)).toMatchObject({ watch_id: id, revision: rev, created: false, canceled: false, events: [] });
          // one interval apart, not a burst
          expect(Date.now() - firstAt).toBeGreaterThanOrEqual(800);
          // the quiet watch saw the same two intervals pass and got nothing
          expect(quiet.responses.size, `the watch without progress_notify (id ${quietId}) got responses`).toBe(0);
          // a real event still comes to the quiet watch, and it is the first thing it gets
          const put = Number((await rpc().set('notify/quiet', 'v')).header.revision);
          expect(shape(await quiet.next(10_000, 'the quiet watch event'))).toMatchObject({ watch_id: quietId, events: [['Put', 'notify/quiet', put]] });
        });
      } finally {
        quiet.close();
      }
    });

    describe('fragment', () => {
      // etcd splits at --max-request-bytes plus its 512 KiB gRPC allowance (v3rpc grpcOverheadBytes), so
      // with 128 KiB that is 655,360 bytes: ten events of a 100,000-byte value go six, then four.
      const value = (c: string): Buffer => Buffer.alloc(VALUE_BYTES, c);

      /** takeFragments reads responses for watch id until one has fragment=false. */
      async function takeFragments(stream: WatchStream, id: string): Promise<WatchResponse[]> {
        const got: WatchResponse[] = [];
        for (;;) {
          const r = await stream.next(10_000, `fragment ${got.length + 1}`);
          expect(r.watch_id).toBe(id);
          got.push(r);
          if (!r.fragment) return got;
        }
      }

      it('a watch from a past revision gets all events in one response, or split with fragment=true on all but the last', async () => {
        const keys = Array.from({ length: 10 }, (_, i) => `frag/k${i}`);
        const revs: number[] = [];
        for (const k of keys) revs.push(Number((await rpc().put({ key: b(k), value: value('f') })).header.revision));
        const first = revs[0] as number;
        const last = revs[revs.length - 1] as number;
        const expected: EventShape[] = keys.map((k, i) => ['Put', k, revs[i] as number]);

        const whole = await withStream(rpc(), async (stream) => {
          const id = await create(stream, { key: b('frag/'), range_end: b('frag0'), start_revision: first });
          const r = await stream.next(10_000, 'the catch-up response');
          expect(r.watch_id).toBe(id);
          return r;
        });
        expect({ fragment: whole.fragment, revision: Number(whole.header.revision), events: shapeEvents(whole) }).toEqual({ fragment: false, revision: last, events: expected });

        const parts = await withStream(rpc(), async (stream) => {
          const id = await create(stream, { key: b('frag/'), range_end: b('frag0'), start_revision: first, fragment: true });
          return takeFragments(stream, id);
        });
        expect(parts.map((p) => ({ fragment: p.fragment, revision: Number(p.header.revision), events: p.events.length }))).toEqual([
          { fragment: true, revision: last, events: 6 },
          { fragment: false, revision: last, events: 4 },
        ]);
        expect(parts.flatMap(shapeEvents)).toEqual(expected);
        expect(parts.flatMap((p) => p.events.map((e) => e.kv.value.length))).toEqual(keys.map(() => VALUE_BYTES));
      });

      it('one revision whose events (a prefix delete with prev_kv) exceed the limit is fragmented only for fragment=true', async () => {
        const keys = Array.from({ length: 10 }, (_, i) => `live/k${i}`);
        for (const k of keys) await rpc().put({ key: b(k), value: value('p') });
        const streams = [rpc().watch(), rpc().watch()];
        try {
          const [split, plain] = streams as [WatchStream, WatchStream];
          const splitId = await create(split, { key: b('live/'), range_end: b('live0'), prev_kv: true, fragment: true });
          const plainId = await create(plain, { key: b('live/'), range_end: b('live0'), prev_kv: true });
          const deleted = await rpc().deleteRange({ key: b('live/'), range_end: b('live0') });
          expect(deleted.deleted).toBe('10');
          const rev = Number(deleted.header.revision);
          const expected: EventShape[] = keys.map((k) => ['Delete', k, rev]);

          const one = await plain.next(10_000, 'the unfragmented delete response');
          expect({ watch_id: one.watch_id, fragment: one.fragment, events: shapeEvents(one) }).toEqual({ watch_id: plainId, fragment: false, events: expected });
          expect(one.events.map((e) => e.prev_kv?.value.length)).toEqual(keys.map(() => VALUE_BYTES));

          const parts = await takeFragments(split, splitId);
          expect(parts.map((p) => ({ fragment: p.fragment, revision: Number(p.header.revision), events: p.events.length }))).toEqual([
            { fragment: true, revision: rev, events: 6 },
            { fragment: false, revision: rev, events: 4 },
          ]);
          expect(parts.flatMap(shapeEvents)).toEqual(expected);
          expect(parts.flatMap((p) => p.events.map((e) => e.prev_kv?.value.length))).toEqual(keys.map(() => VALUE_BYTES));
        } finally {
          for (const s of streams) s.close();
        }
      });
    });

    it('NOPUT, NODELETE and a [a, c) range each get only their events, and no empty responses', async () => {
      await withStream(rpc(), async (stream) => {
        const noPut = await create(stream, { key: b('flt/'), range_end: b('flt0'), filters: ['Noput'] });
        const noDelete = await create(stream, { key: b('flt/'), range_end: b('flt0'), filters: ['Nodelete'] });
        const range = await create(stream, { key: b('flt/a'), range_end: b('flt/c') });
        const put = async (k: string): Promise<number> => Number((await rpc().set(k, 'v')).header.revision);
        const del = async (k: string): Promise<number> => Number((await rpc().deleteRange({ key: b(k) })).header.revision);
        const r1 = await put('flt/a');
        const r2 = await put('flt/b');
        const r3 = await put('flt/c');
        const r4 = await del('flt/a');
        const r5 = await del('flt/c');
        const r6 = await put('flt/a');
        const r7 = await del('flt/b');
        const r8 = await put('flt/bb');
        // the last revision is seen by all three watches, so each one's stream is complete once it arrives
        const r9 = Number((await rpc().txn({ success: [{ request_put: { key: b('flt/a'), value: b('w') } }, { request_delete_range: { key: b('flt/bb') } }] })).header.revision);
        expect([r1, r2, r3, r4, r5, r6, r7, r8, r9]).toEqual(Array.from({ length: 9 }, (_, i) => r1 + i));

        const byWatch = new Map<string, WatchResponse[]>([noPut, noDelete, range].map((id) => [id, []]));
        const done = new Set<string>();
        while (done.size < 3) {
          const r = await stream.next(10_000, `filtered events (complete: ${[...done].join(',')})`);
          const list = byWatch.get(r.watch_id);
          expect(list, `a response for unknown watch ${r.watch_id}`).toBeDefined();
          list?.push(r);
          if (Number(r.header.revision) === r9) done.add(r.watch_id);
        }
        const view = (id: string): [number, EventShape[]][] => (byWatch.get(id) ?? []).map((r) => [Number(r.header.revision), shapeEvents(r)]);
        expect(view(noPut)).toEqual([
          [r4, [['Delete', 'flt/a', r4]]],
          [r5, [['Delete', 'flt/c', r5]]],
          [r7, [['Delete', 'flt/b', r7]]],
          [r9, [['Delete', 'flt/bb', r9]]],
        ]);
        expect(view(noDelete)).toEqual([
          [r1, [['Put', 'flt/a', r1]]],
          [r2, [['Put', 'flt/b', r2]]],
          [r3, [['Put', 'flt/c', r3]]],
          [r6, [['Put', 'flt/a', r6]]],
          [r8, [['Put', 'flt/bb', r8]]],
          [r9, [['Put', 'flt/a', r9]]],
        ]);
        expect(view(range)).toEqual([
          [r1, [['Put', 'flt/a', r1]]],
          [r2, [['Put', 'flt/b', r2]]],
          [r4, [['Delete', 'flt/a', r4]]],
          [r6, [['Put', 'flt/a', r6]]],
          [r7, [['Delete', 'flt/b', r7]]],
          [r8, [['Put', 'flt/bb', r8]]],
          [r9, [['Put', 'flt/a', r9], ['Delete', 'flt/bb', r9]]],
        ]);
      });
    });

    it('a cancel answers canceled=true for that watch; it gets nothing more while its sibling keeps working', async () => {
      await withStream(rpc(), async (stream) => {
        const a = await create(stream, { key: b('cx/a') });
        const c = await create(stream, { key: b('cx/c') });
        const ra = Number((await rpc().set('cx/a', '1')).header.revision);
        expect(shape(await stream.next(10_000, 'the event for cx/a'))).toMatchObject({ watch_id: a, events: [['Put', 'cx/a', ra]] });

        stream.send({ cancel_request: { watch_id: a } });
        const canceled = await stream.next(10_000, 'the cancel response');
        expect(shape(canceled)).toEqual({ watch_id: a, revision: ra, created: false, canceled: true, fragment: false, compact_revision: '0', cancel_reason: '', events: [] });

        await rpc().set('cx/a', '2');
        const rc = Number((await rpc().set('cx/c', '1')).header.revision);
        expect(shape(await stream.next(10_000, 'the sibling event after the cancel'))).toMatchObject({ watch_id: c, events: [['Put', 'cx/c', rc]] });
        expect(stream.responses.size).toBe(0);

        // the stream takes new watches after a cancel, with a fresh ID
        const d = await create(stream, { key: b('cx/a') });
        expect(d).not.toBe(a);
        const rd = Number((await rpc().set('cx/a', '3')).header.revision);
        expect(shape(await stream.next(10_000, 'the event for the new watch'))).toMatchObject({ watch_id: d, events: [['Put', 'cx/a', rd]] });
      });
    });

    it('on a store never compacted, a watch from -1 starts from now and one from -2 is canceled with compact_revision -1', async () => {
      await withStream(rpc(), async (stream) => {
        // etcd compares a negative start revision with its compaction revision, -1 before any compaction (no
        // test of this describe's store compacts it)
        const fromNow = await create(stream, { key: b('neg/k'), start_revision: -1 });
        const below = await create(stream, { key: b('neg/k'), start_revision: -2 });
        const canceled = await stream.next(10_000, 'the cancellation of the watch from -2');
        expect(shape(canceled)).toEqual({ watch_id: below, revision: 0, created: false, canceled: true, fragment: false, compact_revision: '-1', cancel_reason: '', events: [] });
        const r = Number((await rpc().set('neg/k', 'v')).header.revision);
        expect(shape(await stream.next(10_000, 'the live event for the watch from -1'))).toMatchObject({ watch_id: fromNow, events: [['Put', 'neg/k', r]] });
        expect(stream.responses.size).toBe(0);
      });
    });
  });

  describe('--auto-compaction-mode=periodic --auto-compaction-retention=1s', () => {
    const store = useStore({ name: 'periodic', flags: ['--auto-compaction-mode=periodic', '--auto-compaction-retention=1s'] });
    const rpc = channelTo(() => store().address);

    it('compacts old revisions on its own within a few seconds', async () => {
      const revs: number[] = [];
      for (let i = 0; i < 5; i++) revs.push(Number((await rpc().set('auto/k', String(i))).header.revision));
      const last = revs[revs.length - 1] as number;
      expect(revs[0]).toBe(2);
      const failure = await waitFor(
        async () => {
          try {
            await rpc().range({ key: b('auto/k'), revision: 2 });
            return undefined;
          } catch (err) {
            return grpcFailure(Promise.reject(err));
          }
        },
        { what: 'a Range at revision 2 to fail as compacted', timeoutMs: 10_000, intervalMs: 100 },
      );
      expect(failure).toEqual({ code: status.OUT_OF_RANGE, details: COMPACTED });

      // a watch from revision 1 learns the compaction revision
      const compactRevision = await withStream(rpc(), async (stream) => {
        await create(stream, { key: b('auto/k'), start_revision: 1 });
        const r = await stream.next(10_000, 'the compacted cancellation');
        expect(shape(r)).toMatchObject({ canceled: true, events: [] });
        return Number(r.compact_revision);
      });
      expect(compactRevision).toBeGreaterThan(2);
      expect(compactRevision).toBeLessThanOrEqual(last);
      expect(await rpc().get('auto/k')).toBe('4');
    });
  });

  describe('--auto-compaction-mode=revision --auto-compaction-retention=5', () => {
    // etcd's revision compactor looks every 5 minutes (v3compactor revInterval), so whether it compacts to
    // revision-5 is not observable within this suite's time budget; only that the flags are accepted.
    const store = useStore({ name: 'revision', flags: ['--auto-compaction-mode=revision', '--auto-compaction-retention=5'] });
    const rpc = channelTo(() => store().address);

    it('starts and serves with the flags', async () => {
      for (let i = 0; i < 10; i++) await rpc().set('rauto/k', String(i));
      expect(await rpc().get('rauto/k')).toBe('9');
    });
  });
});
