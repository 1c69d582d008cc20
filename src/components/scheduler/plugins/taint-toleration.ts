import type { DeepReadonly, Taint, TaintEffect, Toleration } from '../../../api/index.js';
import { defaultNormalizeScore, MAX_NODE_SCORE, type FilterPlugin, type ScorePlugin } from '../plugin.js';

/**
 * tolerationToleratesTaint reports whether one toleration tolerates a taint (v1.Toleration.ToleratesTaint):
 * the effects match (an empty effect matches all), the keys match (an empty key with Exists matches all), and
 * the operator is Exists or, with Equal (the default), the values are equal.
 */
export function tolerationToleratesTaint(t: DeepReadonly<Toleration>, taint: { readonly key: string; readonly value?: string | undefined; readonly effect: TaintEffect }): boolean {
  if (t.effect !== undefined && t.effect !== ('' as TaintEffect) && t.effect !== taint.effect) return false;
  if ((t.key ?? '') !== '' && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      if ((t.key ?? '') === '') return false; // an empty key needs Exists (validation forbids it otherwise)
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** tolerationsTolerateTaint reports whether any of tolerations tolerates taint. */
export function tolerationsTolerateTaint(tolerations: readonly DeepReadonly<Toleration>[] | undefined, taint: { readonly key: string; readonly value?: string | undefined; readonly effect: TaintEffect }): boolean {
  return (tolerations ?? []).some((t) => tolerationToleratesTaint(t, taint));
}

/** untoleratedTaintReason is TaintToleration's reason for a taint (kube-scheduler 1.27+ wording). */
export function untoleratedTaintReason(taint: DeepReadonly<Taint>): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/**
 * taintTolerationFilter rules out nodes with a NoSchedule or NoExecute taint the pod does not tolerate; the
 * reason names the first such taint (the TaintToleration plugin's Filter).
 */
export const taintTolerationFilter: FilterPlugin<null> = {
  name: 'TaintToleration',
  preFilter: () => null,
  filter(_state, pod, node) {
    const taints = node.node?.spec?.taints;
    if (taints === undefined || taints.length === 0) return undefined;
    const tolerations = pod.pod.spec?.tolerations;
    for (const taint of taints) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!tolerationsTolerateTaint(tolerations, taint)) return [untoleratedTaintReason(taint)];
    }
    return undefined;
  },
};

/**
 * taintTolerationScore prefers nodes with fewer PreferNoSchedule taints the pod does not tolerate (only
 * tolerations with effect PreferNoSchedule or empty count); normalised in reverse, weight 3 as in the default
 * profile.
 */
export const taintTolerationScore: ScorePlugin<readonly DeepReadonly<Toleration>[]> = {
  name: 'TaintToleration',
  weight: 3,
  preScore: (pod) => (pod.pod.spec?.tolerations ?? []).filter((t) => t.effect === undefined || t.effect === ('' as TaintEffect) || t.effect === 'PreferNoSchedule'),
  score(tolerations, _pod, node) {
    let n = 0;
    for (const taint of node.node?.spec?.taints ?? []) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) n++;
    }
    return n;
  },
  normalize: (_s, scores) => defaultNormalizeScore(MAX_NODE_SCORE, true, scores),
};
