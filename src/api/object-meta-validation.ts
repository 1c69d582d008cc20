/**
 * ObjectMeta validation as the API server runs it on create and update (apimachinery's api/validation and
 * meta/v1/validation): names, namespace, labels, annotations, owner references, finalizers, and the fields
 * an update may not change. Validators return FieldError lists; the API server turns a non-empty list into a
 * 422 Invalid Status.
 */
import { FieldError } from './field-errors.js';
import { FieldPath } from './field-path.js';
import { goValue } from './go-format.js';
import { gvkFromAPIVersionAndKind, gvkString } from './group-version.js';
import { FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS, type Condition, type LabelSelector, type ObjectMeta, type OwnerReference } from './meta-v1.js';
import {
  byteLength,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPathSegmentPrefix,
  regexError,
} from './validation.js';

/** TOTAL_ANNOTATION_SIZE_LIMIT_B is the most bytes all annotation keys and values of an object may total. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10);

/** FIELD_IMMUTABLE_ERROR_MSG is the detail of an update that changed an immutable field. */
export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';

/** IS_NEGATIVE_ERROR_MSG is the detail of a negative value where only non-negative ones are allowed. */
export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';

/**
 * ValidateNameFunc checks a name for one resource type; prefix is true when the value is a generateName that
 * will have random characters appended. It returns problem descriptions, empty when valid.
 */
export type ValidateNameFunc = (name: string, prefix: boolean) => string[];

/**
 * maskTrailingDash lets a generateName end in '-': Kubernetes replaces the last two characters with 'a'
 * before checking (it slices off two, not one — kept as is so the same prefixes pass and fail).
 */
function maskTrailingDash(name: string): string {
  return name.endsWith('-') ? `${name.slice(0, Math.max(0, name.length - 2))}a` : name;
}

/** nameIsDNSSubdomain validates names that must be DNS subdomains (pods, nodes, deployments, most kinds). */
export const nameIsDNSSubdomain: ValidateNameFunc = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** nameIsDNSLabel validates names that must be DNS-1123 labels (namespaces). */
export const nameIsDNSLabel: ValidateNameFunc = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** nameIsDNS1035Label validates names that must be DNS-1035 labels (services). */
export const nameIsDNS1035Label: ValidateNameFunc = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);

/** validateNamespaceName validates a namespace name (a DNS-1123 label). */
export const validateNamespaceName: ValidateNameFunc = nameIsDNSLabel;

/**
 * validatePathSegmentName checks that a name can be a path segment; the API server runs it on every create,
 * after the kind's own name rule (path.ValidatePathSegmentName).
 */
export const validatePathSegmentName: ValidateNameFunc = (name, prefix) =>
  prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name);

/** validateNonnegativeField reports a negative value. */
export function validateNonnegativeField(value: number, path: FieldPath): FieldError[] {
  return value < 0 ? [FieldError.invalid(path, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/** validateLabelName checks one label key. */
export function validateLabelName(labelName: string, path: FieldPath): FieldError[] {
  return isQualifiedName(labelName).map((msg) => FieldError.invalid(path, labelName, msg));
}

/** validateLabels checks every key and value of a label map, in key order. */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of Object.keys(labels ?? {}).sort()) {
    errs.push(...validateLabelName(k, path));
    const v = labels![k]!;
    for (const msg of isValidLabelValue(v)) errs.push(FieldError.invalid(path, v, msg));
  }
  return errs;
}

/**
 * validateLabelSelector is metav1validation.ValidateLabelSelector: the matchLabels as labels, and each
 * matchExpression's operator (In and NotIn need values, Exists and DoesNotExist take none), key and values.
 */
export function validateLabelSelector(ps: LabelSelector | null | undefined, path: FieldPath): FieldError[] {
  if (ps === null || ps === undefined) return [];
  const errs = validateLabels(ps.matchLabels, path.child('matchLabels'));
  (ps.matchExpressions ?? []).forEach((expr, i) => {
    const at = path.child('matchExpressions').index(i);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(FieldError.required(at.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(FieldError.forbidden(at.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(FieldError.invalid(at.child('operator'), expr.operator, 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(expr.key, at.child('key')));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) errs.push(FieldError.invalid(at.child('values').index(j), v, msg));
    });
  });
  return errs;
}

/** annotationsSize is the total byte size of an annotation map's keys and values. */
export function annotationsSize(annotations: Readonly<Record<string, string>> | undefined): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) total += byteLength(k) + byteLength(v);
  return total;
}

/**
 * validateAnnotations checks annotation keys (qualified names, case-insensitively) and that keys and values
 * together stay within TOTAL_ANNOTATION_SIZE_LIMIT_B.
 */
export function validateAnnotations(annotations: Readonly<Record<string, string>> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of Object.keys(annotations ?? {}).sort()) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(FieldError.invalid(path, k, msg));
  }
  if (annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(FieldError.tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}

function validateOwnerReference(ref: OwnerReference, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const gvk = gvkFromAPIVersionAndKind(ref.apiVersion ?? '', ref.kind ?? '');
  if (gvk.version.length === 0) errs.push(FieldError.invalid(path.child('apiVersion'), ref.apiVersion ?? '', 'version must not be empty'));
  if (gvk.kind.length === 0) errs.push(FieldError.invalid(path.child('kind'), ref.kind ?? '', 'must not be empty'));
  if (!ref.name) errs.push(FieldError.invalid(path.child('name'), ref.name ?? '', 'must not be empty'));
  if (!ref.uid) errs.push(FieldError.invalid(path.child('uid'), ref.uid ?? '', 'must not be empty'));
  // Events may not own anything: they are deleted by TTL, which would cascade unexpectedly.
  if (gvk.group === '' && gvk.version === 'v1' && gvk.kind === 'Event') {
    errs.push(FieldError.invalid(path, ref, `${gvkString(gvk)} is disallowed from being an owner`));
  }
  return errs;
}

/** validateOwnerReferences checks each reference and that at most one has controller=true. */
export function validateOwnerReferences(refs: readonly OwnerReference[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    errs.push(...validateOwnerReference(ref, path));
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        errs.push(
          FieldError.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

/** validateFinalizerName checks one finalizer (a qualified name). */
export function validateFinalizerName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((msg) => FieldError.invalid(path, name, msg));
}

/** validateFinalizers checks each finalizer and that orphan and foregroundDeletion are not both set. */
export function validateFinalizers(finalizers: readonly string[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const f of list) errs.push(...validateFinalizerName(f, path));
  if (list.includes(FINALIZER_ORPHAN_DEPENDENTS) && list.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(
      FieldError.invalid(path, list, `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`),
    );
  }
  return errs;
}

/**
 * validateObjectMeta validates metadata on create, after the server has generated a name from generateName.
 * requiresNamespace says whether the kind is namespaced; nameFn is the kind's name rule.
 */
export function validateObjectMeta(
  meta: ObjectMeta,
  requiresNamespace: boolean,
  nameFn: ValidateNameFunc,
  path: FieldPath = FieldPath.root('metadata'),
): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = meta.generateName ?? '';
  if (generateName.length > 0) {
    for (const msg of nameFn(generateName, true)) errs.push(FieldError.invalid(path.child('generateName'), generateName, msg));
  }
  const name = meta.name ?? '';
  if (name.length === 0) {
    errs.push(FieldError.required(path.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) errs.push(FieldError.invalid(path.child('name'), name, msg));
  }
  const namespace = meta.namespace ?? '';
  if (requiresNamespace) {
    if (namespace.length === 0) errs.push(FieldError.required(path.child('namespace'), ''));
    else for (const msg of validateNamespaceName(namespace, false)) errs.push(FieldError.invalid(path.child('namespace'), namespace, msg));
  } else if (namespace.length > 0) {
    errs.push(FieldError.forbidden(path.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonnegativeField(meta.generation ?? 0, path.child('generation')));
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, path.child('finalizers')));
  return errs;
}

function sameTime(a: string | null | undefined, b: string | null | undefined): boolean {
  const absentA = a === undefined || a === null || a === '';
  const absentB = b === undefined || b === null || b === '';
  if (absentA || absentB) return absentA === absentB;
  if (a === b) return true;
  const ta = Date.parse(a!);
  const tb = Date.parse(b!);
  return !Number.isNaN(ta) && ta === tb;
}

/**
 * validateImmutableField reports newValue when it differs from oldValue (undefined, null and '' count as
 * the same absent value, as Go's zero values do).
 */
export function validateImmutableField(newValue: unknown, oldValue: unknown, path: FieldPath): FieldError[] {
  const norm = (v: unknown): unknown => (v === undefined || v === null || v === '' ? undefined : v);
  return norm(newValue) === norm(oldValue) ? [] : [FieldError.invalid(path, newValue, FIELD_IMMUTABLE_ERROR_MSG)];
}

/** validateNoNewFinalizers forbids adding finalizers to an object that is being deleted. */
export function validateNoNewFinalizers(
  newFinalizers: readonly string[] | undefined,
  oldFinalizers: readonly string[] | undefined,
  path: FieldPath,
): FieldError[] {
  const old = new Set(oldFinalizers ?? []);
  const extra = [...new Set((newFinalizers ?? []).filter((f) => !old.has(f)))].sort();
  if (extra.length === 0) return [];
  return [FieldError.forbidden(path, `no new finalizers can be added if the object is being deleted, found new finalizers ${goValue(extra)}`)];
}

/**
 * validateObjectMetaUpdate validates metadata on update: resourceVersion present, generation not decremented,
 * name, namespace, uid, creationTimestamp, deletionTimestamp and deletionGracePeriodSeconds unchanged, no
 * new finalizers once deletion started, and labels, annotations and owner references well formed.
 */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta,
  oldMeta: ObjectMeta,
  path: FieldPath = FieldPath.root('metadata'),
): FieldError[] {
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) errs.push(...validateNoNewFinalizers(newMeta.finalizers, oldMeta.finalizers, path.child('finalizers')));
  const rv = newMeta.resourceVersion ?? '';
  if (rv.length === 0) errs.push(FieldError.invalid(path.child('resourceVersion'), rv, 'must be specified for an update'));
  const newGeneration = newMeta.generation ?? 0;
  if (newGeneration < (oldMeta.generation ?? 0)) {
    errs.push(FieldError.invalid(path.child('generation'), newGeneration, 'must not be decremented'));
  }
  errs.push(...validateImmutableField(newMeta.name ?? '', oldMeta.name ?? '', path.child('name')));
  errs.push(...validateImmutableField(newMeta.namespace ?? '', oldMeta.namespace ?? '', path.child('namespace')));
  errs.push(...validateImmutableField(newMeta.uid ?? '', oldMeta.uid ?? '', path.child('uid')));
  if (!sameTime(newMeta.creationTimestamp, oldMeta.creationTimestamp)) {
    errs.push(FieldError.invalid(path.child('creationTimestamp'), newMeta.creationTimestamp ?? null, FIELD_IMMUTABLE_ERROR_MSG));
  }
  if (!sameTime(newMeta.deletionTimestamp, oldMeta.deletionTimestamp)) {
    errs.push(FieldError.invalid(path.child('deletionTimestamp'), newMeta.deletionTimestamp ?? null, FIELD_IMMUTABLE_ERROR_MSG));
  }
  errs.push(
    ...validateImmutableField(newMeta.deletionGracePeriodSeconds, oldMeta.deletionGracePeriodSeconds, path.child('deletionGracePeriodSeconds')),
  );
  errs.push(...validateLabels(newMeta.labels, path.child('labels')));
  errs.push(...validateAnnotations(newMeta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, path.child('ownerReferences')));
  return errs;
}

const CONDITION_REASON_FMT = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';
const CONDITION_REASON = new RegExp(`^${CONDITION_REASON_FMT}$`);
const CONDITION_REASON_MSG =
  "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

/**
 * validateConditions is metav1validation.ValidateConditions: each condition's type (a label key, once per list),
 * status, observedGeneration, lastTransitionTime, reason (required, kube's pattern, at most 1,024 characters) and
 * message (at most 32,768 characters).
 */
export function validateConditions(conditions: readonly Condition[] | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (conditions ?? []).forEach((c, i) => {
    const at = path.index(i);
    const type = c.type ?? '';
    if (seen.has(type)) errs.push(FieldError.duplicate(at.child('type'), type));
    seen.add(type);
    errs.push(...validateLabelName(type, at.child('type')));
    if (!CONDITION_STATUSES.includes(c.status ?? '')) errs.push(FieldError.notSupported(at.child('status'), c.status ?? '', CONDITION_STATUSES));
    if ((c.observedGeneration ?? 0) < 0) errs.push(FieldError.invalid(at.child('observedGeneration'), c.observedGeneration, 'must be greater than or equal to zero'));
    if ((c.lastTransitionTime ?? null) === null || c.lastTransitionTime === '') errs.push(FieldError.required(at.child('lastTransitionTime'), 'must be set'));
    const reason = c.reason ?? '';
    if (reason === '') errs.push(FieldError.required(at.child('reason'), 'must be set'));
    else {
      if (!CONDITION_REASON.test(reason)) {
        errs.push(FieldError.invalid(at.child('reason'), reason, regexError(CONDITION_REASON_MSG, CONDITION_REASON_FMT, 'my_name', 'MY_NAME', 'MyName', 'ReasonA,ReasonB', 'ReasonA:ReasonB')));
      }
      if (byteLength(reason) > 1024) errs.push(FieldError.tooLong(at.child('reason'), reason, 1024));
    }
    if (byteLength(c.message ?? '') > 32 * 1024) errs.push(FieldError.tooLong(at.child('message'), c.message, 32 * 1024));
  });
  return errs;
}
