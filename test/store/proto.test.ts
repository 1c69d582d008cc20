import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PROTO_DIR,
  SERVICE_NAMES,
  decodeInternalRequest,
  decodeKeyValue,
  encodeInternalRequest,
  encodeKeyValue,
  loadProtos,
  toWireKeyValue,
  type MvccKeyValue,
} from '../../src/store/grpc/proto.js';
import {
  int64,
  toBigInt,
  toNum,
  type InternalRaftRequest,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
} from '../../src/store/grpc/types.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ');
const buf = (s: string): Buffer => Buffer.from(s);

/** The services and methods of etcd 3.5's rpc.proto: [method, requestStream, responseStream]. */
const ETCD_SERVICES: Record<string, [string, boolean, boolean][]> = {
  KV: [
    ['Range', false, false],
    ['Put', false, false],
    ['DeleteRange', false, false],
    ['Txn', false, false],
    ['Compact', false, false],
  ],
  Watch: [['Watch', true, true]],
  Lease: [
    ['LeaseGrant', false, false],
    ['LeaseRevoke', false, false],
    ['LeaseKeepAlive', true, true],
    ['LeaseTimeToLive', false, false],
    ['LeaseLeases', false, false],
  ],
  Cluster: [
    ['MemberAdd', false, false],
    ['MemberRemove', false, false],
    ['MemberUpdate', false, false],
    ['MemberList', false, false],
    ['MemberPromote', false, false],
  ],
  Maintenance: [
    ['Alarm', false, false],
    ['Status', false, false],
    ['Defragment', false, false],
    ['Hash', false, false],
    ['HashKV', false, false],
    ['Snapshot', false, true],
    ['MoveLeader', false, false],
    ['Downgrade', false, false],
  ],
  Auth: [
    ['AuthEnable', false, false],
    ['AuthDisable', false, false],
    ['AuthStatus', false, false],
    ['Authenticate', false, false],
    ['UserAdd', false, false],
    ['UserGet', false, false],
    ['UserList', false, false],
    ['UserDelete', false, false],
    ['UserChangePassword', false, false],
    ['UserGrantRole', false, false],
    ['UserRevokeRole', false, false],
    ['RoleAdd', false, false],
    ['RoleGet', false, false],
    ['RoleList', false, false],
    ['RoleDelete', false, false],
    ['RoleGrantPermission', false, false],
    ['RoleRevokePermission', false, false],
  ],
};

describe('loadProtos', () => {
  it('finds proto/ from the source tree and loads once', () => {
    expect(existsSync(`${PROTO_DIR}/etcdserverpb/rpc.proto`)).toBe(true);
    expect(loadProtos()).toBe(loadProtos());
  });

  it('defines every etcd v3 service and method under its etcd path', () => {
    const { services, clients } = loadProtos();
    expect([...SERVICE_NAMES].sort()).toEqual(Object.keys(ETCD_SERVICES).sort());
    for (const [service, methods] of Object.entries(ETCD_SERVICES)) {
      const def = services[service as keyof typeof services];
      expect(Object.keys(def)).toEqual(methods.map(([m]) => m));
      for (const [method, requestStream, responseStream] of methods) {
        const m = def[method]!;
        expect(m.path).toBe(`/etcdserverpb.${service}/${method}`);
        expect([m.requestStream, m.responseStream]).toEqual([requestStream, responseStream]);
      }
      expect(clients[service as keyof typeof clients].service).toBe(def);
    }
  });
});

describe('gRPC serializers', () => {
  const { services } = loadProtos();

  it('encode PutRequest with etcd field numbers', () => {
    const put = services.KV['Put']!;
    const bytes = put.requestSerialize({ key: buf('a'), value: buf('b'), lease: '1' });
    expect(hex(bytes)).toBe('0a 01 61 12 01 62 18 01');
    const back = put.requestDeserialize(bytes) as PutRequest;
    expect(back).toEqual({
      key: buf('a'),
      value: buf('b'),
      lease: '1',
      prevKv: false,
      ignoreValue: false,
      ignoreLease: false,
    });
  });

  it('encode every RangeRequest field at its etcd number and decode it back', () => {
    const range = services.KV['Range']!;
    const req: RangeRequest = {
      key: buf('a'),
      rangeEnd: buf('b'),
      limit: '10',
      revision: '5',
      sortOrder: 'DESCEND',
      sortTarget: 'MOD',
      serializable: true,
      keysOnly: true,
      countOnly: true,
      minModRevision: '1',
      maxModRevision: '2',
      minCreateRevision: '3',
      maxCreateRevision: '4',
    };
    const bytes = range.requestSerialize(req);
    expect(hex(bytes)).toBe(
      '0a 01 61 12 01 62 18 0a 20 05 28 02 30 03 38 01 40 01 48 01 50 01 58 02 60 03 68 04',
    );
    expect(range.requestDeserialize(bytes)).toEqual(req);
  });

  it('fill defaults when decoding an empty RangeRequest', () => {
    expect(services.KV['Range']!.requestDeserialize(Buffer.alloc(0))).toEqual({
      key: Buffer.alloc(0),
      rangeEnd: Buffer.alloc(0),
      limit: '0',
      revision: '0',
      sortOrder: 'NONE',
      sortTarget: 'KEY',
      serializable: false,
      keysOnly: false,
      countOnly: false,
      minModRevision: '0',
      maxModRevision: '0',
      minCreateRevision: '0',
      maxCreateRevision: '0',
    });
  });

  it('encode Compare target_union members and range_end at 64, and name the oneofs on decode', () => {
    const txn = services.KV['Txn']!;
    const bytes = txn.requestSerialize({
      compare: [{ result: 'EQUAL', target: 'MOD', key: buf('k'), modRevision: '0', rangeEnd: buf('z') }],
      success: [{ requestPut: { key: buf('k'), value: buf('v') } }],
    });
    // compare (1) { result 0, target MOD=2, key "k", mod_revision (6) 0, range_end (64 → tag 82 04) "z" }
    // success (2) { request_put (2) { key "k", value "v" } }
    expect(hex(bytes)).toBe('0a 0d 08 00 10 02 1a 01 6b 30 00 82 04 01 7a 12 08 12 06 0a 01 6b 12 01 76');
    const back = txn.requestDeserialize(bytes) as {
      compare: { targetUnion?: string; modRevision?: string }[];
      success: { request?: string }[];
      failure: unknown[];
    };
    expect(back.compare[0]).toMatchObject({ targetUnion: 'modRevision', modRevision: '0', target: 'MOD' });
    expect(back.success[0]).toMatchObject({ request: 'requestPut' });
    expect(back.failure).toEqual([]);
  });

  it('encode Lease, Watch, Cluster and Maintenance fields at their etcd numbers', () => {
    expect(hex(services.Lease['LeaseGrant']!.requestSerialize({ TTL: '5', ID: '7' }))).toBe('08 05 10 07');
    expect(hex(services.Lease['LeaseTimeToLive']!.responseSerialize({ grantedTTL: '9', keys: [buf('a')] }))).toBe(
      '20 09 2a 01 61',
    );
    expect(
      hex(services.Watch['Watch']!.requestSerialize({ createRequest: { key: buf('a'), watchId: '3', fragment: true } })),
    ).toBe('0a 07 0a 01 61 38 03 40 01');
    // events are field 11 (tag 5a), after the gap etcd leaves.
    expect(
      hex(services.Watch['Watch']!.responseSerialize({ watchId: '1', events: [{ type: 'DELETE', kv: { key: buf('x') } }] })),
    ).toBe('10 01 5a 07 08 01 12 03 0a 01 78');
    const member = { ID: '1', name: 'n', peerURLs: ['p'], clientURLs: ['c'], isLearner: true };
    expect(hex(services.Cluster['MemberList']!.responseSerialize({ members: [member] }))).toBe(
      '12 0d 08 01 12 01 6e 1a 01 70 22 01 63 28 01',
    );
    expect(
      hex(
        services.Maintenance['Status']!.responseSerialize({
          dbSize: '3',
          leader: '4',
          raftAppliedIndex: '7',
          dbSizeInUse: '9',
          isLearner: true,
        }),
      ),
    ).toBe('18 03 20 04 38 07 48 09 50 01');
    expect(hex(services.Maintenance['Alarm']!.requestSerialize({ action: 'ACTIVATE', memberID: '2', alarm: 'NOSPACE' }))).toBe(
      '08 01 10 02 18 01',
    );
  });

  it('carry uint64 IDs beyond 2^53 as exact decimal strings', () => {
    const remove = services.Cluster['MemberRemove']!;
    const id = '18446744073709551615';
    expect(remove.requestDeserialize(remove.requestSerialize({ ID: id }))).toEqual({ ID: id });
    const header = { clusterId: '9223372036854775807', memberId: id, revision: '-1', raftTerm: '3' };
    const put = services.KV['Put']!;
    expect((put.responseDeserialize(put.responseSerialize({ header })) as PutResponse).header).toEqual(header);
  });

  it('agree with every field, enum number and method of the npm etcd3 client protos', () => {
    const etcd3Dir = fileURLToPath(new URL('../../node_modules/etcd3/proto/', import.meta.url));
    const theirs = new protobuf.Root().loadSync(`${etcd3Dir}rpc.proto`, { keepCase: true });
    const ours = new protobuf.Root();
    ours.resolvePath = (_o, target) => (target.startsWith('/') ? target : `${PROTO_DIR}${target}`);
    ours.loadSync('etcdserverpb/rpc.proto', { keepCase: true });
    theirs.resolveAll();
    ours.resolveAll();
    let compared = 0;
    const walk = (ns: protobuf.NamespaceBase): void => {
      for (const obj of ns.nestedArray) {
        const mine = ours.lookup(obj.fullName);
        if (obj instanceof protobuf.Type) {
          expect(mine, obj.fullName).toBeInstanceOf(protobuf.Type);
          for (const f of obj.fieldsArray) {
            const g = (mine as protobuf.Type).fieldsById[f.id];
            expect(g && [g.name, g.type, g.repeated, g.partOf?.name], `${obj.fullName} #${f.id}`).toEqual([
              f.name,
              f.type,
              f.repeated,
              f.partOf?.name,
            ]);
            compared++;
          }
        } else if (obj instanceof protobuf.Enum) {
          // etcd3 renames enum values (Put, NotEqual); only the numbers travel.
          expect(Object.values((mine as protobuf.Enum).values), obj.fullName).toEqual(Object.values(obj.values));
        } else if (obj instanceof protobuf.Service) {
          const svc = mine as protobuf.Service;
          for (const m of obj.methodsArray) {
            const n = svc.methods[m.name];
            expect(n && [n.requestType, n.responseType, !!n.requestStream, !!n.responseStream], m.name).toEqual([
              m.requestType,
              m.responseType,
              !!m.requestStream,
              !!m.responseStream,
            ]);
          }
        }
        if (obj instanceof protobuf.Namespace) walk(obj);
      }
    };
    walk(theirs);
    expect(compared).toBeGreaterThan(200);
  });
});

describe('a real gRPC round trip', () => {
  const server = new grpc.Server();
  afterAll(() => {
    server.forceShutdown();
  });

  it('serves KV.Put through the loaded definitions', async () => {
    const { services, clients } = loadProtos();
    server.addService(services.KV, {
      Put: (call: grpc.ServerUnaryCall<PutRequest, PutResponse>, cb: grpc.sendUnaryData<PutResponse>) => {
        cb(null, {
          header: { clusterId: '1', memberId: '2', revision: '3', raftTerm: '4' },
          prevKv: { key: call.request.key, value: call.request.value, createRevision: '1', modRevision: '3', version: '2', lease: call.request.lease },
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    const client = new clients.KV(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const res = await new Promise<PutResponse>((resolve, reject) => {
        client.makeUnaryRequest(
          services.KV['Put']!.path,
          services.KV['Put']!.requestSerialize,
          services.KV['Put']!.responseDeserialize,
          { key: buf('k'), value: buf('v'), lease: '5' },
          (err: grpc.ServiceError | null, value?: unknown) => (err ? reject(err) : resolve(value as PutResponse)),
        );
      });
      expect(res.header).toEqual({ clusterId: '1', memberId: '2', revision: '3', raftTerm: '4' });
      expect(res.prevKv).toEqual({ key: buf('k'), value: buf('v'), createRevision: '1', modRevision: '3', version: '2', lease: '5' });
    } finally {
      client.close();
    }
  });
});

describe('KeyValue codec', () => {
  it('writes etcd mvccpb.KeyValue bytes and leaves zero fields out', () => {
    const kv: MvccKeyValue = { key: buf('k'), createRevision: 2, modRevision: 3, version: 1, value: Buffer.alloc(0), lease: 0n };
    const bytes = encodeKeyValue(kv);
    expect(hex(bytes)).toBe('0a 01 6b 10 02 18 03 20 01');
    expect(decodeKeyValue(bytes)).toEqual(kv);
  });

  it('round-trips large revisions, values and negative or large leases, from Buffer or Uint8Array', () => {
    for (const kv of [
      { key: buf('/registry/pods/default/a'), createRevision: 1, modRevision: Number.MAX_SAFE_INTEGER, version: 7, value: Buffer.alloc(4096, 7), lease: 0x7fffffffffffffffn },
      { key: buf('x'), createRevision: 5, modRevision: 5, version: 1, value: buf('v'), lease: -5n },
    ] satisfies MvccKeyValue[]) {
      const bytes = encodeKeyValue(kv);
      expect(decodeKeyValue(bytes)).toEqual(kv);
      expect(decodeKeyValue(new Uint8Array(bytes))).toEqual(kv);
    }
  });

  it('decodes empty bytes as the zero KeyValue', () => {
    expect(decodeKeyValue(new Uint8Array(0))).toEqual({
      key: Buffer.alloc(0),
      createRevision: 0,
      modRevision: 0,
      version: 0,
      value: Buffer.alloc(0),
      lease: 0n,
    });
  });

  it('refuses a revision beyond the safe integer range instead of rounding it', () => {
    const bytes = loadProtos().types.KeyValue.encode({ key: buf('k'), modRevision: '9007199254740993' }).finish();
    expect(() => decodeKeyValue(bytes)).toThrow(RangeError);
  });

  it('is what the Range response carries, byte for byte', () => {
    const kv: MvccKeyValue = { key: buf('k'), createRevision: 2, modRevision: 3, version: 1, value: buf('v'), lease: 9n };
    const wire = toWireKeyValue(kv);
    expect(wire).toEqual({ key: buf('k'), createRevision: '2', modRevision: '3', version: '1', value: buf('v'), lease: '9' });
    const range = loadProtos().services.KV['Range']!;
    const resp = range.responseSerialize({ kvs: [wire] });
    expect(hex(resp)).toBe(`12 ${hex(Buffer.from([encodeKeyValue(kv).length]))} ${hex(encodeKeyValue(kv))}`);
  });
});

describe('InternalRaftRequest codec', () => {
  const put: PutRequest = { key: buf('a'), value: buf('b'), lease: '7', prevKv: true, ignoreValue: false, ignoreLease: false };

  it('puts the header at field 100 and the request at etcd numbers', () => {
    const bytes = encodeInternalRequest({ header: { id: '1' }, request: 'put', put });
    // put (4) { key, value, lease, prev_kv; the false ignore_value and ignore_lease left out, as proto3 does }
    // then header (100 → tag a2 06) { id 1 }
    expect(hex(bytes)).toBe('22 0a 0a 01 61 12 01 62 18 07 20 01 a2 06 02 08 01');
  });

  it('round-trips each kind of request in the shape gRPC handlers get', () => {
    const cases: InternalRaftRequest[] = [
      { header: { id: '18446744073709551615' }, request: 'put', put },
      {
        header: { id: '2' },
        request: 'txn',
        txn: {
          compare: [{ result: 'NOT_EQUAL', target: 'VALUE', key: buf('k'), rangeEnd: Buffer.alloc(0), targetUnion: 'value', value: buf('x') }],
          success: [{ request: 'requestPut', requestPut: put }],
          failure: [
            {
              request: 'requestDeleteRange',
              requestDeleteRange: { key: buf('a'), rangeEnd: buf('b'), prevKv: false },
            },
          ],
        },
      },
      { header: { id: '3' }, request: 'leaseGrant', leaseGrant: { TTL: '10', ID: '7587869345812330497' } },
      { header: { id: '4' }, request: 'leaseCheckpoint', leaseCheckpoint: { checkpoints: [{ ID: '5', remaining_TTL: '30' }] } },
      { header: { id: '5' }, request: 'alarm', alarm: { action: 'ACTIVATE', memberID: '9', alarm: 'NOSPACE' } },
      { header: { id: '6' }, request: 'compaction', compaction: { revision: '100', physical: false } },
      { header: { id: '7' }, request: 'leaseRevoke', leaseRevoke: { ID: '-1' } },
      {
        header: { id: '8' },
        request: 'memberAttrSet',
        memberAttrSet: { memberId: '12345678901234567890', memberAttributes: { name: 'm1', clientUrls: ['http://127.0.0.1:2379'] } },
      },
      { header: { id: '9' }, request: 'authEnable', authEnable: {} },
    ];
    for (const req of cases) expect(decodeInternalRequest(encodeInternalRequest(req))).toEqual(req);
  });

  it('decodes from a Uint8Array as well as a Buffer', () => {
    const bytes = encodeInternalRequest({ header: { id: '1' }, request: 'put', put });
    expect(decodeInternalRequest(new Uint8Array(bytes))).toEqual({ header: { id: '1' }, request: 'put', put });
  });
});

describe('int64 helpers', () => {
  it('toBigInt reads decimal strings and safe numbers across the int64 and uint64 range', () => {
    expect(toBigInt('18446744073709551615')).toBe(0xffffffffffffffffn);
    expect(toBigInt('-9223372036854775808')).toBe(-(1n << 63n));
    expect(toBigInt(42)).toBe(42n);
    expect(toBigInt(undefined)).toBe(0n);
    expect(() => toBigInt('18446744073709551616')).toThrow(RangeError);
    expect(() => toBigInt('1e3')).toThrow(RangeError);
    expect(() => toBigInt(1.5)).toThrow(RangeError);
  });

  it('toNum returns safe integers and throws on overflow rather than rounding', () => {
    expect(toNum('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(toNum('-3')).toBe(-3);
    expect(toNum(undefined)).toBe(0);
    expect(() => toNum('9007199254740992')).toThrow(RangeError);
    expect(() => toNum('abc')).toThrow(RangeError);
    expect(() => toNum(2 ** 60)).toThrow(RangeError);
  });

  it('int64 renders bigint and integral numbers as decimal strings', () => {
    expect(int64(0xffffffffffffffffn)).toBe('18446744073709551615');
    expect(int64(-5)).toBe('-5');
    expect(() => int64(1n << 64n)).toThrow(RangeError);
    expect(() => int64(0.5)).toThrow(RangeError);
    expect(toBigInt(int64(123n))).toBe(123n);
  });
});
