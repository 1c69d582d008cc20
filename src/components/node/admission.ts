/**
 * Pod admission of the hollow kubelet: a pod bound to the node runs only if its requests fit in what the pods
 * already admitted leave of the node's allocatable — the kubelet's PredicateAdmitHandler over the scheduler's
 * NodeResourcesFit (pods, cpu, memory, then any other requested resource the node lists). A pod that does not
 * fit is rejected: phase Failed, reason `OutOf<resource>` (OutOfcpu, OutOfmemory, OutOfpods) and the message
 * `Pod was rejected: Node didn't have enough resource: cpu, requested: …, used: …, capacity: …`.
 *
 * Pods that have terminated (phase Succeeded or Failed) hold nothing: the kubelet admits against its active
 * pods only (kubelet's filterOutInactivePods), so a node keeps taking a Job's pods as earlier ones complete.
 */
import { parseQuantity, podRequestsAndLimits, RESOURCE_CPU, RESOURCE_PODS, type DeepReadonly, type Pod, type ResourceList } from '../../api/index.js';

/** PodRejection is why the kubelet refused a pod. */
export interface PodRejection {
  readonly reason: string;
  readonly message: string;
}

/** amount is a resource amount in the kubelet's integer units: millicores for cpu, whole units otherwise. */
function amount(name: string, value: string | undefined): bigint {
  if (value === undefined) return 0n;
  const q = parseQuantity(value);
  return name === RESOURCE_CPU ? q.milliValue() : q.value();
}

/**
 * podRequests is what a pod asks for (resourcehelper.PodRequests, pod-resources.ts) in the kubelet's integer units:
 * the larger of the sum of its containers' requests and each init container's, plus the pod overhead.
 */
export function podRequests(pod: DeepReadonly<Pod>): Map<string, bigint> {
  const { requests } = podRequestsAndLimits(pod.spec);
  return new Map([...requests].map(([name, q]) => [name, name === RESOURCE_CPU ? q.milliValue() : q.value()]));
}

/** checkOrder is the order NodeResourcesFit checks resources in: pods, cpu, memory, then the rest by name. */
function checkOrder(names: Iterable<string>): string[] {
  const first = [RESOURCE_PODS, RESOURCE_CPU, 'memory', 'ephemeral-storage'];
  const rest = [...new Set(names)].filter((n) => !first.includes(n)).sort();
  return [...first, ...rest];
}

/** isActivePod reports whether an admitted pod still holds its resources: its phase is neither Succeeded nor Failed. */
export function isActivePod(pod: DeepReadonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * admitPod decides whether pod fits on a node with allocatable next to the active pods among those already
 * admitted there (terminated ones are not counted); it returns the rejection, or undefined when the pod may
 * run. A resource the node does not list is only checked when the pod asks for some of it (then it does not fit).
 */
export function admitPod(allocatable: DeepReadonly<ResourceList>, admitted: readonly DeepReadonly<Pod>[], pod: DeepReadonly<Pod>): PodRejection | undefined {
  const active = admitted.filter(isActivePod);
  const used = new Map<string, bigint>([[RESOURCE_PODS, BigInt(active.length)]]);
  for (const p of active) for (const [name, v] of podRequests(p)) used.set(name, (used.get(name) ?? 0n) + v);
  const requested = podRequests(pod);
  requested.set(RESOURCE_PODS, 1n);
  for (const name of checkOrder([...requested.keys(), ...Object.keys(allocatable)])) {
    const want = requested.get(name) ?? 0n;
    if (want === 0n) continue;
    const capacity = amount(name, allocatable[name]);
    const inUse = used.get(name) ?? 0n;
    if (inUse + want > capacity) {
      return {
        reason: `OutOf${name}`,
        message: `Pod was rejected: Node didn't have enough resource: ${name}, requested: ${want}, used: ${inUse}, capacity: ${capacity}`,
      };
    }
  }
  return undefined;
}
