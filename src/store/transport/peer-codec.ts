import path from 'node:path';
import protobuf from 'protobufjs';
import type { Entry, Message, Snapshot } from '../../raft/index.js';
import { PROTO_DIR } from '../grpc/proto.js';
import { MESSAGE_TYPES, TYPE_CODE, decodeBatchFast, encodeBatchFast } from './peer-batch-codec.js';

/**
 * The codec of the member-to-member protocol (proto/capstanpb/raft.proto). It converts between the Raft
 * core's types (bigint member IDs, number terms and indexes) and protobuf bytes with protobufjs directly —
 * no string round trips on the hot path.
 */

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}

type Decoded64 = number | LongLike | undefined | null;

interface PeerTypes {
  MessageBatch: protobuf.Type;
  SnapshotChunk: protobuf.Type;
  SnapshotAck: protobuf.Type;
  StreamAck: protobuf.Type;
  LeaseRenewRequest: protobuf.Type;
  LeaseRenewResponse: protobuf.Type;
  LeaseTimeToLiveRequest: protobuf.Type;
  LeaseTimeToLiveResponse: protobuf.Type;
}

let loadedTypes: PeerTypes | undefined;

/** types parses capstanpb/raft.proto on first use and returns the same Types afterwards. */
function types(): PeerTypes {
  if (loadedTypes !== undefined) return loadedTypes;
  const root = new protobuf.Root();
  root.resolvePath = (_o, t) => (path.isAbsolute(t) ? t : path.join(PROTO_DIR, t));
  root.loadSync('capstanpb/raft.proto', { keepCase: false });
  root.resolveAll();
  const t = (n: string) => root.lookupType(`capstanpb.${n}`);
  loadedTypes = {
    MessageBatch: t('MessageBatch'),
    SnapshotChunk: t('SnapshotChunk'),
    SnapshotAck: t('SnapshotAck'),
    StreamAck: t('StreamAck'),
    LeaseRenewRequest: t('LeaseRenewRequest'),
    LeaseRenewResponse: t('LeaseRenewResponse'),
    LeaseTimeToLiveRequest: t('LeaseTimeToLiveRequest'),
    LeaseTimeToLiveResponse: t('LeaseTimeToLiveResponse'),
  };
  return loadedTypes;
}


/** id64 turns a bigint member ID into what protobufjs writes for a uint64. */
function id64(id: bigint): LongLike {
  return { low: Number(id & 0xffffffffn) | 0, high: Number((id >> 32n) & 0xffffffffn) | 0, unsigned: true };
}

function toBig(v: Decoded64): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number') return BigInt(v);
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

function toNum(v: Decoded64): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const negative = !v.unsigned && v.high < 0;
  const n = negative ? -((~v.high >>> 0) * 4294967296 + (~v.low >>> 0) + 1) : (v.high >>> 0) * 4294967296 + (v.low >>> 0);
  if (!Number.isSafeInteger(n)) throw new RangeError(`peer codec: ${n} is beyond the safe integer range`);
  return n;
}

function encodeSnapshot(s: Snapshot): object {
  return {
    data: s.data,
    metadata: {
      index: s.metadata.index,
      term: s.metadata.term,
      confState: { voters: s.metadata.confState.voters.map(id64), learners: s.metadata.confState.learners.map(id64) },
    },
  };
}

function encodeMessage(m: Message): object {
  const o: Record<string, unknown> = {
    type: TYPE_CODE.get(m.type),
    to: id64(m.to),
    from: id64(m.from),
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
  };
  if (m.entries.length > 0) o['entries'] = m.entries.map((e) => ({ term: e.term, index: e.index, type: e.type === 'EntryConfChange' ? 1 : 0, data: e.data }));
  if (m.snapshot !== undefined) o['snapshot'] = encodeSnapshot(m.snapshot);
  if (m.context !== undefined && m.context.length > 0) o['context'] = m.context;
  return o;
}

interface DecodedMessage {
  type?: number;
  to?: Decoded64;
  from?: Decoded64;
  term?: Decoded64;
  logTerm?: Decoded64;
  index?: Decoded64;
  entries?: { term?: Decoded64; index?: Decoded64; type?: number; data?: Uint8Array }[];
  commit?: Decoded64;
  snapshot?: { data?: Uint8Array; metadata?: { index?: Decoded64; term?: Decoded64; confState?: { voters?: Decoded64[]; learners?: Decoded64[] } } } | null;
  reject?: boolean;
  rejectHint?: Decoded64;
  context?: Uint8Array;
}

function decodeMessage(d: DecodedMessage): Message {
  const type = MESSAGE_TYPES[d.type ?? 0];
  if (type === undefined) throw new Error(`peer codec: unknown message type ${d.type}`);
  const entries: Entry[] = (d.entries ?? []).map((e) => ({
    term: toNum(e.term),
    index: toNum(e.index),
    type: e.type === 1 ? 'EntryConfChange' : 'EntryNormal',
    data: e.data ?? new Uint8Array(0),
  }));
  const m: Message = {
    type,
    to: toBig(d.to),
    from: toBig(d.from),
    term: toNum(d.term),
    logTerm: toNum(d.logTerm),
    index: toNum(d.index),
    entries,
    commit: toNum(d.commit),
    reject: d.reject ?? false,
    rejectHint: toNum(d.rejectHint),
  };
  if (d.snapshot !== undefined && d.snapshot !== null) {
    const md = d.snapshot.metadata ?? {};
    m.snapshot = {
      data: d.snapshot.data ?? new Uint8Array(0),
      metadata: {
        index: toNum(md.index),
        term: toNum(md.term),
        confState: { voters: (md.confState?.voters ?? []).map(toBig), learners: (md.confState?.learners ?? []).map(toBig) },
      },
    };
  }
  if (d.context !== undefined && d.context.length > 0) m.context = d.context;
  return m;
}

/** MessageBatch is one write on a peer stream. */
export interface MessageBatch {
  clusterId: bigint;
  from: bigint;
  messages: Message[];
}

/** encodeBatch writes a batch by hand (peer-batch-codec.ts), or through protobufjs if it carries a snapshot. */
export function encodeBatch(b: MessageBatch): Buffer {
  return encodeBatchFast(b) ?? encodeBatchProtobufjs(b);
}

/** decodeBatch reads a batch by hand, or through protobufjs (and its errors) for anything the hand reader leaves. */
export function decodeBatch(bytes: Buffer): MessageBatch {
  return decodeBatchFast(bytes) ?? decodeBatchProtobufjs(bytes);
}

/** encodeBatchProtobufjs is the generic path of encodeBatch (and the reference its tests compare with). */
export function encodeBatchProtobufjs(b: MessageBatch): Buffer {
  const t = types().MessageBatch;
  return Buffer.from(t.encode({ clusterId: id64(b.clusterId), from: id64(b.from), messages: b.messages.map(encodeMessage) }).finish());
}

/** decodeBatchProtobufjs is the generic path of decodeBatch (and the reference its tests compare with). */
export function decodeBatchProtobufjs(bytes: Buffer): MessageBatch {
  const d = types().MessageBatch.decode(bytes) as unknown as { clusterId?: Decoded64; from?: Decoded64; messages?: DecodedMessage[] };
  return { clusterId: toBig(d.clusterId), from: toBig(d.from), messages: (d.messages ?? []).map(decodeMessage) };
}

/** SnapshotChunk is one write of a snapshot transfer. */
export interface SnapshotChunk {
  clusterId: bigint;
  from: bigint;
  message?: Message;
  data: Buffer;
  last: boolean;
}

export function encodeSnapshotChunk(c: SnapshotChunk): Buffer {
  const o: Record<string, unknown> = { clusterId: id64(c.clusterId), from: id64(c.from), data: c.data, last: c.last };
  if (c.message !== undefined) o['message'] = encodeMessage(c.message);
  return Buffer.from(types().SnapshotChunk.encode(o).finish());
}

export function decodeSnapshotChunk(bytes: Buffer): SnapshotChunk {
  const d = types().SnapshotChunk.decode(bytes) as unknown as { clusterId?: Decoded64; from?: Decoded64; message?: DecodedMessage | null; data?: Uint8Array; last?: boolean };
  const c: SnapshotChunk = { clusterId: toBig(d.clusterId), from: toBig(d.from), data: Buffer.from(d.data ?? new Uint8Array(0)), last: d.last ?? false };
  if (d.message !== undefined && d.message !== null) c.message = decodeMessage(d.message);
  return c;
}

/** LeaseRequest asks the leader about a lease for a follower (renew, or time to live). */
export interface LeaseRequest {
  clusterId: bigint;
  id: bigint;
}

export function encodeLeaseRequest(kind: 'LeaseRenewRequest' | 'LeaseTimeToLiveRequest', r: LeaseRequest): Buffer {
  return Buffer.from(types()[kind].encode({ clusterId: id64(r.clusterId), id: id64(BigInt.asUintN(64, r.id)) }).finish());
}

export function decodeLeaseRequest(kind: 'LeaseRenewRequest' | 'LeaseTimeToLiveRequest', bytes: Buffer): LeaseRequest {
  const d = types()[kind].decode(bytes) as unknown as { clusterId?: Decoded64; id?: Decoded64 };
  return { clusterId: toBig(d.clusterId), id: BigInt.asIntN(64, toBig(d.id)) };
}

/** LeaseAnswer is the leader's answer: TTL (and the granted TTL for TimeToLive) in seconds. */
export interface LeaseAnswer {
  ttl: number;
  grantedTtl: number;
}

export function encodeLeaseAnswer(kind: 'LeaseRenewResponse' | 'LeaseTimeToLiveResponse', a: LeaseAnswer): Buffer {
  return Buffer.from(types()[kind].encode(kind === 'LeaseRenewResponse' ? { ttl: a.ttl } : { ttl: a.ttl, grantedTtl: a.grantedTtl }).finish());
}

export function decodeLeaseAnswer(kind: 'LeaseRenewResponse' | 'LeaseTimeToLiveResponse', bytes: Buffer): LeaseAnswer {
  const d = types()[kind].decode(bytes) as unknown as { ttl?: Decoded64; grantedTtl?: Decoded64 };
  return { ttl: toNum(d.ttl), grantedTtl: toNum(d.grantedTtl) };
}

/** encodeAck and decodeAck handle the stream and snapshot acknowledgements. */
export function encodeAck(kind: 'StreamAck' | 'SnapshotAck', applied = false): Buffer {
  return Buffer.from(types()[kind].encode(kind === 'SnapshotAck' ? { applied } : {}).finish());
}

export function decodeAck(kind: 'StreamAck' | 'SnapshotAck', bytes: Buffer): { applied: boolean } {
  const d = types()[kind].decode(bytes) as unknown as { applied?: boolean };
  return { applied: d.applied ?? false };
}
