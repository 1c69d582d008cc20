/**
 * The client's request builders and the endpoint pool, without a server: ranges and prefixes as clientv3
 * spells them, transaction compares and operations on the wire, requests serialized without empty bytes
 * fields (etcd reads a present empty range_end as "to the end of the keyspace"), and endpoint failover order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadProtos } from '../../../src/store/grpc/proto.js';
import { Endpoint, parseEndpoint } from '../../../src/store/client/endpoint.js';
import { EndpointPool } from '../../../src/store/client/endpoint-pool.js';
import { ClientConfigError } from '../../../src/store/client/errors.js';
import { keyRange, prefixEnd, rangeRequest } from '../../../src/store/client/kv.js';
import { loadMethods, withoutEmptyBytes } from '../../../src/store/client/methods.js';
import { cmp, isReadOnlyTxn, op, txnRequest } from '../../../src/store/client/txn.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('ranges', () => {
  it('prefixEnd increments the last byte below 0xff, dropping trailing 0xff; all-0xff or empty means to the end', () => {
    expect(hex(prefixEnd(Buffer.from('abc')))).toBe(hex(Buffer.from('abd')));
    expect(hex(prefixEnd(Buffer.from([0x61, 0xff, 0xff])))).toBe('62');
    expect(hex(prefixEnd(Buffer.from([0xff, 0xff])))).toBe('00');
    expect(hex(prefixEnd(Buffer.alloc(0)))).toBe('00');
  });

  it('keyRange: a key, a prefix, an explicit range, every key; prefix with rangeEnd and an empty key are refused', () => {
    expect(keyRange('a')).toEqual({ key: Buffer.from('a'), rangeEnd: Buffer.alloc(0) });
    expect(keyRange('a/', { prefix: true })).toEqual({ key: Buffer.from('a/'), rangeEnd: Buffer.from('a0') });
    expect(keyRange('a', { rangeEnd: 'c' })).toEqual({ key: Buffer.from('a'), rangeEnd: Buffer.from('c') });
    expect(keyRange('', { prefix: true })).toEqual({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
    expect(() => keyRange('a', { prefix: true, rangeEnd: 'b' })).toThrow(ClientConfigError);
    expect(() => keyRange('')).toThrow(ClientConfigError);
    expect(() => rangeRequest('a', { limit: -1 })).toThrow(ClientConfigError);
  });
});

describe('transactions', () => {
  it('builds compares with their target and operand, and operations of every kind', () => {
    const t = txnRequest({
      compare: [cmp.modRevision('k', '==', 0), cmp.version('k', '>', 2), cmp.value('k', '!=', 'x'), cmp.lease('k', '<', 5n), cmp.createRevision('k', '==', 3, { prefix: true })],
      success: [op.put('k', 'v', { lease: 7n }), op.delete('d/', { prefix: true })],
      failure: [op.get('k')],
    });
    expect(t.compare.map((c) => [c.result, c.target, c.targetUnion])).toEqual([
      ['EQUAL', 'MOD', 'modRevision'],
      ['GREATER', 'VERSION', 'version'],
      ['NOT_EQUAL', 'VALUE', 'value'],
      ['LESS', 'LEASE', 'lease'],
      ['EQUAL', 'CREATE', 'createRevision'],
    ]);
    expect(t.compare[0]?.modRevision).toBe('0');
    expect(t.compare[3]?.lease).toBe('5');
    expect(hex(t.compare[4]!.rangeEnd)).toBe(hex(Buffer.from('l')));
    expect(t.success.map((o) => o.request)).toEqual(['requestPut', 'requestDeleteRange']);
    expect(t.failure.map((o) => o.request)).toEqual(['requestRange']);
    expect(() => cmp.modRevision('k', '=' as '==', 1)).toThrow(ClientConfigError);
    expect(() => cmp.modRevision('k', '==', -1)).toThrow(ClientConfigError);
  });

  it('a transaction is read-only when no branch, nested ones included, writes', () => {
    expect(isReadOnlyTxn({ success: [op.get('a')], failure: [op.txn({ success: [op.get('b')] })] })).toBe(true);
    expect(isReadOnlyTxn({ success: [op.get('a')], failure: [op.txn({ success: [op.put('b', 'v')] })] })).toBe(false);
    expect(isReadOnlyTxn({ compare: [cmp.version('a', '==', 0)] })).toBe(true);
  });
});

describe('serialization', () => {
  it('leaves empty bytes fields out at any depth, without touching the request', () => {
    const req = txnRequest({ compare: [cmp.modRevision('k', '==', 0)], success: [op.get('k')] });
    const stripped = withoutEmptyBytes(req);
    expect(stripped.compare[0]).not.toHaveProperty('rangeEnd');
    expect((stripped.success[0] as { requestRange: object }).requestRange).not.toHaveProperty('rangeEnd');
    expect(req.compare[0]).toHaveProperty('rangeEnd');
  });

  it('a Range of one key goes out without a range_end field', () => {
    const bytes = loadMethods().range.requestSerialize(rangeRequest('k'));
    const RangeRequest = loadProtos().root.lookupType('etcdserverpb.RangeRequest');
    const decoded = RangeRequest.decode(bytes) as unknown as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(decoded, 'rangeEnd')).toBe(false);
    expect(hex(decoded['key'] as Buffer)).toBe(hex(Buffer.from('k')));
  });
});

describe('EndpointPool', () => {
  const endpoints: Endpoint[] = [];
  afterEach(() => {
    for (const e of endpoints.splice(0)) e.close();
  });

  function pool(n: number, clock: ManualClock): EndpointPool {
    for (let i = 0; i < n; i++) endpoints.push(new Endpoint(parseEndpoint(`http://127.0.0.1:${String(1 + i)}`)));
    return new EndpointPool(endpoints, clock, silentLogger());
  }

  it('keeps the pinned endpoint while it works, moves on when it fails, and comes back when suspicion ends', () => {
    const clock = new ManualClock(0);
    const p = pool(3, clock);
    const [a, b, c] = endpoints as [Endpoint, Endpoint, Endpoint];
    expect(p.pick()).toBe(a);
    p.markFailed(a, 'x');
    expect(p.current).toBe(b);
    expect(p.pick()).toBe(b);
    p.markFailed(b, 'x');
    expect(p.pick()).toBe(c);
    p.markFailed(c, 'x');
    // everything suspected: the one whose suspicion ends first (all equal: the next in order)
    expect(p.pick()).toBe(a);
    clock.advance(1_001);
    p.markHealthy(a);
    expect(p.pick()).toBe(a);
    // excluded endpoints are passed over while others remain
    expect(p.pick(new Set([a]))).not.toBe(a);
  });

  it('parses endpoints and refuses what is not an http(s) URL', () => {
    expect(parseEndpoint('http://127.0.0.1:2379')).toEqual({ url: 'http://127.0.0.1:2379', target: '127.0.0.1:2379', secure: false });
    expect(parseEndpoint('https://etcd.example')).toMatchObject({ target: 'etcd.example:2379', secure: true });
    expect(() => parseEndpoint('127.0.0.1:2379')).toThrow(ClientConfigError);
    expect(() => parseEndpoint('unix:///tmp/x')).toThrow(ClientConfigError);
  });
});
