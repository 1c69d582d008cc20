import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type JsonObject,
  type PatchSchema,
  StrategicPatchFormatError,
  StrategicPatchMergeError,
  StrategicPatchUnprocessableError,
  patchSchemaFor,
  strategicMergePatch,
} from '../../../src/apiserver/patch/index.js';

/** MERGE_ITEM is the MergeItem test type of Kubernetes' strategicpatch tests, as patch metadata. */
const MERGE_ITEM: Record<string, unknown> = {};
const RETAIN_KEYS_MERGE_ITEM: PatchSchema = {
  mergingIntList: { strategy: 'merge' },
  mergingList: { strategy: 'merge', mergeKey: 'name', fields: MERGE_ITEM as PatchSchema },
  nonMergingList: { fields: MERGE_ITEM as PatchSchema },
};
Object.assign(MERGE_ITEM, {
  mergingList: { strategy: 'merge', mergeKey: 'name', fields: MERGE_ITEM },
  nonMergingList: { fields: MERGE_ITEM },
  mergingIntList: { strategy: 'merge' },
  mergeItemPtr: { strategy: 'merge', mergeKey: 'name', fields: MERGE_ITEM },
  replacingItem: { strategy: 'replace' },
  retainKeysMap: { retainKeys: true, fields: RETAIN_KEYS_MERGE_ITEM },
  retainKeysMergingList: { strategy: 'merge', retainKeys: true, mergeKey: 'name', fields: MERGE_ITEM },
});

interface Fixture {
  description: string;
  original?: JsonObject;
  twoWay?: JsonObject;
  modified?: JsonObject;
  twoWayResult?: JsonObject;
  current?: JsonObject;
  threeWay?: JsonObject;
  result?: JsonObject;
  expectedError?: string;
}

const fixtures = (
  parse(readFileSync(new URL('./fixtures/strategicpatch-cases.yaml', import.meta.url), 'utf8')) as { testCases: Fixture[] }
).testCases;

function smp(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined = MERGE_ITEM as PatchSchema): JsonObject {
  return strategicMergePatch(structuredClone(original), structuredClone(patch), schema);
}

describe('strategic merge patch: Kubernetes strategicpatch fixtures (MergeItem)', () => {
  it('has a few dozen cases', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(50);
  });

  for (const f of fixtures) {
    if (f.twoWay !== undefined && (f.original !== undefined || f.expectedError !== undefined || f.modified !== undefined)) {
      it(`two-way: ${f.description}`, () => {
        const apply = (): JsonObject => smp(f.original ?? {}, f.twoWay!);
        if (f.expectedError !== undefined) {
          expect(apply).toThrow(f.expectedError);
        } else {
          expect(apply()).toEqual(f.twoWayResult ?? f.modified);
        }
      });
    }
    if (f.threeWay !== undefined && f.current !== undefined) {
      it(`three-way: ${f.description}`, () => {
        expect(smp(f.current!, f.threeWay!)).toEqual(f.result);
      });
    }
  }
});

const POD = { group: '', version: 'v1', kind: 'Pod' };
const podSchema = patchSchemaFor(POD)!;

interface Case {
  name: string;
  schema?: PatchSchema;
  current: JsonObject;
  patch: JsonObject;
  want: JsonObject;
}

const podCases: Case[] = [
  {
    name: 'containers merge by name; env by name; an image changes in place',
    current: { spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }] } },
    patch: { spec: { containers: [{ name: 'a', image: 'a:2', env: [{ name: 'Y', value: '2' }] }] } },
    want: {
      spec: { containers: [{ name: 'a', image: 'a:2', env: [{ name: 'Y', value: '2' }, { name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }] },
    },
  },
  {
    name: 'ports merge by containerPort',
    current: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }] }] } },
    patch: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }] }] } },
    want: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }] }] } },
  },
  {
    name: 'volumeMounts merge by mountPath (the real patchMergeKey), not by name',
    current: { spec: { containers: [{ name: 'a', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
    patch: { spec: { containers: [{ name: 'a', volumeMounts: [{ name: 'data', mountPath: '/var/data' }] }] } },
    want: {
      spec: { containers: [{ name: 'a', volumeMounts: [{ name: 'data', mountPath: '/var/data' }, { name: 'data', mountPath: '/data' }] }] },
    },
  },
  {
    name: 'volumes merge by name; $retainKeys swaps the volume source',
    current: { spec: { volumes: [{ name: 'v', emptyDir: {} }, { name: 'w', hostPath: { path: '/w' } }] } },
    patch: { spec: { volumes: [{ name: 'v', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] } },
    want: { spec: { volumes: [{ name: 'v', configMap: { name: 'cm' } }, { name: 'w', hostPath: { path: '/w' } }] } },
  },
  {
    name: 'tolerations have no strategy: replaced',
    current: { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } },
    patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
    want: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
  },
  {
    name: 'container args (no strategy) are replaced',
    current: { spec: { containers: [{ name: 'a', args: ['x', 'y'] }] } },
    patch: { spec: { containers: [{ name: 'a', args: ['z'] }] } },
    want: { spec: { containers: [{ name: 'a', args: ['z'] }] } },
  },
  {
    name: 'status conditions merge by type',
    current: { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } },
    patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    want: { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] } },
  },
  {
    // Without $setElementOrder, entries the live list does not have go first (as in Kubernetes).
    name: 'ownerReferences merge by uid; finalizers merge as a set',
    current: { metadata: { ownerReferences: [{ uid: 'u1', name: 'rs1' }], finalizers: ['a', 'b'] } },
    patch: { metadata: { ownerReferences: [{ uid: 'u2', name: 'rs2' }], finalizers: ['b', 'c'] } },
    want: { metadata: { ownerReferences: [{ uid: 'u2', name: 'rs2' }, { uid: 'u1', name: 'rs1' }], finalizers: ['a', 'b', 'c'] } },
  },
  {
    name: '$deleteFromPrimitiveList removes finalizers',
    current: { metadata: { finalizers: ['a', 'b', 'c'] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    want: { metadata: { finalizers: ['a', 'c'] } },
  },
  {
    name: '$deleteFromPrimitiveList for a list the object does not have is a no-op',
    current: { metadata: { name: 'p' } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    want: { metadata: { name: 'p' } },
  },
  {
    name: 'null deletes a label; labels merge',
    current: { metadata: { labels: { a: '1', b: '2' } } },
    patch: { metadata: { labels: { a: null, c: '3' } } },
    want: { metadata: { labels: { b: '2', c: '3' } } },
  },
  {
    name: 'null for a missing key is ignored',
    current: { metadata: { labels: { a: '1' } } },
    patch: { metadata: { annotations: null, labels: { z: null } } },
    want: { metadata: { labels: { a: '1' } } },
  },
  {
    name: '$patch: replace on a map replaces it (and drops the nulls it carries)',
    current: { metadata: { labels: { a: '1', b: '2' } } },
    patch: { metadata: { labels: { $patch: 'replace', c: '3', d: null } } },
    want: { metadata: { labels: { c: '3' } } },
  },
  {
    name: '$patch: delete on a map empties it',
    current: { spec: { securityContext: { runAsUser: 1 } } },
    patch: { spec: { securityContext: { $patch: 'delete' } } },
    want: { spec: { securityContext: {} } },
  },
  {
    name: '$patch: replace inside a merge list replaces the list',
    current: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    patch: { spec: { containers: [{ $patch: 'replace' }, { name: 'c', image: 'c' }] } },
    want: { spec: { containers: [{ name: 'c', image: 'c' }] } },
  },
  {
    name: 'a merge list the object does not have yet is added without directive elements or nulls',
    current: { spec: {} },
    patch: { spec: { containers: [{ name: 'a', image: 'x', command: null }, { name: 'gone', $patch: 'delete' }] } },
    want: { spec: { containers: [{ name: 'a', image: 'x' }] } },
  },
  {
    name: '$setElementOrder reorders containers',
    current: { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } },
    patch: { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }] } },
    want: { spec: { containers: [{ name: 'c' }, { name: 'a' }, { name: 'b' }] } },
  },
  {
    // kubectl apply removed container a and added c; the server injected a sidecar. The sidecar keeps its place
    // before the new container, as in kube-apiserver (whose Go slices let the deletion and the append share
    // the live list's array).
    name: 'apply-style delete + add around a server-only container keeps the server-only one in place',
    current: { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'sidecar' }] } },
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }],
        containers: [{ name: 'c', image: 'c' }, { name: 'a', $patch: 'delete' }],
      },
    },
    want: { spec: { containers: [{ name: 'b' }, { name: 'sidecar' }, { name: 'c', image: 'c' }] } },
  },
  {
    name: 'a value of another type replaces the field',
    current: { spec: { containers: [{ name: 'a' }] } },
    patch: { spec: { containers: { name: 'a' } } },
    want: { spec: { containers: { name: 'a' } } },
  },
];

describe('strategic merge patch: built-in kinds', () => {
  it.each(podCases)('Pod: $name', ({ current, patch, want, schema }) => {
    expect(smp(current, patch, schema ?? podSchema)).toEqual(want);
  });

  it('Deployment: spec.strategy $retainKeys drops rollingUpdate when switching to Recreate', () => {
    const schema = patchSchemaFor({ group: 'apps', version: 'v1', kind: 'Deployment' })!;
    const current = { spec: { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } };
    const patch = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } };
    expect(smp(current, patch, schema)).toEqual({ spec: { replicas: 1, strategy: { type: 'Recreate' } } });
  });

  it('Deployment: pod template containers merge by name', () => {
    const schema = patchSchemaFor({ group: 'apps', version: 'v1', kind: 'Deployment' })!;
    const current = { spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } } } };
    const patch = { spec: { template: { spec: { containers: [{ name: 'b', image: '2' }] } } } };
    expect(smp(current, patch, schema)).toEqual({
      spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }] } } },
    });
  });

  it('Service: ports merge by port; Node: addresses by type, podCIDRs as a set', () => {
    const svc = patchSchemaFor({ group: '', version: 'v1', kind: 'Service' })!;
    expect(
      smp({ spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } }, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, svc),
    ).toEqual({ spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } });
    const node = patchSchemaFor({ group: '', version: 'v1', kind: 'Node' })!;
    expect(
      smp(
        { spec: { podCIDRs: ['10.0.0.0/24'] }, status: { addresses: [{ type: 'InternalIP', address: '10.1.1.1' }] } },
        { spec: { podCIDRs: ['fd00::/64'] }, status: { addresses: [{ type: 'Hostname', address: 'n1' }] } },
        node,
      ),
    ).toEqual({
      spec: { podCIDRs: ['fd00::/64', '10.0.0.0/24'] },
      status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.1.1.1' }] },
    });
  });

  it('ConfigMap data is a map: keys merge and null deletes', () => {
    const cm = patchSchemaFor({ group: '', version: 'v1', kind: 'ConfigMap' })!;
    expect(smp({ data: { a: '1', b: '2' } }, { data: { b: null, c: '3' } }, cm)).toEqual({ data: { a: '1', c: '3' } });
  });

  it('Endpoints subsets have no strategy: replaced', () => {
    const ep = patchSchemaFor({ group: '', version: 'v1', kind: 'Endpoints' })!;
    expect(smp({ subsets: [{ addresses: [{ ip: '1.1.1.1' }] }] }, { subsets: [{ addresses: [{ ip: '2.2.2.2' }] }] }, ep)).toEqual({
      subsets: [{ addresses: [{ ip: '2.2.2.2' }] }],
    });
  });
});

describe('strategic merge patch: errors as kube-apiserver classifies them', () => {
  const cases: { name: string; current: JsonObject; patch: JsonObject; error: new (...args: never[]) => Error; message: string }[] = [
    {
      name: 'a merge list element without its merge key (500, Go message)',
      current: { spec: { containers: [{ name: 'a' }] } },
      patch: { spec: { containers: [{ image: 'x' }] } },
      error: StrategicPatchMergeError,
      message: 'map: map[image:x] does not contain declared merge key: name',
    },
    {
      name: 'an unknown $patch directive in a map',
      current: { metadata: { labels: {} } },
      patch: { metadata: { labels: { $patch: 'bogus' } } },
      error: StrategicPatchMergeError,
      message: 'unknown patch type: bogus in map: map[$patch:bogus]',
    },
    {
      name: '$patch: merge in a list',
      current: { spec: { containers: [{ name: 'a' }] } },
      patch: { spec: { containers: [{ $patch: 'merge' }] } },
      error: StrategicPatchMergeError,
      message: 'merging lists cannot yet be specified in the patch',
    },
    {
      name: 'mixed element types',
      current: { metadata: { finalizers: ['a'] } },
      patch: { metadata: { finalizers: [1] } },
      error: StrategicPatchMergeError,
      message: 'list element types are not identical: [[a] [1]]',
    },
    {
      name: 'a list of lists (422)',
      current: { metadata: { finalizers: [['a']] } },
      patch: { metadata: { finalizers: [['b']] } },
      error: StrategicPatchUnprocessableError,
      message: 'the server rejected our request due to an error in our request',
    },
    {
      name: '$retainKeys that is not a list (400)',
      current: { spec: {} },
      patch: { spec: { $retainKeys: 'x' } },
      error: StrategicPatchFormatError,
      message: 'invalid patch format of retainKeys',
    },
    {
      name: 'patch content outside $retainKeys (400)',
      current: { spec: {} },
      patch: { spec: { $retainKeys: ['a'], b: 1 } },
      error: StrategicPatchFormatError,
      message: 'invalid patch format of retainKeys',
    },
    {
      name: 'a malformed $deleteFromPrimitiveList key (400)',
      current: { metadata: {} },
      patch: { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } },
      error: StrategicPatchFormatError,
      message: 'invalid patch format of primitive list',
    },
    {
      name: 'a $deleteFromPrimitiveList that is not a list (400)',
      current: { metadata: { finalizers: ['a'] } },
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } },
      error: StrategicPatchFormatError,
      message: 'invalid patch format of primitive list',
    },
    {
      name: 'a malformed $setElementOrder key (400)',
      current: { spec: {} },
      patch: { spec: { '$setElementOrderX/containers': [] } },
      error: StrategicPatchFormatError,
      message: 'invalid patch format of setElementOrder list',
    },
    {
      name: 'a $setElementOrder that is not a list',
      current: { spec: {} },
      patch: { spec: { '$setElementOrder/containers': 'x' } },
      error: StrategicPatchMergeError,
      message: 'expected a []interface {}, but received a string',
    },
  ];
  it.each(cases)('$name', ({ current, patch, error, message }) => {
    const run = (): JsonObject => smp(current, patch, podSchema);
    expect(run).toThrow(error);
    expect(run).toThrow(message);
  });

  it('carries the HTTP code and reason of each class', () => {
    expect(new StrategicPatchMergeError('m')).toMatchObject({ httpCode: 500, reason: '' });
    expect(new StrategicPatchUnprocessableError('d')).toMatchObject({ httpCode: 422, reason: 'Invalid', detail: 'd' });
    expect(new StrategicPatchFormatError('m')).toMatchObject({ httpCode: 400, reason: 'BadRequest' });
  });
});
