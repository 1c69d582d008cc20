/**
 * ResourceQuota accounting as kube-apiserver's quota admission and kube-controller-manager's resourcequota controller
 * share it (pkg/quota/v1): what an object uses (the evaluators of pods, services and object counts), which quotas
 * apply to it (a hard resource the evaluator tracks, every scope matching), and resource lists' arithmetic and
 * printing. Pure: no I/O, the time passed in.
 */
import type { Pod, ResourceList, ResourceQuota, ScopedResourceSelectorRequirement, Service } from './core-v1.js';
import type { DeepReadonly } from './meta.js';
import { parseTime } from './time.js';
import { addQuantity, podQOSClass, podRequestsAndLimits, resourceListOf } from './pod-resources.js';
import { Quantity } from './quantity.js';

/** Usage maps quota resource names to amounts. */
export type Usage = Map<string, Quantity>;

/** QuotaResource names a served resource as quota sees it: its group and plural name. */
export interface QuotaResource {
  readonly group: string;
  readonly resource: string;
}

const POD_COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];

/** POD_RESOURCES are the quota resources the pod evaluator tracks (besides hugepages and extended requests). */
const POD_RESOURCES = new Set(['count/pods', 'pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage']);

/** SERVICE_RESOURCES are the quota resources the service evaluator tracks. */
const SERVICE_RESOURCES = new Set(['count/services', 'services', 'services.nodeports', 'services.loadbalancers']);

/**
 * QUOTA_COUNTED_KINDS are the kinds whose objects quota counts (`count/<resource>[.<group>]`): those the resourcequota
 * controller watches. kube counts every kind but events; a quota on another kind's count is not enforced here.
 */
export const QUOTA_COUNTED_KINDS: readonly QuotaResource[] = [
  { group: '', resource: 'pods' },
  { group: '', resource: 'services' },
  { group: '', resource: 'configmaps' },
  { group: '', resource: 'secrets' },
  { group: '', resource: 'resourcequotas' },
  { group: '', resource: 'serviceaccounts' },
  { group: 'apps', resource: 'deployments' },
  { group: 'apps', resource: 'replicasets' },
  { group: 'apps', resource: 'statefulsets' },
  { group: 'apps', resource: 'daemonsets' },
  { group: 'batch', resource: 'jobs' },
  { group: 'batch', resource: 'cronjobs' },
];

/** LEGACY_COUNT names the old object-count resource of a few core kinds (`configmaps` besides `count/configmaps`). */
const LEGACY_COUNT: Readonly<Record<string, string>> = { configmaps: 'configmaps', secrets: 'secrets', resourcequotas: 'resourcequotas', replicationcontrollers: 'replicationcontrollers' };

/** CONTAINER_CONSTRAINED are the resources every container must state once a quota limits them (pods' Constraints). */
const CONTAINER_CONSTRAINED = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** countResource is `count/<resource>[.<group>]`, the object-count quota resource of r. */
export function countResource(r: QuotaResource): string {
  return r.group === '' ? `count/${r.resource}` : `count/${r.resource}.${r.group}`;
}

/** isPod and isService tell the evaluators' kinds apart. */
function isPod(r: QuotaResource): boolean {
  return r.group === '' && r.resource === 'pods';
}
function isService(r: QuotaResource): boolean {
  return r.group === '' && r.resource === 'services';
}

/** tracks says whether r's evaluator accounts for quota resource name. */
export function tracks(r: QuotaResource, name: string): boolean {
  if (isPod(r)) return POD_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
  if (isService(r)) return SERVICE_RESOURCES.has(name);
  if (!QUOTA_COUNTED_KINDS.some((k) => k.group === r.group && k.resource === r.resource)) return false;
  return name === countResource(r) || (r.group === '' && LEGACY_COUNT[r.resource] === name);
}

/** chargesUpdates says whether r's evaluator charges updates (services) or only creates (pods in 1.32, object counts). */
export function chargesUpdates(r: QuotaResource): boolean {
  return isService(r);
}

/**
 * isQuotaActivePod is QuotaV1Pod: a pod holds compute quota unless it is terminal or its deletion's grace period
 * has passed.
 */
export function isQuotaActivePod(pod: DeepReadonly<Pod>, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const deletedAt = pod.metadata.deletionTimestamp;
  const grace = pod.metadata.deletionGracePeriodSeconds;
  if (deletedAt && grace !== undefined && grace !== null && parseTime(deletedAt) + grace * 1000 < now) return false;
  return true;
}

/** computeUsage maps requests and limits to quota names (podComputeUsageHelper): cpu is `cpu` and `requests.cpu`, … */
function computeUsage(requests: ReadonlyMap<string, Quantity>, limits: ReadonlyMap<string, Quantity>): Usage {
  const u: Usage = new Map();
  for (const name of POD_COMPUTE) {
    const r = requests.get(name);
    if (r !== undefined) {
      u.set(name, r);
      u.set(`requests.${name}`, r);
    }
    const l = limits.get(name);
    if (l !== undefined) u.set(`limits.${name}`, l);
  }
  for (const [name, q] of requests) if (name.startsWith('hugepages-')) u.set(`requests.${name}`, q).set(name, q);
  return u;
}

/** podUsage is what a pod uses (PodUsageFunc): count/pods always; pods and compute while it is active. */
export function podUsage(pod: DeepReadonly<Pod>, now: number): Usage {
  const u: Usage = new Map([['count/pods', Quantity.fromValue(1)]]);
  if (!isQuotaActivePod(pod, now)) return u;
  u.set('pods', Quantity.fromValue(1));
  const { requests, limits } = podRequestsAndLimits(pod.spec);
  for (const [k, q] of computeUsage(requests, limits)) u.set(k, q);
  return u;
}

/** serviceUsage is what a Service uses: itself, its node ports (NodePort and LoadBalancer) and load balancer. */
export function serviceUsage(svc: DeepReadonly<Service>): Usage {
  const one = Quantity.fromValue(1);
  const u: Usage = new Map([
    ['count/services', one],
    ['services', one],
  ]);
  const type = svc.spec?.type ?? 'ClusterIP';
  const ports = svc.spec?.ports ?? [];
  if (type === 'NodePort') u.set('services.nodeports', Quantity.fromValue(ports.length));
  if (type === 'LoadBalancer') {
    const allocate = svc.spec?.allocateLoadBalancerNodePorts ?? true;
    u.set('services.nodeports', Quantity.fromValue(allocate ? ports.length : ports.filter((p) => (p.nodePort ?? 0) > 0).length));
    u.set('services.loadbalancers', one);
  }
  return u;
}

/** usageOf is what obj of resource r uses, by r's evaluator. */
export function usageOf(r: QuotaResource, obj: unknown, now: number): Usage {
  if (isPod(r)) return podUsage(obj as DeepReadonly<Pod>, now);
  if (isService(r)) return serviceUsage(obj as DeepReadonly<Service>);
  const u: Usage = new Map([[countResource(r), Quantity.fromValue(1)]]);
  const legacy = r.group === '' ? LEGACY_COUNT[r.resource] : undefined;
  if (legacy !== undefined) u.set(legacy, Quantity.fromValue(1));
  return u;
}

/** isBestEffort says a pod's QoS class is BestEffort (qos.GetPodQOS: as its status records it, else computed). */
function isBestEffort(pod: DeepReadonly<Pod>): boolean {
  return (pod.status?.qosClass ?? podQOSClass(pod.spec)) === 'BestEffort';
}

/** usesCrossNamespaceAffinity says a pod's affinity terms reach other namespaces (namespaces or a namespaceSelector). */
function usesCrossNamespaceAffinity(pod: DeepReadonly<Pod>): boolean {
  const a = pod.spec?.affinity;
  const terms = [
    ...(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
    ...(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
  ];
  return terms.some((t) => (t?.namespaces ?? []).length > 0 || (t?.namespaceSelector !== undefined && t.namespaceSelector !== null));
}

/** scopeRequirements is a quota's scopes as requirements: spec.scopes as Exists, then the scopeSelector's. */
export function scopeRequirements(quota: DeepReadonly<ResourceQuota>): readonly DeepReadonly<ScopedResourceSelectorRequirement>[] {
  return [...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' as const })), ...(quota.spec?.scopeSelector?.matchExpressions ?? [])];
}

/** podMatchesScope says a pod is in a scope requirement (podMatchesScopeFunc). */
function podMatchesScope(req: DeepReadonly<ScopedResourceSelectorRequirement>, pod: DeepReadonly<Pod>): boolean {
  const deadline = pod.spec?.activeDeadlineSeconds;
  switch (req.scopeName) {
    case 'Terminating':
      return deadline !== undefined && deadline !== null && deadline >= 0;
    case 'NotTerminating':
      return deadline === undefined || deadline === null;
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespaceAffinity(pod);
    case 'PriorityClass': {
      const name = pod.spec?.priorityClassName ?? '';
      const values = req.values ?? [];
      switch (req.operator) {
        case 'Exists':
          return name !== '';
        case 'DoesNotExist':
          // kube matches against a label set that always holds the scope's key: never.
          return false;
        case 'In':
          return values.includes(name);
        case 'NotIn':
          return !values.includes(name);
      }
      return false;
    }
  }
  return false;
}

/**
 * quotaApplies says quota constrains obj of resource r: one of its enforced (status.hard) resources is one r's
 * evaluator tracks, and every scope matches — a pod by its scopes; any other object only a quota without scopes.
 */
export function quotaApplies(quota: DeepReadonly<ResourceQuota>, r: QuotaResource, obj: unknown): boolean {
  if (!Object.keys(quota.status?.hard ?? {}).some((name) => tracks(r, name))) return false;
  const scopes = scopeRequirements(quota);
  if (scopes.length === 0) return true;
  return isPod(r) && scopes.every((s) => podMatchesScope(s, obj as DeepReadonly<Pod>));
}

/**
 * missingContainerRequests is the pod evaluator's Constraints: once a quota limits cpu or memory (requests or limits),
 * every container (and init container) must state them; it returns kube's `must specify …` detail, or undefined.
 */
export function missingContainerRequests(hard: Iterable<string>, pod: DeepReadonly<Pod>): string | undefined {
  const required = [...hard].filter((n) => CONTAINER_CONSTRAINED.has(n));
  if (required.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const requests = resourceListOf(c.resources?.requests);
    const limits = resourceListOf(c.resources?.limits);
    const has = computeUsage(requests, limits);
    for (const name of required) {
      if (has.has(name)) continue;
      const set = missing.get(name) ?? new Set<string>();
      set.add(c.name);
      missing.set(name, set);
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((name) => `${name} for: ${[...missing.get(name)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

/** usageToList prints a Usage as a ResourceList, names sorted. */
export function usageToList(u: ReadonlyMap<string, Quantity>): ResourceList {
  const out: ResourceList = {};
  for (const k of [...u.keys()].sort()) out[k] = u.get(k)!.toString();
  return out;
}

/** addUsage is a + b over every name of either. */
export function addUsage(a: ReadonlyMap<string, Quantity>, b: ReadonlyMap<string, Quantity>): Usage {
  const out: Usage = new Map(a);
  for (const [k, q] of b) addQuantity(out, k, q);
  return out;
}

/** increase is new − old per name, kept where it is above zero (SubtractWithNonNegativeResult, zeros dropped). */
export function increase(next: ReadonlyMap<string, Quantity>, old: ReadonlyMap<string, Quantity>): Usage {
  const out: Usage = new Map();
  for (const [k, q] of next) {
    const d = q.sub(old.get(k) ?? Quantity.zero());
    if (d.sign() > 0) out.set(k, d);
  }
  return out;
}

/** removeZeros drops the names whose amount is zero (quota.RemoveZeros). */
export function removeZeros(u: ReadonlyMap<string, Quantity>): Usage {
  return new Map([...u].filter(([, q]) => !q.isZero()));
}

/** maskUsage keeps the names of u that are in names. */
export function maskUsage(u: ReadonlyMap<string, Quantity>, names: Iterable<string>): Usage {
  const keep = new Set(names);
  return new Map([...u].filter(([k]) => keep.has(k)));
}

/** prettyPrint is quota's rendering of a resource list: `name=value` sorted by name, joined by commas. */
export function prettyPrint(u: ReadonlyMap<string, Quantity>): string {
  return [...u.keys()]
    .sort()
    .map((k) => `${k}=${u.get(k)!.toString()}`)
    .join(',');
}
