import { describe, expect, it } from 'vitest';
import { MergePatchMalformedError, PatchInvalidError, type JsonObject, applyPatch } from '../../../src/apiserver/patch/index.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const CR = { group: 'example.com', version: 'v1', kind: 'Widget' };
const current: JsonObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', labels: { a: '1', b: '2' } },
  spec: { containers: [{ name: 'c', image: 'i:1' }], nodeName: 'n1' },
};

describe('JSON merge patch (RFC 7386)', () => {
  const cases: { name: string; patch: unknown; want: (c: JsonObject) => void }[] = [
    { name: 'merges maps', patch: { metadata: { labels: { c: '3' } } }, want: (c) => void ((c.metadata as JsonObject).labels = { a: '1', b: '2', c: '3' }) },
    { name: 'null deletes a key', patch: { metadata: { labels: { a: null } } }, want: (c) => void ((c.metadata as JsonObject).labels = { b: '2' }) },
    { name: 'null for a missing key is a no-op', patch: { spec: { zz: null } }, want: () => {} },
    {
      name: 'lists are replaced whole, even containers',
      patch: { spec: { containers: [{ name: 'd', image: 'j:1' }] } },
      want: (c) => void ((c.spec as JsonObject).containers = [{ name: 'd', image: 'j:1' }]),
    },
    {
      name: 'new objects lose their null members',
      patch: { spec: { securityContext: { runAsUser: 1, fsGroup: null } } },
      want: (c) => void ((c.spec as JsonObject).securityContext = { runAsUser: 1 }),
    },
    {
      name: 'arrays lose their null elements and members (json-patch pruneNulls)',
      patch: { spec: { tolerations: [null, { key: 'k', value: null }] } },
      want: (c) => void ((c.spec as JsonObject).tolerations = [{ key: 'k' }]),
    },
    { name: 'a scalar replaces a map', patch: { spec: { nodeName: { x: 1 } } }, want: (c) => void ((c.spec as JsonObject).nodeName = { x: 1 }) },
    { name: '$-directives are plain keys here', patch: { metadata: { labels: { $patch: 'replace' } } }, want: (c) => void ((c.metadata as JsonObject).labels = { a: '1', b: '2', $patch: 'replace' }) },
    { name: 'the empty patch', patch: {}, want: () => {} },
    {
      name: 'keys named constructor and prototype are ordinary keys',
      patch: { metadata: { labels: { constructor: 'x', prototype: 'y', z: 'z' } } },
      want: (c) => void ((c.metadata as JsonObject).labels = { a: '1', b: '2', constructor: 'x', prototype: 'y', z: 'z' }),
    },
    { name: 'a __proto__ key is dropped', patch: JSON.parse('{"metadata":{"labels":{"__proto__":{"x":1},"c":"3"}}}'), want: (c) => void ((c.metadata as JsonObject).labels = { a: '1', b: '2', c: '3' }) },
  ];
  it.each(cases)('$name', ({ patch, want }) => {
    const expected = structuredClone(current);
    want(expected);
    expect(applyPatch('merge', current, JSON.stringify(patch), POD)).toEqual(expected);
  });

  it('works on custom resources (kubectl patch --type merge, kubectl apply on a CR)', () => {
    const cr = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'd', uid: 'u' }, spec: { size: 1 } };
    expect(applyPatch('merge', cr, '{"spec":{"size":2,"color":"red"}}', CR)).toEqual({ ...cr, spec: { size: 2, color: 'red' } });
  });

  it('kubectl scale: a replicas merge patch with a resourceVersion precondition keeps the precondition', () => {
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n', uid: 'u', resourceVersion: '5' }, spec: { replicas: 1 } };
    const out = applyPatch('merge', deploy, '{"metadata":{"resourceVersion":"4"},"spec":{"replicas":3}}', { group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(out).toEqual({ ...deploy, metadata: { ...deploy.metadata, resourceVersion: '4' }, spec: { replicas: 3 } });
  });

  const malformed = ['{bad', 'null', '"string"', '12', 'true', ''];
  it.each(malformed)('body %j answers 400 "Invalid JSON Patch"', (body) => {
    let err: unknown;
    try {
      applyPatch('merge', current, body, POD);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MergePatchMalformedError);
    expect(err).toMatchObject({ httpCode: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' });
  });

  it('an array body replaces the document, which then does not decode: 422', () => {
    let err: unknown;
    try {
      applyPatch('merge', current, '[1]', POD);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PatchInvalidError);
    expect(err).toMatchObject({ httpCode: 422, reason: 'Invalid', details: { causes: [{ field: 'patch', reason: 'FieldValueInvalid' }] } });
    expect((err as Error).message).toMatch(/^ "" is invalid: patch: Invalid value: "\[1\]": couldn't get version\/kind; json parse error: json: cannot unmarshal array/);
  });
});
