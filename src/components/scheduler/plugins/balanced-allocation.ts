import { MAX_NODE_SCORE, type ScorePlugin } from '../plugin.js';

/**
 * balancedAllocationScore is (1 − standard deviation of the cpu and memory fractions) × 100 for requested
 * amounts (the pod's included) over allocatable, each fraction capped at 1; resources the node does not
 * offer are left out.
 */
export function balancedAllocationScore(fractions: readonly number[]): number {
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) * (f - mean), 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/**
 * nodeResourcesBalancedAllocation prefers nodes whose cpu and memory use stay balanced once the pod is placed
 * (NodeResourcesBalancedAllocation, on exact requests); it skips pods that request nothing, as kube does since
 * 1.29; weight 1 as in the default profile.
 */
export const nodeResourcesBalancedAllocation: ScorePlugin<null> = {
  name: 'NodeResourcesBalancedAllocation',
  weight: 1,
  preScore: (pod) => (pod.requests.milliCPU === 0 && pod.requests.memory === 0 ? undefined : null),
  score(_state, pod, node) {
    const fractions: number[] = [];
    const a = node.allocatable;
    if (a.milliCPU > 0) fractions.push(Math.min(1, (node.requested.milliCPU + pod.requests.milliCPU) / a.milliCPU));
    if (a.memory > 0) fractions.push(Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory));
    return balancedAllocationScore(fractions);
  },
};
