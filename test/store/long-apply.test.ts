import { setImmediate as yieldToIo } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type * as pb from '../../src/store/grpc/types.js';
import type { StoreServer } from '../../src/store/server.js';
import { startInProcessCluster, type InProcessCluster } from './helpers/in-process-store.js';

/**
 * A delete of many keys (etcdctl check perf ends with one of about 100,000; an API server's event lease may
 * hold tens of thousands when it is revoked) takes a member long to apply.
 * It used to hold the member's one thread for a second or more: no heartbeats went out, followers elected
 * and the leader lost CheckQuorum. Now the delete is worked out a chunk at a time with the event loop free,
 * and heartbeats and their responses go out while the Ready that carries the entry is still being handled.
 */

const LEASE = '77';

const KEYS = 80_000;
const BATCH = 2_000;

const clusters: InProcessCluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});

function putMany(from: number, to: number, lease: string): pb.InternalRaftOp {
  const success: pb.RequestOp[] = [];
  for (let i = from; i < to; i++) {
    const key = Buffer.from(`big/${String(i).padStart(6, '0')}`);
    success.push({ request: 'requestPut', requestPut: { key, value: Buffer.alloc(64, 1), lease, prevKv: false, ignoreValue: false, ignoreLease: false } });
  }
  return { request: 'txn', txn: { compare: [], success, failure: [] } } as pb.InternalRaftOp;
}

/** settle advances the clock a heartbeat interval per turn of the event loop until cond holds (10 s at most). */
async function settle(c: InProcessCluster, cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    c.clock.advance(100);
    await yieldToIo();
  }
}

const liveKeys = (m: StoreServer): number => m.kv.rangeLatest('big/', { kind: 'before', end: 'big0' }, 1).count;

const DELETES: { how: string; withLease: boolean; op: pb.InternalRaftOp }[] = [
  {
    how: 'a range delete',
    withLease: false,
    op: { request: 'deleteRange', deleteRange: { key: Buffer.from('big/'), rangeEnd: Buffer.from('big0'), prevKv: false } } as pb.InternalRaftOp,
  },
  { how: 'a lease revoke', withLease: true, op: { request: 'leaseRevoke', leaseRevoke: { ID: LEASE } } as pb.InternalRaftOp },
  {
    how: 'a range delete inside a Txn, after a put',
    withLease: false,
    op: {
      request: 'txn',
      txn: {
        compare: [],
        success: [
          { request: 'requestPut', requestPut: { key: Buffer.from('marker'), value: Buffer.from('1'), lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false } },
          { request: 'requestDeleteRange', requestDeleteRange: { key: Buffer.from('big/'), rangeEnd: Buffer.from('big0'), prevKv: false } },
        ],
        failure: [],
      },
    } as pb.InternalRaftOp,
  },
];

describe('a long apply', () => {
  it.each(DELETES)('costs no election: $how of many keys applies while the clock runs past the election timeout, and reads see it whole or not at all', async ({ withLease, op }) => {
    const c = await startInProcessCluster(3);
    clusters.push(c);
    const leader = c.leader()!;
    if (withLease) await leader.propose({ request: 'leaseGrant', leaseGrant: { ID: LEASE, TTL: '3600' } } as pb.InternalRaftOp);
    for (let i = 0; i < KEYS; i += BATCH) await leader.propose(putMany(i, i + BATCH, withLease ? LEASE : '0'));
    await settle(c, () => c.members.every((m) => liveKeys(m) === KEYS), 'every member applied the puts');
    const { term } = leader.raftStatus();
    // The most keys a member worked out while applying: the deletion is to be worked out ahead, not there.
    let workedOutInApply = 0;
    for (const m of c.members) {
      const planDelete = m.kv.planDelete.bind(m.kv);
      m.kv.planDelete = (...args) => {
        const d = planDelete(...args);
        workedOutInApply = Math.max(workedOutInApply, d.entries.length);
        return d;
      };
    }

    const deleting = leader.propose(op);
    let done = false;
    deleting.then(
      () => (done = true),
      () => (done = true),
    );
    // A heartbeat interval of clock time per turn of the event loop, until every member has applied the delete.
    let advanced = 0;
    const seen = new Set<number>();
    // The longest a follower went without hearing from the leader, in ticks.
    let silence = 0;
    const followers = c.members.filter((m) => m !== leader);
    const deadline = Date.now() + 60_000;
    while (!done || c.members.some((m) => liveKeys(m) !== 0)) {
      if (Date.now() > deadline) throw new Error('the delete did not apply everywhere within 60 s');
      c.clock.advance(100);
      advanced += 100;
      for (const m of c.members) seen.add(liveKeys(m));
      for (const m of followers) silence = Math.max(silence, m.node.raft.electionElapsed);
      await yieldToIo();
    }
    const resp = (await deleting).resp as { deleted?: string };
    if (op.request === 'deleteRange') expect(resp.deleted).toBe(String(KEYS));
    if (op.request === 'txn') expect(resp).toMatchObject({ responses: [{ response: 'responsePut' }, { responseDeleteRange: { deleted: String(KEYS) } }] });
    expect(workedOutInApply).toBe(0);
    // Longer than any election timeout (1 s, randomised up to 2 s) passed meanwhile, in steps.
    expect(advanced).toBeGreaterThan(2_000);
    // Heartbeats kept coming all the while: no follower's election timer got near its timeout.
    expect(silence).toBeLessThan(leader.node.raft.electionTimeout);
    for (const m of c.members) {
      expect(m.raftStatus()).toMatchObject({ term, leader: leader.raftStatus().leader });
      expect(liveKeys(m)).toBe(0);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, KEYS]);
  }, 120_000);
});
