/**
 * JSON merge patch (`application/merge-patch+json`, RFC 7386), applied by json-merge-patch, with the edges of
 * kube-apiserver's implementation (jsonpatch.MergePatch of gopkg.in/evanphx/json-patch.v4):
 * - a body that is not JSON, or is `null` or a scalar, is `Invalid JSON Patch` (400);
 * - an array body replaces the whole document (which then fails to decode as an object: see apply-patch.ts);
 * - arrays taken from the patch lose their `null` elements and members, as json-patch's pruneNulls does.
 */
import mergePatch from 'json-merge-patch';
import { MergePatchMalformedError } from './errors.js';
import { type JsonObject, type JsonValue, goJsonSyntaxError, isJsonObject } from './go-json.js';

/** decodeMergePatch parses a merge patch body: an object or an array; anything else is MergePatchMalformedError. */
export function decodeMergePatch(body: string): JsonObject | JsonValue[] {
  if (goJsonSyntaxError(body) !== undefined) throw new MergePatchMalformedError();
  const v = JSON.parse(body, (key, value: JsonValue) => (key === '__proto__' ? undefined : value)) as JsonValue;
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

/** pruneArrayNulls prunes the arrays inside a merge patch; `null` object members stay, they delete keys. */
function pruneArrayNulls(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return pruneNulls(v);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = pruneArrayNulls(x);
  return out;
}

/** applyMergePatch applies patch to doc and returns the result; doc is not modified. */
export function applyMergePatch(doc: JsonObject, patch: JsonObject | JsonValue[]): JsonValue {
  return mergePatch.apply(doc, pruneArrayNulls(patch)) as JsonValue;
}
