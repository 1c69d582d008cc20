/**
 * `etcdctl member list|add|remove|update|promote` (v3 API) against a running 3-member cluster: the output
 * etcdctl 3.4 prints, etcd's refusals with their exact messages and gRPC codes, and a learner that joins
 * with the ETCD_* lines `member add` printed, is refused promotion until it caught up, then is promoted and
 * removed (and stops).
 */
import { rmSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { clusterCall, joiningStore, planMembers } from '../integration/helpers/members.js';
import { useClusters } from './helpers/cluster.js';
import { Etcdctl, errorLines } from './helpers/etcdctl.js';
import { isServiceError } from './helpers/grpc.js';
import type { ControlledStore } from './helpers/store.js';
import { describeCompat } from './helpers/tools.js';
import { waitFor } from './helpers/wait.js';

interface JsonMember {
  ID: string;
  name?: string;
  peerURLs: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

const hex = (id: string | bigint): string => BigInt(id).toString(16);

/** h16 is etcdctl's `%16x` of an ID already in hexadecimal: padded with spaces to 16 characters. */
function h16(hexId: string): string {
  return hexId.padStart(16, ' ');
}

describeCompat('etcdctl member commands', ['store', 'etcdctl'], () => {
  const startCluster = useClusters();
  const extra: { store: ControlledStore; root: string }[] = [];
  afterEach(async () => {
    await Promise.all(extra.map((e) => e.store.kill9()));
    for (const e of extra.splice(0)) rmSync(e.root, { recursive: true, force: true });
  });

  it('lists, adds a learner, refuses bad changes with etcd\'s errors, updates, promotes once in sync and removes', async () => {
    const cluster = await startCluster({ name: 'ctl' });
    const ctl = new Etcdctl(() => cluster.endpoints.join(','));
    const listed = await ctl.json<{ header: { cluster_id: string }; members: JsonMember[] }>(['member', 'list']);
    expect(listed.members).toHaveLength(3);
    const clusterId = hex(listed.header.cluster_id);
    const table = await ctl.ok(['member', 'list']);
    for (const m of cluster.members) expect(table).toContain(`, started, ${m.name}, ${m.peerUrl}, ${m.endpoint}, false`);

    const [p, moved] = await planMembers('ctl-new', 2);
    const add = await ctl.ok(['member', 'add', p!.name, `--peer-urls=${p!.peerUrl}`, '--learner']);
    const id = /^Member +([0-9a-f]+) added to cluster +([0-9a-f]+)$/m.exec(add); // etcdctl prints %16x: space-padded
    expect(id?.[2]).toBe(clusterId);
    expect(add).toContain(`ETCD_NAME="${p!.name}"`);
    expect(add).toContain(`ETCD_INITIAL_ADVERTISE_PEER_URLS="${p!.peerUrl}"`);
    expect(add).toContain('ETCD_INITIAL_CLUSTER_STATE="existing"');
    const learnerId = BigInt(`0x${id![1]!}`);
    expect(await ctl.ok(['member', 'list'])).toContain(`${id![1]}, unstarted, , ${p!.peerUrl}, , true`);

    const refusals: [string[], string][] = [
      [['member', 'add', 'dup', `--peer-urls=${cluster.members[0]!.peerUrl}`], 'etcdserver: Peer URLs already exists'],
      [['member', 'add', 'second', `--peer-urls=${moved!.peerUrl}`, '--learner'], 'etcdserver: too many learner members in cluster'],
      [['member', 'promote', learnerId.toString(16)], 'etcdserver: can only promote a learner member which is in sync with leader'],
      [['member', 'promote', cluster.members[0]!.memberId!.toString(16)], 'etcdserver: can only promote a learner member'],
      [['member', 'remove', 'abcdef'], 'etcdserver: member not found'],
      [['member', 'update', 'abcdef', `--peer-urls=${moved!.peerUrl}`], 'etcdserver: member not found'],
    ];
    for (const [args, message] of refusals) {
      // A loaded machine may be between leaders for a moment: etcd answers "no leader" then too; ask again.
      const r = await waitFor(
        async () => {
          const f = await ctl.fail(args);
          return errorLines(f.stderr).includes('Error: etcdserver: no leader') ? undefined : f;
        },
        { what: `${args.join(' ')} answered by a member with a leader`, timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(errorLines(r.stderr), args.join(' ')).toEqual([`Error: ${message}`]);
    }
    // The gRPC codes clients match on with the messages (etcd's rpctypes).
    const statusOf = async (method: 'MemberAdd' | 'MemberRemove' | 'MemberPromote', req: object): Promise<string> =>
      clusterCall(cluster.members[1]!.address, method, req).then(
        () => 'OK',
        (err: unknown) => (isServiceError(err) ? `${err.code} ${err.details}` : String(err)),
      );
    expect(await statusOf('MemberRemove', { ID: '11259375' })).toBe('5 etcdserver: member not found'); // NOT_FOUND
    expect(await statusOf('MemberPromote', { ID: cluster.members[0]!.memberId!.toString() })).toBe('9 etcdserver: can only promote a learner member');
    // etcdctl checks URLs itself; other clients get etcd's InvalidArgument.
    expect(await statusOf('MemberAdd', { peerURLs: ['not-a-url'] })).toBe('3 etcdserver: given member URLs are invalid');

    // The learner moves before it ever started: update its peer URLs, then start it there.
    expect(await ctl.ok(['member', 'update', learnerId.toString(16), `--peer-urls=${moved!.peerUrl}`])).toBe(`Member ${h16(learnerId.toString(16))} updated in cluster ${h16(clusterId)}\n`);
    const joiner = joiningStore({ ...moved!, name: p!.name }, cluster.initialCluster);
    extra.push({ store: joiner, root: moved!.root }, { store: joiner, root: p!.root });
    await joiner.launch();
    const promoted = await waitFor(
      async () => {
        const r = await ctl.run(['member', 'promote', learnerId.toString(16)]);
        return r.code === 0 ? r.stdout : undefined;
      },
      { what: 'promotion of the learner once it caught up', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(promoted).toBe(`Member ${h16(learnerId.toString(16))} promoted in cluster ${h16(clusterId)}\n`);
    // A member publishes its name and client URLs through the log once it runs (as etcd's publish): wait for it.
    const joined = await waitFor(
      async () => {
        const m = (await ctl.json<{ members: JsonMember[] }>(['member', 'list'])).members.find((x) => hex(x.ID) === learnerId.toString(16));
        return m?.name === p!.name ? m : undefined;
      },
      { what: 'the promoted member to publish its name and client URLs', timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(joined).toMatchObject({ name: p!.name, peerURLs: [moved!.peerUrl], clientURLs: [moved!.endpoint] });

    expect(await ctl.ok(['member', 'remove', learnerId.toString(16)])).toBe(`Member ${h16(learnerId.toString(16))} removed from cluster ${h16(clusterId)}\n`);
    await waitFor(() => (joiner.running ? undefined : true), { what: 'the removed member to stop', timeoutMs: 20_000 });
    expect((await ctl.json<{ members: JsonMember[] }>(['member', 'list'])).members).toHaveLength(3);
  }, 180_000);
});
