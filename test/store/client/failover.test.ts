/**
 * EtcdClient against a real 3-member cluster (capstan, or etcd with CAPSTAN_COMPAT_TARGET=etcd), with
 * faults injected by PID through the harness:
 *
 * - kill -9 of the leader while four writers put distinct keys through a client pinned to the leader, and
 *   two watches run (one on the leader, whose stream breaks, one on a follower, whose stream survives):
 *   each watch delivers every acknowledged write exactly once, at the revision its put was acknowledged
 *   with, in revision order; and what it delivered is exactly what the store holds (writes whose outcome was
 *   unknown to the writer appear in both or in neither).
 * - with one member dead and listed first, every kind of request still succeeds.
 * - a write to a member that stopped after the client connected to it is resent elsewhere, and applied once
 *   (nothing was sent to the stopped member: its session ended, the new connection was refused).
 *
 * The tests share one cluster (started once, in beforeAll): the first restarts the member it stops; the last
 * runs with the member the kill -9 test killed still down, or kills a follower itself when run alone.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { EndpointUnavailableError, EtcdClient, cmp, op, type WatchBatch, type Watcher } from '../../../src/store/client/index.js';
import type { CapstanError } from '../../../src/util/errors.js';
import { createLogger, type Logger } from '../../../src/util/logger.js';
import { startCluster, type Cluster, type ClusterMember } from '../../compat/helpers/cluster.js';
import { describeCompat } from '../../compat/helpers/tools.js';
import { waitFor, withDeadline } from '../../compat/helpers/wait.js';

const s = (b: Buffer): string => b.toString('utf8');

/** Delivery is what one watch delivered, event by event. */
interface Delivery {
  readonly name: string;
  readonly watcher: Watcher;
  readonly events: { key: string; revision: number; type: string }[];
  readonly errors: CapstanError[];
}

function record(name: string, watcher: Watcher): Delivery {
  const d: Delivery = { name, watcher, events: [], errors: [] };
  watcher.on('data', (b: WatchBatch) => {
    for (const e of b.events) d.events.push({ key: s(e.kv.key), revision: e.kv.modRevision, type: e.type });
  });
  watcher.on('error', (err) => d.errors.push(err));
  return d;
}

describeCompat('EtcdClient against a 3-member cluster', ['store'], () => {
  let cluster: Cluster | undefined;
  const clients: EtcdClient[] = [];

  function newClient(endpoints: readonly string[], logger?: Logger): EtcdClient {
    const c = new EtcdClient({ endpoints, dialTimeoutMs: 1_000, requestTimeoutMs: 5_000, ...(logger === undefined ? {} : { logger }) });
    clients.push(c);
    return c;
  }

  function running(): Cluster {
    if (cluster === undefined) throw new Error('the cluster did not start (see beforeAll)');
    return cluster;
  }

  beforeAll(async () => {
    cluster = await startCluster({ name: 'client' });
  }, 60_000);

  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      if (cluster !== undefined) console.error(`--- ${cluster.target} cluster: member logs ---\n${cluster.logTails(40)}`);
    });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.dispose();
  });

  it('a write to a member that stopped after the client connected to it is resent to another member and applied once', async () => {
    const c = running();
    const follower = (await c.followers())[0] as ClusterMember;
    const others = c.members.filter((m) => m !== follower);
    const client = newClient([follower.endpoint, ...others.map((m) => m.endpoint)]);
    await client.put('stopped/warm', 'x');
    expect(client.activeEndpoint).toBe(follower.endpoint);
    // SIGTERM: the member drains, sends GOAWAY and closes; the client's READY session to it ends.
    await follower.stop();
    try {
      const put = await client.put('stopped/k', 'v');
      expect(client.activeEndpoint).not.toBe(follower.endpoint);
      const got = await client.get('stopped/k');
      expect(got.kvs[0]).toMatchObject({ modRevision: put.revision, createRevision: put.revision, version: 1 });
    } finally {
      await follower.launch();
    }
  }, 60_000);

  it('across a kill -9 of the leader under write load, watches deliver every acknowledged write exactly once, in revision order', async () => {
    const c = running();
    const leader = await c.leader();
    const followers = c.members.filter((m) => m !== leader);
    // The client's own debug log shows that the leader's watch stream did break and was re-created.
    const logLines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
    const viaLeader = newClient([leader.endpoint, ...followers.map((m) => m.endpoint)], logger);
    const viaFollower = newClient([...followers.map((m) => m.endpoint), leader.endpoint]);

    const base = await viaLeader.put('kill/base', 'x');
    const deliveries = [
      record('watch on the leader', viaLeader.watch('kill/w', { prefix: true, startRevision: base.revision + 1 })),
      record('watch on a follower', viaFollower.watch('kill/w', { prefix: true, startRevision: base.revision + 1 })),
    ];
    await withDeadline(Promise.all(deliveries.map((d) => d.watcher.ready())), 10_000, 'both watches to be created');

    const acks: { key: string; revision: number; sentAt: number }[] = [];
    const unknown: string[] = [];
    let stop = false;
    let killedAt = 0;
    const writer = async (w: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const key = `kill/w${w}-${String(n).padStart(5, '0')}`;
        const sentAt = performance.now();
        try {
          acks.push({ key, revision: (await viaLeader.put(key, 'v')).revision, sentAt });
        } catch (err) {
          // The outcome is unknown (the leader died with the write in flight); either way is allowed.
          unknown.push(`${key}: ${(err as CapstanError).code ?? String(err)}`);
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    try {
      await waitFor(() => (acks.length >= 50 ? true : undefined), { what: '50 acknowledged writes before the kill', timeoutMs: 10_000 });
      const beforeKill = Math.max(...acks.map((a) => a.revision));
      killedAt = performance.now();
      await leader.kill9();
      await waitFor(() => (acks.filter((a) => a.revision > beforeKill).length >= 50 ? true : undefined), {
        what: `50 acknowledged writes after the kill (${acks.length} acknowledged, ${unknown.length} unknown: ${unknown.slice(-3).join('; ')})`,
        timeoutMs: 25_000,
      });
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    expect(viaLeader.activeEndpoint).not.toBe(leader.endpoint);

    const last = await viaLeader.put('kill/w-last', 'end');
    await waitFor(() => (deliveries.every((d) => d.watcher.lastDeliveredRevision >= last.revision) ? true : undefined), {
      what: `both watches to deliver revision ${last.revision} (${deliveries.map((d) => `${d.name}: ${d.watcher.lastDeliveredRevision}`).join(', ')})`,
      timeoutMs: 15_000,
    });
    const logged = logLines.map((l) => JSON.parse(l) as { msg: string; endpoint?: string });
    expect(logged.some((l) => l.msg === 'etcd client: watch stream broke' && l.endpoint === leader.endpoint), 'the watch stream on the leader broke').toBe(true);
    const stored = await viaLeader.get('kill/w', { prefix: true });
    expect(stored.more).toBe(false);
    const inStore = new Map(stored.kvs.map((kv) => [s(kv.key), kv.modRevision]));

    for (const d of deliveries) {
      expect(d.errors, d.name).toEqual([]);
      // revision order, each event once: every put has its own revision
      const revisions = d.events.map((e) => e.revision);
      const outOfOrder = revisions.findIndex((r, i) => i > 0 && r <= (revisions[i - 1] as number));
      expect(outOfOrder, `${d.name}: revision ${revisions[outOfOrder]} after ${revisions[outOfOrder - 1]}`).toBe(-1);
      const byKey = new Map<string, number>();
      for (const e of d.events) {
        expect(byKey.has(e.key), `${d.name}: ${e.key} delivered twice`).toBe(false);
        byKey.set(e.key, e.revision);
      }
      for (const a of acks) expect(byKey.get(a.key), `${d.name}: acknowledged ${a.key}@${a.revision}`).toBe(a.revision);
      // exactly what the store holds: committed writes whose ack was lost included, nothing else
      expect(new Map([...byKey].filter(([k]) => k !== 'kill/w-last'))).toEqual(new Map([...inStore].filter(([k]) => k !== 'kill/w-last')));
      expect(byKey.get('kill/w-last')).toBe(last.revision);
    }
    const firstAfter = Math.min(...acks.filter((a) => a.sentAt > killedAt).map((a) => a.sentAt));
    console.info(
      `[${c.target}] kill -9 of leader ${leader.name}: ${acks.length} acknowledged, ${unknown.length} unknown (${unknown.join('; ')}), ` +
        `${stored.count} stored; first acknowledged put sent ${Math.round(firstAfter - killedAt)} ms after the kill; ` +
        `delivered ${deliveries.map((d) => `${d.name}: ${d.events.length}`).join(', ')}`,
    );
  }, 60_000);

  it('with one member of three killed and listed first, gets, puts, txns, deletes, watches, leases and status all succeed', async () => {
    const c = running();
    let dead: ClusterMember | undefined = c.members.find((m) => !m.running);
    if (dead === undefined) {
      dead = (await c.followers())[0] as ClusterMember;
      await dead.kill9();
    }
    const alive = c.members.filter((m) => m !== dead);
    const client = newClient([dead.endpoint, ...alive.map((m) => m.endpoint)]);

    const w = client.watch('one-down/', { prefix: true });
    await withDeadline(w.ready(), 10_000, 'the watch to be created');
    const put = await client.put('one-down/k', 'v1');
    expect(client.activeEndpoint).not.toBe(dead.endpoint);
    expect(s((await client.get('one-down/k')).kvs[0]!.value)).toBe('v1');
    const cas = await client.txn({ compare: [cmp.modRevision('one-down/k', '==', put.revision)], success: [op.put('one-down/k', 'v2')] });
    expect(cas.succeeded).toBe(true);
    const created = await client.txn({ compare: [cmp.modRevision('one-down/new', '==', 0)], success: [op.put('one-down/new', 'n')] });
    expect(created.succeeded).toBe(true);
    const del = await client.delete('one-down/new');
    expect(del.deleted).toBe(1);
    const events: string[] = [];
    await withDeadline(
      (async () => {
        for await (const b of w) {
          for (const e of b.events) events.push(`${e.type} ${s(e.kv.key)}@${e.kv.modRevision}`);
          if ((b.events.at(-1)?.kv.modRevision ?? 0) >= del.revision) break;
        }
      })(),
      10_000,
      'the watch to deliver the writes',
    );
    expect(events).toEqual([`PUT one-down/k@${put.revision}`, `PUT one-down/k@${cas.revision}`, `PUT one-down/new@${created.revision}`, `DELETE one-down/new@${del.revision}`]);

    const id = await client.grant(5);
    const ka = client.keepAlive(id);
    const renewal = await withDeadline(new Promise<{ ttl: number }>((resolve) => ka.once('keepalive', resolve)), 10_000, 'a lease renewal');
    expect(renewal.ttl).toBeGreaterThan(0);
    expect((await client.timeToLive(id)).grantedTtl).toBe(5);
    await client.revoke(id);
    expect((await client.timeToLive(id)).ttl).toBe(-1);

    const st = await client.status();
    expect(st.endpoint).not.toBe(dead.endpoint);
    expect(st.leader).not.toBe(0n);
    await expect(client.status(dead.endpoint)).rejects.toBeInstanceOf(EndpointUnavailableError);
  }, 60_000);
});
