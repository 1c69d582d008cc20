/**
 * The controllers `capstan controller-manager` can run, by kube-controller-manager name, each built from the
 * resolved flags. buildControllers reports a known name without an entry (none today) so the CLI can warn.
 */
import type { Controller } from '../runtime/controller.js';
import type { ControllerManagerOptions } from './controller-manager-options.js';
import type { ControllerName } from './controller-names.js';
import { clusterRoleAggregationController } from './clusterroleaggregation/cluster-role-aggregation-controller.js';
import { disruptionController } from './disruption/disruption-controller.js';
import { endpointsController } from './endpoint/endpoints-controller.js';
import { endpointSliceController } from './endpointslice/endpointslice-controller.js';
import { garbageCollector } from './garbagecollector/garbage-collector.js';
import { namespaceController } from './namespace/namespace-controller.js';
import { nodeLifecycleController } from './nodelifecycle/node-lifecycle-controller.js';
import { podGcController } from './podgc/pod-gc-controller.js';
import { resourceQuotaController } from './resourcequota/resource-quota-controller.js';
import { serviceAccountsController } from './serviceaccount/serviceaccounts-controller.js';
import { cronJobController, daemonSetController, deploymentController, jobController, replicaSetController, statefulSetController, ttlAfterFinishedController } from './workloads/index.js';

/** ControllerFactory builds one controller from the controller-manager's options. */
export type ControllerFactory = (o: ControllerManagerOptions) => Controller;

/** BUILTIN_CONTROLLERS maps controller names to their factories. */
export const BUILTIN_CONTROLLERS: Readonly<Partial<Record<ControllerName, ControllerFactory>>> = {
  replicaset: (o) => replicaSetController({ workers: o.concurrentReplicaSetSyncs }),
  deployment: (o) => deploymentController({ workers: o.concurrentDeploymentSyncs }),
  daemonset: (o) => daemonSetController({ workers: o.concurrentDaemonSetSyncs }),
  statefulset: (o) => statefulSetController({ workers: o.concurrentStatefulSetSyncs }),
  job: (o) => jobController({ workers: o.concurrentJobSyncs }),
  cronjob: (o) => cronJobController({ workers: o.concurrentCronJobSyncs }),
  'ttl-after-finished': (o) => ttlAfterFinishedController({ workers: o.concurrentTtlAfterFinishedSyncs }),
  nodelifecycle: (o) =>
    nodeLifecycleController({
      monitorPeriodMs: o.nodeMonitorPeriodMs,
      gracePeriodMs: o.nodeMonitorGracePeriodMs,
      startupGracePeriodMs: o.nodeStartupGracePeriodMs,
      workers: 8,
    }),
  podgc: (o) => podGcController({ terminatedPodGcThreshold: o.terminatedPodGcThreshold }),
  endpoint: (o) => endpointsController({ workers: o.concurrentEndpointSyncs }),
  endpointslice: (o) => endpointSliceController({ workers: o.concurrentServiceEndpointSyncs, maxEndpointsPerSlice: o.maxEndpointsPerSlice }),
  namespace: (o) => namespaceController({ workers: o.concurrentNamespaceSyncs, retryMs: 2_000 }),
  garbagecollector: (o) => garbageCollector({ workers: o.concurrentGcSyncs }),
  serviceaccount: (o) => serviceAccountsController({ workers: o.concurrentServiceAccountSyncs }),
  'clusterrole-aggregation': () => clusterRoleAggregationController({ workers: 5 }),
  disruption: () => disruptionController({ workers: 1 }),
  resourcequota: (o) => resourceQuotaController({ workers: o.concurrentResourceQuotaSyncs, resyncPeriodMs: o.resourceQuotaSyncPeriodMs }),
};

/** buildControllers builds the enabled controllers; it returns them and the enabled names it has no factory for. */
export function buildControllers(o: ControllerManagerOptions, factories: Readonly<Partial<Record<string, ControllerFactory>>> = BUILTIN_CONTROLLERS): { controllers: Controller[]; missing: string[] } {
  const controllers: Controller[] = [];
  const missing: string[] = [];
  for (const name of o.controllers) {
    const f = factories[name];
    if (f === undefined) missing.push(name);
    else controllers.push(f(o));
  }
  return { controllers, missing };
}
