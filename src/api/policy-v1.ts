/**
 * policy/v1 (k8s.io/api/policy/v1): PodDisruptionBudgets, which bound how many of the pods they select voluntary
 * disruptions may take down at once, and the Eviction a client posts to a pod's eviction subresource to delete it
 * within its budget. The disruption controller keeps a budget's status; the eviction subresource spends it.
 */
import type { Condition, DeleteOptions, IntOrString, KubeList, KubeObject, LabelSelector, Time } from './meta-v1.js';

/** UnhealthyPodEvictionPolicy says when a budget lets a running but not ready pod be evicted. */
export type UnhealthyPodEvictionPolicy = 'IfHealthyBudget' | 'AlwaysAllow';

/** PodDisruptionBudgetSpec selects the budget's pods and bounds them by minAvailable or maxUnavailable (not both). */
export interface PodDisruptionBudgetSpec {
  minAvailable?: IntOrString;
  /** selector selects the budget's pods in its namespace: an empty one selects all of them, none selects none. */
  selector?: LabelSelector;
  maxUnavailable?: IntOrString;
  unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicy;
}

/** PodDisruptionBudgetStatus is what the disruption controller observed and what evictions have spent since. */
export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** disruptedPods are the pods evicted (name → when) that the controller has not yet seen going. */
  disruptedPods?: Record<string, Time>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: Condition[];
}

/** PodDisruptionBudget is a budget object. */
export interface PodDisruptionBudget extends KubeObject {
  spec?: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}

/** PodDisruptionBudgetList is a list of PodDisruptionBudgets. */
export type PodDisruptionBudgetList = KubeList<PodDisruptionBudget>;

/** Eviction asks for a pod's deletion within its disruption budget (POST pods/<name>/eviction). */
export interface Eviction extends KubeObject {
  deleteOptions?: DeleteOptions;
}

/** POLICY_GROUP is the API group of disruption budgets and evictions. */
export const POLICY_GROUP = 'policy';

/** DISRUPTION_ALLOWED_CONDITION is the budget condition the disruption controller sets. */
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';

/** DISRUPTION_TARGET_CONDITION is the pod condition set on a pod about to be deleted by a disruption. */
export const DISRUPTION_TARGET_CONDITION = 'DisruptionTarget';
