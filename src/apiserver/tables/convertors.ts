/**
 * Which convertor prints which resource. Resources with a printer in kube-apiserver get capstan's port of it;
 * every other resource (and any custom one) gets the default convertor of the generic registry
 * (rest.NewDefaultTableConvertor): NAME and CREATED AT, the latter an RFC 3339 timestamp column of type
 * `date`. Subresources print like their resource, except `scale`, which prints the Scale object.
 */
import type { KubeObject } from '../../api/meta-v1.js';
import { formatTime } from '../../api/time.js';
import { DESC_CREATION_TIMESTAMP } from './descriptions.js';
import { controllerRevisionTableConvertor, daemonSetTableConvertor, deploymentTableConvertor, replicaSetTableConvertor, statefulSetTableConvertor } from './printer-apps.js';
import { cronJobTableConvertor, jobTableConvertor } from './printer-batch.js';
import {
  configMapTableConvertor,
  leaseTableConvertor,
  namespaceTableConvertor,
  resourceQuotaTableConvertor,
  secretTableConvertor,
  serviceAccountTableConvertor,
} from './printer-basic.js';
import { endpointsTableConvertor } from './printer-endpoints.js';
import { endpointSliceTableConvertor } from './printer-endpointslice.js';
import { eventTableConvertor } from './printer-event.js';
import { nodeTableConvertor } from './printer-node.js';
import { podTableConvertor } from './printer-pod.js';
import { podDisruptionBudgetTableConvertor } from './printer-policy.js';
import { priorityClassTableConvertor } from './printer-scheduling.js';
import { clusterRoleBindingTableConvertor, roleBindingTableConvertor } from './printer-rbac.js';
import { scaleTableConvertor } from './printer-scale.js';
import { serviceTableConvertor } from './printer-service.js';
import { type TableConvertor, column, nameColumn, timestampMillis } from './table-convertor.js';

/** ZERO_TIME_RFC3339 is how Go formats the zero time.Time, which an object without creationTimestamp has. */
const ZERO_TIME_RFC3339 = '0001-01-01T00:00:00Z';

/** defaultTableConvertor prints any object as NAME and CREATED AT (RFC 3339, UTC). */
export const defaultTableConvertor: TableConvertor = {
  columns: [nameColumn, column('Created At', 'date', DESC_CREATION_TIMESTAMP)],
  row: (obj: KubeObject) => {
    const created = timestampMillis(obj.metadata.creationTimestamp);
    return { cells: [obj.metadata.name ?? '', created === undefined ? ZERO_TIME_RFC3339 : formatTime(created)] };
  },
};

const convertors: ReadonlyMap<string, TableConvertor> = new Map([
  ['/pods', podTableConvertor],
  ['/nodes', nodeTableConvertor],
  ['/services', serviceTableConvertor],
  ['/endpoints', endpointsTableConvertor],
  ['/events', eventTableConvertor],
  ['/namespaces', namespaceTableConvertor],
  ['/configmaps', configMapTableConvertor],
  ['/secrets', secretTableConvertor],
  ['/resourcequotas', resourceQuotaTableConvertor],
  ['/serviceaccounts', serviceAccountTableConvertor],
  ['apps/deployments', deploymentTableConvertor],
  ['apps/replicasets', replicaSetTableConvertor],
  ['apps/daemonsets', daemonSetTableConvertor],
  ['apps/statefulsets', statefulSetTableConvertor],
  ['apps/controllerrevisions', controllerRevisionTableConvertor],
  ['batch/jobs', jobTableConvertor],
  ['batch/cronjobs', cronJobTableConvertor],
  ['coordination.k8s.io/leases', leaseTableConvertor],
  ['discovery.k8s.io/endpointslices', endpointSliceTableConvertor],
  ['rbac.authorization.k8s.io/rolebindings', roleBindingTableConvertor],
  ['rbac.authorization.k8s.io/clusterrolebindings', clusterRoleBindingTableConvertor],
  ['policy/poddisruptionbudgets', podDisruptionBudgetTableConvertor],
  ['scheduling.k8s.io/priorityclasses', priorityClassTableConvertor],
]);

/**
 * tableConvertorFor returns the convertor of a resource (`''` is the core group; `pods/status` prints as
 * `pods`, `deployments/scale` as a Scale), or defaultTableConvertor for a resource without a printer.
 */
export function tableConvertorFor(group: string, resource: string): TableConvertor {
  const [base, subresource] = resource.split('/', 2) as [string, string | undefined];
  if (subresource === 'scale') return scaleTableConvertor;
  return convertors.get(`${group}/${base}`) ?? defaultTableConvertor;
}
