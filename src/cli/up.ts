import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { clusterFilePath, clusterProcesses, readClusterFile, writeClusterFile, type ClusterFile } from './launcher/cluster-file.js';
import { planControlPlane, planMembers, spawnApiServer, spawnLb, spawnStoreMember } from './launcher/control-plane.js';
import { isAlive, stopPid, waitHealthy, waitReady } from './launcher/processes.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';

/** DEFAULT_DIR is where `capstan up` keeps a local cluster unless told otherwise. */
export const DEFAULT_DIR = '.capstan';
const SUPPORTED_MEMBERS = [1, 3, 5, 7];

/**
 * registerUp adds `capstan up`, which starts a local cluster on free loopback ports (as k3d or kubeadm
 * would): the store members, then the API server replicas and the load balancer in front of them (with a CA,
 * serving certificate, admin token and kubeconfig), writes DIR/cluster.json, and runs in the foreground
 * until Ctrl-C — or, with --detach, returns once everything is healthy.
 */
export function registerUp(program: Command, ctx: CliContext): void {
  program
    .command('up')
    .description('start a local store cluster on loopback')
    .option('--dir <dir>', 'directory for data, logs and cluster.json', DEFAULT_DIR)
    .option('--members <n>', 'number of store members: 1, 3, 5 or 7', '3')
    .option('--apiservers <n>', 'number of API server replicas behind the load balancer (0: the store alone)', '2')
    .option('--detach', 'return once the cluster is healthy instead of staying in the foreground')
    .action(async (opts: { dir: string; members: string; apiservers: string; detach?: boolean }) => {
      const n = Number(opts.members);
      const apiservers = Number(opts.apiservers);
      if (!Number.isSafeInteger(apiservers) || apiservers < 0 || apiservers > 9) {
        throw new CommandError(`--apiservers ${opts.apiservers}: give a number of replicas from 0 to 9`, 'BAD_FLAG', 2);
      }
      if (!SUPPORTED_MEMBERS.includes(n)) {
        throw new CommandError(
          `--members ${opts.members}: a store cluster has 1, 3, 5 or 7 members`,
          'BAD_FLAG',
          2,
        );
      }
      const dir = resolve(opts.dir);
      const existing = readClusterFile(dir);
      if (existing !== undefined && clusterProcesses(existing).some((p) => isAlive(p.pid))) {
        throw new CommandError(`a cluster is already running from ${dir} (see capstan status --dir ${opts.dir}, or capstan down)`, 'RUNNING', 1);
      }
      // PIDs recorded by an earlier run may belong to anyone by now: forget them before anything can signal them.
      if (existing !== undefined) for (const p of [...existing.store.members, ...(existing.apiserver === undefined ? [] : [existing.apiserver.lb, ...existing.apiserver.replicas])]) p.pid = 0;
      mkdirSync(dir, { recursive: true });
      const token = existing?.store.clusterToken ?? `capstan-${process.pid}-${Date.now().toString(36)}`;
      const members = existing?.store.members ?? (await planMembers(dir, n));
      if (existing !== undefined) {
        // Restart with the data and ports the cluster had; fresh ports only for new members.
        ctx.stderr(`restarting the cluster in ${dir}\n`);
      }
      for (const m of members) {
        ctx.stderr(`starting store member ${m.name} (${m.clientURL}) ... `);
        spawnStoreMember(m, members, token, existing?.store.extraFlags);
        ctx.stderr(`pid ${m.pid}\n`);
      }
      const file: ClusterFile = {
        version: 1,
        dir,
        startedAt: new Date().toISOString(),
        store: { endpoints: members.map((m) => m.clientURL), members, clusterToken: token, ...(existing?.store.extraFlags === undefined ? {} : { extraFlags: existing.store.extraFlags }) },
      };
      if (existing?.apiserver !== undefined) file.apiserver = existing.apiserver;
      if (existing?.kubeconfig !== undefined) file.kubeconfig = existing.kubeconfig;
      writeClusterFile(dir, file);
      try {
        for (const m of members) {
          ctx.stderr(`waiting for ${m.name} to be healthy ... `);
          await waitHealthy(m.clientURL, 30_000, m.pid);
          ctx.stderr('ok\n');
        }
        if (apiservers > 0 || file.apiserver !== undefined) {
          if (file.apiserver === undefined) {
            ctx.stderr('generating a CA, serving certificate, admin token and kubeconfig ... ');
            const planned = await planControlPlane(dir, apiservers);
            file.apiserver = planned.controlPlane;
            file.kubeconfig = planned.kubeconfig;
            ctx.stderr('ok\n');
          }
          const cp = file.apiserver;
          for (const r of cp.replicas) {
            ctx.stderr(`starting ${r.name} (${r.url}) ... `);
            spawnApiServer(dir, r, file.store.endpoints);
            ctx.stderr(`pid ${r.pid}\n`);
          }
          writeClusterFile(dir, file);
          for (const r of cp.replicas) {
            ctx.stderr(`waiting for ${r.name} to be ready ... `);
            await waitReady(`${r.insecureURL}/readyz`, 30_000, r.pid);
            ctx.stderr('ok\n');
          }
          ctx.stderr(`starting the load balancer (https://${cp.lb.listen}) ... `);
          spawnLb(cp.lb, cp.replicas);
          writeClusterFile(dir, file);
          await waitReady(`${cp.lb.adminURL}/readyz`, 30_000, cp.lb.pid);
          ctx.stderr(`pid ${cp.lb.pid}, ready\n`);
        }
      } catch (err) {
        ctx.stderr('failed\n');
        await stopCluster(file, () => undefined);
        throw new CommandError(`the cluster did not start: ${(err as Error).message}; logs are in ${dir}`, 'START_FAILED', 1);
      }
      const endpoints = file.store.endpoints.join(',');
      let out =
        `capstan store is up: ${members.length} member(s)\n` +
        `  endpoints:    ${endpoints}\n` +
        `  cluster file: ${clusterFilePath(dir)}\n` +
        `  try:          ETCDCTL_API=3 etcdctl --endpoints=${endpoints} put hello world\n`;
      if (file.apiserver !== undefined) {
        out +=
          `capstan apiserver is up: ${file.apiserver.replicas.length} replica(s) behind the load balancer\n` +
          `  server:       ${file.apiserver.url}\n` +
          `  kubeconfig:   ${file.kubeconfig ?? ''}\n` +
          `  try:          kubectl --kubeconfig=${file.kubeconfig ?? ''} get namespaces\n`;
      }
      ctx.stdout(out);
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
      await stopCluster(file, (line) => ctx.stderr(`  ${line}\n`));
    });
}

/**
 * stopCluster stops every process of a cluster by PID, front to back: the load balancer, the API servers,
 * then the store members (each SIGTERM, SIGKILL after 10 s), reporting one line per process.
 */
export async function stopCluster(file: ClusterFile, report: (line: string) => void): Promise<void> {
  for (const p of clusterProcesses(file)) {
    if (p.pid === 0) continue;
    const how = await stopPid(p.pid);
    report(`${p.name} (pid ${p.pid}): ${how}`);
  }
}
