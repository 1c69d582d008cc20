import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entry, Message, MessageType } from '../../../src/raft/index.js';
import { decodeBatchFast, encodeBatchFast } from '../../../src/store/transport/peer-batch-codec.js';
import { decodeBatch, decodeBatchProtobufjs, encodeBatch, encodeBatchProtobufjs, type MessageBatch } from '../../../src/store/transport/peer-codec.js';
import { damage, expectReadAsProtobufjs } from '../helpers/damaged-bytes.js';

const TYPES: MessageType[] = ['MsgHup', 'MsgBeat', 'MsgProp', 'MsgApp', 'MsgAppResp', 'MsgVote', 'MsgVoteResp', 'MsgHeartbeat', 'MsgHeartbeatResp', 'MsgTimeoutNow', 'MsgReadIndex', 'MsgReadIndexResp', 'MsgPreVote', 'MsgPreVoteResp'];
const id = fc.oneof(fc.constantFrom(0n, 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const n = fc.oneof(fc.constantFrom(0, 1, 127, 128, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.nat());
const data = fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)));
const entry: fc.Arbitrary<Entry> = fc.record({ term: n, index: n, type: fc.constantFrom<Entry['type']>('EntryNormal', 'EntryConfChange'), data });
const msg: fc.Arbitrary<Message> = fc
  .tuple(
    fc.record({ type: fc.constantFrom(...TYPES), to: id, from: id, term: n, logTerm: n, index: n, entries: fc.array(entry, { maxLength: 4 }), commit: n, reject: fc.boolean(), rejectHint: n }),
    fc.option(data.filter((d) => d.length > 0), { nil: undefined }),
  )
  .map(([m, context]) => (context === undefined ? m : { ...m, context }));
const batch: fc.Arbitrary<MessageBatch> = fc.record({ clusterId: id, from: id, messages: fc.array(msg, { maxLength: 5 }) });

/** norm makes an absent entry data, which the protobufjs path reads as [], the empty Buffer it stands for. */
const norm = (b: MessageBatch | undefined): MessageBatch | undefined =>
  b === undefined ? undefined : { ...b, messages: b.messages.map((m) => ({ ...m, entries: m.entries.map((e) => ({ ...e, data: Buffer.from(e.data) })) })) };

describe('peer batch codec', () => {
  it('reads batches protobufjs wrote exactly as the protobufjs path does (members on an older version)', () => {
    fc.assert(
      fc.property(batch, (b) => {
        const old = encodeBatchProtobufjs(b);
        expect(decodeBatchFast(old)).toStrictEqual(decodeBatchProtobufjs(old));
      }),
      { numRuns: 500 },
    );
  });

  it('writes batches the protobufjs path reads back as the same messages', () => {
    fc.assert(
      fc.property(batch, (b) => {
        const own = encodeBatchFast(b)!;
        expect(decodeBatchProtobufjs(own)).toStrictEqual(decodeBatchProtobufjs(encodeBatchProtobufjs(b)));
        expect(decodeBatch(own)).toStrictEqual(decodeBatchProtobufjs(own));
        expect(decodeBatch(encodeBatch(b))).toStrictEqual(decodeBatchProtobufjs(encodeBatchProtobufjs(b)));
      }),
      { numRuns: 500 },
    );
  });

  it('damaged bytes are read as protobufjs reads them, or left to it', () => {
    fc.assert(
      fc.property(batch, fc.nat(2), fc.nat(), fc.nat(255), (b, kind, at, v) => {
        expectReadAsProtobufjs(damage(encodeBatchFast(b)!, kind, at, v), decodeBatchFast, decodeBatchProtobufjs, norm);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves a 32-bit field written as a six-byte varint to protobufjs (CI seed -132330320)', () => {
    // A message (field 3) holding type (field 1) = MsgHup as a 6-byte varint, then term (4) = 1.
    const b = Buffer.from([0x1a, 0x09, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x20, 0x01]);
    expect(decodeBatchFast(b)).toBeUndefined();
    expectReadAsProtobufjs(b, decodeBatchFast, decodeBatchProtobufjs, norm);
  });

  it('leaves a message with a snapshot to protobufjs, in both directions', () => {
    const m: Message = { type: 'MsgSnap', to: 2n, from: 1n, term: 3, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, snapshot: { data: Buffer.from('s'), metadata: { index: 9, term: 3, confState: { voters: [1n, 2n], learners: [] } } } };
    const b: MessageBatch = { clusterId: 5n, from: 1n, messages: [m] };
    expect(encodeBatchFast(b)).toBeUndefined();
    const bytes = encodeBatch(b);
    expect(decodeBatchFast(bytes)).toBeUndefined();
    expect(decodeBatch(bytes).messages[0]!.snapshot?.metadata).toEqual(m.snapshot!.metadata);
  });
});
