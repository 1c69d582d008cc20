import { describe, expect, it } from 'vitest';
import { MemoryStorage, RawNode, type Entry, type Message } from '../../src/raft/index.js';
import { Unstable } from '../../src/raft/log-unstable.js';
import { SeededRandom } from '../../src/util/random.js';
import { TestCluster, enc } from './helpers/cluster.js';

/**
 * Config.asyncStorageWrites (etcd-io/raft's AsyncStorageWrites): each Ready is handed out once, the caller
 * reports its write (advanceAppend) and its application (advanceApply) separately, and a member applies only
 * what is durable on its own disk — so a leader acknowledges nothing before its own write and a quorum's.
 */

const ents = (from: number, terms: number[]): Entry[] => terms.map((term, i) => ({ index: from + i, term, type: 'EntryNormal', data: new Uint8Array(0) }));
const dec = (e: Entry): string => new TextDecoder().decode(e.data);

describe('RawNode with asynchronous storage writes', () => {
  it('hands a Ready out once: its entries are not offered again while their write is in flight', () => {
    const storage = new MemoryStorage([1n]);
    const node = new RawNode({ id: 1n, electionTick: 10, heartbeatTick: 1, storage, random: new SeededRandom(1), asyncStorageWrites: true });
    node.campaign();
    const rd1 = node.ready();
    expect(rd1.entries.map((e) => e.index)).toEqual([1]);
    expect(rd1.mustSync).toBe(true);
    // A single voter commits its own entry, but only once it is durable.
    node.propose(enc('x'));
    const rd2 = node.ready();
    expect(rd2.entries.map((e) => e.index)).toEqual([2]);
    expect(rd2.committedEntries).toEqual([]);
    expect(node.hasReady()).toBe(false);
    storage.setHardState(rd1.hardState!);
    storage.append(rd1.entries);
    node.advanceAppend(rd1);
    const rd3 = node.ready();
    expect(rd3.entries).toEqual([]);
    expect(rd3.committedEntries.map((e) => e.index)).toEqual([1]);
    node.advanceApply(rd3);
    storage.append(rd2.entries);
    node.advanceAppend(rd2);
    const rd4 = node.ready();
    expect(rd4.committedEntries.map(dec)).toEqual(['x']);
    expect(rd4.hardState?.commit).toBe(2);
    node.advanceApply(rd4);
    expect(node.hasReady()).toBe(false);
  });

  it('a leader hands an entry out for applying only after its own write, even once both followers persisted it', () => {
    const c = new TestCluster([1n, 2n, 3n], { asyncStorageWrites: true });
    c.get(1n).node.campaign();
    c.deliver();
    const leader = c.get(1n);
    expect(leader.node.isLeader()).toBe(true);
    leader.node.propose(enc('x'));
    const rd = leader.node.ready();
    const x = rd.entries.at(-1)!;
    expect(dec(x)).toBe('x');
    // The appends leave before the leader's own write; both followers persist and acknowledge.
    const acks: Message[] = [];
    for (const m of rd.messages) c.get(m.to).node.step(m);
    for (const id of [2n, 3n]) acks.push(...c.processReady(id));
    for (const m of acks) leader.node.step(m);
    expect(leader.node.status().hardState.commit).toBe(x.index);
    // Committed by the followers' quorum, but not yet durable here: nothing to apply.
    expect(leader.node.hasReady() ? leader.node.ready().committedEntries : []).toEqual([]);
    leader.storage.append(rd.entries);
    leader.node.advanceAppend(rd);
    expect(leader.node.ready().committedEntries.map(dec)).toEqual(['x']);
  });

  it('with one follower acknowledging, the leader commits only once its own write is reported', () => {
    const c = new TestCluster([1n, 2n, 3n], { asyncStorageWrites: true });
    c.get(1n).node.campaign();
    c.deliver();
    const leader = c.get(1n);
    leader.node.propose(enc('y'));
    const rd = leader.node.ready();
    const y = rd.entries.at(-1)!;
    for (const m of rd.messages) if (m.to === 2n) c.get(2n).node.step(m);
    for (const m of c.processReady(2n)) leader.node.step(m);
    expect(leader.node.status().hardState.commit).toBeLessThan(y.index);
    leader.storage.append(rd.entries);
    leader.node.advanceAppend(rd);
    expect(leader.node.status().hardState.commit).toBe(y.index);
  });

  it('a write reported after its entries were replaced does not mark the replacements stable', () => {
    const u = new Unstable(1);
    u.truncateAndAppend(ents(1, [1, 1, 1]));
    expect(u.nextEntries().map((e) => e.index)).toEqual([1, 2, 3]);
    u.acceptInProgress();
    expect(u.hasNextEntries()).toBe(false);
    // A new leader replaces 2..3 while the write of 1..3 is in flight: 2 is offered again.
    u.truncateAndAppend(ents(2, [2]));
    expect(u.nextEntries().map((e) => `${e.term}/${e.index}`)).toEqual(['2/2']);
    u.acceptInProgress();
    u.stableTo(3, 1);
    expect(u.offset).toBe(1);
    u.stableTo(2, 2);
    expect(u.offset).toBe(3);
    expect(u.entries).toEqual([]);
  });
});
