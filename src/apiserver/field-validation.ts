/**
 * Server-side field validation, as kube-apiserver does it for its built-in kinds: a write's body decodes into
 * the kind's schema, so a field the schema does not have is dropped (pruned) and a key written twice keeps its
 * last value. The request's `fieldValidation` parameter says what the client hears of it: nothing (`Ignore`),
 * a `Warning` header per field (`Warn`, the default), or a 400 refusing the write (`Strict`, what kubectl 1.32
 * sends for `apply`, `create` and `replace`). The messages are sigs.k8s.io/json's strict decoding errors:
 * `unknown field "spec.template.spec.containers[0].imagePullPolicyy"`, `duplicate field "spec.paused"`.
 *
 * The schema is capstan's protobuf schema (proto/k8s/, complete for the served kinds), through the plans of
 * protobuf/schema.ts: the JSON keys of each message, inline members looked through.
 */
import { FieldError } from '../api/field-errors.js';
import { FieldPath } from '../api/field-path.js';
import { goQuote } from '../api/go-format.js';
import { StatusError } from './errors.js';
import { parseDocument } from 'yaml';
import type { MessagePlan } from './protobuf/schema.js';

/** FieldValidation is the `fieldValidation` directive of a create, update or patch. */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** The values metav1 accepts, in the order its error lists them (sorted; "" means the default, Warn). */
const FIELD_VALIDATION_VALUES = ['', 'Ignore', 'Strict', 'Warn'];

/**
 * fieldValidationOf reads the `fieldValidation` query parameter of a write whose options are optionsKind
 * (CreateOptions, UpdateOptions, PatchOptions); an unknown value is refused with 422 as
 * ValidateCreateOptions and its siblings do.
 */
export function fieldValidationOf(query: URLSearchParams, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): FieldValidation {
  const value = query.get('fieldValidation') ?? '';
  if (value === '') return 'Warn';
  if (value === 'Ignore' || value === 'Warn' || value === 'Strict') return value;
  throw StatusError.invalid('meta.k8s.io', optionsKind, '', [FieldError.notSupported(FieldPath.root('fieldValidation'), value, FIELD_VALIDATION_VALUES)]);
}

/** FieldProblem is a field the schema does not have, or a key written twice in one object. */
export interface FieldProblem {
  readonly kind: 'unknown' | 'duplicate';
  /** path is the field's path: `spec.template.spec.containers[0].image` (a YAML duplicate: the key alone). */
  readonly path: string;
  /** line is set for a key a YAML body repeats: the line of the repeat (YAML's report names no path). */
  readonly line?: number;
}

/**
 * problemText is one problem as kube words it: sigs.k8s.io/json's `unknown field "spec.x"` and
 * `duplicate field "spec.y"`, and for YAML bodies yaml's `line 12: key "paused" already set in map`.
 */
export function problemText(p: FieldProblem): string {
  if (p.line !== undefined) return `line ${p.line}: key ${goQuote(p.path)} already set in map`;
  return `${p.kind} field ${goQuote(p.path)}`;
}

/** strictDecodingError is runtime.StrictDecodingError's text for a list of field problems. */
export function strictDecodingError(problems: readonly FieldProblem[]): string {
  return `strict decoding error: ${problems.map(problemText).join(', ')}`;
}

/** warningHeader is the value of one `Warning` response header (RFC 7234, code 299, agent `-`). */
export function warningHeader(text: string): string {
  return `299 - ${goQuote(text)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * pruneUnknownFields removes from obj, an object of the message plan describes, every key the schema does not
 * have, at any depth, and returns a problem (`unknown field "path"`) for each, in document order. `kind` and
 * `apiVersion` are known at the top. Values of the wrong JSON type are left for validation to refuse.
 */
export function pruneUnknownFields(obj: Record<string, unknown>, plan: MessagePlan): FieldProblem[] {
  const problems: FieldProblem[] = [];
  walkObject(obj, plan, [], true, problems);
  return problems;
}

/** findUnknownFields is pruneUnknownFields without the pruning: obj is left as it is. */
export function findUnknownFields(obj: Readonly<Record<string, unknown>>, plan: MessagePlan): FieldProblem[] {
  const problems: FieldProblem[] = [];
  walkObject(obj as Record<string, unknown>, plan, [], false, problems);
  return problems;
}

/** joinPath renders a path kept as segments (`.key` or `[i]`, the first key bare) once a problem needs it. */
function joinPath(segments: readonly string[], key: string): string {
  return (segments.join('') + `.${key}`).replace(/^\./, '');
}

/**
 * walkObject looks for unknown keys in obj, a message of plan at the path `segments` (pushed and popped on the
 * way down, rendered only for a problem: the walk runs on every write, and most find nothing).
 */
function walkObject(obj: Record<string, unknown>, plan: MessagePlan, segments: string[], prune: boolean, problems: FieldProblem[]): void {
  for (const key in obj) {
    const field = plan.byJsonKey.get(key);
    if (field === undefined) {
      if (segments.length === 0 && (key === 'kind' || key === 'apiVersion')) continue;
      problems.push({ kind: 'unknown', path: joinPath(segments, key) });
      if (prune) delete obj[key];
      continue;
    }
    const value = obj[key];
    if (field.message === undefined || field.wellKnown !== undefined || typeof value !== 'object' || value === null) continue;
    const inner = field.message();
    segments.push(`.${key}`);
    if (field.keyType !== undefined) {
      if (isObject(value)) for (const k in value) {
        const item = value[k];
        if (!isObject(item)) continue;
        segments.push(`.${k}`);
        walkObject(item, inner, segments, prune, problems);
        segments.pop();
      }
    } else if (field.repeated) {
      if (Array.isArray(value)) for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (!isObject(item)) continue;
        segments.push(`[${i}]`);
        walkObject(item, inner, segments, prune, problems);
        segments.pop();
      }
    } else if (isObject(value)) {
      walkObject(value, inner, segments, prune, problems);
    }
    segments.pop();
  }
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

function framePath(frame: Frame | undefined): string {
  const parts: string[] = [];
  for (let f = frame; f !== undefined && f.name !== undefined; f = f.up) parts.push(typeof f.name === 'number' ? `[${f.name}]` : `.${f.name}`);
  return parts.reverse().join('').replace(/^\./, '');
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * duplicateFields scans JSON text (already known to parse) for keys written twice in one object and returns
 * a problem (`duplicate field "path"`) for each repeat, in document order. JSON.parse keeps the last value,
 * as Go's decoder does; only the report needs the text.
 */
export function duplicateFields(text: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
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
        if (end === -1) return problems; // not JSON after all: the parse has already said so
        if (top?.keys !== undefined && (prev === 0x7b || prev === 0x2c)) {
          const raw = text.slice(i + 1, end);
          const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
          if (top.keys.has(key)) problems.push({ kind: 'duplicate', path: childPath(framePath(top), key) });
          else top.keys.add(key);
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
  return problems;
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
 * does; each repeat is returned as a problem with its line. Any other YAML error is thrown.
 */
export function decodeYaml<T>(text: string): { value: T; duplicates: () => FieldProblem[] } {
  const doc = parseDocument(text);
  const duplicates: FieldProblem[] = [];
  for (const err of doc.errors) {
    if (err.code !== 'DUPLICATE_KEY') throw err;
    duplicates.push({ kind: 'duplicate', path: yamlKeyAt(text, err.pos[0]), line: err.linePos?.[0].line ?? 0 });
  }
  return { value: doc.toJS() as T, duplicates: () => duplicates };
}

/**
 * withoutShadowed drops the duplicates of keys that are also unknown (or lie inside an unknown field): as
 * kube's typed decode, a field both unknown and repeated is reported once, as unknown.
 */
export function withoutShadowed(duplicates: readonly FieldProblem[], unknown: readonly FieldProblem[]): FieldProblem[] {
  if (unknown.length === 0) return [...duplicates];
  return duplicates.filter((d) => !unknown.some((u) => d.path === u.path || d.path.startsWith(`${u.path}.`) || d.path.startsWith(`${u.path}[`)));
}

/** FieldCheck is what a write asks of the fields of its body. */
export interface FieldCheck {
  /** plan is the schema of the kind the body decodes into. */
  readonly plan: MessagePlan;
  /** kind is that kind's name, for the error's `cannot be handled as a <kind>`. */
  readonly kind: string;
  readonly directive: FieldValidation;
  /** warnings receives the problems as `Warning` texts when the directive is Warn. */
  readonly warnings: string[];
}

function report(problems: readonly FieldProblem[], check: FieldCheck, refuse: () => StatusError): void {
  if (problems.length === 0 || check.directive === 'Ignore') return;
  if (check.directive === 'Strict') throw refuse();
  for (const p of problems) check.warnings.push(problemText(p));
}

/**
 * checkBodyFields prunes a decoded create or update body and reports its problems (the unknown fields, and the
 * repeated keys `duplicates` finds in the text, asked for only when they will be reported). Strict refuses
 * the body with kube's 400: `Deployment in version "v1" cannot be handled as a Deployment: strict decoding
 * error: unknown field "spec.bogus"`.
 */
export function checkBodyFields(obj: Record<string, unknown>, duplicates: () => FieldProblem[], check: FieldCheck): void {
  const unknown = pruneUnknownFields(obj, check.plan);
  if (check.directive === 'Ignore') return;
  const problems = [...unknown, ...withoutShadowed(duplicates(), unknown)];
  report(problems, check, () => {
    const kind = typeof obj.kind === 'string' && obj.kind !== '' ? obj.kind : check.kind;
    const version = typeof obj.apiVersion === 'string' ? obj.apiVersion.slice(obj.apiVersion.indexOf('/') + 1) : '';
    return StatusError.badRequest(`${kind} in version ${goQuote(version)} cannot be handled as a ${check.kind}: ${strictDecodingError(problems)}`);
  });
}

/**
 * checkPatchedFields prunes the result of a patch and reports the problems of the patch body (its repeated
 * keys) and of the result (its unknown fields); the warnings of an earlier attempt of the same patch are
 * replaced. Strict refuses the patch as kube's patcher does, a 422 on the field `patch` whose value is
 * `shown()` (the patched JSON, or Go's `%+v` of a strategic merge patch).
 */
export function checkPatchedFields(patched: Record<string, unknown>, patchProblems: readonly FieldProblem[], check: FieldCheck, shown: () => string): void {
  check.warnings.length = 0;
  // Looked for first and pruned after, so that a refusal shows the patched object as it was.
  const unknown = findUnknownFields(patched, check.plan);
  const problems = [...patchProblems, ...unknown];
  report(problems, check, () => StatusError.invalid('', '', '', [FieldError.invalid(FieldPath.root('patch'), shown(), strictDecodingError(problems))]));
  if (unknown.length > 0) pruneUnknownFields(patched, check.plan);
}
