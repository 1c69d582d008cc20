/**
 * The Node printer (printNode): NAME STATUS ROLES AGE VERSION, and wide INTERNAL-IP EXTERNAL-IP OS-IMAGE
 * KERNEL-VERSION CONTAINER-RUNTIME. STATUS is Ready/NotReady from the Ready condition (Unknown without one),
 * plus SchedulingDisabled for a cordoned node; ROLES come from `node-role.kubernetes.io/<role>` labels and
 * the legacy `kubernetes.io/role=<role>` label, sorted.
 */
import type { Node, NodeAddressType } from '../../api/core-v1.js';
import type { KubeObject } from '../../api/meta-v1.js';
import { DESC_NODE } from './descriptions.js';
import { type PrintedRow, type TableConvertor, ageColumn, column, nameColumn, translateTimestampSince } from './table-convertor.js';

const LABEL_NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const LABEL_NODE_ROLE = 'kubernetes.io/role';

const nodeColumns = [
  nameColumn,
  column('Status', 'string', 'The status of the node'),
  column('Roles', 'string', 'The roles of the node'),
  ageColumn,
  column('Version', 'string', DESC_NODE.kubeletVersion),
  column('Internal-IP', 'string', DESC_NODE.addresses, 1),
  column('External-IP', 'string', DESC_NODE.addresses, 1),
  column('OS-Image', 'string', DESC_NODE.osImage, 1),
  column('Kernel-Version', 'string', DESC_NODE.kernelVersion, 1),
  column('Container-Runtime', 'string', DESC_NODE.containerRuntimeVersion, 1),
];

/** findNodeRoles returns a node's roles, sorted and without duplicates. */
export function findNodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(LABEL_NODE_ROLE_PREFIX)) {
      const role = k.slice(LABEL_NODE_ROLE_PREFIX.length);
      if (role.length > 0) roles.add(role);
    } else if (k === LABEL_NODE_ROLE && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

function firstAddress(node: Node, type: NodeAddressType): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

function printNode(node: Node, now: number): PrintedRow {
  // The last Ready condition wins, as in the printer's condition map.
  let ready: string | undefined;
  for (const c of node.status?.conditions ?? []) {
    if (c.type === 'Ready') ready = c.status === 'True' ? 'Ready' : 'NotReady';
  }
  const status = [ready ?? 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  const roles = findNodeRoles(node).join(',');
  const info = node.status?.nodeInfo;
  return {
    cells: [
      node.metadata.name ?? '',
      status.join(','),
      roles.length > 0 ? roles : '<none>',
      translateTimestampSince(node.metadata.creationTimestamp, now),
      info?.kubeletVersion ?? '',
      firstAddress(node, 'InternalIP'),
      firstAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ],
  };
}

/** nodeTableConvertor prints nodes. */
export const nodeTableConvertor: TableConvertor = {
  columns: nodeColumns,
  row: (obj: KubeObject, now: number) => printNode(obj as Node, now),
};
