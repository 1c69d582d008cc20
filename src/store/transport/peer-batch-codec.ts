/**
 * peer-batch-codec writes and reads, by hand, capstanpb.MessageBatch — the unit of every member-to-member
 * stream write, carrying MsgApp with its entries, MsgAppResp, heartbeats and votes — without protobufjs's
 * Long objects and intermediate message objects. The bytes are ordinary proto3 (zero fields left out), which
 * protobufjs and Go read as the same batch; peer-codec.ts's protobufjs path stays for what this file leaves
 * out (a message carrying a snapshot) and for bytes it does not fully understand, where it returns undefined.
 */
import type { Entry, Message, MessageType } from '../../raft/index.js';
import { EMPTY, Reader, Writer } from '../grpc/proto-wire.js';

const TWO_32 = 4294967296;

/** MESSAGE_TYPES are the Raft message types by their capstanpb.MessageType number. */
export const MESSAGE_TYPES: readonly MessageType[] = [
  'MsgHup',
  'MsgBeat',
  'MsgProp',
  'MsgApp',
  'MsgAppResp',
  'MsgVote',
  'MsgVoteResp',
  'MsgSnap',
  'MsgHeartbeat',
  'MsgHeartbeatResp',
  'MsgUnreachable',
  'MsgSnapStatus',
  'MsgCheckQuorum',
  'MsgTransferLeader',
  'MsgTimeoutNow',
  'MsgReadIndex',
  'MsgReadIndexResp',
  'MsgPreVote',
  'MsgPreVoteResp',
];
/** TYPE_CODE is the capstanpb.MessageType number of each Raft message type. */
export const TYPE_CODE = new Map<MessageType, number>(MESSAGE_TYPES.map((t, i) => [t, i]));

/** FastBatch is a MessageBatch as this codec sees it (peer-codec.ts's MessageBatch). */
interface FastBatch {
  clusterId: bigint;
  from: bigint;
  messages: Message[];
}

function writeMessage(w: Writer, m: Message): boolean {
  const type = TYPE_CODE.get(m.type);
  if (type === undefined || m.snapshot !== undefined) return false;
  w.enumField(1, type);
  w.int64Field(2, m.to);
  w.int64Field(3, m.from);
  w.int64Field(4, m.term);
  w.int64Field(5, m.logTerm);
  w.int64Field(6, m.index);
  for (const e of m.entries) {
    const at = w.fork(7);
    w.int64Field(1, e.term);
    w.int64Field(2, e.index);
    w.enumField(3, e.type === 'EntryConfChange' ? 1 : 0);
    // Written even when empty: the protobufjs path of older members reads an absent data as [], not bytes.
    w.bytesMember(4, e.data);
    w.join(at);
  }
  w.int64Field(8, m.commit);
  w.boolField(10, m.reject);
  w.int64Field(11, m.rejectHint);
  if (m.context !== undefined) w.bytesField(12, m.context);
  return true;
}

/** encodeBatchFast writes a batch; undefined if a message carries a snapshot (left to protobufjs). */
export function encodeBatchFast(b: FastBatch): Buffer | undefined {
  const w = new Writer();
  w.int64Field(1, b.clusterId);
  w.int64Field(2, b.from);
  for (const m of b.messages) {
    const at = w.fork(3);
    if (!writeMessage(w, m)) return undefined;
    w.join(at);
  }
  return w.finish();
}

/** big is the Reader's last varint as a uint64 bigint. */
function big(r: Reader): bigint {
  return r.hi === 0 ? BigInt(r.lo) : (BigInt(r.hi) << 32n) | BigInt(r.lo);
}

/** num is the Reader's uint64 as a number; -1 if beyond the safe range (protobufjs's path throws for it). */
function num(r: Reader): number {
  return r.hi < 0x200000 ? r.hi * TWO_32 + r.lo : -1;
}

function readEntry(r: Reader, end: number): Entry | undefined {
  const e: Entry = { term: 0, index: 0, type: 'EntryNormal', data: EMPTY };
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    const tag = r.lo;
    if (tag === (4 << 3 | 2)) {
      const b = r.bytes();
      if (b === undefined) return undefined;
      e.data = b;
      continue;
    }
    if ((tag & 7) !== 0 || !((tag >>> 3) === 3 ? r.varint32() : r.varint())) return undefined;
    switch (tag >>> 3) {
      case 1:
        e.term = num(r);
        if (e.term < 0) return undefined;
        break;
      case 2:
        e.index = num(r);
        if (e.index < 0) return undefined;
        break;
      case 3:
        e.type = r.lo === 1 ? 'EntryConfChange' : 'EntryNormal';
        break;
      default:
        return undefined;
    }
  }
  return r.pos === end ? e : undefined;
}

function readMessage(r: Reader, end: number): Message | undefined {
  let type: MessageType = 'MsgHup';
  let to = 0n;
  let from = 0n;
  let term = 0;
  let logTerm = 0;
  let index = 0;
  const entries: Entry[] = [];
  let commit = 0;
  let reject = false;
  let rejectHint = 0;
  let context: Buffer | undefined;
  while (r.pos < end) {
    if (!r.tag()) return undefined;
    const tag = r.lo;
    if (tag === (7 << 3 | 2)) {
      const n = r.length();
      if (n < 0) return undefined;
      const e = readEntry(r, r.pos + n);
      if (e === undefined) return undefined;
      entries.push(e);
      continue;
    }
    if (tag === (12 << 3 | 2)) {
      const b = r.bytes();
      if (b === undefined) return undefined;
      context = b;
      continue;
    }
    // Anything else is a varint field; a snapshot (9) or an unknown field goes to protobufjs. The type (an enum)
    // and reject (a bool) are 32-bit varints to protobufjs.
    const field = tag >>> 3;
    if ((tag & 7) !== 0 || !(field === 1 || field === 10 ? r.varint32() : r.varint())) return undefined;
    if (field === 1) {
      const t = r.hi === 0 ? MESSAGE_TYPES[r.lo] : undefined;
      if (t === undefined) return undefined;
      type = t;
    } else if (field === 2) to = big(r);
    else if (field === 3) from = big(r);
    else if (field === 10) {
      if (r.hi !== 0) return undefined;
      reject = r.lo !== 0;
    } else {
      const v = num(r);
      if (v < 0) return undefined;
      if (field === 4) term = v;
      else if (field === 5) logTerm = v;
      else if (field === 6) index = v;
      else if (field === 8) commit = v;
      else if (field === 11) rejectHint = v;
      else return undefined;
    }
  }
  if (r.pos !== end) return undefined;
  const m: Message = { type, to, from, term, logTerm, index, entries, commit, reject, rejectHint };
  if (context !== undefined && context.length > 0) m.context = context;
  return m;
}

/** decodeBatchFast reads a batch; undefined for anything it does not fully understand (left to protobufjs). */
export function decodeBatchFast(bytes: Buffer): FastBatch | undefined {
  const r = new Reader(bytes, 0, bytes.length);
  let clusterId = 0n;
  let from = 0n;
  const messages: Message[] = [];
  while (r.pos < bytes.length) {
    if (!r.tag()) return undefined;
    const tag = r.lo;
    if (tag === (3 << 3 | 2)) {
      const n = r.length();
      if (n < 0) return undefined;
      const m = readMessage(r, r.pos + n);
      if (m === undefined) return undefined;
      messages.push(m);
    } else if (tag === (1 << 3) || tag === (2 << 3)) {
      if (!r.varint()) return undefined;
      if (tag === 1 << 3) clusterId = big(r);
      else from = big(r);
    } else return undefined;
  }
  return { clusterId, from, messages };
}
