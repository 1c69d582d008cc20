import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../../src/api/core-v1.js';
import type { KubeList, KubeObject } from '../../../src/api/meta-v1.js';
import { tableConvertorFor } from '../../../src/apiserver/tables/convertors.js';
import { NotAcceptableError, TableOptionsInvalidError } from '../../../src/apiserver/tables/errors.js';
import {
  asPartialObjectMetadata,
  asPartialObjectMetadataList,
  goTypeName,
  listToTable,
  objectToTable,
  parseTableOptions,
  partialObjectMetadataListOfObjectError,
  partialObjectMetadataOfListError,
  toTable,
} from '../../../src/apiserver/tables/table.js';
import { MINUTE, NOW, ago } from './fixtures.js';

/**
 * A Node and the Table kube-apiserver (k3s, Kubernetes 1.33) sent for it to kubectl 1.32.1, recorded with
 * `kubectl get no -v9`; annotations and managedFields of the node are left out here.
 */
const recordedAt = Date.parse('2026-03-24T20:58:13Z');
const recordedNode: Node = {
  metadata: {
    name: 'orbstack',
    uid: 'b5fd7360-41a6-444f-89f6-8068c1c7fbed',
    resourceVersion: '399714',
    creationTimestamp: '2026-02-28T11:01:34Z',
    labels: {
      'beta.kubernetes.io/arch': 'arm64',
      'kubernetes.io/hostname': 'orbstack',
      'node-role.kubernetes.io/control-plane': 'true',
      'node-role.kubernetes.io/master': 'true',
    },
    finalizers: ['wrangler.cattle.io/node'],
  },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [
      { type: 'InternalIP', address: '192.168.139.2' },
      { type: 'Hostname', address: 'orbstack' },
    ],
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: '6.17.8-orbstack-00308-g8f9c941121b1',
      osImage: 'OrbStack',
      containerRuntimeVersion: 'docker://28.5.2',
      kubeletVersion: 'v1.33.5+orb1',
      operatingSystem: 'linux',
      architecture: 'arm64',
    },
  },
};
const nodeAddresses =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
const recordedColumns = [
  {
    name: 'Name',
    type: 'string',
    format: 'name',
    description:
      'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
    priority: 0,
  },
  { name: 'Status', type: 'string', format: '', description: 'The status of the node', priority: 0 },
  { name: 'Roles', type: 'string', format: '', description: 'The roles of the node', priority: 0 },
  {
    name: 'Age',
    type: 'string',
    format: '',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
    priority: 0,
  },
  { name: 'Version', type: 'string', format: '', description: 'Kubelet Version reported by the node.', priority: 0 },
  { name: 'Internal-IP', type: 'string', format: '', description: nodeAddresses, priority: 1 },
  { name: 'External-IP', type: 'string', format: '', description: nodeAddresses, priority: 1 },
  { name: 'OS-Image', type: 'string', format: '', description: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', priority: 1 },
  { name: 'Kernel-Version', type: 'string', format: '', description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", priority: 1 },
  {
    name: 'Container-Runtime',
    type: 'string',
    format: '',
    description: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
    priority: 1,
  },
];

function pod(name: string, rv: string): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: rv, creationTimestamp: ago(3 * MINUTE), labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }], nodeName: 'n1' },
    status: { phase: 'Running', podIP: '10.0.0.5', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'nginx', imageID: '', state: { running: {} } }] },
  };
}

const podList: KubeList<KubeObject> = {
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '1234', continue: 'eyJ2IjoxfQ', remainingItemCount: 7 },
  items: [pod('a', '1200'), pod('b', '1201')],
};

describe('the Table envelope', () => {
  it('encodes a list of nodes byte for byte as kube-apiserver did for kubectl 1.32', () => {
    const list: KubeList<KubeObject> = { metadata: { resourceVersion: '399737' }, items: [recordedNode] };
    const table = listToTable(tableConvertorFor('', 'nodes'), list, { now: recordedAt });
    const want = {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '399737' },
      columnDefinitions: recordedColumns,
      rows: [
        {
          cells: ['orbstack', 'Ready', 'control-plane,master', '24d', 'v1.33.5+orb1', '192.168.139.2', '<none>', 'OrbStack', '6.17.8-orbstack-00308-g8f9c941121b1', 'docker://28.5.2'],
          object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: recordedNode.metadata },
        },
      ],
    };
    expect(JSON.stringify(table)).toBe(JSON.stringify(want));
  });

  it('keeps the list resourceVersion, continue token and remainingItemCount', () => {
    const table = listToTable(tableConvertorFor('', 'pods'), podList, { now: NOW });
    expect(table.metadata).toEqual({ resourceVersion: '1234', continue: 'eyJ2IjoxfQ', remainingItemCount: 7 });
    expect(table.rows.map((r) => r.cells.slice(0, 5))).toEqual([
      ['a', '1/1', 'Running', '0', '3m'],
      ['b', '1/1', 'Running', '0', '3m'],
    ]);
  });

  it('takes a single object’s resourceVersion', () => {
    const table = objectToTable(tableConvertorFor('', 'pods'), pod('a', '1200'), { now: NOW });
    expect(table.metadata).toEqual({ resourceVersion: '1200' });
    expect(table.rows).toHaveLength(1);
  });

  it('prints an empty list as an empty rows array with the column definitions', () => {
    const table = listToTable(tableConvertorFor('', 'pods'), { metadata: { resourceVersion: '9' }, items: [] }, { now: NOW });
    expect(table.rows).toEqual([]);
    expect(table.columnDefinitions).toHaveLength(9);
  });

  it('sends null column definitions with noHeaders, and serves meta.k8s.io/v1beta1', () => {
    const table = objectToTable(tableConvertorFor('', 'pods'), pod('a', '1'), { now: NOW, noHeaders: true, version: 'v1beta1' });
    expect(table.columnDefinitions).toBeNull();
    expect(JSON.stringify(table)).toContain('"columnDefinitions":null');
    expect(table.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(table.rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1beta1', metadata: pod('a', '1').metadata });
  });

  it('adds row conditions only when there are some', () => {
    const done = pod('done', '5');
    done.status!.phase = 'Succeeded';
    const table = toTable(tableConvertorFor('', 'pods'), [pod('a', '1'), done], { now: NOW });
    expect('conditions' in table.rows[0]!).toBe(false);
    expect(table.rows[1]!.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });
});

describe('includeObject', () => {
  const convertor = tableConvertorFor('', 'pods');
  it('Metadata (the default) embeds a PartialObjectMetadata', () => {
    const row = listToTable(convertor, podList, { now: NOW, includeObject: 'Metadata' }).rows[0]!;
    expect(row.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: podList.items[0]!.metadata });
  });

  it('None embeds null, encoded as "object":null', () => {
    const table = listToTable(convertor, podList, { now: NOW, includeObject: 'None' });
    expect(table.rows[0]!.object).toBeNull();
    expect(JSON.stringify(table.rows[0])).toMatch(/"object":null}$/);
  });

  it('Object embeds the full object with its kind and apiVersion set', () => {
    const table = listToTable(convertor, podList, { now: NOW, includeObject: 'Object', objectKind: { apiVersion: 'v1', kind: 'Pod' } });
    const obj = table.rows[1]!.object as Pod;
    expect(obj).toEqual({ kind: 'Pod', apiVersion: 'v1', ...podList.items[1] });
    expect(Object.keys(obj).slice(0, 2)).toEqual(['kind', 'apiVersion']);
  });

  it('parses ?includeObject and rejects other values as kube-apiserver does', () => {
    expect(parseTableOptions(new URLSearchParams(''))).toEqual({ includeObject: 'Metadata' });
    expect(parseTableOptions(new URLSearchParams('includeObject='))).toEqual({ includeObject: 'Metadata' });
    expect(parseTableOptions(new URLSearchParams('includeObject=Object'))).toEqual({ includeObject: 'Object' });
    expect(parseTableOptions(new URLSearchParams('includeObject=None&limit=500'))).toEqual({ includeObject: 'None' });
    expect(() => parseTableOptions(new URLSearchParams('includeObject=Everything'))).toThrow(
      new TableOptionsInvalidError('Unable to convert to Table as requested: includeObject: Unsupported value: "Everything": supported values: "Metadata", "None", "Object"'),
    );
  });
});

describe('PartialObjectMetadata', () => {
  it('reduces an object to its metadata', () => {
    const p = pod('a', '1');
    expect(asPartialObjectMetadata({ kind: 'Pod', apiVersion: 'v1', ...p })).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
  });

  it('reduces a list, keeping its metadata and stamping each item', () => {
    expect(asPartialObjectMetadataList(podList)).toEqual({
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '1234', continue: 'eyJ2IjoxfQ', remainingItemCount: 7 },
      items: podList.items.map((i) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: i.metadata })),
    });
    expect(asPartialObjectMetadataList({ metadata: { resourceVersion: '3' }, items: [] }, 'v1beta1')).toEqual({
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1beta1',
      metadata: { resourceVersion: '3' },
      items: [],
    });
  });

  it('names internal Go types in the 406 of a mismatched transform', () => {
    expect(goTypeName('', 'PodList')).toBe('*core.PodList');
    expect(goTypeName('coordination.k8s.io', 'Lease')).toBe('*coordination.Lease');
    const e = partialObjectMetadataOfListError('apps', 'DeploymentList');
    expect(e).toBeInstanceOf(NotAcceptableError);
    expect(e.message).toBe('you requested PartialObjectMetadata, but the requested object is a list (*apps.DeploymentList)');
    expect(partialObjectMetadataListOfObjectError('', 'Pod').message).toBe('you requested PartialObjectMetadataList, but the requested object is not a list (*core.Pod)');
  });
});
