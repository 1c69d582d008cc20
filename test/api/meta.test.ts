import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/core-v1.js';
import { InvalidObjectKeyError } from '../../src/api/errors.js';
import {
  controllerOf,
  deepCopy,
  deepFreeze,
  jsonEqual,
  isControlledBy,
  metaNamespaceKey,
  newControllerRef,
  objectKey,
  splitObjectKey,
  type DeepReadonly,
} from '../../src/api/meta.js';

describe('object keys (client-go MetaNamespaceKeyFunc / SplitMetaNamespaceKey)', () => {
  it('is namespace/name, or name for cluster-scoped objects', () => {
    expect(objectKey({ metadata: { namespace: 'default', name: 'web' } })).toBe('default/web');
    expect(objectKey({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(objectKey({ metadata: { namespace: '', name: 'node-1' } })).toBe('node-1');
    expect(metaNamespaceKey('kube-system', 'kube-scheduler')).toBe('kube-system/kube-scheduler');
  });

  it('splits back', () => {
    expect(splitObjectKey('default/web')).toEqual({ namespace: 'default', name: 'web' });
    expect(splitObjectKey('node-1')).toEqual({ namespace: '', name: 'node-1' });
    expect(() => splitObjectKey('a/b/c')).toThrow(new InvalidObjectKeyError('unexpected key format: "a/b/c"'));
  });
});

describe('owner references', () => {
  const rs = { metadata: { name: 'web-5d4f', namespace: 'default', uid: 'rs-uid' } };
  const ref = newControllerRef(rs, { group: 'apps', version: 'v1', kind: 'ReplicaSet' });

  it('stamps a controller reference like metav1.NewControllerRef', () => {
    expect(ref).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f', uid: 'rs-uid', controller: true, blockOwnerDeletion: true });
    expect(newControllerRef({ metadata: { name: 'n', uid: 'u' } }, { group: '', version: 'v1', kind: 'Node' }).apiVersion).toBe('v1');
  });

  it('finds the controller and compares by UID', () => {
    const pod: Pod = {
      metadata: {
        name: 'web-5d4f-abcde',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'node-uid' }, ref],
      },
    };
    expect(controllerOf(pod)).toBe(ref);
    expect(isControlledBy(pod, rs)).toBe(true);
    expect(isControlledBy(pod, { metadata: { name: 'web-5d4f', uid: 'other' } })).toBe(false);
    expect(isControlledBy(pod, { metadata: { name: 'web-5d4f' } })).toBe(false);
    expect(controllerOf({ metadata: {} })).toBeUndefined();
    expect(isControlledBy({ metadata: {} }, rs)).toBe(false);
  });
});

describe('immutable cache copies', () => {
  const make = (): Pod => ({
    metadata: { name: 'p', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] },
  });

  it('deepFreeze makes every level read-only at run time', () => {
    const frozen: DeepReadonly<Pod> = deepFreeze(make());
    expect(Object.isFrozen(frozen)).toBe(true);
    expect(Object.isFrozen(frozen.spec!.containers[0]!.resources!.requests)).toBe(true);
    expect(() => {
      (frozen.metadata.labels as Record<string, string>).app = 'changed';
    }).toThrow(TypeError);
  });

  it('deepCopy gives an independent mutable copy, also of a frozen object', () => {
    const frozen = deepFreeze(make());
    const copy = deepCopy<Pod>(frozen);
    copy.metadata.labels!.app = 'changed';
    copy.spec!.containers.push({ name: 'd' });
    expect(frozen.metadata.labels!.app).toBe('web');
    expect(frozen.spec!.containers).toHaveLength(1);
    expect(Object.isFrozen(copy)).toBe(false);
    expect(deepCopy(make())).toEqual(make());
  });

  it('deepCopy of any plain value (undefined fields, null prototypes, -0 and NaN too) equals structuredClone\'s and shares nothing with the original (fast-check prints its seed)', () => {
    const objects = (v: unknown, out: object[] = []): object[] => {
      if (typeof v === 'object' && v !== null) {
        out.push(v);
        for (const c of Object.values(v)) objects(c, out);
      }
      return out;
    };
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything({ withNullPrototype: true })), (v) => {
        const copy = deepCopy<unknown>(v);
        expect(copy).toStrictEqual(structuredClone(v));
        const originals = new Set(objects(v));
        for (const o of objects(copy)) expect(originals.has(o)).toBe(false);
      }),
    );
  });

  it('deepCopy keeps an own __proto__ key an own key, and copies dates and bytes inside an object', () => {
    const parsed = JSON.parse('{"a":{"__proto__":{"polluted":true}}}') as { a: Record<string, unknown> };
    const copy = deepCopy(parsed);
    expect(Object.getPrototypeOf(copy.a)).toBe(Object.prototype);
    expect(Object.keys(copy.a)).toEqual(['__proto__']);
    expect((copy.a as { polluted?: boolean }).polluted).toBeUndefined();
    expect(copy).toStrictEqual(structuredClone(parsed));
    const odd = { at: new Date(5), bytes: new Uint8Array([1, 2]) };
    const oddCopy = deepCopy(odd);
    expect(oddCopy.at).toEqual(new Date(5));
    expect(oddCopy.at).not.toBe(odd.at);
    expect(oddCopy.bytes).toEqual(new Uint8Array([1, 2]));
    expect(oddCopy.bytes).not.toBe(odd.bytes);
  });

  it('deepFreeze handles shared and cyclic references', () => {
    const shared = { v: 1 };
    const obj: { a: typeof shared; b: typeof shared; self?: unknown } = { a: shared, b: shared };
    obj.self = obj;
    deepFreeze(obj);
    expect(Object.isFrozen(shared)).toBe(true);
  });
});

describe('jsonEqual', () => {
  /** reversedKeys copies v with every object's members in reverse order. */
  const reversedKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(reversedKeys);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)]));
  };
  const seed = Number(process.env.CAPSTAN_SEED ?? 20261203);

  it('property: agrees with isDeepStrictEqual on the values\' JSON round trips, and ignores member order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const canonical = isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
        expect(jsonEqual(a, b)).toBe(canonical);
        expect(jsonEqual(a, reversedKeys(a))).toBe(true);
        expect(jsonEqual(a, deepCopy<unknown>(a))).toBe(true);
      }),
      { seed, numRuns: 500 },
    );
  });

  it('counts an undefined member as absent, as JSON does; tells arrays from objects and null from absent', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(jsonEqual({ a: 1, b: null }, { a: 1 })).toBe(false);
    expect(jsonEqual({ a: undefined }, { b: undefined })).toBe(true);
    expect(jsonEqual({ a: 1 }, { b: 1 })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({ 0: 'x' }, ['x'])).toBe(false);
    expect(jsonEqual([1, [2, { c: 3 }]], [1, [2, { c: 3 }]])).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ d: new Date(5) }, { d: new Date(5) })).toBe(true);
    expect(jsonEqual({ d: new Date(5) }, { d: new Date(6) })).toBe(false);
  });
});
