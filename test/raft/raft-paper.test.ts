/**
 * Unit tests of the Raft core, each citing the section of the Raft paper (Ongaro & Ousterhout, "In Search of
 * an Understandable Consensus Algorithm", 2014) or of Ongaro's thesis (2014) whose rule it checks.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, NONE, ProposalDroppedError, RawNode, message, type Entry } from '../../src/raft/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { TestCluster, enc } from './helpers/cluster.js';

function lone(id: bigint, peers: bigint[], opts: { preVote?: boolean; checkQuorum?: boolean; storage?: MemoryStorage } = {}): RawNode {
  return new RawNode({
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage: opts.storage ?? new MemoryStorage(peers),
    random: new SeededRandom(7),
    preVote: opts.preVote ?? false,
    checkQuorum: opts.checkQuorum ?? false,
  });
}

/** persistAndAdvance does what a caller must do with a Ready before advance(): store it. */
function persistAndAdvance(n: RawNode, storage: MemoryStorage): void {
  const rd = n.ready();
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
  storage.append(rd.entries);
  n.advance(rd);
}

function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: 'EntryNormal', data: enc(data) };
}

describe('paper §5.1: terms', () => {
  it('a member that sees a higher term adopts it and becomes follower, whatever its role', () => {
    for (const role of ['follower', 'candidate', 'leader'] as const) {
      const n = lone(1n, [1n, 2n, 3n]);
      if (role !== 'follower') n.campaign();
      if (role === 'leader') n.step(message({ type: 'MsgVoteResp', from: 2n, to: 1n, term: 1 }));
      expect(n.raft.state).toBe(role === 'follower' ? 'StateFollower' : role === 'candidate' ? 'StateCandidate' : 'StateLeader');
      n.step(message({ type: 'MsgApp', from: 2n, to: 1n, term: 5 }));
      expect(n.raft.term).toBe(5);
      expect(n.raft.state).toBe('StateFollower');
      expect(n.raft.lead).toBe(2n);
    }
  });

  it('a request with a stale term is rejected and does not change state', () => {
    const n = lone(1n, [1n, 2n, 3n]);
    n.step(message({ type: 'MsgApp', from: 2n, to: 1n, term: 3 }));
    n.ready();
    n.step(message({ type: 'MsgVote', from: 3n, to: 1n, term: 2, index: 100, logTerm: 2 }));
    expect(n.raft.term).toBe(3);
    expect(n.raft.vote).toBe(NONE);
    const rd = n.ready();
    expect(rd.messages.filter((m) => m.type === 'MsgVoteResp')).toHaveLength(0);
  });
});

describe('paper §5.2: leader election', () => {
  it('members start as followers', () => {
    expect(lone(1n, [1n, 2n, 3n]).raft.state).toBe('StateFollower');
  });

  it('a follower that hears nothing for an election timeout becomes candidate, increments its term and votes for itself', () => {
    const n = lone(1n, [1n, 2n, 3n]);
    for (let i = 0; i < 20; i++) n.tick();
    expect(n.raft.state).toBe('StateCandidate');
    expect(n.raft.term).toBe(1);
    expect(n.raft.vote).toBe(1n);
    const votes = n.ready().messages.filter((m) => m.type === 'MsgVote');
    expect(votes.map((m) => m.to).sort()).toEqual([2n, 3n]);
  });

  it('election timeouts are randomised in [electionTimeout, 2·electionTimeout)', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const n = new RawNode({ id: 1n, electionTick: 10, heartbeatTick: 1, storage: new MemoryStorage([1n, 2n, 3n]), random: new SeededRandom(seed) });
      const t = n.raft.randomizedElectionTimeout;
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThan(20);
      seen.add(t);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('a candidate wins with a majority of votes, loses with a majority of rejections, and waits otherwise', () => {
    const cases: { size: number; votes: Record<string, boolean>; want: string }[] = [
      { size: 3, votes: { '2': true }, want: 'StateLeader' },
      { size: 3, votes: { '2': false, '3': false }, want: 'StateFollower' },
      { size: 5, votes: { '2': true }, want: 'StateCandidate' },
      { size: 5, votes: { '2': true, '3': true }, want: 'StateLeader' },
      { size: 5, votes: { '2': false, '3': false, '4': false }, want: 'StateFollower' },
      { size: 5, votes: { '2': true, '3': false, '4': false }, want: 'StateCandidate' },
    ];
    for (const c of cases) {
      const peers = Array.from({ length: c.size }, (_, i) => BigInt(i + 1));
      const n = lone(1n, peers);
      n.campaign();
      for (const [from, granted] of Object.entries(c.votes)) {
        n.step(message({ type: 'MsgVoteResp', from: BigInt(from), to: 1n, term: 1, reject: !granted }));
      }
      expect(n.raft.state, JSON.stringify(c)).toBe(c.want);
    }
  });

  it('a member votes for at most one candidate per term, first come first served', () => {
    const n = lone(1n, [1n, 2n, 3n]);
    n.step(message({ type: 'MsgVote', from: 2n, to: 1n, term: 1 }));
    n.step(message({ type: 'MsgVote', from: 3n, to: 1n, term: 1 }));
    const resps = n.ready().messages.filter((m) => m.type === 'MsgVoteResp');
    expect(resps.map((m) => [m.to, m.reject])).toEqual([
      [2n, false],
      [3n, true],
    ]);
    expect(n.raft.vote).toBe(2n);
  });

  it('the vote is durable state: it is in the HardState of the Ready that carries the response', () => {
    const n = lone(1n, [1n, 2n, 3n]);
    n.step(message({ type: 'MsgVote', from: 2n, to: 1n, term: 4 }));
    const rd = n.ready();
    expect(rd.hardState).toEqual({ term: 4, vote: 2n, commit: 0 });
    expect(rd.mustSync).toBe(true);
    expect(rd.messages[0]!.type).toBe('MsgVoteResp');
  });

  it('a three-member cluster elects exactly one leader and all agree on it', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.tick(40);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    for (const m of c.members.values()) expect(m.node.raft.lead).toBe(leaders[0]);
  });
});

describe('paper §5.3: log replication', () => {
  it('the leader replicates a proposal, commits it once a majority persisted it, and followers learn the commit', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    c.get(1n).node.propose(enc('x'));
    c.deliver();
    for (const m of c.members.values()) {
      expect(m.applied).toEqual(['x']);
      expect(m.node.raft.raftLog.committed).toBe(2);
    }
  });

  it('a follower rejects MsgApp whose previous entry does not match, with a hint for fast back-tracking', () => {
    const storage = new MemoryStorage([1n, 2n, 3n]);
    storage.append([entry(1, 1), entry(2, 2), entry(3, 2), entry(4, 2)]);
    storage.setHardState({ term: 2, vote: NONE, commit: 1 });
    const n = lone(2n, [1n, 2n, 3n], { storage });
    // The leader of term 5 believes our entry 4 is from term 4: we have term 2 there.
    n.step(message({ type: 'MsgApp', from: 1n, to: 2n, term: 5, index: 4, logTerm: 4, commit: 1 }));
    const resp = n.ready().messages.find((m) => m.type === 'MsgAppResp')!;
    expect(resp.reject).toBe(true);
    expect(resp.index).toBe(4);
    // Hint: our last entry at or before 4 with term ≤ 4 is (4, 2), so the leader can skip term 2 at once.
    expect(resp.rejectHint).toBe(4);
    expect(resp.logTerm).toBe(2);
  });

  it('a follower truncates a conflicting suffix and appends the leader entries (Log Matching)', () => {
    const storage = new MemoryStorage([1n, 2n, 3n]);
    storage.append([entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 2, 'stale')]);
    storage.setHardState({ term: 2, vote: NONE, commit: 2 });
    const n = lone(2n, [1n, 2n, 3n], { storage });
    n.step(message({ type: 'MsgApp', from: 1n, to: 2n, term: 3, index: 2, logTerm: 1, commit: 3, entries: [entry(3, 3, 'new')] }));
    const rd = n.ready();
    expect(rd.entries.map((e) => [e.index, e.term])).toEqual([[3, 3]]);
    expect(rd.committedEntries.map((e) => new TextDecoder().decode(e.data))).toEqual(['a', 'b', 'new']);
  });

  it('a follower with a divergent log is repaired within a few round trips thanks to conflict hints', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    // Member 3 is cut off while member 1 leads on with 50 entries in several batches.
    c.isolate(3n);
    for (let i = 0; i < 50; i++) {
      c.get(1n).node.propose(enc(`e${i}`));
      if (i % 10 === 9) c.deliver();
    }
    c.heal();
    const before = c.sent.length;
    c.tick(2);
    const rejections = c.sent.slice(before).filter((m) => m.type === 'MsgAppResp' && m.reject).length;
    expect(c.get(3n).applied).toHaveLength(50);
    expect(rejections).toBeLessThanOrEqual(2);
  });

  it('the leader counts its own log toward the commit quorum only after it persisted it (advance)', () => {
    const storage = new MemoryStorage([1n]);
    const n = lone(1n, [1n], { storage });
    n.campaign();
    expect(n.raft.state).toBe('StateLeader');
    const rd = n.ready();
    expect(rd.entries).toHaveLength(1);
    // Nothing is committed until the leader's own append is durable.
    expect(rd.committedEntries).toHaveLength(0);
    expect(n.raft.raftLog.committed).toBe(0);
    storage.setHardState(rd.hardState!);
    storage.append(rd.entries);
    n.advance(rd);
    expect(n.raft.raftLog.committed).toBe(1);
    expect(n.ready().committedEntries.map((e) => e.index)).toEqual([1]);
  });
});

describe('paper §5.4: safety', () => {
  it('§5.4.1 a voter refuses a candidate whose log is less up to date', () => {
    const storage = new MemoryStorage([1n, 2n, 3n]);
    storage.append([entry(1, 1), entry(2, 3)]);
    storage.setHardState({ term: 3, vote: NONE, commit: 0 });
    const cases = [
      { index: 5, logTerm: 2, granted: false }, // older last term, longer log
      { index: 1, logTerm: 3, granted: false }, // same last term, shorter log
      { index: 2, logTerm: 3, granted: true },
      { index: 1, logTerm: 4, granted: true },
    ];
    for (const c of cases) {
      const st = new MemoryStorage([1n, 2n, 3n]);
      st.append([entry(1, 1), entry(2, 3)]);
      st.setHardState({ term: 3, vote: NONE, commit: 0 });
      const n = lone(1n, [1n, 2n, 3n], { storage: st });
      n.step(message({ type: 'MsgVote', from: 2n, to: 1n, term: 4, index: c.index, logTerm: c.logTerm }));
      const resp = n.ready().messages.find((m) => m.type === 'MsgVoteResp')!;
      expect(resp.reject, JSON.stringify(c)).toBe(!c.granted);
    }
  });

  it('§5.4.2 (Figure 8) a leader does not commit an entry of an earlier term by counting replicas', () => {
    // Leader of term 3 holds entry 2 from term 2, replicated on a majority; it must not commit it until an
    // entry of term 3 is replicated too.
    const storage = new MemoryStorage([1n, 2n, 3n]);
    storage.append([entry(1, 1), entry(2, 2)]);
    storage.setHardState({ term: 2, vote: NONE, commit: 1 });
    const n = lone(1n, [1n, 2n, 3n], { storage });
    n.campaign();
    n.step(message({ type: 'MsgVoteResp', from: 2n, to: 1n, term: 3 }));
    expect(n.raft.state).toBe('StateLeader');
    persistAndAdvance(n, storage);
    // Member 2 acknowledges entry 2 (term 2) only.
    n.step(message({ type: 'MsgAppResp', from: 2n, to: 1n, term: 3, index: 2 }));
    expect(n.raft.raftLog.committed).toBe(1);
    // Once it acknowledges the term-3 entry at index 3, both commit.
    n.step(message({ type: 'MsgAppResp', from: 2n, to: 1n, term: 3, index: 3 }));
    expect(n.raft.raftLog.committed).toBe(3);
  });
});

describe('thesis §6.2 and §4.2.3: CheckQuorum and leader stickiness', () => {
  it('a leader that has not heard from a quorum for an election timeout steps down', () => {
    const c = new TestCluster([1n, 2n, 3n], { checkQuorum: true, preVote: true });
    c.get(1n).node.campaign();
    c.deliver();
    expect(c.leaders()).toEqual([1n]);
    c.isolate(1n);
    c.tick(25, [1n]);
    expect(c.get(1n).node.raft.state).toBe('StateFollower');
    expect(c.get(1n).node.raft.lead).toBe(NONE);
  });

  it('a follower that hears from its leader ignores a vote request from a disruptive candidate', () => {
    const c = new TestCluster([1n, 2n, 3n], { checkQuorum: true });
    c.get(1n).node.campaign();
    c.deliver();
    const f = c.get(2n).node;
    f.step(message({ type: 'MsgVote', from: 3n, to: 2n, term: 10, index: 100, logTerm: 9 }));
    expect(f.raft.term).toBe(1);
    expect(f.raft.lead).toBe(1n);
  });
});

describe('thesis §9.6: PreVote', () => {
  it('a partitioned member does not raise its term while it cannot win, and rejoins without deposing the leader', () => {
    const c = new TestCluster([1n, 2n, 3n], { checkQuorum: true, preVote: true });
    c.get(1n).node.campaign();
    c.deliver();
    c.isolate(3n);
    c.tick(100, [3n]);
    expect(c.get(3n).node.raft.term).toBe(1);
    expect(c.get(3n).node.raft.state).toBe('StatePreCandidate');
    c.heal();
    c.tick(5);
    expect(c.leaders()).toEqual([1n]);
    expect(c.get(1n).node.raft.term).toBe(1);
  });
});

describe('thesis §6.4: ReadIndex', () => {
  it('a leader answers a read index only after a heartbeat round confirms a quorum still follows it', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    c.get(1n).node.propose(enc('a'));
    c.deliver();
    c.isolate(1n);
    c.get(1n).node.readIndex(enc('r1'));
    c.deliver();
    expect(c.get(1n).readStates).toHaveLength(0);
    c.heal();
    c.tick(1);
    expect(c.get(1n).readStates).toEqual([{ index: 2, requestCtx: enc('r1') }]);
  });

  it('a follower forwards the request to the leader and gets the leader commit index back', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    c.get(1n).node.propose(enc('a'));
    c.deliver();
    c.get(3n).node.readIndex(enc('f'));
    c.deliver();
    expect(c.get(3n).readStates).toEqual([{ index: 2, requestCtx: enc('f') }]);
  });

  it('a new leader defers read index requests until an entry of its term commits', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.drop = (m) => m.type === 'MsgAppResp';
    c.get(1n).node.campaign();
    c.deliver();
    expect(c.get(1n).node.isLeader()).toBe(true);
    c.get(1n).node.readIndex(enc('early'));
    c.deliver();
    expect(c.get(1n).readStates).toHaveLength(0);
    c.heal();
    c.tick(1);
    expect(c.get(1n).readStates.map((r) => r.index)).toEqual([1]);
  });
});

describe('paper §7: log compaction and snapshots', () => {
  it('the leader sends a snapshot to a follower that needs compacted entries, and the follower catches up', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    c.isolate(3n);
    for (let i = 0; i < 20; i++) c.get(1n).node.propose(enc(`v${i}`));
    c.deliver();
    c.snapshotAndCompact(1n);
    c.heal();
    c.tick(3);
    expect(c.sentOfType('MsgSnap').filter((m) => m.to === 3n)).toHaveLength(1);
    // Report the snapshot delivered, as a transport does, so the leader resumes sending entries.
    c.get(1n).node.reportSnapshot(3n, 'finish');
    c.get(1n).node.propose(enc('after'));
    c.tick(3);
    expect(c.get(3n).applied).toEqual(c.get(1n).applied);
    expect(c.get(3n).applied.at(-1)).toBe('after');
  });
});

describe('thesis §4.1: single-member membership changes', () => {
  it('a learner receives the log but neither votes nor counts toward commit; promotion makes it a voter', () => {
    const c = new TestCluster([1n, 2n]);
    c.get(1n).node.campaign();
    c.deliver();
    c.add(3n, [1n, 2n], [3n]);
    c.get(1n).node.proposeConfChange({ type: 'ConfChangeAddLearnerNode', nodeId: 3n, context: new Uint8Array(0) });
    c.deliver();
    c.get(1n).node.propose(enc('x'));
    c.deliver();
    expect(c.get(3n).applied).toEqual(['x']);
    expect(c.get(1n).node.status().config).toEqual({ voters: [1n, 2n], learners: [3n] });
    // With member 2 cut off, a 2-voter cluster cannot commit even though the learner acknowledges.
    c.isolate(2n);
    c.get(1n).node.propose(enc('y'));
    c.deliver();
    expect(c.get(1n).applied).toEqual(['x']);
    c.heal();
    c.tick(1);
    c.get(1n).node.proposeConfChange({ type: 'ConfChangeAddNode', nodeId: 3n, context: new Uint8Array(0) });
    c.deliver();
    expect(c.get(1n).node.status().config).toEqual({ voters: [1n, 2n, 3n], learners: [] });
    expect(c.get(3n).node.status().config).toEqual({ voters: [1n, 2n, 3n], learners: [] });
  });

  it('a second conf change is refused while one is pending', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    c.drop = (m) => m.type === 'MsgAppResp';
    c.get(1n).node.proposeConfChange({ type: 'ConfChangeAddLearnerNode', nodeId: 4n, context: new Uint8Array(0) });
    expect(() => c.get(1n).node.proposeConfChange({ type: 'ConfChangeAddLearnerNode', nodeId: 5n, context: new Uint8Array(0) })).toThrow(
      ProposalDroppedError,
    );
  });

  it('a removed leader steps down and hands leadership to a caught-up voter at once', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    c.get(1n).node.proposeConfChange({ type: 'ConfChangeRemoveNode', nodeId: 1n, context: new Uint8Array(0) });
    c.deliver();
    expect(c.get(1n).node.raft.state).toBe('StateFollower');
    expect(c.sentOfType('MsgTimeoutNow')).toHaveLength(1);
    const newLeaders = c.leaders();
    expect(newLeaders).toHaveLength(1);
    expect(newLeaders[0]).not.toBe(1n);
    // The removed member never campaigns again.
    c.tick(50);
    expect(c.get(1n).node.raft.state).toBe('StateFollower');
    expect(c.get(newLeaders[0]!).node.status().config.voters).toEqual([2n, 3n]);
  });
});

describe('thesis §3.10: leadership transfer', () => {
  it('the leader brings the transferee up to date, sends MsgTimeoutNow, and the transferee wins', () => {
    const c = new TestCluster([1n, 2n, 3n], { checkQuorum: true, preVote: true });
    c.get(1n).node.campaign();
    c.deliver();
    c.get(1n).node.transferLeader(3n);
    c.deliver();
    expect(c.leaders()).toEqual([3n]);
    expect(c.get(3n).node.raft.term).toBe(2);
  });

  it('proposals are refused while a transfer is in progress', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    c.isolate(3n);
    c.get(1n).node.transferLeader(3n);
    c.deliver();
    expect(() => c.get(1n).node.propose(enc('x'))).toThrow(ProposalDroppedError);
  });
});

describe('proposals', () => {
  it('a follower forwards proposals to the leader', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    c.get(2n).node.propose(enc('via-follower'));
    c.deliver();
    expect(c.get(1n).applied).toEqual(['via-follower']);
  });

  it('a proposal with no leader fails with ProposalDroppedError, which is retryable', () => {
    const n = lone(1n, [1n, 2n, 3n]);
    let err: unknown;
    try {
      n.propose(enc('x'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProposalDroppedError);
    expect((err as ProposalDroppedError).retryable).toBe(true);
    expect((err as ProposalDroppedError).code).toBe('PROPOSAL_DROPPED');
  });

  it('the leader refuses proposals beyond maxUncommittedEntriesSize', () => {
    const c = new TestCluster([1n, 2n, 3n], { maxUncommittedEntriesSize: 1000 });
    c.get(1n).node.campaign();
    c.deliver();
    c.drop = (m) => m.type === 'MsgAppResp';
    c.get(1n).node.propose(new Uint8Array(600));
    expect(() => c.get(1n).node.propose(new Uint8Array(600))).toThrow(ProposalDroppedError);
  });

  it('proposals between two Readys go out in one MsgApp per follower', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.get(1n).node.campaign();
    c.deliver();
    const before = c.sent.length;
    for (let i = 0; i < 100; i++) c.get(1n).node.propose(enc(`b${i}`));
    const msgs = c.processReady(1n);
    expect(msgs.filter((m) => m.type === 'MsgApp')).toHaveLength(2);
    expect(msgs.find((m) => m.type === 'MsgApp')!.entries).toHaveLength(100);
    expect(c.sent.length).toBe(before);
  });
});

describe('thesis §10.2.1: batching and pipelining', () => {
  const entryBytes = (m: { entries: Entry[] }): number => m.entries.reduce((n, e) => n + e.data.byteLength + 24, 0);

  it('a follower in StateReplicate gets up to maxInflightMsgs MsgApps without acknowledging, then none until an ack frees a slot', () => {
    const c = new TestCluster([1n, 2n, 3n], { maxInflightMsgs: 2 });
    c.get(1n).node.campaign();
    c.deliver();
    const to3: ReturnType<TestCluster['processReady']> = [];
    for (let i = 0; i < 5; i++) {
      c.get(1n).node.propose(enc(`p${i}`));
      to3.push(...c.processReady(1n).filter((m) => m.type === 'MsgApp' && m.to === 3n));
    }
    expect(to3).toHaveLength(2);
    const pr = c.get(1n).node.status().progress!.get(3n)!;
    expect([pr.state, pr.inflight]).toEqual(['StateReplicate', 2]);

    // 3 receives and acknowledges only the first MsgApp: exactly one slot frees, and one MsgApp goes out,
    // carrying everything 3 has not been sent yet.
    c.get(3n).node.step(to3[0]!);
    const acks = c.processReady(3n).filter((m) => m.type === 'MsgAppResp');
    expect(acks).toHaveLength(1);
    c.get(1n).node.step(acks[0]!);
    const next = c.processReady(1n).filter((m) => m.type === 'MsgApp' && m.to === 3n);
    expect(next).toHaveLength(1);
    expect(next[0]!.entries.map((e) => new TextDecoder().decode(e.data))).toEqual(['p2', 'p3', 'p4']);
    expect(c.get(1n).node.status().progress!.get(3n)!.inflight).toBe(2);
  });

  it('a MsgApp carries entries up to maxSizePerMsg bytes, and always at least one', () => {
    const c = new TestCluster([1n, 2n, 3n], { maxSizePerMsg: 80 });
    c.get(1n).node.campaign();
    c.deliver();
    // 26 bytes each (payload + 24): three fit in 80, a fourth would not.
    for (let i = 1; i <= 5; i++) c.get(1n).node.propose(enc(`a${i}`));
    const out = c.processReady(1n);
    const first = out.filter((m) => m.type === 'MsgApp' && m.to === 2n);
    expect(first.map((m) => m.entries.length)).toEqual([3]);
    expect(entryBytes(first[0]!)).toBeLessThanOrEqual(80);
    for (const m of out) {
      c.sent.push(m);
      c.get(m.to).node.step(m);
    }
    c.deliver();
    const apps = c.sentOfType('MsgApp').filter((m) => m.to === 2n && m.entries.length > 0);
    expect(apps.slice(-2).map((m) => m.entries.length)).toEqual([3, 2]);

    // An entry larger than the bound travels alone.
    c.get(1n).node.propose(new Uint8Array(100));
    c.get(1n).node.propose(enc('b1'));
    const big = c.processReady(1n).filter((m) => m.type === 'MsgApp' && m.to === 2n);
    expect(big.map((m) => m.entries.length)).toEqual([1]);
    expect(entryBytes(big[0]!)).toBe(124);
  });
});
