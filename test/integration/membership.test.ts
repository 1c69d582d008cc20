/**
 * Membership changes on a running cluster, under a steady write load, through the Cluster API:
 *
 * - grow 3 → 5: each new member is added as a learner, started with --initial-cluster-state existing
 *   (it learns the cluster ID from its peers and catches up by snapshot), promoted once it is in sync
 *   (MemberPromote refuses it before), then shrink 5 → 3 by removing the leader (which hands leadership
 *   over first) and a follower. No write may fail, every acknowledged write must be there, and HashKV
 *   must agree across the final members.
 * - a removed member stops with etcd's "permanently removed" line, and refuses to rejoin on its data.
 */
import { rmSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { useClusters } from '../compat/helpers/cluster.js';
import type { ControlledStore } from '../compat/helpers/store.js';
import { describeCompat } from '../compat/helpers/tools.js';
import { waitFor } from '../compat/helpers/wait.js';
import { clusterCall, hashesAt, joiningStore, missingAcked, planMembers, promoteWhenReady, readAll, type WireMember } from './helpers/members.js';
import { WriteLoad } from './helpers/write-load.js';

describeCompat('membership changes under write load', ['store'], () => {
  const startCluster = useClusters();
  const extra: { store: ControlledStore; root: string }[] = [];
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') for (const e of extra) console.error(e.store.formattedTail(80));
    await Promise.all(extra.map((e) => e.store.kill9()));
    for (const e of extra.splice(0)) rmSync(e.root, { recursive: true, force: true });
  });

  it('grows from 3 to 5 members (learner, catch up, promote) and shrinks back to 3, the leader included, with no failed write', async () => {
    // A small snapshot count: the log is compacted while the new members are added, so they catch up by snapshot.
    const cluster = await startCluster({ name: 'grow', flags: ['--snapshot-count=300'] });
    const planned = await planMembers('grow-new', 2);
    const load = new WriteLoad([...cluster.endpoints, ...planned.map((p) => p.endpoint)], 'load/');
    try {
      await load.progressed(200);
      let initialCluster = cluster.initialCluster;
      const any = cluster.members[0]!.address;
      const started: ControlledStore[] = [];
      for (const p of planned) {
        const added = await clusterCall<{ member: WireMember; members: WireMember[] }>(any, 'MemberAdd', { peerURLs: [p.peerUrl], isLearner: true });
        expect(added.member.isLearner).toBe(true);
        expect(added.members.map((m) => m.ID)).toContain(added.member.ID);
        const store = joiningStore(p, initialCluster);
        extra.push({ store, root: p.root });
        await store.launch();
        started.push(store);
        await promoteWhenReady(any, added.member.ID);
        initialCluster += `,${p.name}=${p.peerUrl}`;
        await load.progressed(100);
      }
      const listed = await clusterCall<{ members: WireMember[] }>(any, 'MemberList', { linearizable: true });
      expect(listed.members).toHaveLength(5);
      expect(listed.members.every((m) => !m.isLearner && m.name !== '' && m.clientURLs.length === 1)).toBe(true);

      // Shrink: the leader first (it hands leadership over, then is removed), then a follower.
      const leader = await cluster.leader();
      const follower = cluster.members.find((m) => m !== leader)!;
      const survivor = cluster.members.find((m) => m !== leader && m !== follower)!;
      for (const victim of [leader, follower]) {
        const r = await clusterCall<{ members: WireMember[] }>(survivor.address, 'MemberRemove', { ID: victim.memberId!.toString() });
        expect(r.members.map((m) => BigInt(m.ID))).not.toContain(victim.memberId);
        await waitFor(() => (victim.running ? undefined : true), { what: `${victim.name} to stop after its removal`, timeoutMs: 20_000 });
        expect(victim.logTail(400)).toContain('the member has been permanently removed from the cluster');
        await load.progressed(100);
      }
      const result = await load.stop();
      expect(result.failures, 'failed writes').toEqual([]);
      expect(result.acked.size).toBeGreaterThan(600);

      const finals = [survivor.address, ...started.map((s) => s.address)];
      const final = await clusterCall<{ members: WireMember[] }>(survivor.address, 'MemberList', { linearizable: true });
      expect(final.members).toHaveLength(3);
      const found = await readAll(survivor.address, 'load/');
      expect(missingAcked(result.acked, found).slice(0, 10)).toEqual([]);
      const revision = Math.max(...result.acked.values());
      const hashes = await hashesAt(finals, revision);
      expect(new Set(hashes).size, `HashKV at ${revision}: ${hashes.join(', ')}`).toBe(1);
    } finally {
      await load.stop();
    }
  }, 240_000);

  it('a removed member refuses to rejoin on its old data', async () => {
    const cluster = await startCluster({ name: 'rejoin' });
    const victim = (await cluster.followers())[0]!;
    const other = cluster.members.find((m) => m !== victim)!;
    // "no leader" is answered before anything is proposed (an election under CI load): ask again, as a client would.
    await waitFor(
      async () => {
        try {
          return await clusterCall(other.address, 'MemberRemove', { ID: victim.memberId!.toString() });
        } catch (err) {
          if (err instanceof Error && err.message.includes('etcdserver: no leader')) return undefined;
          throw err;
        }
      },
      { what: `${other.name} to remove ${victim.name}`, timeoutMs: 20_000 },
    );
    await waitFor(() => (victim.running ? undefined : true), { what: `${victim.name} to stop after its removal`, timeoutMs: 20_000 });
    await expect(victim.launch()).rejects.toThrow(/permanently removed from the cluster/);
    const again = await clusterCall<{ members: WireMember[] }>(other.address, 'MemberList', { linearizable: true });
    expect(again.members.map((m) => BigInt(m.ID))).not.toContain(victim.memberId);
  }, 120_000);
});
