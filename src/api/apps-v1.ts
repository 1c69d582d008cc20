/**
 * apps/v1 wire types (k8s.io/api/apps/v1): Deployment and ReplicaSet. A Deployment owns ReplicaSets, one per
 * pod template revision; a ReplicaSet owns pods.
 */
import type { PodTemplateSpec } from './core-v1.js';
import type { ConditionStatus, IntOrString, KubeList, KubeObject, LabelSelector, Time } from './meta-v1.js';

/** DeploymentStrategyType is Recreate (all old pods go first) or RollingUpdate. */
export type DeploymentStrategyType = 'Recreate' | 'RollingUpdate';

/**
 * RollingUpdateDeployment bounds a rollout: maxUnavailable pods below and maxSurge pods above the desired
 * count, each a number or a percentage string (`25%`, the default for both).
 */
export interface RollingUpdateDeployment {
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
}

/** DeploymentStrategy says how a Deployment replaces old pods with new ones. */
export interface DeploymentStrategy {
  type?: DeploymentStrategyType;
  rollingUpdate?: RollingUpdateDeployment;
}

/** DeploymentSpec is the desired state of a Deployment. */
export interface DeploymentSpec {
  replicas?: number;
  /** selector must match template's labels; it is immutable in apps/v1. */
  selector: LabelSelector;
  template: PodTemplateSpec;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  /** revisionHistoryLimit is how many old ReplicaSets to keep for rollback (default 10). */
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

/** DeploymentConditionType names a Deployment condition. */
export type DeploymentConditionType = 'Available' | 'Progressing' | 'ReplicaFailure';

/** DeploymentCondition is one condition of a Deployment. */
export interface DeploymentCondition {
  type: DeploymentConditionType;
  status: ConditionStatus;
  lastUpdateTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** DeploymentStatus is the observed state of a Deployment. */
export interface DeploymentStatus {
  /** observedGeneration is the generation the controller last acted on. */
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  terminatingReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

/** Deployment declares a replicated, rolling-updated set of pods. */
export interface Deployment extends KubeObject {
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}

/** DeploymentList is a list of Deployments. */
export type DeploymentList = KubeList<Deployment>;

/** ReplicaSetSpec is the desired state of a ReplicaSet. */
export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector: LabelSelector;
  template?: PodTemplateSpec;
}

/** ReplicaSetCondition is one condition of a ReplicaSet (ReplicaFailure). */
export interface ReplicaSetCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** ReplicaSetStatus is the observed state of a ReplicaSet. */
export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  terminatingReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

/** ReplicaSet keeps a number of identical pods running. */
export interface ReplicaSet extends KubeObject {
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

/** ReplicaSetList is a list of ReplicaSets. */
export type ReplicaSetList = KubeList<ReplicaSet>;
