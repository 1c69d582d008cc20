/**
 * Metadata helpers shared by the API server and the components: cache keys, owner references, and copies
 * that keep cached objects immutable (informer caches hand out frozen objects; whoever wants to change one
 * works on a deep copy, as client-go's rule "never mutate cached objects" demands).
 */
import { isDeepStrictEqual } from 'node:util';
import { InvalidObjectKeyError } from './errors.js';
import { goQuote } from './go-format.js';
import { type GroupVersionKind, groupVersionString } from './group-version.js';
import type { ObjectMeta, OwnerReference } from './meta-v1.js';

/** HasMetadata is anything with (possibly absent) object metadata. */
export interface HasMetadata {
  metadata?: ObjectMeta;
}

/** metaNamespaceKey is the cache key of a name in a namespace: `namespace/name`, or `name` when cluster-scoped. */
export function metaNamespaceKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** objectKey is the cache key of an object (client-go's MetaNamespaceKeyFunc). */
export function objectKey(obj: HasMetadata): string {
  return metaNamespaceKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}

/**
 * splitObjectKey reverses objectKey (cache.SplitMetaNamespaceKey): `name` gives an empty namespace. A key
 * with more than one '/' throws InvalidObjectKeyError.
 */
export function splitObjectKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  switch (parts.length) {
    case 1:
      return { namespace: '', name: parts[0]! };
    case 2:
      return { namespace: parts[0]!, name: parts[1]! };
    default:
      throw new InvalidObjectKeyError(`unexpected key format: ${goQuote(key)}`);
  }
}

/** controllerOf returns the owner reference with controller=true, if any (metav1.GetControllerOf). */
export function controllerOf(obj: HasMetadata): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** isControlledBy reports whether owner is obj's controller, comparing UIDs (metav1.IsControlledBy). */
export function isControlledBy(obj: HasMetadata, owner: HasMetadata): boolean {
  const ref = controllerOf(obj);
  return ref !== undefined && owner.metadata?.uid !== undefined && ref.uid === owner.metadata.uid;
}

/**
 * newControllerRef returns the owner reference a controller stamps on what it creates: controller and
 * blockOwnerDeletion set (metav1.NewControllerRef).
 */
export function newControllerRef(owner: HasMetadata, gvk: GroupVersionKind): OwnerReference {
  return {
    apiVersion: groupVersionString(gvk),
    kind: gvk.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** DeepReadonly is T with every property, array and nested object read-only: the type of a cached object. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? ReadonlyArray<DeepReadonly<E>>
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/**
 * deepCopy returns an independent, mutable copy of an acyclic JSON-shaped object (an object shared twice
 * inside it is copied twice), including of a frozen cached one: `deepCopy<Pod>(cached)`. Plain objects and
 * arrays are copied by hand (about five times faster than structuredClone for a pod, and objects are copied
 * on every write); anything else inside (a Date, bytes) goes to structuredClone. An own `__proto__` key
 * (JSON.parse makes one) stays an own key, and members whose value is undefined stay, as structuredClone
 * keeps them. The patch code copies with Go's JSON rules instead (cloneJson, apiserver/patch/go-json.ts:
 * undefined members and `__proto__` left out), as its documents must look like a JSON round trip.
 */
export function deepCopy<T>(obj: T | DeepReadonly<T>): T {
  return copyValue(obj) as T;
}

function copyValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyValue(v[i]);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const value = copyValue((v as Record<string, unknown>)[k]);
    if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out;
}

/**
 * jsonEqual reports whether two JSON-shaped values are equal as their JSON is: a member whose value is undefined
 * counts as absent (as Go's decoded structs, and kube-apiserver's comparison of encoded bytes, see it) and key
 * order does not matter. Plain objects and arrays are compared by hand — several times faster than
 * util.isDeepStrictEqual, which every write through the API server ran at least once on whole objects — and
 * anything else inside (a Date, bytes) goes to isDeepStrictEqual.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const protoA: unknown = Object.getPrototypeOf(a);
  const protoB: unknown = Object.getPrototypeOf(b);
  if ((protoA !== Object.prototype && protoA !== null) || (protoB !== Object.prototype && protoB !== null)) return isDeepStrictEqual(a, b);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let members = 0;
  for (const k of Object.keys(ra)) {
    const v = ra[k];
    if (v === undefined) continue;
    members++;
    if (!Object.prototype.hasOwnProperty.call(rb, k) || !jsonEqual(v, rb[k])) return false;
  }
  for (const k of Object.keys(rb)) if (rb[k] !== undefined) members--;
  return members === 0;
}

/**
 * deepFreeze freezes obj and everything reachable from it, in place, and returns it typed read-only.
 * Writes to a frozen object throw in strict mode, so a handler that mutates a cached object fails loudly.
 * An object found already frozen is taken as frozen through (it came from deepFreeze: an informer's update
 * built on a cached object shares its frozen parts) and not walked again, which also ends cycles.
 */
export function deepFreeze<T>(obj: T): DeepReadonly<T> {
  freezeTree(obj);
  return obj as DeepReadonly<T>;
}

function freezeTree(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const k of Object.keys(v)) freezeTree((v as Record<string, unknown>)[k]);
}
