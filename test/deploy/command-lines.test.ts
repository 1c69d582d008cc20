/**
 * Every ExecStart of the committed examples is a command line the real `capstan` parser accepts, and the
 * store members and API servers agree on who is in the cluster. The command lines are read back from the
 * unit files (not from the renderer), parsed by createProgram() with each subcommand's action replaced by
 * one that only records the options, and, for store and apiserver, resolved by the same functions the
 * commands call at start (so a bad URL or a member missing from --initial-cluster fails here, not on a host).
 */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { resolveApiServerFlags, type ApiServerFlags } from '../../src/apiserver/config.js';
import { createProgram } from '../../src/cli/program.js';
import { hostsWith } from '../../src/deploy/topology.js';
import { STORE_FLAGS, resolveStoreConfig, type StoreFlagName } from '../../src/store/config.js';
import { EXAMPLE_SIZES, exampleDir, exampleTopology, execArgv, flagValues, parseUnitFile } from './examples.js';

/** ParsedCommand is what the real parser made of a command line, or that it does not know the subcommand. */
type ParsedCommand = { readonly known: false } | { readonly known: true; readonly opts: Record<string, unknown> };

async function dryParse(argv: readonly string[]): Promise<ParsedCommand> {
  const output: string[] = [];
  const program = await createProgram({ version: '0.0.0', stdout: (s) => output.push(s), stderr: (s) => output.push(s) });
  const sub = program.commands.find((c) => c.name() === argv[0]);
  if (sub === undefined) return { known: false };
  let opts: Record<string, unknown> | undefined;
  sub.action(() => {
    opts = sub.opts();
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw new Error(`capstan ${argv.join(' ')}: ${output.join('').trim()}`, { cause: err });
    throw err;
  }
  if (opts === undefined) throw new Error(`capstan ${argv[0]!}: the action did not run`);
  return { known: true, opts };
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

describe.each(EXAMPLE_SIZES)('deploy/examples/%i-members command lines', (n) => {
  const t = exampleTopology(n);
  const unitsOf = (host: string): Array<[string, string[]]> =>
    ['store', 'apiserver', 'scheduler', 'controller-manager', 'node']
      .filter((c) => t.hosts.find((h) => h.name === host)!.roles.includes(c as never))
      .map((c) => [c, execArgv(parseUnitFile(readFileSync(`${exampleDir(n)}/hosts/${host}/etc/systemd/system/capstan-${c}.service`, 'utf8')))]);
  const all = t.hosts.flatMap((h) => unitsOf(h.name).map(([c, argv]) => ({ host: h, component: c, argv })));

  it.each(all.map((u) => [`${u.host.name} ${u.component}`, u] as const))('%s: the capstan parser accepts its ExecStart', async (_, u) => {
    expect(u.argv.slice(0, t.install.command.length)).toEqual(t.install.command);
    const argv = u.argv.slice(t.install.command.length);
    expect(argv[0]).toBe(u.component);
    const parsed = await dryParse(argv);
    // scheduler, controller-manager and node are checked once the subcommand exists in createProgram()
    if (!parsed.known) return;
    if (u.component === 'store') {
      const flags: Partial<Record<StoreFlagName, string>> = {};
      for (const f of STORE_FLAGS) if (parsed.opts[camel(f)] !== undefined) flags[f] = String(parsed.opts[camel(f)]);
      expect(() => resolveStoreConfig(flags)).not.toThrow();
    }
    if (u.component === 'apiserver') expect(() => resolveApiServerFlags(parsed.opts as ApiServerFlags)).not.toThrow();
  });

  it('store members bootstrap one cluster: every member is in everyone\'s --initial-cluster under its own name and URLs', () => {
    const members = hostsWith(t, 'store');
    expect(members).toHaveLength(n);
    const stores = all.filter((u) => u.component === 'store');
    expect(stores.map((u) => u.host.name)).toEqual(members.map((h) => h.name));
    const clusters = new Set<string>();
    const tokens = new Set<string>();
    for (const { host, argv } of stores) {
      const f = flagValues(argv);
      const cfg = resolveStoreConfig(Object.fromEntries(f) as Partial<Record<StoreFlagName, string>>);
      expect(cfg.name).toBe(host.name);
      expect([...cfg.initialCluster.keys()].sort()).toEqual(members.map((m) => m.name).sort());
      expect(cfg.initialCluster.get(host.name)).toEqual(cfg.initialAdvertisePeerUrls);
      expect(cfg.initialAdvertisePeerUrls.map((u) => new URL(u).hostname)).toEqual([host.address]);
      expect(cfg.listenPeerUrls.map((u) => u.hostname)).toContain(host.address);
      expect(cfg.advertiseClientUrls.map((u) => new URL(u).hostname)).toEqual([host.address]);
      expect(cfg.listenClientUrls.map((u) => u.hostname)).toContain(host.address);
      expect(cfg.initialClusterState).toBe('new');
      clusters.add(f.get('initial-cluster')!);
      tokens.add(cfg.initialClusterToken);
    }
    expect(clusters.size).toBe(1);
    expect(tokens.size).toBe(1);
  });

  it('every API server talks to every store member\'s advertised client URL', () => {
    const clientUrls = all.filter((u) => u.component === 'store').map((u) => flagValues(u.argv).get('advertise-client-urls'));
    const apiservers = all.filter((u) => u.component === 'apiserver');
    expect(apiservers.map((u) => u.host.name)).toEqual(hostsWith(t, 'apiserver').map((h) => h.name));
    for (const u of apiservers) {
      const f = resolveApiServerFlags(Object.fromEntries([...flagValues(u.argv)].map(([k, v]) => [camel(k), v])) as ApiServerFlags);
      expect(f.etcdServers).toEqual(clientUrls);
      expect(f.secure?.port).toBe(t.ports.apiserver);
    }
  });

  it('the leader-elected components and the nodes reach the API through their kubeconfig, one replica per host', () => {
    for (const c of ['scheduler', 'controller-manager', 'node'] as const) {
      const units = all.filter((u) => u.component === c);
      expect(units.map((u) => u.host.name)).toEqual(hostsWith(t, c).map((h) => h.name));
      for (const u of units) expect(flagValues(u.argv).get('kubeconfig')).toBe(`${t.install.configDir}/${c}.kubeconfig`);
    }
  });
});

describe('the dry parse', () => {
  it('refuses a flag the subcommand does not know, as `capstan` would', async () => {
    await expect(dryParse(['store', '--nmae=cp-1'])).rejects.toThrow(/unknown option '--nmae=cp-1'/);
    await expect(dryParse(['apiserver', '--etcd-servers=http://10.0.0.1:2379', '--secure-prot=6443'])).rejects.toThrow(/unknown option/);
  });

  it('reports a subcommand that does not exist yet as unknown rather than failing', async () => {
    expect(await dryParse(['no-such-component', '--kubeconfig=/etc/capstan/x.kubeconfig'])).toEqual({ known: false });
  });
});
