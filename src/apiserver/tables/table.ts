/**
 * The server-side transforms of a response (handlers/response.go): a Table of printed rows, or the
 * metadata-only PartialObjectMetadata(List) that client-go metadata informers ask for. A Table row carries
 * the object as includeObject says: `Metadata` (the default) a PartialObjectMetadata, `Object` the full
 * object, `None` null. A list's Table keeps the list's resourceVersion, continue and remainingItemCount; an
 * object's Table takes the object's resourceVersion. With noHeaders (watch events after the first) the column
 * definitions are null, as Go encodes the nil slice.
 */
import type {
  KubeList,
  KubeObject,
  ListMeta,
  ObjectMeta,
  Table,
  TableColumnDefinition,
  TableRow,
  TableRowCondition,
} from '../../api/meta-v1.js';
import { FieldError } from '../../api/field-errors.js';
import { FieldPath } from '../../api/field-path.js';
import { NotAcceptableError, TableOptionsInvalidError } from './errors.js';
import type { TableConvertor } from './table-convertor.js';

/** MetaVersion is a version of meta.k8s.io that serves Table and PartialObjectMetadata. */
export type MetaVersion = 'v1' | 'v1beta1';

/** IncludeObject says what a Table row carries besides its cells (metav1.IncludeObjectPolicy). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** TableOptions are the query options of a Table request; only includeObject comes from the client. */
export interface TableOptions {
  includeObject: IncludeObject;
}

const includeObjectValues: readonly IncludeObject[] = ['Metadata', 'None', 'Object'];

/**
 * parseTableOptions reads `?includeObject=` (absent or empty means Metadata). Any other value throws
 * TableOptionsInvalidError with kube-apiserver's message.
 */
export function parseTableOptions(query: URLSearchParams): TableOptions {
  const v = query.get('includeObject') ?? '';
  if (v === '') return { includeObject: 'Metadata' };
  if ((includeObjectValues as readonly string[]).includes(v)) return { includeObject: v as IncludeObject };
  const err = FieldError.notSupported(FieldPath.root('includeObject'), v, includeObjectValues);
  throw new TableOptionsInvalidError(`Unable to convert to Table as requested: ${err.toString()}`);
}

/**
 * WireTable is a Table as kube-apiserver encodes it: in either meta.k8s.io version, and with null
 * columnDefinitions when headers are omitted.
 */
export type WireTable = Omit<Table, 'apiVersion' | 'columnDefinitions'> & {
  apiVersion: `meta.k8s.io/${MetaVersion}`;
  columnDefinitions: TableColumnDefinition[] | null;
};

/** PartialObjectMetadataList is the `as=PartialObjectMetadataList` form of a list. */
export interface PartialObjectMetadataList {
  kind: 'PartialObjectMetadataList';
  apiVersion: string;
  metadata: ListMeta;
  items: PartialObjectMetadataWire[];
}

/** PartialObjectMetadataWire is a PartialObjectMetadata with its kind and apiVersion set. */
export interface PartialObjectMetadataWire {
  kind: 'PartialObjectMetadata';
  apiVersion: string;
  metadata: ObjectMeta;
}

/** ToTableOptions control one Table. */
export interface ToTableOptions {
  /** now is the current time (epoch ms), for AGE and other relative cells. */
  now: number;
  /** includeObject says what rows carry; default Metadata. */
  includeObject?: IncludeObject;
  /** version is the meta.k8s.io version asked for; default v1. */
  version?: MetaVersion;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** noHeaders leaves out the column definitions (null on the wire). */
  noHeaders?: boolean;
  /**
   * objectKind is stamped on full objects (includeObject=Object) that lack kind and apiVersion, such as list
   * items; kube-apiserver converts every row's object to the request's group version.
   */
  objectKind?: { apiVersion: string; kind: string };
}

/** asPartialObjectMetadata reduces obj to its metadata (meta.AsPartialObjectMetadata). */
export function asPartialObjectMetadata(obj: KubeObject, version: MetaVersion = 'v1'): PartialObjectMetadataWire {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

/** asPartialObjectMetadataList reduces a list to its items' metadata, keeping the list metadata. */
export function asPartialObjectMetadataList(list: KubeList<KubeObject>, version: MetaVersion = 'v1'): PartialObjectMetadataList {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta(list.metadata.resourceVersion, list.metadata.continue, list.metadata.remainingItemCount),
    items: list.items.map((o) => asPartialObjectMetadata(o, version)),
  };
}

function listMeta(resourceVersion: string | undefined, cont: string | undefined, remainingItemCount: number | undefined): ListMeta {
  const meta: ListMeta = {};
  if (resourceVersion) meta.resourceVersion = resourceVersion;
  if (cont) meta.continue = cont;
  if (remainingItemCount !== undefined && remainingItemCount !== null) meta.remainingItemCount = remainingItemCount;
  return meta;
}

function rowObject(obj: KubeObject, opts: ToTableOptions): unknown {
  switch (opts.includeObject ?? 'Metadata') {
    case 'None':
      return null;
    case 'Metadata':
      return asPartialObjectMetadata(obj, opts.version);
    case 'Object':
      return opts.objectKind === undefined ? obj : { kind: opts.objectKind.kind, apiVersion: opts.objectKind.apiVersion, ...obj };
  }
}

/** toTable prints objects into a Table; the caller supplies the list (or object) metadata in opts. */
export function toTable(convertor: TableConvertor, objects: readonly KubeObject[], opts: ToTableOptions): WireTable {
  const rows: TableRow[] = objects.map((obj) => {
    const printed = convertor.row(obj, opts.now);
    const row: TableRow & { conditions?: TableRowCondition[] } = { cells: printed.cells };
    if (printed.conditions !== undefined && printed.conditions.length > 0) row.conditions = printed.conditions;
    row.object = rowObject(obj, opts);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version ?? 'v1'}`,
    metadata: listMeta(opts.resourceVersion, opts.continue, opts.remainingItemCount),
    columnDefinitions: opts.noHeaders ? null : convertor.columns.map((c) => ({ ...c })),
    rows,
  };
}

/** listToTable prints a list, keeping its resourceVersion, continue token and remainingItemCount. */
export function listToTable(convertor: TableConvertor, list: KubeList<KubeObject>, opts: Omit<ToTableOptions, 'resourceVersion' | 'continue' | 'remainingItemCount'>): WireTable {
  return toTable(convertor, list.items, {
    ...opts,
    resourceVersion: list.metadata.resourceVersion,
    continue: list.metadata.continue,
    remainingItemCount: list.metadata.remainingItemCount,
  });
}

/** objectToTable prints one object (a get, or one watch event); the Table takes the object's resourceVersion. */
export function objectToTable(convertor: TableConvertor, obj: KubeObject, opts: Omit<ToTableOptions, 'resourceVersion' | 'continue' | 'remainingItemCount'>): WireTable {
  return toTable(convertor, [obj], { ...opts, resourceVersion: obj.metadata.resourceVersion });
}

/**
 * goTypeName names the internal Go type kube-apiserver prints in NotAcceptable messages (`*core.PodList`,
 * `*apps.Deployment`): the package is the group's first label, `core` for the legacy group.
 */
export function goTypeName(group: string, kind: string): string {
  return `*${group === '' ? 'core' : group.split('.', 1)[0]}.${kind}`;
}

/** partialObjectMetadataOfListError is the 406 for `as=PartialObjectMetadata` on a list. */
export function partialObjectMetadataOfListError(group: string, listKind: string): NotAcceptableError {
  return new NotAcceptableError(`you requested PartialObjectMetadata, but the requested object is a list (${goTypeName(group, listKind)})`);
}

/** partialObjectMetadataListOfObjectError is the 406 for `as=PartialObjectMetadataList` on a single object. */
export function partialObjectMetadataListOfObjectError(group: string, kind: string): NotAcceptableError {
  return new NotAcceptableError(`you requested PartialObjectMetadataList, but the requested object is not a list (${goTypeName(group, kind)})`);
}
