import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKvEntry, encodeKvEntry } from '../../../src/store/grpc/fast-codec.js';
import { loadMethods, withoutEmptyBytes } from '../../../src/store/client/methods.js';
import {
  decodeDeleteRangeRequest,
  decodeDeleteRangeResponse,
  decodePutRequest,
  decodePutResponse,
  decodeRangeRequest,
  decodeRangeResponse,
  decodeTxnRequest,
  decodeTxnResponse,
  decodeWatchResponse,
  encodeDeleteRangeResponse,
  encodePutResponse,
  encodeRangeRequest,
  encodeRangeResponse,
  encodeTxnRequest,
  encodeTxnResponse,
  encodeWatchResponse,
  withFastKvCodec,
  withFastWatchCodec,
} from '../../../src/store/grpc/kv-codec.js';
import { CONVERSION_OPTIONS, loadProtos } from '../../../src/store/grpc/proto.js';
import type * as pb from '../../../src/store/grpc/types.js';
import { damage, expectReadAsProtobufjs } from '../helpers/damaged-bytes.js';

const P = loadProtos();
const KV = P.services.KV;
const IRR = P.types.InternalRaftRequest;

type Method = 'Range' | 'Put' | 'DeleteRange' | 'Txn';
/** slowReq and slowResp are what protobufjs (proto-loader) makes of the bytes: the reference. */
const slowReq = (m: Method, b: Uint8Array): unknown => KV[m]!.requestDeserialize(Buffer.from(b));
const slowResp = (m: Method, b: Uint8Array): unknown => KV[m]!.responseDeserialize(Buffer.from(b));
/** pbReq and pbResp are what protobufjs writes for a message (a client's request, the old server's response). */
const pbReq = (m: Method, v: unknown): Buffer => KV[m]!.requestSerialize(v);
const pbResp = (m: Method, v: unknown): Buffer => KV[m]!.responseSerialize(v);
const slowEntry = (b: Uint8Array): unknown => IRR.toObject(IRR.decode(b), CONVERSION_OPTIONS);

const uint64 = fc.oneof(fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(String);
const int64 = fc.oneof(fc.constantFrom(0n, 1n, -1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 32n), 2n ** 53n + 1n, -(2n ** 53n) - 1n), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })).map(String);
const bytes = fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)));

const rangeRequest: fc.Arbitrary<pb.RangeRequest> = fc.record({
  key: bytes,
  rangeEnd: bytes,
  limit: int64,
  revision: int64,
  sortOrder: fc.constantFrom<pb.SortOrder>('NONE', 'ASCEND', 'DESCEND'),
  sortTarget: fc.constantFrom<pb.SortTarget>('KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'),
  serializable: fc.boolean(),
  keysOnly: fc.boolean(),
  countOnly: fc.boolean(),
  minModRevision: int64,
  maxModRevision: int64,
  minCreateRevision: int64,
  maxCreateRevision: int64,
});
const putRequest: fc.Arbitrary<pb.PutRequest> = fc.record({ key: bytes, value: bytes, lease: int64, prevKv: fc.boolean(), ignoreValue: fc.boolean(), ignoreLease: fc.boolean() });
const deleteRangeRequest: fc.Arbitrary<pb.DeleteRangeRequest> = fc.record({ key: bytes, rangeEnd: bytes, prevKv: fc.boolean() });
const compare: fc.Arbitrary<pb.Compare> = fc
  .tuple(
    fc.record({
      result: fc.constantFrom<pb.CompareResult>('EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'),
      target: fc.constantFrom<pb.CompareTarget>('VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'),
      key: bytes,
      rangeEnd: bytes,
    }),
    fc.oneof(
      fc.constant({}),
      int64.map((version) => ({ targetUnion: 'version' as const, version })),
      int64.map((createRevision) => ({ targetUnion: 'createRevision' as const, createRevision })),
      int64.map((modRevision) => ({ targetUnion: 'modRevision' as const, modRevision })),
      bytes.map((value) => ({ targetUnion: 'value' as const, value })),
      int64.map((lease) => ({ targetUnion: 'lease' as const, lease })),
    ),
  )
  .map(([c, u]) => ({ ...c, ...u }));
const { txn: txnRequest } = fc.letrec<{ txn: pb.TxnRequest; op: pb.RequestOp }>((tie) => ({
  txn: fc.record({
    compare: fc.array(compare, { maxLength: 3 }),
    success: fc.array(tie('op'), { maxLength: 3 }),
    failure: fc.array(tie('op'), { maxLength: 3 }),
  }),
  op: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({}),
    rangeRequest.map((requestRange) => ({ request: 'requestRange' as const, requestRange })),
    putRequest.map((requestPut) => ({ request: 'requestPut' as const, requestPut })),
    deleteRangeRequest.map((requestDeleteRange) => ({ request: 'requestDeleteRange' as const, requestDeleteRange })),
    tie('txn').map((requestTxn) => ({ request: 'requestTxn' as const, requestTxn })),
  ),
}));

const header: fc.Arbitrary<pb.ResponseHeader> = fc.record({ clusterId: uint64, memberId: uint64, revision: int64, raftTerm: uint64 });
const keyValue: fc.Arbitrary<pb.KeyValue> = fc.record({ key: bytes, createRevision: int64, modRevision: int64, version: int64, value: bytes, lease: int64 });
const rangeResponse: fc.Arbitrary<pb.RangeResponse> = fc.record({ header: fc.option(header, { nil: null }), kvs: fc.array(keyValue, { maxLength: 4 }), more: fc.boolean(), count: int64 });
const putResponse: fc.Arbitrary<pb.PutResponse> = fc.record({ header: fc.option(header, { nil: null }), prevKv: fc.option(keyValue, { nil: null }) });
const deleteRangeResponse: fc.Arbitrary<pb.DeleteRangeResponse> = fc.record({ header: fc.option(header, { nil: null }), deleted: int64, prevKvs: fc.array(keyValue, { maxLength: 3 }) });
const { txn: txnResponse } = fc.letrec<{ txn: pb.TxnResponse; op: pb.ResponseOp }>((tie) => ({
  txn: fc.record({ header: fc.option(header, { nil: null }), succeeded: fc.boolean(), responses: fc.array(tie('op'), { maxLength: 3 }) }),
  op: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    rangeResponse.map((responseRange) => ({ response: 'responseRange' as const, responseRange })),
    putResponse.map((responsePut) => ({ response: 'responsePut' as const, responsePut })),
    deleteRangeResponse.map((responseDeleteRange) => ({ response: 'responseDeleteRange' as const, responseDeleteRange })),
    tie('txn').map((responseTxn) => ({ response: 'responseTxn' as const, responseTxn })),
  ),
}));

const decoders: Record<Method, (b: Buffer) => unknown> = {
  Range: decodeRangeRequest,
  Put: decodePutRequest,
  DeleteRange: decodeDeleteRangeRequest,
  Txn: decodeTxnRequest,
};
const requests: { method: Method; arb: fc.Arbitrary<unknown> }[] = [
  { method: 'Range', arb: rangeRequest },
  { method: 'Put', arb: putRequest },
  { method: 'DeleteRange', arb: deleteRangeRequest },
  { method: 'Txn', arb: txnRequest },
];

describe('kv codec: requests read as protobufjs reads them', () => {
  for (const { method, arb } of requests) {
    it(`${method}: the same object as proto-loader, for protobufjs's bytes and for its own`, () => {
      fc.assert(
        fc.property(arb, (req) => {
          const viaProtobufjs = pbReq(method, req);
          expect(decoders[method](viaProtobufjs)).toStrictEqual(slowReq(method, viaProtobufjs));
          // protobufjs's own round trip is the reference for what the request means.
          const meaning = slowReq(method, viaProtobufjs);
          if (method === 'Range' || method === 'Txn') {
            const own = method === 'Range' ? encodeRangeRequest(req as pb.RangeRequest) : encodeTxnRequest(req as pb.TxnRequest);
            expect(slowReq(method, own)).toStrictEqual(meaning);
            expect(decoders[method](own)).toStrictEqual(meaning);
          }
        }),
        { numRuns: method === 'Txn' ? 300 : 500 },
      );
    });

    it(`${method}: damaged bytes are read as protobufjs reads them, or left to it`, () => {
      fc.assert(
        fc.property(arb, fc.nat(2), fc.nat(), fc.nat(255), (req, kind, at, v) => {
          expectReadAsProtobufjs(damage(pbReq(method, req), kind, at, v), decoders[method], (b) => slowReq(method, b));
        }),
        { numRuns: 500 },
      );
    });
  }

  it('leaves unknown enum values, unknown fields, a oneof set twice and deep nesting to protobufjs', () => {
    // sort_order = 7
    expect(decodeRangeRequest(Buffer.from([0x0a, 1, 0x61, 0x28, 7]))).toBeUndefined();
    // field 15, unknown to PutRequest
    expect(decodePutRequest(Buffer.from([0x0a, 1, 0x61, 0x78, 1]))).toBeUndefined();
    // Compare with both version and mod_revision
    expect(decodeTxnRequest(Buffer.from([0x0a, 4, 0x20, 1, 0x30, 2]))).toBeUndefined();
    // RequestOp with request_put twice
    expect(decodeTxnRequest(Buffer.from([0x12, 4, 0x12, 0, 0x12, 0]))).toBeUndefined();
    let deep: pb.TxnRequest = { compare: [], success: [], failure: [] };
    for (let i = 0; i < 20; i++) deep = { compare: [], success: [{ request: 'requestTxn', requestTxn: deep }], failure: [] };
    const b = pbReq('Txn', deep);
    expect(decodeTxnRequest(b)).toBeUndefined();
    const kv = withFastKvCodec(KV);
    expect(kv['Txn']!.requestDeserialize(b)).toStrictEqual(slowReq('Txn', b));
  });

  it('leaves non-canonical varints longer than five bytes in 32-bit fields (tag, length, enum, bool) to protobufjs', () => {
    // protobufjs reads these with uint32(): past five bytes it skips to a tenth byte, whatever the varint's length.
    const cases = [
      Buffer.from([0x0a, 1, 0x61, 0x28, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00]), // sort_order as a 6-byte varint
      Buffer.from([0x8a, 0x80, 0x80, 0x80, 0x80, 0x00, 1, 0x61]), // the key's tag as a 6-byte varint
      Buffer.from([0x0a, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x61]), // the key's length as a 6-byte varint
      Buffer.from([0x0a, 1, 0x61, 0x40, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00]), // serializable as a 6-byte varint
    ];
    for (const b of cases) {
      expect(decodeRangeRequest(b)).toBeUndefined();
      expectReadAsProtobufjs(b, decodeRangeRequest, (x) => slowReq('Range', x));
    }
  });

  it('the service definition falls back to protobufjs, errors included', () => {
    const kv = withFastKvCodec(KV);
    const bad = Buffer.from([0x0a, 5, 0x61]);
    expect(() => kv['Range']!.requestDeserialize(bad)).toThrow(/index out of range/);
    const odd = Buffer.from([0x0a, 1, 0x61, 0x28, 7]);
    expect(kv['Range']!.requestDeserialize(odd)).toStrictEqual(slowReq('Range', odd));
  });
});

describe('kv codec: responses', () => {
  const cases: { method: Method; arb: fc.Arbitrary<unknown>; encode: (m: never) => Buffer }[] = [
    { method: 'Range', arb: rangeResponse, encode: encodeRangeResponse },
    { method: 'Put', arb: putResponse, encode: encodePutResponse },
    { method: 'DeleteRange', arb: deleteRangeResponse, encode: encodeDeleteRangeResponse },
    { method: 'Txn', arb: txnResponse, encode: encodeTxnResponse },
  ];
  for (const { method, arb, encode } of cases) {
    it(`${method}: a client reads the same response as from protobufjs's bytes`, () => {
      fc.assert(
        fc.property(arb, (resp) => {
          const own = encode(resp as never);
          expect(slowResp(method, own)).toStrictEqual(slowResp(method, pbResp(method, resp)));
          expect(withFastKvCodec(KV)[method]!.responseSerialize(resp).equals(own)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });
  }

  const responseDecoders: Record<Method, (b: Buffer) => unknown> = {
    Range: decodeRangeResponse,
    Put: decodePutResponse,
    DeleteRange: decodeDeleteRangeResponse,
    Txn: decodeTxnResponse,
  };
  for (const { method, arb, encode } of cases) {
    it(`${method}: a client's reader reads what proto-loader reads, from protobufjs's bytes and the store's`, () => {
      fc.assert(
        fc.property(arb, (resp) => {
          for (const b of [pbResp(method, resp), encode(resp as never)]) expect(responseDecoders[method](b)).toStrictEqual(slowResp(method, b));
        }),
        { numRuns: 300 },
      );
    });

    it(`${method}: a damaged response is read as protobufjs reads it, or left to it`, () => {
      fc.assert(
        fc.property(arb, fc.nat(2), fc.nat(), fc.nat(255), (resp, kind, at, v) => {
          expectReadAsProtobufjs(damage(pbResp(method, resp), kind, at, v), responseDecoders[method], (b) => slowResp(method, b));
        }),
        { numRuns: 500 },
      );
    });
  }

  it('leaves a header or prev_kv sent twice, an op with no or two members and deep nesting to protobufjs', () => {
    const h = [0x0a, 2, 0x18, 5];
    expect(decodeRangeResponse(Buffer.from([...h, ...h]))).toBeUndefined();
    expect(decodePutResponse(Buffer.from([0x12, 0, 0x12, 0]))).toBeUndefined();
    // TxnResponse.responses[0] with no member, then with response_put twice
    expect(decodeTxnResponse(Buffer.from([0x1a, 0]))).toBeUndefined();
    expect(decodeTxnResponse(Buffer.from([0x1a, 4, 0x12, 0, 0x12, 0]))).toBeUndefined();
    let deep: pb.TxnResponse = { header: null, succeeded: true, responses: [] };
    for (let i = 0; i < 20; i++) deep = { header: null, succeeded: true, responses: [{ response: 'responseTxn', responseTxn: deep }] };
    const b = pbResp('Txn', deep);
    expect(decodeTxnResponse(b)).toBeUndefined();
    expect(loadMethods().txn.responseDeserialize(b)).toStrictEqual(slowResp('Txn', b));
  });

  it('a large response grows the scratch buffer and comes out whole', () => {
    const kvs = Array.from({ length: 300 }, (_, i) => ({ key: Buffer.from(`k${i}`), createRevision: String(i + 1), modRevision: String(i + 1), version: '1', value: Buffer.alloc(1000, i), lease: '0' }));
    const resp: pb.RangeResponse = { header: { clusterId: '1', memberId: '2', revision: '300', raftTerm: '3' }, kvs, more: false, count: '300' };
    expect(slowResp('Range', encodeRangeResponse(resp))).toStrictEqual(slowResp('Range', pbResp('Range', resp)));
  });
});

describe('kv codec: watch responses', () => {
  const W = P.services.Watch.Watch!;
  const slowWatch = (b: Uint8Array): unknown => W.responseDeserialize(Buffer.from(b));
  const pbWatch = (v: pb.WatchResponse): Buffer => W.responseSerialize(v);
  const event: fc.Arbitrary<pb.Event> = fc.record({
    type: fc.constantFrom<pb.EventType>('PUT', 'DELETE'),
    kv: fc.option(keyValue, { nil: null }),
    prevKv: fc.option(keyValue, { nil: null }),
  });
  const watchResponse: fc.Arbitrary<pb.WatchResponse> = fc.record({
    header: fc.option(header, { nil: null }),
    watchId: int64,
    created: fc.boolean(),
    canceled: fc.boolean(),
    compactRevision: int64,
    cancelReason: fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 })),
    fragment: fc.boolean(),
    events: fc.array(event, { maxLength: 5 }),
  });

  it('a client\'s reader reads what proto-loader reads from protobufjs\'s bytes, and the client\'s method always does', () => {
    const methods = loadMethods();
    fc.assert(
      fc.property(watchResponse, (resp) => {
        const b = pbWatch(resp);
        const fast = decodeWatchResponse(b);
        // A non-ASCII cancel reason is left to protobufjs's UTF-8 reader; everything else is read here.
        if (/^[\x00-\x7f]*$/.test(resp.cancelReason)) expect(fast).toStrictEqual(slowWatch(b));
        else expect(fast).toBeUndefined();
        expect(methods.watch.responseDeserialize(b)).toStrictEqual(slowWatch(b));
      }),
      { numRuns: 300 },
    );
  });

  it('the store\'s writer (Watch\'s serializer) is read as protobufjs\'s bytes are, zero values left out as grpc-go does', () => {
    const serialize = withFastWatchCodec(P.services.Watch).Watch!.responseSerialize;
    fc.assert(
      fc.property(watchResponse, (resp) => {
        const own = encodeWatchResponse(resp);
        expect(slowWatch(own)).toStrictEqual(slowWatch(pbWatch(resp)));
        expect(serialize(resp).equals(own)).toBe(true);
      }),
      { numRuns: 300 },
    );
    // The watch service leaves members at their defaults out of the object it writes; nothing at zero goes out.
    const all = { header: null, watchId: '7', created: false, canceled: false, compactRevision: '0', cancelReason: '', fragment: false, events: [] };
    expect(encodeWatchResponse({ watchId: '7' } as pb.WatchResponse)).toStrictEqual(Buffer.from([0x10, 7]));
    expect(slowWatch(encodeWatchResponse({ watchId: '7' } as pb.WatchResponse))).toStrictEqual(slowWatch(pbWatch(all)));
  });

  it('a damaged response is read as protobufjs reads it, or left to it', () => {
    fc.assert(
      fc.property(watchResponse, fc.nat(2), fc.nat(), fc.nat(255), (resp, kind, at, v) => {
        expectReadAsProtobufjs(damage(pbWatch(resp), kind, at, v), decodeWatchResponse, slowWatch);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves an unknown event type, a kv sent twice, a header sent twice and unknown fields to protobufjs', () => {
    const methods = loadMethods();
    const cases = [
      [0x5a, 2, 0x08, 2], // events[0].type = 2
      [0x5a, 4, 0x12, 0, 0x12, 0], // events[0].kv twice
      [0x5a, 4, 0x1a, 0, 0x1a, 0], // events[0].prev_kv twice
      [0x0a, 0, 0x0a, 0], // header twice
      [0x40, 1], // field 8, unknown
    ];
    for (const c of cases) {
      const b = Buffer.from(c);
      expect(decodeWatchResponse(b)).toBeUndefined();
      expect(methods.watch.responseDeserialize(b)).toStrictEqual(slowWatch(b));
    }
  });
});

describe('kv codec: the client\'s KV calls', () => {
  const methods = loadMethods();
  const calls: { method: Method; arb: fc.Arbitrary<unknown>; serialize: (req: never) => Buffer }[] = [
    { method: 'Range', arb: rangeRequest, serialize: methods.range.requestSerialize },
    { method: 'Put', arb: putRequest, serialize: methods.put.requestSerialize },
    { method: 'DeleteRange', arb: deleteRangeRequest, serialize: methods.deleteRange.requestSerialize },
    { method: 'Txn', arb: txnRequest, serialize: methods.txn.requestSerialize },
  ];
  for (const { method, arb, serialize } of calls) {
    it(`${method}: a request means what protobufjs's bytes of it mean`, () => {
      fc.assert(
        fc.property(arb, (req) => {
          expect(slowReq(method, serialize(req as never))).toStrictEqual(slowReq(method, pbReq(method, req)));
        }),
        { numRuns: method === 'Txn' ? 300 : 500 },
      );
    });
  }

  it('a read or delete of one key sends no range_end (etcd 3.4 would read an empty one as "every key from key on")', () => {
    const range = { ...(slowReq('Range', Buffer.alloc(0)) as pb.RangeRequest), key: Buffer.from('k') };
    expect([...methods.range.requestSerialize(range)]).toEqual([0x0a, 1, 0x6b]);
    expect([...methods.deleteRange.requestSerialize({ key: Buffer.from('k'), rangeEnd: Buffer.alloc(0), prevKv: false })]).toEqual([0x0a, 1, 0x6b]);
    // A Txn: compare mod_revision("k") == 0, success get("k"); nothing but the key in either.
    const txn: pb.TxnRequest = {
      compare: [{ result: 'EQUAL', target: 'MOD', key: Buffer.from('k'), rangeEnd: Buffer.alloc(0), targetUnion: 'modRevision', modRevision: '0' }],
      success: [{ request: 'requestRange', requestRange: range }],
      failure: [],
    };
    expect([...methods.txn.requestSerialize(txn)]).toEqual([0x0a, 7, 0x10, 2, 0x1a, 1, 0x6b, 0x30, 0, 0x12, 5, 0x0a, 3, 0x0a, 1, 0x6b]);
    // The same request through withoutEmptyBytes and protobufjs, as the other calls are sent, means the same.
    expect(slowReq('Txn', methods.txn.requestSerialize(txn))).toStrictEqual(slowReq('Txn', pbReq('Txn', withoutEmptyBytes(txn))));
  });
});

describe('kv codec: Raft entries of KV requests', () => {
  const entry: fc.Arbitrary<pb.InternalRaftRequest> = fc.tuple(
    uint64,
    fc.oneof(
      rangeRequest.map((range) => ({ request: 'range' as const, range })),
      putRequest.map((put) => ({ request: 'put' as const, put })),
      deleteRangeRequest.map((deleteRange) => ({ request: 'deleteRange' as const, deleteRange })),
      txnRequest.map((txn) => ({ request: 'txn' as const, txn })),
    ),
  ).map(([id, op]) => ({ header: { id }, ...op }) as pb.InternalRaftRequest);

  it('reads entries protobufjs wrote (the WAL and snapshots of earlier versions) as protobufjs does', () => {
    fc.assert(
      fc.property(entry, (e) => {
        const old = Buffer.from(IRR.encode(IRR.fromObject(e)).finish());
        expect(decodeKvEntry(old)).toStrictEqual(slowEntry(old));
      }),
      { numRuns: 400 },
    );
  });

  it('writes entries protobufjs reads as the same request, and reads them back the same', () => {
    fc.assert(
      fc.property(entry, (e) => {
        const own = encodeKvEntry(e)!;
        const old = IRR.encode(IRR.fromObject(e)).finish();
        expect(slowEntry(own)).toStrictEqual(slowEntry(old));
        expect(decodeKvEntry(own)).toStrictEqual(slowEntry(own));
      }),
      { numRuns: 400 },
    );
  });

  it('damaged entries are read as protobufjs reads them, or left to it', () => {
    fc.assert(
      fc.property(entry, fc.nat(2), fc.nat(), fc.nat(255), (e, kind, at, v) => {
        expectReadAsProtobufjs(damage(encodeKvEntry(e)!, kind, at, v), decodeKvEntry, slowEntry);
      }),
      { numRuns: 500 },
    );
  });
});
