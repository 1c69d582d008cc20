/**
 * What the endpointslice controller writes for one Service, as kube-controller-manager's EndpointSlice
 * reconciler decides it (pure: the caller gives the service, its namespace's pods, the nodes' zones and the
 * slices the controller manages for it):
 *
 * - each selected pod with an IPv4 address that may be in endpoints (terminating pods included) is an endpoint:
 *   its IP, conditions ready (Ready and not terminating, or the service publishes not-ready addresses), serving
 *   (Ready) and terminating, a targetRef to the pod, its node, its node's zone and, when the pod names the service
 *   as its subdomain, its hostname;
 * - its ports are the service's ports resolved against the pod (podToEndpoint, getEndpointPorts): pods that
 *   resolve them alike share slices, at most maxEndpointsPerSlice (100) endpoints per slice;
 * - an endpoint stays in the slice that holds it while that slice has room, new endpoints fill slices with room
 *   before a slice is created, so a pod coming or going rewrites one slice, not all of them;
 * - a slice left empty is deleted, except one empty placeholder (no ports, no endpoints) for a service that
 *   selects nothing; a slice about to be deleted is rewritten instead of creating another (kube's finalize), so
 *   the placeholder becomes the first slice of pods;
 * - every slice carries the service's labels, `kubernetes.io/service-name`, `endpointslice.kubernetes.io/managed-by
 *   = endpointslice-controller.k8s.io` (and `service.kubernetes.io/headless` for a headless service), and the
 *   service as its controlling owner; new slices are named `<service>-` plus a generated suffix.
 */
import {
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  compareIP,
  deepCopy,
  isControlledBy,
  jsonEqual,
  newControllerRef,
  selectorFromSet,
  type DeepReadonly,
  type Endpoint,
  type EndpointSlice,
  type EndpointSlicePort,
  type KubeObject,
  type Pod,
  type Service,
} from '../../../api/index.js';
import { findPort, isPodReady, LABEL_HEADLESS } from '../endpoint/endpoint-subsets.js';

const SERVICE_KIND = { group: '', version: 'v1', kind: 'Service' };

/** CONTROLLER_NAME is the managed-by label value of the slices this controller writes. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';

/** DEFAULT_MAX_ENDPOINTS_PER_SLICE is kube-controller-manager's --max-endpoints-per-slice. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

/** SliceChanges are the writes that make a service's slices what they should be. */
export interface SliceChanges {
  readonly create: EndpointSlice[];
  readonly update: EndpointSlice[];
  readonly delete: DeepReadonly<EndpointSlice>[];
}

interface Desired {
  readonly ports: EndpointSlicePort[];
  readonly endpoints: Endpoint[];
}

function canonicalPort(p: DeepReadonly<EndpointSlicePort>): EndpointSlicePort {
  return { name: p.name ?? '', protocol: p.protocol ?? 'TCP', ...(p.port === undefined ? {} : { port: p.port }), ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }) };
}

/** portsKey identifies a set of ports whatever their order. */
function portsKey(ports: readonly DeepReadonly<EndpointSlicePort>[]): string {
  return JSON.stringify(ports.map(canonicalPort).sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : (a.port ?? 0) - (b.port ?? 0))));
}

function podEndpoint(pod: DeepReadonly<Pod>, svc: DeepReadonly<Service>, zoneOf: (node: string) => string | undefined): Endpoint {
  const serving = isPodReady(pod);
  const terminating = beingDeleted(pod);
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = {
    addresses: [pod.status!.podIP!],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
  const node = pod.spec?.nodeName ?? '';
  if (node !== '') {
    ep.nodeName = node;
    const zone = zoneOf(node);
    if (zone !== undefined && zone !== '') ep.zone = zone;
  }
  if ((pod.spec?.hostname ?? '') !== '' && pod.spec?.subdomain === svc.metadata.name) ep.hostname = pod.spec!.hostname!;
  return ep;
}

/** desiredByPorts groups the service's endpoints by the ports they resolve to, each group sorted by address. */
function desiredByPorts(svc: DeepReadonly<Service>, pods: readonly DeepReadonly<Pod>[], zoneOf: (node: string) => string | undefined): Map<string, Desired> {
  const out = new Map<string, Desired>();
  const selector = selectorFromSet(svc.spec?.selector ?? {});
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !selector.matches(pod.metadata.labels ?? {})) continue;
    // Kubernetes 1.32's ShouldPodBeInEndpoints: a finished pod is out whatever its restart policy.
    const phase = pod.status?.phase;
    if (phase === 'Failed' || phase === 'Succeeded' || !/^\d+\.\d+\.\d+\.\d+$/.test(pod.status?.podIP ?? '')) continue;
    const ports: EndpointSlicePort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port, ...(sp.appProtocol === undefined ? {} : { appProtocol: sp.appProtocol }) });
    }
    const key = portsKey(ports);
    let d = out.get(key);
    if (d === undefined) out.set(key, (d = { ports, endpoints: [] }));
    d.endpoints.push(podEndpoint(pod, svc, zoneOf));
  }
  for (const d of out.values()) d.endpoints.sort((a, b) => compareIP(a.addresses[0]!, b.addresses[0]!));
  return out;
}

/** sliceLabels are the labels every slice of svc carries. */
export function sliceLabels(svc: DeepReadonly<Service>): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata.labels };
  delete labels[LABEL_HEADLESS];
  if (svc.spec?.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata.name ?? '';
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return labels;
}

function newSlice(svc: DeepReadonly<Service>, ports: EndpointSlicePort[], endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name ?? ''}-`,
      namespace: svc.metadata.namespace ?? '',
      labels: sliceLabels(svc),
      ownerReferences: [newControllerRef(svc as Service, SERVICE_KIND)],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

/** rewritten is slice with the given endpoints (and ports, labels and owner), or undefined when it says that already. */
function rewritten(svc: DeepReadonly<Service>, slice: DeepReadonly<EndpointSlice>, ports: EndpointSlicePort[], endpoints: Endpoint[]): EndpointSlice | undefined {
  const fresh = newSlice(svc, ports, endpoints);
  const owners = fresh.metadata.ownerReferences!;
  const labels = fresh.metadata.labels!;
  if (jsonEqual(slice.endpoints ?? [], endpoints) && jsonEqual((slice.ports ?? []).map(canonicalPort), ports.map(canonicalPort)) && jsonEqual(slice.metadata.labels ?? {}, labels) && jsonEqual(slice.metadata.ownerReferences ?? [], owners)) return undefined;
  const copy = deepCopy<EndpointSlice>(slice);
  return { ...copy, metadata: { ...copy.metadata, labels, ownerReferences: owners }, endpoints, ports };
}

/**
 * reconcileSlices works out the writes for svc (see the module comment); existing are the slices this
 * controller manages for it. As kube's reconciler: a service that is gone, has no selector or is ExternalName
 * gets nothing (its slices are the garbage collector's, through their owner reference, so orphan propagation
 * keeps them); slices being deleted are left alone; slices owned by another object (an older service of the
 * same name) are deleted and never reused; a service being deleted gets no new slice.
 */
export function reconcileSlices(
  svc: DeepReadonly<Service> | undefined,
  pods: readonly DeepReadonly<Pod>[],
  zoneOf: (node: string) => string | undefined,
  existing: readonly DeepReadonly<EndpointSlice>[],
  maxEndpointsPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE,
): SliceChanges {
  if (svc === undefined || svc.spec?.selector === undefined || svc.spec.type === 'ExternalName') return { create: [], update: [], delete: [] };
  const live = existing.filter((s) => !beingDeleted(s));
  const owned = live.filter((s) => isControlledBy(s as EndpointSlice, svc as Service));
  const foreign = live.filter((s) => !owned.includes(s));
  const changes = plannedChanges(svc, pods, zoneOf, owned, maxEndpointsPerSlice);
  // As kube's finalize: a slice about to be deleted is rewritten in place of one about to be created.
  const create: EndpointSlice[] = [];
  const update = [...changes.update];
  const remove = [...changes.delete];
  for (const fresh of changes.create) {
    const reused = remove.find((r) => r.addressType === fresh.addressType);
    if (reused === undefined) create.push(fresh);
    else {
      remove.splice(remove.indexOf(reused), 1);
      const copy = deepCopy<EndpointSlice>(reused);
      update.push({ ...fresh, metadata: { ...copy.metadata, labels: fresh.metadata.labels!, ownerReferences: fresh.metadata.ownerReferences! } });
    }
  }
  const deleting = beingDeleted(svc);
  return { create: deleting ? [] : create, update, delete: [...remove, ...foreign] };
}

function beingDeleted(obj: DeepReadonly<KubeObject>): boolean {
  return obj.metadata.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
}

function plannedChanges(
  svc: DeepReadonly<Service>,
  pods: readonly DeepReadonly<Pod>[],
  zoneOf: (node: string) => string | undefined,
  existing: readonly DeepReadonly<EndpointSlice>[],
  maxEndpointsPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE,
): SliceChanges {
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  const desired = desiredByPorts(svc, pods, zoneOf);
  const byKey = new Map<string, DeepReadonly<EndpointSlice>[]>();
  for (const s of [...existing].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))) {
    const key = portsKey(s.ports ?? []);
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  for (const [key, d] of desired) {
    const slices = byKey.get(key) ?? [];
    byKey.delete(key);
    // Keep each endpoint where it is while its slice has room; the rest fill slices with room, then new ones.
    const where = new Map<string, number>();
    slices.forEach((s, i) => (s.endpoints ?? []).forEach((e) => where.set(e.addresses?.[0] ?? '', i)));
    const placed: Endpoint[][] = slices.map(() => []);
    const homeless: Endpoint[] = [];
    for (const ep of d.endpoints) {
      const i = where.get(ep.addresses[0]!);
      if (i !== undefined && placed[i]!.length < maxEndpointsPerSlice) placed[i]!.push(ep);
      else homeless.push(ep);
    }
    for (const ep of homeless) {
      const i = placed.findIndex((p) => p.length < maxEndpointsPerSlice);
      if (i >= 0) placed[i]!.push(ep);
      else placed.push([ep]);
    }
    placed.forEach((eps, i) => {
      eps.sort((a, b) => compareIP(a.addresses[0]!, b.addresses[0]!));
      const current = slices[i];
      if (current === undefined) changes.create.push(newSlice(svc, d.ports, eps));
      else if (eps.length === 0) changes.delete.push(current);
      else {
        const next = rewritten(svc, current, d.ports, eps);
        if (next !== undefined) changes.update.push(next);
      }
    });
  }
  // Slices of port sets no endpoint resolves to any more.
  const leftover = [...byKey.values()].flat();
  if (desired.size > 0) {
    changes.delete.push(...leftover);
    return changes;
  }
  // Nothing selected: one empty placeholder, kept if there is one.
  const keep = leftover.find((s) => (s.ports ?? []).length === 0) ?? leftover[0];
  for (const s of leftover) if (s !== keep) changes.delete.push(s);
  if (keep === undefined) changes.create.push(newSlice(svc, [], []));
  else {
    const next = rewritten(svc, keep, [], []);
    if (next !== undefined) changes.update.push(next);
  }
  return changes;
}
