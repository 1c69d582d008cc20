/**
 * bench/store/codec-cpu measures, in one process, the CPU each codec step of a KV call costs the store: the
 * request's decode, the response's encode and the Raft entry's encode and decode, once through protobufjs
 * (proto-loader's conversion, as before kv-codec.ts) and once through the hand-written codecs. It prints
 * CPU-microseconds per message (process.cpuUsage), which is far less sensitive to a busy machine than a
 * cluster benchmark. Run: npx tsx bench/store/codec-cpu.ts [--iterations 50000]
 */
import { parseArgs } from 'node:util';
import { decodeKvEntry, encodeKvEntry } from '../../src/store/grpc/fast-codec.js';
import { withFastKvCodec } from '../../src/store/grpc/kv-codec.js';
import { CONVERSION_OPTIONS, loadProtos } from '../../src/store/grpc/proto.js';
import type * as pb from '../../src/store/grpc/types.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '50000' } } });
const N = Number(values.iterations);
const P = loadProtos();
const slow = P.services.KV;
const fast = withFastKvCodec(slow);
const IRR = P.types.InternalRaftRequest;

const header: pb.ResponseHeader = { clusterId: '14841639068965178418', memberId: '10276657743932975437', revision: '1234567', raftTerm: '7' };
const value = Buffer.alloc(256, 0x61);
const put: pb.PutRequest = { key: Buffer.from('bench/put/c12/3456'), value, lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false };
const range: pb.RangeRequest = {
  key: Buffer.from('bench/get/key'), rangeEnd: Buffer.alloc(0), limit: '0', revision: '0', sortOrder: 'NONE', sortTarget: 'KEY', serializable: true,
  keysOnly: false, countOnly: false, minModRevision: '0', maxModRevision: '0', minCreateRevision: '0', maxCreateRevision: '0',
};
const kv: pb.KeyValue = { key: range.key, createRevision: '1200000', modRevision: '1234000', version: '34001', value, lease: '0' };
// The Txn the apiserver sends to bind a pod: update if the mod revision is unchanged, else read the key back.
const podKey = Buffer.from('/registry/pods/default/pod-12345');
const podValue = Buffer.alloc(1500, 0x62);
const txn: pb.TxnRequest = {
  compare: [{ result: 'EQUAL', target: 'MOD', key: podKey, rangeEnd: Buffer.alloc(0), targetUnion: 'modRevision', modRevision: '1234000' }],
  success: [{ request: 'requestPut', requestPut: { ...put, key: podKey, value: podValue } }],
  failure: [{ request: 'requestRange', requestRange: { ...range, key: podKey, serializable: false } }],
};
const responses: Record<string, unknown> = {
  Put: { header, prevKv: null } satisfies pb.PutResponse,
  Range: { header, kvs: [kv], more: false, count: '1' } satisfies pb.RangeResponse,
  Txn: { header, succeeded: true, responses: [{ response: 'responsePut', responsePut: { header: { clusterId: '0', memberId: '0', revision: '1234567', raftTerm: '0' }, prevKv: null } }] } satisfies pb.TxnResponse,
};
const requests: Record<string, unknown> = { Put: put, Range: range, Txn: txn };
const entries: Record<string, pb.InternalRaftRequest> = {
  Put: { header: { id: '9346170926491239425' }, request: 'put', put },
  Txn: { header: { id: '9346170926491239425' }, request: 'txn', txn },
};

function cpuMicros(fn: () => void): number {
  for (let i = 0; i < Math.min(N, 5000); i++) fn();
  const before = process.cpuUsage();
  for (let i = 0; i < N; i++) fn();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / N;
}

const rows: string[][] = [['step', 'protobufjs µs', 'hand µs', 'ratio']];
const row = (step: string, a: number, b: number): void => void rows.push([step, a.toFixed(2), b.toFixed(2), (b / a).toFixed(2)]);
for (const m of ['Put', 'Range', 'Txn']) {
  const bytes = slow[m]!.requestSerialize(requests[m]);
  row(`${m} request decode`, cpuMicros(() => slow[m]!.requestDeserialize(bytes)), cpuMicros(() => fast[m]!.requestDeserialize(bytes)));
  row(`${m} response encode`, cpuMicros(() => slow[m]!.responseSerialize(responses[m])), cpuMicros(() => fast[m]!.responseSerialize(responses[m])));
}
for (const m of ['Put', 'Txn']) {
  const e = entries[m]!;
  const old = Buffer.from(IRR.encode(IRR.fromObject(e)).finish());
  row(`${m} entry encode`, cpuMicros(() => IRR.encode(IRR.fromObject(e)).finish()), cpuMicros(() => encodeKvEntry(e)));
  row(`${m} entry decode`, cpuMicros(() => IRR.toObject(IRR.decode(old), CONVERSION_OPTIONS)), cpuMicros(() => decodeKvEntry(old)));
}
for (const r of rows) console.log(r[0]!.padEnd(24), ...r.slice(1).map((c) => c.padStart(14)));
