/**
 * LimitRange enforcement as kube-apiserver's LimitRanger admission plugin does it (plugin/pkg/admission/limitranger):
 * a new pod's containers without requests or limits get the Container items' defaults (recorded in the
 * `kubernetes.io/limit-ranger` annotation), then every container and the pod as a whole are held to the items'
 * min, max and maxLimitRequestRatio, in kube's words. Pure.
 */
import type { Container, LimitRange, LimitRangeItem, Pod, ResourceList } from './core-v1.js';
import type { DeepReadonly } from './meta.js';
import { podRequestsAndLimits, resourceListOf } from './pod-resources.js';
import type { Quantity } from './quantity.js';

/** LIMIT_RANGER_ANNOTATION records which defaults the LimitRanger set. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/** MAX_MILLI_VALUE is resource.MaxMilliValue ((2⁶³ − 1) / 1000): above it quantities compare in whole units. */
const MAX_MILLI_VALUE = (2n ** 63n - 1n) / 1000n;

type Limits = ReadonlyMap<string, Quantity>;


/** observed is requestLimitEnforcedValues: the three values in milli-units, or whole units when enforced is too large. */
function observed(req: Quantity | undefined, lim: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const whole = (q: Quantity | undefined): bigint => (q === undefined ? 0n : q.value());
  const milli = whole(req) <= MAX_MILLI_VALUE && whole(lim) <= MAX_MILLI_VALUE && whole(enforced) <= MAX_MILLI_VALUE;
  const v = (q: Quantity | undefined): bigint => (q === undefined ? 0n : milli ? q.milliValue() : q.value());
  return [v(req), v(lim), v(enforced)];
}

function minConstraint(limitType: string, name: string, enforced: Quantity, requests: Limits, limits: Limits): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = observed(req, lim, enforced);
  if (req === undefined) return `minimum ${name} usage per ${limitType} is ${enforced.toString()}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${limitType} is ${enforced.toString()}, but request is ${req.toString()}`;
  if (lim !== undefined && l < e) return `minimum ${name} usage per ${limitType} is ${enforced.toString()}, but limit is ${lim.toString()}`;
  return undefined;
}

function maxConstraint(limitType: string, name: string, enforced: Quantity, requests: Limits, limits: Limits): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = observed(req, lim, enforced);
  if (lim === undefined) return `maximum ${name} usage per ${limitType} is ${enforced.toString()}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${limitType} is ${enforced.toString()}, but limit is ${lim.toString()}`;
  if (req !== undefined && r > e) return `maximum ${name} usage per ${limitType} is ${enforced.toString()}, but request is ${req.toString()}`;
  return undefined;
}

function ratioConstraint(limitType: string, name: string, enforced: Quantity, requests: Limits, limits: Limits): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l] = observed(req, lim, enforced);
  if (req === undefined || r === 0n) return `${name} max limit to request ratio per ${limitType} is ${enforced.toString()}, but no request is specified or request is 0`;
  if (lim === undefined || l === 0n) return `${name} max limit to request ratio per ${limitType} is ${enforced.toString()}, but no limit is specified or limit is 0`;
  const ratio = Number(l) / Number(r);
  const milli = enforced.value() <= MAX_MILLI_VALUE;
  const max = milli ? Number(enforced.milliValue()) : Number(enforced.value());
  if ((milli ? ratio * 1000 : ratio) > max) return `${name} max limit to request ratio per ${limitType} is ${enforced.toString()}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

/** checkItem holds requests and limits to one item's bounds (sorted by resource name), appending kube's messages. */
function checkItem(item: DeepReadonly<LimitRangeItem>, requests: Limits, limits: Limits, out: string[]): void {
  const each = (list: DeepReadonly<ResourceList> | undefined, check: typeof minConstraint): void => {
    for (const [name, q] of [...resourceListOf(list)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const err = check(item.type, name, q, requests, limits);
      if (err !== undefined) out.push(err);
    }
  };
  each(item.min, minConstraint);
  each(item.max, maxConstraint);
  each(item.maxLimitRequestRatio, ratioConstraint);
}

/** containerDefaults is what a LimitRange's Container items default (defaultContainerResourceRequirements). */
function containerDefaults(lr: DeepReadonly<LimitRange>): { requests: Map<string, string>; limits: Map<string, string> } {
  const requests = new Map<string, string>();
  const limits = new Map<string, string>();
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    for (const [k, v] of Object.entries(item.defaultRequest ?? {})) requests.set(k, v);
    for (const [k, v] of Object.entries(item.default ?? {})) limits.set(k, v);
  }
  return { requests, limits };
}

/**
 * defaultPodResources fills in the containers' missing requests and limits from the LimitRanges' Container items
 * (mergePodResourceRequirements), recording them in the `kubernetes.io/limit-ranger` annotation; pod is changed.
 */
export function defaultPodResources(pod: Pod, ranges: readonly DeepReadonly<LimitRange>[]): void {
  for (const lr of ranges) {
    const d = containerDefaults(lr);
    if (d.requests.size === 0 && d.limits.size === 0) continue;
    // Each LimitRange's notes replace the last one's, as kube's mergePodResourceRequirements writes them.
    const notes: string[] = [];
    const fill = (list: ResourceList | undefined, defaults: ReadonlyMap<string, string>): { list: ResourceList | undefined; set: string[] } => {
      const set = [...defaults.keys()].filter((k) => list?.[k] === undefined);
      if (set.length === 0) return { list, set };
      return { list: { ...list, ...Object.fromEntries(set.map((k) => [k, defaults.get(k)!])) }, set };
    };
    const merge = (c: Container, prefix: string): void => {
      const limits = fill(c.resources?.limits, d.limits);
      const requests = fill(c.resources?.requests, d.requests);
      if (limits.set.length + requests.set.length === 0) return;
      c.resources = { ...c.resources, ...(limits.list === undefined ? {} : { limits: limits.list }), ...(requests.list === undefined ? {} : { requests: requests.list }) };
      if (requests.set.length > 0) notes.push(`${requests.set.sort().join(', ')} request for ${prefix} ${c.name}`);
      if (limits.set.length > 0) notes.push(`${limits.set.sort().join(', ')} limit for ${prefix} ${c.name}`);
    };
    for (const c of pod.spec?.containers ?? []) merge(c, 'container');
    for (const c of pod.spec?.initContainers ?? []) merge(c, 'init container');
    if (notes.length > 0) pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  }
}

/**
 * podLimitViolations is what one LimitRange finds wrong with pod (PodValidateLimitFunc): each container's (and init
 * container's) requests and limits against the Container items, the pod's totals against the Pod items.
 */
export function podLimitViolations(pod: DeepReadonly<Pod>, lr: DeepReadonly<LimitRange>): string[] {
  const out: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) checkItem(item, resourceListOf(c.resources?.requests), resourceListOf(c.resources?.limits), out);
    } else if (item.type === 'Pod') {
      // The pod's totals, without its overhead (kube's PodRequests with ExcludeOverhead).
      const { requests, limits } = podRequestsAndLimits(pod.spec, { excludeOverhead: true });
      checkItem(item, requests, limits, out);
    }
  }
  return out;
}
