/**
 * Lease expiry across store processes (issue 3: "expiry is decided by the leader and replicated through
 * Raft; a new leader extends remaining TTLs"). Only the leader revokes an expired lease, through the log, so
 * its keys vanish on every member at the same revision; followers never expire a lease on their own; and
 * when the leader dies, the new leader gives each lease its full TTL again (etcd's lessor Promote), so a key
 * does not vanish because of the leader change.
 *
 * Each member's view is read from a Watch opened on that member (the DELETE event's mod_revision is the
 * revision the revoke was applied at there). Times are measured from the client's side.
 */
import { performance } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { useClusters, type Cluster, type ClusterMember } from '../compat/helpers/cluster.js';
import type { BidiStream, EtcdGrpc, LeaseTimeToLiveResponse, WatchRequest, WatchResponse } from '../compat/helpers/grpc.js';
import { describeCompat } from '../compat/helpers/tools.js';
import { waitFor } from '../compat/helpers/wait.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** KeyWatch is a watch on one key on one member that records the first DELETE it sees. */
class KeyWatch {
  deletedAt: { revision: number; at: number } | undefined;
  private readonly rpc: EtcdGrpc;
  private readonly stream: BidiStream<WatchRequest, WatchResponse>;
  readonly done: Promise<void>;

  constructor(
    readonly member: ClusterMember,
    key: string,
    startRevision: number,
  ) {
    this.rpc = member.client();
    this.stream = this.rpc.watch();
    this.stream.send({ create_request: { key: b(key), start_revision: startRevision } });
    this.done = this.run();
  }

  private async run(): Promise<void> {
    for (;;) {
      const res = await this.stream.next(30_000, `a DELETE of the leased key on ${this.member.name}`);
      const del = res.events.find((e) => e.type === 'Delete');
      if (del !== undefined) {
        this.deletedAt = { revision: Number(del.kv.mod_revision), at: performance.now() };
        return;
      }
    }
  }

  close(): void {
    this.stream.close();
    this.rpc.close();
  }
}

/** grantAndAttach grants a lease of ttl seconds on member and puts key under it; resolves to the lease and the put's revision. */
async function grantAndAttach(member: ClusterMember, key: string, ttl: number): Promise<{ id: string; revision: number; grantedAt: number }> {
  const rpc = member.client();
  try {
    const grantedAt = performance.now();
    const grant = await rpc.leaseGrant(ttl);
    const put = await rpc.put({ key: b(key), value: b('leased'), lease: grant.ID });
    return { id: grant.ID, revision: Number(put.header.revision), grantedAt };
  } finally {
    rpc.close();
  }
}

/** serializableGet reads key on member without a quorum round: what that member has applied. */
async function serializableGet(member: ClusterMember, key: string): Promise<string | undefined> {
  const rpc = member.client();
  try {
    const r = await rpc.range({ key: b(key), serializable: true });
    return r.kvs[0]?.value.toString();
  } finally {
    rpc.close();
  }
}

async function timeToLive(member: ClusterMember, id: string): Promise<LeaseTimeToLiveResponse> {
  const rpc = member.client();
  try {
    return await rpc.leaseTimeToLive(id, true);
  } finally {
    rpc.close();
  }
}

async function expectSameHash(c: Cluster, revision: number): Promise<void> {
  const hashes = await c.hashesAt(revision);
  expect(new Set(hashes.map((h) => h.hash)).size, `HashKV at ${revision}: ${JSON.stringify(hashes)}`).toBe(1);
}

describeCompat('lease expiry across 3 store processes', ['store'], () => {
  const startCluster = useClusters();

  it('an expired lease is revoked by the leader through the log: its key vanishes on every member at the same revision, not before the TTL', async () => {
    const c = await startCluster({ members: 3, name: 'lease-exp' });
    const leader = await c.leader();
    const lease = await grantAndAttach(leader, 'lease/k', 3);
    const watches = c.members.map((m) => new KeyWatch(m, 'lease/k', lease.revision + 1));
    try {
      for (const m of c.members) {
        await waitFor(async () => ((await serializableGet(m, 'lease/k')) === 'leased' ? true : undefined), { what: `${m.name} to apply the put` });
      }
      await Promise.all(watches.map((w) => w.done));
      const revisions = watches.map((w) => w.deletedAt!.revision);
      const earliest = Math.min(...watches.map((w) => w.deletedAt!.at));
      console.log(`[lease] ${c.target} TTL 3 s lease revoked at revision ${revisions.join('/')} ${Math.round(earliest - lease.grantedAt)} ms after the grant was sent`);
      expect(revisions).toEqual([lease.revision + 1, lease.revision + 1, lease.revision + 1]);
      expect(earliest - lease.grantedAt, 'the key vanished before its TTL').toBeGreaterThanOrEqual(3_000);
      for (const m of c.members) expect(await serializableGet(m, 'lease/k'), `lease/k on ${m.name}`).toBeUndefined();
      await expectSameHash(c, lease.revision + 1);
      expect(Number((await timeToLive(leader, lease.id)).TTL)).toBe(-1);
    } finally {
      for (const w of watches) w.close();
    }
  });

  it('a follower cut off from the leader never expires a lease itself: the key outlives its TTL there until a leader revokes it', async () => {
    const c = await startCluster({ members: 3, name: 'lease-alone' });
    const leader = await c.leader();
    const [alone, other] = await c.followers();
    const lease = await grantAndAttach(leader, 'lease/k', 3);
    await waitFor(async () => ((await serializableGet(alone!, 'lease/k')) === 'leased' ? true : undefined), { what: `${alone!.name} to apply the put` });
    // No quorum is left: nobody can revoke anything.
    await Promise.all([leader.kill9(), other!.kill9()]);
    const until = lease.grantedAt + 3_000 + 2_000;
    let reads = 0;
    while (performance.now() < until) {
      expect(await serializableGet(alone!, 'lease/k'), `lease/k on ${alone!.name}, ${Math.round(performance.now() - lease.grantedAt)} ms after the grant`).toBe('leased');
      reads++;
    }
    console.log(`[lease] ${c.target} ${alone!.name} alone kept lease/k for 5 s after a 3 s grant (${reads} serializable reads)`);

    // With a quorum back, a leader is elected, gives the lease a full TTL, and revokes it through the log.
    const watch = new KeyWatch(alone!, 'lease/k', lease.revision + 1);
    try {
      const restartedAt = performance.now();
      await other!.restart();
      await watch.done;
      const back = new KeyWatch(other!, 'lease/k', lease.revision + 1);
      try {
        await back.done;
        expect(back.deletedAt!.revision).toBe(watch.deletedAt!.revision);
      } finally {
        back.close();
      }
      expect(watch.deletedAt!.revision).toBe(lease.revision + 1);
      expect(watch.deletedAt!.at - restartedAt, 'revoked sooner than a TTL after the quorum came back').toBeGreaterThanOrEqual(2_000);
    } finally {
      watch.close();
    }
  });

  it('kill -9 of the leader with 1 s of TTL left: followers keep the key, the new leader gives the lease its full TTL again, then revokes it at one revision on both', async () => {
    const c = await startCluster({ members: 3, name: 'lease-kill' });
    const old = await c.leader();
    const survivors = (await c.followers()).slice(0, 2);
    const lease = await grantAndAttach(old, 'lease/k', 3);
    const watches = survivors.map((m) => new KeyWatch(m, 'lease/k', lease.revision + 1));
    try {
      for (const m of survivors) {
        await waitFor(async () => ((await serializableGet(m, 'lease/k')) === 'leased' ? true : undefined), { what: `${m.name} to apply the put` });
      }
      await waitFor(async () => (Number((await timeToLive(old, lease.id)).TTL) <= 1 ? true : undefined), {
        what: 'the lease to have 1 s left',
        timeoutMs: 5_000,
        intervalMs: 20,
      });
      const killedAt = performance.now();
      await old.kill9();
      const elected = await c.leaderView({ exclude: [old], timeoutMs: 15_000 });
      const electedAt = performance.now();
      // Right after the election the lease has its full TTL again (etcd: TTL plus an election timeout).
      const ttl = await timeToLive(elected.leader, lease.id);
      console.log(`[lease] ${c.target} leader killed with <=1 s left; new leader ${elected.leader.name} after ${Math.round(electedAt - killedAt)} ms; TTL there ${ttl.TTL}/${ttl.grantedTTL}`);
      expect(Number(ttl.grantedTTL)).toBe(3);
      expect(Number(ttl.TTL), 'remaining TTL on the new leader').toBeGreaterThanOrEqual(2);
      expect(ttl.keys.map((k) => k.toString())).toEqual(['lease/k']);
      for (const m of survivors) expect(await serializableGet(m, 'lease/k'), `lease/k on ${m.name} after the election`).toBe('leased');

      await Promise.all(watches.map((w) => w.done));
      const revisions = watches.map((w) => w.deletedAt!.revision);
      const earliest = Math.min(...watches.map((w) => w.deletedAt!.at));
      console.log(`[lease] ${c.target} revoked at revision ${revisions.join('/')} ${Math.round(earliest - killedAt)} ms after the kill, ${Math.round(earliest - electedAt)} ms after the election was seen`);
      expect(revisions[0]).toBeGreaterThan(lease.revision);
      expect(revisions[1]).toBe(revisions[0]);
      // It outlived what the old leader had left (<= 1 s) by a full TTL counted from the new leadership.
      expect(earliest - electedAt, 'the key vanished less than a TTL after the new leader took over').toBeGreaterThanOrEqual(2_000);
      for (const m of survivors) expect(await serializableGet(m, 'lease/k')).toBeUndefined();
      await expectSameHash(c, revisions[0]!);
    } finally {
      for (const w of watches) w.close();
    }
  });
});
