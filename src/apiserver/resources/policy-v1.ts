/**
 * policy/v1 poddisruptionbudgets (+status), as kube-apiserver 1.32 stores them: a spec bounded by minAvailable or
 * maxUnavailable (not both; each a non-negative count or a percentage of at most 100 %), a selector, an
 * unhealthyPodEvictionPolicy of IfHealthyBudget or AlwaysAllow; generation bumped by a spec change; a status (the
 * disruption controller's, and the eviction subresource's spending) whose counts cannot go below zero and whose
 * conditions are metav1 Conditions. kube's words throughout.
 */
import {
  FieldError,
  FieldPath,
  GoRendered,
  validateConditions,
  validateLabelSelector,
  validateNonnegativeField,
  POLICY_GROUP,
  type IntOrString,
  type KubeObject,
  type PodDisruptionBudget,
  type PodDisruptionBudgetSpec,
} from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { validatePositiveIntOrPercent } from './apps-v1.js';
import { defineResource } from './generic.js';

const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/**
 * goSpec is the spec as Go's %#v prints kube's internal PodDisruptionBudgetSpec, which field.Invalid falls back to:
 * its pointers print as addresses, which here are stand-ins (kube's differ from run to run).
 */
function goSpec(spec: PodDisruptionBudgetSpec | undefined): GoRendered {
  const ptr = (type: string, v: unknown): string => (v === undefined || v === null ? `(*${type})(nil)` : `(*${type})(0xc000010000)`);
  return new GoRendered(
    `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr('intstr.IntOrString', spec?.minAvailable)}, Selector:${ptr('v1.LabelSelector', spec?.selector)}, ` +
      `MaxUnavailable:${ptr('intstr.IntOrString', spec?.maxUnavailable)}, UnhealthyPodEvictionPolicy:${ptr('policy.UnhealthyPodEvictionPolicyType', spec?.unhealthyPodEvictionPolicy)}}`,
  );
}

/** validatePodDisruptionBudget is kube's ValidatePodDisruptionBudget (its spec). */
function validatePodDisruptionBudget(obj: KubeObject): FieldError[] {
  const spec = (obj as PodDisruptionBudget).spec;
  const path = FieldPath.root('spec');
  const errs: FieldError[] = [];
  if (spec?.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(FieldError.invalid(path, goSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  }
  validatePositiveIntOrPercent(spec?.minAvailable as IntOrString | undefined, path.child('minAvailable'), errs);
  validatePositiveIntOrPercent(spec?.maxUnavailable as IntOrString | undefined, path.child('maxUnavailable'), errs);
  errs.push(...validateLabelSelector(spec?.selector, path.child('selector')));
  const policy = spec?.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    errs.push(FieldError.notSupported(path.child('unhealthyPodEvictionPolicy'), policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

/** validatePodDisruptionBudgetStatusUpdate is kube's ValidatePodDisruptionBudgetStatusUpdate (policy/v1). */
function validatePodDisruptionBudgetStatusUpdate(obj: KubeObject): FieldError[] {
  const status = (obj as PodDisruptionBudget).status;
  const path = FieldPath.root('status');
  const errs = validateConditions(status?.conditions, path.child('conditions'));
  for (const field of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const) {
    errs.push(...validateNonnegativeField(status?.[field] ?? 0, path.child(field)));
  }
  return errs;
}

const poddisruptionbudgets = defineResource({
  group: POLICY_GROUP,
  version: 'v1',
  kind: 'PodDisruptionBudget',
  resource: 'poddisruptionbudgets',
  namespaced: true,
  shortNames: ['pdb'],
  hasStatus: true,
  allowUnconditionalUpdate: false,
  validate: validatePodDisruptionBudget,
  validateStatusUpdate: validatePodDisruptionBudgetStatusUpdate,
});

/** POLICY_V1 lists the policy/v1 resources capstan serves. */
export const POLICY_V1: readonly ResourceType[] = [poddisruptionbudgets];
