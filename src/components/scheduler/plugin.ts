/**
 * The scheduling framework's two extension points that capstan's decision uses (kube-scheduler's
 * framework.FilterPlugin and framework.ScorePlugin, with PreFilter/PreScore folded in): a FilterPlugin says
 * whether a pod fits a node, and why not; a ScorePlugin ranks the nodes that fit. Both are pure: they read the
 * pod, the NodeInfos and the snapshot, and per-cycle state they computed themselves.
 */
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Snapshot } from './snapshot.js';

/** MAX_NODE_SCORE is the highest score a plugin gives after normalising (framework.MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

/** SKIP is what a preFilter returns when its filter has nothing to check this cycle (kube's PreFilter Skip status). */
export const SKIP: unique symbol = Symbol('skip');

/** FilterPlugin rules nodes out for a pod. */
export interface FilterPlugin<S = unknown> {
  /** name is the plugin's name in kube-scheduler (NodeResourcesFit, TaintToleration, …). */
  readonly name: string;
  /** preFilter computes, once per scheduling cycle, the state filter reads; with SKIP the cycle does not call filter. */
  preFilter(pod: PodInfo, snapshot: Snapshot): S;
  /** filter returns the reasons the pod does not fit node (kube's status reasons), or undefined if it fits. */
  filter(state: S, pod: PodInfo, node: NodeInfo): readonly string[] | undefined;
  /**
   * resolvable says whether a rejection with these reasons may be cured by removing pods from the node (kube's
   * Unschedulable, which makes the node a candidate for preemption) rather than not (UnschedulableAndUnresolvable,
   * the default when absent).
   */
  readonly resolvable?: (reasons: readonly string[]) => boolean;
  /**
   * preFilterReadsNodes says the PreFilter state depends on the snapshot's nodes and pods (spreading, inter-pod
   * affinity), so a what-if with pods moved (preemption) must compute it again; other plugins' state is the pod's.
   */
  readonly preFilterReadsNodes?: boolean;
}

/** ScorePlugin ranks the feasible nodes for a pod; normalised scores lie in 0..MAX_NODE_SCORE. */
export interface ScorePlugin<S = unknown> {
  readonly name: string;
  /** weight multiplies the normalised score (kube-scheduler's default profile weights). */
  readonly weight: number;
  /** preScore computes the cycle's state over the feasible nodes, or returns undefined to skip scoring (Skip status). */
  preScore(pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): S | undefined;
  score(state: S, pod: PodInfo, node: NodeInfo): number;
  /** normalize rewrites scores (aligned with nodes) into 0..MAX_NODE_SCORE. */
  normalize?(state: S, scores: number[], nodes: readonly NodeInfo[]): void;
}

/** eraseFilter lets plugins with different state types share one list. */
export function eraseFilter<S>(p: FilterPlugin<S>): FilterPlugin<unknown> {
  return p as unknown as FilterPlugin<unknown>;
}

/** eraseScore lets plugins with different state types share one list. */
export function eraseScore<S>(p: ScorePlugin<S>): ScorePlugin<unknown> {
  return p as unknown as ScorePlugin<unknown>;
}

/**
 * defaultNormalizeScore scales scores so the highest becomes maxPriority (helper.DefaultNormalizeScore); with
 * reverse, low raw scores become high ones. All-zero scores stay 0 (or all maxPriority when reversed).
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * scores[i]!) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}
