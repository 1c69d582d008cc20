/**
 * Strategic merge patch (`application/strategic-merge-patch+json`): the server side of
 * k8s.io/apimachinery/pkg/util/strategicpatch (StrategicMergeMapPatch with MergeParallelList and
 * IgnoreUnmatchedNulls), driven by the patch metadata table of ./patch-meta.ts instead of Go struct tags.
 *
 * The model, as in Kubernetes:
 * - maps merge key by key; `null` deletes a key; a field tagged `replace`, or a map carrying `$patch: replace`,
 *   is replaced whole; `$patch: delete` empties a map;
 * - lists tagged `merge` merge: lists of objects by their merge key (elements with `$patch: delete` remove the
 *   matching entries, an element `{$patch: replace}` replaces the list with the rest of the patch list), lists
 *   of scalars as sets (`$deleteFromPrimitiveList/<field>` removes values); any other list is replaced;
 * - `$setElementOrder/<field>` fixes the order of a merged list: patch order first, then the live order for
 *   entries the patch does not mention;
 * - `$retainKeys` lists the keys a map keeps; every other key of the live map is cleared.
 *
 * Errors follow kube-apiserver's classification (interpretStrategicMergePatchError): malformed directives
 * answer 400, lists of lists 422, and everything the Go code reports with a plain error (missing merge key,
 * unknown directive, mixed element types) 500 with the Go message.
 *
 * Values copied in from the patch (new keys, appended list entries, replaced maps and lists) are cleaned of
 * `null` map entries and directive keys: kube-apiserver decodes the merged map into a typed object, which drops
 * both. Two Go quirks are not reproduced: a `$deleteFromPrimitiveList` for a list the object does not have is a
 * no-op (Go would store the deletion list as the list), and a merge list the object does not have yet still
 * loses its directive elements. The functions mutate `original`; callers pass a copy.
 */
import {
  StrategicPatchFormatError,
  StrategicPatchMergeError,
  StrategicPatchUnprocessableError,
} from './errors.js';
import { type JsonObject, type JsonValue, goEqual, goS, goTypeName, goV, isJsonObject } from './go-json.js';
import { type PatchMeta, type PatchSchema, lookupPatchMeta } from './patch-meta.js';

const DIRECTIVE_MARKER = '$patch';
const DELETE_DIRECTIVE = 'delete';
const REPLACE_DIRECTIVE = 'replace';
const MERGE_DIRECTIVE = 'merge';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

/** ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST is mergepatch.ErrBadPatchFormatForPrimitiveList's message. */
export const ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
/** ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS is mergepatch.ErrBadPatchFormatForRetainKeys's message. */
export const ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS = 'invalid patch format of retainKeys';
/** ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST is mergepatch.ErrBadPatchFormatForSetElementOrderList's message. */
export const ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST = 'invalid patch format of setElementOrder list';
/** ERR_NO_LIST_OF_LISTS is mergepatch.ErrNoListOfLists's message. */
export const ERR_NO_LIST_OF_LISTS = 'lists of lists are not supported';

const MAP_TYPE = 'map[string]interface {}';
const SLICE_TYPE = '[]interface {}';

/**
 * strategicMergePatch applies patch to original (both decoded JSON objects) under schema and returns the
 * merged object. original and patch are mutated: pass copies.
 */
export function strategicMergePatch(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): JsonObject {
  return mergeMap(original, patch, schema);
}

// ------------------------------------------------------------------------------------------- errors

function errNoMergeKey(m: JsonObject, mergeKey: string): StrategicPatchMergeError {
  return new StrategicPatchMergeError(`map: ${goV(m)} does not contain declared merge key: ${mergeKey}`);
}

function errBadArgType(expected: string, actual: JsonValue | undefined): StrategicPatchMergeError {
  const actualType = actual === null || actual === undefined ? '%!s(<nil>)' : goTypeName(actual);
  return new StrategicPatchMergeError(`expected a ${expected}, but received a ${actualType}`);
}

function errBadPatchType(directive: JsonValue | undefined, m: JsonObject): StrategicPatchMergeError {
  return new StrategicPatchMergeError(`unknown patch type: ${goS(directive)} in map: ${goV(m)}`);
}

// ------------------------------------------------------------------------------------------- helpers

const hasOwn = (o: JsonObject, k: string): boolean => Object.hasOwn(o, k);

function isDirectiveKey(k: string): boolean {
  return (
    k === DIRECTIVE_MARKER ||
    k === RETAIN_KEYS_DIRECTIVE ||
    k.startsWith(`${SET_ELEMENT_ORDER_PREFIX}/`) ||
    k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST_PREFIX}/`)
  );
}

/** clean drops `null` map entries, directive keys and directive list elements from a value taken from a patch. */
function clean(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.filter((e) => !(isJsonObject(e) && hasOwn(e, DIRECTIVE_MARKER))).map(clean);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || isDirectiveKey(k)) continue;
    out[k] = clean(x);
  }
  return out;
}

/** extractKey strips `<prefix>/` from a parallel-list key, or throws the format error of that directive. */
function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    throw new StrategicPatchFormatError(
      prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX ? ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST : ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST,
    );
  }
  return s.slice(slash + 1);
}

/** sliceElementType is the Go type shared by every element of the slices; they must agree and not be lists. */
function sliceElementType(...slices: readonly JsonValue[][]): string {
  let prev: string | undefined;
  for (const s of slices) {
    for (const v of s) {
      const t = goTypeName(v);
      if (prev === undefined) {
        prev = t;
        if (t === SLICE_TYPE) throw new StrategicPatchUnprocessableError(ERR_NO_LIST_OF_LISTS);
      } else if (prev !== t) {
        throw new StrategicPatchMergeError(`list element types are not identical: ${goV(slices as JsonValue[])}`);
      }
    }
  }
  if (prev === undefined) throw new StrategicPatchMergeError('no elements in any of the given slices');
  return prev;
}

function asMap(v: JsonValue): JsonObject {
  if (!isJsonObject(v)) throw errBadArgType(MAP_TYPE, v);
  return v;
}

function mergeKeyValue(v: JsonValue, mergeKey: string): JsonValue {
  const m = asMap(v);
  if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
  return m[mergeKey]!;
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (mergeKey.length === 0) return goEqual(left, right);
  return goEqual(mergeKeyValue(left, mergeKey), mergeKeyValue(right, mergeKey));
}

/** findByMergeKey is the index of the first map in list[0, len) whose merge key equals value, or -1. */
function findByMergeKey(list: readonly JsonValue[], mergeKey: string, value: JsonValue, len = list.length): number {
  for (let i = 0; i < len; i++) {
    const m = list[i]!;
    if (!isJsonObject(m)) throw new StrategicPatchMergeError(`value for key ${i} is not a map.`);
    if (hasOwn(m, mergeKey) && goEqual(m[mergeKey], value)) return i;
  }
  return -1;
}

// ------------------------------------------------------------------------------------------- maps

function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): JsonObject {
  if (hasOwn(patch, DIRECTIVE_MARKER)) return handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER], patch);

  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, schema);

  for (const [key, patchV] of Object.entries(patch)) {
    let k = key;
    let isDeleteList = false;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
      k = extractKey(key, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete original[k];
      continue;
    }
    if (isDeleteList) {
      if (!Array.isArray(patchV)) throw new StrategicPatchFormatError(ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST);
      if (!hasOwn(original, k) || !Array.isArray(original[k])) continue;
    }
    if (!hasOwn(original, k)) {
      original[k] = clean(patchV);
      continue;
    }
    const originalV = original[k]!;
    if (goTypeName(originalV) !== goTypeName(patchV)) {
      original[k] = clean(patchV);
      continue;
    }
    const meta = lookupPatchMeta(schema, k);
    if (isJsonObject(originalV)) {
      original[k] = meta.strategy === REPLACE_DIRECTIVE ? clean(patchV) : mergeMap(originalV, patchV as JsonObject, meta.fields);
    } else if (Array.isArray(originalV)) {
      original[k] = mergeSliceHandler(originalV, patchV as JsonValue[], meta, isDeleteList);
    } else {
      original[k] = patchV;
    }
  }
  return original;
}

function handleDirectiveInMergeMap(directive: JsonValue | undefined, patch: JsonObject): JsonObject {
  if (directive === REPLACE_DIRECTIVE) return clean(patch) as JsonObject;
  if (directive === DELETE_DIRECTIVE) return {};
  throw errBadPatchType(directive, patch);
}

/**
 * applyRetainKeysDirective clears the keys of original that `$retainKeys` does not list, after checking that
 * the patch sets no key outside the list.
 */
function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retainKeys = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retainKeys)) throw new StrategicPatchFormatError(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
  const keep = new Set(retainKeys.filter((k): k is string => typeof k === 'string'));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!keep.has(k)) throw new StrategicPatchFormatError(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) {
    if (!keep.has(k)) delete original[k];
  }
}

/**
 * mergePatchIntoOriginal handles every `$setElementOrder/<field>` of patch together with the patch list of that
 * field: merge the lists, then order the result — the order list first, server-only entries interleaved at
 * their live positions. Both keys leave the patch.
 */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const setOrder = patch[key]!;
    delete patch[key];
    if (!Array.isArray(setOrder)) throw errBadArgType(SLICE_TYPE, setOrder);
    const field = extractKey(key, SET_ELEMENT_ORDER_PREFIX);

    const foundOriginal = hasOwn(original, field);
    const foundPatch = hasOwn(patch, field);
    let originalList: JsonValue[] = [];
    let patchList: JsonValue[] = [];
    if (foundOriginal) {
      const v = original[field]!;
      if (!Array.isArray(v)) throw errBadArgType(SLICE_TYPE, v);
      originalList = v;
    }
    if (foundPatch) {
      const v = patch[field]!;
      if (!Array.isArray(v)) throw errBadArgType(SLICE_TYPE, v);
      patchList = v;
    }
    const meta = lookupPatchMeta(schema, field);
    const mergeKey = meta.mergeKey ?? '';
    validatePatchWithSetOrderList(patchList, setOrder, mergeKey);

    let merged: JsonValue[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = clean(patchList) as JsonValue[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, meta, false);
    else continue;

    const [patchItems, serverOnly] =
      mergeKey.length === 0 ? partitionPrimitives(merged, setOrder) : partitionMaps(merged, setOrder, mergeKey);
    const elementType = sliceElementType(originalList, patchList);
    original[field] = normalizeElementOrder(patchItems, serverOnly, setOrder, originalList, mergeKey, elementType);
    delete patch[field];
  }
}

/**
 * validatePatchWithSetOrderList checks that the patch list (deletions aside) is a subsequence of the
 * `$setElementOrder` list.
 */
function validatePatchWithSetOrderList(patchList: JsonValue[], setOrder: JsonValue[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey.length > 0 ? extractToDeleteItems(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrder.length) {
    const item = nonDelete[p]!;
    if (isJsonObject(item) && hasOwn(item, DIRECTIVE_MARKER)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrder[s]!, mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrder.length) {
    throw new StrategicPatchMergeError(
      `The order in patch list:\n${goV(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goV(setOrder)}\n`,
    );
  }
}

// ------------------------------------------------------------------------------------------- lists

function mergeSliceHandler(original: JsonValue[], patch: JsonValue[], meta: PatchMeta, isDeleteList: boolean): JsonValue[] {
  if (meta.strategy === MERGE_DIRECTIVE) return mergeSlice(original, patch, meta, isDeleteList);
  return clean(patch) as JsonValue[];
}

function mergeSlice(original: JsonValue[], patch: JsonValue[], meta: PatchMeta, isDeleteList: boolean): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const elementType = sliceElementType(original, patch);
  const mergeKey = meta.mergeKey ?? '';

  let merged: JsonValue[];
  let live = original;
  let patchItems = patch;
  if (elementType !== MAP_TYPE) {
    if (isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey.length === 0) {
      throw new StrategicPatchMergeError(`cannot merge lists without merge key for type ${meta.fields === undefined ? 'string' : 'struct'}`);
    }
    const special = mergeSliceWithSpecialElements(original, patch, mergeKey);
    live = special.live;
    patchItems = special.plain;
    merged = mergeSliceWithoutSpecialElements(special.backing, live.length, patchItems, mergeKey, meta.fields);
  }

  const [inPatch, serverOnly] =
    mergeKey.length === 0 ? partitionPrimitives(merged, patchItems) : partitionMaps(merged, patchItems, mergeKey);
  return normalizeElementOrder(inPatch, serverOnly, patchItems, live, mergeKey, elementType);
}

/**
 * SpecialElementsResult is the outcome of applying a patch list's directive elements: the live list to merge
 * into, the patch list without directive elements, and the array later appends may fill (see below).
 */
interface SpecialElementsResult {
  readonly live: JsonValue[];
  readonly plain: JsonValue[];
  readonly backing: JsonValue[];
}

/*
 * Go's slices share their backing array, and strategicpatch's results depend on it: deleting entries shifts
 * the live list left inside the original array, appending new entries fills the capacity that freed, and
 * mergePatchIntoOriginal then reads that same array as "the live order" when it interleaves server-only
 * entries with the `$setElementOrder` list. kube-apiserver's lists have no spare capacity beyond their
 * length, so the array is emulated as exactly that: `original` is shifted and filled in place, never resized.
 */

/**
 * mergeSliceWithSpecialElements applies the directive elements of a patch list: `$patch: delete` removes every
 * live entry with that merge key, `$patch: replace` makes the rest of the patch list the new list.
 */
function mergeSliceWithSpecialElements(original: JsonValue[], patch: JsonValue[], mergeKey: string): SpecialElementsResult {
  const plain: JsonValue[] = [];
  let len = original.length;
  let replace = false;
  for (const v of patch) {
    const m = v as JsonObject;
    if (!hasOwn(m, DIRECTIVE_MARKER)) {
      plain.push(v);
      continue;
    }
    const directive = m[DIRECTIVE_MARKER];
    if (directive === DELETE_DIRECTIVE) {
      if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
      for (;;) {
        const i = findByMergeKey(original, mergeKey, m[mergeKey]!, len);
        if (i < 0) break;
        original.copyWithin(i, i + 1, len);
        len--;
      }
    } else if (directive === REPLACE_DIRECTIVE) {
      replace = true;
    } else if (directive === MERGE_DIRECTIVE) {
      throw new StrategicPatchMergeError('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, m);
    }
  }
  if (replace) {
    const live = clean(plain) as JsonValue[];
    return { live, plain: [], backing: [...live] };
  }
  return { live: original.slice(0, len), plain, backing: original };
}

/**
 * mergeSliceWithoutSpecialElements merges each patch entry into the live entry with its merge key, or
 * appends it. backing[0, len) is the live list; appends fill backing past len while it has room.
 */
function mergeSliceWithoutSpecialElements(
  backing: JsonValue[],
  len: number,
  patch: JsonValue[],
  mergeKey: string,
  fields: PatchSchema | undefined,
): JsonValue[] {
  let out = backing;
  let n = len;
  let shared = true;
  for (const v of patch) {
    const m = v as JsonObject;
    if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
    const i = findByMergeKey(out, mergeKey, m[mergeKey]!, n);
    if (i >= 0) {
      out[i] = mergeMap(out[i] as JsonObject, m, fields);
      continue;
    }
    if (shared && n >= out.length) {
      out = out.slice(0, n);
      shared = false;
    }
    out[n++] = clean(m);
  }
  return out.slice(0, n);
}

function deleteFromSlice(current: JsonValue[], toDelete: JsonValue[]): JsonValue[] {
  return current.filter((v) => !toDelete.some((d) => goEqual(d, v)));
}

function deduplicateScalars(s: JsonValue[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const v of s) if (!out.some((o) => goEqual(o, v))) out.push(v);
  return out;
}

function extractToDeleteItems(list: JsonValue[]): [JsonValue[], JsonValue[]] {
  const keep: JsonValue[] = [];
  const toDelete: JsonValue[] = [];
  for (const v of list) {
    const m = asMap(v);
    if (hasOwn(m, DIRECTIVE_MARKER) && m[DIRECTIVE_MARKER] === DELETE_DIRECTIVE) toDelete.push(v);
    else keep.push(v);
  }
  return [keep, toDelete];
}

function partitionPrimitives(list: JsonValue[], by: JsonValue[]): [JsonValue[], JsonValue[]] {
  const inBy: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const v of list) (by.some((b) => goEqual(b, v)) ? inBy : rest).push(v);
  return [inBy, rest];
}

function partitionMaps(list: JsonValue[], by: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const inBy: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const v of list) {
    const key = mergeKeyValue(v, mergeKey);
    (findByMergeKey(by, mergeKey, key) >= 0 ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

// ------------------------------------------------------------------------------------------- order

/**
 * Positions maps items to their first position in a list, comparing merge key values for lists of maps and
 * the items themselves otherwise, with Go's `==` on interface values (same type, same value).
 */
class Positions {
  private readonly at = new Map<string, number>();

  constructor(
    list: readonly JsonValue[],
    private readonly mergeKey: string,
    private readonly elementType: string,
  ) {
    list.forEach((v, i) => {
      const k = this.keyOf(v);
      if (k !== undefined && !this.at.has(k)) this.at.set(k, i);
    });
  }

  /** of returns the position of item, or -1. */
  of(item: JsonValue): number {
    const k = this.keyOf(item);
    return k === undefined ? -1 : (this.at.get(k) ?? -1);
  }

  private keyOf(item: JsonValue): string | undefined {
    const v = this.elementType === MAP_TYPE ? (isJsonObject(item) ? item[this.mergeKey] : undefined) : item;
    if (v === undefined || v === null) return '<nil>';
    if (typeof v === 'object') return undefined; // maps and slices never compare equal
    return `${goTypeName(v)}:${String(v)}`;
  }
}

/**
 * normalizeSliceOrder sorts toSort (stably) by the positions of its items in order; `$patch: delete` items of
 * a list of maps go last.
 */
function normalizeSliceOrder(toSort: JsonValue[], order: JsonValue[], mergeKey: string, elementType: string): JsonValue[] {
  let items = toSort;
  let toDelete: JsonValue[] = [];
  if (elementType === MAP_TYPE) {
    for (const v of [...toSort, ...order]) mergeKeyValue(v, mergeKey);
    [items, toDelete] = extractToDeleteItems(toSort);
  }
  const positions = new Positions(order, mergeKey, elementType);
  const ranked = items.map((v) => ({ v, at: positions.of(v) }));
  ranked.sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : 0));
  return [...ranked.map((r) => r.v), ...toDelete];
}

/**
 * normalizeElementOrder orders the patch's items by patchOrder and the server-only items by serverOrder, then
 * interleaves them (mergeSortedSlice): each server-only item goes before the first patch item that the live
 * list places after it.
 */
function normalizeElementOrder(
  patchItems: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  elementType: string,
): JsonValue[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey, elementType);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, elementType);
  const positions = new Positions(serverOrder, mergeKey, elementType);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = positions.of(left[i]!);
      const ri = positions.of(right[j]!);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}
