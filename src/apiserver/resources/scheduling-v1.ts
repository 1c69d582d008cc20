/**
 * scheduling.k8s.io/v1 priorityclasses, as kube-apiserver 1.32 stores them: cluster-scoped, DNS-subdomain names; a
 * name starting `system-` only for the two system classes exactly as kube defines them, any other class's value at
 * most HighestUserDefinablePriority (1e9); preemptionPolicy defaulted to PreemptLowerPriority; value and
 * preemptionPolicy immutable; the system classes cannot be deleted. Which class is the global default, and the
 * classes' use by pods, are the Priority admission's (priority-admission.ts). kube's words throughout.
 */
import {
  FieldError,
  FieldPath,
  HIGHEST_USER_DEFINABLE_PRIORITY,
  SCHEDULING_GROUP,
  SYSTEM_PRIORITY_CLASSES,
  validateImmutableField,
  type KubeObject,
  type PriorityClass,
} from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { defineResource } from './generic.js';
import { validatePreemptionPolicy } from './pod-spec.js';

/** SYSTEM_PRIORITY_CLASS_PREFIX is the name prefix reserved for the system classes. */
const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

/** knownSystemClassError is why a `system-` class is not a system class (IsKnownSystemPriorityClass), or undefined. */
function knownSystemClassError(pc: PriorityClass): string | undefined {
  const name = pc.metadata.name ?? '';
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata.name === name);
  if (known === undefined) return `${name} is not a known system priority class`;
  if (pc.value !== known.value) return `value of ${name} PriorityClass must be ${known.value}`;
  if ((pc.globalDefault ?? false) !== (known.globalDefault ?? false)) return `globalDefault of ${name} PriorityClass must be ${String(known.globalDefault ?? false)}`;
  return undefined;
}

/** validatePriorityClass is kube's ValidatePriorityClass (the metadata is the caller's). */
function validatePriorityClass(obj: KubeObject): FieldError[] {
  const pc = obj as PriorityClass;
  const errs: FieldError[] = [];
  if ((pc.metadata.name ?? '').startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = knownSystemClassError(pc);
    if (why !== undefined) {
      errs.push(FieldError.forbidden(FieldPath.root('metadata', 'name'), `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
    }
  } else if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(FieldError.forbidden(FieldPath.root('value'), `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  errs.push(...validatePreemptionPolicy(pc.preemptionPolicy, FieldPath.root('preemptionPolicy')));
  return errs;
}

/** validatePriorityClassUpdate is kube's ValidatePriorityClassUpdate (beyond the metadata). */
function validatePriorityClassUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const pc = obj as PriorityClass;
  const prev = old as PriorityClass;
  const errs: FieldError[] = [];
  if (pc.value !== prev.value) errs.push(FieldError.forbidden(FieldPath.root('value'), 'may not be changed in an update.'));
  errs.push(...validateImmutableField(pc.preemptionPolicy, prev.preemptionPolicy, FieldPath.root('preemptionPolicy')));
  return errs;
}

/** isSystemPriorityClass says a class is one of the system classes, which cannot be deleted. */
export function isSystemPriorityClass(name: string): boolean {
  return SYSTEM_PRIORITY_CLASSES.some((c) => c.metadata.name === name);
}

const priorityclasses = defineResource({
  group: SCHEDULING_GROUP,
  version: 'v1',
  kind: 'PriorityClass',
  resource: 'priorityclasses',
  namespaced: false,
  shortNames: ['pc'],
  defaults: (o) => {
    const pc = o as PriorityClass;
    // Go's int32 without omitempty: an absent value is 0.
    pc.value ??= 0;
    pc.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  prepareForCreate: (o) => {
    o.metadata.generation = 1;
  },
  validate: validatePriorityClass,
  validateUpdate: validatePriorityClassUpdate,
  revalidatesOnUpdate: false,
  deletionForbidden: (name) => (isSystemPriorityClass(name) ? 'this is a system priority class and cannot be deleted' : undefined),
});

/** SCHEDULING_V1 lists the scheduling.k8s.io/v1 resources capstan serves. */
export const SCHEDULING_V1: readonly ResourceType[] = [priorityclasses];
