import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/index.js';
import { TestCluster, enc } from './helpers/cluster.js';

/**
 * RawNode.takeMessages: while the caller still handles a Ready (between ready() and advance()), it hands out
 * the heartbeats and heartbeat responses produced meanwhile, and leaves everything else for the next Ready.
 * The store uses it to keep leadership alive through a long apply.
 */

const HEARTBEATS = new Set<Message['type']>(['MsgHeartbeat', 'MsgHeartbeatResp']);
const kinds = (ms: readonly Message[]): string[] => ms.map((m) => `${m.type}→${String(m.to)}`).sort();

function elected(): TestCluster {
  const c = new TestCluster([1n, 2n, 3n]);
  c.get(1n).node.campaign();
  c.deliver();
  expect(c.get(1n).node.isLeader()).toBe(true);
  return c;
}

describe('RawNode.takeMessages', () => {
  it('hands a leader the heartbeats of ticks taken during a Ready, and keeps its appends for the next Ready', () => {
    const leader = elected().get(1n).node;
    const rd = leader.ready();
    // Mid-Ready: a proposal (appends, batched into the next Ready) and a heartbeat tick.
    leader.propose(enc('x'));
    leader.tick();
    const taken = leader.takeMessages(HEARTBEATS);
    expect(kinds(taken)).toEqual(['MsgHeartbeat→2', 'MsgHeartbeat→3']);
    expect(leader.takeMessages(HEARTBEATS)).toEqual([]);
    leader.advance(rd);
    const next = leader.ready();
    expect(next.messages.some((m) => m.type === 'MsgHeartbeat')).toBe(false);
    expect(kinds(next.messages.filter((m) => m.type === 'MsgApp'))).toEqual(['MsgApp→2', 'MsgApp→3']);
    expect(next.entries.map((e) => new TextDecoder().decode(e.data))).toEqual(['x']);
  });

  it("hands a follower its heartbeat response at once, and keeps an append's acknowledgement for after its write", () => {
    const c = elected();
    const leader = c.get(1n).node;
    const follower = c.get(2n).node;
    const rd = follower.ready();
    leader.propose(enc('y'));
    const appends = leader.ready().messages.filter((m) => m.to === 2n && m.type === 'MsgApp');
    expect(appends).toHaveLength(1);
    leader.tick();
    const heartbeat = leader.takeMessages(HEARTBEATS).find((m) => m.to === 2n)!;
    follower.step(appends[0]!);
    follower.step(heartbeat);
    expect(kinds(follower.takeMessages(HEARTBEATS))).toEqual(['MsgHeartbeatResp→1']);
    follower.advance(rd);
    const next = follower.ready();
    expect(kinds(next.messages)).toEqual(['MsgAppResp→1']);
    expect(next.entries).toHaveLength(1);
  });

  it('takes nothing, and changes nothing, when no message of the types is waiting', () => {
    const c = elected();
    const follower = c.get(3n).node;
    follower.ready();
    expect(follower.takeMessages(HEARTBEATS)).toEqual([]);
    expect(follower.hasReady()).toBe(false);
  });
});
