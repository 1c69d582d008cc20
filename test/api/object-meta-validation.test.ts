import { describe, expect, it } from 'vitest';
import { aggregateMessage, type FieldError } from '../../src/api/field-errors.js';
import { FieldPath } from '../../src/api/field-path.js';
import type { ObjectMeta } from '../../src/api/meta-v1.js';
import {
  TOTAL_ANNOTATION_SIZE_LIMIT_B,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateOwnerReferences,
  validatePathSegmentName,
} from '../../src/api/object-meta-validation.js';

const messages = (errs: FieldError[]): string[] => errs.map((e) => e.toString());
const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('name rules', () => {
  it('let a generateName end in a dash', () => {
    expect(nameIsDNSSubdomain('web-', true)).toEqual([]);
    expect(nameIsDNSSubdomain('web-', false)).toEqual([subdomainMsg]);
    expect(nameIsDNSLabel('ns-', true)).toEqual([]);
    expect(nameIsDNS1035Label('svc-', true)).toEqual([]);
    expect(nameIsDNS1035Label('1svc', false).length).toBe(1);
  });

  it('check path segments on every create', () => {
    expect(validatePathSegmentName('..', false)).toEqual(["may not be '..'"]);
    expect(validatePathSegmentName('..', true)).toEqual([]);
  });
});

describe('validateObjectMeta', () => {
  it('accepts a well-formed namespaced object', () => {
    const meta: ObjectMeta = {
      name: 'web-7d9f8',
      generateName: 'web-',
      namespace: 'default',
      labels: { app: 'web', 'app.kubernetes.io/name': 'web' },
      annotations: { 'Example.com/Note': 'case does not matter in annotation keys' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true }],
      finalizers: ['example.com/cleanup'],
    };
    expect(validateObjectMeta(meta, true, nameIsDNSSubdomain)).toEqual([]);
  });

  it('reports the Kubernetes messages for names and namespaces', () => {
    expect(messages(validateObjectMeta({ namespace: 'default' }, true, nameIsDNSSubdomain))).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
    expect(messages(validateObjectMeta({ name: 'Web', namespace: 'default' }, true, nameIsDNSSubdomain))).toEqual([
      `metadata.name: Invalid value: "Web": ${subdomainMsg}`,
    ]);
    expect(messages(validateObjectMeta({ name: 'a', generateName: 'Bad_', namespace: 'default' }, true, nameIsDNSSubdomain))).toEqual([
      `metadata.generateName: Invalid value: "Bad_": ${subdomainMsg}`,
    ]);
    expect(messages(validateObjectMeta({ name: 'a' }, true, nameIsDNSSubdomain))).toEqual(['metadata.namespace: Required value']);
    expect(messages(validateObjectMeta({ name: 'a', namespace: 'a.b' }, true, nameIsDNSSubdomain))).toEqual([
      'metadata.namespace: Invalid value: "a.b": must not contain dots',
    ]);
    expect(messages(validateObjectMeta({ name: 'n1', namespace: 'default' }, false, nameIsDNSSubdomain))).toEqual([
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
    expect(messages(validateObjectMeta({ name: 'n1', generation: -1 }, false, nameIsDNSSubdomain))).toEqual([
      'metadata.generation: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('checks labels, annotations, owner references and finalizers under their paths', () => {
    const errs = validateObjectMeta(
      {
        name: 'a',
        namespace: 'ns',
        labels: { 'bad key': 'v' },
        annotations: { '-x': '' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }],
        finalizers: ['orphan', 'foregroundDeletion'],
      },
      true,
      nameIsDNSSubdomain,
    );
    expect(errs.map((e) => [e.field, e.type])).toEqual([
      ['metadata.labels', 'FieldValueInvalid'],
      ['metadata.annotations', 'FieldValueInvalid'],
      ['metadata.ownerReferences', 'FieldValueInvalid'],
      ['metadata.finalizers', 'FieldValueInvalid'],
    ]);
    expect(errs[2]!.detail).toBe('/v1, Kind=Event is disallowed from being an owner');
    expect(errs[3]!.toString()).toBe(
      'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
    );
  });
});

describe('labels and annotations', () => {
  const path = FieldPath.root('metadata', 'labels');

  it('validates keys and values', () => {
    expect(messages(validateLabels({ 'a/b/c': 'x', ok: '-bad' }, path))).toEqual([
      "metadata.labels: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      "metadata.labels: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
  });

  it('limits annotations to 256 KiB in total', () => {
    const apath = FieldPath.root('metadata', 'annotations');
    const key = 'a';
    expect(validateAnnotations({ [key]: 'x'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B - key.length) }, apath)).toEqual([]);
    expect(messages(validateAnnotations({ [key]: 'x'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B - key.length + 1) }, apath))).toEqual([
      'metadata.annotations: Too long: must have at most 262144 bytes',
    ]);
    // multi-byte characters count as bytes
    expect(validateAnnotations({ a: 'é'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B / 2) }, apath).length).toBe(1);
  });
});

describe('owner references and finalizers', () => {
  const path = FieldPath.root('metadata', 'ownerReferences');

  it('requires the identifying fields', () => {
    expect(messages(validateOwnerReferences([{ apiVersion: 'apps/', kind: '', name: '', uid: '' }], path))).toEqual([
      'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]);
  });

  it('allows one controller', () => {
    const errs = validateOwnerReferences(
      [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
      ],
      path,
    );
    expect(errs.map((e) => e.detail)).toEqual([
      'Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
    ]);
  });

  it('checks finalizer names', () => {
    expect(messages(validateFinalizers(['a/b/c'], FieldPath.root('metadata', 'finalizers')))[0]).toMatch(/^metadata\.finalizers: Invalid value: "a\/b\/c": a valid label key/);
  });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = {
    name: 'a',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '5',
    generation: 2,
    creationTimestamp: '2024-01-01T00:00:00Z',
  };

  it('accepts an update that keeps identity', () => {
    expect(validateObjectMetaUpdate({ ...old, labels: { a: 'b' }, generation: 3 }, old)).toEqual([]);
    expect(validateObjectMetaUpdate({ ...old, creationTimestamp: '2024-01-01T01:00:00+01:00' }, old)).toEqual([]);
  });

  it('reports immutable fields, a missing resourceVersion and a decremented generation', () => {
    const errs = validateObjectMetaUpdate(
      { ...old, name: 'b', uid: 'u2', resourceVersion: '', generation: 1, creationTimestamp: '2024-02-01T00:00:00Z', deletionGracePeriodSeconds: 30 },
      old,
    );
    expect(messages(errs)).toEqual([
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      'metadata.generation: Invalid value: 1: must not be decremented',
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
      'metadata.creationTimestamp: Invalid value: "2024-02-01T00:00:00Z": field is immutable',
      'metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable',
    ]);
  });

  it('forbids new finalizers once deletion started', () => {
    const deleting: ObjectMeta = { ...old, deletionTimestamp: '2024-03-01T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['a.io/x'] };
    const errs = validateObjectMetaUpdate({ ...deleting, finalizers: ['a.io/x', 'b.io/y', 'a.io/z'] }, deleting);
    expect(aggregateMessage(errs)).toBe(
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a.io/z", "b.io/y"}',
    );
    expect(validateObjectMetaUpdate({ ...deleting, finalizers: [] }, deleting)).toEqual([]);
  });
});
