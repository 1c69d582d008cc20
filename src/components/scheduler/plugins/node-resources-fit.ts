import { MAX_NODE_SCORE, type FilterPlugin, type ScorePlugin } from '../plugin.js';

/** ERR_REASON_TOO_MANY_PODS is NodeResourcesFit's reason when the node's pod count is full. */
export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';
/** ERR_REASON_INSUFFICIENT_CPU is NodeResourcesFit's reason for cpu. */
export const ERR_REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
/** ERR_REASON_INSUFFICIENT_MEMORY is NodeResourcesFit's reason for memory. */
export const ERR_REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';

/**
 * nodeResourcesFit rules out nodes without room for the pod (NodeResourcesFit's Filter, fitsRequest): one
 * more pod than allocatable pods, or a cpu or memory request (when the pod makes one) above allocatable minus
 * what the node's pods request. Every insufficient resource is a reason of its own.
 */
export const nodeResourcesFit: FilterPlugin<null> = {
  name: 'NodeResourcesFit',
  // Insufficient resources and too many pods are Unschedulable: removing pods can free the room.
  resolvable: () => true,
  preFilter: () => null,
  filter(_state, pod, node) {
    let reasons: string[] | undefined;
    const a = node.allocatable;
    if (node.pods.length + 1 > a.allowedPodNumber) (reasons ??= []).push(ERR_REASON_TOO_MANY_PODS);
    const r = pod.requests;
    if (r.milliCPU > 0 && r.milliCPU > a.milliCPU - node.requested.milliCPU) (reasons ??= []).push(ERR_REASON_INSUFFICIENT_CPU);
    if (r.memory > 0 && r.memory > a.memory - node.requested.memory) (reasons ??= []).push(ERR_REASON_INSUFFICIENT_MEMORY);
    return reasons;
  },
};

/** leastRequestedScore is (capacity − requested) × 100 / capacity, 0 when over capacity or capacity is 0. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/**
 * nodeResourcesLeastAllocated prefers nodes with more free cpu and memory once the pod is placed, from
 * non-zero requests, cpu and memory weighted 1 each (NodeResourcesFit's Score, LeastAllocated strategy);
 * weight 1 as in the default profile.
 */
export const nodeResourcesLeastAllocated: ScorePlugin<null> = {
  name: 'NodeResourcesFit',
  weight: 1,
  preScore: () => null,
  score(_state, pod, node) {
    const cpu = leastRequestedScore(node.nonZeroRequested.milliCPU + pod.nonZeroRequests.milliCPU, node.allocatable.milliCPU);
    const mem = leastRequestedScore(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
    return Math.trunc((cpu + mem) / 2);
  },
};
