/**
 * core/v1 limitranges, as kube-apiserver 1.32 stores them: items of type Pod, Container or PersistentVolumeClaim (each
 * type once), resource names as kube allows per type, no defaults for a Pod item, a PersistentVolumeClaim item
 * bounded in storage, and each resource's min ≤ defaultRequest ≤ default ≤ max with a ratio of at least 1 and at most
 * max/min; a Container item's missing default is its max, its missing defaultRequest its default or min
 * (SetDefaults_LimitRangeItem). kube's words throughout; the LimitRanger admission (limit-ranger.ts) applies them.
 */
import { FieldError, FieldPath, goQuantity, isQualifiedName, parseQuantity, type GoRendered, type KubeObject, type LimitRange, type LimitRangeItem, type Quantity, type ResourceList } from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { defineResource } from './generic.js';
import { validateContainerResourceName, validateResourceName } from './resource-names.js';

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];


/** Amount is a quantity as parsed and as written (kube's messages print the Quantity it parsed from the text). */
interface Amount {
  readonly q: Quantity;
  readonly go: GoRendered;
}

function quantities(list: ResourceList | undefined): Map<string, Amount> {
  const out = new Map<string, Amount>();
  for (const [k, v] of Object.entries(list ?? {})) {
    try {
      out.set(k, { q: parseQuantity(String(v)), go: goQuantity(String(v)) });
    } catch {
      // The schema's Quantity check reports it.
    }
  }
  return out;
}

/** validateItem is ValidateLimitRange's checks of one item. */
function validateItem(item: LimitRangeItem, path: FieldPath, seen: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const type = item.type ?? '';
  const typePath = path.child('type');
  const typeErrs = isQualifiedName(type).map((msg) => FieldError.invalid(typePath, type, msg));
  if (typeErrs.length === 0 && !type.includes('/') && !LIMIT_TYPES.includes(type)) typeErrs.push(FieldError.invalid(typePath, type, 'must be a standard limit type or fully qualified'));
  errs.push(...typeErrs);
  if (seen.has(type)) errs.push(FieldError.duplicate(typePath, type));
  seen.add(type);
  const names = (field: keyof LimitRangeItem): void => {
    for (const k of Object.keys((item[field] as ResourceList | undefined) ?? {}).sort()) {
      const at = path.child(field).key(k);
      errs.push(...(type === 'Pod' || type === 'Container' ? validateContainerResourceName(k, at) : validateResourceName(k, at)));
    }
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
    const at = (field: string): FieldPath => path.child(field).key(k);
    if (lo !== undefined && hi !== undefined && lo.q.cmp(hi.q) > 0) errs.push(FieldError.invalid(at('min'), lo.go, `min value ${lo.q.toString()} is greater than max value ${hi.q.toString()}`));
    if (dr !== undefined && lo !== undefined && lo.q.cmp(dr.q) > 0) errs.push(FieldError.invalid(at('defaultRequest'), dr.go, `min value ${lo.q.toString()} is greater than default request value ${dr.q.toString()}`));
    if (dr !== undefined && hi !== undefined && dr.q.cmp(hi.q) > 0) errs.push(FieldError.invalid(at('defaultRequest'), dr.go, `default request value ${dr.q.toString()} is greater than max value ${hi.q.toString()}`));
    if (dr !== undefined && d !== undefined && dr.q.cmp(d.q) > 0) errs.push(FieldError.invalid(at('defaultRequest'), dr.go, `default request value ${dr.q.toString()} is greater than default limit value ${d.q.toString()}`));
    if (d !== undefined && lo !== undefined && lo.q.cmp(d.q) > 0) errs.push(FieldError.invalid(at('default'), lo.go, `min value ${lo.q.toString()} is greater than default value ${d.q.toString()}`));
    if (d !== undefined && hi !== undefined && d.q.cmp(hi.q) > 0) errs.push(FieldError.invalid(at('default'), hi.go, `default value ${d.q.toString()} is greater than max value ${hi.q.toString()}`));
    if (r !== undefined && r.q.cmp(parseQuantity('1')) < 0) errs.push(FieldError.invalid(at('maxLimitRequestRatio'), r.go, `ratio ${r.q.toString()} is less than 1`));
    if (r !== undefined && lo !== undefined && hi !== undefined) {
      const limit = Number(hi.q.milliValue()) / Number(lo.q.milliValue());
      if (Number(r.q.milliValue()) / 1000 > limit) errs.push(FieldError.invalid(at('maxLimitRequestRatio'), r.go, `ratio ${r.q.toString()} is greater than max/min = ${limit.toFixed(6)}`));
    }
    // IsOvercommitAllowed: a native resource (no domain, or kubernetes.io's) that is not huge pages.
    const overcommit = !k.startsWith('hugepages-') && (!k.includes('/') || k.includes('kubernetes.io/'));
    if (!overcommit && d !== undefined && dr !== undefined && d.q.cmp(dr.q) !== 0) {
      errs.push(FieldError.invalid(at('defaultRequest'), dr.go, `default value ${d.q.toString()} must equal to defaultRequest value ${dr.q.toString()} in ${k}`));
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
  items.forEach((item, i) => errs.push(...validateItem(item, path.index(i), seen)));
  return errs;
}

/** defaultItem is SetDefaults_LimitRangeItem: a Container item's default from max, defaultRequest from default or min. */
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
