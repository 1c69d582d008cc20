/**
 * The HTTP endpoints a store serves on its client port beside gRPC, as etcd 3.4 does: /health, /metrics
 * (etcd's metric names) and /version — plus, on capstan, the /healthz, /readyz and /livez every capstan
 * server process offers. /health is also shown unhealthy: with the NOSPACE alarm raised, and on a member
 * whose cluster lost its quorum. --listen-metrics-urls serves /metrics and /health on another address;
 * --metrics=extensive adds the server-side gRPC latency histogram.
 */
import { afterAll, expect, it } from 'vitest';
import { useClusters } from './helpers/cluster.js';
import { EtcdGrpc, isServiceError } from './helpers/grpc.js';
import { freePorts } from '../../src/cli/launcher/processes.js';
import { useStore } from './helpers/store.js';
import { compatTarget, describeCompat } from './helpers/tools.js';
import { waitFor } from './helpers/wait.js';

describeCompat('HTTP endpoints on the client port', ['store'], () => {
  const store = useStore({ name: 'http' });
  const get = async (path: string): Promise<{ status: number; body: string; type: string }> => {
    const r = await fetch(new URL(path, store().endpoint), { signal: AbortSignal.timeout(5000) });
    return { status: r.status, body: await r.text(), type: r.headers.get('content-type') ?? '' };
  };

  it('/health says the member is healthy once it has a leader', async () => {
    const r = await get('/health');
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { health: string }).health).toBe('true');
  });

  it('/metrics is Prometheus text with etcd metric names, showing a leader', async () => {
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain/);
    expect(r.body).toMatch(/^etcd_server_has_leader 1$/m);
    expect(r.body).toContain('# TYPE etcd_disk_wal_fsync_duration_seconds histogram');
    // --metrics defaults to basic: no server-side latency histogram.
    expect(r.body).not.toContain('grpc_server_handling_seconds');
  });

  it('/version names the etcd server and cluster versions', async () => {
    const r = await get('/version');
    expect(r.status).toBe(200);
    const v = JSON.parse(r.body) as { etcdserver: string; etcdcluster: string };
    expect(v.etcdserver).toMatch(/^3\.4\.\d+$/);
    expect(v.etcdcluster).toMatch(/^3\.4\./);
  });

  it.runIf(compatTarget() === 'capstan')('/healthz, /readyz and /livez answer ok; an unknown path is 404', async () => {
    for (const p of ['/healthz', '/readyz', '/livez']) {
      const r = await get(p);
      expect([p, r.status, r.body]).toEqual([p, 200, 'ok']);
    }
    expect((await get('/no-such-path')).status).toBe(404);
  });
});

describeCompat('/health when the member is not healthy', ['store'], () => {
  const store = useStore({ name: 'health-quota', flags: ['--quota-backend-bytes=262144'] });
  let channel: EtcdGrpc | undefined;
  const rpc = (): EtcdGrpc => (channel ??= new EtcdGrpc(store().address));
  afterAll(() => {
    channel?.close();
  });
  const health = async (): Promise<{ status: number; body: { health: string; reason?: string } }> => {
    const r = await fetch(new URL('/health', store().endpoint), { signal: AbortSignal.timeout(5000) });
    return { status: r.status, body: JSON.parse(await r.text()) as { health: string; reason?: string } };
  };

  it('is 503 while the NOSPACE alarm is raised, and 200 again once it is disarmed', async () => {
    expect((await health()).status).toBe(200);
    const value = Buffer.alloc(8000, 'x');
    let raised = false;
    // The store measures its size periodically (etcd: on every write), so write until refused, with a deadline.
    const deadline = Date.now() + 30_000;
    for (let i = 0; Date.now() < deadline && !raised; i++) {
      try {
        await rpc().put({ key: Buffer.from(`quota/${String(i % 200).padStart(3, '0')}`), value });
      } catch (err) {
        expect(isServiceError(err) ? err.details : String(err)).toBe('etcdserver: mvcc: database space exceeded');
        raised = true;
      }
    }
    expect(raised, 'the quota was never reached').toBe(true);
    // etcd 3.4 answers {"health":"false"}; capstan adds etcd 3.5's reason.
    const sick = await health();
    expect([sick.status, sick.body.health]).toEqual([503, 'false']);
    if (compatTarget() === 'capstan') expect(sick.body.reason).toBe('ALARM NOSPACE');

    // etcd raises the alarm before it answers NOSPACE, so a client that got NOSPACE finds it raised at once.
    const alarms = await rpc().unary<{ alarms: { memberID: string; alarm: string }[] }>('Maintenance', 'Alarm', { action: 'Get', memberID: 0, alarm: 'None' });
    const memberId = (await rpc().status()).header.member_id;
    expect(alarms.alarms).toEqual([{ memberID: memberId, alarm: 'Nospace' }]);

    await rpc().unary('Maintenance', 'Alarm', { action: 'Deactivate', memberID: memberId, alarm: 'Nospace' });
    const well = await health();
    expect(well.status).toBe(200);
    expect(well.body.health).toBe('true');
  });
});

describeCompat('/health on a member that lost its quorum', ['store'], () => {
  const cluster = useClusters();

  it('a 3-member cluster with two members killed: the survivor answers 503', async () => {
    const c = await cluster({ members: 3, name: 'health-quorum' });
    const survivor = c.members[0]!;
    const ok = await fetch(new URL('/health', survivor.endpoint), { signal: AbortSignal.timeout(5000) });
    expect(ok.status).toBe(200);
    await Promise.all(c.members.slice(1).map((m) => m.kill9()));
    // The survivor loses its leader (a follower's election timer fires; a leader steps down by CheckQuorum)
    // or, while it still believes in one, cannot confirm a linearizable read: either way it is unhealthy.
    const sick = await waitFor(
      async () => {
        const r = await fetch(new URL('/health', survivor.endpoint), { signal: AbortSignal.timeout(5000) });
        const body = JSON.parse(await r.text()) as { health: string; reason?: string };
        return r.status === 503 ? body : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: '/health on the survivor to answer 503' },
    );
    expect(sick.health).toBe('false');
    if (compatTarget() === 'capstan') expect(['RAFT NO LEADER', 'QGET ERROR']).toContain(sick.reason);
  });
});

const [metricsPort] = await freePorts(1);

describeCompat('--listen-metrics-urls', ['store'], () => {
  const metricsUrl = `http://127.0.0.1:${String(metricsPort)}`;
  useStore({ name: 'metrics-url', flags: [`--listen-metrics-urls=${metricsUrl}`] });

  it('serves /metrics and /health on the extra address too', async () => {
    const metrics = await fetch(new URL('/metrics', metricsUrl), { signal: AbortSignal.timeout(5000) });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^etcd_server_has_leader 1$/m);
    const health = await fetch(new URL('/health', metricsUrl), { signal: AbortSignal.timeout(5000) });
    expect(health.status).toBe(200);
    expect((JSON.parse(await health.text()) as { health: string }).health).toBe('true');
  });
});

describeCompat('--metrics=extensive', ['store'], () => {
  const store = useStore({ name: 'metrics-extensive', flags: ['--metrics=extensive'] });

  it('adds grpc_server_handling_seconds, by method, beside grpc_server_handled_total; codes named as grpc-go names them', async () => {
    const rpc = new EtcdGrpc(store().address);
    try {
      await rpc.put({ key: Buffer.from('extensive'), value: Buffer.from('v') });
      const refused = await rpc.put({ key: Buffer.alloc(0), value: Buffer.from('v') }).catch((err: unknown) => err);
      expect(isServiceError(refused) && refused.details).toBe('etcdserver: key is not provided');
    } finally {
      rpc.close();
    }
    const text = await (await fetch(new URL('/metrics', store().endpoint), { signal: AbortSignal.timeout(5000) })).text();
    const put = 'grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"';
    const lines = text.split('\n');
    expect(text).toContain('# TYPE grpc_server_handling_seconds histogram');
    expect(lines).toContain(`grpc_server_handling_seconds_count{${put}} 2`);
    // Go's client writes le last, prom-client first: either is the same series to Prometheus.
    const bucket10 = lines.filter((l) => l.startsWith('grpc_server_handling_seconds_bucket{') && l.includes('le="10"') && l.includes(put));
    expect(bucket10.map((l) => l.replace(/,?le="10",?/, '')), text).toEqual([`grpc_server_handling_seconds_bucket{${put}} 2`]);
    expect(lines).toContain(`grpc_server_handled_total{grpc_code="OK",${put}} 1`);
    expect(lines).toContain(`grpc_server_handled_total{grpc_code="InvalidArgument",${put}} 1`);
  });
});
