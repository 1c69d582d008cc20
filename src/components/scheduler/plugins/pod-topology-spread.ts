import { labelSelectorAsSelector, newRequirement, type DeepReadonly, type Pod, type Selector, type TopologySpreadConstraint, type UnsatisfiableConstraintAction } from '../../../api/index.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { MAX_NODE_SCORE, SKIP, type FilterPlugin, type ScorePlugin } from '../plugin.js';
import type { Snapshot } from '../snapshot.js';
import { RequiredNodeAffinity } from './node-affinity.js';
import { taintTolerationFilter } from './taint-toleration.js';

/** ERR_REASON_CONSTRAINTS_NOT_MATCH is PodTopologySpread's reason when placing the pod would exceed maxSkew. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
/** ERR_REASON_NODE_LABEL_NOT_MATCH is PodTopologySpread's reason when a node lacks a constraint's topology key. */
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const LABEL_HOSTNAME = 'kubernetes.io/hostname';
const LABEL_ZONE = 'topology.kubernetes.io/zone';

/**
 * SYSTEM_DEFAULT_CONSTRAINTS are kube-scheduler's defaultingType System constraints, ScheduleAnyway both: a pod that
 * names no constraints of its own is spread over nodes (maxSkew 3) and zones (maxSkew 5) among the pods its
 * default selector picks.
 */
const SYSTEM_DEFAULT_CONSTRAINTS: readonly { readonly topologyKey: string; readonly maxSkew: number }[] = [
  { topologyKey: LABEL_HOSTNAME, maxSkew: 3 },
  { topologyKey: LABEL_ZONE, maxSkew: 5 },
];

/** Constraint is a TopologySpreadConstraint with its selector parsed. */
interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: Selector;
  readonly minDomains: number;
  readonly honorNodeAffinity: boolean;
  readonly honorTaints: boolean;
}

function constraintsOf(pod: DeepReadonly<Pod>, action: UnsatisfiableConstraintAction): Constraint[] {
  const out: Constraint[] = [];
  for (const c of (pod.spec?.topologySpreadConstraints ?? []) as readonly DeepReadonly<TopologySpreadConstraint>[]) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = labelSelectorAsSelector(c.labelSelector as TopologySpreadConstraint['labelSelector']);
    for (const key of c.matchLabelKeys ?? []) {
      const v = pod.metadata.labels?.[key];
      if (v !== undefined) selector = selector.add(newRequirement(key, 'in', [v]));
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains ?? 1,
      honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
    });
  }
  return out;
}

function hasAllKeys(node: NodeInfo, constraints: readonly Constraint[]): boolean {
  const labels = node.labels;
  return constraints.every((c) => labels[c.topologyKey] !== undefined);
}

/** countMatching counts the pods on node in namespace that selector matches, leaving out terminating pods. */
function countMatching(node: NodeInfo, selector: Selector, namespace: string | undefined): number {
  let n = 0;
  for (const p of node.pods) {
    if (p.pod.metadata.namespace !== namespace || p.pod.metadata.deletionTimestamp) continue;
    if (selector.matches(p.pod.metadata.labels)) n++;
  }
  return n;
}

/** eligible says whether a node counts for spreading under a constraint's inclusion policies. */
function eligible(node: NodeInfo, c: Constraint, pod: PodInfo, affinity: RequiredNodeAffinity): boolean {
  if (c.honorNodeAffinity && !affinity.match(node)) return false;
  if (c.honorTaints && taintTolerationFilter.filter(null, pod, node) !== undefined) return false;
  return true;
}

/** SpreadFilterState is PreFilter's result: per hard constraint, the matching pods per topology value and the minimum. */
export interface SpreadFilterState {
  readonly constraints: readonly Constraint[];
  readonly counts: readonly ReadonlyMap<string, number>[];
  readonly minMatch: readonly number[];
}

/**
 * podTopologySpreadFilter enforces the pod's DoNotSchedule constraints (PodTopologySpread's Filter): a node
 * needs every constraint's topology key, and placing the pod there must keep (matching pods in its domain +
 * the pod itself if it matches) − (the least populated domain) within maxSkew. Domains are the topology values
 * of nodes that match the pod's node affinity (nodeAffinityPolicy Honor, the default) and, with
 * nodeTaintsPolicy Honor, whose taints it tolerates; with fewer domains than minDomains the minimum is 0.
 */
export const podTopologySpreadFilter: FilterPlugin<SpreadFilterState | typeof SKIP> = {
  name: 'PodTopologySpread',
  // A node without the topology key stays unfit whatever runs on it; an exceeded skew is Unschedulable.
  resolvable: (reasons) => !reasons.includes(ERR_REASON_NODE_LABEL_NOT_MATCH),
  preFilterReadsNodes: true,
  preFilter(pod, snapshot) {
    const constraints = constraintsOf(pod.pod, 'DoNotSchedule');
    if (constraints.length === 0) return SKIP;
    const affinity = new RequiredNodeAffinity(pod.pod);
    const counts = constraints.map(() => new Map<string, number>());
    for (const node of snapshot.nodeInfoList) {
      if (!hasAllKeys(node, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!eligible(node, c, pod, affinity)) return;
        const value = node.labels[c.topologyKey]!;
        const m = counts[i]!;
        m.set(value, (m.get(value) ?? 0) + countMatching(node, c.selector, pod.pod.metadata.namespace));
      });
    }
    const minMatch = constraints.map((c, i) => {
      const m = counts[i]!;
      if (m.size < c.minDomains) return 0;
      let min = Infinity;
      for (const v of m.values()) if (v < min) min = v;
      return min === Infinity ? 0 : min;
    });
    return { constraints, counts, minMatch };
  },
  filter(state, pod, node) {
    if (state === SKIP) return undefined;
    const labels = node.labels;
    for (const [i, c] of state.constraints.entries()) {
      const value = labels[c.topologyKey];
      if (value === undefined) return [ERR_REASON_NODE_LABEL_NOT_MATCH];
      const selfMatch = c.selector.matches(pod.pod.metadata.labels) ? 1 : 0;
      const skew = (state.counts[i]!.get(value) ?? 0) + selfMatch - state.minMatch[i]!;
      if (skew > c.maxSkew) return [ERR_REASON_CONSTRAINTS_NOT_MATCH];
    }
    return undefined;
  },
};

/** SpreadScoreState is PreScore's result for the ScheduleAnyway constraints. */
export interface SpreadScoreState {
  readonly constraints: readonly Constraint[];
  readonly ignored: ReadonlySet<string>;
  readonly counts: readonly ReadonlyMap<string, number>[];
  readonly weights: readonly number[];
  readonly namespace: string | undefined;
}

/**
 * scoreConstraintsOf is the pod's ScheduleAnyway constraints, or — when it names no constraints at all — the system
 * defaults over its default selector (none if that is empty); systemDefaulted says which.
 */
function scoreConstraintsOf(pod: PodInfo, snapshot: Snapshot): { constraints: Constraint[]; systemDefaulted: boolean } {
  if ((pod.pod.spec?.topologySpreadConstraints ?? []).length > 0) return { constraints: constraintsOf(pod.pod, 'ScheduleAnyway'), systemDefaulted: false };
  const selector = snapshot.spreadSelector(pod.pod);
  if (selector === undefined || selector.empty()) return { constraints: [], systemDefaulted: true };
  return {
    constraints: SYSTEM_DEFAULT_CONSTRAINTS.map((d) => ({ ...d, selector, minDomains: 1, honorNodeAffinity: true, honorTaints: false })),
    systemDefaulted: true,
  };
}

function preScoreSpread(pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): SpreadScoreState | undefined {
  const { constraints, systemDefaulted } = scoreConstraintsOf(pod, snapshot);
  if (constraints.length === 0) return undefined;
  // Only the pod's own constraints need every topology key on a node: a node without a zone still spreads by host,
  // and its missing zone is a domain of its own (the empty value), as kube's.
  const requireAllTopologies = !systemDefaulted;
  const ignored = new Set<string>();
  const counts = constraints.map(() => new Map<string, number>());
  const sizes = constraints.map(() => 0);
  for (const node of nodes) {
    if (requireAllTopologies && !hasAllKeys(node, constraints)) {
      ignored.add(node.name);
      continue;
    }
    constraints.forEach((c, i) => {
      if (c.topologyKey === LABEL_HOSTNAME) return;
      const value = node.labels[c.topologyKey] ?? '';
      if (!counts[i]!.has(value)) {
        counts[i]!.set(value, 0);
        sizes[i]!++;
      }
    });
  }
  const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? nodes.length - ignored.size : sizes[i]!) + 2));
  const affinity = new RequiredNodeAffinity(pod.pod);
  for (const node of snapshot.nodeInfoList) {
    if (requireAllTopologies && !hasAllKeys(node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (c.topologyKey === LABEL_HOSTNAME || !eligible(node, c, pod, affinity)) return;
      const value = node.labels[c.topologyKey] ?? '';
      const m = counts[i]!;
      if (!m.has(value)) return;
      m.set(value, m.get(value)! + countMatching(node, c.selector, pod.pod.metadata.namespace));
    });
  }
  return { constraints, ignored, counts, weights, namespace: pod.pod.metadata.namespace };
}

/**
 * podTopologySpreadScore prefers nodes in less populated domains of the pod's ScheduleAnyway constraints
 * (PodTopologySpread's Score): each constraint adds matching pods in the node's domain × log(domains + 2) +
 * maxSkew − 1, and normalising maps the lowest raw score to 100; nodes lacking a topology key of the pod's own
 * constraints score 0 (under the system defaults a node without a zone is scored by host alone). Weight 2
 * as in the default profile. A pod without constraints of its own is spread by the system defaults
 * (SYSTEM_DEFAULT_CONSTRAINTS) among the pods of its Services and ReplicaSet or StatefulSet.
 */
export const podTopologySpreadScore: ScorePlugin<SpreadScoreState> = {
  name: 'PodTopologySpread',
  weight: 2,
  preScore: preScoreSpread,
  score(s, _pod, node) {
    if (s.ignored.has(node.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const value = node.labels[c.topologyKey];
      if (value === undefined) return;
      const cnt = c.topologyKey === LABEL_HOSTNAME ? countMatching(node, c.selector, s.namespace) : (s.counts[i]!.get(value) ?? 0);
      score += cnt * s.weights[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  },
  normalize(s, scores, nodes) {
    let min = Infinity;
    let max = 0;
    scores.forEach((v, i) => {
      if (s.ignored.has(nodes[i]!.name)) return;
      if (v < min) min = v;
      if (v > max) max = v;
    });
    scores.forEach((v, i) => {
      if (s.ignored.has(nodes[i]!.name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - v)) / max);
    });
  },
};
