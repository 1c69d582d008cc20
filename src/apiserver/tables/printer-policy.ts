/**
 * The policy/v1 printer of Kubernetes 1.32: PodDisruptionBudget (NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED
 * DISRUPTIONS AGE), a bound left unset printed `N/A`.
 */
import type { KubeObject } from '../../api/meta-v1.js';
import type { PodDisruptionBudget } from '../../api/policy-v1.js';
import { type TableConvertor, ageColumn, column, nameColumn, translateTimestampSince } from './table-convertor.js';

/** podDisruptionBudgetTableConvertor prints disruption budgets. */
export const podDisruptionBudgetTableConvertor: TableConvertor = {
  columns: [
    nameColumn,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn,
  ],
  row: (obj: KubeObject, now: number) => {
    const pdb = obj as PodDisruptionBudget;
    const bound = (v: number | string | undefined): string => (v === undefined || v === null ? 'N/A' : String(v));
    return {
      cells: [
        pdb.metadata.name ?? '',
        bound(pdb.spec?.minAvailable),
        bound(pdb.spec?.maxUnavailable),
        pdb.status?.disruptionsAllowed ?? 0,
        translateTimestampSince(pdb.metadata.creationTimestamp, now),
      ],
    };
  },
};
