/**
 * preempt is kube-scheduler 1.32's DefaultPreemption PostFilter as a pure function of the pod that fits no node, the
 * Snapshot, each node's rejection and the PodDisruptionBudgets, with randomness injected:
 *
 * 1. Eligibility (PodEligibleToPreemptOthers): a pod with preemptionPolicy Never does not preempt; nor does a pod
 *    whose nominated node still holds a lower-priority pod this scheduler is preempting (terminating, marked
 *    DisruptionTarget PreemptionByScheduler), unless that node is now out of reach for it anyway.
 * 2. Candidates: only nodes whose rejection removing pods could cure (Unschedulable, not
 *    UnschedulableAndUnresolvable). From a random offset, each such node is tried (SelectVictimsOnNode): every
 *    pod of lower priority taken off; if the pod then fits, those pods are given back one by one, most important
 *    first — those whose eviction would break a disruption budget before the others — as long as the pod still
 *    fits; the rest are the victims. The search stops once max(10 % of those nodes, 100) candidates are found,
 *    at least one breaking no budget.
 * 3. Choice (pickOneNodeForPreemption): fewest budgets broken, then the lowest highest victim priority, the
 *    smallest sum of victim priorities, the fewest victims, the latest start among the highest-priority victims;
 *    then the first.
 *
 * The shell (scheduler.ts) then marks and deletes the victims, nominates the pod to the node and clears the
 * nominations of lower-priority pods there. Filters run as in a scheduling cycle, on a snapshot with the node as
 * it would be, the pods nominated to it counted.
 */
import { labelSelectorAsSelector, parseTime, type DeepReadonly, type LabelSelector, type Pod, type PodDisruptionBudget } from '../../api/index.js';
import type { Random } from '../../util/random.js';
import { fitErrorMessage } from './fit-error.js';
import type { NodeInfo } from './node-info.js';
import { podPriority, type PodInfo } from './pod-info.js';
import type { FilterPlugin } from './plugin.js';
import { isResolvable, preFilterStates, runFilters, type NodeRejection, type NominatedPods, type Profile } from './schedule-pod.js';
import type { Snapshot } from './snapshot.js';

/** MIN_CANDIDATE_NODES_PERCENTAGE is DefaultPreemption's default minCandidateNodesPercentage. */
export const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
/** MIN_CANDIDATE_NODES_ABSOLUTE is DefaultPreemption's default minCandidateNodesAbsolute. */
export const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

/** NO_VICTIMS is the status of a node without lower-priority pods. */
export const NO_VICTIMS = 'No preemption victims found for incoming pod';
/** NOT_HELPFUL is the status of the nodes where preemption was not tried. */
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
/** NOT_ELIGIBLE_NEVER says a pod may not preempt because its preemptionPolicy is Never. */
export const NOT_ELIGIBLE_NEVER = 'not eligible due to preemptionPolicy=Never.';
/** NOT_ELIGIBLE_TERMINATING says a pod may not preempt while a victim of its last preemption is still going. */
export const NOT_ELIGIBLE_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';
/** PREEMPTION_REASON is the DisruptionTarget reason a victim is marked with. */
export const PREEMPTION_REASON = 'PreemptionByScheduler';

/** PreemptionOptions are preempt's inputs besides the pod, the snapshot and the rejections. */
export interface PreemptionOptions {
  readonly profile: Profile;
  readonly random: Random;
  /** now (ms since the epoch) stands in for the start time of a pod that has none. */
  readonly now: number;
  readonly budgets: readonly DeepReadonly<PodDisruptionBudget>[];
  readonly nominatedPods?: NominatedPods;
  /** nominatedNodeName is the node the pod is nominated to now, if any. */
  readonly nominatedNodeName?: string;
  /**
   * beingPreempted says a pod is a victim whose eviction this scheduler has sent but not yet seen take effect: it
   * counts as terminating by preemption, so a retry does not preempt again for the same pod.
   */
  readonly beingPreempted?: (victim: PodInfo) => boolean;
}

/** Candidate is a node where evicting victims lets the pod fit. */
export interface Candidate {
  readonly nodeName: string;
  /** victims are the pods to evict, most important first. */
  readonly victims: readonly PodInfo[];
  readonly numPDBViolations: number;
}

/**
 * PreemptionResult is preempt's answer: a candidate to act on; or a failure with kube's message (after
 * `preemption: `), and whether the pod's nomination is to be cleared (no candidate anywhere) or left alone.
 */
export type PreemptionResult = ({ readonly kind: 'preempt' } & Candidate) | { readonly kind: 'fail'; readonly message: string; readonly clearNomination: boolean };

/** isPreemptionVictimTerminating says a pod is being deleted by a scheduler's preemption (podTerminatingByPreemption). */
export function isPreemptionVictimTerminating(pod: DeepReadonly<Pod>): boolean {
  if (!pod.metadata.deletionTimestamp) return false;
  const c = pod.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
  return c?.status === 'True' && c.reason === PREEMPTION_REASON;
}

/** startTimeOf is a pod's status.startTime (GetPodStartTime), or now when it has none. */
function startTimeOf(p: PodInfo, now: number): number {
  const t = p.pod.status?.startTime;
  return t ? parseTime(t) : now;
}

/** moreImportant orders pods most important first (MoreImportantPod): higher priority, then earlier start. */
function moreImportant(now: number): (a: PodInfo, b: PodInfo) => number {
  return (a, b) => podPriority(b) - podPriority(a) || startTimeOf(a, now) - startTimeOf(b, now);
}

/**
 * splitByBudgets sorts pods (in order) into those whose eviction would take a budget below zero allowed
 * disruptions and the others (filterPodsWithPDBViolation): a budget of the pod's namespace whose selector (neither
 * missing nor empty) matches its labels, and which has not already recorded the pod as disrupted, is spent.
 */
export function splitByBudgets(pods: readonly PodInfo[], budgets: readonly DeepReadonly<PodDisruptionBudget>[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = budgets.map((b) => b.status?.disruptionsAllowed ?? 0);
  const selectors = budgets.map((b) => {
    try {
      const sel = labelSelectorAsSelector(b.spec?.selector as LabelSelector | undefined);
      return sel.empty() ? undefined : sel;
    } catch {
      return undefined;
    }
  });
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const p of pods) {
    const labels = p.pod.metadata.labels ?? {};
    let violates = false;
    if (Object.keys(labels).length > 0) {
      for (let i = 0; i < budgets.length; i++) {
        const b = budgets[i]!;
        if (b.metadata.namespace !== p.pod.metadata.namespace || selectors[i]?.matches(labels) !== true) continue;
        if (b.status?.disruptedPods?.[p.pod.metadata.name ?? ''] !== undefined) continue;
        allowed[i]!--;
        if (allowed[i]! < 0) violates = true;
      }
    }
    (violates ? violating : nonViolating).push(p);
  }
  return { violating, nonViolating };
}

/**
 * FilterCycle is the filters of a preemption with their PreFilter state over the unchanged snapshot: a what-if
 * computes again only the states that read the nodes (removing pods never un-skips a filter that skipped).
 */
export interface FilterCycle {
  readonly filters: readonly FilterPlugin<unknown>[];
  readonly states: readonly unknown[];
  readonly readsNodes: boolean;
}

function filterCycle(pod: PodInfo, snapshot: Snapshot, opts: PreemptionOptions): FilterCycle {
  const { filters, states } = preFilterStates(opts.profile.filters, pod, snapshot);
  return { filters, states, readsNodes: filters.some((f) => f.preFilterReadsNodes === true) };
}

/** fitsOn runs the filters for pod on ni as the node's state (the node-reading PreFilters over the snapshot so changed). */
function fitsOn(pod: PodInfo, ni: NodeInfo, snapshot: Snapshot, cycle: FilterCycle, opts: PreemptionOptions): NodeRejection | undefined {
  let states = cycle.states;
  if (cycle.readsNodes) {
    const changed = snapshot.withNodeInfo(ni);
    states = cycle.filters.map((f, i) => (f.preFilterReadsNodes === true ? f.preFilter(pod, changed) : cycle.states[i]));
  }
  return runFilters(cycle.filters, states, pod, ni, opts.nominatedPods);
}

/**
 * selectVictimsOnNode finds the fewest lower-priority pods to evict from ni so that pod fits (SelectVictimsOnNode),
 * or the reasons it cannot.
 */
export function selectVictimsOnNode(
  pod: PodInfo,
  ni: NodeInfo,
  snapshot: Snapshot,
  opts: PreemptionOptions,
  cycle: FilterCycle = filterCycle(pod, snapshot, opts),
): { victims: PodInfo[]; numPDBViolations: number } | { reasons: readonly string[] } {
  const priority = podPriority(pod);
  const lower = ni.pods.filter((p) => podPriority(p) < priority);
  if (lower.length === 0) return { reasons: [NO_VICTIMS] };
  let node = ni;
  for (const p of lower) node = node.withoutPod(p.key);
  const rejected = fitsOn(pod, node, snapshot, cycle, opts);
  if (rejected !== undefined) return { reasons: rejected.reasons };
  const order = moreImportant(opts.now);
  lower.sort(order);
  const { violating, nonViolating } = splitByBudgets(lower, opts.budgets);
  const victims: PodInfo[] = [];
  let numPDBViolations = 0;
  const reprieve = (p: PodInfo, violates: boolean): void => {
    const withP = node.withPod(p);
    if (fitsOn(pod, withP, snapshot, cycle, opts) === undefined) {
      node = withP;
      return;
    }
    victims.push(p);
    if (violates) numPDBViolations++;
  };
  for (const p of violating) reprieve(p, true);
  for (const p of nonViolating) reprieve(p, false);
  if (violating.length > 0 && nonViolating.length > 0) victims.sort(order);
  if (victims.length === 0) return { reasons: [`expected at least one victim pod on node ${JSON.stringify(ni.name)}`] };
  return { victims, numPDBViolations };
}

/** pickOneNode chooses among candidates by kube's criteria, in order (pickOneNodeForPreemption). */
export function pickOneNode(candidates: readonly Candidate[], now: number): Candidate {
  const MIN_INT32 = -(2 ** 31);
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -podPriority(c.victims[0]!),
    // Priorities are shifted to be positive so that fewer victims is a smaller sum.
    (c) => -c.victims.reduce((sum, p) => sum + (podPriority(p) - MIN_INT32), 0),
    (c) => -c.victims.length,
    (c) => {
      const top = podPriority(c.victims[0]!);
      return Math.min(...c.victims.filter((p) => podPriority(p) === top).map((p) => startTimeOf(p, now)));
    },
  ];
  let left = candidates;
  for (const score of criteria) {
    if (left.length === 1) break;
    const scores = left.map(score);
    const best = Math.max(...scores);
    left = left.filter((_c, i) => scores[i] === best);
  }
  return left[0]!;
}

/** notEligible says why pod may not preempt (PodEligibleToPreemptOthers), or undefined when it may. */
function notEligible(pod: PodInfo, snapshot: Snapshot, rejections: ReadonlyMap<string, NodeRejection>, opts: PreemptionOptions): string | undefined {
  if (pod.pod.spec?.preemptionPolicy === 'Never') return NOT_ELIGIBLE_NEVER;
  const nominated = opts.nominatedNodeName;
  if (nominated === undefined || nominated === '') return undefined;
  const status = rejections.get(nominated);
  if (status !== undefined && !isResolvable(status)) return undefined;
  const ni = snapshot.get(nominated);
  const priority = podPriority(pod);
  const going = (p: PodInfo): boolean => isPreemptionVictimTerminating(p.pod) || opts.beingPreempted?.(p) === true;
  if (ni?.pods.some((p) => podPriority(p) < priority && going(p)) === true) return NOT_ELIGIBLE_TERMINATING;
  return undefined;
}

/** preempt: see the module comment. */
export function preempt(pod: PodInfo, snapshot: Snapshot, rejections: ReadonlyMap<string, NodeRejection>, opts: PreemptionOptions): PreemptionResult {
  const why = notEligible(pod, snapshot, rejections, opts);
  if (why !== undefined) return { kind: 'fail', message: why, clearNomination: false };
  const numAllNodes = snapshot.numNodes;
  const potential = snapshot.nodeInfoList.filter((ni) => {
    const r = rejections.get(ni.name);
    return r !== undefined && isResolvable(r);
  });
  const statuses = new Map<string, number>();
  let tried = 0;
  const nonViolating: Candidate[] = [];
  const violating: Candidate[] = [];
  // (A PreFilter that fails the pod failed it in schedulePod already, leaving no rejections: nothing is potential.)
  if (potential.length > 0) {
    const cycle = filterCycle(pod, snapshot, opts);
    const wanted = Math.min(potential.length, Math.max(Math.trunc((potential.length * MIN_CANDIDATE_NODES_PERCENTAGE) / 100), MIN_CANDIDATE_NODES_ABSOLUTE));
    const offset = opts.random.int(potential.length);
    for (let i = 0; i < potential.length; i++) {
      const ni = potential[(offset + i) % potential.length]!;
      tried++;
      const found = selectVictimsOnNode(pod, ni, snapshot, opts, cycle);
      if ('reasons' in found) {
        for (const r of found.reasons) statuses.set(r, (statuses.get(r) ?? 0) + 1);
        continue;
      }
      const candidate = { nodeName: ni.name, ...found };
      if (candidate.numPDBViolations === 0) {
        if (nonViolating.length < wanted) nonViolating.push(candidate);
      } else if (violating.length < wanted) {
        violating.push(candidate);
      }
      if (nonViolating.length > 0 && nonViolating.length + violating.length >= wanted) break;
    }
  }
  const candidates = [...nonViolating, ...violating];
  if (candidates.length === 0) {
    if (numAllNodes > tried) statuses.set(NOT_HELPFUL, (statuses.get(NOT_HELPFUL) ?? 0) + numAllNodes - tried);
    return { kind: 'fail', message: fitErrorMessage(numAllNodes, statuses), clearNomination: true };
  }
  const chosen = candidates.length === 1 ? candidates[0]! : pickOneNode(candidates, opts.now);
  return { kind: 'preempt', ...chosen };
}
