import type { Command } from 'commander';
import { addComponentFlags, resolveComponentFlags, type RawComponentFlags } from '../components/runtime/index.js';
import { buildControllers, controllerManager, KNOWN_CONTROLLERS, resolveControllerManagerFlags, type RawControllerManagerFlags } from '../components/controllers/index.js';
import { runComponentCommand } from './component-command.js';
import type { CliContext } from './context.js';

/** CONTROLLER_MANAGER_DEFAULTS are kube-controller-manager's: the Lease kube-system/kube-controller-manager, port 10252. */
const CONTROLLER_MANAGER_DEFAULTS = { leaseName: 'kube-controller-manager', port: 10252 };

/**
 * registerControllerManager adds `capstan controller-manager`: the leader-elected control loops (node lifecycle,
 * endpoint, namespace, garbage collector, service account, and ReplicaSet/Deployment once built in), with
 * kube-controller-manager's flag names. Standbys wait for the Lease; SIGINT/SIGTERM stops the work and releases
 * the Lease so a standby takes over within one retry period.
 */
export function registerControllerManager(program: Command, ctx: CliContext): void {
  const cmd = program.command('controller-manager').description('run the leader-elected controllers (kube-controller-manager)');
  addComponentFlags(cmd, CONTROLLER_MANAGER_DEFAULTS)
    .option('--controllers <list>', `controllers to run: "*" (all), NAME to enable, -NAME to disable; known: ${KNOWN_CONTROLLERS.join(', ')} (default "*")`)
    .option('--node-monitor-period <duration>', 'how often node health is checked (default 5s)')
    .option('--node-monitor-grace-period <duration>', 'how long a node may go without a heartbeat or Lease renewal before it is marked Unknown (default 40s)')
    .option('--node-startup-grace-period <duration>', 'how long a new node may go without posting a Ready condition (default 1m)')
    .option('--pod-eviction-timeout <duration>', 'accepted for compatibility; pods are evicted after their NoExecute tolerationSeconds (default 5m)')
    .option('--concurrent-endpoint-syncs <n>', 'services synced at once (default 5)')
    .option('--concurrent-service-endpoint-syncs <n>', 'services whose EndpointSlices are synced at once (default 5)')
    .option('--max-endpoints-per-slice <n>', 'endpoints in one EndpointSlice at most (default 100)')
    .option('--concurrent-namespace-syncs <n>', 'namespaces deleted at once (default 10)')
    .option('--concurrent-gc-syncs <n>', 'garbage collector workers (default 20)')
    .option('--concurrent-resource-quota-syncs <n>', 'resource quotas counted at once (default 5)')
    .option('--resource-quota-sync-period <duration>', 'how often every quota\'s use is counted again (default 5m)')
    .option('--concurrent-replicaset-syncs <n>', 'ReplicaSets synced at once (default 5)')
    .option('--concurrent-deployment-syncs <n>', 'Deployments synced at once (default 5)')
    .option('--concurrent-daemonset-syncs <n>', 'DaemonSets synced at once (default 2)')
    .option('--concurrent-statefulset-syncs <n>', 'StatefulSets synced at once (default 5)')
    .option('--concurrent-job-syncs <n>', 'Jobs synced at once (default 5)')
    .option('--terminated-pod-gc-threshold <n>', 'terminated pods kept before the oldest are deleted; 0 keeps all (default 12500)')
    .option('--concurrent-cron-job-syncs <n>', 'CronJobs synced at once (default 5)')
    .option('--concurrent-ttl-after-finished-syncs <n>', 'finished Jobs checked for their TTL at once (default 5)')
    .action((raw: RawComponentFlags & RawControllerManagerFlags) =>
      runComponentCommand(ctx, {
        component: 'controller-manager',
        resolve: () => ({ flags: resolveComponentFlags(raw, CONTROLLER_MANAGER_DEFAULTS), options: resolveControllerManagerFlags(raw) }),
        build: (options, log) => {
          const { controllers, missing } = buildControllers(options);
          if (missing.length > 0) log.warn({ controllers: missing }, 'enabled controllers not built into this capstan; skipped');
          log.info({ controllers: controllers.map((c) => c.name) }, 'controllers enabled');
          return { work: controllerManager(controllers) };
        },
        banner: (port, flags) => `capstan controller-manager: serving health on http://${flags.bindAddress}:${String(port)} as ${flags.identity}`,
      }),
    );
}
