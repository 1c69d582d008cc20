/**
 * The configuration of a process of hollow node agents (kubemark's hollow kubelets) and the parsing of its
 * flag values: how many nodes, their names, labels and capacity, and the kubelet timings they keep.
 */
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue, parseQuantity, RESOURCE_CPU, RESOURCE_MEMORY, RESOURCE_PODS, type ResourceList } from '../../api/index.js';
import { CapstanError } from '../../util/errors.js';
import { formatIPv4, NODE_CIDR_MASK_SIZE, parseCIDR, type CIDR } from './pod-cidr.js';

/** NodeAgentConfigError is a configuration of node agents that cannot work (exit code 2 at the CLI). */
export class NodeAgentConfigError extends CapstanError {
  constructor(message: string) {
    super(message, 'INVALID_FLAG', false);
  }
}

/** NodeAgentConfig configures every hollow node of one process. */
export interface NodeAgentConfig {
  /** count is how many nodes the process hosts. */
  readonly count: number;
  /** namePrefix names node i `${namePrefix}${indexOffset + i}`. */
  readonly namePrefix: string;
  /**
   * indexOffset is the index of this process's first node, so that several processes (each with a share of a
   * cluster's nodes) give their nodes distinct names, pod CIDRs and InternalIPs.
   */
  readonly indexOffset: number;
  /** labels are added to every node's own labels (kubelet's --node-labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** capacity is every node's status.capacity (and allocatable: hollow nodes reserve nothing). */
  readonly capacity: Readonly<ResourceList>;
  /** podStartDelayMs is how long a pod stays Pending (ContainerCreating) before it runs. */
  readonly podStartDelayMs: number;
  /** podStopDelayMs is how long stopping a deleted pod's containers takes, at most its grace period. */
  readonly podStopDelayMs: number;
  /**
   * podRunDurationMs is how long the containers of a pod with restartPolicy Never or OnFailure run before they
   * exit, unless its `capstan.io/hollow-run-duration` annotation says otherwise (container-run.ts).
   */
  readonly podRunDurationMs: number;
  /** leaseDurationSeconds is the node Lease's leaseDurationSeconds (kubelet's nodeLeaseDurationSeconds, 40). */
  readonly leaseDurationSeconds: number;
  /** statusUpdateFrequencyMs is how often a node computes its status and posts it if it changed (10 s). */
  readonly statusUpdateFrequencyMs: number;
  /** statusReportFrequencyMs is how often a node posts its status even if nothing changed (5 min). */
  readonly statusReportFrequencyMs: number;
  /** podCIDRBase is the range node i's /24 is taken from (the i-th /24 of it). */
  readonly podCIDRBase: CIDR;
  /** concurrency bounds the node status and pod requests in flight at once (and Lease renewals: see leaseWorkers). */
  readonly concurrency: number;
  /** kubeletVersion is reported in status.nodeInfo.kubeletVersion. */
  readonly kubeletVersion: string;
}

/** DEFAULT_NODE_CONFIG holds the kubelet's defaults where it has one. */
export const DEFAULT_NODE_CONFIG = {
  count: 1,
  namePrefix: 'hollow-node-',
  indexOffset: 0,
  capacity: { cpu: '4', memory: '16Gi', pods: '110' },
  podStartDelayMs: 1_000,
  podStopDelayMs: 1_000,
  podRunDurationMs: 5_000,
  leaseDurationSeconds: 40,
  statusUpdateFrequencyMs: 10_000,
  statusReportFrequencyMs: 5 * 60_000,
  podCIDRBase: '10.244.0.0/16',
  concurrency: 16,
  kubeletVersion: 'v1.32.0-capstan',
} as const;

/** leaseRenewIntervalMs is kubelet's renewInterval: a quarter of the lease duration (10 s for 40 s). */
export function leaseRenewIntervalMs(config: Pick<NodeAgentConfig, 'leaseDurationSeconds'>): number {
  return config.leaseDurationSeconds * 250;
}

/**
 * leaseWorkers is how many Lease renewals may be in flight: at least concurrency, and one per 20 nodes, so that
 * a thousand nodes' 100 renewals a second keep up even when each takes half a second on a loaded API server
 * (a kubelet renews from its own goroutine, unbounded; a renewal is a few hundred bytes).
 */
export function leaseWorkers(config: Pick<NodeAgentConfig, 'concurrency' | 'count'>): number {
  return Math.max(config.concurrency, Math.ceil(config.count / 20));
}

/**
 * podWorkers is how many pod syncs (status writes, deletions) may be in flight: at least concurrency, and one
 * per node, as each kubelet's status manager writes its own pods' statuses. A pool shared by a thousand nodes
 * made pod startup wait on the pool instead of on the API server (10,000 pods, 16 workers: create → Running
 * p99 89 s).
 */
export function podWorkers(config: Pick<NodeAgentConfig, 'concurrency' | 'count'>): number {
  return Math.max(config.concurrency, config.count);
}

/** parseKeyValues reads `k=v,k2=v2` (the syntax of --node-labels and --capacity) into an object. */
export function parseKeyValues(flag: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text.trim() === '') return out;
  for (const term of text.split(',')) {
    const eq = term.indexOf('=');
    if (eq <= 0) throw new NodeAgentConfigError(`--${flag}: ${JSON.stringify(term)} is not key=value`);
    out[term.slice(0, eq).trim()] = term.slice(eq + 1).trim();
  }
  return out;
}

/** parseNodeLabels reads --node-labels and checks every key and value as the API server would. */
export function parseNodeLabels(text: string): Record<string, string> {
  const labels = parseKeyValues('node-labels', text);
  for (const [k, v] of Object.entries(labels)) {
    const errs = [...isQualifiedName(k), ...isValidLabelValue(v)];
    if (errs.length > 0) throw new NodeAgentConfigError(`--node-labels: ${k}=${v}: ${errs.join('; ')}`);
  }
  return labels;
}

/**
 * parseCapacity reads --capacity (`cpu=4,memory=16Gi,pods=110`) over the defaults: every value must be a
 * non-negative quantity and pods a whole number.
 */
export function parseCapacity(text: string): ResourceList {
  const given = parseKeyValues('capacity', text);
  const capacity: ResourceList = { ...DEFAULT_NODE_CONFIG.capacity, ...given };
  for (const [name, value] of Object.entries(capacity)) {
    let q;
    try {
      q = parseQuantity(value);
    } catch (err) {
      throw new NodeAgentConfigError(`--capacity: ${name}=${value}: ${(err as Error).message}`);
    }
    if (q.sign() < 0) throw new NodeAgentConfigError(`--capacity: ${name}=${value} is negative`);
    if (name === RESOURCE_PODS && q.milliValue() % 1000n !== 0n) throw new NodeAgentConfigError(`--capacity: pods=${value} is not a whole number`);
    capacity[name] = q.toString();
  }
  for (const required of [RESOURCE_CPU, RESOURCE_MEMORY, RESOURCE_PODS]) if (capacity[required] === undefined) throw new NodeAgentConfigError(`--capacity: ${required} is missing`);
  return capacity;
}

/**
 * defaultPodCIDRBase is the default range: 10.244.0.0/16 (flannel's and kubeadm's usual cluster CIDR), widened to
 * the enclosing /14, /12, … (10.244.0.0/14, 10.240.0.0/12, …) when count nodes need more /24s than a /16 holds.
 */
export function defaultPodCIDRBase(count: number): CIDR {
  let prefix = 16;
  while (prefix > 8 && 2 ** (NODE_CIDR_MASK_SIZE - prefix) < count) prefix -= 2;
  const network = (0x0af40000 & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0;
  return parseCIDR(`${formatIPv4(network)}/${prefix}`);
}

/**
 * validateNodeAgentConfig checks what no single flag can (that the pod range has a /24 for every node) and the
 * values a caller other than the CLI may have got wrong (counts, durations).
 */
export function validateNodeAgentConfig(config: NodeAgentConfig): NodeAgentConfig {
  if (!Number.isSafeInteger(config.count) || config.count < 1) throw new NodeAgentConfigError(`--count: ${config.count} is not a positive whole number`);
  if (config.podCIDRBase.prefix > NODE_CIDR_MASK_SIZE) throw new NodeAgentConfigError(`--pod-cidr-base: /${config.podCIDRBase.prefix} is narrower than one node's /${NODE_CIDR_MASK_SIZE}`);
  const ranges = 2 ** (NODE_CIDR_MASK_SIZE - config.podCIDRBase.prefix);
  if (!Number.isSafeInteger(config.indexOffset) || config.indexOffset < 0) throw new NodeAgentConfigError(`--node-index-offset: ${config.indexOffset} is not a whole number`);
  if (config.indexOffset + config.count > ranges) {
    throw new NodeAgentConfigError(`--pod-cidr-base: ${config.podCIDRBase.text} holds ${ranges} node ranges of /${NODE_CIDR_MASK_SIZE}, fewer than --node-index-offset + --count (${config.indexOffset + config.count}); give a wider range`);
  }
  if (!Number.isSafeInteger(config.leaseDurationSeconds) || config.leaseDurationSeconds < 1) throw new NodeAgentConfigError(`--node-lease-duration: ${config.leaseDurationSeconds} s is not a whole number of seconds ≥ 1`);
  for (const [flag, ms] of [
    ['pod-start-delay', config.podStartDelayMs],
    ['pod-stop-delay', config.podStopDelayMs],
    ['pod-run-duration', config.podRunDurationMs],
  ] as const) {
    if (!Number.isFinite(ms) || ms < 0) throw new NodeAgentConfigError(`--${flag}: ${ms} ms is not a duration ≥ 0`);
  }
  if (!Number.isSafeInteger(config.concurrency) || config.concurrency < 1) throw new NodeAgentConfigError(`--concurrency: ${config.concurrency} is not a positive whole number`);
  if (config.statusReportFrequencyMs < config.statusUpdateFrequencyMs) {
    throw new NodeAgentConfigError('--node-status-report-frequency must not be shorter than --node-status-update-frequency');
  }
  const last = `${config.namePrefix}${config.indexOffset + config.count - 1}`;
  const nameErrs = isDNS1123Subdomain(last);
  if (nameErrs.length > 0) throw new NodeAgentConfigError(`--node-name-prefix: ${JSON.stringify(last)} is not a valid node name: ${nameErrs.join('; ')}`);
  return config;
}
