/**
 * The decisions of kube-apiserver 1.32's pods/eviction subresource (EvictionREST), apart from its reads and
 * writes: whether a pod's disruption budget can be ignored (a terminal, pending or terminating pod), which budgets
 * select a pod, whether a pod that is not ready may go without spending the budget, and checkAndDecrement — a
 * budget that has not observed its generation or allows no disruption refuses with 429 TooManyRequests and kube's
 * DisruptionBudget cause; one that allows a disruption spends it and records the pod in disruptedPods.
 */
import {
  DISRUPTION_ALLOWED_CONDITION,
  formatTime,
  isPodReady,
  setStatusCondition,
  type CauseType,
  type DeleteOptions,
  type DeepReadonly,
  type Eviction,
  type Pod,
  type PodDisruptionBudget,
} from '../api/index.js';
import { StatusError } from './errors.js';

/** DISRUPTION_BUDGET_CAUSE is the StatusCause type of a refusal by a budget (policyv1.DisruptionBudgetCause). */
export const DISRUPTION_BUDGET_CAUSE: CauseType = 'DisruptionBudget';

/** MAX_DISRUPTED_POD_SIZE is how many unconfirmed evictions a budget may record (MaxDisruptedPodSize). */
export const MAX_DISRUPTED_POD_SIZE = 2000;

/** EVICTION_REFUSED is the message of every budget refusal. */
export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

/** MULTIPLE_BUDGETS is the message of the 500 a pod selected by two budgets gets. */
export const MULTIPLE_BUDGETS = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

const BUDGET_RESOURCE = { group: 'policy', resource: 'poddisruptionbudget' };

type RoPod = Pod | DeepReadonly<Pod>;
type RoBudget = PodDisruptionBudget | DeepReadonly<PodDisruptionBudget>;

/** canIgnoreBudget is canIgnorePDB: a pod that is terminal, pending or already being deleted disrupts nothing. */
export function canIgnoreBudget(pod: RoPod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || (pod.metadata.deletionTimestamp ?? null) !== null;
}

/** enforcesResourceVersion is shouldEnforceResourceVersion: only a live pod is deleted at the version that was judged. */
export function enforcesResourceVersion(pod: RoPod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && (pod.metadata.deletionTimestamp ?? null) === null;
}

/**
 * unreadyMayGo says a pod that is not ready may be evicted without spending the budget: always under the
 * AlwaysAllow policy; otherwise (IfHealthyBudget, the default) while the budget is met.
 */
export function unreadyMayGo(pod: RoPod, budget: RoBudget): boolean {
  if (isPodReady(pod)) return false;
  if (budget.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const status = budget.status;
  return (status?.currentHealthy ?? 0) >= (status?.desiredHealthy ?? 0) && (status?.desiredHealthy ?? 0) > 0;
}

/** budgetBeingProcessed is createTooManyRequestsError: the budget's status is behind, try again in 10 s. */
export function budgetBeingProcessed(name: string): StatusError {
  return StatusError.tooManyRequests(EVICTION_REFUSED, 10, [{ reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${name} is still being processed by the server.` }]);
}

/**
 * spendDisruption is checkAndDecrement: budget with one disruption spent (DisruptionAllowed False once none are
 * left) and, unless dryRun, podName recorded in disruptedPods at now — or the refusal kube gives.
 */
export function spendDisruption(budget: PodDisruptionBudget, podName: string, now: number, dryRun: boolean): PodDisruptionBudget {
  const name = budget.metadata.name ?? '';
  const status = budget.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  if ((status.observedGeneration ?? 0) < (budget.metadata.generation ?? 0)) throw budgetBeingProcessed(name);
  if (status.disruptionsAllowed < 0) throw StatusError.forbidden(BUDGET_RESOURCE, name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    throw StatusError.forbidden(BUDGET_RESOURCE, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (status.disruptionsAllowed === 0) {
    throw StatusError.tooManyRequests(EVICTION_REFUSED, 0, [
      { reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently` },
    ]);
  }
  const next = { ...status, disruptionsAllowed: status.disruptionsAllowed - 1 };
  if (next.disruptionsAllowed === 0) {
    next.conditions = setStatusCondition(
      next.conditions,
      { type: DISRUPTION_ALLOWED_CONDITION, status: 'False', reason: 'InsufficientPods', message: '', ...(next.observedGeneration === undefined ? {} : { observedGeneration: next.observedGeneration }) },
      now,
    );
  }
  if (!dryRun) next.disruptedPods = { ...(next.disruptedPods ?? {}), [podName]: formatTime(now) };
  return { ...budget, status: next };
}

/**
 * evictionDeleteOptions is propagateDryRun: the Eviction's deleteOptions with the request's dryRun where the
 * Eviction says none (or the Eviction's where the request says none); both saying different things is kube's 500.
 */
export function evictionDeleteOptions(eviction: Eviction, requestDryRun: readonly string[]): DeleteOptions {
  const options: DeleteOptions = { ...(eviction.deleteOptions ?? {}) };
  const own = options.dryRun ?? [];
  if (own.length === 0) {
    if (requestDryRun.length > 0) options.dryRun = [...requestDryRun];
    return options;
  }
  if (requestDryRun.length > 0 && (own.length !== requestDryRun.length || own.some((v, i) => v !== requestDryRun[i]))) {
    // kube returns a plain error here, which its handler answers as a 500 without a reason.
    throw new StatusError(500, '', `Non-matching dry-run options in request and content: [${requestDryRun.join(' ')}] and [${own.join(' ')}]`);
  }
  return options;
}
