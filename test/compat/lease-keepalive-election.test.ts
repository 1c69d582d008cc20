/**
 * A lease keep-alive stream on a follower across the loss of the leader: as etcd's LeaseRenew, the follower
 * waits for a new leader and forwards the renewal to it, so the client's stream answers once the cluster has a
 * leader again instead of ending with an error at the first election.
 */
import { expect, it } from 'vitest';
import { useClusters } from './helpers/cluster.js';
import { EtcdGrpc } from './helpers/grpc.js';
import { describeCompat } from './helpers/tools.js';

describeCompat('a lease keep-alive across an election', ['store'], () => {
  const cluster = useClusters();

  it('a renewal sent through a follower as the leader is killed is answered, on the same stream, by the next leader', async () => {
    const c = await cluster({ members: 3, name: 'keepalive-election' });
    const leader = await c.leader();
    const follower = c.members.find((m) => m !== leader)!;
    const rpc = new EtcdGrpc(follower.address);
    try {
      const lease = await rpc.leaseGrant(60);
      const keepAlive = rpc.keepAlive();
      keepAlive.send({ ID: lease.ID });
      expect(Number((await keepAlive.next(5000, 'the first renewal')).TTL)).toBeGreaterThan(0);
      await leader.kill9();
      keepAlive.send({ ID: lease.ID });
      // Within etcd's request timeout (5 s plus two election timeouts).
      const renewed = await keepAlive.next(10_000, 'the renewal across the election');
      expect([renewed.ID, Number(renewed.TTL) > 0]).toEqual([lease.ID, true]);
      expect((await c.leader({ exclude: [leader] })).name).not.toBe(leader.name);
      keepAlive.close();
    } finally {
      rpc.close();
    }
  });
});
