/**
 * Go's view of JSON, as far as patch errors show it: encoding/json's syntax and type error messages, the
 * reflect type names of unstructured values (`map[string]interface {}`, `[]interface {}`, `int64` …) and
 * fmt's `%v` of them. kube-apiserver passes these strings to clients unchanged inside Status messages.
 *
 * Numbers follow apimachinery's UnmarshalCaseSensitivePreserveInts: an integral number is an `int64`, any
 * other a `float64`.
 */
import { goQuote } from '../../api/go-format.js';
import { PatchDecodeError } from './errors.js';

/** JsonValue is a decoded JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** JsonObject is a decoded JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** isJsonObject reports whether v is a JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * cloneJson deep-copies a JSON value (several times faster than structuredClone on API objects). Members whose
 * value is undefined and members named `__proto__` are left out, as a JSON round trip through parseJsonBody
 * would.
 */
export function cloneJson(v: unknown): JsonValue {
  if (typeof v !== 'object' || v === null) return v as JsonValue;
  if (Array.isArray(v)) return v.map(cloneJson);
  const out: JsonObject = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined && k !== '__proto__') out[k] = cloneJson(x);
  }
  return out;
}

// ------------------------------------------------------------------------------------------- decoding

/**
 * parseJsonBody decodes a request body. A body that is not JSON throws a PatchDecodeError whose message is
 * the one Go's json.Unmarshal gives for it. Keys named `__proto__` are dropped (Kubernetes types have no such
 * field, and decoding them into a typed object drops them as well).
 */
export function parseJsonBody(text: string): JsonValue {
  try {
    // The reviver costs more than the parse; only bodies that can carry the key need it.
    return text.includes('__proto__')
      ? (JSON.parse(text, (key, value: JsonValue) => (key === '__proto__' ? undefined : value)) as JsonValue)
      : (JSON.parse(text) as JsonValue);
  } catch (err) {
    throw new PatchDecodeError(goJsonSyntaxError(text) ?? (err as Error).message, { cause: err });
  }
}

/**
 * unmarshalTypeMessage is encoding/json's UnmarshalTypeError message for a JSON value decoded into a Go
 * value of type goType, e.g. `json: cannot unmarshal array into Go value of type map[string]interface {}`.
 */
export function unmarshalTypeMessage(v: JsonValue, goType: string): string {
  return `json: cannot unmarshal ${jsonKind(v)} into Go value of type ${goType}`;
}

/** jsonKind is how encoding/json names a JSON value in an UnmarshalTypeError: `string`, `number`, `bool`, `array`, `object`. */
export function jsonKind(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'object':
      return 'object';
    case 'boolean':
      return 'bool';
    default:
      return typeof v;
  }
}

/** quoteChar renders a byte as encoding/json's syntax errors do: `'x'`, `'\''`, `'"'`, `'\n'`. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  return `'${goQuote(c).slice(1, -1)}'`;
}

const whitespace = new Set([' ', '\t', '\n', '\r']);

class SyntaxFault {
  constructor(readonly message: string) {}
}

/**
 * goJsonSyntaxError returns the message Go's encoding/json scanner gives for the first syntax error in text,
 * or undefined when text is one well-formed JSON value.
 */
export function goJsonSyntaxError(text: string): string | undefined {
  let i = 0;
  const eof = (): never => {
    throw new SyntaxFault('unexpected end of JSON input');
  };
  const bad = (context: string): never => {
    throw new SyntaxFault(`invalid character ${quoteChar(text[i]!)} ${context}`);
  };
  const skip = (): void => {
    while (i < text.length && whitespace.has(text[i]!)) i++;
  };
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

  const literal = (word: string): void => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (i >= text.length) eof();
      if (text[i] !== word[k]) bad(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
    }
    i++;
  };
  const number = (): void => {
    if (text[i] === '-') {
      i++;
      if (i >= text.length) eof();
      if (!isDigit(text[i])) bad('in numeric literal');
    }
    if (text[i] === '0') i++;
    else while (isDigit(text[i])) i++;
    if (text[i] === '.') {
      i++;
      if (i >= text.length) eof();
      if (!isDigit(text[i])) bad('after decimal point in numeric literal');
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (i >= text.length) eof();
      if (!isDigit(text[i])) bad('in exponent of numeric literal');
      while (isDigit(text[i])) i++;
    }
  };
  const string = (): void => {
    i++;
    for (;;) {
      if (i >= text.length) eof();
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        if (i >= text.length) eof();
        const e = text[i]!;
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= text.length) eof();
            if (!/[0-9a-fA-F]/.test(text[i]!)) bad('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(e)) {
          bad('in string escape code');
        }
        i++;
        continue;
      }
      if (c < ' ') bad('in string literal');
      i++;
    }
  };
  const value = (): void => {
    skip();
    if (i >= text.length) eof();
    const c = text[i]!;
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || isDigit(c)) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    bad('looking for beginning of value');
  };
  const object = (): void => {
    i++;
    skip();
    if (i >= text.length) eof();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skip();
      if (i >= text.length) eof();
      if (text[i] !== '"') bad('looking for beginning of object key string');
      string();
      skip();
      if (i >= text.length) eof();
      if (text[i] !== ':') bad('after object key');
      i++;
      value();
      skip();
      if (i >= text.length) eof();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      bad('after object key:value pair');
    }
  };
  const array = (): void => {
    i++;
    skip();
    if (i >= text.length) eof();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      value();
      skip();
      if (i >= text.length) eof();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      bad('after array element');
    }
  };

  try {
    value();
    skip();
    if (i < text.length) bad('after top-level value');
    return undefined;
  } catch (err) {
    if (err instanceof SyntaxFault) return err.message;
    throw err;
  }
}

// ------------------------------------------------------------------------------------------- Go types

/** goTypeName is reflect.TypeOf(v).String() for an unstructured value; `<nil>` for null. */
export function goTypeName(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'object':
      return 'map[string]interface {}';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return Number.isInteger(v) ? 'int64' : 'float64';
  }
}

/**
 * goMarshal is encoding/json's Marshal of an unstructured value: object keys sorted (Go's maps), `<`, `>`, `&`,
 * U+2028 and U+2029 escaped as in Go's HTML-safe output.
 */
export function goMarshal(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(goMarshal).join(',')}]`;
  if (typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${goString(k)}:${goMarshal(v[k])}`).join(',')}}`;
  return typeof v === 'string' ? goString(v) : JSON.stringify(v);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c]!);
}

/** goV renders v as fmt's `%v` does for unstructured values: `map[a:1 b:[x y]]`, `<nil>`. */
export function goV(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goV).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goV(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** goS renders v as fmt's `%s` does: strings as they are, anything else as `%!s(type=value)`. */
export function goS(v: JsonValue | undefined): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '%!s(<nil>)';
  return `%!s(${goTypeName(v)}=${goV(v)})`;
}

/**
 * goEqual is Go's `==` on two interface values holding unstructured scalars: same type and same value.
 * Maps and slices never compare equal (Go would panic; no well-formed patch reaches that).
 */
export function goEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof a === 'object' && a !== null) return false;
  return a === b && goTypeName(a) === goTypeName(b);
}
