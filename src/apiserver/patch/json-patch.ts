/**
 * JSON patch (`application/json-patch+json`, RFC 6902) with kube-apiserver's semantics, which are those of
 * gopkg.in/evanphx/json-patch.v4 rather than the letter of the RFC:
 * - `replace` of a missing object member adds it; `test` of a missing member against `null` passes;
 * - negative array indices count from the end; `add` without `value` adds `null`;
 * - a `copy` from a missing member copies `null`;
 * - the whole document can be replaced (`path: ""`) only by `replace`, and only with an object or array.
 *
 * Every operation is resolved here first, so that a failing one reports json-patch.v4's explanation (kept in
 * JsonPatchApplyError.detail; the Status carries kube-apiserver's generic 422 message); the resolved
 * operation, with canonical pointers, is then applied by fast-json-patch.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { JsonPatchApplyError, JsonPatchTooManyOperationsError, MAX_JSON_PATCH_OPERATIONS, PatchDecodeError } from './errors.js';
import { type JsonObject, type JsonValue, cloneJson, isJsonObject, unmarshalTypeMessage } from './go-json.js';

/** decodeJsonPatch checks a decoded body is a list of operations (jsonpatch.DecodePatch); `null` is no operations. */
export function decodeJsonPatch(body: JsonValue): (JsonObject | null)[] {
  if (body === null) return [];
  if (!Array.isArray(body)) throw new PatchDecodeError(unmarshalTypeMessage(body, 'jsonpatch.Patch'));
  for (const op of body) {
    if (op !== null && !isJsonObject(op)) throw new PatchDecodeError(unmarshalTypeMessage(op, 'jsonpatch.Operation'));
  }
  if (body.length > MAX_JSON_PATCH_OPERATIONS) throw new JsonPatchTooManyOperationsError(body.length);
  return body as (JsonObject | null)[];
}

/**
 * applyJsonPatch applies the operations to doc in order and returns the result (doc itself, mutated, unless
 * the whole document was replaced). The first operation that does not apply throws JsonPatchApplyError.
 */
export function applyJsonPatch(doc: JsonValue, ops: readonly (JsonObject | null)[]): JsonValue {
  let current = doc;
  ops.forEach((op, index) => {
    try {
      current = applyOperation(current, op ?? {});
    } catch (err) {
      if (err instanceof OperationFailed) throw new JsonPatchApplyError(index, err.message);
      // fast-json-patch refuses `__proto__` and `constructor/prototype` paths with a TypeError.
      if (err instanceof TypeError) throw new JsonPatchApplyError(index, err.message, { cause: err });
      throw err;
    }
  });
  return current;
}

class OperationFailed extends Error {}

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';

/** Target is the object or array a path's last token addresses, and that token. */
interface Target {
  readonly container: JsonObject | JsonValue[];
  /** pointer is the canonical JSON pointer of the container. */
  readonly pointer: string;
  readonly key: string;
}

function escapeToken(t: string): string {
  return t.replaceAll('~', '~0').replaceAll('/', '~1');
}

function decodeToken(t: string): string {
  return t.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** atoi is Go's strconv.Atoi for the strings a pointer token can be, with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new OperationFailed(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new OperationFailed(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** arrayIndex resolves an index for get/set/remove: negative counts from the end; it must name an element. */
function arrayIndex(arr: readonly JsonValue[], key: string): number {
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -arr.length) throw new OperationFailed(`Unable to access invalid index: ${idx}: ${INVALID_INDEX}`);
    idx += arr.length;
  }
  if (idx >= arr.length) throw new OperationFailed(`Unable to access invalid index: ${idx}: ${INVALID_INDEX}`);
  return idx;
}

/** findObject walks all tokens but the last; undefined when any step is missing or not a container. */
function findObject(doc: JsonValue, path: string): Target | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let node: JsonValue = doc;
  let pointer = '';
  for (const raw of split.slice(1, -1)) {
    const token = decodeToken(raw);
    let next: JsonValue | undefined;
    if (Array.isArray(node)) {
      try {
        const i = arrayIndex(node, token);
        next = node[i];
        pointer += `/${i}`;
      } catch (err) {
        if (err instanceof OperationFailed) return undefined;
        throw err;
      }
    } else if (isJsonObject(node)) {
      next = Object.hasOwn(node, token) ? node[token] : undefined;
      pointer += `/${escapeToken(token)}`;
    }
    if (next === undefined || next === null || (typeof next !== 'object')) return undefined;
    node = next;
  }
  if (!Array.isArray(node) && !isJsonObject(node)) return undefined;
  return { container: node, pointer, key: decodeToken(split[split.length - 1]!) };
}

/** stringField reads a string member of an operation, with json-patch.v4's error when it is absent or not a string. */
function stringField(op: JsonObject, name: 'path' | 'from'): { value?: string; error?: string } {
  const v = op[name];
  if (v === undefined || v === null) {
    return { error: name === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}` };
  }
  if (typeof v !== 'string') return { error: unmarshalTypeMessage(v, 'string') };
  return { value: v };
}

function valueOf(op: JsonObject): JsonValue {
  return Object.hasOwn(op, 'value') ? op.value! : null;
}

function apply(doc: JsonValue, operation: Operation): JsonValue {
  return fastJsonPatch.applyOperation(doc, operation, false, true).newDocument as JsonValue;
}

/** getAt reads key of a container: a missing object member is undefined; a bad array index throws. */
function getAt(t: Target): JsonValue | undefined {
  if (Array.isArray(t.container)) return t.container[arrayIndex(t.container, t.key)];
  return Object.hasOwn(t.container, t.key) ? t.container[t.key] : undefined;
}

/** addAt adds value at key (json-patch.v4 container.add) and returns the new document. */
function addAt(doc: JsonValue, t: Target, value: JsonValue): JsonValue {
  let token: string;
  if (Array.isArray(t.container)) {
    if (t.key === '-') {
      token = '-';
    } else {
      let idx: number;
      try {
        idx = atoi(t.key);
      } catch (err) {
        throw new OperationFailed(`value was not a proper array index: '${t.key}': ${(err as Error).message}`);
      }
      const size = t.container.length + 1;
      if (idx >= size || idx < -size) throw new OperationFailed(`Unable to access invalid index: ${idx}: ${INVALID_INDEX}`);
      if (idx < 0) idx += size;
      token = String(idx);
    }
  } else {
    token = escapeToken(t.key);
  }
  return apply(doc, { op: 'add', path: `${t.pointer}/${token}`, value: cloneJson(value) });
}

/** removeAt removes key (json-patch.v4 container.remove) and returns the removed value. */
function removeAt(doc: JsonValue, t: Target): JsonValue {
  let token: string;
  let removed: JsonValue;
  if (Array.isArray(t.container)) {
    const idx = arrayIndex(t.container, t.key);
    token = String(idx);
    removed = t.container[idx]!;
  } else {
    if (!Object.hasOwn(t.container, t.key)) throw new OperationFailed(`Unable to remove nonexistent key: ${t.key}: ${MISSING}`);
    token = escapeToken(t.key);
    removed = t.container[t.key]!;
  }
  apply(doc, { op: 'remove', path: `${t.pointer}/${token}` });
  return removed;
}

function wrap(prefix: string, fn: () => JsonValue): JsonValue {
  try {
    return fn();
  } catch (err) {
    if (err instanceof OperationFailed) throw new OperationFailed(`${prefix}${err.message}`);
    throw err;
  }
}

function applyOperation(doc: JsonValue, op: JsonObject): JsonValue {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add': {
      const { value: path } = stringField(op, 'path');
      if (path === undefined) throw new OperationFailed(`add operation failed to decode path: ${MISSING}`);
      const t = findObject(doc, path);
      if (t === undefined) throw new OperationFailed(`add operation does not apply: doc is missing path: "${path}": ${MISSING}`);
      return wrap(`error in add for path: '${path}': `, () => addAt(doc, t, valueOf(op)));
    }
    case 'remove': {
      const { value: path } = stringField(op, 'path');
      if (path === undefined) throw new OperationFailed(`remove operation failed to decode path: ${MISSING}`);
      const t = findObject(doc, path);
      if (t === undefined) throw new OperationFailed(`remove operation does not apply: doc is missing path: "${path}": ${MISSING}`);
      wrap(`error in remove for path: '${path}': `, () => removeAt(doc, t));
      return doc;
    }
    case 'replace': {
      const { value: path, error } = stringField(op, 'path');
      if (path === undefined) throw new OperationFailed(`replace operation failed to decode path: ${error}`);
      if (path === '') {
        const v = valueOf(op);
        if (!Array.isArray(v) && !isJsonObject(v)) {
          throw new OperationFailed('replace operation value must be object or array: %!w(<nil>)');
        }
        return cloneJson(v);
      }
      const t = findObject(doc, path);
      if (t === undefined) throw new OperationFailed(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
      let token: string;
      if (Array.isArray(t.container)) {
        try {
          token = String(arrayIndex(t.container, t.key));
        } catch (err) {
          if (err instanceof OperationFailed) {
            throw new OperationFailed(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
          }
          throw err;
        }
      } else {
        token = escapeToken(t.key);
      }
      // json-patch.v4 sets a missing object member instead of failing.
      const opName = Array.isArray(t.container) || Object.hasOwn(t.container, t.key) ? 'replace' : 'add';
      return apply(doc, { op: opName, path: `${t.pointer}/${token}`, value: cloneJson(valueOf(op)) });
    }
    case 'move': {
      const { value: from, error: fromError } = stringField(op, 'from');
      if (from === undefined) throw new OperationFailed(`move operation failed to decode from: ${fromError}`);
      const src = findObject(doc, from);
      if (src === undefined) throw new OperationFailed(`move operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
      const moved = wrap(`error in move for path: '${src.key}': `, () => {
        getAt(src);
        return removeAt(doc, src);
      });
      const { value: path, error } = stringField(op, 'path');
      if (path === undefined) throw new OperationFailed(`move operation failed to decode path: ${error}`);
      const dst = findObject(doc, path);
      if (dst === undefined) {
        throw new OperationFailed(`move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
      }
      return wrap(`error in move for path: '${path}': `, () => addAt(doc, dst, moved));
    }
    case 'copy': {
      const { value: from, error: fromError } = stringField(op, 'from');
      if (from === undefined) throw new OperationFailed(`copy operation failed to decode from: ${fromError}`);
      const src = findObject(doc, from);
      if (src === undefined) throw new OperationFailed(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
      const copied = wrap(`error in copy for from: '${from}': `, () => getAt(src) ?? null);
      const { value: path } = stringField(op, 'path');
      if (path === undefined) throw new OperationFailed(`copy operation failed to decode path: ${MISSING}`);
      const dst = findObject(doc, path);
      if (dst === undefined) {
        throw new OperationFailed(`copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
      }
      return wrap('error while adding value during copy: ', () => addAt(doc, dst, copied));
    }
    case 'test': {
      const { value: path, error } = stringField(op, 'path');
      if (path === undefined) throw new OperationFailed(`test operation failed to decode path: ${error}`);
      const failed = new OperationFailed(`testing value ${path} failed: test failed`);
      if (path === '') {
        if (Object.hasOwn(op, 'value') && fastJsonPatch._areEquals(doc, op.value)) return doc;
        throw failed;
      }
      const t = findObject(doc, path);
      if (t === undefined) throw new OperationFailed(`test operation does not apply: is missing path: ${path}: ${MISSING}`);
      const actual = wrap(`error in test for path: '${path}': `, () => getAt(t) ?? null);
      const hasValue = Object.hasOwn(op, 'value');
      if (actual === null) {
        if (!hasValue || op.value === null) return doc;
        throw failed;
      }
      if (!hasValue || !fastJsonPatch._areEquals(actual, op.value)) throw failed;
      return doc;
    }
    default:
      throw new OperationFailed(`Unexpected kind: ${kind}`);
  }
}
