/**
 * Which PodDisruptionBudgets select a pod, as kube's eviction subresource and disruption controller both ask
 * (the PDB lister's GetPodPodDisruptionBudgets, policy/v1): budgets of the pod's namespace whose selector matches
 * its labels — a missing selector selects nothing, an empty one everything; one that does not parse is passed over.
 */
import { labelSelectorAsSelector } from './label-selector.js';
import type { Pod } from './core-v1.js';
import type { DeepReadonly } from './meta.js';
import type { PodDisruptionBudget } from './policy-v1.js';

/** budgetsSelecting lists the budgets (in the order given) that select pod. */
export function budgetsSelecting<B extends PodDisruptionBudget | DeepReadonly<PodDisruptionBudget>>(pod: Pod | DeepReadonly<Pod>, budgets: readonly B[]): B[] {
  return budgets.filter((b) => {
    if (b.metadata.namespace !== pod.metadata.namespace) return false;
    try {
      return labelSelectorAsSelector(b.spec?.selector as Parameters<typeof labelSelectorAsSelector>[0]).matches(pod.metadata.labels ?? {});
    } catch {
      return false;
    }
  });
}
