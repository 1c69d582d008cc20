import type { FilterPlugin } from '../plugin.js';
import { tolerationsTolerateTaint } from './taint-toleration.js';

/** ERR_REASON_UNSCHEDULABLE is NodeUnschedulable's reason. */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } as const;

/**
 * nodeUnschedulable rules out nodes with spec.unschedulable (cordoned), unless the pod tolerates the
 * node.kubernetes.io/unschedulable:NoSchedule taint (the NodeUnschedulable plugin).
 */
export const nodeUnschedulable: FilterPlugin<null> = {
  name: 'NodeUnschedulable',
  preFilter: () => null,
  filter(_state, pod, node) {
    if (node.node?.spec?.unschedulable !== true) return undefined;
    return tolerationsTolerateTaint(pod.pod.spec?.tolerations, UNSCHEDULABLE_TAINT) ? undefined : [ERR_REASON_UNSCHEDULABLE];
  },
};
