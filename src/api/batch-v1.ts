/**
 * batch/v1 wire types (k8s.io/api/batch/v1): Job and CronJob. A Job runs pods until a number of them
 * succeed (or, Indexed, until each completion index has a succeeded pod); a CronJob creates Jobs on a
 * schedule.
 */
import type { ObjectReference, PodTemplateSpec } from './core-v1.js';
import type { ConditionStatus, KubeList, KubeObject, LabelSelector, ObjectMeta, Time, UID } from './meta-v1.js';

/** LABEL_JOB_NAME labels a Job's pods (and, through its template, the Job) with the Job's name. */
export const LABEL_JOB_NAME = 'batch.kubernetes.io/job-name';

/** LABEL_CONTROLLER_UID labels a Job's pods with the Job's UID; the generated selector selects it. */
export const LABEL_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';

/** LABEL_LEGACY_JOB_NAME is the unprefixed job-name label Kubernetes still sets beside LABEL_JOB_NAME. */
export const LABEL_LEGACY_JOB_NAME = 'job-name';

/** LABEL_LEGACY_CONTROLLER_UID is the unprefixed controller-uid label still set beside LABEL_CONTROLLER_UID. */
export const LABEL_LEGACY_CONTROLLER_UID = 'controller-uid';

/** CompletionMode is how a Job's pods count towards its completions. */
export type CompletionMode = 'NonIndexed' | 'Indexed';

/** PodReplacementPolicy says when a Job replaces a pod: once it is terminating or failed, or only once failed. */
export type PodReplacementPolicy = 'TerminatingOrFailed' | 'Failed';

/** PodFailurePolicyAction is what a matching pod failure policy rule does. */
export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

/** PodFailurePolicyOnExitCodesOperator compares a container's exit code with a rule's values. */
export type PodFailurePolicyOnExitCodesOperator = 'In' | 'NotIn';

/** PodFailurePolicyOnExitCodesRequirement matches a failed pod by its containers' exit codes. */
export interface PodFailurePolicyOnExitCodesRequirement {
  /** containerName restricts the rule to one container; Go writes `null` when it is unset. */
  containerName?: string | null;
  operator: PodFailurePolicyOnExitCodesOperator;
  values: number[];
}

/** PodFailurePolicyOnPodConditionsPattern matches a failed pod by one of its conditions. */
export interface PodFailurePolicyOnPodConditionsPattern {
  type: string;
  /** status is the condition status to match; the API server defaults it to True. */
  status: ConditionStatus;
}

/** PodFailurePolicyRule is one rule of a pod failure policy: exactly one of its two requirements is set. */
export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction;
  /** onExitCodes is `null` in Go's JSON when the rule matches on pod conditions. */
  onExitCodes?: PodFailurePolicyOnExitCodesRequirement | null;
  /** onPodConditions is `null` in Go's JSON when the rule matches on exit codes. */
  onPodConditions?: PodFailurePolicyOnPodConditionsPattern[] | null;
}

/** PodFailurePolicy decides, rule by rule in order, how a failed pod counts. */
export interface PodFailurePolicy {
  rules: PodFailurePolicyRule[];
}

/** SuccessPolicyRule declares an Indexed Job succeeded once the named indexes (or a count of them) succeeded. */
export interface SuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}

/** SuccessPolicy lists the rules any of which declares an Indexed Job succeeded. */
export interface SuccessPolicy {
  rules: SuccessPolicyRule[];
}

/** JobSpec is the desired state of a Job. */
export interface JobSpec {
  /** parallelism is how many pods may run at once (default 1). */
  parallelism?: number;
  /** completions is how many pods must succeed; unset, the first success (and no pod running) completes it. */
  completions?: number;
  activeDeadlineSeconds?: number;
  podFailurePolicy?: PodFailurePolicy;
  successPolicy?: SuccessPolicy;
  /** backoffLimit is how many failures (failed pods, and restarts under OnFailure) fail the Job (default 6). */
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  /** selector is generated from the Job's UID unless manualSelector is true. */
  selector?: LabelSelector;
  manualSelector?: boolean;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  completionMode?: CompletionMode;
  suspend?: boolean;
  podReplacementPolicy?: PodReplacementPolicy;
  managedBy?: string;
}

/** JobConditionType names a Job condition. */
export type JobConditionType = 'Suspended' | 'Complete' | 'Failed' | 'FailureTarget' | 'SuccessCriteriaMet';

/** JobCondition is one condition of a Job. */
export interface JobCondition {
  type: JobConditionType;
  status: ConditionStatus;
  lastProbeTime?: Time | null;
  lastTransitionTime?: Time | null;
  reason?: string;
  message?: string;
}

/** UncountedTerminatedPods are pods whose termination the controller has seen but not yet counted. */
export interface UncountedTerminatedPods {
  succeeded?: UID[];
  failed?: UID[];
}

/** JobStatus is the observed state of a Job. */
export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: Time;
  completionTime?: Time;
  /** active is the number of pending and running pods that are not terminating. */
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  /** completedIndexes are an Indexed Job's succeeded indexes as ranges: `1,3-5,7`. */
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: UncountedTerminatedPods;
  ready?: number;
}

/** Job runs pods to completion. */
export interface Job extends KubeObject {
  spec?: JobSpec;
  status?: JobStatus;
}

/** JobList is a list of Jobs. */
export type JobList = KubeList<Job>;

/** JobTemplateSpec is the Job a CronJob creates. */
export interface JobTemplateSpec {
  metadata?: ObjectMeta;
  spec?: JobSpec;
}

/** ConcurrencyPolicy says what a CronJob does when a run falls due while an earlier one is active. */
export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

/** CronJobSpec is the desired state of a CronJob. */
export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: ConcurrencyPolicy;
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

/** CronJobStatus is the observed state of a CronJob. */
export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: Time;
  lastSuccessfulTime?: Time;
}

/** CronJob creates Jobs on a schedule. */
export interface CronJob extends KubeObject {
  spec?: CronJobSpec;
  status?: CronJobStatus;
}

/** CronJobList is a list of CronJobs. */
export type CronJobList = KubeList<CronJob>;
