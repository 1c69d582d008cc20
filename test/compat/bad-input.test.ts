/**
 * Bad input gets etcd's exact gRPC status and message, and the store keeps serving afterwards. The store
 * runs with --max-request-bytes=1024 and --max-txn-ops=4 so the limits are cheap to hit. Calls go over
 * @grpc/grpc-js directly: decoded with the etcd3 package's protos, or as raw bytes with identity
 * serializers for requests that are not valid protobuf at all.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdGrpc, grpcFailure, type RequestOp } from './helpers/grpc.js';
import { useStore } from './helpers/store.js';
import { describeCompat } from './helpers/tools.js';

const TOO_LARGE = 'etcdserver: request is too large';
const TOO_MANY_OPS = 'etcdserver: too many operations in txn request';
const DUPLICATE_KEY = 'etcdserver: duplicate key given in txn request';
const NO_KEY = 'etcdserver: key is not provided';
const LEASE_NOT_FOUND = 'etcdserver: requested lease not found';
const COMPACTED = 'etcdserver: mvcc: required revision has been compacted';
const FUTURE_REV = 'etcdserver: mvcc: required revision is a future revision';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const put = (key: string, value = 'v'): RequestOp => ({ request_put: { key: b(key), value: b(value) } });

describeCompat('bad input gets etcd errors and the store keeps serving', ['store'], () => {
  const store = useStore({ name: 'bad', flags: ['--max-request-bytes=1024', '--max-txn-ops=4'] });
  let channel: EtcdGrpc | undefined;
  let probes = 0;
  // created on first use, so a store that failed to start fails each test rather than a hook
  const rpc = (): EtcdGrpc => (channel ??= new EtcdGrpc(store().address));
  afterAll(() => {
    channel?.close();
  });

  /** stillServing checks that an ordinary put and get work, on the same channel. */
  async function stillServing(): Promise<void> {
    const key = `still-serving/${++probes}`;
    const r = await rpc().set(key, 'ok');
    expect(Number(r.header.revision)).toBeGreaterThan(1);
    expect(await rpc().get(key)).toBe('ok');
  }

  describe('request limits', () => {
    it('a put over --max-request-bytes is refused with "request is too large"; one under it is accepted', async () => {
      expect(await grpcFailure(rpc().put({ key: b('big/k'), value: Buffer.alloc(2048, 'x') }))).toEqual({ code: status.INVALID_ARGUMENT, details: TOO_LARGE });
      expect(await rpc().get('big/k')).toBeUndefined();
      const ok = await rpc().put({ key: b('big/k'), value: Buffer.alloc(900, 'y') });
      expect(Number(ok.header.revision)).toBeGreaterThan(1);
      expect((await rpc().get('big/k'))?.length).toBe(900);
      const txn = rpc().txn({ success: [put('big/t1', 'a'.repeat(600)), put('big/t2', 'b'.repeat(600))] });
      expect(await grpcFailure(txn)).toEqual({ code: status.INVALID_ARGUMENT, details: TOO_LARGE });
      await stillServing();
    });

    it('a txn with more operations than --max-txn-ops in any one list is refused', async () => {
      const five = ['a', 'b', 'c', 'd', 'e'].map((k) => put(`ops/${k}`));
      expect(await grpcFailure(rpc().txn({ success: five }))).toEqual({ code: status.INVALID_ARGUMENT, details: TOO_MANY_OPS });
      expect(await grpcFailure(rpc().txn({ failure: five }))).toEqual({ code: status.INVALID_ARGUMENT, details: TOO_MANY_OPS });
      const fiveCompares = ['a', 'b', 'c', 'd', 'e'].map((k) => ({ result: 'Equal' as const, target: 'Version' as const, key: b(`ops/${k}`), version: 0 }));
      expect(await grpcFailure(rpc().txn({ compare: fiveCompares, success: [put('ops/x')] }))).toEqual({ code: status.INVALID_ARGUMENT, details: TOO_MANY_OPS });
      expect((await rpc().range({ key: b('ops/'), range_end: b('ops0') })).count).toBe('0');

      // the limit is per list: 4 success and 4 failure operations are fine
      const ok = await rpc().txn({ success: five.slice(0, 4), failure: five.slice(1, 5) });
      expect(ok.succeeded).toBe(true);
      expect((await rpc().range({ key: b('ops/'), range_end: b('ops0') })).count).toBe('4');
      await stillServing();
    });

    it('a txn that puts the same key twice, or puts and deletes it, is refused', async () => {
      expect(await grpcFailure(rpc().txn({ success: [put('dup/k', '1'), put('dup/k', '2')] }))).toEqual({ code: status.INVALID_ARGUMENT, details: DUPLICATE_KEY });
      expect(await grpcFailure(rpc().txn({ success: [put('dup/k'), { request_delete_range: { key: b('dup/k') } }] }))).toEqual({
        code: status.INVALID_ARGUMENT,
        details: DUPLICATE_KEY,
      });
      expect(await grpcFailure(rpc().txn({ success: [put('dup/k'), { request_delete_range: { key: b('dup/'), range_end: b('dup0') } }] }))).toEqual({
        code: status.INVALID_ARGUMENT,
        details: DUPLICATE_KEY,
      });
      expect(await rpc().get('dup/k')).toBeUndefined();
      // the same key in the two branches is not a duplicate; reading it twice is not either
      const ok = await rpc().txn({ success: [put('dup/k', 'then'), { request_range: { key: b('dup/k') } }, { request_range: { key: b('dup/k') } }], failure: [put('dup/k', 'else')] });
      expect(ok.succeeded).toBe(true);
      expect(await rpc().get('dup/k')).toBe('then');
      await stillServing();
    });

    it('an empty key is refused by put, range, delete and inside a txn', async () => {
      const noKey = { code: status.INVALID_ARGUMENT, details: NO_KEY };
      expect(await grpcFailure(rpc().put({ key: Buffer.alloc(0), value: b('v') }))).toEqual(noKey);
      expect(await grpcFailure(rpc().range({ key: Buffer.alloc(0) }))).toEqual(noKey);
      expect(await grpcFailure(rpc().deleteRange({ key: Buffer.alloc(0) }))).toEqual(noKey);
      expect(await grpcFailure(rpc().txn({ success: [{ request_put: { key: Buffer.alloc(0), value: b('v') } }] }))).toEqual(noKey);
      await stillServing();
    });
  });

  describe('revisions', () => {
    it('range and compact below the compacted revision or beyond the current one are OUT_OF_RANGE', async () => {
      const r1 = Number((await rpc().set('rev/k', '1')).header.revision);
      const r2 = Number((await rpc().set('rev/k', '2')).header.revision);
      await rpc().compact(r2);
      expect(await grpcFailure(rpc().range({ key: b('rev/k'), revision: r1 }))).toEqual({ code: status.OUT_OF_RANGE, details: COMPACTED });
      expect((await rpc().range({ key: b('rev/k'), revision: r2 })).kvs[0]?.value.toString()).toBe('2');
      expect(await grpcFailure(rpc().range({ key: b('rev/k'), revision: r2 + 1000 }))).toEqual({ code: status.OUT_OF_RANGE, details: FUTURE_REV });
      expect(await grpcFailure(rpc().compact(r1))).toEqual({ code: status.OUT_OF_RANGE, details: COMPACTED });
      expect(await grpcFailure(rpc().compact(r2 + 1000))).toEqual({ code: status.OUT_OF_RANGE, details: FUTURE_REV });
      await stillServing();
    });

    it('a watch from a compacted (or negative) revision is created, then canceled with compact_revision; the stream stays usable', async () => {
      const r1 = Number((await rpc().set('wc/k', 'a')).header.revision);
      const r2 = Number((await rpc().set('wc/k', 'b')).header.revision);
      await rpc().compact(r2);
      const stream = rpc().watch();
      try {
        stream.send({ create_request: { key: b('wc/k'), start_revision: r1 } });
        const created = await stream.next(10_000, 'the created response');
        expect(created).toMatchObject({ created: true, canceled: false, compact_revision: '0', events: [] });
        const canceled = await stream.next(10_000, 'the cancellation for the compacted revision');
        // as etcd: revision 0 in the header and no cancel_reason; the compact_revision says it all
        expect(canceled).toMatchObject({ watch_id: created.watch_id, created: false, canceled: true, compact_revision: String(r2), cancel_reason: '', events: [] });
        expect(canceled.header.revision).toBe('0');

        // a negative start revision below the compaction revision is canceled the same way
        stream.send({ create_request: { key: b('wc/k'), start_revision: -1 } });
        const negative = await stream.next(10_000, 'the created response for a watch from -1');
        expect(negative).toMatchObject({ created: true, canceled: false });
        expect(await stream.next(10_000, 'the cancellation of the watch from -1')).toMatchObject({ watch_id: negative.watch_id, canceled: true, compact_revision: String(r2) });

        // watching from the compaction revision itself is allowed and replays its event
        stream.send({ create_request: { key: b('wc/k'), start_revision: r2 } });
        const again = await stream.next(10_000, 'the second created response');
        expect(again).toMatchObject({ created: true, canceled: false });
        expect(again.watch_id).not.toBe(created.watch_id);
        const replay = await stream.next(10_000, 'the event at the compaction revision');
        expect(replay.watch_id).toBe(again.watch_id);
        expect(replay.events.map((e) => [e.type, e.kv.value.toString(), e.kv.mod_revision])).toEqual([['Put', 'b', String(r2)]]);
        const r3 = Number((await rpc().set('wc/k', 'c')).header.revision);
        const live = await stream.next(10_000, 'the live event');
        expect(live.events.map((e) => [e.type, e.kv.value.toString(), e.kv.mod_revision])).toEqual([['Put', 'c', String(r3)]]);
      } finally {
        stream.close();
      }
      await stillServing();
    });

    it('a watch on an empty range, or with a client-chosen ID in use, is created and canceled as watch -1; the stream stays usable', async () => {
      const stream = rpc().watch();
      try {
        stream.send({ create_request: { key: b('we/b'), range_end: b('we/a') } });
        expect(await stream.next(10_000, 'the refusal of an empty range')).toMatchObject({ watch_id: '-1', created: true, canceled: true, cancel_reason: 'mvcc: watcher range is empty' });
        stream.send({ create_request: { key: b('we/a'), range_end: b('we/a') } });
        expect(await stream.next(10_000, 'the refusal of a range ending at its key')).toMatchObject({ watch_id: '-1', canceled: true, cancel_reason: 'mvcc: watcher range is empty' });
        stream.send({ create_request: { key: b('we/a'), watch_id: 7 } });
        expect(await stream.next(10_000, 'the created response for watch 7')).toMatchObject({ watch_id: '7', created: true, canceled: false });
        stream.send({ create_request: { key: b('we/b'), watch_id: 7 } });
        expect(await stream.next(10_000, 'the refusal of a second watch 7')).toMatchObject({ watch_id: '-1', created: true, canceled: true, cancel_reason: 'mvcc: duplicate watch ID provided on the WatchStream' });
        // "\0" as range_end is "from the key on", not an empty range; and watch 7 still delivers
        stream.send({ create_request: { key: b('we/'), range_end: Buffer.from([0]) } });
        const fromKey = await stream.next(10_000, 'the created response for a from-key watch');
        expect(fromKey).toMatchObject({ created: true, canceled: false });
        const r = Number((await rpc().set('we/a', 'x')).header.revision);
        const got = [await stream.next(10_000, 'an event'), await stream.next(10_000, 'another event')];
        expect(got.map((e) => [e.watch_id, e.events.map((ev) => ev.kv.mod_revision)]).sort()).toEqual([[fromKey.watch_id, [String(r)]], ['7', [String(r)]]].sort());
      } finally {
        stream.close();
      }
      await stillServing();
    });
  });

  describe('leases that do not exist', () => {
    const missing = '305441741'; // 0x1234abcd, never granted

    it('keep-alive answers TTL 0 on the stream, which stays usable for real leases', async () => {
      const stream = rpc().keepAlive();
      try {
        stream.send({ ID: missing });
        const r = await stream.next(10_000, 'the keep-alive response for a missing lease');
        expect(r).toMatchObject({ ID: missing, TTL: '0' });
        const granted = await rpc().leaseGrant(30);
        stream.send({ ID: granted.ID });
        expect(await stream.next(10_000, 'the keep-alive response for a real lease')).toMatchObject({ ID: granted.ID, TTL: '30' });
        await rpc().leaseRevoke(granted.ID);
      } finally {
        stream.close();
      }
      await stillServing();
    });

    it('time-to-live answers TTL -1 (not an error); revoke and put with the lease are NOT_FOUND', async () => {
      const ttl = await rpc().leaseTimeToLive(missing, true);
      expect(ttl).toMatchObject({ ID: missing, TTL: '-1', grantedTTL: '0', keys: [] });
      expect(Number(ttl.header.revision)).toBeGreaterThan(0);
      expect(await grpcFailure(rpc().leaseRevoke(missing))).toEqual({ code: status.NOT_FOUND, details: LEASE_NOT_FOUND });
      expect(await grpcFailure(rpc().put({ key: b('lease/k'), value: b('v'), lease: missing }))).toEqual({ code: status.NOT_FOUND, details: LEASE_NOT_FOUND });
      expect(await rpc().get('lease/k')).toBeUndefined();
      await stillServing();
    });
  });

  describe('leases with an ID the client chose', () => {
    it('a grant with a given ID gets exactly that ID; granting it again is FAILED_PRECONDITION "lease already exists"', async () => {
      const chosen = '81985529216486895'; // 0x0123456789abcdef
      const granted = await rpc().leaseGrant(30, chosen);
      expect(granted).toMatchObject({ ID: chosen, TTL: '30', error: '' });
      expect(await rpc().leaseTimeToLive(chosen)).toMatchObject({ ID: chosen, grantedTTL: '30' });
      expect(await grpcFailure(rpc().leaseGrant(60, chosen))).toEqual({ code: status.FAILED_PRECONDITION, details: 'etcdserver: lease already exists' });
      expect(await rpc().leaseTimeToLive(chosen)).toMatchObject({ ID: chosen, grantedTTL: '30' });
      await rpc().leaseRevoke(chosen);
      await stillServing();
    });
  });

  describe('maintenance', () => {
    it('MoveLeader to a member that does not exist is FAILED_PRECONDITION; to the only member it is a no-op', async () => {
      const self = (await rpc().status()).header.member_id;
      const other = String(BigInt(self) ^ 1n);
      expect(await grpcFailure(rpc().unary('Maintenance', 'MoveLeader', { targetID: other }))).toEqual({
        code: status.FAILED_PRECONDITION,
        details: 'etcdserver: bad leader transferee',
      });
      // etcd 3.4 answers with an empty MoveLeaderResponse (not even a header)
      await rpc().unary('Maintenance', 'MoveLeader', { targetID: self });
      expect((await rpc().status()).leader).toBe(self);
      await stillServing();
    });
  });

  describe('bytes that are not a valid request', () => {
    it('truncated protobuf sent raw to KV.Put is INTERNAL "grpc: error unmarshalling request: unexpected EOF"', async () => {
      // field 1 (key), length 5, but only one byte follows
      expect(await grpcFailure(rpc().raw('/etcdserverpb.KV/Put', Buffer.from([0x0a, 0x05, 0x61])))).toEqual({
        code: status.INTERNAL,
        details: 'grpc: error unmarshalling request: unexpected EOF',
      });
      // a length that runs past the end of the message
      expect(await grpcFailure(rpc().raw('/etcdserverpb.KV/Put', Buffer.from([0x0a, 0xff])))).toEqual({
        code: status.INTERNAL,
        details: 'grpc: error unmarshalling request: unexpected EOF',
      });
      await stillServing();
    });

    it('an invalid wire type is INTERNAL with an unmarshalling message', async () => {
      // tag 0x0f: field 1 with wire type 7, which does not exist
      const f = await grpcFailure(rpc().raw('/etcdserverpb.KV/Put', Buffer.from([0x0f])));
      expect(f.code).toBe(status.INTERNAL);
      expect(f.details).toMatch(/^grpc: error unmarshalling request: /);
      await stillServing();
    });

    it('raw bytes that do decode are served: an empty message is a put without a key, a hand-encoded put is stored', async () => {
      expect(await grpcFailure(rpc().raw('/etcdserverpb.KV/Put', Buffer.alloc(0)))).toEqual({ code: status.INVALID_ARGUMENT, details: NO_KEY });
      const encoded = Buffer.concat([Buffer.from([0x0a, 5]), b('raw/k'), Buffer.from([0x12, 3]), b('val')]);
      const reply = await rpc().raw('/etcdserverpb.KV/Put', encoded);
      expect(reply[0]).toBe(0x0a); // field 1: the response header
      expect(await rpc().get('raw/k')).toBe('val');
      await stillServing();
    });

    it('an unknown method is UNIMPLEMENTED', async () => {
      const f = await grpcFailure(rpc().raw('/etcdserverpb.KV/NoSuchMethod', Buffer.alloc(0)));
      expect(f.code).toBe(status.UNIMPLEMENTED);
      await stillServing();
    });
  });
});
