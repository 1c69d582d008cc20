/**
 * Resource descriptors: what a RestClient needs to build a resource's paths (group, version, plural name,
 * whether it is namespaced) and the kind its objects carry. The components may not import the API server's
 * registry, so the well-known resources they use are listed here, as client-go's typed clientsets know them.
 */
import type { GroupVersionResource } from '../../api/index.js';

/** ResourceDescriptor describes one REST resource of the API. */
export interface ResourceDescriptor extends GroupVersionResource {
  /** kind is the kind of its objects (`Pod`); the list kind is kind + `List`. */
  readonly kind: string;
  /** namespaced says whether objects live in namespaces (paths carry /namespaces/NS). */
  readonly namespaced: boolean;
}

function core(resource: string, kind: string, namespaced = true): ResourceDescriptor {
  return { group: '', version: 'v1', resource, kind, namespaced };
}

/** PODS is core/v1 pods (subresources status and binding). */
export const PODS = core('pods', 'Pod');
/** NODES is core/v1 nodes (cluster-scoped; subresource status). */
export const NODES = core('nodes', 'Node', false);
/** NAMESPACES is core/v1 namespaces (cluster-scoped; subresource status). */
export const NAMESPACES = core('namespaces', 'Namespace', false);
/** RESOURCE_QUOTAS is core/v1 resourcequotas. */
export const RESOURCE_QUOTAS = core('resourcequotas', 'ResourceQuota');
/** SERVICES is core/v1 services. */
export const SERVICES = core('services', 'Service');
/** ENDPOINTS is core/v1 endpoints. */
export const ENDPOINTS = core('endpoints', 'Endpoints');
/** EVENTS is core/v1 events. */
export const EVENTS = core('events', 'Event');
/** CONFIGMAPS is core/v1 configmaps. */
export const CONFIGMAPS = core('configmaps', 'ConfigMap');
/** SECRETS is core/v1 secrets. */
export const SECRETS = core('secrets', 'Secret');
/** SERVICE_ACCOUNTS is core/v1 serviceaccounts. */
export const SERVICE_ACCOUNTS = core('serviceaccounts', 'ServiceAccount');
/** DEPLOYMENTS is apps/v1 deployments (subresources status and scale). */
export const DEPLOYMENTS: ResourceDescriptor = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true };
/** REPLICA_SETS is apps/v1 replicasets (subresources status and scale). */
export const REPLICA_SETS: ResourceDescriptor = { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true };
/** DAEMON_SETS is apps/v1 daemonsets (subresource status). */
export const DAEMON_SETS: ResourceDescriptor = { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true };
/** STATEFUL_SETS is apps/v1 statefulsets (subresources status and scale). */
export const STATEFUL_SETS: ResourceDescriptor = { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true };
/** CONTROLLER_REVISIONS is apps/v1 controllerrevisions. */
export const CONTROLLER_REVISIONS: ResourceDescriptor = { group: 'apps', version: 'v1', resource: 'controllerrevisions', kind: 'ControllerRevision', namespaced: true };
/** JOBS is batch/v1 jobs (subresource status). */
export const JOBS: ResourceDescriptor = { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true };
/** CRON_JOBS is batch/v1 cronjobs (subresource status). */
export const CRON_JOBS: ResourceDescriptor = { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true };
/** ENDPOINT_SLICES is discovery.k8s.io/v1 endpointslices. */
export const ENDPOINT_SLICES: ResourceDescriptor = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true };
/** LEASES is coordination.k8s.io/v1 leases. */
export const LEASES: ResourceDescriptor = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true };
/** PDBS is policy/v1 poddisruptionbudgets. */
export const PDBS: ResourceDescriptor = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true };
/** CLUSTER_ROLES is rbac.authorization.k8s.io/v1 clusterroles (cluster-scoped). */
export const CLUSTER_ROLES: ResourceDescriptor = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false };

/**
 * resourcePath builds a resource's path: `/api/v1/namespaces/NS/pods/NAME/status`, `/apis/apps/v1/deployments`
 * (all namespaces). namespace is ignored for a cluster-scoped resource; name and subresource are optional.
 */
export function resourcePath(r: ResourceDescriptor, namespace: string | undefined, name?: string, subresource?: string): string {
  let path = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  if (r.namespaced && namespace !== undefined && namespace !== '') path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${r.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}
