/**
 * The controller-manager's own flags, in kube-controller-manager's names and defaults, resolved and checked:
 * --controllers, --node-monitor-period (5s), --node-monitor-grace-period (40s), --node-startup-grace-period (1m),
 * --pod-eviction-timeout (5m; accepted for compatibility: with taint-based eviction, on since Kubernetes 1.18,
 * a pod stays on a NotReady or unreachable node for its tolerationSeconds, which the API server's
 * DefaultTolerationSeconds admission sets), --resource-quota-sync-period (5m), and the --concurrent-*-syncs worker
 * counts.
 */
import { parseDurationMs } from '../../util/duration.js';
import { ControllersFlagError, enabledControllers, KNOWN_CONTROLLERS } from './controller-names.js';

/** RawControllerManagerFlags are the flag values as commander hands them over. */
export interface RawControllerManagerFlags {
  controllers?: string;
  nodeMonitorPeriod?: string;
  nodeMonitorGracePeriod?: string;
  nodeStartupGracePeriod?: string;
  podEvictionTimeout?: string;
  concurrentEndpointSyncs?: string;
  concurrentServiceEndpointSyncs?: string;
  maxEndpointsPerSlice?: string;
  concurrentNamespaceSyncs?: string;
  concurrentGcSyncs?: string;
  concurrentReplicasetSyncs?: string;
  concurrentDeploymentSyncs?: string;
  concurrentDaemonsetSyncs?: string;
  concurrentStatefulsetSyncs?: string;
  concurrentJobSyncs?: string;
  terminatedPodGcThreshold?: string;
  concurrentCronJobSyncs?: string;
  concurrentTtlAfterFinishedSyncs?: string;
  concurrentResourceQuotaSyncs?: string;
  resourceQuotaSyncPeriod?: string;
}

/** ControllerManagerOptions are the resolved flags. */
export interface ControllerManagerOptions {
  /** controllers are the enabled controller names, in KNOWN_CONTROLLERS order. */
  readonly controllers: readonly string[];
  readonly nodeMonitorPeriodMs: number;
  readonly nodeMonitorGracePeriodMs: number;
  readonly nodeStartupGracePeriodMs: number;
  readonly podEvictionTimeoutMs: number;
  readonly concurrentEndpointSyncs: number;
  readonly concurrentServiceEndpointSyncs: number;
  readonly maxEndpointsPerSlice: number;
  readonly concurrentNamespaceSyncs: number;
  readonly concurrentGcSyncs: number;
  readonly concurrentReplicaSetSyncs: number;
  readonly concurrentDeploymentSyncs: number;
  readonly concurrentDaemonSetSyncs: number;
  readonly concurrentStatefulSetSyncs: number;
  readonly concurrentJobSyncs: number;
  /** terminatedPodGcThreshold is how many terminated pods may exist before the oldest are deleted (0: no limit). */
  readonly terminatedPodGcThreshold: number;
  readonly concurrentCronJobSyncs: number;
  readonly concurrentTtlAfterFinishedSyncs: number;
  /** concurrentServiceAccountSyncs is 1, as kube's ServiceAccountsController runs one worker. */
  readonly concurrentServiceAccountSyncs: number;
  /** concurrentResourceQuotaSyncs is how many quotas are counted at once. */
  readonly concurrentResourceQuotaSyncs: number;
  /** resourceQuotaSyncPeriodMs is how often every quota's use is counted again. */
  readonly resourceQuotaSyncPeriodMs: number;
}

function duration(flag: string, v: string | undefined, dflt: string): number {
  const ms = parseDurationMs(v ?? dflt);
  if (ms === undefined || ms <= 0) throw new ControllersFlagError(`--${flag}: ${JSON.stringify(v)} is not a positive duration such as 40s`);
  return ms;
}

function count(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new ControllersFlagError(`--${flag}: ${JSON.stringify(v)} is not a positive number`);
  return Number(v);
}

function nonNegative(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new ControllersFlagError(`--${flag}: ${JSON.stringify(v)} is not a number of 0 or more`);
  return Number(v);
}

/** resolveControllerManagerFlags checks the flags and fills in the defaults. */
export function resolveControllerManagerFlags(raw: RawControllerManagerFlags): ControllerManagerOptions {
  const items = (raw.controllers ?? '*').split(',');
  const opts: ControllerManagerOptions = {
    controllers: enabledControllers(items, KNOWN_CONTROLLERS),
    nodeMonitorPeriodMs: duration('node-monitor-period', raw.nodeMonitorPeriod, '5s'),
    nodeMonitorGracePeriodMs: duration('node-monitor-grace-period', raw.nodeMonitorGracePeriod, '40s'),
    nodeStartupGracePeriodMs: duration('node-startup-grace-period', raw.nodeStartupGracePeriod, '1m'),
    podEvictionTimeoutMs: duration('pod-eviction-timeout', raw.podEvictionTimeout, '5m'),
    concurrentEndpointSyncs: count('concurrent-endpoint-syncs', raw.concurrentEndpointSyncs, 5),
    concurrentServiceEndpointSyncs: count('concurrent-service-endpoint-syncs', raw.concurrentServiceEndpointSyncs, 5),
    maxEndpointsPerSlice: count('max-endpoints-per-slice', raw.maxEndpointsPerSlice, 100),
    concurrentNamespaceSyncs: count('concurrent-namespace-syncs', raw.concurrentNamespaceSyncs, 10),
    concurrentGcSyncs: count('concurrent-gc-syncs', raw.concurrentGcSyncs, 20),
    concurrentReplicaSetSyncs: count('concurrent-replicaset-syncs', raw.concurrentReplicasetSyncs, 5),
    concurrentDeploymentSyncs: count('concurrent-deployment-syncs', raw.concurrentDeploymentSyncs, 5),
    concurrentDaemonSetSyncs: count('concurrent-daemonset-syncs', raw.concurrentDaemonsetSyncs, 2),
    concurrentStatefulSetSyncs: count('concurrent-statefulset-syncs', raw.concurrentStatefulsetSyncs, 5),
    concurrentJobSyncs: count('concurrent-job-syncs', raw.concurrentJobSyncs, 5),
    terminatedPodGcThreshold: nonNegative('terminated-pod-gc-threshold', raw.terminatedPodGcThreshold, 12_500),
    concurrentCronJobSyncs: count('concurrent-cron-job-syncs', raw.concurrentCronJobSyncs, 5),
    concurrentTtlAfterFinishedSyncs: count('concurrent-ttl-after-finished-syncs', raw.concurrentTtlAfterFinishedSyncs, 5),
    concurrentServiceAccountSyncs: 1,
    concurrentResourceQuotaSyncs: count('concurrent-resource-quota-syncs', raw.concurrentResourceQuotaSyncs, 5),
    resourceQuotaSyncPeriodMs: duration('resource-quota-sync-period', raw.resourceQuotaSyncPeriod, '5m'),
  };
  if (opts.nodeMonitorGracePeriodMs <= opts.nodeMonitorPeriodMs) {
    throw new ControllersFlagError('--node-monitor-grace-period must be longer than --node-monitor-period');
  }
  return opts;
}
