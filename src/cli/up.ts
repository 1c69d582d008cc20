import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { clusterFilePath, readClusterFile, writeClusterFile, type ClusterFile, type MemberRecord } from './launcher/cluster-file.js';
import { freePort, isAlive, spawnCapstan, stopPid, waitHealthy } from './launcher/processes.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';

/** DEFAULT_DIR is where `capstan up` keeps a local cluster unless told otherwise. */
export const DEFAULT_DIR = '.capstan';
const SUPPORTED_MEMBERS = [1, 3, 5, 7];

/**
 * registerUp adds `capstan up`, which starts a local store cluster on free loopback ports (as k3d or
 * kubeadm would), writes DIR/cluster.json, and runs in the foreground until Ctrl-C — or, with --detach,
 * returns once every member is healthy.
 */
export function registerUp(program: Command, ctx: CliContext): void {
  program
    .command('up')
    .description('start a local store cluster on loopback')
    .option('--dir <dir>', 'directory for data, logs and cluster.json', DEFAULT_DIR)
    .option('--members <n>', 'number of store members: 1, 3, 5 or 7', '3')
    .option('--detach', 'return once the cluster is healthy instead of staying in the foreground')
    .action(async (opts: { dir: string; members: string; detach?: boolean }) => {
      const n = Number(opts.members);
      if (!SUPPORTED_MEMBERS.includes(n)) {
        throw new CommandError(
          `--members ${opts.members}: a store cluster has 1, 3, 5 or 7 members`,
          'BAD_FLAG',
          2,
        );
      }
      const dir = resolve(opts.dir);
      const existing = readClusterFile(dir);
      if (existing !== undefined && existing.store.members.some((m) => isAlive(m.pid))) {
        throw new CommandError(`a cluster is already running from ${dir} (see capstan status --dir ${opts.dir}, or capstan down)`, 'RUNNING', 1);
      }
      mkdirSync(dir, { recursive: true });
      const token = existing?.store.clusterToken ?? `capstan-${process.pid}-${Date.now().toString(36)}`;
      const members = existing?.store.members ?? (await planMembers(dir, n));
      if (existing !== undefined) {
        // Restart with the data and ports the cluster had; fresh ports only for new members.
        ctx.stderr(`restarting the cluster in ${dir}\n`);
      }
      const initialCluster = members.map((m) => `${m.name}=${m.peerURL}`).join(',');
      for (const m of members) {
        ctx.stderr(`starting store member ${m.name} (${m.clientURL}) ... `);
        m.pid = spawnCapstan(
          [
            'store',
            `--name=${m.name}`,
            `--data-dir=${m.dataDir}`,
            `--listen-client-urls=${m.clientURL}`,
            `--advertise-client-urls=${m.clientURL}`,
            `--listen-peer-urls=${m.peerURL}`,
            `--initial-advertise-peer-urls=${m.peerURL}`,
            `--initial-cluster=${initialCluster}`,
            '--initial-cluster-state=new',
            `--initial-cluster-token=${token}`,
          ],
          m.log,
        );
        ctx.stderr(`pid ${m.pid}\n`);
      }
      const file: ClusterFile = {
        version: 1,
        dir,
        startedAt: new Date().toISOString(),
        store: { endpoints: members.map((m) => m.clientURL), members, clusterToken: token },
      };
      writeClusterFile(dir, file);
      try {
        for (const m of members) {
          ctx.stderr(`waiting for ${m.name} to be healthy ... `);
          await waitHealthy(m.clientURL, 30_000, m.pid);
          ctx.stderr('ok\n');
        }
      } catch (err) {
        ctx.stderr('failed\n');
        for (const m of members) await stopPid(m.pid);
        throw new CommandError(`the cluster did not start: ${(err as Error).message}; logs are in ${dir}`, 'START_FAILED', 1);
      }
      const endpoints = file.store.endpoints.join(',');
      ctx.stdout(
        `capstan store is up: ${members.length} member(s)\n` +
          `  endpoints:    ${endpoints}\n` +
          `  cluster file: ${clusterFilePath(dir)}\n` +
          `  try:          ETCDCTL_API=3 etcdctl --endpoints=${endpoints} put hello world\n`,
      );
      if (opts.detach) {
        ctx.stdout(`stop it with: capstan down --dir ${opts.dir}\n`);
        return;
      }
      ctx.stdout('press Ctrl-C to stop\n');
      await new Promise<void>((resolveSignal) => {
        // Signal listeners alone do not keep Node running; this timer does, until Ctrl-C.
        const keepAlive = setInterval(() => undefined, 1 << 30);
        const onSignal = (): void => {
          clearInterval(keepAlive);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolveSignal();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      ctx.stderr('stopping ...\n');
      for (const m of members) {
        const how = await stopPid(m.pid);
        ctx.stderr(`  ${m.name}: ${how}\n`);
      }
    });
}

async function planMembers(dir: string, n: number): Promise<MemberRecord[]> {
  const out: MemberRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `store-${i}`;
    out.push({
      name,
      clientURL: `http://127.0.0.1:${await freePort()}`,
      peerURL: `http://127.0.0.1:${await freePort()}`,
      dataDir: join(dir, name),
      log: join(dir, `${name}.log`),
      pid: 0,
    });
  }
  return out;
}
