/**
 * The workload controllers of the controller-manager, kube's ReplicaSet, Deployment, DaemonSet, StatefulSet, Job,
 * CronJob and TTL-after-finished controllers:
 * `replicaSetController()` keeps each ReplicaSet's pods at spec.replicas (expectations, slow-start batches,
 * adoption, deletion ranking, status); `deploymentController()` rolls Deployments through ReplicaSets
 * (pod-template-hash, revisions, RollingUpdate within maxSurge/maxUnavailable, Recreate, proportional scaling,
 * history cleanup, pause, rollout conditions); `daemonSetController()` runs one pod per eligible node (node
 * affinity, taints, ControllerRevision history, RollingUpdate within maxUnavailable/maxSurge, OnDelete);
 * `statefulSetController()` runs pods `<set>-<ordinal>` (OrderedReady or Parallel, partitioned RollingUpdate,
 * OnDelete, revision history); `jobController()` runs Jobs' pods to completion (parallelism, completions,
 * Indexed, backoffLimit, activeDeadlineSeconds, suspend, finalizer tracking), `cronJobController()` creates
 * CronJobs' Jobs on their schedules and `ttlAfterFinishedController()` deletes finished Jobs after their TTL. Their decisions are pure functions, exported for tests and tools.
 */
export { replicaSetController, type ReplicaSetControllerOptions } from './replica-set-controller.js';
export { deploymentController, type DeploymentControllerOptions } from './deployment-controller.js';
export { daemonSetController, type DaemonSetControllerOptions } from './daemon-set-controller.js';
export { statefulSetController, type StatefulSetControllerOptions } from './stateful-set-controller.js';
export { jobController, type JobControllerOptions } from './job-controller.js';
export { cronJobController, type CronJobControllerOptions } from './cron-job-controller.js';
export { ttlAfterFinishedController, type TtlAfterFinishedControllerOptions } from './ttl-after-finished-controller.js';
export { planDeploymentSync, type DeploymentSnapshot, type DeploymentSyncPlan } from './deployment-sync.js';
export type { DeploymentAction } from './deployment-plan.js';
export { manageReplicas, calculateReplicaSetStatus, podFromTemplate } from './replica-set-sync.js';
export { POD_TEMPLATE_HASH_LABEL, computeHash } from './pod-template-hash.js';
export { REVISION_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION } from './deployment-util.js';
