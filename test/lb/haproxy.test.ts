/**
 * Debian's haproxy with a configuration from renderHaproxyConfig (what deploy/haproxy.cfg is made of) in
 * front of two stand-in API server replicas: the configuration checks, and haproxy shows the same failover
 * behaviour as `capstan lb` (harness.ts). Skipped when haproxy is missing, unless CAPSTAN_COMPAT=required.
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { httpGet } from './http.js';
import { describeWithHaproxy, failoverSuite, haproxyPath, startHaproxy, useCluster, writeHaproxyConfig, type HaproxySetup } from './harness.js';

describeWithHaproxy('haproxy with the rendered configuration in front of two replicas', () => {
  let setup: HaproxySetup | undefined;
  const cluster = useCluster('haproxy', async (dir, backends) => {
    setup = await writeHaproxyConfig(dir, backends);
    return startHaproxy(dir, setup);
  });

  it('accepts the configuration (haproxy -c -f)', () => {
    const { dir } = cluster();
    const out = execFileSync(haproxyPath() ?? 'haproxy', ['-c', '-f', setup?.configFile ?? ''], { cwd: dir.path, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain('Configuration file is valid');
  });

  it('answers /healthz, /readyz, /metrics and /stats on its admin listener', async () => {
    const { lb } = cluster();
    expect(await httpGet(lb.adminPort, '/healthz')).toEqual({ status: 200, body: 'ok' });
    expect(await httpGet(lb.adminPort, '/readyz')).toEqual({ status: 200, body: 'ok' });
    const metrics = (await httpGet(lb.adminPort, '/metrics')).body;
    expect(metrics).toMatch(/haproxy_backend_active_servers\{proxy="capstan-apiservers"\} 2/);
    expect((await httpGet(lb.adminPort, '/stats;csv')).body).toMatch(/^capstan-apiservers,a,.*,UP,/m);
  });

  failoverSuite(cluster);
});
