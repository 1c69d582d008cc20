/**
 * Server-side field validation as pure functions: what a request hears of its body's unknown fields, repeated
 * keys and values of the wrong type by its fieldValidation directive, in kube-apiserver's words.
 */
import { describe, expect, it } from 'vitest';
import { StatusError } from '../../src/apiserver/errors.js';
import { checkBodyFields, checkPatchedFields, fieldValidationOf, patchBodyProblems, type FieldCheck, type FieldValidation } from '../../src/apiserver/field-validation.js';
import { messageForKind } from '../../src/apiserver/protobuf/index.js';

const DEPLOYMENT = messageForKind('apps/v1', 'Deployment')!;

function caught(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

function check(directive: FieldValidation): FieldCheck {
  return { plan: DEPLOYMENT, kind: 'Deployment', version: 'v1', directive };
}
const body = (): Record<string, unknown> => ({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { bogus: 1, paused: false } });
const repeats = () => [{ path: 'spec.paused' }, { path: 'spec.bogus' }];

describe('fieldValidation', () => {
  it('is Warn by default, and an unknown value is refused with 422, as ValidateCreateOptions', () => {
    expect(fieldValidationOf(new URLSearchParams(''), 'CreateOptions')).toBe('Warn');
    expect(fieldValidationOf(new URLSearchParams('fieldValidation=Strict'), 'CreateOptions')).toBe('Strict');
    const err = caught(() => fieldValidationOf(new URLSearchParams('fieldValidation=strict'), 'PatchOptions'));
    expect(err.httpCode).toBe(422);
    expect(err.status.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
  });
});

describe('checkBodyFields', () => {
  it('Warn prunes and warns of each field (a field both unknown and repeated once, as unknown); Ignore only prunes', () => {
    const b = body();
    expect(checkBodyFields(b, repeats, check('Warn'))).toEqual(['unknown field "spec.bogus"', 'duplicate field "spec.paused"']);
    expect(b).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { paused: false } });
    const b2 = body();
    expect(checkBodyFields(b2, () => {
      throw new Error('Ignore never looks for repeated keys');
    }, check('Ignore'))).toEqual([]);
    expect(b2).toEqual(b);
  });

  it('Strict refuses with kube\'s 400, naming the kind and version the body claims (the endpoint\'s when it claims none)', () => {
    const err = caught(() => checkBodyFields(body(), repeats, check('Strict')));
    expect(err.httpCode).toBe(400);
    expect(err.status.reason).toBe('BadRequest');
    expect(err.status.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogus", duplicate field "spec.paused"');
    const bare = caught(() => checkBodyFields({ spec: { bogus: 1 } }, () => [], check('Strict')));
    expect(bare.status.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogus"');
    const clean = { kind: 'Deployment', spec: { paused: true } };
    expect(checkBodyFields(clean, () => [], check('Strict'))).toEqual([]);
    expect(clean).toEqual({ kind: 'Deployment', spec: { paused: true } });
  });

  it('puts a YAML body\'s repeats first, as yaml\'s one unmarshal error under Strict and one warning each under Warn, never shadowed', () => {
    const yamlRepeats = () => [{ path: 'spec', line: 9 }, { path: 'bogus', line: 12 }];
    expect(checkBodyFields({ spec: { bogus: 1 } }, yamlRepeats, check('Warn'))).toEqual(['line 9: key "spec" already set in map', 'line 12: key "bogus" already set in map', 'unknown field "spec.bogus"']);
    const err = caught(() => checkBodyFields({ spec: { bogus: 1 } }, yamlRepeats, check('Strict')));
    expect(err.status.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: yaml: unmarshal errors:\n  line 9: key "spec" already set in map\n  line 12: key "bogus" already set in map, unknown field "spec.bogus"');
  });

  it('refuses a value of the wrong type with kube\'s 400 whatever the directive', () => {
    const err = caught(() => checkBodyFields({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: '3', bogus: 1 } }, () => [], check('Ignore')));
    expect(err.httpCode).toBe(400);
    expect(err.status.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  });

  it('reports at most 100 problems', () => {
    const many: Record<string, unknown> = { spec: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x${i}`, i])) };
    expect(checkBodyFields(many, () => [], check('Warn'))).toHaveLength(100);
    expect(many).toEqual({ spec: {} });
  });
});

describe('checkPatchedFields', () => {
  it('Strict refuses as kube\'s patcher does: 422 on the field "patch" showing the patched object as it was, unknown fields in sorted order', () => {
    const patched = { apiVersion: 'apps/v1', kind: 'Deployment', spec: { zz: 1, bogus: 1, paused: false } };
    const err = caught(() => checkPatchedFields(patched, ['duplicate field "metadata.name"'], check('Strict'), () => JSON.stringify(patched)));
    expect(err.httpCode).toBe(422);
    expect(err.status.message).toBe(
      ' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"apps/v1\\",\\"kind\\":\\"Deployment\\",\\"spec\\":{\\"zz\\":1,\\"bogus\\":1,\\"paused\\":false}}": strict decoding error: duplicate field "metadata.name", unknown field "spec.bogus", unknown field "spec.zz"',
    );
    expect(err.status.details).toEqual({ causes: [{ reason: 'FieldValueInvalid', field: 'patch', message: expect.stringContaining('strict decoding error') }] });
  });

  it('Warn prunes and returns the warnings; a value of the wrong type is a 422 whatever the directive', () => {
    const again = body();
    expect(checkPatchedFields(again, [], check('Warn'), () => '')).toEqual(['unknown field "spec.bogus"']);
    expect(again.spec).toEqual({ paused: false });
    const err = caught(() => checkPatchedFields({ spec: { replicas: '3' } }, [], check('Ignore'), () => '{"spec":{"replicas":"3"}}'));
    expect(err.httpCode).toBe(422);
    expect(err.status.message).toBe(' "" is invalid: patch: Invalid value: "{\\"spec\\":{\\"replicas\\":\\"3\\"}}": json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  });

  it('a patch body\'s own problems: repeated keys, and a JSON patch\'s other keys of an operation, prefixed "json patch "', () => {
    expect(patchBodyProblems(false, '{"spec": {"paused": true, "paused": false}}', 'Warn')).toEqual(['duplicate field "spec.paused"']);
    expect(patchBodyProblems(true, '[{"op": "add", "path": "/a", "valeu": 1}, {"op": "remove", "path": "/b", "path": "/c"}]', 'Strict')).toEqual([
      'json patch unknown field "[0].valeu"',
      'json patch duplicate field "[1].path"',
    ]);
    expect(patchBodyProblems(true, '[{"op": "add", "path": "/a", "valeu": 1}]', 'Ignore')).toEqual([]);
  });
});
