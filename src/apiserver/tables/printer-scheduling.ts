/**
 * The scheduling.k8s.io/v1 printer of Kubernetes 1.32: PriorityClass (NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY,
 * an unset policy printed empty).
 */
import type { KubeObject } from '../../api/meta-v1.js';
import type { PriorityClass } from '../../api/scheduling-v1.js';
import { type TableConvertor, ageColumn, column, nameColumn, translateTimestampSince } from './table-convertor.js';

/** priorityClassTableConvertor prints priority classes. */
export const priorityClassTableConvertor: TableConvertor = {
  columns: [
    nameColumn,
    column('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
    column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.'),
    ageColumn,
    column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
  ],
  row: (obj: KubeObject, now: number) => {
    const pc = obj as PriorityClass;
    return {
      cells: [pc.metadata.name ?? '', pc.value ?? 0, pc.globalDefault ?? false, translateTimestampSince(pc.metadata.creationTimestamp, now), pc.preemptionPolicy ?? ''],
    };
  },
};
