/**
 * Printers of kinds summed up by one or two fields next to NAME and AGE: Namespace (STATUS), ConfigMap (DATA,
 * keys of data and binaryData), Secret (TYPE DATA), ServiceAccount (SECRETS), Lease (HOLDER) and ResourceQuota
 * (AGE REQUEST LIMIT).
 */
import type { ConfigMap, Namespace, ResourceQuota, Secret, ServiceAccount } from '../../api/core-v1.js';
import { parseQuantity } from '../../api/quantity.js';
import type { Lease } from '../../api/coordination-v1.js';
import type { KubeObject } from '../../api/meta-v1.js';
import { DESC_CONFIG_MAP_DATA, DESC_LEASE_HOLDER, DESC_SECRET, DESC_SERVICE_ACCOUNT_SECRETS } from './descriptions.js';
import { type TableConvertor, ageColumn, column, nameColumn, translateTimestampSince } from './table-convertor.js';

function age(obj: KubeObject, now: number): string {
  return translateTimestampSince(obj.metadata.creationTimestamp, now);
}

function keyCount(m: Record<string, string> | undefined): number {
  return Object.keys(m ?? {}).length;
}

/** namespaceTableConvertor prints namespaces: NAME STATUS AGE. */
export const namespaceTableConvertor: TableConvertor = {
  columns: [nameColumn, column('Status', 'string', 'The status of the namespace'), ageColumn],
  row: (obj, now) => ({ cells: [obj.metadata.name ?? '', (obj as Namespace).status?.phase ?? '', age(obj, now)] }),
};

/** configMapTableConvertor prints config maps: NAME DATA AGE. */
export const configMapTableConvertor: TableConvertor = {
  columns: [nameColumn, column('Data', 'string', DESC_CONFIG_MAP_DATA), ageColumn],
  row: (obj, now) => {
    const cm = obj as ConfigMap;
    return { cells: [cm.metadata.name ?? '', keyCount(cm.data) + keyCount(cm.binaryData), age(cm, now)] };
  },
};

/** secretTableConvertor prints secrets: NAME TYPE DATA AGE. */
export const secretTableConvertor: TableConvertor = {
  columns: [nameColumn, column('Type', 'string', DESC_SECRET.type), column('Data', 'string', DESC_SECRET.data), ageColumn],
  row: (obj, now) => {
    const s = obj as Secret;
    return { cells: [s.metadata.name ?? '', s.type ?? '', keyCount(s.data), age(s, now)] };
  },
};

/** serviceAccountTableConvertor prints service accounts: NAME SECRETS AGE. */
export const serviceAccountTableConvertor: TableConvertor = {
  columns: [nameColumn, column('Secrets', 'string', DESC_SERVICE_ACCOUNT_SECRETS), ageColumn],
  row: (obj, now) => {
    const sa = obj as ServiceAccount;
    return { cells: [sa.metadata.name ?? '', sa.secrets?.length ?? 0, age(sa, now)] };
  },
};

/** leaseTableConvertor prints leases: NAME HOLDER AGE. */
export const leaseTableConvertor: TableConvertor = {
  columns: [nameColumn, column('Holder', 'string', DESC_LEASE_HOLDER), ageColumn],
  row: (obj, now) => ({ cells: [obj.metadata.name ?? '', (obj as Lease).spec?.holderIdentity ?? '', age(obj, now)] }),
};

/**
 * resourceQuotaTableConvertor prints resource quotas as kube 1.32 does: NAME AGE REQUEST LIMIT, each enforced
 * resource (status.hard, by name) as `name: used/hard` — `limits.*` under LIMIT, the rest under REQUEST.
 */
export const resourceQuotaTableConvertor: TableConvertor = {
  columns: [
    nameColumn,
    ageColumn,
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  row: (obj, now) => {
    const q = obj as ResourceQuota;
    const hard = q.status?.hard ?? {};
    const used = q.status?.used ?? {};
    const canonical = (v: string | undefined): string => (v === undefined ? '0' : parseQuantity(v).toString());
    const request: string[] = [];
    const limit: string[] = [];
    for (const name of Object.keys(hard).sort()) {
      const piece = `${name}: ${canonical(used[name])}/${canonical(hard[name])}`;
      (name.split('.').length > 1 && name.split('.')[0] === 'limits' ? limit : request).push(piece);
    }
    return { cells: [q.metadata.name ?? '', age(q, now), request.join(', '), limit.join(', ')] };
  },
};
