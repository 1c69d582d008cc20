import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/meta-v1.js';
import { defaultTableConvertor, tableConvertorFor } from '../../../src/apiserver/tables/convertors.js';
import { NOW } from './fixtures.js';

describe('default convertor', () => {
  it('prints NAME and CREATED AT (RFC 3339) for resources without a printer', () => {
    expect(tableConvertorFor('', 'bindings')).toBe(defaultTableConvertor);
    expect(tableConvertorFor('example.com', 'widgets')).toBe(defaultTableConvertor);
    expect(defaultTableConvertor.columns.map((c) => [c.name, c.type, c.format])).toEqual([
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ]);
    expect(defaultTableConvertor.row({ metadata: { name: 'w', creationTimestamp: '2024-05-01T14:00:00+02:00' } }, NOW).cells).toEqual(['w', '2024-05-01T12:00:00Z']);
    expect(defaultTableConvertor.row({ metadata: { name: 'w' } }, NOW).cells).toEqual(['w', '0001-01-01T00:00:00Z']);
  });

  it('maps resources and subresources to their printers', () => {
    for (const [group, resource, first] of [
      ['', 'pods', 'Ready'],
      ['', 'pods/status', 'Ready'],
      ['', 'nodes', 'Status'],
      ['', 'services', 'Type'],
      ['', 'endpoints', 'Endpoints'],
      ['', 'namespaces', 'Status'],
      ['', 'configmaps', 'Data'],
      ['', 'secrets', 'Type'],
      ['', 'serviceaccounts', 'Secrets'],
      ['apps', 'deployments', 'Ready'],
      ['apps', 'replicasets', 'Desired'],
      ['apps', 'deployments/scale', 'Desired'],
      ['coordination.k8s.io', 'leases', 'Holder'],
    ] as const) {
      expect(tableConvertorFor(group, resource).columns[1]!.name, `${group}/${resource}`).toBe(first);
    }
    expect(tableConvertorFor('', 'events').columns[0]!.name).toBe('Last Seen');
    expect(tableConvertorFor('apps', 'pods')).toBe(defaultTableConvertor);
  });

  it('gives every row exactly one cell per column', () => {
    const samples: [string, string, KubeObject][] = [
      ['', 'pods', { metadata: { name: 'p' }, spec: { containers: [] } } as KubeObject],
      ['', 'nodes', { metadata: { name: 'n' } }],
      ['', 'services', { metadata: { name: 's' } }],
      ['', 'endpoints', { metadata: { name: 'e' } }],
      ['', 'events', { metadata: { name: 'e' } }],
      ['', 'namespaces', { metadata: { name: 'n' } }],
      ['', 'configmaps', { metadata: { name: 'c' } }],
      ['', 'secrets', { metadata: { name: 's' } }],
      ['', 'serviceaccounts', { metadata: { name: 's' } }],
      ['apps', 'deployments', { metadata: { name: 'd' } }],
      ['apps', 'replicasets', { metadata: { name: 'r' } }],
      ['apps', 'replicasets/scale', { metadata: { name: 'r' } }],
      ['coordination.k8s.io', 'leases', { metadata: { name: 'l' } }],
      ['example.com', 'widgets', { metadata: { name: 'w' } }],
    ];
    for (const [group, resource, obj] of samples) {
      const c = tableConvertorFor(group, resource);
      expect(c.row(obj, NOW).cells, `${group}/${resource}`).toHaveLength(c.columns.length);
    }
  });
});
