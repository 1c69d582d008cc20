/**
 * applyPatch is the one entry point of PATCH semantics: it applies a raw patch body of a given type to the
 * current object and returns the object to store, or throws a PatchError saying what kube-apiserver would
 * answer. It is pure: no I/O, no clock; `current` is never modified.
 *
 * After the patch, the guards of kube-apiserver's patcher and update path run:
 * - `apiVersion` and `kind`: cleared ones are restored; JSON and merge patches that change them do not decode
 *   into the resource's type (422); a strategic merge patch's change is ignored, as the typed decode does;
 * - a namespace the patch cleared is restored (or, for a cluster-scoped object, a namespace the patch set is
 *   cleared); another namespace is refused (400);
 * - a changed name is refused (400, "does not match the name on the URL");
 * - a cleared `metadata.uid` is restored, a changed one refused (422, field is immutable).
 * `metadata.resourceVersion` is left as the patch made it: the caller's update path treats it as a
 * precondition.
 */
import { FieldError } from '../../api/field-errors.js';
import { FieldPath } from '../../api/field-path.js';
import { FIELD_IMMUTABLE_ERROR_MSG } from '../../api/object-meta-validation.js';
import {
  PatchDecodeError,
  PatchInvalidError,
  PatchNameMismatchError,
  PatchNamespaceMismatchError,
  UnsupportedPatchTypeError,
} from './errors.js';
import { type JsonObject, type JsonValue, cloneJson, isJsonObject, parseJsonBody, unmarshalTypeMessage } from './go-json.js';
import { applyJsonPatch, decodeJsonPatch } from './json-patch.js';
import { applyMergePatch, decodeMergePatch } from './merge-patch.js';
import { type GroupVersionKindRef, patchSchemaFor } from './patch-meta.js';
import { PATCH_MEDIA_TYPES, type PatchType, acceptedPatchMediaTypes } from './patch-type.js';
import { strategicMergePatch } from './strategic-merge-patch.js';

/** TYPE_META_DECODE_ERROR is what decoding a non-object into a typed object says (json serializer's meta probe). */
const TYPE_META_DECODE_ERROR =
  'couldn\'t get version/kind; json parse error: json: cannot unmarshal %s into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/**
 * applyPatch applies a PATCH body of the given type to current, an object of the given kind, and returns
 * the patched object. It throws UnsupportedPatchTypeError for server-side apply and for strategic merge patch
 * on kinds outside the built-in table (custom resources), and the other PatchError classes for bodies that do
 * not decode or do not apply.
 */
export function applyPatch(
  type: PatchType,
  current: Readonly<Record<string, unknown>>,
  patch: string,
  kind: GroupVersionKindRef,
): Record<string, unknown> {
  const schema = patchSchemaFor(kind);
  if (type === 'apply' || (type === 'strategic' && schema === undefined)) {
    throw new UnsupportedPatchTypeError(PATCH_MEDIA_TYPES[type], acceptedPatchMediaTypes(kind));
  }
  const doc = cloneJson(current) as JsonObject;
  let result: JsonValue;
  switch (type) {
    case 'json':
      result = applyJsonPatch(doc, decodeJsonPatch(parseJsonBody(patch)));
      break;
    case 'merge':
      result = applyMergePatch(doc, decodeMergePatch(patch));
      break;
    case 'strategic': {
      const body = parseJsonBody(patch);
      if (body !== null && !isJsonObject(body)) throw new PatchDecodeError(unmarshalTypeMessage(body, 'map[string]interface {}'));
      result = body === null ? doc : strategicMergePatch(doc, body, schema);
      break;
    }
  }
  if (!isJsonObject(result)) {
    const jsonKind = Array.isArray(result) ? 'array' : result === null ? 'null' : typeof result === 'boolean' ? 'bool' : typeof result;
    throw new PatchInvalidError('', '', '', '', [
      FieldError.invalid(FieldPath.root('patch'), goJsonMarshal(result), TYPE_META_DECODE_ERROR.replace('%s', jsonKind)),
    ]);
  }
  checkTypeMeta(type, current, result, kind);
  checkPatchedIdentity(current, result, kind);
  return result;
}

/** internalPackage is the Go package of a group's internal types, as kube-apiserver's decode errors name it. */
function internalPackage(group: string): string {
  if (group === '') return 'core';
  return group.split('.')[0]!;
}

/**
 * goJsonMarshal renders v as Go's json.Marshal of an unstructured value: object keys sorted, and `<`, `>`, `&`
 * escaped as kube-apiserver prints a patched object in an Invalid cause.
 */
function goJsonMarshal(v: JsonValue): string {
  const sorted = (x: JsonValue): JsonValue => {
    if (Array.isArray(x)) return x.map(sorted);
    if (!isJsonObject(x)) return x;
    const out: JsonObject = {};
    for (const k of Object.keys(x).sort()) out[k] = sorted(x[k]!);
    return out;
  };
  return JSON.stringify(sorted(v)).replaceAll('<', '\\u003c').replaceAll('>', '\\u003e').replaceAll('&', '\\u0026');
}

/** checkTypeMeta holds apiVersion and kind to the current object's (see applyPatch). */
function checkTypeMeta(type: PatchType, current: Readonly<Record<string, unknown>>, patched: JsonObject, kind: GroupVersionKindRef): void {
  let mismatch = false;
  for (const field of ['apiVersion', 'kind'] as const) {
    const want = current[field];
    const got = patched[field];
    if (got === undefined || got === null || got === '') {
      if (typeof want === 'string') patched[field] = want;
    } else if (got !== want && typeof want === 'string') {
      if (type === 'strategic') patched[field] = want;
      else mismatch = true;
    }
  }
  if (!mismatch) return;
  const apiVersion = String(patched.apiVersion ?? '');
  const slash = apiVersion.indexOf('/');
  const gv = slash < 0 ? `/${apiVersion}` : apiVersion;
  const detail = `unable to decode ${gv}, Kind=${String(patched.kind ?? '')} into *${internalPackage(kind.group)}.${kind.kind}`;
  throw new PatchInvalidError('', '', '', '', [FieldError.invalid(FieldPath.root('patch'), goJsonMarshal(patched), detail)]);
}

function stringField(meta: JsonValue | undefined, field: string): string {
  if (!isJsonObject(meta)) return '';
  const v = meta[field];
  return typeof v === 'string' ? v : '';
}

/**
 * checkPatchedIdentity holds the patched object to the identity of the current one (name, namespace, uid),
 * restoring a cleared namespace in place as kube-apiserver does.
 */
function checkPatchedIdentity(current: Readonly<Record<string, unknown>>, patched: JsonObject, kind: GroupVersionKindRef): void {
  const currentMeta = current.metadata as JsonValue | undefined;
  const name = stringField(currentMeta, 'name');
  const namespace = stringField(currentMeta, 'namespace');
  const meta = patched.metadata;

  const patchedNamespace = stringField(meta, 'namespace');
  if (patchedNamespace !== namespace && isJsonObject(meta)) {
    if (patchedNamespace === '') meta.namespace = namespace;
    else if (namespace === '') delete meta.namespace;
    else throw new PatchNamespaceMismatchError();
  }

  const patchedName = stringField(meta, 'name');
  if (patchedName !== name) throw new PatchNameMismatchError(patchedName, name);

  const uid = stringField(currentMeta, 'uid');
  const patchedUid = stringField(meta, 'uid');
  if (patchedUid === '' && isJsonObject(meta) && uid !== '') {
    meta.uid = uid;
  } else if (patchedUid !== uid) {
    const qualifiedKind = kind.group === '' ? kind.kind : `${kind.kind}.${kind.group}`;
    throw new PatchInvalidError(qualifiedKind, name, kind.group, kind.kind, [
      FieldError.invalid(FieldPath.root('metadata', 'uid'), patchedUid, FIELD_IMMUTABLE_ERROR_MSG),
    ]);
  }
}
