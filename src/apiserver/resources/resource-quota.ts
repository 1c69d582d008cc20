/**
 * core/v1 resourcequotas (+status), as kube-apiserver 1.32 stores them: hard limits named by standard quota resources or
 * qualified names (`count/deployments.apps`), non-negative and whole where the resource counts objects; scopes from
 * kube's list, each applying only to the resources it can, none conflicting, immutable; a scopeSelector's
 * requirements; the status (the controller's, and the quota admission's charges) checked the same way and kept by
 * spec writes. No generation. kube's words throughout.
 */
import {
  FieldError,
  FieldPath,
  GoRendered,
  deepCopy,
  goQuantity,
  goQuote,
  parseQuantity,
  type KubeObject,
  type ResourceList,
  type ResourceQuota,
  type ScopeSelector,
} from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { defineResource } from './generic.js';
import { isHugePages, STANDARD_RESOURCES, validateResourceName } from './resource-names.js';


/** STANDARD_QUOTA_RESOURCES are kube's standardQuotaResources (IsStandardQuotaResourceName), hugepages aside. */
const STANDARD_QUOTA_RESOURCES = new Set([...STANDARD_RESOURCES].filter((r) => r !== 'storage'));

/** INTEGER_RESOURCES are counted in whole objects (IsIntegerResourceName). */
const INTEGER_RESOURCES = new Set(['pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

/** SCOPES are the quota scopes kube supports; the second list is what each may apply to. */
const SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];
const BEST_EFFORT_RESOURCES = new Set(['pods']);
const TERMINATING_RESOURCES = new Set(['pods', 'cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);


/** isStandardQuotaResource is IsStandardQuotaResourceName. */
function isStandardQuotaResource(name: string): boolean {
  return STANDARD_QUOTA_RESOURCES.has(name) || isHugePages(name);
}


/** validateQuotaResourceName is validateResourceQuotaResourceName. */
function validateQuotaResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/') && !isStandardQuotaResource(name)) errs.push(FieldError.invalid(path, name, 'must be a standard resource for quota'));
  return errs;
}

/** validateQuotaList checks a hard or used list: names, then each value non-negative and whole where it counts objects. */
function validateQuotaList(list: ResourceList | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, value] of Object.entries(list ?? {})) {
    const at = path.key(name);
    errs.push(...validateQuotaResourceName(name, at));
    let q;
    try {
      q = parseQuantity(String(value));
    } catch {
      // The schema's Quantity check reports it.
      continue;
    }
    if (q.sign() < 0) errs.push(FieldError.invalid(at, q.toString(), 'must be greater than or equal to 0'));
    // kube passes the negative case the quantity's String(), this one the Quantity itself (printed as Go's %#v).
    if ((INTEGER_RESOURCES.has(name) || name.startsWith('count/')) && q.milliValue() % 1000n !== 0n) errs.push(FieldError.invalid(at, goQuantity(String(value)), 'must be an integer'));
  }
  return errs;
}

/**
 * resourcesOutsideScope counts the hard resources a scope cannot apply to (IsResourceQuotaScopeValidForResource; only
 * standard quota names are judged): BestEffort applies to pods, the other known scopes to pods and cpu and memory.
 */
function resourcesOutsideScope(scope: string, hard: ResourceList | undefined): number {
  if (!SCOPES.includes(scope)) return 0;
  const allowed = scope === 'BestEffort' ? BEST_EFFORT_RESOURCES : TERMINATING_RESOURCES;
  return Object.keys(hard ?? {}).filter((name) => isStandardQuotaResource(name) && !allowed.has(name)).length;
}

function conflicting(scopes: readonly string[]): boolean {
  const has = (s: string): boolean => scopes.includes(s);
  return (has('BestEffort') && has('NotBestEffort')) || (has('Terminating') && has('NotTerminating'));
}

/** goScopes renders a []core.ResourceQuotaScope as Go's %#v does. */
function goScopes(values: readonly string[]): GoRendered {
  return new GoRendered(`[]core.ResourceQuotaScope{${values.map((v) => goQuote(v)).join(', ')}}`);
}

/** validateScopes is validateResourceQuotaScopes. */
function validateScopes(quota: ResourceQuota, path: FieldPath): FieldError[] {
  const scopes = quota.spec?.scopes ?? [];
  if (scopes.length === 0) return [];
  const errs: FieldError[] = [];
  const hard = quota.spec?.hard;
  for (const s of scopes) {
    if (!SCOPES.includes(s)) errs.push(FieldError.invalid(path, goScopes(scopes), 'unsupported scope'));
    // One error per hard resource the scope cannot apply to, as kube's.
    for (let i = resourcesOutsideScope(s, hard); i > 0; i--) errs.push(FieldError.invalid(path, goScopes(scopes), 'unsupported scope applied to resource'));
  }
  if (conflicting(scopes)) errs.push(FieldError.invalid(path, goScopes(scopes), 'conflicting scopes'));
  return errs;
}

const SCOPE_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** validateScopeSelector is validateScopeSelector (validateScopedResourceSelectorRequirement). */
function validateScopeSelector(quota: ResourceQuota, path: FieldPath): FieldError[] {
  const sel: ScopeSelector | undefined = quota.spec?.scopeSelector;
  if (sel === undefined || sel === null) return [];
  const errs: FieldError[] = [];
  const exprsPath = path.child('matchExpressions');
  const names: string[] = [];
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const at = exprsPath.index(i);
    names.push(req.scopeName);
    if (!SCOPES.includes(req.scopeName)) errs.push(FieldError.invalid(at.child('scopeName'), req.scopeName, 'unsupported scope'));
    for (let n = resourcesOutsideScope(req.scopeName, quota.spec?.hard); n > 0; n--) errs.push(FieldError.invalid(exprsPath, new GoRendered('core.ScopeSelector'), 'unsupported scope applied to resource'));
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(FieldError.required(at.child('values'), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(FieldError.invalid(at.child('values'), values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
        break;
      default:
        errs.push(FieldError.invalid(at.child('operator'), req.operator, 'not a valid selector operator'));
    }
    if (req.scopeName !== 'PriorityClass' && SCOPES.includes(req.scopeName) && req.operator !== 'Exists' && SCOPE_OPERATORS.includes(req.operator)) {
      errs.push(
        FieldError.invalid(
          at.child('operator'),
          req.operator,
          "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    }
  });
  if (conflicting(names)) errs.push(FieldError.invalid(exprsPath, goScopes(quota.spec?.scopes ?? []), 'conflicting scopes'));
  return errs;
}

/** validateResourceQuota is ValidateResourceQuota beyond the metadata. */
function validateResourceQuota(obj: KubeObject): FieldError[] {
  const quota = obj as ResourceQuota;
  const spec = FieldPath.root('spec');
  return [
    ...validateQuotaList(quota.spec?.hard, spec.child('hard')),
    ...validateScopes(quota, spec.child('scopes')),
    ...validateScopeSelector(quota, spec.child('scopeSelector')),
    ...validateQuotaList(quota.status?.hard, FieldPath.root('status', 'hard')),
    ...validateQuotaList(quota.status?.used, FieldPath.root('status', 'used')),
  ];
}

/** validateResourceQuotaUpdate is what ValidateResourceQuotaUpdate adds: the set of scopes cannot change. */
function validateResourceQuotaUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const a = [...((obj as ResourceQuota).spec?.scopes ?? [])].sort();
  const b = [...((old as ResourceQuota).spec?.scopes ?? [])].sort();
  if (a.length === b.length && a.every((s, i) => s === b[i])) return [];
  return [FieldError.invalid(FieldPath.root('spec', 'scopes'), goScopes((obj as ResourceQuota).spec?.scopes ?? []), 'field is immutable')];
}

/** validateResourceQuotaStatusUpdate is ValidateResourceQuotaStatusUpdate beyond the metadata. */
function validateResourceQuotaStatusUpdate(obj: KubeObject): FieldError[] {
  const quota = obj as ResourceQuota;
  return [...validateQuotaList(quota.status?.hard, FieldPath.root('status', 'hard')), ...validateQuotaList(quota.status?.used, FieldPath.root('status', 'used'))];
}

/** RESOURCE_QUOTAS is core/v1 resourcequotas. */
export const RESOURCE_QUOTAS: ResourceType = defineResource({
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  resource: 'resourcequotas',
  namespaced: true,
  shortNames: ['quota'],
  hasStatus: true,
  // kube's strategy drops the status on create and keeps it on update; quotas have no generation.
  prepareForCreate: (o) => {
    delete (o as ResourceQuota).status;
  },
  prepareForUpdate: (o, old) => {
    const prev = (old as ResourceQuota).status;
    if (prev === undefined) delete (o as ResourceQuota).status;
    else (o as ResourceQuota).status = deepCopy(prev);
  },
  validate: validateResourceQuota,
  validateUpdate: validateResourceQuotaUpdate,
  validateStatusUpdate: validateResourceQuotaStatusUpdate,
});
