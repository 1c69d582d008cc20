import { describe, expect, it } from 'vitest';
import type { ConfChange, ConfChangeType } from '../../src/raft/index.js';
import {
  decodeConfChangeContext,
  encodeConfChangeContext,
  isLearnerReady,
  validateConfChange,
  type ConfChangeContext,
  type MemberInfo,
} from '../../src/store/membership.js';

const member = (id: bigint, url: string, isLearner = false): MemberInfo => ({ id, name: `m${id}`, peerURLs: [url], clientURLs: [], isLearner });
const members = new Map<bigint, MemberInfo>([
  [1n, member(1n, 'http://a:1')],
  [2n, member(2n, 'http://b:1')],
  [3n, member(3n, 'http://c:1', true)],
]);

function change(type: ConfChangeType, m: MemberInfo, promote = false): { cc: ConfChange; ctx: ConfChangeContext } {
  const ctx = { requestId: '42', member: m, promote };
  return { cc: { type, nodeId: m.id, context: encodeConfChangeContext(ctx) }, ctx };
}

function verdict(type: ConfChangeType, m: MemberInfo, promote = false, removed = new Set<bigint>()): string {
  const { cc, ctx } = change(type, m, promote);
  return validateConfChange(cc, ctx, members, removed)?.message ?? 'ok';
}

describe('membership changes, validated as etcd validates them', () => {
  it('round-trips the conf change context, and a change without one is about its node alone', () => {
    const { cc, ctx } = change('ConfChangeAddLearnerNode', member(0xfedcba9876543210n, 'http://x:1', true));
    expect(decodeConfChangeContext(cc)).toEqual(ctx);
    expect(decodeConfChangeContext({ type: 'ConfChangeRemoveNode', nodeId: 7n, context: new Uint8Array(0) }).member.id).toBe(7n);
  });

  it('answers each refusal with etcd\'s message', () => {
    expect(verdict('ConfChangeAddNode', member(9n, 'http://d:1'))).toBe('ok');
    expect(verdict('ConfChangeAddNode', member(1n, 'http://d:1'))).toBe('etcdserver: member ID already exist');
    expect(verdict('ConfChangeAddNode', member(9n, 'http://a:1'))).toBe('etcdserver: Peer URLs already exists');
    expect(verdict('ConfChangeAddLearnerNode', member(9n, 'http://d:1', true))).toBe('etcdserver: too many learner members in cluster');
    expect(verdict('ConfChangeAddNode', member(9n, 'http://d:1'), false, new Set([9n]))).toBe('etcdserver: member not found');
    expect(verdict('ConfChangeAddNode', member(3n, 'http://c:1'), true)).toBe('ok');
    expect(verdict('ConfChangeAddNode', member(1n, 'http://a:1'), true)).toBe('etcdserver: can only promote a learner member');
    expect(verdict('ConfChangeAddNode', member(9n, 'http://d:1'), true)).toBe('etcdserver: member not found');
    expect(verdict('ConfChangeRemoveNode', member(2n, 'http://b:1'))).toBe('ok');
    expect(verdict('ConfChangeRemoveNode', member(9n, 'http://d:1'))).toBe('etcdserver: member not found');
    expect(verdict('ConfChangeUpdateNode', member(2n, 'http://b:2'))).toBe('ok');
    expect(verdict('ConfChangeUpdateNode', member(2n, 'http://a:1'))).toBe('etcdserver: Peer URLs already exists');
    expect(verdict('ConfChangeUpdateNode', member(9n, 'http://d:1'))).toBe('etcdserver: member not found');
  });

  it('calls a learner ready for promotion at 90% of the leader\'s log (etcd\'s readyPercent)', () => {
    expect(isLearnerReady(900, 1000)).toBe(true);
    expect(isLearnerReady(899, 1000)).toBe(false);
  });
});
