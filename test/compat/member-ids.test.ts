/**
 * Member and cluster IDs are derived as etcd derives them (membership.NewMember: SHA-1 of the sorted peer
 * URLs and the cluster token; RaftCluster.genID: SHA-1 of the sorted member IDs), so a cluster bootstrapped
 * with the same --name, --initial-cluster and --initial-cluster-token gets the same IDs from capstan as from
 * etcd 3.4. Each process is one member of the named cluster: it logs its IDs at bootstrap, before it needs a
 * quorum, and is then killed by PID. Needs the real etcd on PATH whatever CAPSTAN_COMPAT_TARGET says.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterIdFor, memberIdFor } from '../../src/store/membership.js';
import { freePorts } from '../../src/cli/launcher/processes.js';
import { compatRequired, findOnPath, repoRoot } from './helpers/tools.js';

const etcd = findOnPath('etcd');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** bootLog starts command, waits until its combined output satisfies done, kills it, and returns the output. */
async function bootLog(command: string, args: string[], done: (out: string) => boolean): Promise<string> {
  const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' } });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command} did not log its IDs within 20 s:\n${out}`)), 20_000);
      const check = (s: string): void => {
        out += s;
        if (done(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.setEncoding('utf8').on('data', check);
      child.stderr.setEncoding('utf8').on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${command} exited with ${String(code)} before logging its IDs:\n${out}`));
      });
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
  return out;
}

interface Layout {
  name: string;
  token: string;
  /** cluster maps each member name to its peer URLs, in --initial-cluster order. */
  cluster: [string, string[]][];
  clientUrl: string;
}

function flags(l: Layout, dataDir: string): string[] {
  const own = l.cluster.find(([n]) => n === l.name)![1];
  return [
    `--name=${l.name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${l.clientUrl}`,
    `--advertise-client-urls=${l.clientUrl}`,
    `--listen-peer-urls=${own.join(',')}`,
    `--initial-advertise-peer-urls=${own.join(',')}`,
    `--initial-cluster=${l.cluster.flatMap(([n, urls]) => urls.map((u) => `${n}=${u}`)).join(',')}`,
    `--initial-cluster-token=${l.token}`,
    '--initial-cluster-state=new',
  ];
}

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'capstan-member-ids-'));
  dirs.push(d);
  return join(d, 'data');
}

const hex = (id: bigint): string => id.toString(16);

describe('member and cluster IDs', () => {
  it.runIf(compatRequired())('etcd is on PATH (CAPSTAN_COMPAT=required)', () => {
    expect(etcd, 'etcd on PATH (Debian package etcd-server)').toBeDefined();
  });

  describe.runIf(etcd !== undefined)('are the ones etcd 3.4 derives from the same flags', () => {
    async function compare(l: Layout): Promise<void> {
      const etcdOut = await bootLog(
        etcd!,
        flags(l, freshDir()),
        (out) => /starting member \w+ in cluster \w+/.test(out) && out.split('added member').length > l.cluster.length,
      );
      const [, etcdMember, etcdCluster] = /starting member (\w+) in cluster (\w+)/.exec(etcdOut)!;
      const added = [...etcdOut.matchAll(/added member (\w+) \[/g)].map((m) => m[1]).sort();

      const capOut = await bootLog(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'store', ...flags(l, freshDir())], (out) => out.includes('bootstrapped a new member'));
      const boot = capOut.split('\n').find((line) => line.includes('bootstrapped a new member'))!;
      const { memberId, clusterId } = JSON.parse(boot) as { memberId: string; clusterId: string };

      expect({ memberId, clusterId }).toEqual({ memberId: etcdMember, clusterId: etcdCluster });
      // Every member, not only the one that ran: the derivation capstan uses for the others matches etcd's.
      const ids = l.cluster.map(([, urls]) => memberIdFor(urls, l.token));
      expect(ids.map(hex).sort()).toEqual(added);
      expect(hex(clusterIdFor(ids))).toBe(etcdCluster);
    }

    it('a 3-member cluster', async () => {
      const [client, p0, p1, p2] = await freePorts(4);
      const url = (p: number | undefined): string => `http://127.0.0.1:${String(p)}`;
      await compare({
        name: 'infra1',
        token: 'etcd-cluster-1',
        cluster: [
          ['infra0', [url(p0)]],
          ['infra1', [url(p1)]],
          ['infra2', [url(p2)]],
        ],
        clientUrl: url(client),
      });
    });

    it('a member with two peer URLs, given out of order (the URLs are sorted before hashing)', async () => {
      const [client, p0, p1, p2] = await freePorts(4);
      const url = (p: number | undefined): string => `http://127.0.0.1:${String(p)}`;
      const [lo, hi] = [p0!, p1!].sort((a, b) => a - b);
      await compare({
        name: 'a',
        token: 'tok-2',
        cluster: [
          ['a', [url(hi), url(lo)]],
          ['b', [url(p2)]],
        ],
        clientUrl: url(client),
      });
    });
  });
});
