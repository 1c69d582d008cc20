/**
 * Building blocks for ResourceType definitions: defaults for the common case and the generic spec/status
 * strategy of kube-apiserver's registries (status is written only through /status; generation counts spec
 * changes).
 */
import { deepCopy, jsonEqual, nameIsDNSSubdomain, type KubeObject } from '../../api/index.js';
import { ALL_VERBS, type ResourceType, type SpecStatusObject, type StatusWritableMetadata } from '../resource.js';

/** ResourceSpec is what a definition must say; defineResource fills in the rest. */
export type ResourceSpec = Pick<ResourceType, 'group' | 'version' | 'kind' | 'resource' | 'namespaced'> & Partial<ResourceType>;

/**
 * defineResource completes a ResourceType: singular from the kind, every verb, DNS-subdomain names, no
 * status, nothing to default or validate beyond metadata, and — with hasStatus — the spec/status strategy.
 */
export function defineResource(spec: ResourceSpec): ResourceType {
  const hasStatus = spec.hasStatus ?? false;
  return {
    singular: spec.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    hasStatus,
    allowCreateOnUpdate: false,
    validateName: nameIsDNSSubdomain,
    fields: {},
    defaults: () => undefined,
    prepareForCreate: hasStatus ? prepareSpecStatusForCreate : () => undefined,
    prepareForUpdate: hasStatus ? prepareSpecStatusForUpdate : () => undefined,
    validate: () => [],
    validateUpdate: () => [],
    ...spec,
  };
}

/** prepareSpecStatusForCreate drops the client's status and starts generation at 1. */
export function prepareSpecStatusForCreate(obj: KubeObject): void {
  const o = obj as SpecStatusObject;
  delete o.status;
  o.metadata.generation = 1;
}

/** prepareSpecStatusForUpdate keeps the stored status and bumps generation when the spec changed. */
export function prepareSpecStatusForUpdate(obj: KubeObject, old: KubeObject): void {
  const o = obj as SpecStatusObject;
  const prev = old as SpecStatusObject;
  if (prev.status === undefined) delete o.status;
  else o.status = deepCopy(prev.status);
  const oldGeneration = prev.metadata.generation ?? 1;
  o.metadata.generation = jsonEqual(o.spec, prev.spec) ? oldGeneration : oldGeneration + 1;
}

/**
 * prepareStatusUpdate is the strategy of a /status write: only the status changes — spec and the metadata a
 * status writer must not touch (labels, annotations, finalizers, owner references, generation, deletion
 * timestamp: Kubernetes' ResetObjectMetaForStatus) are carried over from the stored object, except the fields
 * in writable, which the resource lets a status writer set (a Deployment's annotations: the deployment
 * controller records `deployment.kubernetes.io/revision` through /status, as kube's deploymentStatusStrategy
 * allows).
 */
export function prepareStatusUpdate(obj: KubeObject, old: KubeObject, writable: readonly StatusWritableMetadata[] = []): void {
  const o = obj as SpecStatusObject;
  const prev = old as SpecStatusObject;
  if (prev.spec === undefined) delete o.spec;
  else o.spec = deepCopy(prev.spec);
  const meta = { ...o.metadata };
  for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'generation', 'deletionTimestamp'] as const) {
    if ((writable as readonly string[]).includes(field)) continue;
    if (prev.metadata[field] === undefined) delete meta[field];
    else (meta as Record<string, unknown>)[field] = deepCopy<unknown>(prev.metadata[field]);
  }
  o.metadata = meta;
}

/** asRecord views a value as a JSON object (an empty one for anything else). */
export function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
