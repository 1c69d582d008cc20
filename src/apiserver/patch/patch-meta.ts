/**
 * Strategic merge patch metadata: for each field of a built-in type, the `patchStrategy` and `patchMergeKey`
 * struct tags of k8s.io/api (staging/src/k8s.io/api/core/v1/types.go, apps/v1/types.go, batch/v1/types.go, and
 * apimachinery's meta/v1 ObjectMeta and Condition), written down as data. kube-apiserver reads the same tags by
 * reflection (strategicpatch.PatchMetaFromStruct); capstan has no Go structs, so the table is the schema.
 *
 * Only fields that carry a tag, or that lead to one, are listed: any other field merges as a map when both
 * sides are objects and is replaced otherwise, which is what an untagged Go field does.
 */

/** PatchStrategy is a field's `patchStrategy` tag without `retainKeys`: `merge` for lists, `replace` for maps. */
export type PatchStrategy = 'merge' | 'replace';

/** PatchMeta is the patch metadata of one field, and the schema of its value (for a list, of its elements). */
export interface PatchMeta {
  /** strategy is the field's patch strategy; absent means the default (maps merge, lists are replaced). */
  readonly strategy?: PatchStrategy;
  /** retainKeys is set when the tag includes `retainKeys` (only the diff side uses it: `$retainKeys`). */
  readonly retainKeys?: boolean;
  /** mergeKey is the `patchMergeKey` of a list of objects merged by key. */
  readonly mergeKey?: string;
  /** fields is the schema of the field's value: its struct's fields, or its elements' for a list. */
  readonly fields?: PatchSchema;
}

/** PatchSchema is the patch metadata of a struct's fields, by JSON field name. */
export type PatchSchema = { readonly [field: string]: PatchMeta };

/** NO_META is the metadata of a field without tags. */
export const NO_META: PatchMeta = Object.freeze({});

/** lookupPatchMeta returns the metadata of field in schema, or NO_META for a field it does not list. */
export function lookupPatchMeta(schema: PatchSchema | undefined, field: string): PatchMeta {
  if (schema === undefined || !Object.hasOwn(schema, field)) return NO_META;
  return schema[field]!;
}

const mergeByName: PatchMeta = { strategy: 'merge', mergeKey: 'name' };
const conditionsByType: PatchMeta = { strategy: 'merge', mergeKey: 'type' };

/** OBJECT_META_SCHEMA is metav1.ObjectMeta: finalizers merge as a set, ownerReferences by uid. */
export const OBJECT_META_SCHEMA: PatchSchema = {
  finalizers: { strategy: 'merge' },
  ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
};

/** CONTAINER_SCHEMA is core/v1 Container (and EphemeralContainer, which shares its fields). */
export const CONTAINER_SCHEMA: PatchSchema = {
  ports: { strategy: 'merge', mergeKey: 'containerPort' },
  env: mergeByName,
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
  volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
};

/** POD_SPEC_SCHEMA is core/v1 PodSpec. */
export const POD_SPEC_SCHEMA: PatchSchema = {
  volumes: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
  initContainers: { ...mergeByName, fields: CONTAINER_SCHEMA },
  containers: { ...mergeByName, fields: CONTAINER_SCHEMA },
  ephemeralContainers: { ...mergeByName, fields: CONTAINER_SCHEMA },
  imagePullSecrets: mergeByName,
  hostAliases: { strategy: 'merge', mergeKey: 'ip' },
  topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
  schedulingGates: mergeByName,
  resourceClaims: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
};

/** POD_STATUS_SCHEMA is core/v1 PodStatus. */
export const POD_STATUS_SCHEMA: PatchSchema = {
  conditions: conditionsByType,
  podIPs: { strategy: 'merge', mergeKey: 'ip' },
  hostIPs: { strategy: 'merge', mergeKey: 'ip' },
  resourceClaimStatuses: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
};

/** POD_TEMPLATE_SPEC_SCHEMA is core/v1 PodTemplateSpec. */
export const POD_TEMPLATE_SPEC_SCHEMA: PatchSchema = {
  metadata: { fields: OBJECT_META_SCHEMA },
  spec: { fields: POD_SPEC_SCHEMA },
};

function objectSchema(spec?: PatchSchema, status?: PatchSchema, more?: PatchSchema): PatchSchema {
  return {
    metadata: { fields: OBJECT_META_SCHEMA },
    ...(spec === undefined ? {} : { spec: { fields: spec } }),
    ...(status === undefined ? {} : { status: { fields: status } }),
    ...more,
  };
}

const conditionsStatus: PatchSchema = { conditions: conditionsByType };

/**
 * BUILTIN_PATCH_SCHEMAS maps `group/version/kind` (group empty for core) to the schema of the kinds capstan
 * serves with strategic merge patch support. A kind missing here is treated as a custom resource: strategic
 * merge patch answers 415, as kube-apiserver does for custom resources.
 */
export const BUILTIN_PATCH_SCHEMAS: ReadonlyMap<string, PatchSchema> = new Map<string, PatchSchema>([
  ['/v1/Pod', objectSchema(POD_SPEC_SCHEMA, POD_STATUS_SCHEMA)],
  ['/v1/PodTemplate', objectSchema(undefined, undefined, { template: { fields: POD_TEMPLATE_SPEC_SCHEMA } })],
  ['/v1/Node', objectSchema({ podCIDRs: { strategy: 'merge' } }, { conditions: conditionsByType, addresses: { strategy: 'merge', mergeKey: 'type' } })],
  ['/v1/Service', objectSchema({ ports: { strategy: 'merge', mergeKey: 'port' } }, conditionsStatus)],
  ['/v1/Endpoints', objectSchema()],
  ['/v1/Event', objectSchema()],
  ['/v1/ConfigMap', objectSchema()],
  ['/v1/Secret', objectSchema()],
  ['/v1/ResourceQuota', objectSchema()],
  ['/v1/LimitRange', objectSchema()],
  ['/v1/ServiceAccount', objectSchema(undefined, undefined, { secrets: mergeByName })],
  ['/v1/Namespace', objectSchema(undefined, conditionsStatus)],
  [
    'apps/v1/Deployment',
    objectSchema({ template: { fields: POD_TEMPLATE_SPEC_SCHEMA }, strategy: { retainKeys: true } }, conditionsStatus),
  ],
  ['apps/v1/ReplicaSet', objectSchema({ template: { fields: POD_TEMPLATE_SPEC_SCHEMA } }, conditionsStatus)],
  ['apps/v1/DaemonSet', objectSchema({ template: { fields: POD_TEMPLATE_SPEC_SCHEMA } }, conditionsStatus)],
  ['apps/v1/StatefulSet', objectSchema({ template: { fields: POD_TEMPLATE_SPEC_SCHEMA } }, conditionsStatus)],
  ['apps/v1/ControllerRevision', objectSchema()],
  ['batch/v1/Job', objectSchema({ template: { fields: POD_TEMPLATE_SPEC_SCHEMA } }, conditionsStatus)],
  [
    'batch/v1/CronJob',
    objectSchema({ jobTemplate: { fields: { metadata: { fields: OBJECT_META_SCHEMA }, spec: { fields: { template: { fields: POD_TEMPLATE_SPEC_SCHEMA } } } } } }),
  ],
  ['coordination.k8s.io/v1/Lease', objectSchema()],
  ['rbac.authorization.k8s.io/v1/Role', objectSchema()],
  ['rbac.authorization.k8s.io/v1/ClusterRole', objectSchema()],
  ['rbac.authorization.k8s.io/v1/RoleBinding', objectSchema()],
  ['rbac.authorization.k8s.io/v1/ClusterRoleBinding', objectSchema()],
  ['policy/v1/PodDisruptionBudget', objectSchema({ selector: { strategy: 'replace' } }, conditionsStatus)],
  ['scheduling.k8s.io/v1/PriorityClass', objectSchema()],
  ['autoscaling/v1/Scale', objectSchema()],
]);

/** GroupVersionKindRef names a kind as the API server's route knows it. */
export interface GroupVersionKindRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** patchSchemaFor returns the strategic merge patch schema of a built-in kind, or undefined for any other. */
export function patchSchemaFor(gvk: GroupVersionKindRef): PatchSchema | undefined {
  return BUILTIN_PATCH_SCHEMAS.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
}
