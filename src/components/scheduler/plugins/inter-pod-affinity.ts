/**
 * InterPodAffinity as kube-scheduler 1.32 runs it. Filter: a node must have every topology key of the pod's
 * required affinity terms and, in that domain, a pod matching all of them (unless no pod anywhere matches them
 * and the pod matches its own terms: the first of a group); no pod matching a required anti-affinity term in the
 * node's domain for that term's key; and no existing pod whose required anti-affinity term matches the pod in a
 * domain the node is in. Score: per topology domain, the weights of the pod's preferred terms its matching pods
 * meet (anti-affinity subtracting), plus those of existing pods' preferred terms (and, weight 1, their required
 * affinity terms) that the pod meets; normalised between the lowest and highest node.
 */
import { MAX_NODE_SCORE, SKIP, type FilterPlugin, type ScorePlugin } from '../plugin.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import type { Snapshot } from '../snapshot.js';
import { matchesAllTerms, termMatches, type AffinityTerm, type NamespaceLabels, type WeightedAffinityTerm } from '../affinity-terms.js';

/** ERR_REASON_AFFINITY_RULES_NOT_MATCH is the reason a node fails the pod's required affinity. */
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
/** ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH is the reason a node fails the pod's required anti-affinity. */
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
/** ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH is the reason a node fails an existing pod's anti-affinity. */
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";

/** HARD_POD_AFFINITY_WEIGHT is the score weight of an existing pod's required affinity term the pod meets (kube's default 1). */
const HARD_POD_AFFINITY_WEIGHT = 1;

/** TopologyCounts counts matched terms by `key\0value` of a topology domain. */
type TopologyCounts = Map<string, number>;

function pair(key: string, value: string): string {
  return `${key}\0${value}`;
}

function bump(counts: TopologyCounts, node: NodeInfo, key: string, by: number): void {
  const value = node.labels[key];
  if (value === undefined) return;
  const p = pair(key, value);
  const n = (counts.get(p) ?? 0) + by;
  if (n === 0) counts.delete(p);
  else counts.set(p, n);
}

/** AffinityFilterState is PreFilter's result. */
export interface AffinityFilterState {
  readonly pod: PodInfo;
  readonly required: readonly AffinityTerm[];
  readonly requiredAnti: readonly AffinityTerm[];
  readonly existingAntiAffinityCounts: TopologyCounts;
  readonly affinityCounts: TopologyCounts;
  readonly antiAffinityCounts: TopologyCounts;
  readonly namespaceLabels: NamespaceLabels;
}

/** interPodAffinityFilter is the plugin's PreFilter and Filter. */
export const interPodAffinityFilter: FilterPlugin<AffinityFilterState | typeof SKIP> = {
  name: 'InterPodAffinity',
  // The pod's own required affinity is UnschedulableAndUnresolvable; anti-affinity (its own or placed pods') is not.
  resolvable: (reasons) => !reasons.includes(ERR_REASON_AFFINITY_RULES_NOT_MATCH),
  preFilterReadsNodes: true,
  preFilter(pod, snapshot) {
    // A term that does not parse makes the pod unschedulable (kube's PreFilter: "parsing pod: …").
    if (pod.affinity?.error !== undefined) throw new Error(`parsing pod: ${pod.affinity.error}`);
    const required = pod.affinity?.required ?? [];
    const requiredAnti = pod.affinity?.requiredAnti ?? [];
    if (required.length === 0 && requiredAnti.length === 0 && snapshot.podsWithRequiredAntiAffinity === 0) return SKIP;
    const namespaceLabels = snapshot.namespaceLabels;
    const existingAntiAffinityCounts: TopologyCounts = new Map();
    for (const node of snapshot.nodeInfoList) {
      if (node.podsWithRequiredAntiAffinity === 0 || node.node === undefined) continue;
      for (const existing of node.pods) {
        for (const t of existing.affinity?.requiredAnti ?? []) if (termMatches(t, pod.pod, namespaceLabels)) bump(existingAntiAffinityCounts, node, t.topologyKey, 1);
      }
    }
    const affinityCounts: TopologyCounts = new Map();
    const antiAffinityCounts: TopologyCounts = new Map();
    if (required.length > 0 || requiredAnti.length > 0) {
      for (const node of snapshot.nodeInfoList) {
        if (node.node === undefined) continue;
        for (const existing of node.pods) {
          if (matchesAllTerms(required, existing.pod, namespaceLabels)) for (const t of required) bump(affinityCounts, node, t.topologyKey, 1);
          for (const t of requiredAnti) if (termMatches(t, existing.pod, namespaceLabels, true)) bump(antiAffinityCounts, node, t.topologyKey, 1);
        }
      }
    }
    if (existingAntiAffinityCounts.size === 0 && required.length === 0 && requiredAnti.length === 0) return SKIP;
    return { pod, required, requiredAnti, existingAntiAffinityCounts, affinityCounts, antiAffinityCounts, namespaceLabels };
  },
  filter(state, _pod, node) {
    if (state === SKIP) return undefined;
    const labels = node.labels;
    // satisfyPodAffinity
    let podsExist = true;
    for (const t of state.required) {
      const value = labels[t.topologyKey];
      if (value === undefined) return [ERR_REASON_AFFINITY_RULES_NOT_MATCH];
      if ((state.affinityCounts.get(pair(t.topologyKey, value)) ?? 0) <= 0) podsExist = false;
    }
    if (!podsExist && !(state.affinityCounts.size === 0 && matchesAllTerms(state.required, state.pod.pod, state.namespaceLabels))) return [ERR_REASON_AFFINITY_RULES_NOT_MATCH];
    // satisfyPodAntiAffinity
    if (state.antiAffinityCounts.size > 0) {
      for (const t of state.requiredAnti) {
        const value = labels[t.topologyKey];
        if (value !== undefined && (state.antiAffinityCounts.get(pair(t.topologyKey, value)) ?? 0) > 0) return [ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH];
      }
    }
    // satisfyExistingPodsAntiAffinity
    if (state.existingAntiAffinityCounts.size > 0) {
      for (const [key, value] of Object.entries(labels)) if ((state.existingAntiAffinityCounts.get(pair(key, value)) ?? 0) > 0) return [ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH];
    }
    return undefined;
  },
};

/** AffinityScoreState is PreScore's result: summed weights by topology key and value. */
export interface AffinityScoreState {
  readonly topologyScore: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

function addTerms(
  score: Map<string, Map<string, number>>,
  terms: readonly (AffinityTerm & { weight?: number })[],
  weight: number | undefined,
  target: PodInfo,
  namespaceLabels: NamespaceLabels,
  node: NodeInfo,
  sign: 1 | -1,
  ownTerms: boolean,
): void {
  for (const t of terms) {
    if (!termMatches(t, target.pod, namespaceLabels, ownTerms)) continue;
    const value = node.labels[t.topologyKey];
    if (value === undefined) continue;
    let byValue = score.get(t.topologyKey);
    if (byValue === undefined) score.set(t.topologyKey, (byValue = new Map()));
    byValue.set(value, (byValue.get(value) ?? 0) + (weight ?? t.weight ?? 0) * sign);
  }
}

function preScoreAffinity(pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): AffinityScoreState | undefined {
  if (nodes.length === 0) return undefined;
  const preferred: readonly WeightedAffinityTerm[] = pod.affinity?.preferred ?? [];
  const preferredAnti: readonly WeightedAffinityTerm[] = pod.affinity?.preferredAnti ?? [];
  const hasConstraints = preferred.length > 0 || preferredAnti.length > 0;
  if (!hasConstraints && snapshot.podsWithAffinity === 0) return undefined;
  const namespaceLabels = snapshot.namespaceLabels;
  const score = new Map<string, Map<string, number>>();
  for (const node of snapshot.nodeInfoList) {
    if (node.node === undefined || (!hasConstraints && node.podsWithAffinity === 0)) continue;
    if (Object.keys(node.labels).length === 0) continue;
    for (const existing of node.pods) {
      if (!hasConstraints && existing.affinity === undefined) continue;
      // processExistingPod: the pod's preferred terms met by the existing pod, then the existing pod's terms the pod meets.
      addTerms(score, preferred, undefined, existing, namespaceLabels, node, 1, true);
      addTerms(score, preferredAnti, undefined, existing, namespaceLabels, node, -1, true);
      const theirs = existing.affinity;
      if (theirs === undefined) continue;
      addTerms(score, theirs.required, HARD_POD_AFFINITY_WEIGHT, pod, namespaceLabels, node, 1, false);
      addTerms(score, theirs.preferred, undefined, pod, namespaceLabels, node, 1, false);
      addTerms(score, theirs.preferredAnti, undefined, pod, namespaceLabels, node, -1, false);
    }
  }
  return score.size === 0 ? undefined : { topologyScore: score };
}

/** interPodAffinityScore is the plugin's PreScore, Score and NormalizeScore (weight 2 in the default profile). */
export const interPodAffinityScore: ScorePlugin<AffinityScoreState> = {
  name: 'InterPodAffinity',
  weight: 2,
  preScore: preScoreAffinity,
  score(state, _pod, node) {
    let total = 0;
    for (const [key, byValue] of state.topologyScore) {
      const value = node.labels[key];
      if (value !== undefined) total += byValue.get(value) ?? 0;
    }
    return total;
  },
  normalize(_state, scores) {
    if (scores.length === 0) return;
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const diff = max - min;
    // As kube's float64(MaxNodeScore) * (float64(score-min) / float64(diff)), truncated.
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i]! - min) / diff)) : 0;
  },
};
