import { describe, expect, it } from 'vitest';
import {
  JsonPatchApplyError,
  JsonPatchTooManyOperationsError,
  type JsonObject,
  PatchDecodeError,
  applyPatch,
} from '../../../src/apiserver/patch/index.js';

const CM = { group: '', version: 'v1', kind: 'ConfigMap' };
const current: JsonObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'default', uid: 'u1', resourceVersion: '7', labels: { app: 'web' } },
  data: { a: '1', 'x/y': 'slash', 'm~n': 'tilde' },
  list: ['p', 'q', 'r'],
};

function patch(ops: unknown): Record<string, unknown> {
  return applyPatch('json', current, JSON.stringify(ops), CM);
}

describe('JSON patch: operations', () => {
  const ok: { name: string; ops: unknown[]; want: (c: JsonObject) => void }[] = [
    { name: 'add a member', ops: [{ op: 'add', path: '/data/b', value: '2' }], want: (c) => void ((c.data as JsonObject).b = '2') },
    { name: 'add replaces an existing member', ops: [{ op: 'add', path: '/data/a', value: '9' }], want: (c) => void ((c.data as JsonObject).a = '9') },
    { name: 'add without value adds null', ops: [{ op: 'add', path: '/data/b' }], want: (c) => void ((c.data as JsonObject).b = null) },
    { name: 'add to an array index', ops: [{ op: 'add', path: '/list/1', value: 'x' }], want: (c) => void (c.list = ['p', 'x', 'q', 'r']) },
    { name: 'add at the end with -', ops: [{ op: 'add', path: '/list/-', value: 'x' }], want: (c) => void (c.list = ['p', 'q', 'r', 'x']) },
    { name: 'add at index len', ops: [{ op: 'add', path: '/list/3', value: 'x' }], want: (c) => void (c.list = ['p', 'q', 'r', 'x']) },
    { name: 'add with a negative index', ops: [{ op: 'add', path: '/list/-1', value: 'x' }], want: (c) => void (c.list = ['p', 'q', 'r', 'x']) },
    { name: 'remove a member', ops: [{ op: 'remove', path: '/data/a' }], want: (c) => void delete (c.data as JsonObject).a },
    { name: 'remove an escaped key (~1)', ops: [{ op: 'remove', path: '/data/x~1y' }], want: (c) => void delete (c.data as JsonObject)['x/y'] },
    { name: 'remove an escaped key (~0)', ops: [{ op: 'remove', path: '/data/m~0n' }], want: (c) => void delete (c.data as JsonObject)['m~n'] },
    { name: 'remove the last element with -1', ops: [{ op: 'remove', path: '/list/-1' }], want: (c) => void (c.list = ['p', 'q']) },
    { name: 'replace a member', ops: [{ op: 'replace', path: '/metadata/labels/app', value: 'api' }], want: (c) => void ((c.metadata as JsonObject).labels = { app: 'api' }) },
    {
      name: 'replace of a missing member adds it (json-patch v4)',
      ops: [{ op: 'replace', path: '/metadata/labels/tier', value: 'fe' }],
      want: (c) => void ((c.metadata as JsonObject).labels = { app: 'web', tier: 'fe' }),
    },
    { name: 'replace an element', ops: [{ op: 'replace', path: '/list/0', value: 'z' }], want: (c) => void (c.list = ['z', 'q', 'r']) },
    {
      name: 'move a member',
      ops: [{ op: 'move', from: '/data/a', path: '/data/c' }],
      want: (c) => {
        const d = c.data as JsonObject;
        delete d.a;
        d.c = '1';
      },
    },
    { name: 'move an element', ops: [{ op: 'move', from: '/list/0', path: '/list/-' }], want: (c) => void (c.list = ['q', 'r', 'p']) },
    { name: 'copy a member', ops: [{ op: 'copy', from: '/data/a', path: '/data/c' }], want: (c) => void ((c.data as JsonObject).c = '1') },
    { name: 'copy of a missing member copies null', ops: [{ op: 'copy', from: '/data/zz', path: '/data/c' }], want: (c) => void ((c.data as JsonObject).c = null) },
    { name: 'test that passes', ops: [{ op: 'test', path: '/metadata/labels', value: { app: 'web' } }], want: () => {} },
    { name: 'test of a missing member against null passes', ops: [{ op: 'test', path: '/data/zz', value: null }], want: () => {} },
    {
      name: 'a resourceVersion precondition stays in the result',
      ops: [
        { op: 'test', path: '/metadata/resourceVersion', value: '7' },
        { op: 'replace', path: '/metadata/resourceVersion', value: '6' },
      ],
      want: (c) => void ((c.metadata as JsonObject).resourceVersion = '6'),
    },
    { name: 'the empty patch', ops: [], want: () => {} },
    { name: 'a key named constructor', ops: [{ op: 'add', path: '/data/constructor', value: 'c' }], want: (c) => void ((c.data as JsonObject)['constructor' as string] = 'c') },
  ];
  it.each(ok)('$name', ({ ops, want }) => {
    const expected = structuredClone(current);
    want(expected);
    expect(patch(ops)).toEqual(expected);
  });

  it('never modifies the current object', () => {
    const before = structuredClone(current);
    patch([{ op: 'remove', path: '/data/a' }, { op: 'add', path: '/list/0', value: 'n' }]);
    expect(current).toEqual(before);
  });

  it('a null body is no operations', () => {
    expect(applyPatch('json', current, 'null', CM)).toEqual(current);
  });
});

describe('JSON patch: failures answer 422 with the generic message; the detail is json-patch v4s', () => {
  const failures: { name: string; ops: unknown[]; detail: string }[] = [
    { name: 'a failing test', ops: [{ op: 'test', path: '/metadata/labels/app', value: 'api' }], detail: 'testing value /metadata/labels/app failed: test failed' },
    { name: 'a test of a missing member against a value', ops: [{ op: 'test', path: '/data/zz', value: 'x' }], detail: 'testing value /data/zz failed: test failed' },
    { name: 'a test without a value', ops: [{ op: 'test', path: '/data/a' }], detail: 'testing value /data/a failed: test failed' },
    {
      name: 'a test under a missing parent',
      ops: [{ op: 'test', path: '/nope/a', value: 1 }],
      detail: 'test operation does not apply: is missing path: /nope/a: missing value',
    },
    {
      name: 'remove of a missing member',
      ops: [{ op: 'remove', path: '/metadata/labels/zz' }],
      detail: "error in remove for path: '/metadata/labels/zz': Unable to remove nonexistent key: zz: missing value",
    },
    {
      name: 'remove under a missing parent',
      ops: [{ op: 'remove', path: '/spec/replicas' }],
      detail: 'remove operation does not apply: doc is missing path: "/spec/replicas": missing value',
    },
    {
      name: 'add under a missing parent',
      ops: [{ op: 'add', path: '/spec/replicas', value: 3 }],
      detail: 'add operation does not apply: doc is missing path: "/spec/replicas": missing value',
    },
    {
      name: 'add past the end of an array',
      ops: [{ op: 'add', path: '/list/5', value: 'x' }],
      detail: "error in add for path: '/list/5': Unable to access invalid index: 5: invalid index referenced",
    },
    {
      name: 'add at a non-numeric array index',
      ops: [{ op: 'add', path: '/list/x', value: 'x' }],
      detail: `error in add for path: '/list/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
    },
    {
      name: 'remove past the end of an array',
      ops: [{ op: 'remove', path: '/list/3' }],
      detail: "error in remove for path: '/list/3': Unable to access invalid index: 3: invalid index referenced",
    },
    {
      name: 'replace under a missing parent',
      ops: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      detail: 'replace operation does not apply: doc is missing path: /spec/replicas: missing value',
    },
    {
      name: 'replace past the end of an array',
      ops: [{ op: 'replace', path: '/list/9', value: 'x' }],
      detail: 'replace operation does not apply: doc is missing key: /list/9: missing value',
    },
    {
      name: 'replace of the whole document with a scalar',
      ops: [{ op: 'replace', path: '', value: 1 }],
      detail: 'replace operation value must be object or array: %!w(<nil>)',
    },
    {
      name: 'move from a missing member',
      ops: [{ op: 'move', from: '/data/zz', path: '/data/b' }],
      detail: "error in move for path: 'zz': Unable to remove nonexistent key: zz: missing value",
    },
    {
      name: 'move without from',
      ops: [{ op: 'move', path: '/data/b' }],
      detail: 'move operation failed to decode from: operation, missing from field: missing value',
    },
    {
      name: 'copy to a missing parent',
      ops: [{ op: 'copy', from: '/data/a', path: '/spec/a' }],
      detail: 'copy operation does not apply: doc is missing destination path: /spec/a: missing value',
    },
    { name: 'an op without path', ops: [{ op: 'add', value: 1 }], detail: 'add operation failed to decode path: missing value' },
    { name: 'an unknown op', ops: [{ op: 'frobnicate', path: '/a' }], detail: 'Unexpected kind: frobnicate' },
    { name: 'an op that is not a string', ops: [{ op: 1, path: '/a' }], detail: 'Unexpected kind: unknown' },
    { name: 'an empty operation', ops: [{}], detail: 'Unexpected kind: unknown' },
    {
      name: 'a __proto__ path is refused (fast-json-patch guard)',
      ops: [{ op: 'add', path: '/data/__proto__', value: { polluted: true } }],
      detail: 'JSON-Patch: modifying `__proto__` or `constructor/prototype` prop is banned for security reasons, if this was on purpose, please set `banPrototypeModifications` flag false and pass it to this function. More info in fast-json-patch README',
    },
  ];
  it.each(failures)('$name', ({ ops, detail }) => {
    let err: unknown;
    try {
      patch(ops);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonPatchApplyError);
    expect(err).toMatchObject({
      httpCode: 422,
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
      detail,
    });
  });

  it('reports which operation failed and applies nothing', () => {
    let err: unknown;
    try {
      patch([{ op: 'add', path: '/data/b', value: '2' }, { op: 'test', path: '/data/a', value: 'nope' }]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ operation: 1 });
  });
});

describe('JSON patch: malformed bodies answer 400 with Go decoding messages', () => {
  const cases: { body: string; message: string }[] = [
    { body: '{}', message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
    { body: '"x"', message: 'json: cannot unmarshal string into Go value of type jsonpatch.Patch' },
    { body: '[1]', message: 'json: cannot unmarshal number into Go value of type jsonpatch.Operation' },
    { body: '[{"op":"add"', message: 'unexpected end of JSON input' },
    { body: '[{"op":"add",}]', message: "invalid character '}' looking for beginning of object key string" },
    { body: 'not json', message: "invalid character 'o' in literal null (expecting 'u')" },
    { body: '', message: 'unexpected end of JSON input' },
  ];
  it.each(cases)('$body', ({ body, message }) => {
    expect(() => applyPatch('json', current, body, CM)).toThrow(PatchDecodeError);
    expect(() => applyPatch('json', current, body, CM)).toThrow(message);
  });

  it('more than 10000 operations answer 413', () => {
    const ops = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/data/a', value: '1' }));
    expect(() => patch(ops)).toThrow(JsonPatchTooManyOperationsError);
    expect(() => patch(ops)).toThrow(
      'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    );
    expect(() => patch(ops.slice(1))).not.toThrow();
  });
});
