/**
 * KIND_MESSAGES maps each kind capstan speaks protobuf for, by API version, to its message: the kinds of the
 * resources it serves and their lists, and the meta/v1 kinds every group version carries (Status, and
 * DeleteOptions, which clients send in the body of a DELETE).
 */
import { kubeProtoRoot, planFor, META_V1, type MessagePlan } from './schema.js';

const CORE = 'k8s.io.api.core.v1';
const APPS = 'k8s.io.api.apps.v1';
const BATCH = 'k8s.io.api.batch.v1';
const AUTHORIZATION = 'k8s.io.api.authorization.v1';
const RBAC = 'k8s.io.api.rbac.v1';
const POLICY = 'k8s.io.api.policy.v1';

const KIND_MESSAGES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  v1: {
    Namespace: `${CORE}.Namespace`,
    NamespaceList: `${CORE}.NamespaceList`,
    Node: `${CORE}.Node`,
    NodeList: `${CORE}.NodeList`,
    Pod: `${CORE}.Pod`,
    PodList: `${CORE}.PodList`,
    Binding: `${CORE}.Binding`,
    Service: `${CORE}.Service`,
    ServiceList: `${CORE}.ServiceList`,
    Endpoints: `${CORE}.Endpoints`,
    EndpointsList: `${CORE}.EndpointsList`,
    Event: `${CORE}.Event`,
    EventList: `${CORE}.EventList`,
    ConfigMap: `${CORE}.ConfigMap`,
    ConfigMapList: `${CORE}.ConfigMapList`,
    Secret: `${CORE}.Secret`,
    SecretList: `${CORE}.SecretList`,
    ResourceQuota: `${CORE}.ResourceQuota`,
    ResourceQuotaList: `${CORE}.ResourceQuotaList`,
    LimitRange: `${CORE}.LimitRange`,
    LimitRangeList: `${CORE}.LimitRangeList`,
    ServiceAccount: `${CORE}.ServiceAccount`,
    ServiceAccountList: `${CORE}.ServiceAccountList`,
  },
  'apps/v1': {
    Deployment: `${APPS}.Deployment`,
    DeploymentList: `${APPS}.DeploymentList`,
    ReplicaSet: `${APPS}.ReplicaSet`,
    ReplicaSetList: `${APPS}.ReplicaSetList`,
    DaemonSet: `${APPS}.DaemonSet`,
    DaemonSetList: `${APPS}.DaemonSetList`,
    StatefulSet: `${APPS}.StatefulSet`,
    StatefulSetList: `${APPS}.StatefulSetList`,
    ControllerRevision: `${APPS}.ControllerRevision`,
    ControllerRevisionList: `${APPS}.ControllerRevisionList`,
  },
  'batch/v1': {
    Job: `${BATCH}.Job`,
    JobList: `${BATCH}.JobList`,
    CronJob: `${BATCH}.CronJob`,
    CronJobList: `${BATCH}.CronJobList`,
  },
  'autoscaling/v1': { Scale: 'k8s.io.api.autoscaling.v1.Scale' },
  'rbac.authorization.k8s.io/v1': {
    Role: `${RBAC}.Role`,
    RoleList: `${RBAC}.RoleList`,
    ClusterRole: `${RBAC}.ClusterRole`,
    ClusterRoleList: `${RBAC}.ClusterRoleList`,
    RoleBinding: `${RBAC}.RoleBinding`,
    RoleBindingList: `${RBAC}.RoleBindingList`,
    ClusterRoleBinding: `${RBAC}.ClusterRoleBinding`,
    ClusterRoleBindingList: `${RBAC}.ClusterRoleBindingList`,
  },
  'policy/v1': { PodDisruptionBudget: `${POLICY}.PodDisruptionBudget`, PodDisruptionBudgetList: `${POLICY}.PodDisruptionBudgetList`, Eviction: `${POLICY}.Eviction` },
  'scheduling.k8s.io/v1': { PriorityClass: 'k8s.io.api.scheduling.v1.PriorityClass', PriorityClassList: 'k8s.io.api.scheduling.v1.PriorityClassList' },
  'coordination.k8s.io/v1': { Lease: 'k8s.io.api.coordination.v1.Lease', LeaseList: 'k8s.io.api.coordination.v1.LeaseList' },
  'discovery.k8s.io/v1': { EndpointSlice: 'k8s.io.api.discovery.v1.EndpointSlice', EndpointSliceList: 'k8s.io.api.discovery.v1.EndpointSliceList' },
  'authorization.k8s.io/v1': {
    SelfSubjectAccessReview: `${AUTHORIZATION}.SelfSubjectAccessReview`,
    SelfSubjectRulesReview: `${AUTHORIZATION}.SelfSubjectRulesReview`,
    SubjectAccessReview: `${AUTHORIZATION}.SubjectAccessReview`,
    LocalSubjectAccessReview: `${AUTHORIZATION}.LocalSubjectAccessReview`,
  },
  'authentication.k8s.io/v1': { SelfSubjectReview: 'k8s.io.api.authentication.v1.SelfSubjectReview' },
};

/** Status is unversioned: kube-apiserver sends it as v1 (meta.k8s.io/v1 is accepted too). */
const STATUS_VERSIONS = new Set(['v1', 'meta.k8s.io/v1']);

const byKind = new Map<string, MessagePlan>();

/**
 * messageForKind returns the plan of the message of kind in apiVersion, or undefined when capstan has none.
 * A kind found is remembered (every write asks); one not found is not (clients may send any name).
 */
export function messageForKind(apiVersion: string, kind: string): MessagePlan | undefined {
  const key = `${apiVersion}\n${kind}`;
  let plan = byKind.get(key);
  if (plan === undefined) {
    plan = lookupKind(apiVersion, kind);
    if (plan !== undefined) byKind.set(key, plan);
  }
  return plan;
}

function lookupKind(apiVersion: string, kind: string): MessagePlan | undefined {
  let name = KIND_MESSAGES[apiVersion]?.[kind];
  if (name === undefined && kind === 'Status' && STATUS_VERSIONS.has(apiVersion)) name = `${META_V1}.Status`;
  // meta/v1 registers DeleteOptions in every group version (metav1.AddToGroupVersion).
  if (name === undefined && kind === 'DeleteOptions' && apiVersion !== '') name = `${META_V1}.DeleteOptions`;
  return name === undefined ? undefined : planFor(kubeProtoRoot().lookupType(name));
}
