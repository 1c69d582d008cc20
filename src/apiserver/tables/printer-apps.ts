/**
 * The apps/v1 printers: Deployment (NAME READY UP-TO-DATE AVAILABLE AGE, wide CONTAINERS IMAGES SELECTOR),
 * ReplicaSet (NAME DESIRED CURRENT READY AGE, wide CONTAINERS IMAGES SELECTOR), DaemonSet (NAME DESIRED CURRENT
 * READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, wide CONTAINERS IMAGES SELECTOR), StatefulSet (NAME READY AGE,
 * wide CONTAINERS IMAGES; READY is `ready/desired`) and ControllerRevision (NAME CONTROLLER REVISION AGE). A
 * Deployment's READY is `ready/desired`; desired replicas default to 1, as the API server's defaulting sets them.
 */
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../api/apps-v1.js';
import { labelSelectorAsSelector } from '../../api/label-selector.js';
import { controllerOf } from '../../api/meta.js';
import type { KubeObject, LabelSelector } from '../../api/meta-v1.js';
import { DESC_CONTAINER_IMAGES, DESC_CONTAINER_NAMES, DESC_CONTROLLER_REVISION_REVISION, DESC_DAEMON_SET, DESC_DEPLOYMENT, DESC_REPLICA_SET } from './descriptions.js';
import { type PrintedRow, type TableConvertor, ageColumn, column, formatLabels, layoutContainerCells, nameColumn, translateTimestampSince } from './table-convertor.js';

const deploymentColumns = [
  nameColumn,
  column('Ready', 'string', 'Number of the pod with ready state'),
  column('Up-to-date', 'string', DESC_DEPLOYMENT.updatedReplicas),
  column('Available', 'string', DESC_DEPLOYMENT.availableReplicas),
  ageColumn,
  column('Containers', 'string', DESC_CONTAINER_NAMES, 1),
  column('Images', 'string', DESC_CONTAINER_IMAGES, 1),
  column('Selector', 'string', DESC_DEPLOYMENT.selector, 1),
];

const replicaSetColumns = [
  nameColumn,
  column('Desired', 'integer', DESC_REPLICA_SET.specReplicas),
  column('Current', 'integer', DESC_REPLICA_SET.statusReplicas),
  column('Ready', 'integer', DESC_REPLICA_SET.readyReplicas),
  ageColumn,
  column('Containers', 'string', DESC_CONTAINER_NAMES, 1),
  column('Images', 'string', DESC_CONTAINER_IMAGES, 1),
  column('Selector', 'string', DESC_REPLICA_SET.selector, 1),
];

const daemonSetColumns = [
  nameColumn,
  column('Desired', 'integer', DESC_DAEMON_SET.desiredNumberScheduled),
  column('Current', 'integer', DESC_DAEMON_SET.currentNumberScheduled),
  column('Ready', 'integer', DESC_DAEMON_SET.numberReady),
  column('Up-to-date', 'integer', DESC_DAEMON_SET.updatedNumberScheduled),
  column('Available', 'integer', DESC_DAEMON_SET.numberAvailable),
  column('Node Selector', 'string', DESC_DAEMON_SET.nodeSelector),
  ageColumn,
  column('Containers', 'string', DESC_CONTAINER_NAMES, 1),
  column('Images', 'string', DESC_CONTAINER_IMAGES, 1),
  column('Selector', 'string', DESC_DAEMON_SET.selector, 1),
];

const statefulSetColumns = [
  nameColumn,
  column('Ready', 'string', 'Number of the pod with ready state'),
  ageColumn,
  column('Containers', 'string', DESC_CONTAINER_NAMES, 1),
  column('Images', 'string', DESC_CONTAINER_IMAGES, 1),
];

const controllerRevisionColumns = [
  nameColumn,
  column('Controller', 'string', 'Controller of the object'),
  column('Revision', 'string', DESC_CONTROLLER_REVISION_REVISION),
  ageColumn,
];

/** selectorString is selector.String() of a structured selector, or undefined when it does not convert. */
function selectorString(s: LabelSelector | undefined): string | undefined {
  try {
    return labelSelectorAsSelector(s).toString();
  } catch {
    return undefined;
  }
}

function printDeployment(d: Deployment, now: number): PrintedRow {
  const [containers, images] = layoutContainerCells(d.spec?.template?.spec?.containers);
  return {
    cells: [
      d.metadata.name ?? '',
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      translateTimestampSince(d.metadata.creationTimestamp, now),
      containers,
      images,
      selectorString(d.spec?.selector) ?? '<invalid>',
    ],
  };
}

/** formatLabelSelector is metav1.FormatLabelSelector: `<error>` when it does not convert, `<none>` when empty. */
export function formatLabelSelector(s: LabelSelector | undefined): string {
  const str = selectorString(s);
  if (str === undefined) return '<error>';
  return str.length === 0 ? '<none>' : str;
}

function printReplicaSet(rs: ReplicaSet, now: number): PrintedRow {
  const [containers, images] = layoutContainerCells(rs.spec?.template?.spec?.containers);
  return {
    cells: [
      rs.metadata.name ?? '',
      rs.spec?.replicas ?? 1,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      translateTimestampSince(rs.metadata.creationTimestamp, now),
      containers,
      images,
      formatLabelSelector(rs.spec?.selector),
    ],
  };
}

/** deploymentTableConvertor prints deployments. */
export const deploymentTableConvertor: TableConvertor = {
  columns: deploymentColumns,
  row: (obj: KubeObject, now: number) => printDeployment(obj as Deployment, now),
};

/** replicaSetTableConvertor prints replica sets. */
export const replicaSetTableConvertor: TableConvertor = {
  columns: replicaSetColumns,
  row: (obj: KubeObject, now: number) => printReplicaSet(obj as ReplicaSet, now),
};

function printDaemonSet(ds: DaemonSet, now: number): PrintedRow {
  const [containers, images] = layoutContainerCells(ds.spec?.template?.spec?.containers);
  const status = ds.status;
  return {
    cells: [
      ds.metadata.name ?? '',
      status?.desiredNumberScheduled ?? 0,
      status?.currentNumberScheduled ?? 0,
      status?.numberReady ?? 0,
      status?.updatedNumberScheduled ?? 0,
      status?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      translateTimestampSince(ds.metadata.creationTimestamp, now),
      containers,
      images,
      formatLabelSelector(ds.spec?.selector),
    ],
  };
}

/** controllerName is the printers' formatResourceName of the controller: `daemonset.apps/name`, or `<none>`. */
function controllerName(obj: KubeObject): string {
  const ref = controllerOf(obj);
  if (ref === undefined) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  return `${(group === '' ? ref.kind : `${ref.kind}.${group}`).toLowerCase()}/${ref.name}`;
}

function printControllerRevision(cr: ControllerRevision, now: number): PrintedRow {
  return { cells: [cr.metadata.name ?? '', controllerName(cr), cr.revision ?? 0, translateTimestampSince(cr.metadata.creationTimestamp, now)] };
}

/** daemonSetTableConvertor prints daemon sets. */
export const daemonSetTableConvertor: TableConvertor = {
  columns: daemonSetColumns,
  row: (obj: KubeObject, now: number) => printDaemonSet(obj as DaemonSet, now),
};

/** controllerRevisionTableConvertor prints controller revisions. */
export const controllerRevisionTableConvertor: TableConvertor = {
  columns: controllerRevisionColumns,
  row: (obj: KubeObject, now: number) => printControllerRevision(obj as ControllerRevision, now),
};

function printStatefulSet(sts: StatefulSet, now: number): PrintedRow {
  const [containers, images] = layoutContainerCells(sts.spec?.template?.spec?.containers);
  return { cells: [sts.metadata.name ?? '', `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 1}`, translateTimestampSince(sts.metadata.creationTimestamp, now), containers, images] };
}

/** statefulSetTableConvertor prints stateful sets. */
export const statefulSetTableConvertor: TableConvertor = {
  columns: statefulSetColumns,
  row: (obj: KubeObject, now: number) => printStatefulSet(obj as StatefulSet, now),
};
