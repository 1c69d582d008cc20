import { metaNamespaceKey, type DeepReadonly, type Pod } from '../../api/index.js';
import { affinityTermsOf, type AffinityTerms } from './affinity-terms.js';
import { podRequests, type Resource } from './resources.js';

/** HostPort is one host port a pod's container asks for (hostIP defaults to 0.0.0.0, protocol to TCP). */
export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

/**
 * PodInfo is a pod with what scheduling reads of it computed once (framework.PodInfo): its key, its requests
 * (exact and non-zero) and its host ports. The pod is the informer's frozen object, never mutated.
 */
export interface PodInfo {
  /** key is `namespace/name`. */
  readonly key: string;
  readonly pod: DeepReadonly<Pod>;
  readonly requests: Resource;
  readonly nonZeroRequests: Resource;
  readonly hostPorts: readonly HostPort[];
  /** affinity is the pod's inter-pod affinity terms, parsed; undefined when it has none. */
  readonly affinity: AffinityTerms | undefined;
}

/** podPriority is a pod's priority (corev1helpers.PodPriority): spec.priority, 0 when unset. */
export function podPriority(info: PodInfo): number {
  return info.pod.spec?.priority ?? 0;
}

const memo = new WeakMap<object, PodInfo>();

/** hostPortsOf lists the host ports of a pod's containers (NodePorts' getContainerPorts). */
export function hostPortsOf(pod: DeepReadonly<Pod>): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP === undefined || p.hostIP === '' ? '0.0.0.0' : p.hostIP, protocol: p.protocol ?? 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** podInfoOf returns the PodInfo of pod, computed once per object (pods from informers are frozen, so this is safe). */
export function podInfoOf(pod: DeepReadonly<Pod>): PodInfo {
  let info = memo.get(pod);
  if (info === undefined) {
    info = {
      key: metaNamespaceKey(pod.metadata.namespace, pod.metadata.name ?? ''),
      pod,
      requests: podRequests(pod.spec),
      nonZeroRequests: podRequests(pod.spec, true),
      hostPorts: hostPortsOf(pod),
      affinity: affinityTermsOf(pod),
    };
    if (Object.isFrozen(pod)) memo.set(pod, info);
  }
  return info;
}
