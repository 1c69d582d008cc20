/**
 * Kubernetes object types and the pure helpers around them, shared by the API server and the components
 * (capstan's k8s.io/api plus the parts of apimachinery they need): wire types of meta/v1, core/v1, apps/v1,
 * batch/v1, autoscaling/v1, coordination.k8s.io/v1, discovery.k8s.io/v1, rbac.authorization.k8s.io/v1, policy/v1,
 * scheduling.k8s.io/v1 and the reviews of authorization.k8s.io/v1 and authentication.k8s.io/v1; label and field
 * selectors; resource quantities, pods' requests, quota and limit-range accounting; name and metadata validation
 * with Kubernetes' messages; name generation; time formats; cron schedules; keys, owner references and immutable
 * copies. Nothing here does I/O, reads a clock or draws randomness of its own.
 */
export type * from './meta-v1.js';
export { FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS, NAMESPACE_TERMINATING_CAUSE } from './meta-v1.js';
export type * from './core-v1.js';
export { RESOURCE_CPU, RESOURCE_EPHEMERAL_STORAGE, RESOURCE_MEMORY, RESOURCE_PODS } from './core-v1.js';
export type * from './apps-v1.js';
export type * from './batch-v1.js';
export { LABEL_CONTROLLER_UID, LABEL_JOB_NAME, LABEL_LEGACY_CONTROLLER_UID, LABEL_LEGACY_JOB_NAME } from './batch-v1.js';
export type * from './autoscaling-v1.js';
export type * from './coordination-v1.js';
export type * from './rbac-v1.js';
export { RBAC_GROUP } from './rbac-v1.js';
export type * from './policy-v1.js';
export { DISRUPTION_ALLOWED_CONDITION, DISRUPTION_TARGET_CONDITION, POLICY_GROUP } from './policy-v1.js';
export type * from './scheduling-v1.js';
export {
  HIGHEST_USER_DEFINABLE_PRIORITY,
  SCHEDULING_GROUP,
  SYSTEM_CLUSTER_CRITICAL,
  SYSTEM_CRITICAL_PRIORITY,
  SYSTEM_NODE_CRITICAL,
  SYSTEM_PRIORITY_CLASSES,
} from './scheduling-v1.js';
export type * from './authorization-v1.js';
export type * from './authentication-v1.js';
export type * from './discovery-v1.js';
export { LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from './discovery-v1.js';
export * from './errors.js';
export * from './go-format.js';
export * from './field-path.js';
export * from './field-errors.js';
export * from './group-version.js';
export * from './labels.js';
export * from './label-selector.js';
export * from './fields.js';
export * from './quantity.js';
export * from './validation.js';
export * from './object-meta-validation.js';
export * from './names.js';
export * from './time.js';
export * from './conditions.js';
export * from './disruption-budget.js';
export * from './pod-resources.js';
export * from './resource-quota.js';
export * from './limit-range.js';
export * from './meta.js';
export * from './endpoints.js';
export * from './daemon-set.js';
export * from './cron-schedule.js';
