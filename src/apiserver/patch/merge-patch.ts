/**
 * JSON merge patch (`application/merge-patch+json`, RFC 7386) with the edges of kube-apiserver's
 * implementation (jsonpatch.MergePatch of gopkg.in/evanphx/json-patch.v4):
 * - a body that is not JSON, or is `null` or a scalar, is `Invalid JSON Patch` (400);
 * - an array body replaces the whole document (which then fails to decode as an object: see apply-patch.ts);
 * - arrays taken from the patch lose their `null` elements and members, as json-patch's pruneNulls does.
 *
 * The merge is written out here rather than taken from the json-merge-patch package: that package stops at
 * the first key named `constructor` or `prototype` and silently drops the rest of the patch, and both are
 * valid label, annotation and ConfigMap keys.
 */
import { MergePatchMalformedError } from './errors.js';
import { type JsonObject, type JsonValue, isJsonObject, parseJsonBody } from './go-json.js';

/** decodeMergePatch parses a merge patch body: an object or an array; anything else is MergePatchMalformedError. */
export function decodeMergePatch(body: string): JsonObject | JsonValue[] {
  let v: JsonValue;
  try {
    v = parseJsonBody(body);
  } catch (err) {
    throw new MergePatchMalformedError({ cause: err });
  }
  if (!isJsonObject(v) && !Array.isArray(v)) throw new MergePatchMalformedError();
  return v;
}

/** pruneNulls removes every `null` inside v: array elements and object members (json-patch's pruneNulls). */
function pruneNulls(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.filter((e) => e !== null).map(pruneNulls);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = pruneNulls(x);
  return out;
}

/** mergeValue is RFC 7386 MergePatch(target, patch) for a patch value that is not null. */
function mergeValue(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return pruneNulls(patch);
  const out: JsonObject = isJsonObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergeValue(Object.hasOwn(out, k) ? out[k] : undefined, v);
  }
  return out;
}

/** applyMergePatch applies patch to doc and returns the result; doc is modified (pass a copy). */
export function applyMergePatch(doc: JsonObject, patch: JsonObject | JsonValue[]): JsonValue {
  return mergeValue(doc, patch);
}
