/**
 * Keys a request body writes twice in one object. JSON.parse and yaml keep the last value, as kube's decoders
 * do; only the report of the repeats (field validation) needs the text, so these functions read it.
 */
import { parseDocument } from 'yaml';

/** RepeatedKey is one repeat of a key: its path (JSON), or the key and its line (YAML, as yaml words it). */
export interface RepeatedKey {
  /** path is `spec.template.spec.containers[1].image` for JSON; the key alone for YAML. */
  readonly path: string;
  /** line is the line of a YAML repeat. */
  readonly line?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** SMALL_OBJECT is how many keys an object may have before its keys are looked up in a Set, not by a scan. */
const SMALL_OBJECT = 16;

/**
 * repeatedJsonKeys scans JSON text (already known to parse) for keys written twice in one object and returns
 * each repeat, in document order, at most limit of them (a key written three times repeats once).
 *
 * It runs on every JSON write, so it allocates little: the open containers are parallel stacks, and an
 * object's keys sit in one shared list (from `keyStart[depth]`), checked by a scan while the object is small.
 */
export function repeatedJsonKeys(text: string, limit: number): RepeatedKey[] {
  const repeats: RepeatedKey[] = [];
  let reported: Set<string> | undefined;
  // Per open container: whether it is an object, its first key in `keys` (objects) or its item index (arrays),
  // and, for objects with many keys, a Set of them.
  const isObject: boolean[] = [];
  const keyStart: number[] = [];
  const index: number[] = [];
  const bigKeys: (Set<string> | undefined)[] = [];
  const keys: string[] = [];
  // The key or index under which each container sits in its parent, for the path of a repeat.
  const names: (string | number | undefined)[] = [];
  let depth = -1;
  // prev is the last structural character outside strings: a string after `{` or `,` in an object is a key.
  let prev = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && text.charCodeAt(end - 1) === BACKSLASH) {
        let backslashes = 1;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return repeats; // not JSON after all: the parse has already said so
      if (depth >= 0 && isObject[depth] === true && (prev === 0x7b || prev === 0x2c)) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        const start = keyStart[depth]!;
        let seen: boolean;
        const big = bigKeys[depth];
        if (big !== undefined) {
          seen = big.has(key);
          if (!seen) big.add(key);
        } else {
          seen = false;
          for (let k = start; k < keys.length; k++) {
            if (keys[k] === key) {
              seen = true;
              break;
            }
          }
          if (!seen && keys.length - start >= SMALL_OBJECT) bigKeys[depth] = new Set([...keys.slice(start), key]);
        }
        if (seen) {
          const path = pathOf(names, depth, key);
          reported ??= new Set();
          if (!reported.has(path)) {
            reported.add(path);
            repeats.push({ path });
            if (repeats.length >= limit) return repeats;
          }
        }
        keys.push(key);
      }
      prev = QUOTE;
      i = end;
      continue;
    }
    switch (c) {
      case 0x7b /* { */:
      case 0x5b /* [ */: {
        const name = depth < 0 ? undefined : isObject[depth] === true ? keys[keys.length - 1] : index[depth];
        depth++;
        isObject[depth] = c === 0x7b;
        keyStart[depth] = keys.length;
        index[depth] = 0;
        bigKeys[depth] = undefined;
        names[depth] = name;
        prev = c;
        break;
      }
      case 0x7d /* } */:
      case 0x5d /* ] */:
        if (depth >= 0) keys.length = keyStart[depth]!;
        depth--;
        prev = c;
        break;
      case 0x2c /* , */:
        if (depth >= 0 && isObject[depth] !== true) index[depth]!++;
        prev = c;
        break;
      case 0x3a /* : */:
        prev = c;
        break;
      default:
        break;
    }
  }
  return repeats;
}

/** pathOf renders the path of key in the container at depth: `spec.containers[1].image`. */
function pathOf(names: readonly (string | number | undefined)[], depth: number, key: string): string {
  let path = '';
  for (let d = 1; d <= depth; d++) {
    const name = names[d];
    path += typeof name === 'number' ? `[${name}]` : `.${name ?? ''}`;
  }
  return `${path}.${key}`.replace(/^\./, '');
}

/** yamlKeyAt reads the mapping key that starts at offset: plain, 'single' or "double" quoted. */
function yamlKeyAt(text: string, offset: number): string {
  const eol = text.indexOf('\n', offset);
  const rest = text.slice(offset, eol === -1 ? undefined : eol);
  const quoted = /^"((?:[^"\\]|\\.)*)"|^'((?:[^']|'')*)'/.exec(rest);
  if (quoted?.[2] !== undefined) return quoted[2].replaceAll("''", "'");
  if (quoted?.[1] !== undefined) {
    try {
      return JSON.parse(`"${quoted[1]}"`) as string;
    } catch {
      return quoted[1]; // a YAML-only escape (\x41): the key as written
    }
  }
  return /^(.*?)\s*:(?:\s|$)/.exec(rest)?.[1] ?? rest;
}

/**
 * decodeYaml parses a YAML body. A key repeated in one mapping keeps its last value, as kube's YAML decoding
 * does; each repeat is returned with its line (at most limit). Any other YAML error is thrown.
 */
export function decodeYaml<T>(text: string, limit: number): { value: T; repeated: RepeatedKey[] } {
  const doc = parseDocument(text);
  const repeated: RepeatedKey[] = [];
  for (const err of doc.errors) {
    if (err.code !== 'DUPLICATE_KEY') throw err;
    if (repeated.length < limit) repeated.push({ path: yamlKeyAt(text, err.pos[0]), line: err.linePos?.[0].line ?? 0 });
  }
  return { value: doc.toJS() as T, repeated };
}
