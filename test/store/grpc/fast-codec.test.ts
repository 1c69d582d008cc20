import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKvEntry, encodeKvEntry, encodeMvccKeyValue } from '../../../src/store/grpc/fast-codec.js';
import { encodePutResponse } from '../../../src/store/grpc/kv-codec.js';
import { CONVERSION_OPTIONS, decodeInternalRequest, decodeKeyValue, encodeInternalRequest, loadProtos } from '../../../src/store/grpc/proto.js';
import type { KeyValue as MvccKeyValue } from '../../../src/store/mvcc/types.js';
import type { InternalRaftRequest, KeyValue, PutRequest, PutResponse } from '../../../src/store/grpc/types.js';

const P = loadProtos();
const IRR = P.types.InternalRaftRequest;
const PutResp = P.root.lookupType('etcdserverpb.PutResponse');

/** slow is what protobufjs makes of the bytes, with the conversion every boundary uses. */
const slow = (b: Uint8Array): unknown => IRR.toObject(IRR.decode(b), CONVERSION_OPTIONS);
const slowResp = (b: Uint8Array): unknown => PutResp.toObject(PutResp.decode(b), CONVERSION_OPTIONS);

const uint64 = fc.oneof(fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const int64 = fc.oneof(fc.constantFrom(0n, -1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 32n)), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const putRequest: fc.Arbitrary<PutRequest> = fc.record({
  key: bytes,
  value: bytes,
  lease: int64.map(String),
  prevKv: fc.boolean(),
  ignoreValue: fc.boolean(),
  ignoreLease: fc.boolean(),
});
const keyValue: fc.Arbitrary<KeyValue> = fc.record({
  key: bytes,
  createRevision: int64.map(String),
  modRevision: int64.map(String),
  version: int64.map(String),
  value: bytes,
  lease: int64.map(String),
});

describe('fast codec: the Raft entry of a Put', () => {
  it('decodes, as protobufjs does, both its own bytes and protobufjs bytes', () => {
    fc.assert(
      fc.property(uint64, putRequest, (id, put) => {
        const fast = encodeKvEntry({ header: { id: id.toString() }, request: 'put', put })!;
        expect(decodeKvEntry(fast)).toStrictEqual(slow(fast));
        expect(slow(fast)).toEqual({ header: { id: id.toString() }, put, request: 'put' });
        const viaProtobufjs = IRR.encode(IRR.fromObject({ header: { id: id.toString() }, put })).finish();
        expect(decodeKvEntry(Buffer.from(viaProtobufjs))).toStrictEqual(slow(viaProtobufjs));
      }),
    );
  });

  it('leaves other requests, and entries it does not fully understand, to protobufjs', () => {
    const compaction = encodeInternalRequest({ header: { id: '7' }, request: 'compaction', compaction: { revision: '3', physical: false } } as InternalRaftRequest);
    expect(decodeKvEntry(Buffer.from(compaction))).toBeUndefined();
    expect(decodeInternalRequest(compaction)).toMatchObject({ request: 'compaction', header: { id: '7' } });
    const noHeader = IRR.encode(IRR.fromObject({ put: { key: Buffer.from('k') } })).finish();
    expect(decodeKvEntry(Buffer.from(noHeader))).toBeUndefined();
    expect(decodeInternalRequest(noHeader)).toEqual(slow(noHeader));
    const truncated = encodeKvEntry({ header: { id: '5' }, request: 'put', put: { key: Buffer.from('key'), value: Buffer.from('v'), lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false } })!;
    expect(decodeKvEntry(truncated.subarray(0, truncated.length - 3))).toBeUndefined();
  });

  it('is what encodeInternalRequest writes for a Put', () => {
    const put = { key: Buffer.from('a'), value: Buffer.from('b'), lease: '0', prevKv: true, ignoreValue: false, ignoreLease: false };
    const b = encodeInternalRequest({ header: { id: '18446744073709551615' }, request: 'put', put } as InternalRaftRequest);
    expect(decodeInternalRequest(b)).toEqual({ header: { id: '18446744073709551615' }, put, request: 'put' });
  });
});

describe('fast codec: PutResponse', () => {
  it('writes what protobufjs reads back as the same response', () => {
    const header = fc.record({ clusterId: uint64.map(String), memberId: uint64.map(String), revision: int64.map(String), raftTerm: uint64.map(String) });
    fc.assert(
      fc.property(header, fc.option(keyValue, { nil: null }), (h, prevKv) => {
        const resp: PutResponse = { header: h, prevKv };
        expect(slowResp(encodePutResponse(resp))).toEqual(resp);
        const viaProtobufjs = P.services.KV['Put']!.responseSerialize(resp);
        expect(Buffer.compare(encodePutResponse(resp), viaProtobufjs) === 0 || prevKv !== null || Object.values(h).includes('0')).toBe(true);
      }),
    );
  });
});

describe('fast codec: mvccpb.KeyValue as MVCC stores it', () => {
  const KV = P.types.KeyValue;
  /** protobufjs is how MVCC values were written before: the reference, byte for byte. */
  const reference = (kv: MvccKeyValue): Uint8Array => {
    const m: Record<string, Uint8Array | number | string> = {};
    if (kv.key.length > 0) m['key'] = kv.key;
    if (kv.createRevision !== 0) m['createRevision'] = kv.createRevision;
    if (kv.modRevision !== 0) m['modRevision'] = kv.modRevision;
    if (kv.version !== 0) m['version'] = kv.version;
    if (kv.value.length > 0) m['value'] = kv.value;
    if (kv.lease !== 0n) m['lease'] = kv.lease.toString();
    return KV.encode(m).finish();
  };
  const revision = fc.oneof(fc.constantFrom(0, 1, 127, 128, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.nat());
  const mvccKeyValue: fc.Arbitrary<MvccKeyValue> = fc.record({
    key: bytes,
    value: bytes,
    createRevision: revision,
    modRevision: revision,
    version: revision,
    lease: int64,
  });

  it('writes the bytes protobufjs writes, and decodeKeyValue reads them back', () => {
    fc.assert(
      fc.property(mvccKeyValue, (kv) => {
        const fast = encodeMvccKeyValue(kv);
        expect(Buffer.from(fast).equals(Buffer.from(reference(kv)))).toBe(true);
        expect(decodeKeyValue(fast)).toEqual(kv);
      }),
      { numRuns: 500 },
    );
  });

  it('a tombstone is its key and mod revision only', () => {
    const tomb: MvccKeyValue = { key: Buffer.from('k'), value: Buffer.alloc(0), createRevision: 0, modRevision: 300, version: 0, lease: 0n };
    expect([...encodeMvccKeyValue(tomb)]).toEqual([0x0a, 1, 0x6b, 0x18, 0xac, 0x02]);
  });
});
