/**
 * The autoscaling/v1 Scale printer (printScale), used for the `scale` subresource of Deployments and
 * ReplicaSets: NAME DESIRED AVAILABLE AGE. Unlike the other printers, its NAME column carries no `name` format.
 */
import type { Scale } from '../../api/autoscaling-v1.js';
import type { KubeObject } from '../../api/meta-v1.js';
import { DESC_NAME } from './descriptions.js';
import { type TableConvertor, ageColumn, column, translateTimestampSince } from './table-convertor.js';

/** scaleTableConvertor prints Scale objects. */
export const scaleTableConvertor: TableConvertor = {
  columns: [
    column('Name', 'string', DESC_NAME),
    column('Desired', 'integer', 'replicas is the desired number of instances for the scaled object.'),
    column('Available', 'integer', 'replicas is the actual number of observed instances of the scaled object.'),
    ageColumn,
  ],
  row: (obj: KubeObject, now: number) => {
    const s = obj as Scale;
    return { cells: [s.metadata.name ?? '', s.spec?.replicas ?? 0, s.status?.replicas ?? 0, translateTimestampSince(s.metadata.creationTimestamp, now)] };
  },
};
