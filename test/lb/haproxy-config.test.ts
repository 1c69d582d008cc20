import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HAPROXY_BACKEND, haproxyDuration, renderHaproxyConfig } from '../../src/lb/haproxy-config.js';
import { DEPLOY_TEMPLATE_OPTIONS } from './haproxy-template.js';

const templatePath = new URL('../../deploy/haproxy.cfg', import.meta.url);

describe('renderHaproxyConfig', () => {
  it('deploy/haproxy.cfg is exactly its rendering of the three-replica example', () => {
    const rendered = renderHaproxyConfig(DEPLOY_TEMPLATE_OPTIONS);
    if (process.env['CAPSTAN_REWRITE'] === '1') writeFileSync(templatePath, rendered);
    expect(readFileSync(templatePath, 'utf8')).toBe(rendered);
  });

  it('mirrors capstan lb: tcp mode, /readyz over TLS unverified, fast checks, retries elsewhere, long stream timeouts', () => {
    const cfg = renderHaproxyConfig({
      listen: { host: '127.0.0.1', port: 6443 },
      backends: [
        { host: '127.0.0.1', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
    const lines = cfg.split('\n').map((l) => l.trim());
    for (const l of [
      'mode tcp',
      'retries 3',
      'option redispatch 1',
      'timeout client 1h',
      'timeout server 1h',
      'timeout tunnel 1h',
      'timeout check 1s',
      'bind 127.0.0.1:6443',
      `backend ${HAPROXY_BACKEND}`,
      'balance roundrobin',
      'option httpchk GET /readyz',
      'default-server check check-ssl verify none inter 250ms fastinter 250ms downinter 250ms rise 1 fall 2 observe layer4 error-limit 1 on-error mark-down',
      'server apiserver-1 127.0.0.1:7001',
      'server apiserver-2 [::1]:7002',
    ]) {
      expect(lines).toContain(l);
    }
    expect(cfg).not.toContain('capstan-lb-admin');
  });

  it('takes the same settings as capstan lb flags', () => {
    const cfg = renderHaproxyConfig({
      listen: { host: '*', port: 443 },
      backends: [{ name: 'api-a', host: 'a.example', port: 6443 }],
      healthPath: '/healthz',
      healthScheme: 'http',
      healthIntervalMs: 1_000,
      healthTimeoutMs: 1_500,
      connectTimeoutMs: 300,
      rise: 2,
      fall: 3,
      balance: 'leastconn',
      streamTimeoutMs: 5_400_000,
      adminListen: { host: '127.0.0.1', port: 8404 },
      mode: 'foreground',
    });
    expect(cfg).toContain('bind *:443\n');
    expect(cfg).toContain('option httpchk GET /healthz\n');
    expect(cfg).toContain('default-server check inter 1s fastinter 1s downinter 1s rise 2 fall 3 observe layer4');
    expect(cfg).toContain('timeout check 1500ms\n');
    expect(cfg).toContain('timeout connect 300ms\n');
    expect(cfg).toContain('timeout tunnel 90m\n');
    expect(cfg).toContain('balance leastconn\n');
    expect(cfg).toContain('server api-a a.example:6443\n');
    expect(cfg).toContain('log stdout format raw local0 info\n');
    expect(cfg).not.toContain('chroot');
    expect(cfg).toContain(`{ path /readyz } { nbsrv(${HAPROXY_BACKEND}) gt 0 }`);
    expect(cfg).toContain('http-request use-service prometheus-exporter if { path /metrics }');
  });

  it('writes durations in haproxy units', () => {
    expect([250, 1_000, 1_500, 60_000, 3_600_000, 5_400_000].map(haproxyDuration)).toEqual(['250ms', '1s', '1500ms', '1m', '1h', '90m']);
  });
});
