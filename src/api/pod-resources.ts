/**
 * What a pod asks for, as kube's resource helpers compute it (k8s.io/component-helpers resource.PodRequests /
 * PodLimits and qos.GetPodQOS), in exact quantities: shared by the API server's admission (quota, limit ranges, the
 * QoS class it records), the controllers and the hollow kubelet's admission. (The scheduler keeps a memoised numeric
 * version of the same sum for its hot path.)
 */
import type { PodQOSClass, PodSpec, ResourceList } from './core-v1.js';
import type { DeepReadonly } from './meta.js';
import { parseQuantity, type Quantity } from './quantity.js';

/** resourceListOf parses a ResourceList into quantities by name. */
export function resourceListOf(list: DeepReadonly<ResourceList> | undefined): Map<string, Quantity> {
  return new Map(Object.entries(list ?? {}).map(([k, v]) => [k, parseQuantity(v)]));
}

/** addQuantity adds q to into's amount of name (a name it lacks starts at q). */
export function addQuantity(into: Map<string, Quantity>, name: string, q: Quantity): void {
  const cur = into.get(name);
  into.set(name, cur === undefined ? q : cur.add(q));
}

function maxInto(into: Map<string, Quantity>, name: string, q: Quantity): void {
  const cur = into.get(name);
  if (cur === undefined || q.cmp(cur) > 0) into.set(name, q);
}

/**
 * podRequestsAndLimits is a pod's requests and limits (PodRequests / PodLimits): the sum of its containers', raised
 * to any init container's, plus — unless excludeOverhead — the overhead (for limits, only where a limit is set).
 */
export function podRequestsAndLimits(spec: DeepReadonly<PodSpec> | undefined, opts: { readonly excludeOverhead?: boolean } = {}): { requests: Map<string, Quantity>; limits: Map<string, Quantity> } {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  for (const c of spec?.containers ?? []) {
    for (const [k, q] of resourceListOf(c.resources?.requests)) addQuantity(requests, k, q);
    for (const [k, q] of resourceListOf(c.resources?.limits)) addQuantity(limits, k, q);
  }
  for (const c of spec?.initContainers ?? []) {
    for (const [k, q] of resourceListOf(c.resources?.requests)) maxInto(requests, k, q);
    for (const [k, q] of resourceListOf(c.resources?.limits)) maxInto(limits, k, q);
  }
  if (opts.excludeOverhead !== true) {
    for (const [k, q] of resourceListOf(spec?.overhead)) {
      addQuantity(requests, k, q);
      const limit = limits.get(k);
      if (limit !== undefined && !limit.isZero()) limits.set(k, limit.add(q));
    }
  }
  return { requests, limits };
}

const QOS_RESOURCES = ['cpu', 'memory'];

/**
 * podQOSClass is a pod's QoS class (qos.GetPodQOS, computed): over its containers and init containers, positive cpu
 * and memory requests and limits only — none: BestEffort; every container limiting both and the requests equal to
 * the limits: Guaranteed; else Burstable.
 */
export function podQOSClass(spec: DeepReadonly<PodSpec> | undefined): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const [k, q] of resourceListOf(c.resources?.requests)) if (QOS_RESOURCES.includes(k) && q.sign() > 0) addQuantity(requests, k, q);
    const found = new Set<string>();
    for (const [k, q] of resourceListOf(c.resources?.limits)) {
      if (!QOS_RESOURCES.includes(k) || q.sign() <= 0) continue;
      found.add(k);
      addQuantity(limits, k, q);
    }
    if (!QOS_RESOURCES.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [k, req] of requests) {
      const lim = limits.get(k);
      if (lim === undefined || lim.cmp(req) !== 0) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
