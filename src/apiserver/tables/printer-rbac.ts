/**
 * The rbac.authorization.k8s.io/v1 printers of Kubernetes 1.32: RoleBinding and ClusterRoleBinding (NAME ROLE AGE,
 * wide USERS GROUPS SERVICEACCOUNTS), the role as `<kind>/<name>` and the subjects as rbac.SubjectsStrings lists
 * them (service accounts as `<namespace>/<name>`). Roles and ClusterRoles have no printer in kube: they print
 * with the default NAME and CREATED AT.
 */
import type { KubeObject } from '../../api/meta-v1.js';
import type { RoleBinding, Subject } from '../../api/rbac-v1.js';
import { DESC_RBAC } from './descriptions.js';
import { type PrintedRow, type TableConvertor, ageColumn, column, nameColumn, translateTimestampSince } from './table-convertor.js';

/** bindingColumns are a binding kind's columns; noun names it in the wide columns' descriptions. */
function bindingColumns(roleRefDescription: string, noun: string): TableConvertor['columns'] {
  return [
    nameColumn,
    column('Role', 'string', roleRefDescription),
    ageColumn,
    column('Users', 'string', `Users in the ${noun}`, 1),
    column('Groups', 'string', `Groups in the ${noun}`, 1),
    column('ServiceAccounts', 'string', `ServiceAccounts in the ${noun}`, 1),
  ];
}

/** subjectsStrings is rbac.SubjectsStrings: users, groups and service accounts (`<namespace>/<name>`), each in order. */
function subjectsStrings(subjects: readonly Subject[] | undefined): [string[], string[], string[]] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'ServiceAccount') serviceAccounts.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
    else if (s.kind === 'User') users.push(s.name ?? '');
    else if (s.kind === 'Group') groups.push(s.name ?? '');
  }
  return [users, groups, serviceAccounts];
}

function printBinding(b: RoleBinding, now: number): PrintedRow {
  const [users, groups, serviceAccounts] = subjectsStrings(b.subjects);
  return {
    cells: [
      b.metadata.name ?? '',
      `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
      translateTimestampSince(b.metadata.creationTimestamp, now),
      users.join(', '),
      groups.join(', '),
      serviceAccounts.join(', '),
    ],
  };
}

/** roleBindingTableConvertor prints role bindings. */
export const roleBindingTableConvertor: TableConvertor = {
  columns: bindingColumns(DESC_RBAC.roleBindingRoleRef, 'roleBinding'),
  row: (obj: KubeObject, now: number) => printBinding(obj as RoleBinding, now),
};

/** clusterRoleBindingTableConvertor prints cluster role bindings. */
export const clusterRoleBindingTableConvertor: TableConvertor = {
  columns: bindingColumns(DESC_RBAC.clusterRoleBindingRoleRef, 'clusterRoleBinding'),
  row: (obj: KubeObject, now: number) => printBinding(obj as RoleBinding, now),
};
