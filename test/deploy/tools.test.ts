/**
 * The committed examples checked by the tools that will read them on the hosts: `haproxy -c` (Debian's
 * haproxy, which .ci/run installs: required when CAPSTAN_COMPAT=required), `systemd-analyze verify` and
 * `keepalived -t` where the machine has them. Structural checks of the load-balancer pair run everywhere:
 * haproxy balances over exactly the API servers, keepalived's instances agree on the VIP and can hand it
 * over when a check fails.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { componentsOn, unitName } from '../../src/deploy/component-units.js';
import { hostsWith, type Host } from '../../src/deploy/topology.js';
import { compatRequired, findOnPath } from '../compat/helpers/tools.js';
import { haproxyPath } from '../lb/harness.js';
import { EXAMPLE_SIZES, exampleDir, exampleTopology } from './examples.js';

const scratch = mkdtempSync(join(tmpdir(), 'capstan-deploy-tools-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function sbinTool(name: string): string | undefined {
  return findOnPath(name) ?? (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : undefined);
}

const haproxy = haproxyPath();
const systemdAnalyze = findOnPath('systemd-analyze');
const keepalived = sbinTool('keepalived');
const systemUnitDir = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(`${d}/multi-user.target`));

it.runIf(compatRequired())('haproxy is installed (CAPSTAN_COMPAT=required)', () => {
  expect(haproxy, 'CAPSTAN_COMPAT=required but haproxy is missing (Debian package haproxy)').toBeDefined();
});

it.runIf(compatRequired())('keepalived is installed (CAPSTAN_COMPAT=required)', () => {
  expect(keepalived, 'CAPSTAN_COMPAT=required but keepalived is missing (Debian package keepalived)').toBeDefined();
});

describe.each(EXAMPLE_SIZES)('deploy/examples/%i-members', (n) => {
  const t = exampleTopology(n);
  const dir = exampleDir(n);
  const lbs = hostsWith(t, 'lb');
  const read = (h: Host, path: string): string => readFileSync(`${dir}/hosts/${h.name}${path}`, 'utf8');

  it.runIf(haproxy !== undefined).each(lbs.map((h) => [h.name, h] as const))('%s: haproxy -c accepts haproxy.cfg', (_, h) => {
    const r = spawnSync(haproxy!, ['-c', '-f', `${dir}/hosts/${h.name}/etc/haproxy/haproxy.cfg`], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('Configuration file is valid');
    expect(r.status).toBe(0);
  });

  it.each(lbs.map((h) => [h.name, h] as const))('%s: haproxy balances over exactly the API servers, on the VIP port', (_, h) => {
    const cfg = read(h, '/etc/haproxy/haproxy.cfg');
    const servers = [...cfg.matchAll(/^ {4}server (\S+) (\S+)$/gm)].map((m) => `${m[1]!} ${m[2]!}`);
    expect(servers).toEqual(hostsWith(t, 'apiserver').map((a) => `${a.name} ${a.address}:${String(t.ports.apiserver)}`));
    expect(cfg).toContain(`\n    bind *:${String(t.vip.port)}\n`);
    expect(cfg).toContain(`\n    bind 127.0.0.1:${String(t.ports.haproxyAdmin)}\n`);
  });

  it('keepalived instances agree on the VIP and router id, and a failed check hands the VIP over', () => {
    const confs = lbs.map((h) => ({ h, cfg: read(h, '/etc/keepalived/keepalived.conf') }));
    const one = (cfg: string, re: RegExp): string => {
      const all = [...cfg.matchAll(re)];
      expect(all).toHaveLength(1);
      return all[0]![1]!;
    };
    const priorities = confs.map(({ cfg }) => Number(one(cfg, /^ {4}priority (\d+)$/gm)));
    expect(new Set(priorities).size).toBe(lbs.length);
    for (const { h, cfg } of confs) {
      expect(one(cfg, /^ {8}(\S+ dev \S+)$/gm)).toBe(`${t.vip.address}/${String(t.vip.prefixLength)} dev ${h.interface}`);
      expect(one(cfg, /^ {4}virtual_router_id (\d+)$/gm)).toBe(String(t.vip.virtualRouterId));
      expect(one(cfg, /^ {4}unicast_src_ip (\S+)$/gm)).toBe(h.address);
      const peers = /unicast_peer \{\n([^}]*)\}/.exec(cfg)?.[1]?.split('\n').map((l) => l.trim()).filter((l) => l !== '') ?? [];
      expect(peers.sort()).toEqual(lbs.filter((x) => x !== h).map((x) => x.address).sort());
      // the check must take the highest host below the lowest one, or a dead haproxy would keep the VIP
      const weight = Number(one(cfg, /^ {4}weight -(\d+)$/gm));
      expect(Math.max(...priorities) - weight).toBeLessThan(Math.min(...priorities));
      expect(cfg).toContain(`http://127.0.0.1:${String(t.ports.haproxyAdmin)}/healthz`);
      expect(one(cfg, /track_script \{\n\s+(\S+)\n/g)).toBe(one(cfg, /^vrrp_script (\S+) \{$/gm));
    }
  });

  it.runIf(keepalived !== undefined).each(lbs.map((h) => [h.name, h] as const))('%s: keepalived -t accepts keepalived.conf', (_, h) => {
    // keepalived checks that the interface exists: use one this machine has
    const iface = Object.keys(networkInterfaces()).find((i) => i !== 'lo') ?? 'lo';
    let cfg = read(h, '/etc/keepalived/keepalived.conf').replaceAll(` ${h.interface}\n`, ` ${iface}\n`);
    const check = (): ReturnType<typeof spawnSync> => {
      const file = join(scratch, `keepalived-${String(n)}-${h.name}.conf`);
      writeFileSync(file, cfg);
      return spawnSync(keepalived!, ['-t', '-l', '-n', '-f', file], { encoding: 'utf8' });
    };
    let r = check();
    if (r.signal === 'SIGTERM') {
      // keepalived 2.2.7's config test kills itself after checking scripts as a non-root script_user
      // (acassen/keepalived#2617, fixed in 2.2.8); the daemon is not affected. Check the rest as root.
      cfg = cfg.replace(/script_user \S+/, 'script_user root');
      r = check();
    }
    expect(`${String(r.stdout)}${String(r.stderr)}`).toBe('');
    expect(r.status).toBe(0);
  });

  it.runIf(systemdAnalyze !== undefined && systemUnitDir !== undefined)('systemd-analyze verify accepts every unit, host by host', () => {
    // A root with the system's own units (targets) and a stand-in capstan, so verify checks the units
    // themselves: keys, values, dependencies and that ExecStart names an executable.
    const root = join(scratch, `root-${String(n)}`);
    cpSync(systemUnitDir!, join(root, 'usr/lib/systemd/system'), { recursive: true });
    const exe = join(root, t.install.command[0]!);
    mkdirSync(join(exe, '..'), { recursive: true });
    writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
    for (const h of t.hosts) {
      const units = componentsOn(h).map(unitName);
      if (units.length === 0) continue;
      const etc = join(root, 'etc/systemd/system');
      rmSync(etc, { recursive: true, force: true });
      cpSync(`${dir}/hosts/${h.name}/etc/systemd/system`, etc, { recursive: true });
      const r = spawnSync(systemdAnalyze!, ['verify', '--man=no', `--root=${root}`, ...units.map((u) => `/etc/systemd/system/${u}`)], { encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`, h.name).toBe('');
      expect(r.status, h.name).toBe(0);
    }
  });

  it('every unit restarts always, after the network is online, as the dedicated user, with enough descriptors', () => {
    for (const h of t.hosts) {
      for (const c of componentsOn(h)) {
        const unit = read(h, `/etc/systemd/system/${unitName(c)}`);
        for (const line of ['Wants=network-online.target', 'Restart=always', `User=${t.install.user}`, 'LimitNOFILE=65536', 'WantedBy=multi-user.target']) {
          expect(unit.split('\n'), `${h.name} ${c}`).toContain(line);
        }
        expect(unit).toMatch(/^After=network-online\.target/m);
        expect(unit).toMatch(new RegExp(`^ExecStart=${t.install.command.join(' ')} ${c} \\\\$`, 'm'));
      }
      if (componentsOn(h).length > 0) expect(read(h, `/etc/sysusers.d/${t.install.user}.conf`)).toMatch(new RegExp(`^u ${t.install.user} - `, 'm'));
    }
  });
});
