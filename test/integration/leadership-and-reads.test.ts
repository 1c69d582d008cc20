/**
 * Leadership transfer and read consistency across store processes:
 * - `etcdctl move-leader` in a 3-member cluster hands leadership to the named follower (Raft's TimeoutNow,
 *   thesis §3.10), in a higher term, and every member then follows it; MoveLeader asked of a follower is
 *   refused as etcd refuses it.
 * - a follower cut off from both other members still answers a serializable Range locally (with what it
 *   has applied), while a linearizable Range (ReadIndex, thesis §6.4) cannot complete without a quorum.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { expect, it } from 'vitest';
import { useClusters, type ClusterMember } from '../compat/helpers/cluster.js';
import { Etcdctl, errorLines } from '../compat/helpers/etcdctl.js';
import { grpcFailure, isServiceError, type RangeResponse } from '../compat/helpers/grpc.js';
import { describeCompat } from '../compat/helpers/tools.js';
import { waitFor } from '../compat/helpers/wait.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const hex = (id: bigint | undefined): string => (id ?? 0n).toString(16);

async function rangeOn(member: ClusterMember, key: string, serializable: boolean, timeoutMs = 10_000): Promise<RangeResponse> {
  const rpc = member.client();
  try {
    return await rpc.unary<RangeResponse>('KV', 'Range', { key: b(key), serializable }, timeoutMs);
  } finally {
    rpc.close();
  }
}

interface JsonStatus {
  Endpoint: string;
  Status: { header: { member_id: number | string; raft_term: number | string }; leader: number | string };
}

describeCompat('leadership transfer and reads across 3 store processes', ['store', 'etcdctl'], () => {
  const startCluster = useClusters();

  it('etcdctl move-leader hands leadership to the named follower in a higher term; asked of a follower it is refused', async () => {
    const c = await startCluster({ members: 3, name: 'move' });
    const before = await c.leaderView();
    const followers = await c.followers();
    const target = followers[0]!;
    const ctl = new Etcdctl(() => c.endpoints.join(','));

    // MoveLeader sent to a follower: etcd answers "not leader", and etcdctl given only followers finds no leader.
    const onFollower = target.client();
    try {
      expect(await grpcFailure(onFollower.unary('Maintenance', 'MoveLeader', { targetID: followers[1]!.memberId!.toString() }))).toEqual({
        code: grpcStatus.FAILED_PRECONDITION,
        details: 'etcdserver: not leader',
      });
    } finally {
      onFollower.close();
    }
    const followerCtl = new Etcdctl(() => followers.map((f) => f.endpoint).join(','));
    const refused = await followerCtl.fail(['move-leader', hex(target.memberId)]);
    expect(errorLines(refused.stderr)).toEqual([`Error: no leader endpoint given at [${followers.map((f) => f.endpoint).join(' ')}]`]);

    const out = await ctl.ok(['move-leader', hex(target.memberId)]);
    expect(out).toBe(`Leadership transferred from ${hex(before.leader.memberId)} to ${hex(target.memberId)}\n`);
    const after = await c.leaderView({ newerThan: before.term });
    expect(after.leader.name).toBe(target.name);
    expect(after.term).toBeGreaterThan(before.term);

    const statuses = await ctl.json<JsonStatus[]>(['endpoint', 'status']);
    expect(statuses).toHaveLength(3);
    for (const st of statuses) {
      expect([st.Endpoint, BigInt(st.Status.leader)]).toEqual([st.Endpoint, target.memberId]);
      expect(Number(st.Status.header.raft_term)).toBe(after.term);
    }
    expect(await ctl.ok(['put', 'move/after', 'v'])).toBe('OK\n');
    expect(await ctl.ok(['get', 'move/after', '--print-value-only'])).toBe('v\n');
  });

  it('a follower cut off from both others serves a serializable read locally, but no linearizable read', async () => {
    const c = await startCluster({ members: 3, name: 'reads' });
    const leader = await c.leader();
    const [alone, other] = await c.followers();
    const rpc = leader.client();
    let written: number;
    try {
      written = Number((await rpc.set('reads/k', 'v1')).header.revision);
    } finally {
      rpc.close();
    }
    await waitFor(async () => ((await rangeOn(alone!, 'reads/k', true)).kvs[0]?.value.toString() === 'v1' ? true : undefined), {
      what: `${alone!.name} to apply the put`,
    });

    leader.pause();
    other!.pause();
    try {
      const local = await rangeOn(alone!, 'reads/k', true, 2_000);
      expect(local.kvs.map((kv) => [kv.value.toString(), Number(kv.mod_revision)])).toEqual([['v1', written]]);
      expect(Number(local.header.revision)).toBe(written);

      const started = Date.now();
      let linearizable: unknown;
      try {
        linearizable = await rangeOn(alone!, 'reads/k', false, 3_000);
      } catch (err) {
        linearizable = err;
      }
      expect(isServiceError(linearizable), `a linearizable read without a quorum answered ${JSON.stringify(linearizable)}`).toBe(true);
      console.log(
        `[reads] ${c.target} linearizable read on ${alone!.name} without a quorum failed after ${Date.now() - started} ms: ${isServiceError(linearizable) ? `${linearizable.code} ${linearizable.details}` : ''}`,
      );
    } finally {
      leader.resume();
      other!.resume();
    }
    const healed = await waitFor(async () => rangeOn(alone!, 'reads/k', false, 2_000), { what: 'a linearizable read after the others resume', timeoutMs: 20_000 });
    expect(healed.kvs[0]?.value.toString()).toBe('v1');
  });
});
