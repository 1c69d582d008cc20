import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../src/api/coordination-v1.js';
import type { Status, WatchEvent } from '../../../src/api/meta-v1.js';
import { tableConvertorFor } from '../../../src/apiserver/tables/convertors.js';
import type { WireTable } from '../../../src/apiserver/tables/table.js';
import { WatchTransformer } from '../../../src/apiserver/tables/watch-transform.js';
import { MINUTE, NOW, ago } from './fixtures.js';

function lease(holder: string, rv: string): Lease {
  return {
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    metadata: { name: 'kube-scheduler', namespace: 'kube-system', resourceVersion: rv, creationTimestamp: ago(2 * MINUTE) },
    spec: { holderIdentity: holder },
  };
}

const gone: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 };
const convertor = tableConvertorFor('coordination.k8s.io', 'leases');

describe('WatchTransformer', () => {
  it('sends a one-row Table per event, with column definitions only on the first', () => {
    const w = new WatchTransformer({ target: { kind: 'Table', version: 'v1' }, convertor });
    const events: WatchEvent[] = [
      { type: 'ADDED', object: lease('a', '10') },
      { type: 'MODIFIED', object: lease('b', '11') },
      { type: 'DELETED', object: lease('b', '12') },
    ];
    const out = events.map((e) => w.transform(e, NOW));
    const tables = out.map((e) => e.object as WireTable);
    expect(out.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(tables.map((t) => t.columnDefinitions?.map((c) => c.name) ?? null)).toEqual([['Name', 'Holder', 'Age'], null, null]);
    expect(tables.map((t) => t.metadata.resourceVersion)).toEqual(['10', '11', '12']);
    expect(tables.map((t) => t.rows.map((r) => r.cells))).toEqual([[['kube-scheduler', 'a', '2m']], [['kube-scheduler', 'b', '2m']], [['kube-scheduler', 'b', '2m']]]);
    expect(tables[1]!.rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: lease('b', '11').metadata });
    expect(JSON.stringify(out[1])).toContain('"columnDefinitions":null');
  });

  it('passes a Status through, and still counts it as the first event sent', () => {
    const w = new WatchTransformer({ target: { kind: 'Table', version: 'v1beta1' }, convertor, includeObject: 'None' });
    expect(w.transform({ type: 'ERROR', object: gone }, NOW)).toEqual({ type: 'ERROR', object: gone });
    const t = w.transform({ type: 'ADDED', object: lease('a', '10') }, NOW).object as WireTable;
    expect(t.columnDefinitions).toBeNull();
    expect(t.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(t.rows[0]!.object).toBeNull();
  });

  it('turns bookmarks into Tables too, as kube-apiserver does', () => {
    const w = new WatchTransformer({ target: { kind: 'Table', version: 'v1' }, convertor });
    const bookmark: Lease = { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { resourceVersion: '99' } };
    const t = w.transform({ type: 'BOOKMARK', object: bookmark }, NOW).object as WireTable;
    expect(t.metadata).toEqual({ resourceVersion: '99' });
    expect(t.rows[0]!.cells).toEqual(['', '', '<unknown>']);
  });

  it('embeds full objects with includeObject=Object', () => {
    const w = new WatchTransformer({ target: { kind: 'Table', version: 'v1' }, convertor, includeObject: 'Object' });
    const t = w.transform({ type: 'ADDED', object: lease('a', '10') }, NOW).object as WireTable;
    expect(t.rows[0]!.object).toEqual(lease('a', '10'));
  });

  it('reduces objects to PartialObjectMetadata for metadata watches', () => {
    const w = new WatchTransformer({ target: { kind: 'PartialObjectMetadata', version: 'v1' }, convertor });
    expect(w.transform({ type: 'MODIFIED', object: lease('a', '10') }, NOW)).toEqual({
      type: 'MODIFIED',
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: lease('a', '10').metadata },
    });
    expect(w.transform({ type: 'ERROR', object: gone }, NOW).object).toBe(gone);
  });

  it('leaves objects alone for plain watches and for a list transform that cannot apply', () => {
    for (const target of [{ kind: 'Object' as const }, { kind: 'PartialObjectMetadataList' as const, version: 'v1' as const }]) {
      const w = new WatchTransformer({ target, convertor });
      const l = lease('a', '10');
      expect(w.transform({ type: 'ADDED', object: l }, NOW).object).toBe(l);
    }
  });
});
