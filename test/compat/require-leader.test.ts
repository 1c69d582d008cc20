/**
 * Streams opened with `hasleader: true` (clientv3.WithRequireLeader) on a member that loses its leader, as
 * etcd 3.4's stream interceptor treats them: once the member has had no leader for three election timeouts,
 * Watch and LeaseKeepAlive end with Unavailable "etcdserver: no leader" and the health service's Watch with
 * Canceled "Stream has ended.", so that clients move to a member that has a leader; a stream opened without
 * `hasleader` stays open. While there is no leader, a new `hasleader` stream is refused at once — not counted
 * in the gRPC series, as etcd's interceptor refuses it before go-grpc-prometheus sees it. The client must get
 * these statuses, not a stream left open and silent.
 */
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import { expect, it } from 'vitest';
import { useClusters } from './helpers/cluster.js';
import { EtcdGrpc, isServiceError, requireLeaderMetadata, type BidiStream } from './helpers/grpc.js';
import { metricValue } from './helpers/metrics.js';
import { describeCompat } from './helpers/tools.js';
import { AsyncQueue, waitFor } from './helpers/wait.js';

const identity = (b: Buffer): Buffer => b;

/** ended resolves to the [code, details] a stream ended with, or fails if it answers instead. */
async function ended(next: Promise<unknown>): Promise<unknown> {
  return next.then(
    (res) => new Error(`a response instead of the end: ${JSON.stringify(res)}`),
    // The queue reports the stream's end with the gRPC error as its cause.
    (err: unknown) => {
      const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
      return isServiceError(cause) ? [cause.code, cause.details] : cause;
    },
  );
}

/** healthWatch opens grpc.health.v1.Health/Watch for all services; its responses (raw bytes) queue up. */
function healthWatch(client: Client, requireLeader: boolean): AsyncQueue<Buffer> {
  const responses = new AsyncQueue<Buffer>((items) => `unread: ${items.length}`);
  const call = client.makeServerStreamRequest('/grpc.health.v1.Health/Watch', identity, identity, Buffer.alloc(0), requireLeaderMetadata({ requireLeader }));
  call.on('data', (b: Buffer) => responses.push(b));
  call.on('error', (err: ServiceError) => responses.end(err));
  return responses;
}

/** handled reads how many streams of an etcdserverpb method ended Unavailable. */
function handled(endpoint: string, service: string, method: string): Promise<number> {
  return metricValue(endpoint, 'grpc_server_handled_total', { grpc_code: 'Unavailable', grpc_service: `etcdserverpb.${service}`, grpc_method: method });
}

const SERVING = '0801';

describeCompat('streams that require a leader', ['store'], () => {
  const cluster = useClusters();

  it('end with etcd\'s statuses when their member loses its quorum; new ones are refused at once, uncounted; others stay open', async () => {
    const c = await cluster({ members: 3, name: 'require-leader' });
    const survivor = c.members[0]!;
    const rpc = new EtcdGrpc(survivor.address);
    const client = new Client(survivor.address, credentials.createInsecure());
    const streams: BidiStream<unknown, unknown>[] = [];
    try {
      const watch = rpc.watch({ requireLeader: true });
      streams.push(watch as BidiStream<unknown, unknown>);
      watch.send({ create_request: { key: Buffer.from('require-leader') } });
      await watch.next(5000, 'the created response');
      const lease = await rpc.leaseGrant(60);
      const keepAlive = rpc.keepAlive({ requireLeader: true });
      streams.push(keepAlive as BidiStream<unknown, unknown>);
      keepAlive.send({ ID: lease.ID });
      expect(Number((await keepAlive.next(5000, 'the keep-alive response')).TTL)).toBeGreaterThan(0);
      const health = healthWatch(client, true);
      expect((await health.shift(5000, 'the health status')).toString('hex')).toBe(SERVING);
      // Without hasleader: left open however long the member is without a leader.
      const plain = rpc.watch();
      streams.push(plain as BidiStream<unknown, unknown>);
      plain.send({ create_request: { key: Buffer.from('no-leader-needed') } });
      await plain.next(5000, 'the created response of the plain watch');

      await Promise.all(c.members.slice(1).map((m) => m.kill9()));
      expect(await ended(watch.next(30_000, 'the watch stream to end'))).toEqual([14, 'etcdserver: no leader']);
      expect(await ended(keepAlive.next(30_000, 'the keep-alive stream to end'))).toEqual([14, 'etcdserver: no leader']);
      expect(await ended(health.shift(30_000, 'the health watch to end'))).toEqual([1, 'Stream has ended.']);
      for (const [service, method] of [['Watch', 'Watch'], ['Lease', 'LeaseKeepAlive']]) {
        expect(await handled(survivor.endpoint, service!, method!), method).toBe(1);
      }

      // The plain watch still answers: a progress request is served without a leader.
      plain.send({ progress_request: {} });
      expect((await plain.next(5000, 'the progress response')).header.revision).toBeDefined();

      // Opened now, with no leader: refused at once, before the handler, and not counted.
      const refused = rpc.watch({ requireLeader: true });
      streams.push(refused as BidiStream<unknown, unknown>);
      expect(await ended(refused.next(5000, 'the refusal'))).toEqual([14, 'etcdserver: no leader']);
      expect(await handled(survivor.endpoint, 'Watch', 'Watch')).toBe(1);
      const refusedHealth = healthWatch(client, true);
      expect(await ended(refusedHealth.shift(5000, 'the refusal of a health watch'))).toEqual([14, 'etcdserver: no leader']);
      // Without hasleader a stream opens as usual.
      const open = healthWatch(client, false);
      expect((await open.shift(5000, 'the health status without hasleader')).toString('hex')).toBe(SERVING);

      // Once a quorum is back, hasleader streams open again.
      await Promise.all(c.members.slice(1).map((m) => m.restart()));
      await waitFor(
        async () => {
          const w = rpc.watch({ requireLeader: true });
          try {
            w.send({ create_request: { key: Buffer.from('require-leader') } });
            return (await w.next(5000, 'the created response').then(() => true, () => undefined));
          } finally {
            w.close();
          }
        },
        { what: 'a hasleader watch to open once the quorum is back', timeoutMs: 30_000, intervalMs: 200 },
      );
    } finally {
      for (const s of streams) s.close();
      client.close();
      rpc.close();
    }
  });
});
