/**
 * The core/v1 Event printer (printEvent): LAST SEEN TYPE REASON OBJECT MESSAGE, and wide SUBOBJECT SOURCE
 * FIRST SEEN COUNT NAME. Events of the new API (eventTime and series, no first/lastTimestamp or count) print
 * from those fields; a singleton event without a count counts once. OBJECT is `kind/name` in lower case.
 */
import type { Event } from '../../api/core-v1.js';
import type { KubeObject } from '../../api/meta-v1.js';
import { DESC_EVENT, DESC_NAME } from './descriptions.js';
import { type PrintedRow, type TableConvertor, column, timestampMillis, translateTimestampSince } from './table-convertor.js';

const eventColumns = [
  column('Last Seen', 'string', DESC_EVENT.lastTimestamp),
  column('Type', 'string', DESC_EVENT.type),
  column('Reason', 'string', DESC_EVENT.reason),
  column('Object', 'string', DESC_EVENT.involvedObject),
  column('Subobject', 'string', DESC_EVENT.fieldPath, 1),
  column('Source', 'string', DESC_EVENT.source, 1),
  column('Message', 'string', DESC_EVENT.message),
  column('First Seen', 'string', DESC_EVENT.firstTimestamp, 1),
  column('Count', 'string', DESC_EVENT.count, 1),
  column('Name', 'string', DESC_NAME, 1, 'name'),
];

/** formatEventSource is `component, host`, falling back to reportingComponent and reportingInstance. */
function formatEventSource(e: Event): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance.length === 0 ? component : `${component}, ${instance}`;
}

function printEvent(e: Event, now: number): PrintedRow {
  const firstTimestamp =
    timestampMillis(e.firstTimestamp) === undefined ? translateTimestampSince(e.eventTime, now) : translateTimestampSince(e.firstTimestamp, now);
  let lastTimestamp = timestampMillis(e.lastTimestamp) === undefined ? firstTimestamp : translateTimestampSince(e.lastTimestamp, now);
  let count = e.count ?? 0;
  if (e.series !== undefined && e.series !== null) {
    lastTimestamp = translateTimestampSince(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    count = 1; // singleton events of the new API carry no count
  }
  const involved = e.involvedObject ?? {};
  const kind = (involved.kind ?? '').toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  return {
    cells: [
      lastTimestamp,
      e.type ?? '',
      e.reason ?? '',
      target,
      involved.fieldPath ?? '',
      formatEventSource(e),
      (e.message ?? '').trim(),
      firstTimestamp,
      count,
      e.metadata.name ?? '',
    ],
  };
}

/** eventTableConvertor prints core/v1 events. */
export const eventTableConvertor: TableConvertor = {
  columns: eventColumns,
  row: (obj: KubeObject, now: number) => printEvent(obj as Event, now),
};
