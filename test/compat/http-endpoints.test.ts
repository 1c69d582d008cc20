/**
 * The HTTP endpoints a store serves on its client port beside gRPC, as etcd 3.4 does: /health, /metrics
 * (etcd's metric names) and /version — plus, on capstan, the /healthz, /readyz and /livez every capstan
 * server process offers.
 */
import { expect, it } from 'vitest';
import { useStore } from './helpers/store.js';
import { compatTarget, describeCompat } from './helpers/tools.js';

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
