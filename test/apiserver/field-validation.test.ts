/**
 * Server-side field validation as pure functions: which keys the schema of a kind does not have (pruned, at
 * any depth, through lists, maps and inline members), which keys a JSON or YAML text repeats, and what a
 * request hears of them by its fieldValidation directive — kube-apiserver's words for each.
 */
import { describe, expect, it } from 'vitest';
import {
  checkBodyFields,
  checkPatchedFields,
  decodeYaml,
  duplicateFields,
  fieldValidationOf,
  findUnknownFields,
  problemText,
  pruneUnknownFields,
  warningHeader,
  type FieldCheck,
  type FieldValidation,
} from '../../src/apiserver/field-validation.js';
import { StatusError } from '../../src/apiserver/errors.js';
import { messageForKind } from '../../src/apiserver/protobuf/index.js';

const POD = messageForKind('v1', 'Pod')!;
const DEPLOYMENT = messageForKind('apps/v1', 'Deployment')!;

function texts(problems: readonly { kind: 'unknown' | 'duplicate'; path: string; line?: number }[]): string[] {
  return problems.map(problemText);
}

function caught(fn: () => void): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

describe('pruneUnknownFields', () => {
  it('drops keys outside the schema at any depth, through lists, maps and inline members, and names their paths', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { 'any-key': 'kept' }, bogus: 1 },
      spec: {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'y', imagePullPolicyy: 'Always', ports: [{ containerPort: 80, hostPortt: 8080 }] },
        ],
        // Volume's source is an inline member: its keys are the volume's own.
        volumes: [{ name: 'v', emptyDir: { medium: 'Memory', sizee: 1 }, unknownSource: {} }],
        overhead: { cpu: '10m' },
        nodeSelector: { disk: 'ssd' },
      },
      status: { phase: 'Pending', nope: true },
      extra: 'top',
    };
    const problems = pruneUnknownFields(pod, POD);
    expect(texts(problems)).toEqual([
      'unknown field "metadata.bogus"',
      'unknown field "spec.containers[1].imagePullPolicyy"',
      'unknown field "spec.containers[1].ports[0].hostPortt"',
      'unknown field "spec.volumes[0].emptyDir.sizee"',
      'unknown field "spec.volumes[0].unknownSource"',
      'unknown field "status.nope"',
      'unknown field "extra"',
    ]);
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { 'any-key': 'kept' } },
      spec: {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'y', ports: [{ containerPort: 80 }] },
        ],
        volumes: [{ name: 'v', emptyDir: { medium: 'Memory' } }],
        overhead: { cpu: '10m' },
        nodeSelector: { disk: 'ssd' },
      },
      status: { phase: 'Pending' },
    });
  });

  it('leaves values of the wrong type and the JSON forms of well-known types (times, quantities, managed fields) alone', () => {
    const pod = {
      metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': { 'f:x': {} } } }] },
      spec: { containers: 'not a list', overhead: { cpu: 1 } },
    };
    expect(pruneUnknownFields(pod, POD)).toEqual([]);
    expect(pod.spec.containers).toBe('not a list');
  });

  it('findUnknownFields reports the same and changes nothing', () => {
    const d = { spec: { bogus: 1, template: { spec: { containers: [{ name: 'c', nope: 2 }] } } } };
    const before = JSON.stringify(d);
    expect(texts(findUnknownFields(d, DEPLOYMENT))).toEqual(['unknown field "spec.bogus"', 'unknown field "spec.template.spec.containers[0].nope"']);
    expect(JSON.stringify(d)).toBe(before);
  });
});

describe('duplicateFields', () => {
  it('finds keys repeated in one object, with their paths through objects and arrays, in document order', () => {
    const text = '{"spec": {"paused": true, "paused": false, "template": {"spec": {"containers": [{"name": "a"}, {"name": "b", "image": "x", "image": "y"}]}}}, "spec2": [[{"k": 1, "k": 2}]]}';
    expect(texts(duplicateFields(text))).toEqual([
      'duplicate field "spec.paused"',
      'duplicate field "spec.template.spec.containers[1].image"',
      'duplicate field "spec2[0][0].k"',
    ]);
  });

  it('reads keys and values with escapes and braces inside strings, and does not confuse values with keys', () => {
    const text = String.raw`{"a\"b": "x}", "a\"b": "{\"a\":1,\"a\":2}", "list": ["a", "a"], "c": {"d": "\\", "d": 1}, "e\u0041": 1, "eA": 2}`;
    expect(texts(duplicateFields(text))).toEqual(['duplicate field "a\\"b"', 'duplicate field "c.d"', 'duplicate field "eA"']);
    expect(duplicateFields('{"a": 1, "b": {"a": 1}}')).toEqual([]);
  });
});

describe('decodeYaml', () => {
  it('keeps the last value of a repeated key and reports the repeat with its line, as kube\'s YAML decoding', () => {
    const { value, duplicates } = decodeYaml<Record<string, unknown>>('kind: ConfigMap\ndata:\n  a: "1"\n  a: "2"\n"kind": Secret\n');
    expect(value).toEqual({ kind: 'Secret', data: { a: '2' } });
    expect(duplicates().map(problemText)).toEqual(['line 4: key "a" already set in map', 'line 5: key "kind" already set in map']);
  });

  it('throws any other YAML error', () => {
    expect(() => decodeYaml('metadata: [unclosed\n')).toThrow();
  });
});

describe('directives', () => {
  function check(directive: FieldValidation): FieldCheck {
    return { plan: DEPLOYMENT, kind: 'Deployment', directive, warnings: [] };
  }
  const body = (): Record<string, unknown> => ({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { bogus: 1, paused: false } });
  const dups = () => [{ kind: 'duplicate' as const, path: 'spec.paused' }, { kind: 'duplicate' as const, path: 'spec.bogus' }];

  it('reads fieldValidation (Warn by default) and refuses an unknown value with 422, as ValidateCreateOptions', () => {
    expect(fieldValidationOf(new URLSearchParams(''), 'CreateOptions')).toBe('Warn');
    expect(fieldValidationOf(new URLSearchParams('fieldValidation=Strict'), 'CreateOptions')).toBe('Strict');
    const err = caught(() => fieldValidationOf(new URLSearchParams('fieldValidation=strict'), 'PatchOptions'));
    expect(err.httpCode).toBe(422);
    expect(err.status.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
  });

  it('Warn prunes and warns of each field (a field both unknown and repeated once, as unknown); Ignore only prunes', () => {
    const warn = check('Warn');
    const b = body();
    checkBodyFields(b, dups, warn);
    expect(b).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { paused: false } });
    expect(warn.warnings).toEqual(['unknown field "spec.bogus"', 'duplicate field "spec.paused"']);
    const ignore = check('Ignore');
    const b2 = body();
    checkBodyFields(b2, () => {
      throw new Error('Ignore never looks for repeated keys');
    }, ignore);
    expect(b2).toEqual(b);
    expect(ignore.warnings).toEqual([]);
  });

  it('Strict refuses a body with kube\'s 400, naming the kind and version the body claims', () => {
    const err = caught(() => checkBodyFields(body(), dups, check('Strict')));
    expect(err.httpCode).toBe(400);
    expect(err.status.reason).toBe('BadRequest');
    expect(err.status.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogus", duplicate field "spec.paused"');
    // A clean body passes Strict untouched.
    const clean = { kind: 'Deployment', spec: { paused: true } };
    checkBodyFields(clean, () => [], check('Strict'));
    expect(clean).toEqual({ kind: 'Deployment', spec: { paused: true } });
  });

  it('a Strict patch is refused as kube\'s patcher does: 422 on the field "patch" showing the patched object as it was', () => {
    const patched = body();
    const err = caught(() => checkPatchedFields(patched, [{ kind: 'duplicate', path: 'metadata.name' }], check('Strict'), () => JSON.stringify(patched)));
    expect(err.httpCode).toBe(422);
    expect(err.status.message).toBe(
      ' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"apps/v1\\",\\"kind\\":\\"Deployment\\",\\"spec\\":{\\"bogus\\":1,\\"paused\\":false}}": strict decoding error: duplicate field "metadata.name", unknown field "spec.bogus"',
    );
    expect(err.status.details).toEqual({ causes: [{ reason: 'FieldValueInvalid', field: 'patch', message: expect.stringContaining('strict decoding error') }] });
    // Warn: the warnings of the last attempt only, the object pruned.
    const warn = check('Warn');
    checkPatchedFields(body(), [], warn, () => '');
    const again = body();
    checkPatchedFields(again, [], warn, () => '');
    expect(warn.warnings).toEqual(['unknown field "spec.bogus"']);
    expect(again.spec).toEqual({ paused: false });
  });

  it('a warning travels as an RFC 7234 header with the text quoted', () => {
    expect(warningHeader('unknown field "spec.bogus"')).toBe('299 - "unknown field \\"spec.bogus\\""');
  });
});
