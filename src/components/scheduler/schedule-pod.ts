/**
 * schedulePod is the scheduling decision (kube-scheduler's schedulePod): a pure function of a pod and a
 * Snapshot of the cache, with randomness injected, so it is tested without a cluster.
 *
 * 1. PreFilter: each filter plugin computes its cycle state once.
 * 1a. A pod nominated to a node (a preemption freed room there) tries that node first and takes it if it fits
 *    (evaluateNominatedNode).
 * 2. Filter: nodes are walked round-robin from `startIndex`; each node runs the filters in profile order and
 *    the first one that rejects it records its reasons. Pods nominated to the node with at least the pod's
 *    priority count as placed there (RunFilterPluginsWithNominatedPods: the node must fit with them, and without
 *    them, for affinity's sake; unlike kube's AddPod extensions, the PreFilter state of spreading and inter-pod
 *    affinity does not count them). The walk stops once numFeasibleNodesToFind nodes fit
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
import { podPriority, type PodInfo } from './pod-info.js';
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
  /** nominatedPods lists the pods nominated to a node (Nominator.podsOn); absent while no pod is nominated anywhere. */
  readonly nominatedPods?: NominatedPods;
  /** nominatedNodeName is the node the pod is nominated to, tried first. */
  readonly nominatedNodeName?: string;
}

/** NominatedPods lists the pods nominated to a node. */
export type NominatedPods = (nodeName: string) => readonly PodInfo[] | undefined;

/** NodeRejection is why the filters ruled a node out: the plugin that did and its reasons. */
export interface NodeRejection {
  readonly plugin: FilterPlugin<unknown>;
  readonly reasons: readonly string[];
}

/** isResolvable says removing pods may cure a rejection: kube's Unschedulable, as against UnschedulableAndUnresolvable. */
export function isResolvable(r: NodeRejection): boolean {
  return r.plugin.resolvable?.(r.reasons) ?? false;
}

/** ScheduleResult is the decision: a node, or a FitError; either way where the next walk starts. */
export type ScheduleResult =
  | { readonly kind: 'scheduled'; readonly nodeName: string; readonly evaluatedNodes: number; readonly feasibleNodes: number; readonly nextStartIndex: number }
  | {
      readonly kind: 'unschedulable';
      readonly error: FitError;
      readonly nextStartIndex: number;
      /** rejections holds each node's rejection (none when a PreFilter failed the pod). */
      readonly rejections: ReadonlyMap<string, NodeRejection>;
    };

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

/** filterOnce runs the filters on node in order; the first that rejects it says why. */
function filterOnce(filters: readonly FilterPlugin<unknown>[], states: readonly unknown[], pod: PodInfo, node: NodeInfo): NodeRejection | undefined {
  for (let f = 0; f < filters.length; f++) {
    const reasons = filters[f]!.filter(states[f], pod, node);
    if (reasons !== undefined) return { plugin: filters[f]!, reasons };
  }
  return undefined;
}

/**
 * runFilters runs the filters on node with the pods nominated to it of at least pod's priority counted as placed,
 * then (if there were any) without them (RunFilterPluginsWithNominatedPods); undefined when the pod fits.
 */
export function runFilters(
  filters: readonly FilterPlugin<unknown>[],
  states: readonly unknown[],
  pod: PodInfo,
  node: NodeInfo,
  nominatedPods: NominatedPods | undefined,
): NodeRejection | undefined {
  const peers = nominatedPods?.(node.name);
  if (peers !== undefined) {
    const priority = podPriority(pod);
    let withPeers = node;
    for (const p of peers) if (p.key !== pod.key && podPriority(p) >= priority && !withPeers.hasPod(p.key)) withPeers = withPeers.withPod(p);
    if (withPeers !== node) {
      const rejected = filterOnce(filters, states, pod, withPeers);
      if (rejected !== undefined) return rejected;
    }
  }
  return filterOnce(filters, states, pod, node);
}

/**
 * preFilterStates runs the filters' PreFilter for pod over snapshot and leaves out those that skip (a PreFilter
 * that throws is the caller's to report).
 */
export function preFilterStates(filters: readonly FilterPlugin<unknown>[], pod: PodInfo, snapshot: Snapshot): { filters: readonly FilterPlugin<unknown>[]; states: unknown[] } {
  let states = filters.map((f) => f.preFilter(pod, snapshot));
  // Filters whose preFilter skipped are left out of this cycle.
  if (states.includes(SKIP)) {
    filters = filters.filter((_f, i) => states[i] !== SKIP);
    states = states.filter((s) => s !== SKIP);
  }
  return { filters, states };
}

/** schedulePod decides where pod goes in snapshot; see the module comment. */
export function schedulePod(pod: PodInfo, snapshot: Snapshot, opts: ScheduleOptions): ScheduleResult {
  const { profile } = opts;
  const all = snapshot.nodeInfoList;
  const n = all.length;
  const start = n === 0 ? 0 : (opts.startIndex ?? 0) % n;
  if (n === 0) return { kind: 'unschedulable', error: new FitError(0, new Map(), new Set()), nextStartIndex: 0, rejections: new Map() };

  let filters: readonly FilterPlugin<unknown>[];
  let states: unknown[];
  try {
    ({ filters, states } = preFilterStates(profile.filters, pod, snapshot));
  } catch (err) {
    return { kind: 'unschedulable', error: new FitError(n, new Map(), new Set(), err instanceof Error ? err.message : String(err)), nextStartIndex: start, rejections: new Map() };
  }

  const nominatedPods = opts.nominatedPods;
  const nominated = opts.nominatedNodeName === undefined || opts.nominatedNodeName === '' ? undefined : snapshot.get(opts.nominatedNodeName);
  if (nominated?.node !== undefined && runFilters(filters, states, pod, nominated, nominatedPods) === undefined) {
    return { kind: 'scheduled', nodeName: nominated.name, evaluatedNodes: 1, feasibleNodes: 1, nextStartIndex: start };
  }

  const want = numFeasibleNodesToFind(n, opts.percentageOfNodesToScore);
  const feasible: NodeInfo[] = [];
  const reasons = new Map<string, number>();
  const plugins = new Set<string>();
  const rejections = new Map<string, NodeRejection>();
  let processed = 0;
  for (; processed < n && feasible.length < want; processed++) {
    const node = all[(start + processed) % n]!;
    const rejected = runFilters(filters, states, pod, node, nominatedPods);
    if (rejected === undefined) {
      feasible.push(node);
      continue;
    }
    rejections.set(node.name, rejected);
    plugins.add(rejected.plugin.name);
    for (const reason of rejected.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const nextStartIndex = (start + processed) % n;
  if (feasible.length === 0) return { kind: 'unschedulable', error: new FitError(n, reasons, plugins), nextStartIndex, rejections };
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
