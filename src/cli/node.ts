import type { Command } from 'commander';
import { Registry, collectDefaultMetrics } from 'prom-client';
import {
  DEFAULT_NODE_CONFIG,
  defaultPodCIDRBase,
  NodeAgentConfigError,
  parseCapacity,
  parseNodeLabels,
  validateNodeAgentConfig,
  type NodeAgentConfig,
} from '../components/node/config.js';
import { NodeAgents } from '../components/node/node-agents.js';
import { CIDRParseError, parseCIDR } from '../components/node/pod-cidr.js';
import { addComponentFlags, resolveComponentFlags, type RawComponentFlags } from '../components/runtime/index.js';
import { systemClock } from '../util/clock.js';
import { parseDurationMs } from '../util/duration.js';
import { runComponentCommand } from './component-command.js';
import type { CliContext } from './context.js';

/** NODE_DEFAULTS are the node agents' defaults of the shared component flags: kubelet's healthz port. */
const NODE_DEFAULTS = { leaseName: 'capstan-node', port: 10248 };

interface RawNodeFlags extends RawComponentFlags {
  count?: string;
  nodeNamePrefix?: string;
  nodeIndexOffset?: string;
  nodeLabels?: string;
  capacity?: string;
  podStartDelay?: string;
  podStopDelay?: string;
  podRunDuration?: string;
  nodeLeaseDuration?: string;
  nodeStatusUpdateFrequency?: string;
  nodeStatusReportFrequency?: string;
  podCidrBase?: string;
  concurrency?: string;
}

function durationFlag(flag: string, v: string | undefined, dflt: number, allowZero = false): number {
  if (v === undefined) return dflt;
  const ms = parseDurationMs(v);
  if (ms === undefined || ms < 0 || (!allowZero && ms === 0)) throw new NodeAgentConfigError(`--${flag}: ${JSON.stringify(v)} is not a ${allowZero ? '' : 'positive '}duration such as 10s`);
  return ms;
}

function wholeNumber(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new NodeAgentConfigError(`--${flag}: ${JSON.stringify(v)} is not a whole number`);
  return Number(v);
}

/** resolveNodeFlags turns the node-specific flags into a checked NodeAgentConfig. */
export function resolveNodeFlags(raw: RawNodeFlags): NodeAgentConfig {
  const count = wholeNumber('count', raw.count, DEFAULT_NODE_CONFIG.count);
  const indexOffset = wholeNumber('node-index-offset', raw.nodeIndexOffset, DEFAULT_NODE_CONFIG.indexOffset);
  const leaseMs = durationFlag('node-lease-duration', raw.nodeLeaseDuration, DEFAULT_NODE_CONFIG.leaseDurationSeconds * 1000);
  if (leaseMs % 1000 !== 0) throw new NodeAgentConfigError(`--node-lease-duration: ${raw.nodeLeaseDuration ?? ''} is not a whole number of seconds`);
  let podCIDRBase;
  try {
    podCIDRBase = raw.podCidrBase === undefined ? defaultPodCIDRBase(indexOffset + count) : parseCIDR(raw.podCidrBase);
  } catch (err) {
    if (err instanceof CIDRParseError) throw new NodeAgentConfigError(`--pod-cidr-base: ${err.message}`);
    throw err;
  }
  return validateNodeAgentConfig({
    count,
    namePrefix: raw.nodeNamePrefix ?? DEFAULT_NODE_CONFIG.namePrefix,
    indexOffset,
    labels: parseNodeLabels(raw.nodeLabels ?? ''),
    capacity: parseCapacity(raw.capacity ?? ''),
    podStartDelayMs: durationFlag('pod-start-delay', raw.podStartDelay, DEFAULT_NODE_CONFIG.podStartDelayMs, true),
    podStopDelayMs: durationFlag('pod-stop-delay', raw.podStopDelay, DEFAULT_NODE_CONFIG.podStopDelayMs, true),
    podRunDurationMs: durationFlag('pod-run-duration', raw.podRunDuration, DEFAULT_NODE_CONFIG.podRunDurationMs, true),
    leaseDurationSeconds: leaseMs / 1000,
    statusUpdateFrequencyMs: durationFlag('node-status-update-frequency', raw.nodeStatusUpdateFrequency, DEFAULT_NODE_CONFIG.statusUpdateFrequencyMs),
    statusReportFrequencyMs: durationFlag('node-status-report-frequency', raw.nodeStatusReportFrequency, DEFAULT_NODE_CONFIG.statusReportFrequencyMs),
    podCIDRBase,
    concurrency: wholeNumber('concurrency', raw.concurrency, DEFAULT_NODE_CONFIG.concurrency),
    kubeletVersion: DEFAULT_NODE_CONFIG.kubeletVersion,
  });
}

/**
 * registerNode adds `capstan node`: hollow kubelets, many in one process (kubemark's hollow nodes). Each
 * registers a Node, renews its Lease in kube-node-lease, runs the pods bound to it with simulated containers
 * and reports status. Node agents do not elect a leader (--leader-elect defaults to false). It runs until
 * SIGINT or SIGTERM.
 */
export function registerNode(program: Command, ctx: CliContext): void {
  const cmd = program.command('node').description('run hollow node agents (kubemark\'s hollow kubelets): register Nodes, renew node Leases, run bound pods with simulated containers');
  addComponentFlags(cmd, NODE_DEFAULTS);
  cmd
    .option('--count <n>', 'how many nodes this process hosts (default 1)')
    .option('--node-name-prefix <prefix>', 'node i is named PREFIX + i (default "hollow-node-")')
    .option('--node-index-offset <n>', 'index of this process\'s first node, so several processes get distinct names, pod CIDRs and IPs (default 0)')
    .option('--node-labels <k=v,...>', 'labels added to every node')
    .option('--capacity <k=v,...>', 'capacity (and allocatable) of every node (default cpu=4,memory=16Gi,pods=110)')
    .option('--pod-start-delay <duration>', 'how long a pod stays ContainerCreating before it runs (default 1s)')
    .option('--pod-stop-delay <duration>', 'how long a deleted pod\'s containers take to stop, at most its grace period (default 1s)')
    .option('--pod-run-duration <duration>', 'how long the containers of a pod with restartPolicy Never or OnFailure run before exiting, unless its capstan.io/hollow-run-duration annotation says otherwise (default 5s)')
    .option('--node-lease-duration <duration>', 'leaseDurationSeconds of node Leases, renewed every quarter of it (default 40s)')
    .option('--node-status-update-frequency <duration>', 'how often nodes compute their status and post it if it changed (default 10s)')
    .option('--node-status-report-frequency <duration>', 'how often nodes post their status even if unchanged (default 5m)')
    .option('--pod-cidr-base <cidr>', 'node i gets the i-th /24 of this range and its pods IPs from that /24 (default 10.244.0.0/16, or the enclosing /14, /12, … when --count needs more /24s)')
    .option('--concurrency <n>', 'node status and pod requests in flight at once; Lease renewals get this many or one per 20 nodes, whichever is more (default 16)')
    .action((raw: RawNodeFlags) =>
      runComponentCommand(ctx, {
        component: 'node',
        resolve: () => ({ flags: resolveComponentFlags({ ...raw, leaderElect: raw.leaderElect ?? 'false' }, NODE_DEFAULTS), options: resolveNodeFlags(raw) }),
        build: (config) => {
          const metrics = new Registry();
          collectDefaultMetrics({ register: metrics });
          const agents = new NodeAgents({ config, clock: systemClock, metrics });
          return { work: agents, metrics, checks: [agents.healthCheck()], ready: () => agents.ready() };
        },
        banner: (port, flags, config) =>
          `capstan node: ${config.count} hollow node${config.count === 1 ? '' : 's'} (${config.namePrefix}${config.indexOffset}…${config.namePrefix}${config.indexOffset + config.count - 1}); health and metrics on http://${flags.bindAddress}:${port}`,
      }),
    );
}
