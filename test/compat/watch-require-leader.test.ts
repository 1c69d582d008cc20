/**
 * A watch opened with `hasleader: true` (clientv3.WithRequireLeader) on a member that loses its leader: etcd
 * ends the stream with Unavailable "etcdserver: no leader" once the member has had no leader for three election
 * timeouts, so that the client moves to a member that has one. The client must get that status, not a stream
 * left open and silent.
 */
import { expect, it } from 'vitest';
import { useClusters } from './helpers/cluster.js';
import { EtcdGrpc, isServiceError } from './helpers/grpc.js';
import { describeCompat } from './helpers/tools.js';

describeCompat('a watch that requires a leader', ['store'], () => {
  const cluster = useClusters();

  it('ends with Unavailable "etcdserver: no leader" when its member loses its quorum, and is counted so', async () => {
    const c = await cluster({ members: 3, name: 'watch-require-leader' });
    const survivor = c.members[0]!;
    const rpc = new EtcdGrpc(survivor.address);
    try {
      const watch = rpc.watch({ requireLeader: true });
      watch.send({ create_request: { key: Buffer.from('require-leader') } });
      await watch.next(5000, 'the created response');
      await Promise.all(c.members.slice(1).map((m) => m.kill9()));
      const ended = await watch.next(30_000, 'the watch stream to end').then(
        (res) => new Error(`a response instead of the end: ${JSON.stringify(res)}`),
        // The queue reports the stream's end with the gRPC error as its cause.
        (err: unknown) => (err instanceof Error && err.cause !== undefined ? err.cause : err),
      );
      expect(isServiceError(ended) ? [ended.code, ended.details] : ended).toEqual([14, 'etcdserver: no leader']);
      const text = await (await fetch(new URL('/metrics', survivor.endpoint), { signal: AbortSignal.timeout(5000) })).text();
      expect(text).toMatch(/^grpc_server_handled_total\{(?=[^}]*grpc_code="Unavailable")(?=[^}]*grpc_method="Watch")[^}]*\} 1$/m);
    } finally {
      rpc.close();
    }
  });
});
