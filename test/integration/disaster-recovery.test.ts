/**
 * Disaster recovery after losing quorum (etcd's --force-new-cluster): two of three members are killed
 * with SIGKILL, the survivor is restarted with --force-new-cluster and comes back as a one-member cluster
 * with everything it held — the same keys and revisions, the same cluster ID and member ID — and then grows
 * again: a new member is added as a learner, joins, catches up and is promoted, and both agree on HashKV.
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
});
