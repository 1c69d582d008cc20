/**
 * rbac.authorization.k8s.io/v1 (k8s.io/api/rbac/v1): Roles and ClusterRoles (lists of PolicyRules), and the
 * RoleBindings and ClusterRoleBindings that grant them to users, groups and service accounts. capstan stores
 * and serves them as kube-apiserver does; its authorizer allows every request, so they grant nothing more.
 */
import type { KubeList, KubeObject, LabelSelector } from './meta-v1.js';

/** RBAC_GROUP is the API group of roles and bindings, and the apiGroup of a RoleRef and of User and Group subjects. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** PolicyRule allows verbs on resources of API groups (optionally by name), or on non-resource URLs. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Role is a namespaced set of PolicyRules. */
export interface Role extends KubeObject {
  rules?: PolicyRule[] | null;
}

/** AggregationRule builds a ClusterRole's rules from the ClusterRoles its selectors select. */
export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

/** ClusterRole is a cluster-wide set of PolicyRules, possibly aggregated from other ClusterRoles. */
export interface ClusterRole extends KubeObject {
  rules?: PolicyRule[] | null;
  aggregationRule?: AggregationRule;
}

/** RoleRef names the Role or ClusterRole a binding grants. */
export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

/** SubjectKind is whom a binding grants to. */
export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

/** Subject is one user, group or service account a binding grants its role to. */
export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

/** RoleBinding grants a Role of its namespace, or a ClusterRole within its namespace, to subjects. */
export interface RoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef?: RoleRef;
}

/** ClusterRoleBinding grants a ClusterRole cluster-wide to subjects. */
export interface ClusterRoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef?: RoleRef;
}

export type RoleList = KubeList<Role>;
export type ClusterRoleList = KubeList<ClusterRole>;
export type RoleBindingList = KubeList<RoleBinding>;
export type ClusterRoleBindingList = KubeList<ClusterRoleBinding>;
