/**
 * Server-side field validation, as kube-apiserver does it for its built-in kinds: a write's body decodes into
 * the kind's schema (schema-walk.ts), so a value of the wrong type refuses the write, a field the schema does
 * not have is dropped (pruned) and a key written twice keeps its last value (repeated-keys.ts). The request's
 * `fieldValidation` parameter says what the client hears of the last two: nothing (`Ignore`), a `Warning`
 * header per field (`Warn`, the default), or a refusal (`Strict`, what kubectl 1.32 sends for `apply`,
 * `create` and `replace`). The messages are sigs.k8s.io/json's strict decoding errors, at most 100 of them:
 * `unknown field "spec.template.spec.containers[0].imagePullPolicyy"`, `duplicate field "spec.paused"`.
 *
 * Known difference: kube reports a JSON body's unknown and repeated fields interleaved in document order;
 * capstan reports the unknown ones first, then the repeats.
 */
import { FieldError } from '../api/field-errors.js';
import { FieldPath } from '../api/field-path.js';
import { goQuote } from '../api/go-format.js';
import { StatusError } from './errors.js';
import type { MessagePlan } from './protobuf/schema.js';
import { repeatedJsonKeys, type RepeatedKey } from './repeated-keys.js';
import { walkSchema } from './schema-walk.js';

/** FieldValidation is the `fieldValidation` directive of a create, update or patch. */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** The values metav1 accepts, in the order its error lists them (sorted; "" means the default, Warn). */
const FIELD_VALIDATION_VALUES = ['', 'Ignore', 'Strict', 'Warn'];

/** PROBLEM_LIMIT is how many strict decoding errors kube's decoder keeps. */
export const PROBLEM_LIMIT = 100;

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

/** FieldCheck is what a write asks of the fields of its body. */
export interface FieldCheck {
  /** plan is the schema of the kind the body decodes into. */
  readonly plan: MessagePlan;
  /** kind and version name that kind in a refusal (`<kind> in version "<version>" cannot be handled as a <kind>`). */
  readonly kind: string;
  readonly version: string;
  readonly directive: FieldValidation;
}

const unknownText = (path: string): string => `unknown field ${goQuote(path)}`;
const duplicateText = (path: string, prefix = ''): string => `${prefix}duplicate field ${goQuote(path)}`;
const yamlText = (r: RepeatedKey): string => `line ${r.line ?? 0}: key ${goQuote(r.path)} already set in map`;

/**
 * Problems are what a body's check found, as texts: the warnings (one per problem) and the strict decoding
 * error (the same, joined; a YAML body's repeats as yaml's one `unmarshal errors` error).
 */
interface Problems {
  readonly warnings: string[];
  readonly errors: string[];
}

/** strictDecodingError is runtime.StrictDecodingError's text. */
function strictDecodingError(errors: readonly string[]): string {
  return `strict decoding error: ${errors.join(', ')}`;
}

/**
 * notShadowed keeps the repeats that are neither unknown nor inside an unknown field: as kube's typed decode,
 * a field both unknown and repeated is reported once, as unknown.
 */
function notShadowed(repeats: readonly RepeatedKey[], unknown: readonly string[]): RepeatedKey[] {
  if (unknown.length === 0) return [...repeats];
  const unknownPaths = new Set(unknown);
  return repeats.filter((r) => {
    for (let i = 0; i < r.path.length; i++) {
      const c = r.path[i];
      if ((c === '.' || c === '[') && unknownPaths.has(r.path.slice(0, i))) return false;
    }
    return !unknownPaths.has(r.path);
  });
}

const FIELDS_V1 = /^metadata\.managedFields\[\d+\]\.fieldsV1[.[]/;

/** bodyProblems are a create's or update's problems: YAML repeats first (as kube), then unknown fields, then JSON repeats. */
function bodyProblems(unknown: readonly string[], repeats: readonly RepeatedKey[]): Problems {
  const yaml = repeats.filter((r) => r.line !== undefined);
  // A managed field entry's fieldsV1 is kept as raw JSON, unread: kube finds no repeats in it.
  const json = notShadowed(repeats.filter((r) => r.line === undefined && !FIELDS_V1.test(r.path)), unknown);
  const rest = [...unknown.map(unknownText), ...json.map((r) => duplicateText(r.path))];
  return {
    warnings: [...yaml.map(yamlText), ...rest].slice(0, PROBLEM_LIMIT),
    errors: [...(yaml.length === 0 ? [] : [`yaml: unmarshal errors:\n  ${yaml.map(yamlText).join('\n  ')}`]), ...rest].slice(0, PROBLEM_LIMIT),
  };
}

/**
 * checkBodyFields decodes a create or update body against its schema and returns the warnings to send.
 * A value of the wrong type refuses it with kube's 400 (`Deployment in version "v1" cannot be handled as a
 * Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
 * int32`), whatever the directive; the unknown fields are pruned; they and the repeated keys (`repeats`,
 * asked for only when they will be reported) refuse the body under Strict (`... cannot be handled as a
 * Deployment: strict decoding error: unknown field "spec.bogus"`) and are the warnings under Warn.
 */
export function checkBodyFields(obj: Record<string, unknown>, repeats: () => RepeatedKey[], check: FieldCheck): string[] {
  const walk = walkSchema(obj, check.plan, { prune: true, limit: PROBLEM_LIMIT });
  const refuse = (detail: string): StatusError => {
    const kind = typeof obj.kind === 'string' && obj.kind !== '' ? obj.kind : check.kind;
    const version = typeof obj.apiVersion === 'string' && obj.apiVersion !== '' ? obj.apiVersion.slice(obj.apiVersion.indexOf('/') + 1) : check.version;
    return StatusError.badRequest(`${kind} in version ${goQuote(version)} cannot be handled as a ${check.kind}: ${detail}`);
  };
  if (walk.typeError !== undefined) throw refuse(walk.typeError);
  if (check.directive === 'Ignore') return [];
  const problems = bodyProblems(walk.unknown, repeats());
  if (problems.warnings.length > 0 && check.directive === 'Strict') throw refuse(strictDecodingError(problems.errors));
  return problems.warnings;
}

/**
 * patchBodyProblems are the strict decoding problems of a patch body itself, none under Ignore: repeated keys,
 * and for a JSON patch, which kube decodes into `[{op, path, from, value}]`, other keys of an operation too,
 * each then prefixed `json patch ` (`json patch unknown field "[0].valeu"`).
 */
export function patchBodyProblems(jsonPatch: boolean, text: string, directive: FieldValidation): string[] {
  if (directive === 'Ignore') return [];
  const repeats = repeatedJsonKeys(text, PROBLEM_LIMIT);
  if (!jsonPatch) return repeats.map((r) => duplicateText(r.path));
  const out: string[] = [];
  const ops: unknown = JSON.parse(text);
  if (Array.isArray(ops)) {
    ops.forEach((op: unknown, i) => {
      if (typeof op !== 'object' || op === null || Array.isArray(op)) return;
      for (const key of Object.keys(op)) if (key !== 'op' && key !== 'path' && key !== 'from' && key !== 'value') out.push(`json patch ${unknownText(`[${i}].${key}`)}`);
    });
  }
  return [...out, ...repeats.map((r) => duplicateText(r.path, 'json patch '))].slice(0, PROBLEM_LIMIT);
}

/**
 * checkPatchedFields decodes the result of a patch against its schema, as kube's patcher does, and returns
 * the warnings to send: a value of the wrong type, or under Strict the problems of the patch body
 * (`patchProblems`, its repeated keys) and of the result (its unknown fields, sorted, as kube's
 * re-marshalled object and unstructured converter order them), refuse the patch with 422 on the field `patch`, whose value is `shown()`
 * (the patched object as Go encodes it, or Go's `%+v` of a strategic merge patch); the unknown fields are
 * pruned.
 */
export function checkPatchedFields(patched: Record<string, unknown>, patchProblems: readonly string[], check: FieldCheck, shown: () => string): string[] {
  // Looked at first and pruned after (only when there is something to prune), so that a refusal shows the
  // patched object as it was.
  const walk = walkSchema(patched, check.plan, { prune: false, limit: PROBLEM_LIMIT });
  const refuse = (detail: string): StatusError => StatusError.invalid('', '', '', [FieldError.invalid(FieldPath.root('patch'), shown(), detail)]);
  if (walk.typeError !== undefined) throw refuse(walk.typeError);
  const problems = check.directive === 'Ignore' ? [] : [...patchProblems, ...[...walk.unknown].sort().map(unknownText)].slice(0, PROBLEM_LIMIT);
  if (problems.length > 0 && check.directive === 'Strict') throw refuse(strictDecodingError(problems));
  if (walk.changes) walkSchema(patched, check.plan, { prune: true });
  return problems;
}
