import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlarmStore } from '../../src/store/alarms.js';
import { Applier, type HeaderFn } from '../../src/store/apply.js';
import { CompactedError, KeyNotFoundError, LeaseExistsError, LeaseNotFoundError, NoSpaceError } from '../../src/store/errors.js';
import type * as pb from '../../src/store/grpc/types.js';
import { int64 } from '../../src/store/grpc/types.js';
import { Lessor, leaseKey } from '../../src/store/lease/lessor.js';
import type { KvStore } from '../../src/store/mvcc/kv-store.js';
import type { MvccEvent } from '../../src/store/mvcc/types.js';
import { WatchableStore, type Watcher } from '../../src/store/mvcc/watchable-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { TempStore, b } from './mvcc/helpers.js';
import { rangeRequest } from './helpers/in-process-store.js';

// ------------------------------------------------------------------------------------------ request builders

const EMPTY = Buffer.alloc(0);
/** EVERY is the range end "\0": every key from the start key on. */
const EVERY = Buffer.from([0]);

function putReq(key: string, value: string, o: Partial<pb.PutRequest> = {}): pb.PutRequest {
  return { key: b(key), value: b(value), lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false, ...o };
}


function delReq(key: string, o: Partial<pb.DeleteRangeRequest> = {}): pb.DeleteRangeRequest {
  return { key: b(key), rangeEnd: EMPTY, prevKv: false, ...o };
}

type Operand = { version: string } | { createRevision: string } | { modRevision: string } | { value: Buffer } | { lease: string };

function cmp(key: string, target: pb.CompareTarget, result: pb.CompareResult, operand: Operand, rangeEnd: Buffer = EMPTY): pb.Compare {
  const targetUnion = Object.keys(operand)[0] as pb.Compare['targetUnion'];
  return { key: b(key), rangeEnd, target, result, targetUnion, ...operand };
}

const opPut = (r: pb.PutRequest): pb.RequestOp => ({ request: 'requestPut', requestPut: r });
const opRange = (r: pb.RangeRequest): pb.RequestOp => ({ request: 'requestRange', requestRange: r });
const opDel = (r: pb.DeleteRangeRequest): pb.RequestOp => ({ request: 'requestDeleteRange', requestDeleteRange: r });
const opTxn = (t: pb.TxnRequest): pb.RequestOp => ({ request: 'requestTxn', requestTxn: t });
const txnReq = (compare: pb.Compare[], success: pb.RequestOp[] = [], failure: pb.RequestOp[] = []): pb.TxnRequest => ({ compare, success, failure });

const keysOf = (r: pb.RangeResponse): string[] => r.kvs.map((kv) => kv.key.toString());

/** The response of one Txn operation, checked to be of the expected kind. */
function asPut(r: pb.ResponseOp | undefined): pb.PutResponse {
  if (r?.response !== 'responsePut') throw new Error(`expected responsePut, got ${r?.response}`);
  return r.responsePut;
}
function asRange(r: pb.ResponseOp | undefined): pb.RangeResponse {
  if (r?.response !== 'responseRange') throw new Error(`expected responseRange, got ${r?.response}`);
  return r.responseRange;
}
function asDel(r: pb.ResponseOp | undefined): pb.DeleteRangeResponse {
  if (r?.response !== 'responseDeleteRange') throw new Error(`expected responseDeleteRange, got ${r?.response}`);
  return r.responseDeleteRange;
}
function asTxn(r: pb.ResponseOp | undefined): pb.TxnResponse {
  if (r?.response !== 'responseTxn') throw new Error(`expected responseTxn, got ${r?.response}`);
  return r.responseTxn;
}

// ------------------------------------------------------------------------------------------ fixture

const header: HeaderFn = (revision) => ({ clusterId: '100', memberId: '200', revision: int64(revision), raftTerm: '7' });
const revOnly = (revision: number): pb.ResponseHeader => ({ clusterId: '0', memberId: '0', revision: int64(revision), raftTerm: '0' });

interface Fixture {
  t: TempStore;
  kv: KvStore;
  lessor: Lessor;
  alarms: AlarmStore;
  applier: Applier;
  /** writes lists, per notified revision, the events the watchable store delivered. */
  writes: { rev: number; events: MvccEvent[] }[];
}

let fx: Fixture;

async function newFixture(): Promise<Fixture> {
  const t = new TempStore();
  const kv = await t.open();
  const clock = new ManualClock();
  const log = silentLogger();
  const watchable = new WatchableStore(kv, clock, log);
  const lessor = new Lessor(clock, 2);
  const alarms = new AlarmStore();
  const applier = new Applier(kv, watchable, lessor, alarms, header, log);
  const writes: Fixture['writes'] = [];
  watchable.watch(
    { key: '\0', rangeEnd: '\0', startRev: 0, prevKv: true, noPut: false, noDelete: false },
    { events: (_w: Watcher, events: MvccEvent[], rev: number) => writes.push({ rev, events }), compacted: () => {}, congested: () => false },
  );
  return { t, kv, lessor, alarms, applier, writes };
}

beforeEach(async () => {
  fx = await newFixture();
});

afterEach(async () => {
  await fx.t.close();
});

/** txn applies a Txn as the server does: prefetch its past-revision reads, then apply. */
async function txn(t: pb.TxnRequest): Promise<pb.TxnResponse> {
  return fx.applier.txn(t, await fx.applier.prefetch(t));
}

async function get(key: string): Promise<pb.KeyValue | undefined> {
  return (await fx.applier.range(rangeRequest(key))).kvs[0];
}

// ------------------------------------------------------------------------------------------ Put

describe('Applier.put', () => {
  it('writes each put in its own revision with the full header, and returns prevKv only when asked', async () => {
    const { applier } = fx;
    const r1 = applier.put(putReq('a', '1', { prevKv: true }));
    expect(r1).toEqual({ header: header(2), prevKv: null });
    const r2 = applier.put(putReq('a', '2'));
    expect(r2).toEqual({ header: header(3), prevKv: null });
    const r3 = applier.put(putReq('a', '3', { prevKv: true }));
    expect(r3.header).toEqual(header(4));
    expect(r3.prevKv).toEqual({ key: b('a'), value: b('2'), createRevision: '2', modRevision: '3', version: '2', lease: '0' });
    expect(await get('a')).toEqual({ key: b('a'), value: b('3'), createRevision: '2', modRevision: '4', version: '3', lease: '0' });
    expect(fx.writes.map((w) => w.rev)).toEqual([2, 3, 4]);
  });

  it('attaches the key to its lease and moves it when put with another lease or none', () => {
    const { applier, lessor } = fx;
    lessor.grant(10n, 60);
    lessor.grant(20n, 60);
    applier.put(putReq('k', 'v', { lease: '10' }));
    expect([...lessor.lookup(10n)!.keys]).toEqual(['k']);
    applier.put(putReq('k', 'v', { lease: '20' }));
    expect([...lessor.lookup(10n)!.keys]).toEqual([]);
    expect([...lessor.lookup(20n)!.keys]).toEqual(['k']);
    applier.put(putReq('k', 'v'));
    expect([...lessor.lookup(20n)!.keys]).toEqual([]);
  });

  it('ignoreValue keeps the value and takes the new lease; ignoreLease keeps the lease and takes the new value', async () => {
    const { applier, lessor } = fx;
    lessor.grant(10n, 60);
    lessor.grant(20n, 60);
    applier.put(putReq('k', 'v1', { lease: '10' }));
    const r = applier.put(putReq('k', '', { ignoreValue: true, lease: '20', prevKv: true }));
    expect(r.prevKv).toMatchObject({ value: b('v1'), lease: '10' });
    expect(await get('k')).toMatchObject({ value: b('v1'), lease: '20', version: '2' });
    expect([...lessor.lookup(10n)!.keys]).toEqual([]);
    expect([...lessor.lookup(20n)!.keys]).toEqual(['k']);
    applier.put(putReq('k', 'v2', { ignoreLease: true }));
    expect(await get('k')).toMatchObject({ value: b('v2'), lease: '20', version: '3' });
    expect([...lessor.lookup(20n)!.keys]).toEqual(['k']);
  });

  it('ignoreValue or ignoreLease on a missing key fails with KeyNotFoundError and writes nothing', async () => {
    const { applier, kv } = fx;
    expect(() => applier.put(putReq('missing', '', { ignoreValue: true }))).toThrow(KeyNotFoundError);
    expect(() => applier.put(putReq('missing', 'v', { ignoreLease: true }))).toThrow(KeyNotFoundError);
    expect(kv.currentRev).toBe(1);
    expect(await get('missing')).toBeUndefined();
    expect(fx.writes).toEqual([]);
  });

  it('a put naming a lease that does not exist fails with LeaseNotFoundError and writes nothing', async () => {
    const { applier, kv } = fx;
    applier.put(putReq('k', 'old'));
    expect(() => applier.put(putReq('k', 'new', { lease: '999' }))).toThrow(LeaseNotFoundError);
    expect(kv.currentRev).toBe(2);
    expect(await get('k')).toMatchObject({ value: b('old'), version: '1' });
    expect(applier.put(putReq('k', 'next')).header).toEqual(header(3));
  });
});

// ------------------------------------------------------------------------------------------ DeleteRange

describe('Applier.deleteRange', () => {
  it('deletes a range in one revision, returning prevKvs when asked and detaching leases', async () => {
    const { applier, lessor, kv } = fx;
    lessor.grant(10n, 60);
    applier.put(putReq('a', '1', { lease: '10' }));
    applier.put(putReq('b', '2', { lease: '10' }));
    applier.put(putReq('c', '3'));
    applier.put(putReq('d', '4'));
    const r = applier.deleteRange(delReq('a', { rangeEnd: b('d'), prevKv: true }));
    expect(r.header).toEqual(header(6));
    expect(r.deleted).toBe('3');
    expect(r.prevKvs.map((kv) => [kv.key.toString(), kv.value.toString(), kv.lease])).toEqual([
      ['a', '1', '10'],
      ['b', '2', '10'],
      ['c', '3', '0'],
    ]);
    expect([...lessor.lookup(10n)!.keys]).toEqual([]);
    expect(keysOf(await applier.range(rangeRequest('a', { rangeEnd: EVERY })))).toEqual(['d']);
    expect(kv.currentRev).toBe(6);
    expect(fx.writes.at(-1)!.events.map((e) => [e.type, e.kv.key.toString(), e.kv.modRevision])).toEqual([
      ['DELETE', 'a', 6],
      ['DELETE', 'b', 6],
      ['DELETE', 'c', 6],
    ]);
  });

  it('returns no prevKvs unless asked, and a delete of nothing changes no revision', () => {
    const { applier, kv } = fx;
    applier.put(putReq('a', '1'));
    expect(applier.deleteRange(delReq('a'))).toEqual({ header: header(3), deleted: '1', prevKvs: [] });
    expect(applier.deleteRange(delReq('a', { prevKv: true }))).toEqual({ header: header(3), deleted: '0', prevKvs: [] });
    expect(kv.currentRev).toBe(3);
  });
});

// ------------------------------------------------------------------------------------------ Range

describe('Applier.range', () => {
  /**
   * After seed(): a = u (version 2, create 3, mod 7), b = z (version 1, create 4, mod 4), c = v (version 3,
   * create 2, mod 6): every sort target orders the three keys differently, with no ties.
   */
  function seed(): void {
    const { applier } = fx;
    applier.put(putReq('c', 'x')); // 2
    applier.put(putReq('a', 'y')); // 3
    applier.put(putReq('b', 'z')); // 4
    applier.put(putReq('c', 'w')); // 5
    applier.put(putReq('c', 'v')); // 6
    applier.put(putReq('a', 'u')); // 7
  }
  const all = (o: Partial<pb.RangeRequest> = {}): pb.RangeRequest => rangeRequest('a', { rangeEnd: EVERY, ...o });

  it('returns the keys in key order with the header at the current revision', async () => {
    seed();
    const r = await fx.applier.range(all());
    expect(keysOf(r)).toEqual(['a', 'b', 'c']);
    expect(r.header).toEqual(header(7));
    expect(r.more).toBe(false);
    expect(r.count).toBe('3');
    expect(r.kvs[0]).toEqual({ key: b('a'), value: b('u'), createRevision: '3', modRevision: '7', version: '2', lease: '0' });
  });

  it.each([
    ['KEY', 'NONE', ['a', 'b', 'c']],
    ['KEY', 'ASCEND', ['a', 'b', 'c']],
    ['KEY', 'DESCEND', ['c', 'b', 'a']],
    ['VERSION', 'ASCEND', ['b', 'a', 'c']],
    ['VERSION', 'DESCEND', ['c', 'a', 'b']],
    ['CREATE', 'ASCEND', ['c', 'a', 'b']],
    ['CREATE', 'DESCEND', ['b', 'a', 'c']],
    ['MOD', 'ASCEND', ['b', 'c', 'a']],
    ['MOD', 'DESCEND', ['a', 'c', 'b']],
    ['VALUE', 'ASCEND', ['a', 'c', 'b']],
    ['VALUE', 'DESCEND', ['b', 'c', 'a']],
    // etcd: a target other than KEY with order NONE sorts ascending.
    ['VERSION', 'NONE', ['b', 'a', 'c']],
    ['CREATE', 'NONE', ['c', 'a', 'b']],
    ['MOD', 'NONE', ['b', 'c', 'a']],
    ['VALUE', 'NONE', ['a', 'c', 'b']],
  ] as const)('sorts by %s %s', async (sortTarget, sortOrder, want) => {
    seed();
    expect(keysOf(await fx.applier.range(all({ sortTarget, sortOrder })))).toEqual(want);
  });

  it('applies the limit after sorting, reporting more and the full count', async () => {
    seed();
    const first2 = await fx.applier.range(all({ limit: '2' }));
    expect(keysOf(first2)).toEqual(['a', 'b']);
    expect(first2.more).toBe(true);
    expect(first2.count).toBe('3');
    const exact = await fx.applier.range(all({ limit: '3' }));
    expect(exact.more).toBe(false);
    expect(keysOf(exact)).toEqual(['a', 'b', 'c']);
    const top = await fx.applier.range(all({ limit: '1', sortTarget: 'VERSION', sortOrder: 'DESCEND' }));
    expect(keysOf(top)).toEqual(['c']);
    expect(top.more).toBe(true);
    expect(top.count).toBe('3');
    const lastKey = await fx.applier.range(all({ limit: '1', sortTarget: 'KEY', sortOrder: 'DESCEND' }));
    expect(keysOf(lastKey)).toEqual(['c']);
  });

  it('filters by min/max mod and create revision; count stays the number of keys in range (as etcd)', async () => {
    seed();
    const cases: [Partial<pb.RangeRequest>, string[]][] = [
      [{ minModRevision: '6' }, ['a', 'c']],
      [{ maxModRevision: '6' }, ['b', 'c']],
      [{ minModRevision: '5', maxModRevision: '6' }, ['c']],
      [{ minCreateRevision: '3' }, ['a', 'b']],
      [{ maxCreateRevision: '3' }, ['a', 'c']],
      [{ minCreateRevision: '4', maxModRevision: '4' }, ['b']],
      [{ minModRevision: '8' }, []],
    ];
    for (const [filter, want] of cases) {
      const r = await fx.applier.range(all(filter));
      expect(keysOf(r), JSON.stringify(filter)).toEqual(want);
      expect(r.count).toBe('3');
    }
    const limited = await fx.applier.range(all({ minModRevision: '4', limit: '1' }));
    expect(keysOf(limited)).toEqual(['a']);
    expect(limited.more).toBe(true);
  });

  it('keysOnly drops values; countOnly drops the keys and keeps the count', async () => {
    seed();
    const ko = await fx.applier.range(all({ keysOnly: true }));
    expect(keysOf(ko)).toEqual(['a', 'b', 'c']);
    for (const kv of ko.kvs) expect(kv.value.length).toBe(0);
    expect(ko.kvs[2]).toMatchObject({ version: '3', modRevision: '6' });
    const co = await fx.applier.range(all({ countOnly: true }));
    expect(co.kvs).toEqual([]);
    expect(co.count).toBe('3');
  });

  it('reads at a past revision, and refuses compacted and future ones', async () => {
    seed();
    const old = await fx.applier.range(all({ revision: '4' }));
    expect(old.kvs.map((kv) => `${kv.key}=${kv.value}`)).toEqual(['a=y', 'b=z', 'c=x']);
    expect(old.header).toEqual(header(7));
    const { resp, physical } = fx.applier.compact({ revision: '5', physical: true });
    expect(resp.header).toEqual(header(7));
    await physical;
    await expect(fx.applier.range(all({ revision: '4' }))).rejects.toBeInstanceOf(CompactedError);
    await expect(fx.applier.range(all({ revision: '8' }))).rejects.toThrow('required revision is a future revision');
  });
});

// ------------------------------------------------------------------------------------------ Txn

describe('Applier.txn compares', () => {
  /** a = 'm' at version 2, create 2, mod 3, lease 10. */
  async function seedA(): Promise<void> {
    fx.lessor.grant(10n, 60);
    fx.applier.put(putReq('a', 'l')); // 2
    fx.applier.put(putReq('a', 'm', { lease: '10' })); // 3
  }
  const check = async (c: pb.Compare): Promise<boolean> => (await txn(txnReq([c]))).succeeded;

  it.each([
    ['VALUE', { value: b('m') }, { value: b('a') }, { value: b('z') }],
    ['VERSION', { version: '2' }, { version: '1' }, { version: '3' }],
    ['CREATE', { createRevision: '2' }, { createRevision: '1' }, { createRevision: '3' }],
    ['MOD', { modRevision: '3' }, { modRevision: '2' }, { modRevision: '4' }],
    ['LEASE', { lease: '10' }, { lease: '9' }, { lease: '11' }],
  ] as [pb.CompareTarget, Operand, Operand, Operand][])('compares %s with EQUAL, NOT_EQUAL, GREATER and LESS', async (target, same, below, above) => {
    await seedA();
    const results: pb.CompareResult[] = ['EQUAL', 'NOT_EQUAL', 'GREATER', 'LESS'];
    const table: Record<string, boolean[]> = {};
    for (const [name, operand] of [
      ['same', same],
      ['below', below],
      ['above', above],
    ] as const) {
      table[name] = [];
      for (const result of results) table[name].push(await check(cmp('a', target, result, operand)));
    }
    //                EQUAL  NOT_EQUAL GREATER LESS   (the key's value compared with the operand)
    expect(table).toEqual({
      same: [true, false, false, false],
      below: [false, true, true, false],
      above: [false, true, false, true],
    });
    expect(fx.kv.currentRev).toBe(3);
  });

  it('a value compare with an unset operand means the empty value', async () => {
    fx.applier.put(putReq('empty', ''));
    expect(await check({ key: b('empty'), rangeEnd: EMPTY, target: 'VALUE', result: 'EQUAL' })).toBe(true);
  });

  it('compares a missing key as the zero KeyValue, except that no VALUE compare succeeds', async () => {
    expect(await check(cmp('nope', 'VALUE', 'EQUAL', { value: EMPTY }))).toBe(false);
    expect(await check(cmp('nope', 'VALUE', 'NOT_EQUAL', { value: b('x') }))).toBe(false);
    expect(await check(cmp('nope', 'VALUE', 'LESS', { value: b('x') }))).toBe(false);
    expect(await check(cmp('nope', 'VERSION', 'EQUAL', { version: '0' }))).toBe(true);
    expect(await check(cmp('nope', 'VERSION', 'GREATER', { version: '0' }))).toBe(false);
    expect(await check(cmp('nope', 'CREATE', 'EQUAL', { createRevision: '0' }))).toBe(true);
    expect(await check(cmp('nope', 'MOD', 'LESS', { modRevision: '1' }))).toBe(true);
    expect(await check(cmp('nope', 'LEASE', 'EQUAL', { lease: '0' }))).toBe(true);
  });

  it('a compare with range_end holds only if every key in the range satisfies it', async () => {
    fx.applier.put(putReq('k1', 'x'));
    fx.applier.put(putReq('k2', 'x'));
    fx.applier.put(putReq('k2', 'y'));
    fx.applier.put(putReq('k3', 'x'));
    const end = b('k4');
    expect(await check(cmp('k1', 'VERSION', 'GREATER', { version: '0' }, end))).toBe(true);
    expect(await check(cmp('k1', 'VERSION', 'EQUAL', { version: '1' }, end))).toBe(false);
    expect(await check(cmp('k1', 'VERSION', 'EQUAL', { version: '1' }, b('k2')))).toBe(true);
    expect(await check(cmp('k1', 'VALUE', 'EQUAL', { value: b('x') }, end))).toBe(false);
    expect(await check(cmp('k1', 'VALUE', 'LESS', { value: b('z') }, end))).toBe(true);
    expect(await check(cmp('k1', 'MOD', 'LESS', { modRevision: '6' }, EVERY))).toBe(true);
    expect(await check(cmp('k1', 'MOD', 'LESS', { modRevision: '5' }, EVERY))).toBe(false);
    // A range with no keys compares as one missing key.
    expect(await check(cmp('x', 'VERSION', 'EQUAL', { version: '0' }, b('y')))).toBe(true);
    expect(await check(cmp('x', 'VALUE', 'EQUAL', { value: EMPTY }, b('y')))).toBe(false);
  });

  it('all compares must hold for success', async () => {
    fx.applier.put(putReq('a', '1'));
    const r = await txn(
      txnReq([cmp('a', 'VALUE', 'EQUAL', { value: b('1') }), cmp('a', 'VERSION', 'EQUAL', { version: '2' })], [opPut(putReq('s', '1'))], [opPut(putReq('f', '1'))]),
    );
    expect(r.succeeded).toBe(false);
    expect(await get('s')).toBeUndefined();
    expect(await get('f')).toBeDefined();
  });
});

describe('Applier.txn operations', () => {
  it('applies the success branch in one revision, with revision-only headers inside and the full header outside', async () => {
    fx.applier.put(putReq('a', '1')); // 2
    fx.applier.put(putReq('gone', 'x')); // 3
    const r = await txn(
      txnReq(
        [cmp('a', 'VALUE', 'EQUAL', { value: b('1') })],
        [opPut(putReq('a', '2', { prevKv: true })), opPut(putReq('b', '1')), opDel(delReq('gone')), opRange(rangeRequest('a', { rangeEnd: EVERY }))],
        [opPut(putReq('failure', '1'))],
      ),
    );
    expect(r.succeeded).toBe(true);
    expect(r.header).toEqual(header(4));
    expect(r.responses.map((x) => x.response)).toEqual(['responsePut', 'responsePut', 'responseDeleteRange', 'responseRange']);
    const [p1, p2, d, rg] = [asPut(r.responses[0]), asPut(r.responses[1]), asDel(r.responses[2]), asRange(r.responses[3])];
    expect(p1).toEqual({ header: revOnly(4), prevKv: expect.objectContaining({ value: b('1'), modRevision: '2' }) });
    expect(p2.header).toEqual(revOnly(4));
    expect(d).toEqual({ header: revOnly(4), deleted: '1', prevKvs: [] });
    // A range inside a Txn sees the Txn's own earlier writes.
    expect(rg.header).toEqual(revOnly(4));
    expect(rg.kvs.map((kv) => `${kv.key}=${kv.value}@${kv.modRevision}`)).toEqual(['a=2@4', 'b=1@4']);
    expect(fx.kv.currentRev).toBe(4);
    expect(fx.writes.map((w) => w.rev)).toEqual([2, 3, 4]);
    expect(fx.writes[2]!.events.map((e) => `${e.type} ${e.kv.key}`)).toEqual(['PUT a', 'PUT b', 'DELETE gone']);
    expect(await get('failure')).toBeUndefined();
  });

  it('a read-only Txn changes no revision', async () => {
    fx.applier.put(putReq('a', '1'));
    const r = await txn(txnReq([], [opRange(rangeRequest('a'))]));
    expect(r.header).toEqual(header(2));
    expect(r.responses[0]).toMatchObject({ response: 'responseRange', responseRange: { header: revOnly(2), count: '1' } });
    expect(fx.kv.currentRev).toBe(2);
  });

  it('serves a range at a past revision inside a Txn from the prefetched read', async () => {
    fx.applier.put(putReq('a', 'old')); // 2
    fx.applier.put(putReq('a', 'new')); // 3
    const t = txnReq([], [opPut(putReq('b', '1')), opRange(rangeRequest('a', { revision: '2' }))]);
    const prefetched = await fx.applier.prefetch(t);
    expect(prefetched.size).toBe(1);
    const r = fx.applier.txn(t, prefetched);
    const rg = asRange(r.responses[1]);
    expect(rg.kvs.map((kv) => kv.value.toString())).toEqual(['old']);
    expect(r.header).toEqual(header(4));
  });

  it('prefetch refuses a Txn reading a compacted revision before anything is written', async () => {
    fx.applier.put(putReq('a', '1')); // 2
    fx.applier.put(putReq('a', '2')); // 3
    fx.applier.put(putReq('a', '3')); // 4
    await fx.applier.compact({ revision: '3', physical: false }).physical;
    const t = txnReq([], [opPut(putReq('b', '1'))], [opRange(rangeRequest('a', { revision: '2' }))]);
    await expect(fx.applier.prefetch(t)).rejects.toBeInstanceOf(CompactedError);
    expect(fx.kv.currentRev).toBe(4);
  });

  it('judges nested compares against the store before the outer Txn (etcd semantics)', async () => {
    fx.applier.put(putReq('a', 'before')); // 2
    const r = await txn(
      txnReq(
        [cmp('a', 'VERSION', 'EQUAL', { version: '1' })],
        [
          opPut(putReq('a', 'after')),
          opTxn(
            txnReq(
              // 'a' is 'after' by now inside the Txn, but the compare sees 'before'.
              [cmp('a', 'VALUE', 'EQUAL', { value: b('before') })],
              [opPut(putReq('nested-success', '1')), opRange(rangeRequest('a'))],
              [opPut(putReq('nested-failure', '1'))],
            ),
          ),
        ],
      ),
    );
    expect(r.succeeded).toBe(true);
    expect(r.header).toEqual(header(3));
    const nested = asTxn(r.responses[1]);
    expect(nested.succeeded).toBe(true);
    expect(nested.header).toEqual(revOnly(3));
    expect([asPut(nested.responses[0]).header, asRange(nested.responses[1]).header]).toEqual([revOnly(3), revOnly(3)]);
    // The nested range runs after the outer put and sees it.
    expect(asRange(nested.responses[1]).kvs[0]!.value.toString()).toBe('after');
    expect(await get('nested-success')).toMatchObject({ modRevision: '3' });
    expect(await get('nested-failure')).toBeUndefined();
    expect(fx.kv.currentRev).toBe(3);
  });

  it('takes the failure branch of a nested Txn as its compares decide', async () => {
    const r = await txn(
      txnReq(
        [cmp('x', 'VERSION', 'GREATER', { version: '0' })],
        [opPut(putReq('outer-success', '1'))],
        [opTxn(txnReq([cmp('x', 'VERSION', 'EQUAL', { version: '0' })], [opPut(putReq('y', '1'))], [opPut(putReq('z', '1'))]))],
      ),
    );
    expect(r.succeeded).toBe(false);
    expect(asTxn(r.responses[0]).succeeded).toBe(true);
    expect(await get('y')).toBeDefined();
    expect(await get('z')).toBeUndefined();
    expect(await get('outer-success')).toBeUndefined();
  });

  it('a Txn whose put names a missing lease fails whole: nothing written, no revision used', async () => {
    fx.applier.put(putReq('a', '1')); // 2
    const writesBefore = fx.writes.length;
    const t = txnReq([], [opPut(putReq('a', '2')), opDel(delReq('a', { rangeEnd: EVERY })), opTxn(txnReq([], [opPut(putReq('n', '1', { lease: '404' }))]))]);
    await expect(txn(t)).rejects.toBeInstanceOf(LeaseNotFoundError);
    expect(fx.kv.currentRev).toBe(2);
    expect(await get('a')).toMatchObject({ value: b('1'), modRevision: '2' });
    expect(await get('n')).toBeUndefined();
    expect(fx.writes.length).toBe(writesBefore);
    // The store is intact: the next write takes the next revision.
    expect(fx.applier.put(putReq('a', '3')).header).toEqual(header(3));
  });

  it('a Txn whose put has ignore_value on a missing key fails whole with KeyNotFoundError', async () => {
    const t = txnReq([], [opPut(putReq('b', '1')), opPut(putReq('missing', '', { ignoreValue: true }))]);
    await expect(txn(t)).rejects.toBeInstanceOf(KeyNotFoundError);
    expect(fx.kv.currentRev).toBe(1);
    expect(await get('b')).toBeUndefined();
  });

  it('a put with a missing lease on the branch not taken does not fail the Txn', async () => {
    const r = await txn(txnReq([cmp('a', 'VERSION', 'EQUAL', { version: '0' })], [opPut(putReq('ok', '1'))], [opPut(putReq('bad', '1', { lease: '404' }))]));
    expect(r.succeeded).toBe(true);
    expect(await get('ok')).toBeDefined();
  });
});

// ------------------------------------------------------------------------------------------ Lease

describe('Applier.txn range deletes worked out ahead', () => {
  const second: Fixture[] = [];
  afterEach(async () => {
    for (const f of second.splice(0)) await f.t.close();
  });

  /** both builds the same store in fx (applied with prepare) and in a second fixture (worked out at once). */
  async function both(build: (f: Fixture) => void): Promise<Fixture> {
    const atOnce = await newFixture();
    second.push(atOnce);
    for (const f of [fx, atOnce]) build(f);
    return atOnce;
  }

  const fill = (f: Fixture): void => {
    const success: pb.RequestOp[] = [];
    for (let i = 0; i < 9_000; i++) success.push(opPut(putReq(`r/${String(i).padStart(5, '0')}`, 'v')));
    f.applier.txn(txnReq([], success), new Map());
    f.applier.put(putReq('p', '1'));
    f.applier.put(putReq('solo', 's'));
    for (const k of ['x/1', 'x/2', 'x/3']) f.applier.put(putReq(k, 'x'));
  };

  const summary = (f: Fixture): string[] => f.writes.flatMap((w) => w.events.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`));

  it('apply at the sub revisions the Txn\'s earlier changes leave, as when worked out at once, nested ones too', async () => {
    const atOnce = await both(fill);
    const t = txnReq(
      [cmp('p', 'VERSION', 'GREATER', { version: '0' })],
      [
        opPut(putReq('p', '2')),
        opDel(delReq('r/', { rangeEnd: b('r0'), prevKv: true })),
        opDel(delReq('solo')),
        opTxn(txnReq([], [opDel(delReq('x/', { rangeEnd: b('x0') }))], [opPut(putReq('nested failure', '1'))])),
        opPut(putReq('q', '1')),
      ],
      [opDel(delReq('p', { rangeEnd: EVERY }))],
    );
    const prepared = await fx.applier.prepare({ request: 'txn', txn: t } as pb.InternalRaftRequest);
    if (prepared?.request !== 'txn') throw new Error('a Txn prepares its reads and deletes');
    // The two range deletes on the branches taken, not the one on the failure branch.
    expect([...prepared.deletes.values()].map((d) => [d.target, d.sub, d.deletion.entries.length])).toEqual([
      [{ key: 'r/', rangeEnd: 'r0' }, 1, 9_000],
      [{ key: 'x/', rangeEnd: 'x0' }, 9_002, 3],
    ]);
    expect(fx.kv.currentRev).toBe(atOnce.kv.currentRev);
    const ahead = fx.applier.txn(t, prepared.reads, prepared.deletes);
    const worked = atOnce.applier.txn(t, await atOnce.applier.prefetch(t));
    expect(ahead).toEqual(worked);
    expect(asDel(ahead.responses[1]).deleted).toBe('9000');
    expect(asDel(ahead.responses[1]).prevKvs).toHaveLength(9_000);
    // What was worked out ahead went in, not a second working out.
    const events = fx.writes.at(-1)!.events;
    const rDeletes = [...prepared.deletes.values()][0]!.deletion.events;
    expect(events[1]).toBe(rDeletes[0]);
    expect(events[9_000]).toBe(rDeletes[8_999]);
    expect(summary(fx)).toEqual(summary(atOnce));
    expect(events.map((e) => e.kv.key.toString()).slice(-5)).toEqual(['solo', 'x/1', 'x/2', 'x/3', 'q']);
    expect(events[9_002]).toBe([...prepared.deletes.values()][1]!.deletion.events[0]);
    expect(await fx.kv.hashKV(0)).toEqual(await atOnce.kv.hashKV(0));
  });

  it('overlapping deletes are worked out as the earlier ones leave the store: each key once, every one used', async () => {
    const atOnce = await both(fill);
    const overlapping = txnReq([], [
      opDel(delReq('solo')),
      opDel(delReq('r/', { rangeEnd: b('t') })),
      opDel(delReq('r/00100', { rangeEnd: b('r/00200') })),
      opDel(delReq('x/', { rangeEnd: b('x0') })),
    ]);
    const prepared = await fx.applier.prepare({ request: 'txn', txn: overlapping } as pb.InternalRaftRequest);
    if (prepared?.request !== 'txn') throw new Error('a Txn prepares its reads and deletes');
    // 'solo' lies in r/…t too: deleted first on its own, left out of the range after it.
    expect([...prepared.deletes.values()].map((d) => [d.sub, d.deletion.entries.length])).toEqual([
      [1, 9_000],
      [9_001, 0],
      [9_001, 3],
    ]);
    const ahead = fx.applier.txn(overlapping, prepared.reads, prepared.deletes);
    expect(ahead).toEqual(atOnce.applier.txn(overlapping, new Map()));
    expect(ahead.responses.map((r) => asDel(r).deleted)).toEqual(['1', '9000', '0', '3']);
    const [first, , third] = [...prepared.deletes.values()];
    const events = fx.writes.at(-1)!.events;
    expect(events[1]).toBe(first!.deletion.events[0]);
    expect(events.at(-1)).toBe(third!.deletion.events.at(-1));
    expect(summary(fx)).toEqual(summary(atOnce));
    expect(await fx.kv.hashKV(0)).toEqual(await atOnce.kv.hashKV(0));
  });

  it('many copies of one range delete (nested too) cost one tombstone per key, not one per key and copy', async () => {
    await both(fill);
    const all = (): pb.RequestOp => opDel(delReq('a', { rangeEnd: EVERY }));
    const t = txnReq([], [...Array.from({ length: 64 }, all), opTxn(txnReq([], Array.from({ length: 64 }, all)))]);
    const prepared = await fx.applier.prepare({ request: 'txn', txn: t } as pb.InternalRaftRequest);
    if (prepared?.request !== 'txn') throw new Error('a Txn prepares its reads and deletes');
    const planned = [...prepared.deletes.values()].reduce((n, d) => n + d.deletion.entries.length, 0);
    expect(prepared.deletes.size).toBe(128);
    expect(planned).toBe(9_005);
  });

  it('a Txn that puts a key inside its delete range gets none worked out ahead, and applies as worked out at once', async () => {
    const atOnce = await both(fill);
    // Refused by the KV service as a duplicate key; applied here all the same, the same on every member.
    const putInto = txnReq([], [opDel(delReq('x/', { rangeEnd: b('x0') })), opPut(putReq('y/1', 'new')), opDel(delReq('y/', { rangeEnd: b('y0') }))]);
    const none = await fx.applier.prepare({ request: 'txn', txn: putInto } as pb.InternalRaftRequest);
    if (none?.request !== 'txn') throw new Error('a Txn prepares its reads and deletes');
    expect(none.deletes.size).toBe(0);
    expect(fx.applier.txn(putInto, none.reads, none.deletes)).toEqual(atOnce.applier.txn(putInto, new Map()));
    expect(summary(fx)).toEqual(summary(atOnce));
    expect(await fx.kv.hashKV(0)).toEqual(await atOnce.kv.hashKV(0));
  });
});

describe('Applier lease requests', () => {
  it('leaseGrant grants the proposed ID with the TTL raised to the minimum, at the current revision', async () => {
    const { applier, lessor, kv, t } = fx;
    expect(applier.leaseGrant({ ID: '42', TTL: '60' })).toEqual({ header: header(1), ID: '42', TTL: '60', error: '' });
    expect(applier.leaseGrant({ ID: '43', TTL: '1' }).TTL).toBe('2');
    expect(lessor.lookup(42n)?.ttl).toBe(60);
    expect(() => applier.leaseGrant({ ID: '42', TTL: '5' })).toThrow(LeaseExistsError);
    expect(kv.currentRev).toBe(1);
    await kv.flush();
    await t.backend.barrier();
    expect(await t.backend.get(leaseKey(42n))).toBeDefined();
  });

  it('leaseRevoke deletes every attached key in one revision and removes the lease record', async () => {
    const { applier, lessor, kv, t } = fx;
    applier.leaseGrant({ ID: '7', TTL: '60' });
    applier.put(putReq('k3', 'v', { lease: '7' })); // 2
    applier.put(putReq('k1', 'v', { lease: '7' })); // 3
    applier.put(putReq('k2', 'v', { lease: '7' })); // 4
    applier.put(putReq('other', 'v')); // 5
    applier.put(putReq('moved', 'v', { lease: '7' })); // 6
    applier.put(putReq('moved', 'v')); // 7: no longer on the lease
    expect(applier.leaseRevoke({ ID: '7' })).toEqual({ header: header(8) });
    expect(kv.currentRev).toBe(8);
    const last = fx.writes.at(-1)!;
    expect(last.rev).toBe(8);
    expect(last.events.map((e) => `${e.type} ${e.kv.key}`)).toEqual(['DELETE k1', 'DELETE k2', 'DELETE k3']);
    expect(keysOf(await applier.range(rangeRequest('a', { rangeEnd: EVERY })))).toEqual(['moved', 'other']);
    expect(lessor.lookup(7n)).toBeUndefined();
    await kv.flush();
    await t.backend.barrier();
    expect(await t.backend.get(leaseKey(7n))).toBeUndefined();
    expect(() => applier.leaseRevoke({ ID: '7' })).toThrow(LeaseNotFoundError);
  });

  it('revoking a lease with no keys uses no revision', () => {
    fx.applier.leaseGrant({ ID: '8', TTL: '60' });
    expect(fx.applier.leaseRevoke({ ID: '8' })).toEqual({ header: header(1) });
    expect(fx.kv.currentRev).toBe(1);
  });

  it('handles negative lease IDs as etcd clients send them', async () => {
    fx.applier.leaseGrant({ ID: '-5', TTL: '60' });
    fx.applier.put(putReq('k', 'v', { lease: '-5' }));
    expect(await get('k')).toMatchObject({ lease: '-5' });
    fx.applier.leaseRevoke({ ID: '-5' });
    expect(await get('k')).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------------------ Alarms

describe('Applier alarms', () => {
  it('NOSPACE refuses puts, grants and Txns with a put on either branch, but allows deletes, reads, delete-only Txns and revokes; DEACTIVATE clears it', async () => {
    const { applier, kv } = fx;
    applier.put(putReq('a', '1')); // 2
    applier.put(putReq('b', '1')); // 3
    applier.leaseGrant({ ID: '1', TTL: '60' });
    applier.put(putReq('leased', '1', { lease: '1' })); // 4
    const activated = applier.alarm({ action: 'ACTIVATE', memberID: '9', alarm: 'NOSPACE' });
    expect(activated).toEqual({ header: header(4), alarms: [{ memberID: '9', alarm: 'NOSPACE' }] });
    expect(applier.alarm({ action: 'GET', memberID: '0', alarm: 'NONE' }).alarms).toEqual([{ memberID: '9', alarm: 'NOSPACE' }]);

    expect(() => applier.put(putReq('a', '2'))).toThrow(NoSpaceError);
    expect(() => applier.leaseGrant({ ID: '2', TTL: '60' })).toThrow(NoSpaceError);
    await expect(txn(txnReq([], [opDel(delReq('b')), opPut(putReq('c', '1'))]))).rejects.toBeInstanceOf(NoSpaceError);
    // as etcd's capped applier: a put on the branch not taken is refused too, as is one in a nested Txn
    const taken = cmp('b', 'VERSION', 'EQUAL', { version: '1' });
    await expect(txn(txnReq([taken], [opDel(delReq('b'))], [opPut(putReq('c', '1'))]))).rejects.toBeInstanceOf(NoSpaceError);
    await expect(txn(txnReq([], [opDel(delReq('b')), opTxn(txnReq([], [opPut(putReq('c', '1'))]))]))).rejects.toBeInstanceOf(NoSpaceError);
    expect(kv.currentRev).toBe(4);
    expect(await get('b')).toBeDefined();

    expect(applier.deleteRange(delReq('a')).deleted).toBe('1');
    const del = await txn(txnReq([], [opDel(delReq('b'))]));
    expect(del.header).toEqual(header(6));
    expect(applier.leaseRevoke({ ID: '1' }).header).toEqual(header(7));
    expect((await applier.range(rangeRequest('a', { rangeEnd: EVERY }))).count).toBe('0');

    const cleared = applier.alarm({ action: 'DEACTIVATE', memberID: '9', alarm: 'NOSPACE' });
    expect(cleared.alarms).toEqual([{ memberID: '9', alarm: 'NOSPACE' }]);
    expect(applier.alarm({ action: 'GET', memberID: '0', alarm: 'NONE' }).alarms).toEqual([]);
    expect(applier.put(putReq('a', '3')).header).toEqual(header(8));
  });

  it('persists alarm changes through the store queue', async () => {
    const { applier, kv, t } = fx;
    applier.alarm({ action: 'ACTIVATE', memberID: '9', alarm: 'NOSPACE' });
    await kv.flush();
    await t.backend.barrier();
    const restored = new AlarmStore();
    for await (const [k] of t.backend.db.iterator({ gte: Buffer.from([0x61]), lt: Buffer.from([0x62]) })) restored.restore(k);
    expect(restored.has('NOSPACE')).toBe(true);
    applier.alarm({ action: 'DEACTIVATE', memberID: '0', alarm: 'NONE' });
    await kv.flush();
    await t.backend.barrier();
    const keys: Buffer[] = [];
    for await (const [k] of t.backend.db.iterator({ gte: Buffer.from([0x61]), lt: Buffer.from([0x62]) })) keys.push(k);
    expect(keys).toEqual([]);
  });
});
