/**
 * meta/v1 wire types (k8s.io/apimachinery/pkg/apis/meta/v1), as the API server serializes them to JSON:
 * camelCase names, optional fields absent rather than null (Go's omitempty), timestamps as RFC 3339 strings.
 * managedFields is not modelled; capstan does not implement server-side apply.
 */

/** Time is a metav1.Time on the wire: RFC 3339 in UTC with second precision, e.g. `2024-05-01T12:00:00Z`. */
export type Time = string;

/** MicroTime is a metav1.MicroTime on the wire: RFC 3339 in UTC with six fractional digits. */
export type MicroTime = string;

/** UID is an object's unique id, assigned by the API server at creation (a UUID string). */
export type UID = string;

/** IntOrString is a field that takes either a number or a string such as `25%` (intstr.IntOrString). */
export type IntOrString = number | string;

/** TypeMeta names an object's kind and API version; both are empty on objects nested in lists. */
export interface TypeMeta {
  apiVersion?: string;
  kind?: string;
}

/**
 * OwnerReference points from a dependent to its owner; the garbage collector deletes dependents whose owners
 * are gone. At most one reference per object has controller=true.
 */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: UID;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** ObjectMeta is the metadata every persisted object carries. */
export interface ObjectMeta {
  name?: string;
  /** generateName asks the server to pick a unique name: this prefix plus five random characters. */
  generateName?: string;
  namespace?: string;
  selfLink?: string;
  uid?: UID;
  /** resourceVersion is opaque to clients; capstan uses the store's mod_revision in decimal. */
  resourceVersion?: string;
  /** generation increments when the spec changes; status-only updates leave it alone. */
  generation?: number;
  /** creationTimestamp is set by the server; Go serializes its zero value as null. */
  creationTimestamp?: Time | null;
  /** deletionTimestamp is set when deletion is requested and finalizers remain (graceful deletion). */
  deletionTimestamp?: Time | null;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** ListMeta is the metadata of a list: its resourceVersion, and the continue token of a paginated list. */
export interface ListMeta {
  selfLink?: string;
  resourceVersion?: string;
  /** continue is the opaque token for the next page; empty on the last page. */
  continue?: string;
  /** remainingItemCount is the approximate number of items after this page, when known. */
  remainingItemCount?: number;
}

/** KubeObject is any top-level persisted object: TypeMeta plus ObjectMeta. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
}

/** KubeList is the list form of any kind: `{kind: 'PodList', metadata, items}`. */
export interface KubeList<T> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

/** ConditionStatus is the tri-state of a condition. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Condition is the standard condition shape of newer APIs (metav1.Condition). */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: Time;
  reason: string;
  message: string;
}

/** StatusReason is the machine-readable reason of a failed request (metav1.StatusReason). */
export type StatusReason =
  | ''
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'ServerTimeout'
  | 'StoreReadError'
  | 'Timeout'
  | 'TooManyRequests'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Expired'
  | 'ServiceUnavailable';

/** CauseType is the machine-readable kind of a StatusCause; field errors use the FieldValue* values. */
export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid'
  | 'UnexpectedServerResponse'
  | 'FieldManagerConflict'
  | 'ResourceVersionTooLarge'
  | 'NamespaceTerminating'
  | 'DisruptionBudget';

/** NAMESPACE_TERMINATING_CAUSE marks a create refused because its namespace is being deleted (v1.NamespaceTerminatingCause). */
export const NAMESPACE_TERMINATING_CAUSE: CauseType = 'NamespaceTerminating';

/** StatusCause is one reason a request failed, usually a field error. */
export interface StatusCause {
  reason?: CauseType;
  message?: string;
  field?: string;
}

/** StatusDetails identifies the object a Status is about and lists the causes. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: UID;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** Status is the body of every error response (and of some successful deletes). */
export interface Status extends TypeMeta {
  kind?: 'Status';
  metadata?: ListMeta;
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  /** code is the HTTP status code of the response. */
  code?: number;
}

/** WatchEventType is the type of a watch event; BOOKMARK carries only a resourceVersion. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** WatchEvent is one line of a watch stream; an ERROR event's object is a Status (410 Gone means relist). */
export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T | Status;
}

/** LabelSelectorOperator is the operator of a LabelSelectorRequirement. */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** LabelSelectorRequirement is one set-based requirement: In/NotIn need values, Exists/DoesNotExist none. */
export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

/**
 * LabelSelector is the structured selector of specs (Deployment.spec.selector): matchLabels and
 * matchExpressions ANDed together. An empty selector matches everything; an absent one matches nothing.
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** TableColumnDefinition describes one column of a server-side printed Table. */
export interface TableColumnDefinition {
  name: string;
  /** type is an OpenAPI type: `string`, `integer`, `number`, `boolean`, `date`. */
  type: string;
  /** format is an OpenAPI format hint such as `name`. */
  format: string;
  description: string;
  /** priority 0 columns show by default; higher ones only with `-o wide`. */
  priority: number;
}

/** TableRowCondition is a condition of a Table row (`Completed` greys the row out in kubectl). */
export interface TableRowCondition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
}

/** TableRow is one row: cells in column order and, if asked for, the object or its metadata. */
export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

/** Table is the `application/json;as=Table;v=v1;g=meta.k8s.io` rendering kubectl get asks for. */
export interface Table extends TypeMeta {
  kind?: 'Table';
  apiVersion?: 'meta.k8s.io/v1';
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** PartialObjectMetadata is an object reduced to its metadata (`as=PartialObjectMetadata`). */
export interface PartialObjectMetadata extends TypeMeta {
  metadata: ObjectMeta;
}

/** APIResource describes one resource of a group version in discovery. */
export interface APIResource {
  /** name is the plural resource name, or `resource/subresource`. */
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

/** APIResourceList is the discovery document of one group version (`/api/v1`, `/apis/apps/v1`). */
export interface APIResourceList extends TypeMeta {
  groupVersion: string;
  resources: APIResource[];
}

/** GroupVersionForDiscovery names one version of a group in discovery. */
export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

/** ServerAddressByClientCIDR tells clients in a CIDR which address reaches the server. */
export interface ServerAddressByClientCIDR {
  clientCIDR: string;
  serverAddress: string;
}

/** APIGroup describes one API group and its versions (`/apis/apps`). */
export interface APIGroup extends TypeMeta {
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion?: GroupVersionForDiscovery;
  serverAddressByClientCIDRs?: ServerAddressByClientCIDR[];
}

/** APIGroupList lists the named API groups (`/apis`). */
export interface APIGroupList extends TypeMeta {
  groups: APIGroup[];
}

/** APIVersions lists the versions of the legacy core group (`/api`). */
export interface APIVersions extends TypeMeta {
  versions: string[];
  serverAddressByClientCIDRs: ServerAddressByClientCIDR[];
}

/** Preconditions must hold for a delete to proceed. */
export interface Preconditions {
  uid?: UID;
  resourceVersion?: string;
}

/** DeletionPropagation says what happens to dependents when an owner is deleted. */
export type DeletionPropagation = 'Orphan' | 'Background' | 'Foreground';

/** DeleteOptions is the optional body of a DELETE. */
export interface DeleteOptions extends TypeMeta {
  gracePeriodSeconds?: number;
  preconditions?: Preconditions;
  /** orphanDependents is the deprecated form of propagationPolicy (true: Orphan, false: Background). */
  orphanDependents?: boolean;
  propagationPolicy?: DeletionPropagation;
  dryRun?: string[];
}

/** ResourceVersionMatch says how a list interprets resourceVersion. */
export type ResourceVersionMatch = 'NotOlderThan' | 'Exact';

/** ListOptions are the query parameters of a list or watch. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  watch?: boolean;
  allowWatchBookmarks?: boolean;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
  timeoutSeconds?: number;
  limit?: number;
  continue?: string;
  sendInitialEvents?: boolean;
}

/** FINALIZER_ORPHAN_DEPENDENTS is the finalizer that orphans dependents before the owner goes away. */
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';

/** FINALIZER_DELETE_DEPENDENTS is the finalizer of foreground deletion: dependents go first. */
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';
