import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { clusterFilePath, clusterProcessGroups, clusterProcesses, readClusterFile, writeClusterFile, type ClusterFile, type LeaderElectionTimings } from './launcher/cluster-file.js';
import { planControlPlane, planMembers, spawnApiServer, spawnLb, spawnStoreMember } from './launcher/control-plane.js';
import { DEFAULT_LEADER_ELECTION, DEFAULT_NODE_TIMINGS, planComponents, spawnControllerManager, spawnNodeAgent, spawnScheduler } from './launcher/components.js';
import { parseDurationMs } from '../util/duration.js';
import { InvalidLeaderElectionConfigError, leaderElectionConfig } from '../components/leaderelection/config.js';
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
    .description('start a local cluster on loopback: store members, API servers behind a load balancer, schedulers, controller-managers and hollow nodes')
    .option('--dir <dir>', 'directory for data, logs and cluster.json', DEFAULT_DIR)
    .option('--members <n>', 'number of store members: 1, 3, 5 or 7', '3')
    .option('--apiservers <n>', 'number of API server replicas behind the load balancer (0: the store alone)', '2')
    .option('--schedulers <n>', 'number of scheduler replicas, one leading, the others standing by (default 2; 0 with --apiservers 0)')
    .option('--controller-managers <n>', 'number of controller-manager replicas, one leading (default 2; 0 with --apiservers 0)')
    .option('--nodes <n>', 'number of hollow nodes, each in its own node agent process (default 3; 0 with --apiservers 0)')
    .option('--leader-elect-lease-duration <duration>', 'lease duration of the schedulers and controller-managers', DEFAULT_LEADER_ELECTION.leaseDuration)
    .option('--leader-elect-renew-deadline <duration>', 'renew deadline of the schedulers and controller-managers', DEFAULT_LEADER_ELECTION.renewDeadline)
    .option('--leader-elect-retry-period <duration>', 'retry period of the schedulers and controller-managers', DEFAULT_LEADER_ELECTION.retryPeriod)
    .option('--node-lease-duration <duration>', 'how long each hollow node\'s Lease lasts; it renews every quarter of it', DEFAULT_NODE_TIMINGS.nodeLeaseDuration)
    .option('--node-monitor-grace-period <duration>', 'how long without a node heartbeat before the controller-manager marks it Unknown', DEFAULT_NODE_TIMINGS.nodeMonitorGracePeriod)
    .option('--detach', 'return once the cluster is healthy instead of staying in the foreground')
    .action(async (opts: UpOptions) => {
      const n = Number(opts.members);
      const apiservers = count('--apiservers', opts.apiservers);
      const dflt = (n: number): string => (apiservers === 0 ? '0' : String(n));
      const components = {
        schedulers: count('--schedulers', opts.schedulers ?? dflt(2)),
        controllerManagers: count('--controller-managers', opts.controllerManagers ?? dflt(2)),
        nodes: count('--nodes', opts.nodes ?? dflt(3), 100),
      };
      const leaderElection = timings(opts);
      const nodeTimes = nodeTimings(opts);
      if (apiservers === 0 && components.schedulers + components.controllerManagers + components.nodes > 0) {
        throw new CommandError('the components need API servers: give --apiservers 1 or more', 'BAD_FLAG', 2);
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
      if (existing !== undefined) for (const p of clusterProcesses(existing)) p.pid = 0;
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
      if (existing?.components !== undefined) file.components = existing.components;
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
        if (file.components === undefined && components.schedulers + components.controllerManagers + components.nodes > 0) {
          file.components = await planComponents(dir, components, leaderElection, nodeTimes);
        }
        if (file.components !== undefined) {
          const c = file.components;
          const kubeconfig = file.kubeconfig!;
          for (const r of c.schedulers) spawnScheduler(r, kubeconfig, c);
          for (const r of c.controllerManagers) spawnControllerManager(r, kubeconfig, c);
          for (const r of c.nodes) spawnNodeAgent(r, kubeconfig, c);
          writeClusterFile(dir, file);
          for (const r of [...c.schedulers, ...c.controllerManagers, ...c.nodes]) {
            ctx.stderr(`starting ${r.name} (pid ${r.pid}) ... `);
            await waitReady(`${r.healthURL}/healthz`, 30_000, r.pid);
            ctx.stderr('ok\n');
          }
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
      if (file.components !== undefined) {
        const c = file.components;
        out +=
          `components are up: ${c.schedulers.length} scheduler(s), ${c.controllerManagers.length} controller-manager(s), ${c.nodes.length} hollow node(s)\n` +
          `  try:          kubectl --kubeconfig=${file.kubeconfig ?? ''} create deployment web --image=nginx --replicas=3\n` +
          `  status:       capstan status --dir ${opts.dir}\n`;
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
 * stopCluster stops every process of a cluster by PID, front to back: node agents, controller-managers,
 * schedulers, the load balancer, the API servers, then the store members (each SIGTERM, SIGKILL after 10 s),
 * reporting one line per process in that order. The replicas of a component stop together: one by one, each
 * standby would take the Lease over — and start all its work — just before its own turn to stop.
 */
export async function stopCluster(file: ClusterFile, report: (line: string) => void): Promise<void> {
  for (const group of clusterProcessGroups(file)) {
    const running = group.filter((p) => p.pid !== 0);
    const outcomes = await Promise.all(running.map((p) => stopPid(p.pid)));
    running.forEach((p, i) => report(`${p.name} (pid ${p.pid}): ${outcomes[i]!}`));
  }
}

interface UpOptions {
  dir: string;
  members: string;
  apiservers: string;
  schedulers?: string;
  controllerManagers?: string;
  nodes?: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  nodeLeaseDuration: string;
  nodeMonitorGracePeriod: string;
  detach?: boolean;
}

/** durationMs reads a positive Go duration flag, or exits 2 naming it. */
function durationMs(flag: string, v: string): number {
  const ms = parseDurationMs(v);
  if (ms === undefined || ms <= 0) throw new CommandError(`${flag} ${v}: give a duration such as 15s`, 'BAD_FLAG', 2);
  return ms;
}

function nodeTimings(opts: UpOptions): { nodeLeaseDuration: string; nodeMonitorGracePeriod: string } {
  durationMs('--node-lease-duration', opts.nodeLeaseDuration);
  durationMs('--node-monitor-grace-period', opts.nodeMonitorGracePeriod);
  return { nodeLeaseDuration: opts.nodeLeaseDuration, nodeMonitorGracePeriod: opts.nodeMonitorGracePeriod };
}

function count(flag: string, v: string, max = 9): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new CommandError(`${flag} ${v}: give a number from 0 to ${max}`, 'BAD_FLAG', 2);
  return n;
}

function timings(opts: UpOptions): LeaderElectionTimings {
  const t = { leaseDuration: opts.leaderElectLeaseDuration, renewDeadline: opts.leaderElectRenewDeadline, retryPeriod: opts.leaderElectRetryPeriod };
  try {
    // The components would refuse what client-go refuses: check it before starting any of them.
    leaderElectionConfig({
      identity: 'capstan-up',
      leaseDurationMs: durationMs('--leader-elect-lease-duration', t.leaseDuration),
      renewDeadlineMs: durationMs('--leader-elect-renew-deadline', t.renewDeadline),
      retryPeriodMs: durationMs('--leader-elect-retry-period', t.retryPeriod),
    });
  } catch (err) {
    if (err instanceof InvalidLeaderElectionConfigError) throw new CommandError(`leader election: ${err.message} (got ${t.leaseDuration}, ${t.renewDeadline}, ${t.retryPeriod})`, 'BAD_FLAG', 2);
    throw err;
  }
  return t;
}
