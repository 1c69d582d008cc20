/**
 * What a learner serves, as etcd 3.4's interceptors decide it: serializable Range and Status; every other
 * call and every stream is refused with Unavailable "etcdserver: rpc not supported for learner" (so that a
 * client moves to a voting member), before its handler — the refusals are not counted in the gRPC series. Once
 * promoted, the same member serves everything.
 */
import { rmSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { clusterCall, joiningStore, planMembers, promoteWhenReady } from '../integration/helpers/members.js';
import { useClusters } from './helpers/cluster.js';
import { EtcdGrpc, isServiceError } from './helpers/grpc.js';
import { metricValue } from './helpers/metrics.js';
import type { ControlledStore } from './helpers/store.js';
import { describeCompat } from './helpers/tools.js';
import { waitFor } from './helpers/wait.js';

const REFUSED = [14, 'etcdserver: rpc not supported for learner'];

/** outcome is 'OK' for an answer, else [code, details]. */
async function outcome(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => 'OK',
    (err: unknown) => {
      const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
      return isServiceError(cause) ? [cause.code, cause.details] : cause;
    },
  );
}

describeCompat('a learner', ['store'], () => {
  const startCluster = useClusters();
  const extra: ControlledStore[] = [];
  const roots: string[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((store) => store.kill9()));
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('serves serializable reads and Status only, refuses the rest before counting it, and serves all once promoted', async () => {
    const cluster = await startCluster({ name: 'learner-rules' });
    const voter = new EtcdGrpc(cluster.members[0]!.address);
    const [p] = await planMembers('learner-rules-new', 1);
    // Its directory goes whatever happens next, even if the member is never added.
    roots.push(p!.root);
    // etcd refuses a member change until every member has been connected for a while ("unhealthy cluster").
    const added = await waitFor(
      () =>
        clusterCall<{ member: { ID: string } }>(cluster.members[0]!.address, 'MemberAdd', { peerURLs: [p!.peerUrl], isLearner: true }).catch((err: unknown) => {
          if (isServiceError(err) && err.details === 'etcdserver: unhealthy cluster') return undefined;
          throw err;
        }),
      { what: 'the learner added', timeoutMs: 30_000, intervalMs: 200 },
    );
    const joiner = joiningStore(p!, cluster.initialCluster);
    extra.push(joiner);
    await joiner.launch();
    const learner = new EtcdGrpc(p!.address);
    try {
      await voter.set('learner/k', 'v');
      // Status answers as soon as the learner serves; a serializable read once it has applied the put.
      await waitFor(() => learner.status(2000).then(() => true, () => undefined), { what: 'Status from the learner', timeoutMs: 60_000, intervalMs: 200 });
      let served = 0;
      const got = await waitFor(
        async () => {
          const r = await learner.range({ key: Buffer.from('learner/k'), serializable: true });
          served++;
          return r.kvs[0]?.value.toString('utf8');
        },
        { what: 'the put on the learner (serializable)', timeoutMs: 30_000, intervalMs: 100 },
      );
      expect(got).toBe('v');

      expect(await outcome(learner.range({ key: Buffer.from('learner/k') }))).toEqual(REFUSED);
      expect(await outcome(learner.set('learner/k', 'w'))).toEqual(REFUSED);
      expect(await outcome(learner.txn({ compare: [], success: [], failure: [] }))).toEqual(REFUSED);
      expect(await outcome(learner.leaseGrant(10))).toEqual(REFUSED);
      expect(await outcome(learner.memberList())).toEqual(REFUSED);
      expect(await outcome(learner.hashKV())).toEqual(REFUSED);
      expect(await outcome(learner.raw('/grpc.health.v1.Health/Check', Buffer.alloc(0)))).toEqual(REFUSED);
      const watch = learner.watch();
      try {
        watch.send({ create_request: { key: Buffer.from('learner/k') } });
        expect(await outcome(watch.next(5000, 'the refusal of a watch'))).toEqual(REFUSED);
      } finally {
        watch.close();
      }
      // Refused before go-grpc-prometheus counts a call: the Put and the Watch were never started, and of the
      // Ranges only the serializable ones that were answered.
      const started = (method: string): Promise<number> => metricValue(p!.endpoint, 'grpc_server_started_total', { grpc_method: method });
      expect([await started('Put'), await started('Watch'), await started('Range')]).toEqual([0, 0, served]);

      await promoteWhenReady(cluster.members[0]!.address, added.member.ID);
      const wrote = await waitFor(() => learner.set('learner/k', 'promoted').then(() => true, () => undefined), {
        what: 'a put through the promoted member',
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      expect(wrote).toBe(true);
      expect(await learner.get('learner/k')).toBe('promoted');
    } finally {
      learner.close();
      voter.close();
    }
  }, 180_000);
});
