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

/** A container open while scanning JSON text: an object (with the keys seen so far) or an array. */
interface Frame {
  readonly up: Frame | undefined;
  /** name is the container's key in its parent object, or its index in its parent array. */
  readonly name: string | number | undefined;
  readonly keys: Set<string> | undefined;
  index: number;
  lastKey: string;
}

function framePath(frame: Frame, key: string): string {
  const parts: string[] = [`.${key}`];
  for (let f: Frame | undefined = frame; f !== undefined && f.name !== undefined; f = f.up) parts.push(typeof f.name === 'number' ? `[${f.name}]` : `.${f.name}`);
  return parts.reverse().join('').replace(/^\./, '');
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * repeatedJsonKeys scans JSON text (already known to parse) for keys written twice in one object and returns
 * each repeat, in document order, at most limit of them (a key written three times repeats once).
 */
export function repeatedJsonKeys(text: string, limit: number): RepeatedKey[] {
  const repeats: RepeatedKey[] = [];
  const reported = new Set<string>();
  let top: Frame | undefined;
  // prev is the last structural character outside strings: a string after `{` or `,` in an object is a key.
  let prev = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x7b /* { */:
      case 0x5b /* [ */: {
        const name = top === undefined ? undefined : top.keys !== undefined ? top.lastKey : top.index;
        top = { up: top, name, keys: c === 0x7b ? new Set() : undefined, index: 0, lastKey: '' };
        prev = c;
        break;
      }
      case 0x7d /* } */:
      case 0x5d /* ] */:
        top = top?.up;
        prev = c;
        break;
      case 0x2c /* , */:
        if (top !== undefined && top.keys === undefined) top.index++;
        prev = c;
        break;
      case 0x3a /* : */:
        prev = c;
        break;
      case QUOTE: {
        let end = text.indexOf('"', i + 1);
        while (end !== -1) {
          let backslashes = 0;
          while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
          if (backslashes % 2 === 0) break;
          end = text.indexOf('"', end + 1);
        }
        if (end === -1) return repeats; // not JSON after all: the parse has already said so
        if (top?.keys !== undefined && (prev === 0x7b || prev === 0x2c)) {
          const raw = text.slice(i + 1, end);
          const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
          if (!top.keys.has(key)) top.keys.add(key);
          else {
            const path = framePath(top, key);
            if (!reported.has(path)) {
              reported.add(path);
              repeats.push({ path });
              if (repeats.length >= limit) return repeats;
            }
          }
          top.lastKey = key;
        }
        prev = QUOTE;
        i = end;
        break;
      }
      default:
        break;
    }
  }
  return repeats;
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
