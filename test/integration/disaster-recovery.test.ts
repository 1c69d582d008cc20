/**
 * Disaster recovery after losing quorum (etcd's --force-new-cluster): two of three members are killed
 * with SIGKILL, the survivor is restarted with --force-new-cluster and comes back as a one-member cluster
 * with everything it held — the same keys and revisions, the same cluster ID and member ID — and then grows
 * again: a new member is added as a learner, joins, catches up and is promoted, and both agree on HashKV. A write
 * acknowledged a moment before every member was killed is kept, on the member that answered it and on a follower.
 */
import { rmSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { useClusters } from '../compat/helpers/cluster.js';
import { EtcdGrpc } from '../compat/helpers/grpc.js';
import { createStore, type ControlledStore } from '../compat/helpers/store.js';
import { describeCompat } from '../compat/helpers/tools.js';
import { clusterCall, hashesAt, joiningStore, missingAcked, planMembers, promoteWhenReady, readAll, type WireMember } from './helpers/members.js';
import { WriteLoad } from './helpers/write-load.js';

describeCompat('disaster recovery with --force-new-cluster', ['store'], () => {
  const startCluster = useClusters();
  const extra: { store: ControlledStore; root?: string }[] = [];
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') for (const e of extra) console.error(e.store.formattedTail(80));
    await Promise.all(extra.map((e) => e.store.kill9()));
    for (const e of extra.splice(0)) if (e.root !== undefined) rmSync(e.root, { recursive: true, force: true });
  });

  it('brings a survivor of a lost quorum back as a one-member cluster with its data, then adds a member back', async () => {
    const cluster = await startCluster({ name: 'dr' });
    const load = new WriteLoad(cluster.endpoints, 'dr/');
    await load.progressed(300);
    const written = await load.stop();
    expect(written.failures).toEqual([]);

    const survivor = (await cluster.followers())[0]!;
    const before = await survivor.status();
    const clusterId = before.header.cluster_id;
    await Promise.all(cluster.members.filter((m) => m !== survivor).map((m) => m.kill9()));
    await survivor.kill9();

    // The same member, data directory and ports, restarted with --force-new-cluster.
    const flags = [...survivor.argv.filter((a) => a.startsWith('--') && a.includes('=')), '--force-new-cluster'];
    const { name, endpoint, address, peerUrl, dataDir, logFile } = survivor;
    const forced = createStore({ name, endpoint, address, peerUrl, dataDir, logFile, root: dataDir, flags });
    extra.push({ store: forced });
    await forced.launch();

    const list = await clusterCall<{ header: { cluster_id: string }; members: WireMember[] }>(forced.address, 'MemberList', { linearizable: true });
    expect(list.members.map((m) => BigInt(m.ID))).toEqual([survivor.memberId]);
    expect(list.header.cluster_id).toBe(clusterId);
    expect(missingAcked(written.acked, await readAll(forced.address, 'dr/')).slice(0, 10)).toEqual([]);
    const rpc = new EtcdGrpc(forced.address);
    try {
      await rpc.put({ key: Buffer.from('dr/after'), value: Buffer.from('writable') });
    } finally {
      rpc.close();
    }

    // Grow again: a fresh member joins the recovered cluster.
    const [p] = await planMembers('dr-new', 1);
    const added = await clusterCall<{ member: WireMember }>(forced.address, 'MemberAdd', { peerURLs: [p!.peerUrl], isLearner: true });
    const joiner = joiningStore(p!, `${survivor.name}=${survivor.peerUrl}`);
    extra.push({ store: joiner, root: p!.root });
    await joiner.launch();
    await promoteWhenReady(forced.address, added.member.ID);
    const after = await clusterCall<{ members: WireMember[] }>(forced.address, 'MemberList', { linearizable: true });
    expect(after.members.filter((m) => !m.isLearner)).toHaveLength(2);
    const revision = Number((await survivor.status()).header.revision);
    const hashes = await hashesAt([forced.address, joiner.address], revision);
    expect(new Set(hashes).size, `HashKV: ${hashes.join(', ')}`).toBe(1);
  }, 180_000);

  it('keeps a write acknowledged just before every member was killed, on the leader that answered it and on a follower that applied it', async () => {
    // The commit index such a write moved reaches the backend only with the applied state, up to the batch
    // interval later; --force-new-cluster keeps only the entries up to the commit index on disk, so it is the
    // commit mark, written before the answer, that must carry it across the kill.
    const cluster = await startCluster({ name: 'dr-ack' });
    const leader = await cluster.leader();
    const follower = (await cluster.followers())[0]!;
    const watcher = follower.client();
    const watch = watcher.watch();
    const acked = new Map<string, number>();
    try {
      watch.send({ create_request: { key: Buffer.from('ack/last') } });
      await watch.next(10_000, 'the watch created on the follower');
      const rpc = leader.client();
      try {
        for (let i = 0; i < 20; i++) {
          const key = i === 19 ? 'ack/last' : `ack/k${String(i)}`;
          const r = await rpc.put({ key: Buffer.from(key), value: Buffer.from('v') });
          acked.set(key, Number(r.header.revision));
        }
      } finally {
        rpc.close();
      }
      // The follower's watch event comes from its own apply of the last put: kill everything right then.
      const res = await watch.next(10_000, 'the last put applied on the follower');
      expect(res.events.map((e) => e.kv.key.toString())).toEqual(['ack/last']);
      await Promise.all(cluster.members.map((m) => m.kill9()));
    } finally {
      watch.close();
      watcher.close();
    }

    // Each of the two, in turn, restarted alone with --force-new-cluster on its own data directory.
    for (const member of [leader, follower]) {
      const flags = [...member.argv.filter((a) => a.startsWith('--') && a.includes('=')), '--force-new-cluster'];
      const { name, endpoint, address, peerUrl, dataDir, logFile } = member;
      const forced = createStore({ name, endpoint, address, peerUrl, dataDir, logFile, root: dataDir, flags });
      extra.push({ store: forced });
      await forced.launch();
      expect(missingAcked(acked, await readAll(forced.address, 'ack/')), `on ${name}`).toEqual([]);
      await forced.kill9();
    }
  }, 120_000);
});
