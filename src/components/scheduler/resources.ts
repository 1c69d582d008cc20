/**
 * Resource arithmetic of the scheduler, in plain numbers (milli-CPU and bytes) as kube-scheduler's
 * framework.Resource keeps them: a pod's request is the larger of the sum of its containers' requests and the
 * largest init container's request, plus the pod overhead (resource.PodRequests); scoring uses "non-zero"
 * requests, where a container without a cpu or memory request counts as 100m and 200 MiB
 * (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest) so best-effort pods still spread.
 */
import { parseQuantity, type Container, type DeepReadonly, type PodSpec, type ResourceList } from '../../api/index.js';

/** DEFAULT_MILLI_CPU_REQUEST is the cpu a container without a cpu request counts for when scoring (100m). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** DEFAULT_MEMORY_REQUEST is the memory a container without a memory request counts for when scoring (200 MiB). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Resource is an amount of cpu (milli-cores) and memory (bytes). */
export interface Resource {
  readonly milliCPU: number;
  readonly memory: number;
}

/** ZERO_RESOURCE is no cpu and no memory. */
export const ZERO_RESOURCE: Resource = Object.freeze({ milliCPU: 0, memory: 0 });

const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();

function memoised(cache: Map<string, number>, q: string | undefined, parse: (q: string) => bigint): number {
  if (q === undefined) return 0;
  let v = cache.get(q);
  if (v === undefined) {
    v = Number(parse(q));
    if (cache.size < 10_000) cache.set(q, v);
  }
  return v;
}

/** milliValue is a quantity string's value in thousandths (cpu), memoised: the same strings recur in every pod. */
export function milliValue(q: string | undefined): number {
  return memoised(milliCache, q, (s) => parseQuantity(s).milliValue());
}

/** integerValue is a quantity string's value rounded up to an integer (memory, pods), memoised. */
export function integerValue(q: string | undefined): number {
  return memoised(valueCache, q, (s) => parseQuantity(s).value());
}

function containerRequest(c: DeepReadonly<Container>, nonZero: boolean): Resource {
  const req = c.resources?.requests as DeepReadonly<ResourceList> | undefined;
  const cpu = req?.['cpu'];
  const mem = req?.['memory'];
  return {
    milliCPU: cpu === undefined && nonZero ? DEFAULT_MILLI_CPU_REQUEST : milliValue(cpu),
    memory: mem === undefined && nonZero ? DEFAULT_MEMORY_REQUEST : integerValue(mem),
  };
}

/**
 * podRequests computes a pod's cpu and memory request (resource.PodRequests): max(Σ containers, max init
 * container) + overhead. With nonZero, missing container requests count as the scoring defaults.
 */
export function podRequests(spec: DeepReadonly<PodSpec> | undefined, nonZero = false): Resource {
  if (spec === undefined) return ZERO_RESOURCE;
  let milliCPU = 0;
  let memory = 0;
  for (const c of spec.containers ?? []) {
    const r = containerRequest(c, nonZero);
    milliCPU += r.milliCPU;
    memory += r.memory;
  }
  for (const c of spec.initContainers ?? []) {
    const r = containerRequest(c, nonZero);
    milliCPU = Math.max(milliCPU, r.milliCPU);
    memory = Math.max(memory, r.memory);
  }
  const overhead = spec.overhead as DeepReadonly<ResourceList> | undefined;
  if (overhead !== undefined) {
    milliCPU += milliValue(overhead['cpu']);
    memory += integerValue(overhead['memory']);
  }
  return { milliCPU, memory };
}

/** Allocatable is what a node offers to pods: cpu, memory and the number of pods. */
export interface Allocatable extends Resource {
  readonly allowedPodNumber: number;
}

/** allocatableOf reads a node's status.allocatable (falling back to capacity, as the kubelet reports both). */
export function allocatableOf(allocatable: DeepReadonly<ResourceList> | undefined, capacity?: DeepReadonly<ResourceList>): Allocatable {
  const a = allocatable ?? capacity ?? {};
  return { milliCPU: milliValue(a['cpu']), memory: integerValue(a['memory']), allowedPodNumber: integerValue(a['pods']) };
}
