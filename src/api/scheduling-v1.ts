/**
 * scheduling.k8s.io/v1 (k8s.io/api/scheduling/v1): PriorityClasses, which name the priorities pods ask for by
 * spec.priorityClassName. The API server's Priority admission resolves the name into spec.priority and
 * spec.preemptionPolicy when a pod is created; the scheduler orders its queue by priority and preempts
 * lower-priority pods for higher ones.
 */
import type { PreemptionPolicy } from './core-v1.js';
import type { KubeList, KubeObject } from './meta-v1.js';

/** PriorityClass maps a class name to a priority value (cluster-scoped). */
export interface PriorityClass extends KubeObject {
  /** value is the priority pods of this class receive (higher schedules first and may preempt). */
  value: number;
  /** globalDefault makes the class the priority of pods that name none (the lowest such class wins). */
  globalDefault?: boolean;
  description?: string;
  /** preemptionPolicy is the policy the class's pods get (PreemptLowerPriority by default). */
  preemptionPolicy?: PreemptionPolicy;
}

/** PriorityClassList is a list of PriorityClasses. */
export type PriorityClassList = KubeList<PriorityClass>;

/** SCHEDULING_GROUP is the API group of PriorityClasses. */
export const SCHEDULING_GROUP = 'scheduling.k8s.io';

/** HIGHEST_USER_DEFINABLE_PRIORITY is the highest value a class not named `system-…` may have (1e9). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** SYSTEM_CRITICAL_PRIORITY is the value of the lower of the two system classes (2 × HighestUserDefinablePriority). */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;

/** SYSTEM_CLUSTER_CRITICAL is the class of cluster add-ons that must run. */
export const SYSTEM_CLUSTER_CRITICAL = 'system-cluster-critical';

/** SYSTEM_NODE_CRITICAL is the class of pods a node cannot do without. */
export const SYSTEM_NODE_CRITICAL = 'system-node-critical';

/** SYSTEM_PRIORITY_CLASSES are the classes every cluster has, as kube-apiserver creates them at start. */
export const SYSTEM_PRIORITY_CLASSES: readonly Readonly<PriorityClass>[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: SYSTEM_NODE_CRITICAL },
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: SYSTEM_CLUSTER_CRITICAL },
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];
