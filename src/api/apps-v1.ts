/**
 * apps/v1 wire types (k8s.io/api/apps/v1): Deployment, ReplicaSet, DaemonSet, StatefulSet and
 * ControllerRevision. A Deployment owns ReplicaSets, one per pod template revision; a ReplicaSet owns pods; a
 * DaemonSet owns one pod per eligible node, a StatefulSet one pod per ordinal, and each a ControllerRevision
 * per pod template revision.
 */
import type { PodTemplateSpec } from './core-v1.js';
import type { ConditionStatus, IntOrString, KubeList, KubeObject, LabelSelector, ObjectMeta, Time } from './meta-v1.js';

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

/** DaemonSetUpdateStrategyType is RollingUpdate (the controller replaces old pods) or OnDelete (users do). */
export type DaemonSetUpdateStrategyType = 'RollingUpdate' | 'OnDelete';

/**
 * RollingUpdateDaemonSet bounds a DaemonSet rollout: at most maxUnavailable nodes without an available pod
 * (default 1) and at most maxSurge nodes running an old and a new pod at once (default 0); each a number or a
 * percentage of the nodes that should run the pod.
 */
export interface RollingUpdateDaemonSet {
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
}

/** DaemonSetUpdateStrategy says how a DaemonSet replaces its pods when its template changes. */
export interface DaemonSetUpdateStrategy {
  type?: DaemonSetUpdateStrategyType;
  rollingUpdate?: RollingUpdateDaemonSet;
}

/** DaemonSetSpec is the desired state of a DaemonSet. */
export interface DaemonSetSpec {
  /** selector must match template's labels; it is immutable in apps/v1. */
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: DaemonSetUpdateStrategy;
  minReadySeconds?: number;
  /** revisionHistoryLimit is how many old ControllerRevisions to keep for rollback (default 10). */
  revisionHistoryLimit?: number;
}

/** DaemonSetCondition is one condition of a DaemonSet. */
export interface DaemonSetCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** DaemonSetStatus is the observed state of a DaemonSet, counted in nodes. */
export interface DaemonSetStatus {
  /** currentNumberScheduled counts the nodes that should run the pod and run at least one. */
  currentNumberScheduled: number;
  /** numberMisscheduled counts the nodes that run the pod but should not. */
  numberMisscheduled: number;
  /** desiredNumberScheduled counts the nodes that should run the pod. */
  desiredNumberScheduled: number;
  /** numberReady counts the nodes that should run the pod and run a ready one. */
  numberReady: number;
  observedGeneration?: number;
  /** updatedNumberScheduled counts the nodes running a pod of the current template. */
  updatedNumberScheduled?: number;
  /** numberAvailable counts the nodes that should run the pod and run one ready for minReadySeconds. */
  numberAvailable?: number;
  /** numberUnavailable counts the nodes that should run the pod and run no available one. */
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: DaemonSetCondition[];
}

/** DaemonSet runs one copy of a pod on every node its template may run on. */
export interface DaemonSet extends KubeObject {
  spec?: DaemonSetSpec;
  status?: DaemonSetStatus;
}

/** DaemonSetList is a list of DaemonSets. */
export type DaemonSetList = KubeList<DaemonSet>;

/**
 * ControllerRevision is an immutable snapshot a controller keeps of its state (a DaemonSet's pod template, as
 * the strategic merge patch that restores it); revision orders the snapshots of one owner.
 */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

/** ControllerRevisionList is a list of ControllerRevisions. */
export type ControllerRevisionList = KubeList<ControllerRevision>;

/** StatefulSetUpdateStrategyType is RollingUpdate (the controller replaces pods, highest ordinal first) or OnDelete. */
export type StatefulSetUpdateStrategyType = 'RollingUpdate' | 'OnDelete';

/** RollingUpdateStatefulSetStrategy: pods with an ordinal below partition keep the current revision. */
export interface RollingUpdateStatefulSetStrategy {
  partition?: number;
  maxUnavailable?: IntOrString;
}

/** StatefulSetUpdateStrategy says how a StatefulSet replaces its pods when its template changes. */
export interface StatefulSetUpdateStrategy {
  type?: StatefulSetUpdateStrategyType;
  rollingUpdate?: RollingUpdateStatefulSetStrategy;
}

/** PodManagementPolicyType is OrderedReady (one pod at a time, in ordinal order) or Parallel. */
export type PodManagementPolicyType = 'OrderedReady' | 'Parallel';

/** PersistentVolumeClaim is a claim template of a StatefulSet (claims themselves are not served). */
export interface PersistentVolumeClaim {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** StatefulSetSpec is the desired state of a StatefulSet. */
export interface StatefulSetSpec {
  replicas?: number;
  /** selector must match template's labels; it is immutable. */
  selector: LabelSelector;
  template: PodTemplateSpec;
  volumeClaimTemplates?: PersistentVolumeClaim[];
  serviceName?: string;
  podManagementPolicy?: PodManagementPolicyType;
  updateStrategy?: StatefulSetUpdateStrategy;
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  /** ordinals.start is the first pod's index (default 0). */
  ordinals?: { start?: number };
}

/** StatefulSetCondition is one condition of a StatefulSet. */
export interface StatefulSetCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** StatefulSetStatus is the observed state of a StatefulSet. */
export interface StatefulSetStatus {
  observedGeneration?: number;
  /** replicas counts the pods the controller created (and not yet deleted). */
  replicas: number;
  readyReplicas?: number;
  /** currentReplicas counts the pods of currentRevision; updatedReplicas those of updateRevision. */
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: StatefulSetCondition[];
  availableReplicas?: number;
}

/** StatefulSet runs pods with stable, ordered identities: `<name>-<ordinal>`. */
export interface StatefulSet extends KubeObject {
  spec?: StatefulSetSpec;
  status?: StatefulSetStatus;
}

/** StatefulSetList is a list of StatefulSets. */
export type StatefulSetList = KubeList<StatefulSet>;
