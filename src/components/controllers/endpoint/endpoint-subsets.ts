/**
 * The Endpoints of a Service, as kube-controller-manager's endpoint controller computes them (syncService and
 * endpoints.RepackSubsets): each selected pod with an IP is an address — ready when the pod is Ready (or the
 * service publishes not-ready addresses), otherwise a not-ready address unless its restart policy says it will
 * never run again; a terminating pod is left out (unless the service publishes not-ready addresses). Ports come
 * from the service's targetPort: a number as is, a name looked up among the pod's container ports of the same
 * protocol (a pod without that named port is left out of that port's subset). Subsets are repacked so addresses
 * that share the same ports share a subset, addresses sorted by IP, ports by name.
 */
import { isPodReady, repackSubsets, selectorFromSet, type DeepReadonly, type EndpointAddress, type EndpointPort, type Endpoints, type EndpointSubset, type Pod, type Service, type ServicePort } from '../../../api/index.js';

/** LABEL_HEADLESS marks the Endpoints of a headless service (service.kubernetes.io/headless). */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';

export { isPodReady };

/** shouldPodBeInEndpoints is endpointutil.ShouldPodBeInEndpoints of Kubernetes 1.20. */
export function shouldPodBeInEndpoints(pod: DeepReadonly<Pod>): boolean {
  if ((pod.status?.podIP ?? '') === '') return false;
  const phase = pod.status?.phase;
  switch (pod.spec?.restartPolicy) {
    case 'Never':
      return phase !== 'Failed' && phase !== 'Succeeded';
    case 'OnFailure':
      return phase !== 'Succeeded';
    default:
      return true;
  }
}

/** findPort resolves a service port's targetPort against pod (podutil.FindPort); undefined when it cannot. */
export function findPort(pod: DeepReadonly<Pod>, sp: DeepReadonly<ServicePort>): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target === 0 ? sp.port : target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

function address(pod: DeepReadonly<Pod>, svc: DeepReadonly<Service>): EndpointAddress {
  const a: EndpointAddress = { ip: pod.status!.podIP! };
  if ((pod.spec?.nodeName ?? '') !== '') a.nodeName = pod.spec!.nodeName!;
  if ((pod.spec?.hostname ?? '') !== '' && pod.spec?.subdomain === svc.metadata.name) a.hostname = pod.spec!.hostname!;
  // No resourceVersion in targetRef: it would make every pod write rewrite the Endpoints.
  a.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' };
  return a;
}

/**
 * podEndpointChanged reports whether a pod update can change any Endpoints (endpointutil.podEndpointsChanged):
 * its labels, readiness, IP, node, hostname or deletion.
 */
export function podEndpointChanged(a: DeepReadonly<Pod>, b: DeepReadonly<Pod>): boolean {
  const view = (p: DeepReadonly<Pod>): string =>
    JSON.stringify([p.metadata.labels ?? {}, isPodReady(p), p.status?.podIP ?? '', p.status?.phase ?? '', p.spec?.nodeName ?? '', p.spec?.hostname ?? '', p.spec?.subdomain ?? '', !!p.metadata.deletionTimestamp]);
  return view(a) !== view(b);
}

/** endpointSubsets computes the subsets of svc from the pods of its namespace (any pods: it applies the selector). */
export function endpointSubsets(svc: DeepReadonly<Service>, pods: readonly DeepReadonly<Pod>[]): EndpointSubset[] {
  const selector = selectorFromSet(svc.spec?.selector ?? {});
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const subsets: EndpointSubset[] = [];
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !selector.matches(pod.metadata.labels ?? {})) continue;
    if ((pod.status?.podIP ?? '') === '') continue;
    if (pod.metadata.deletionTimestamp && !tolerateUnready) continue;
    const ready = tolerateUnready || isPodReady(pod);
    if (!ready && !shouldPodBeInEndpoints(pod)) continue;
    const addr = address(pod, svc);
    const put = (ports: EndpointPort[]): void => {
      subsets.push(ready ? { addresses: [addr], ...(ports.length > 0 ? { ports } : {}) } : { notReadyAddresses: [addr], ...(ports.length > 0 ? { ports } : {}) });
    };
    const servicePorts = svc.spec?.ports ?? [];
    if (servicePorts.length === 0) {
      // A headless service without ports: addresses only.
      if (svc.spec?.clusterIP === 'None') put([]);
      continue;
    }
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      put([{ ...(sp.name === undefined || sp.name === '' ? {} : { name: sp.name }), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol === undefined ? {} : { appProtocol: sp.appProtocol }) }]);
    }
  }
  return repackSubsets(subsets);
}

/** endpointsLabels are the labels the Endpoints carry: the service's, plus the headless mark. */
export function endpointsLabels(svc: DeepReadonly<Service>): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
  else delete labels[LABEL_HEADLESS];
  return labels;
}

/**
 * desiredEndpoints returns the Endpoints object to write for svc given the current one, or undefined when the
 * current one already says it (so no write is sent).
 */
export function desiredEndpoints(svc: DeepReadonly<Service>, pods: readonly DeepReadonly<Pod>[], current: DeepReadonly<Endpoints> | undefined): Endpoints | undefined {
  const subsets = endpointSubsets(svc, pods);
  const labels = endpointsLabels(svc);
  if (current !== undefined && sameJSON(current.subsets ?? [], subsets) && sameJSON(current.metadata.labels ?? {}, labels)) return undefined;
  const meta = current === undefined ? { name: svc.metadata.name ?? '', namespace: svc.metadata.namespace ?? '' } : (JSON.parse(JSON.stringify(current.metadata)) as Endpoints['metadata']);
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { ...meta, labels }, subsets };
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}
