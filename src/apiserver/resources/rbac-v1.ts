/**
 * rbac.authorization.k8s.io/v1 roles, clusterroles, rolebindings and clusterrolebindings, as kube-apiserver 1.32
 * stores them: names that are path segments (kube's ValidateRBACName), rules that name verbs and either resources
 * of API groups or (cluster-wide only) non-resource URLs, a ClusterRole's aggregationRule selectors, bindings whose
 * roleRef (defaulted to the RBAC group) names a Role or ClusterRole and cannot change, and subjects whose apiGroup
 * defaults by kind (SetDefaults_Subject) — all in kube's words. A PUT of a missing one creates it, as kube's RBAC
 * strategies allow. capstan authorizes every request (AlwaysAllow), so
 * kube's escalation checks, which that authorizer passes, have nothing to refuse.
 */
import {
  FieldError,
  FieldPath,
  GoRendered,
  goQuote,
  isValidPathSegmentName,
  labelSelectorAsSelector,
  nameIsDNSSubdomain,
  validateLabelSelector,
  RBAC_GROUP,
  type ClusterRole,
  type KubeObject,
  type PolicyRule,
  type RoleRef,
  type Subject,
  type ValidateNameFunc,
} from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { defineResource } from './generic.js';

/** nameIsPathSegment is kube's ValidateRBACName: any name that is a path segment, for a name and a generateName alike. */
const nameIsPathSegment: ValidateNameFunc = (name) => isValidPathSegmentName(name);

/** Binding is what RoleBindings and ClusterRoleBindings share. */
interface Binding extends KubeObject {
  subjects?: Subject[];
  roleRef?: Partial<RoleRef>;
}

/** Rules is what Roles and ClusterRoles share. */
interface Rules extends KubeObject {
  rules?: PolicyRule[] | null;
}

/** defaultBinding is SetDefaults_RoleBinding / _ClusterRoleBinding and SetDefaults_Subject. */
function defaultBinding(obj: KubeObject): void {
  const b = obj as Binding;
  // roleRef is a value in Go: one left out is defaulted too (and then refused for its missing kind and name).
  b.roleRef ??= {};
  if ((b.roleRef.apiGroup ?? '') === '') b.roleRef.apiGroup = RBAC_GROUP;
  for (const s of b.subjects ?? []) {
    if ((s.apiGroup ?? '') !== '') continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

/** validatePolicyRule is kube's ValidatePolicyRule. */
function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if ((rule.verbs ?? []).length === 0) errs.push(FieldError.required(path.child('verbs'), 'verbs must contain at least one value'));
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    if (namespaced) errs.push(FieldError.invalid(path.child('nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if ((rule.apiGroups ?? []).length > 0 || (rule.resources ?? []).length > 0 || (rule.resourceNames ?? []).length > 0) {
      errs.push(FieldError.invalid(path.child('nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if ((rule.apiGroups ?? []).length === 0) errs.push(FieldError.required(path.child('apiGroups'), 'resource rules must supply at least one api group'));
  if ((rule.resources ?? []).length === 0) errs.push(FieldError.required(path.child('resources'), 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  return ((obj as Rules).rules ?? []).flatMap((rule, i) => validatePolicyRule(rule, namespaced, FieldPath.root('rules').index(i)));
}

/** validateClusterRole is kube's ValidateClusterRole: its rules, and an aggregationRule with valid selectors. */
function validateClusterRole(obj: KubeObject): FieldError[] {
  const errs = validateRules(obj, false);
  const aggregation = (obj as ClusterRole).aggregationRule;
  if (aggregation !== undefined && aggregation !== null) {
    const selectors = aggregation.clusterRoleSelectors ?? [];
    const path = FieldPath.root('aggregationRule', 'clusterRoleSelectors');
    if (selectors.length === 0) errs.push(FieldError.required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    selectors.forEach((selector, i) => {
      errs.push(...validateLabelSelector(selector, path.index(i)));
      try {
        labelSelectorAsSelector(selector);
      } catch {
        // kube reports the selector LabelSelectorAsSelector left nil: Go prints that as "null".
        errs.push(FieldError.invalid(path.index(i), null, 'invalid label selector.'));
      }
    });
  }
  return errs;
}

/** validateSubject is kube's ValidateRoleBindingSubject. */
function validateSubject(s: Subject, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = s.name ?? '';
  if (name === '') errs.push(FieldError.required(path.child('name'), ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name !== '') for (const msg of nameIsDNSSubdomain(name, false)) errs.push(FieldError.invalid(path.child('name'), name, msg));
      if ((s.apiGroup ?? '') !== '') errs.push(FieldError.notSupported(path.child('apiGroup'), s.apiGroup, ['']));
      if (!namespaced && (s.namespace ?? '') === '') errs.push(FieldError.required(path.child('namespace'), ''));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(FieldError.notSupported(path.child('apiGroup'), s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(FieldError.notSupported(path.child('kind'), s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** validateBinding is kube's ValidateRoleBinding (namespaced) or ValidateClusterRoleBinding. */
function validateBinding(obj: KubeObject, namespaced: boolean): FieldError[] {
  const b = obj as Binding;
  const errs: FieldError[] = [];
  const ref = b.roleRef ?? {};
  const apiGroup = ref.apiGroup ?? '';
  if (apiGroup !== RBAC_GROUP) errs.push(FieldError.notSupported(FieldPath.root('roleRef', 'apiGroup'), apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind ?? '')) errs.push(FieldError.notSupported(FieldPath.root('roleRef', 'kind'), ref.kind ?? '', kinds));
  const name = ref.name ?? '';
  if (name === '') errs.push(FieldError.required(FieldPath.root('roleRef', 'name'), ''));
  else for (const msg of isValidPathSegmentName(name)) errs.push(FieldError.invalid(FieldPath.root('roleRef', 'name'), name, msg));
  (b.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, namespaced, FieldPath.root('subjects').index(i))));
  return errs;
}

/** goRoleRef is a RoleRef as Go's %#v prints kube's internal type. */
function goRoleRef(ref: Partial<RoleRef> | undefined): GoRendered {
  return new GoRendered(`rbac.RoleRef{APIGroup:${goQuote(ref?.apiGroup ?? '')}, Kind:${goQuote(ref?.kind ?? '')}, Name:${goQuote(ref?.name ?? '')}}`);
}

/** validateRoleRefUnchanged is the update check both bindings share: `cannot change roleRef`. */
function validateRoleRefUnchanged(obj: KubeObject, old: KubeObject): FieldError[] {
  const ref = (obj as Binding).roleRef;
  const before = (old as Binding).roleRef;
  const same = (ref?.apiGroup ?? '') === (before?.apiGroup ?? '') && (ref?.kind ?? '') === (before?.kind ?? '') && (ref?.name ?? '') === (before?.name ?? '');
  return same ? [] : [FieldError.invalid(FieldPath.root('roleRef'), goRoleRef(ref), 'cannot change roleRef')];
}

const clusterrolebindings = defineResource({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRoleBinding',
  resource: 'clusterrolebindings',
  namespaced: false,
  allowCreateOnUpdate: true,
  validateName: nameIsPathSegment,
  defaults: defaultBinding,
  validate: (o) => validateBinding(o, false),
  validateUpdate: validateRoleRefUnchanged,
});

const clusterroles = defineResource({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRole',
  resource: 'clusterroles',
  namespaced: false,
  allowCreateOnUpdate: true,
  validateName: nameIsPathSegment,
  validate: validateClusterRole,
});

const rolebindings = defineResource({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'RoleBinding',
  resource: 'rolebindings',
  namespaced: true,
  allowCreateOnUpdate: true,
  validateName: nameIsPathSegment,
  defaults: defaultBinding,
  validate: (o) => validateBinding(o, true),
  validateUpdate: validateRoleRefUnchanged,
});

const roles = defineResource({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'Role',
  resource: 'roles',
  namespaced: true,
  allowCreateOnUpdate: true,
  validateName: nameIsPathSegment,
  validate: (o) => validateRules(o, true),
});

/** RBAC_V1 lists the rbac.authorization.k8s.io/v1 resources capstan serves, in kube-apiserver's discovery order. */
export const RBAC_V1: readonly ResourceType[] = [clusterrolebindings, clusterroles, rolebindings, roles];
