import { nodeResourcesBalancedAllocation } from './plugins/balanced-allocation.js';
import { interPodAffinityFilter, interPodAffinityScore } from './plugins/inter-pod-affinity.js';
import { nodeAffinityFilter, nodeAffinityScore } from './plugins/node-affinity.js';
import { nodeName } from './plugins/node-name.js';
import { nodePorts } from './plugins/node-ports.js';
import { nodeResourcesFit, nodeResourcesLeastAllocated } from './plugins/node-resources-fit.js';
import { nodeUnschedulable } from './plugins/node-unschedulable.js';
import { podTopologySpreadFilter, podTopologySpreadScore } from './plugins/pod-topology-spread.js';
import { taintTolerationFilter, taintTolerationScore } from './plugins/taint-toleration.js';
import { eraseFilter, eraseScore } from './plugin.js';
import type { Profile } from './schedule-pod.js';

/**
 * DEFAULT_PROFILE is kube-scheduler's default profile restricted to the plugins capstan implements, in its
 * order: filters NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit,
 * PodTopologySpread, InterPodAffinity; scores TaintToleration ×3, NodeAffinity ×2, NodeResourcesFit
 * (LeastAllocated) ×1, PodTopologySpread ×2, InterPodAffinity ×2, NodeResourcesBalancedAllocation ×1. (No volumes or
 * image locality; the PostFilter, DefaultPreemption, is preemption.ts, which the scheduler runs.)
 */
export const DEFAULT_PROFILE: Profile = {
  filters: [
    eraseFilter(nodeUnschedulable),
    eraseFilter(nodeName),
    eraseFilter(taintTolerationFilter),
    eraseFilter(nodeAffinityFilter),
    eraseFilter(nodePorts),
    eraseFilter(nodeResourcesFit),
    eraseFilter(podTopologySpreadFilter),
    eraseFilter(interPodAffinityFilter),
  ],
  scores: [
    eraseScore(taintTolerationScore),
    eraseScore(nodeAffinityScore),
    eraseScore(nodeResourcesLeastAllocated),
    eraseScore(podTopologySpreadScore),
    eraseScore(interPodAffinityScore),
    eraseScore(nodeResourcesBalancedAllocation),
  ],
};
