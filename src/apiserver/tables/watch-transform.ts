/**
 * The transform of watch events (handlers/response.go, watchEmbeddedEncoder): each event's object is
 * transformed like a get's. For a Table, every event carries a one-row Table, and only the first event sent
 * carries the column definitions; later ones have `columnDefinitions: null` (kube-apiserver switches its table
 * options to NoHeaders after encoding the first event, whatever its type). ERROR events keep their Status.
 * BOOKMARK events are transformed too, as kube-apiserver does. A transform that cannot apply to a single
 * object (PartialObjectMetadataList) leaves the object as it is, as kube-apiserver does after logging.
 *
 * The transformer is stateful (it remembers whether headers were sent): use one per watch stream.
 */
import type { KubeObject, Status, WatchEvent } from '../../api/meta-v1.js';
import type { OutputTarget } from './negotiation.js';
import { type IncludeObject, type PartialObjectMetadataWire, type WireTable, asPartialObjectMetadata, objectToTable } from './table.js';
import type { TableConvertor } from './table-convertor.js';

/** WatchTransformOptions configure the transform of one watch stream. */
export interface WatchTransformOptions {
  target: OutputTarget;
  /** convertor prints rows when the target is a Table. */
  convertor: TableConvertor;
  /** includeObject applies to Table targets; default Metadata. */
  includeObject?: IncludeObject;
  /** objectKind is stamped on full objects embedded in rows (includeObject=Object). */
  objectKind?: { apiVersion: string; kind: string };
}

/** TransformedWatchEvent is a watch event whose object may be a Table or a PartialObjectMetadata. */
export interface TransformedWatchEvent {
  type: WatchEvent['type'];
  object: KubeObject | Status | WireTable | PartialObjectMetadataWire;
}

function isStatus(obj: KubeObject | Status): obj is Status {
  return obj.kind === 'Status';
}

/** WatchTransformer transforms the events of one watch stream in order. */
export class WatchTransformer {
  private headersSent = false;

  constructor(private readonly opts: WatchTransformOptions) {}

  /** transform returns the event to send for event; now (epoch ms) is the time the event is encoded. */
  transform(event: WatchEvent, now: number): TransformedWatchEvent {
    const target = this.opts.target;
    const obj = event.object;
    if (target.kind === 'Object') return { type: event.type, object: obj };
    let object: TransformedWatchEvent['object'] = obj;
    if (!isStatus(obj)) {
      switch (target.kind) {
        case 'Table':
          object = objectToTable(this.opts.convertor, obj, {
            now,
            version: target.version,
            includeObject: this.opts.includeObject ?? 'Metadata',
            noHeaders: this.headersSent,
            ...(this.opts.objectKind !== undefined ? { objectKind: this.opts.objectKind } : {}),
          });
          break;
        case 'PartialObjectMetadata':
          object = asPartialObjectMetadata(obj, target.version);
          break;
        case 'PartialObjectMetadataList':
          break;
      }
    }
    if (target.kind === 'Table') this.headersSent = true;
    return { type: event.type, object };
  }
}
