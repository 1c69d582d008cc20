import { describe, expect, it } from 'vitest';
import { message, type Message } from '../../../src/raft/index.js';
import {
  decodeBatch,
  decodeLeaseAnswer,
  decodeLeaseRequest,
  decodeSnapshotChunk,
  encodeBatch,
  encodeLeaseAnswer,
  encodeLeaseRequest,
  encodeSnapshotChunk,
} from '../../../src/store/transport/peer-codec.js';

const big = 0xfedcba9876543210n;

describe('peer codec', () => {
  it('round-trips a batch of every message shape with 64-bit member IDs and large terms and indexes', () => {
    const msgs: Message[] = [
      message({ type: 'MsgApp', to: big, from: 1n, term: 7, logTerm: 6, index: 2 ** 40, commit: 2 ** 40 - 1, entries: [
        { term: 7, index: 2 ** 40 + 1, type: 'EntryNormal', data: new Uint8Array([1, 2, 3]) },
        { term: 7, index: 2 ** 40 + 2, type: 'EntryConfChange', data: new Uint8Array([9]) },
      ] }),
      message({ type: 'MsgAppResp', to: 1n, from: big, term: 7, index: 99, reject: true, rejectHint: 42, logTerm: 3 }),
      message({ type: 'MsgHeartbeat', to: big, from: 1n, term: 7, commit: 5, context: new Uint8Array([0xaa, 0xbb]) }),
      message({ type: 'MsgPreVote', to: 2n, from: 1n, term: 8, index: 10, logTerm: 7 }),
      message({ type: 'MsgSnap', to: 2n, from: 1n, term: 8, snapshot: { data: new Uint8Array(0), metadata: { index: 500, term: 6, confState: { voters: [1n, 2n, big], learners: [4n] } } } }),
    ];
    const out = decodeBatch(encodeBatch({ clusterId: big, from: 1n, messages: msgs }));
    expect(out.clusterId).toBe(big);
    expect(out.from).toBe(1n);
    expect(out.messages).toHaveLength(msgs.length);
    for (let i = 0; i < msgs.length; i++) {
      const want = msgs[i]!;
      const got = out.messages[i]!;
      expect(got.type).toBe(want.type);
      expect([got.to, got.from, got.term, got.logTerm, got.index, got.commit, got.reject, got.rejectHint]).toEqual([
        want.to, want.from, want.term, want.logTerm, want.index, want.commit, want.reject, want.rejectHint,
      ]);
      expect(got.entries.map((e) => [e.term, e.index, e.type, [...e.data]])).toEqual(want.entries.map((e) => [e.term, e.index, e.type, [...e.data]]));
      expect(got.context === undefined ? undefined : [...got.context]).toEqual(want.context === undefined ? undefined : [...want.context]);
      expect(got.snapshot?.metadata).toEqual(want.snapshot?.metadata);
    }
  });

  it('round-trips snapshot chunks, lease requests (negative IDs too) and answers', () => {
    const c = decodeSnapshotChunk(encodeSnapshotChunk({ clusterId: big, from: 3n, data: Buffer.from('abc'), last: true, message: message({ type: 'MsgSnap', to: 1n, from: 3n, term: 2 }) }));
    expect([c.clusterId, c.from, c.data.toString(), c.last, c.message?.type]).toEqual([big, 3n, 'abc', true, 'MsgSnap']);
    for (const id of [1n, -1n, 0x7fffffffffffffffn, -(2n ** 63n)]) {
      expect(decodeLeaseRequest('LeaseRenewRequest', encodeLeaseRequest('LeaseRenewRequest', { clusterId: big, id }))).toEqual({ clusterId: big, id });
    }
    expect(decodeLeaseAnswer('LeaseTimeToLiveResponse', encodeLeaseAnswer('LeaseTimeToLiveResponse', { ttl: -1, grantedTtl: 30 }))).toEqual({ ttl: -1, grantedTtl: 30 });
  });

  it('refuses bytes that are not a batch with an error instead of inventing messages', () => {
    expect(() => decodeBatch(Buffer.from([0x1a, 0x05, 0x08]))).toThrow();
  });
});
