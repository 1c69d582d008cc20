/**
 * `capstan lb` as a real process (`node --import tsx src/cli.ts lb …`) in front of two stand-in API server
 * replicas: the shared failover behaviour (harness.ts) plus its admin endpoint.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../compat/helpers/wait.js';
import { httpGet } from './http.js';
import { failoverSuite, startCapstanLb, useCluster } from './harness.js';

describe('capstan lb in front of two replicas', () => {
  const cluster = useCluster('lb', (dir, backends) => startCapstanLb(dir, backends));

  it('answers /healthz, /readyz, /metrics and /backends on its admin listener', async () => {
    const { lb, a, b } = cluster();
    expect(await httpGet(lb.adminPort, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await httpGet(lb.adminPort, '/readyz')).toEqual({ status: 200, body: 'ok\n' });
    expect((await httpGet(lb.adminPort, '/nope')).status).toBe(404);
    const metrics = (await httpGet(lb.adminPort, '/metrics')).body;
    for (const backend of [a, b]) {
      const label = `backend="127.0.0.1:${String(backend.port)}"`;
      expect(metrics).toContain(`capstan_lb_backend_up{${label}} 1`);
      expect(metrics).toMatch(new RegExp(`capstan_lb_connections_total\\{${label}\\} \\d+`));
      expect(metrics).toMatch(new RegExp(`capstan_lb_connections_active\\{${label}\\} \\d+`));
    }
    expect(metrics).toContain('# TYPE capstan_lb_health_check_failures_total counter');
    expect(metrics).toContain('process_cpu_seconds_total');
    const doc = JSON.parse((await httpGet(lb.adminPort, '/backends')).body) as { healthy: number; backends: Record<string, unknown>[] };
    expect(doc.healthy).toBe(2);
    expect(doc.backends.map((x) => [x['backend'], x['status']])).toEqual([
      [`127.0.0.1:${String(a.port)}`, 'up'],
      [`127.0.0.1:${String(b.port)}`, 'up'],
    ]);
    expect(doc.backends[0]).toMatchObject({ consecutiveFailures: 0, lastCheck: { ok: true, reason: null, detail: '200' } });
  });

  failoverSuite(cluster);

  it('counts connections per replica and the health-check failures the flaps caused', async () => {
    const { lb, b } = cluster();
    const metrics = (await httpGet(lb.adminPort, '/metrics')).body;
    const label = `backend="127.0.0.1:${String(b.port)}"`;
    expect(metrics).toMatch(new RegExp(`capstan_lb_health_check_failures_total\\{${label},reason="(refused|status|error)"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`capstan_lb_backend_status_changes_total\\{${label},status="down"\\} [1-9]`));
    expect(metrics).toContain(`capstan_lb_connections_active{${label}} 0`);
  });

  it('answers 503 on /readyz and closes new connections while no replica is up', async () => {
    const { lb, a, b } = cluster();
    await Promise.all([a.setReady(false), b.setReady(false)]);
    try {
      await waitFor(async () => ((await httpGet(lb.adminPort, '/readyz')).status === 503 ? true : undefined), { what: 'capstan lb /readyz to answer 503' });
      await expect(httpGet(lb.port, '/whoami', 2_000)).rejects.toThrow(/socket hang up|ECONNRESET/);
    } finally {
      await Promise.all([a.setReady(true), b.setReady(true)]);
    }
  });
});
