/**
 * What kube-controller-manager 1.32's disruption controller computes for a PodDisruptionBudget, apart from its
 * informers and writes: the pods' expected count and the healthy pods the budget wants (minAvailable as a count,
 * or a percentage — and maxUnavailable — of the summed scale of the pods' controllers), the evictions still
 * awaited (disruptedPods younger than DELETION_TIMEOUT_MS), the healthy pods (ready, not being deleted, not just
 * evicted), disruptionsAllowed, and the DisruptionAllowed condition; the status is only rewritten when it says
 * something new. Instants are epoch milliseconds.
 */
import {
  DISRUPTION_ALLOWED_CONDITION,
  controllerOf,
  findStatusCondition,
  isPodReady,
  jsonEqual,
  parseTime,
  setStatusCondition,
  type DeepReadonly,
  type OwnerReference,
  type Pod,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
} from '../../../api/index.js';
import { scaledValue } from '../workloads/deployment-util.js';

/** DELETION_TIMEOUT_MS is how long an evicted pod is awaited before it counts again (DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

type RoPod = DeepReadonly<Pod>;
type RoBudget = DeepReadonly<PodDisruptionBudget>;

/** ControllerScale is a controller's UID and the replicas it asks for. */
export interface ControllerScale {
  readonly uid: string;
  readonly scale: number;
}

/**
 * ScaleFinder finds the controller a pod's controllerRef names and its scale: undefined when it is not there (or is
 * another object of that name); it throws when the owner's kind has no scale at all.
 */
export type ScaleFinder = (ref: DeepReadonly<OwnerReference>, namespace: string) => ControllerScale | undefined;

/** ExpectedCounts are getExpectedPodCount's results. */
export interface ExpectedCounts {
  readonly expectedCount: number;
  readonly desiredHealthy: number;
  /** unmanaged are the selected pods without a controller (left out of a percentage's base). */
  readonly unmanaged: readonly string[];
}

/** NoControllersError is a pod whose controllerRef names nothing the finders know. */
export class NoControllersError extends Error {}

/** expectedScale is getExpectedScale: the summed scale of the pods' controllers, each counted once. */
function expectedScale(pods: readonly RoPod[], findScale: ScaleFinder): { expectedCount: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod as Pod);
    if (ref === undefined) {
      unmanaged.push(pod.metadata.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = findScale(ref, pod.metadata.namespace ?? '');
    if (found === undefined) throw new NoControllersError(`found no controllers for pod "${pod.metadata.name ?? ''}"`);
    scales.set(found.uid, found.scale);
  }
  let expectedCount = 0;
  for (const n of scales.values()) expectedCount += n;
  return { expectedCount, unmanaged };
}

/** expectedCounts is getExpectedPodCount. */
export function expectedCounts(budget: RoBudget, pods: readonly RoPod[], findScale: ScaleFinder): ExpectedCounts {
  const { maxUnavailable, minAvailable } = budget.spec ?? {};
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const { expectedCount, unmanaged } = expectedScale(pods, findScale);
    const unavailable = scaledValue(maxUnavailable as number | string, expectedCount, true);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - unavailable), unmanaged };
  }
  if (minAvailable !== undefined && minAvailable !== null) {
    if (typeof minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: minAvailable, unmanaged: [] };
    const { expectedCount, unmanaged } = expectedScale(pods, findScale);
    return { expectedCount, desiredHealthy: scaledValue(minAvailable, expectedCount, true), unmanaged };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanaged: [] };
}

/** DisruptedPods is buildDisruptedPodMap's result. */
export interface DisruptedPods {
  /** awaited are the evictions still awaited, pod name → when. */
  readonly awaited: Record<string, string>;
  /** recheckAt is when the earliest of them stops being awaited. */
  readonly recheckAt: number | undefined;
  /** overdue are the pods evicted longer than DELETION_TIMEOUT_MS ago and still not being deleted. */
  readonly overdue: readonly RoPod[];
}

/** disruptedPodMap is buildDisruptedPodMap: the budget's disruptedPods that are still selected, alive and awaited. */
export function disruptedPodMap(budget: RoBudget, pods: readonly RoPod[], now: number): DisruptedPods {
  const recorded = budget.status?.disruptedPods ?? {};
  const awaited: Record<string, string> = {};
  const overdue: RoPod[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    if ((pod.metadata.deletionTimestamp ?? null) !== null) continue;
    const name = pod.metadata.name ?? '';
    // Own members only: a pod may be called `constructor`.
    const at = Object.hasOwn(recorded, name) ? recorded[name] : undefined;
    if (at === undefined || at === null) continue;
    const expected = parseTime(at) + DELETION_TIMEOUT_MS;
    if (expected < now) overdue.push(pod);
    else {
      if (recheckAt === undefined || expected < recheckAt) recheckAt = expected;
      awaited[name] = at;
    }
  }
  return { awaited, recheckAt, overdue };
}

/** countHealthy is countHealthyPods: ready pods neither being deleted nor awaited as evicted. */
export function countHealthy(pods: readonly RoPod[], awaited: Readonly<Record<string, string>>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if ((pod.metadata.deletionTimestamp ?? null) !== null) continue;
    const name = pod.metadata.name ?? '';
    const at = Object.hasOwn(awaited, name) ? awaited[name] : undefined;
    if (at !== undefined && parseTime(at) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** conditionsUpToDate is pdbhelper.ConditionsAreUpToDate. */
function conditionsUpToDate(budget: RoBudget): boolean {
  const cond = findStatusCondition(budget.status?.conditions, DISRUPTION_ALLOWED_CONDITION);
  const generation = budget.metadata.generation ?? 0;
  if (cond === undefined || (budget.status?.observedGeneration ?? 0) !== generation) return false;
  if ((budget.status?.disruptionsAllowed ?? 0) > 0) return cond.status === 'True' && cond.reason === 'SufficientPods';
  return cond.status === 'False' && cond.reason === 'InsufficientPods';
}

/**
 * nextStatus is updatePdbStatus: the status for these counts (no disruption allowed while the budget expects no
 * pods), or undefined when the stored one already says it.
 */
export function nextStatus(budget: RoBudget, currentHealthy: number, counts: ExpectedCounts, awaited: Readonly<Record<string, string>>, now: number): PodDisruptionBudgetStatus | undefined {
  const { expectedCount, desiredHealthy } = counts;
  let disruptionsAllowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const old = budget.status;
  const generation = budget.metadata.generation ?? 0;
  const same =
    (old?.currentHealthy ?? 0) === currentHealthy &&
    (old?.desiredHealthy ?? 0) === desiredHealthy &&
    (old?.expectedPods ?? 0) === expectedCount &&
    (old?.disruptionsAllowed ?? 0) === disruptionsAllowed &&
    jsonEqual(old?.disruptedPods ?? {}, awaited) &&
    (old?.observedGeneration ?? 0) === generation &&
    conditionsUpToDate(budget);
  if (same) return undefined;
  const allowed = disruptionsAllowed > 0;
  const conditions = setStatusCondition(
    old?.conditions as PodDisruptionBudgetStatus['conditions'],
    { type: DISRUPTION_ALLOWED_CONDITION, status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '', observedGeneration: generation },
    now,
  );
  return {
    observedGeneration: generation,
    ...(Object.keys(awaited).length > 0 ? { disruptedPods: { ...awaited } } : {}),
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    conditions,
  };
}

/**
 * failSafeStatus is failSafe: the stored status with no disruption allowed and DisruptionAllowed False for
 * SyncFailed, saying why.
 */
export function failSafeStatus(budget: RoBudget, why: string, now: number): PodDisruptionBudgetStatus {
  const old = (budget.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }) as PodDisruptionBudgetStatus;
  const observed = old.observedGeneration ?? 0;
  return {
    ...old,
    disruptionsAllowed: 0,
    conditions: setStatusCondition(old.conditions, { type: DISRUPTION_ALLOWED_CONDITION, status: 'False', reason: 'SyncFailed', message: why, observedGeneration: observed }, now),
  };
}
