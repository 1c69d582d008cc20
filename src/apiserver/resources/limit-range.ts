/**
 * core/v1 limitranges, as kube-apiserver 1.32 stores them: items of type Pod, Container or PersistentVolumeClaim (each
 * type once), resource names as kube allows per type, no defaults for a Pod item, a PersistentVolumeClaim item
 * bounded in storage, and each resource's min ≤ defaultRequest ≤ default ≤ max with a ratio of at least 1 and at most
 * max/min; a Container item's missing default is its max, its missing defaultRequest its default or min
 * (SetDefaults_LimitRangeItem). kube's words throughout; the LimitRanger admission (limit-ranger.ts) applies them.
 */
import { FieldError, FieldPath, GoRendered, isQualifiedName, parseQuantity, type KubeObject, type LimitRange, type LimitRangeItem, type Quantity, type ResourceList } from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { defineResource } from './generic.js';

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];
const CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
/** STANDARD_RESOURCES are kube's standardResources (a PersistentVolumeClaim item's names). */
const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers']);

/** goQuantity renders a quantity where kube's messages print one. */
function goQuantity(q: Quantity): GoRendered {
  return new GoRendered(q.toString());
}

/** validateResourceName is validateLimitRangeResourceName for an item of type. */
function validateResourceName(type: string, name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => FieldError.invalid(path, name, msg));
  if (name.includes('/')) return errs;
  if (type === 'Pod' || type === 'Container') {
    const native = CONTAINER_RESOURCES.has(name) || name.startsWith('hugepages-');
    if (!native) errs.push(FieldError.invalid(path, name, 'must be a standard resource for containers'));
  } else if (!STANDARD_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
    errs.push(FieldError.invalid(path, name, 'must be a standard resource type or fully qualified'));
  }
  return errs;
}

function quantities(list: ResourceList | undefined): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of Object.entries(list ?? {})) {
    try {
      out.set(k, parseQuantity(String(v)));
    } catch {
      // The schema's Quantity check reports it.
    }
  }
  return out;
}

/** validateItem is ValidateLimitRange's checks of one item. */
function validateItem(item: LimitRangeItem, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const type = item.type ?? '';
  const typePath = path.child('type');
  errs.push(...isQualifiedName(type).map((msg) => FieldError.invalid(typePath, type, msg)));
  if (!type.includes('/') && !LIMIT_TYPES.includes(type)) errs.push(FieldError.invalid(typePath, type, 'must be a standard limit type or fully qualified'));
  const names = (field: keyof LimitRangeItem): void => {
    for (const k of Object.keys((item[field] as ResourceList | undefined) ?? {}).sort()) errs.push(...validateResourceName(type, k, path.child(field).key(k)));
  };
  names('max');
  names('min');
  if (type === 'Pod') {
    if (Object.keys(item.default ?? {}).length > 0) errs.push(FieldError.forbidden(path.child('default'), "may not be specified when `type` is 'Pod'"));
    if (Object.keys(item.defaultRequest ?? {}).length > 0) errs.push(FieldError.forbidden(path.child('defaultRequest'), "may not be specified when `type` is 'Pod'"));
  } else {
    names('default');
    names('defaultRequest');
  }
  if (type === 'PersistentVolumeClaim' && item.min?.['storage'] === undefined && item.max?.['storage'] === undefined) {
    errs.push(FieldError.required(path.child('limits'), 'either minimum or maximum storage value is required, but neither was provided'));
  }
  names('maxLimitRequestRatio');
  const min = quantities(item.min);
  const max = quantities(item.max);
  const dflt = quantities(type === 'Pod' ? undefined : item.default);
  const dreq = quantities(type === 'Pod' ? undefined : item.defaultRequest);
  const ratio = quantities(item.maxLimitRequestRatio);
  const keys = [...new Set([...min.keys(), ...max.keys(), ...dflt.keys(), ...dreq.keys(), ...ratio.keys()])].sort();
  for (const k of keys) {
    const [lo, hi, d, dr, r] = [min.get(k), max.get(k), dflt.get(k), dreq.get(k), ratio.get(k)];
    if (lo !== undefined && hi !== undefined && lo.cmp(hi) > 0) errs.push(FieldError.invalid(path.child('min').key(k), goQuantity(lo), `min value ${lo.toString()} is greater than max value ${hi.toString()}`));
    if (dr !== undefined && lo !== undefined && lo.cmp(dr) > 0) errs.push(FieldError.invalid(path.child('defaultRequest').key(k), goQuantity(dr), `min value ${lo.toString()} is greater than default request value ${dr.toString()}`));
    if (dr !== undefined && hi !== undefined && dr.cmp(hi) > 0) errs.push(FieldError.invalid(path.child('defaultRequest').key(k), goQuantity(dr), `default request value ${dr.toString()} is greater than max value ${hi.toString()}`));
    if (dr !== undefined && d !== undefined && dr.cmp(d) > 0) errs.push(FieldError.invalid(path.child('defaultRequest').key(k), goQuantity(dr), `default request value ${dr.toString()} is greater than default limit value ${d.toString()}`));
    if (d !== undefined && lo !== undefined && lo.cmp(d) > 0) errs.push(FieldError.invalid(path.child('default').key(k), goQuantity(lo), `min value ${lo.toString()} is greater than default value ${d.toString()}`));
    if (d !== undefined && hi !== undefined && d.cmp(hi) > 0) errs.push(FieldError.invalid(path.child('default').key(k), goQuantity(hi), `default value ${d.toString()} is greater than max value ${hi.toString()}`));
    if (r !== undefined && r.cmp(parseQuantity('1')) < 0) errs.push(FieldError.invalid(path.child('maxLimitRequestRatio').key(k), goQuantity(r), `ratio ${r.toString()} is less than 1`));
    if (r !== undefined && lo !== undefined && hi !== undefined) {
      const limit = Number(hi.milliValue()) / Number(lo.milliValue());
      if (Number(r.milliValue()) / 1000 > limit) errs.push(FieldError.invalid(path.child('maxLimitRequestRatio').key(k), goQuantity(r), `ratio ${r.toString()} is greater than max/min = ${limit.toFixed(6)}`));
    }
    // IsOvercommitAllowed: a native resource (no domain, or kubernetes.io's) that is not huge pages.
    const overcommit = !k.startsWith('hugepages-') && (!k.includes('/') || k.includes('kubernetes.io/'));
    if (!overcommit && d !== undefined && dr !== undefined && d.cmp(dr) !== 0) {
      errs.push(FieldError.invalid(path.child('defaultRequest').key(k), goQuantity(dr), `default value ${d.toString()} must equal to defaultRequest value ${dr.toString()} in ${k}`));
    }
  }
  return errs;
}

/** validateLimitRange is ValidateLimitRange beyond the metadata. */
function validateLimitRange(obj: KubeObject): FieldError[] {
  const items = (obj as LimitRange).spec?.limits ?? [];
  const path = FieldPath.root('spec', 'limits');
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    errs.push(...validateItem(item, path.index(i)));
    if (seen.has(item.type)) errs.push(FieldError.duplicate(path.index(i).child('type'), item.type));
    seen.add(item.type);
  });
  return errs;
}

/** defaultItem is SetDefaults_LimitRangeItem: a Container item's default from max, its defaultRequest from default or min. */
function defaultItem(item: LimitRangeItem): void {
  if (item.type !== 'Container') return;
  const dflt = { ...(item.default ?? {}) };
  for (const [k, v] of Object.entries(item.max ?? {})) dflt[k] ??= v;
  const dreq = { ...(item.defaultRequest ?? {}) };
  for (const [k, v] of Object.entries(dflt)) dreq[k] ??= v;
  for (const [k, v] of Object.entries(item.min ?? {})) dreq[k] ??= v;
  if (Object.keys(dflt).length > 0) item.default = dflt;
  if (Object.keys(dreq).length > 0) item.defaultRequest = dreq;
}

/** LIMIT_RANGES is core/v1 limitranges. */
export const LIMIT_RANGES: ResourceType = defineResource({
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  resource: 'limitranges',
  namespaced: true,
  shortNames: ['limits'],
  allowCreateOnUpdate: true,
  defaults: (o) => {
    for (const item of (o as LimitRange).spec?.limits ?? []) defaultItem(item);
  },
  validate: validateLimitRange,
});
