/**
 * OpenAPI v3 documents of the served API, one per group version, as kube-apiserver publishes them under
 * /openapi/v3: the discovery document (`{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=…"}}}`)
 * and, per group version, the REST paths with their operations and the schemas of the kinds.
 *
 * kubectl 1.32 reads them for two things: `kubectl explain` (it finds a resource's kind through the operations'
 * `x-kubernetes-group-version-kind` and walks `components.schemas` from there), and to learn that the server
 * validates fields itself (the `fieldValidation` query parameter of the kind's PATCH operations), so that it
 * leaves `--validate` to the server. The schemas come from the protobuf schema (proto/k8s/, field for field
 * what the server keeps); they carry types but no descriptions. PATCH operations do not offer strategic merge
 * patch in their request body, so kubectl computes `apply`'s patches from its own built-in types, as it does
 * for a server without OpenAPI, rather than from schemas without patch strategies.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from './patch/index.js';
import { messageForKind, type MessagePlan } from './protobuf/index.js';
import type { FieldPlan } from './protobuf/schema.js';
import { apiVersionOf, type ResourceType } from './resource.js';

/** KUBE_OPENAPI_VERSION is the `info.version` of the documents: the Kubernetes version capstan serves. */
const KUBE_OPENAPI_VERSION = 'v1.32.0';


/** GroupVersionDocument is one group version's document, serialized once, with its hash. */
export interface GroupVersionDocument {
  readonly json: string;
  /** hash is kube-openapi's ETag of the document: the upper-case hex SHA-512 of its JSON. */
  readonly hash: string;
}

/** gvPath is a group version's key in the discovery document: `api/v1`, `apis/apps/v1`. */
export function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** schemaName is a message's OpenAPI name: `k8s.io.api.core.v1.Pod` is `io.k8s.api.core.v1.Pod`. */
function schemaName(plan: MessagePlan): string {
  return plan.type.fullName.replace(/^\./, '').replace(/^k8s\.io\./, 'io.k8s.');
}

function ref(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

const SCALARS: Readonly<Record<string, JsonObject>> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  uint32: { type: 'integer', format: 'int32' },
  uint64: { type: 'integer', format: 'int64' },
  double: { type: 'number', format: 'double' },
  float: { type: 'number', format: 'float' },
  bytes: { type: 'string', format: 'byte' },
};

/** The schemas of the messages whose JSON form is their own, as kube publishes them. */
function wellKnownSchema(field: FieldPlan): JsonObject {
  switch (field.wellKnown) {
    case 'time':
    case 'microtime':
      return { type: 'string', format: 'date-time' };
    case 'intorstring':
      return { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
    case 'quantity':
      return { type: 'string' };
    case 'rawjson':
      return { type: 'object' };
    default:
      return { type: 'array', items: { type: 'string', default: '' } };
  }
}

/**
 * SchemaSet collects the component schemas reachable from the kinds of one group version, each message once
 * (named by its protobuf full name), with the group-version-kinds that name it.
 */
class SchemaSet {
  readonly schemas = new Map<string, JsonObject>();
  private readonly kinds = new Map<string, JsonObject[]>();

  /** add puts a message and everything it refers to in the set, and returns its name. */
  add(plan: MessagePlan): string {
    const name = schemaName(plan);
    if (this.schemas.has(name)) return name;
    const properties: JsonObject = {};
    const schema: JsonObject = { type: 'object', properties };
    this.schemas.set(name, schema);
    for (const field of plan.fields) {
      if (field.shape === 'inline' && field.message !== undefined) {
        // An inline member's fields are the message's own (Volume's source).
        const inner = this.schemas.get(this.add(field.message())) as { properties: JsonObject };
        Object.assign(properties, inner.properties);
        continue;
      }
      properties[field.name] = this.fieldSchema(field);
    }
    if (plan.embeddedTypeMeta) {
      properties.apiVersion = { type: 'string' };
      properties.kind = { type: 'string' };
    }
    return name;
  }

  /** kind marks a message as the schema of a group-version-kind. */
  kind(plan: MessagePlan, group: string, version: string, kind: string): void {
    const name = this.add(plan);
    // A kind's struct embeds TypeMeta: its JSON carries apiVersion and kind.
    const properties = this.schemas.get(name)!.properties as JsonObject;
    properties.apiVersion ??= { type: 'string' };
    properties.kind ??= { type: 'string' };
    const gvks = this.kinds.get(name) ?? [];
    if (!gvks.some((g) => g.group === group && g.version === version && g.kind === kind)) gvks.push({ group, kind, version });
    this.kinds.set(name, gvks);
    this.schemas.get(name)!['x-kubernetes-group-version-kind'] = gvks;
  }

  private valueSchema(field: FieldPlan): JsonObject {
    if (field.message === undefined) return { ...(SCALARS[field.scalar ?? 'string'] ?? { type: 'string' }) };
    if (field.wellKnown !== undefined) {
      const name = schemaName(field.message());
      if (!this.schemas.has(name)) this.schemas.set(name, wellKnownSchema(field));
      return { allOf: [ref(name)] };
    }
    return { allOf: [ref(this.add(field.message()))], default: {} };
  }

  private fieldSchema(field: FieldPlan): JsonObject {
    const value = this.valueSchema(field);
    if (field.keyType !== undefined) return { type: 'object', additionalProperties: value };
    if (field.repeated) return { type: 'array', items: value };
    return value;
  }
}

function queryParam(name: string, type: 'string' | 'boolean' | 'integer' = 'string'): JsonObject {
  return { name, in: 'query', schema: { type, uniqueItems: true } };
}

function pathParam(name: string): JsonObject {
  return { name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } };
}

const WRITE_PARAMS: readonly JsonObject[] = [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation')];
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json'];

/** OperationTarget is what an operation reads or writes: its group-version-kind and the schema of the body. */
interface OperationTarget {
  readonly gvk: JsonObject;
  readonly schema: string;
  readonly list?: string;
}

function operation(id: string, action: string, target: OperationTarget, params: readonly JsonObject[], body?: readonly string[], listed = false): JsonObject {
  const schema = ref(listed && target.list !== undefined ? target.list : target.schema);
  const op: JsonObject = {
    operationId: id,
    parameters: [...params],
    responses: { '200': { description: 'OK', content: { 'application/json': { schema } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': target.gvk,
  };
  if (body !== undefined) op.requestBody = { content: Object.fromEntries(body.map((t) => [t, { schema: t.startsWith('application/json-patch') ? { type: 'object' } : ref(target.schema) }])), required: true };
  return op;
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * buildDocument builds the document of one group version from the resources it serves: a path per
 * collection and object (and each served subresource), the operations of each verb, and the schemas.
 */
function buildDocument(group: string, version: string, resources: readonly ResourceType[]): JsonObject {
  const set = new SchemaSet();
  const paths: JsonObject = {};
  const prefix = `/${gvPath(group, version)}`;
  const gvId = `${group === '' ? 'core' : group.split('.')[0]!}${upperFirst(version)}`;
  const status = messageForKind('v1', 'Status');
  if (status !== undefined) set.kind(status, '', 'v1', 'Status');
  const deleteOptions = messageForKind(apiVersionOf({ group, version }), 'DeleteOptions');
  if (deleteOptions !== undefined) set.kind(deleteOptions, group, version, 'DeleteOptions');
  for (const r of resources) {
    const plan = messageForKind(apiVersionOf(r), r.kind);
    if (plan === undefined) continue;
    set.kind(plan, r.group, r.version, r.kind);
    const listPlan = messageForKind(apiVersionOf(r), `${r.kind}List`);
    if (listPlan !== undefined) set.kind(listPlan, r.group, r.version, `${r.kind}List`);
    const target: OperationTarget = {
      gvk: { group: r.group, kind: r.kind, version: r.version },
      schema: set.add(plan),
      ...(listPlan === undefined ? {} : { list: set.add(listPlan) }),
    };
    const ns = r.namespaced ? [pathParam('namespace')] : [];
    const base = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.resource}` : `${prefix}/${r.resource}`;
    const item = `${base}/{name}`;
    const id = `${gvId}${r.namespaced ? 'Namespaced' : ''}${r.kind}`;
    const verbs = new Set<string>(r.verbs);
    const collection: JsonObject = { parameters: ns };
    if (verbs.has('list')) collection.get = operation(`list${upperFirst(id)}`, 'list', target, [queryParam('labelSelector'), queryParam('fieldSelector'), queryParam('limit', 'integer'), queryParam('continue')], undefined, true);
    if (verbs.has('create')) collection.post = operation(`create${upperFirst(id)}`, 'post', target, WRITE_PARAMS, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
    if (verbs.has('deletecollection')) collection.delete = operation(`deletecollection${upperFirst(id)}`, 'deletecollection', target, [queryParam('labelSelector'), queryParam('fieldSelector'), queryParam('dryRun')]);
    if (Object.keys(collection).length > 1) paths[base] = collection;
    if (r.namespaced && verbs.has('list')) {
      paths[`${prefix}/${r.resource}`] = { get: operation(`list${upperFirst(`${gvId}${r.kind}`)}ForAllNamespaces`, 'list', target, [queryParam('labelSelector'), queryParam('fieldSelector')], undefined, true) };
    }
    const named: JsonObject = { parameters: [pathParam('name'), ...ns] };
    if (verbs.has('get')) named.get = operation(`read${upperFirst(id)}`, 'get', target, []);
    if (verbs.has('update')) named.put = operation(`replace${upperFirst(id)}`, 'put', target, WRITE_PARAMS, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
    if (verbs.has('patch')) named.patch = operation(`patch${upperFirst(id)}`, 'patch', target, [...WRITE_PARAMS, queryParam('force', 'boolean')], PATCH_TYPES);
    if (verbs.has('delete')) named.delete = operation(`delete${upperFirst(id)}`, 'delete', target, [queryParam('dryRun'), queryParam('gracePeriodSeconds', 'integer'), queryParam('propagationPolicy')]);
    if (Object.keys(named).length > 1) paths[item] = named;
    if (r.hasStatus) {
      paths[`${item}/status`] = {
        parameters: [pathParam('name'), ...ns],
        get: operation(`read${upperFirst(id)}Status`, 'get', target, []),
        put: operation(`replace${upperFirst(id)}Status`, 'put', target, WRITE_PARAMS, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']),
        patch: operation(`patch${upperFirst(id)}Status`, 'patch', target, [...WRITE_PARAMS, queryParam('force', 'boolean')], PATCH_TYPES),
      };
    }
    const scalePlan = r.scale === undefined ? undefined : messageForKind('autoscaling/v1', 'Scale');
    if (scalePlan !== undefined) {
      set.kind(scalePlan, 'autoscaling', 'v1', 'Scale');
      const scale: OperationTarget = { gvk: { group: 'autoscaling', kind: 'Scale', version: 'v1' }, schema: set.add(scalePlan) };
      paths[`${item}/scale`] = {
        parameters: [pathParam('name'), ...ns],
        get: operation(`read${upperFirst(id)}Scale`, 'get', scale, []),
        put: operation(`replace${upperFirst(id)}Scale`, 'put', scale, WRITE_PARAMS, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']),
        patch: operation(`patch${upperFirst(id)}Scale`, 'patch', scale, [...WRITE_PARAMS, queryParam('force', 'boolean')], PATCH_TYPES),
      };
    }
    const bindingPlan = r.binding === true ? messageForKind('v1', 'Binding') : undefined;
    if (bindingPlan !== undefined) {
      set.kind(bindingPlan, '', 'v1', 'Binding');
      const binding: OperationTarget = { gvk: { group: '', kind: 'Binding', version: 'v1' }, schema: set.add(bindingPlan) };
      paths[`${item}/binding`] = { parameters: [pathParam('name'), ...ns], post: operation(`create${upperFirst(id)}Binding`, 'post', binding, WRITE_PARAMS, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']) };
    }
    const evictionPlan = r.eviction === true ? messageForKind('policy/v1', 'Eviction') : undefined;
    if (evictionPlan !== undefined) {
      set.kind(evictionPlan, 'policy', 'v1', 'Eviction');
      const eviction: OperationTarget = { gvk: { group: 'policy', kind: 'Eviction', version: 'v1' }, schema: set.add(evictionPlan) };
      paths[`${item}/eviction`] = { parameters: [pathParam('name'), ...ns], post: operation(`create${upperFirst(id)}Eviction`, 'post', eviction, WRITE_PARAMS, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']) };
    }
  }
  const schemas: JsonObject = {};
  for (const name of [...set.schemas.keys()].sort()) schemas[name] = set.schemas.get(name)!;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBE_OPENAPI_VERSION },
    paths,
    components: { schemas },
  };
}

/**
 * OpenApiDocuments builds the documents of the served group versions on first use and keeps them: the API a
 * replica serves does not change while it runs.
 */
export class OpenApiDocuments {
  private documents: ReadonlyMap<string, GroupVersionDocument> | undefined;

  constructor(private readonly resources: readonly ResourceType[]) {}

  private all(): ReadonlyMap<string, GroupVersionDocument> {
    if (this.documents === undefined) {
      const byGv = new Map<string, ResourceType[]>();
      for (const r of this.resources) {
        const key = gvPath(r.group, r.version);
        byGv.set(key, [...(byGv.get(key) ?? []), r]);
      }
      const docs = new Map<string, GroupVersionDocument>();
      for (const [key, rs] of [...byGv].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const json = JSON.stringify(buildDocument(rs[0]!.group, rs[0]!.version, rs));
        docs.set(key, { json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() });
      }
      this.documents = docs;
    }
    return this.documents;
  }

  /** discovery is the /openapi/v3 document: each group version's path with its hash. */
  discovery(): string {
    const paths: JsonObject = {};
    for (const [key, doc] of this.all()) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
    return JSON.stringify({ paths });
  }

  /** document is the document of `api/v1` or `apis/<group>/<version>`, or undefined when none is served. */
  document(key: string): GroupVersionDocument | undefined {
    return this.all().get(key);
  }
}
