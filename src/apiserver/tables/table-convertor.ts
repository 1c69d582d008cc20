/**
 * TableConvertor is what turns one stored object into one row of a meta.k8s.io Table: the column definitions
 * of a resource and the cells of each object, as Kubernetes' printers (pkg/printers/internalversion) compute
 * them. kube-apiserver always prints the wide form (GenerateOptions{Wide: true}); priority-1 columns are the
 * ones kubectl shows only with `-o wide`. Convertors are pure: the current time is a parameter.
 */
import type { KubeObject, TableColumnDefinition, TableRowCondition, Time } from '../../api/meta-v1.js';
import { parseTimestamp } from '../../api/time.js';
import { DESC_CREATION_TIMESTAMP, DESC_NAME } from './descriptions.js';
import { humanDuration } from './duration.js';

/** PrintedRow is what a convertor computes for one object: the cells in column order and row conditions. */
export interface PrintedRow {
  cells: unknown[];
  /** conditions mark the row, e.g. `Completed` for a pod that has finished (kubectl greys it out). */
  conditions?: TableRowCondition[];
}

/** TableConvertor prints objects of one resource; every row has exactly one cell per column. */
export interface TableConvertor {
  /** columns are the column definitions, wide ones (priority 1) included. */
  readonly columns: readonly TableColumnDefinition[];
  /** row prints obj as of now (epoch milliseconds). */
  row(obj: KubeObject, now: number): PrintedRow;
}

/** column builds a column definition; format is `name` only for NAME columns. */
export function column(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

/** nameColumn is the NAME column every printer starts with. */
export const nameColumn: TableColumnDefinition = column('Name', 'string', DESC_NAME, 0, 'name');

/** ageColumn is the AGE column (a human duration since creationTimestamp). */
export const ageColumn: TableColumnDefinition = column('Age', 'string', DESC_CREATION_TIMESTAMP);

/**
 * timestampMillis parses a metav1.Time or MicroTime; absent, null and unparseable values are the zero time
 * (undefined), which Go's printers show as `<unknown>`.
 */
export function timestampMillis(t: Time | null | undefined): number | undefined {
  if (t === null || t === undefined || t === '') return undefined;
  try {
    return parseTimestamp(t);
  } catch {
    return undefined;
  }
}

/** translateTimestampSince is the printers' AGE: humanDuration(now - t), `<unknown>` for the zero time. */
export function translateTimestampSince(t: Time | null | undefined, now: number): string {
  const ms = timestampMillis(t);
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}

/** formatLabels renders a label map as labels.FormatLabels: `k=v` pairs sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** layoutContainerCells joins container names and images with commas (the wide CONTAINERS and IMAGES cells). */
export function layoutContainerCells(containers: readonly { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}
