/**
 * schedulePod is the scheduling decision (kube-scheduler's schedulePod): a pure function of a pod and a
 * Snapshot of the cache, with randomness injected, so it is tested without a cluster.
 *
 * 1. PreFilter: each filter plugin computes its cycle state once.
 * 2. Filter: nodes are walked round-robin from `startIndex`; each node runs the filters in profile order and
 *    the first one that rejects it records its reasons. The walk stops once numFeasibleNodesToFind nodes fit
 *    (percentageOfNodesToScore), so large clusters are sampled; the next cycle starts where this one stopped.
 * 3. No node fits: a FitError with the reasons counted over all nodes (kube's message format).
 * 4. One node fits: it is chosen without scoring.
 * 5. Score: each score plugin's PreScore (which may skip it), Score per feasible node, NormalizeScore into
 *    0..100, times its weight; the totals are summed.
 * 6. selectHost: the highest total wins; ties are broken uniformly at random by reservoir sampling.
 */
import type { Random } from '../../util/random.js';
import { FitError } from './fit-error.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { SKIP, type FilterPlugin, type ScorePlugin } from './plugin.js';
import type { Snapshot } from './snapshot.js';

/** MIN_FEASIBLE_NODES_TO_FIND is the floor of nodes to find before sampling stops (minFeasibleNodesToFind). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND is the floor of the adaptive percentage (5 %). */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** Profile is the ordered filter plugins and the weighted score plugins of one scheduler profile. */
export interface Profile {
  readonly filters: readonly FilterPlugin<unknown>[];
  readonly scores: readonly ScorePlugin<unknown>[];
}

/** ScheduleOptions are the decision's inputs besides the pod and the snapshot. */
export interface ScheduleOptions {
  readonly profile: Profile;
  readonly random: Random;
  /** percentageOfNodesToScore: 0 (default) is adaptive; 100 or more scores every node. */
  readonly percentageOfNodesToScore?: number;
  /** startIndex is where the round-robin walk over the snapshot's nodes starts (nextStartNodeIndex). */
  readonly startIndex?: number;
}

/** ScheduleResult is the decision: a node, or a FitError; either way where the next walk starts. */
export type ScheduleResult =
  | { readonly kind: 'scheduled'; readonly nodeName: string; readonly evaluatedNodes: number; readonly feasibleNodes: number; readonly nextStartIndex: number }
  | { readonly kind: 'unschedulable'; readonly error: FitError; readonly nextStartIndex: number };

/**
 * numFeasibleNodesToFind is how many fitting nodes are enough (kube's numFeasibleNodesToFind): all of them
 * below 100 nodes or at 100 %; else the percentage (adaptive: 50 % − nodes/125, at least 5 %) of the nodes,
 * but at least 100.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentageOfNodesToScore >= 100) return numAllNodes;
  let pct = percentageOfNodesToScore;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** selectHost picks the highest total score, breaking ties uniformly at random by reservoir sampling. */
export function selectHost(nodes: readonly NodeInfo[], totals: readonly number[], random: Random): number {
  let selected = 0;
  let count = 1;
  for (let i = 1; i < nodes.length; i++) {
    if (totals[i]! > totals[selected]!) {
      selected = i;
      count = 1;
    } else if (totals[i] === totals[selected]) {
      count++;
      if (random.int(count) === 0) selected = i;
    }
  }
  return selected;
}

/** schedulePod decides where pod goes in snapshot; see the module comment. */
export function schedulePod(pod: PodInfo, snapshot: Snapshot, opts: ScheduleOptions): ScheduleResult {
  const { profile } = opts;
  const all = snapshot.nodeInfoList;
  const n = all.length;
  const start = n === 0 ? 0 : (opts.startIndex ?? 0) % n;
  if (n === 0) return { kind: 'unschedulable', error: new FitError(0, new Map(), new Set()), nextStartIndex: 0 };

  let filters = profile.filters;
  let states: unknown[];
  try {
    states = filters.map((f) => f.preFilter(pod, snapshot));
    // Filters whose preFilter skipped are left out of this cycle.
    if (states.includes(SKIP)) {
      filters = filters.filter((_f, i) => states[i] !== SKIP);
      states = states.filter((s) => s !== SKIP);
    }
  } catch (err) {
    return { kind: 'unschedulable', error: new FitError(n, new Map(), new Set(), err instanceof Error ? err.message : String(err)), nextStartIndex: start };
  }

  const want = numFeasibleNodesToFind(n, opts.percentageOfNodesToScore);
  const feasible: NodeInfo[] = [];
  const reasons = new Map<string, number>();
  const plugins = new Set<string>();
  let processed = 0;
  for (; processed < n && feasible.length < want; processed++) {
    const node = all[(start + processed) % n]!;
    let fits = true;
    for (let f = 0; f < filters.length; f++) {
      const r = filters[f]!.filter(states[f], pod, node);
      if (r === undefined) continue;
      fits = false;
      plugins.add(filters[f]!.name);
      for (const reason of r) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      break;
    }
    if (fits) feasible.push(node);
  }
  const nextStartIndex = (start + processed) % n;
  if (feasible.length === 0) return { kind: 'unschedulable', error: new FitError(n, reasons, plugins), nextStartIndex };
  const evaluatedNodes = processed;
  if (feasible.length === 1) return { kind: 'scheduled', nodeName: feasible[0]!.name, evaluatedNodes, feasibleNodes: 1, nextStartIndex };

  const totals = new Array<number>(feasible.length).fill(0);
  const scores = new Array<number>(feasible.length);
  for (const plugin of profile.scores) {
    const state = plugin.preScore(pod, feasible, snapshot);
    if (state === undefined) continue;
    for (let i = 0; i < feasible.length; i++) scores[i] = plugin.score(state, pod, feasible[i]!);
    plugin.normalize?.(state, scores, feasible);
    for (let i = 0; i < feasible.length; i++) totals[i]! += scores[i]! * plugin.weight;
  }
  const chosen = selectHost(feasible, totals, opts.random);
  return { kind: 'scheduled', nodeName: feasible[chosen]!.name, evaluatedNodes, feasibleNodes: feasible.length, nextStartIndex };
}
