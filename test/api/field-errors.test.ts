import { describe, expect, it } from 'vitest';
import { FieldError, aggregateMessage, fieldErrorTypeText } from '../../src/api/field-errors.js';
import { FieldPath, childPath, pathString } from '../../src/api/field-path.js';
import { goQuote, goValue } from '../../src/api/go-format.js';

describe('FieldPath', () => {
  it('renders like field.Path', () => {
    const p = FieldPath.root('spec').child('containers').index(0).child('resources', 'requests').key('cpu');
    expect(p.toString()).toBe('spec.containers[0].resources.requests[cpu]');
    expect(FieldPath.root('metadata', 'labels').key('app').toString()).toBe('metadata.labels[app]');
    expect(childPath(undefined, 'values').index(1).toString()).toBe('values[1]');
    expect(pathString(undefined)).toBe('<nil>');
  });
});

describe('FieldError', () => {
  const p = FieldPath.root('metadata', 'name');

  it.each([
    [FieldError.invalid(p, 'Web', 'bad'), 'metadata.name: Invalid value: "Web": bad'],
    [FieldError.required(p, ''), 'metadata.name: Required value'],
    [FieldError.required(p, 'name or generateName is required'), 'metadata.name: Required value: name or generateName is required'],
    [FieldError.forbidden(p, 'not allowed on this type'), 'metadata.name: Forbidden: not allowed on this type'],
    [FieldError.tooLong(p, 'x'.repeat(10), 5), 'metadata.name: Too long: must have at most 5 bytes'],
    [FieldError.notSupported(p, 'Sometimes', ['Always', 'Never']), 'metadata.name: Unsupported value: "Sometimes": supported values: "Always", "Never"'],
    [FieldError.duplicate(p, 'a'), 'metadata.name: Duplicate value: "a"'],
    [FieldError.notFound(p, 'a'), 'metadata.name: Not found: "a"'],
    [FieldError.tooMany(p, 5, 3), 'metadata.name: Too many: 5: must have at most 3 items'],
    [FieldError.tooMany(p, -1, -1), 'metadata.name: Too many: has too many items'],
    [FieldError.internalError(p, new Error('boom')), 'metadata.name: Internal error: boom'],
    [FieldError.typeInvalid(p, 3, 'must be a string'), 'metadata.name: Invalid value: 3: must be a string'],
    [FieldError.invalid(p, null, 'x'), 'metadata.name: Invalid value: "null": x'],
    [FieldError.invalid(p, true, 'x'), 'metadata.name: Invalid value: true: x'],
    [FieldError.invalid(p, ['a', 'b'], 'x'), 'metadata.name: Invalid value: []string{"a", "b"}: x'],
    [FieldError.invalid(undefined, 'k', 'x'), '<nil>: Invalid value: "k": x'],
  ])('%s', (err, message) => {
    expect(err.toString()).toBe(message);
  });

  it('exposes the body and type for Status causes', () => {
    const e = FieldError.invalid(p, 'Web', 'bad');
    expect(e.errorBody()).toBe('Invalid value: "Web": bad');
    expect(e.type).toBe('FieldValueInvalid');
    expect(fieldErrorTypeText('FieldValueNotSupported')).toBe('Unsupported value');
  });

  it('aggregates like utilerrors.Aggregate', () => {
    const a = FieldError.required(p, '');
    const b = FieldError.forbidden(p, 'no');
    expect(aggregateMessage([])).toBe('');
    expect(aggregateMessage([a])).toBe('metadata.name: Required value');
    expect(aggregateMessage([a, a])).toBe('metadata.name: Required value');
    expect(aggregateMessage([a, b])).toBe('[metadata.name: Required value, metadata.name: Forbidden: no]');
  });
});

describe('Go formatting', () => {
  it('quotes like strconv.Quote', () => {
    expect(goQuote('plain')).toBe('"plain"');
    expect(goQuote('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
    expect(goQuote('\n\t\x07\x00\x7f')).toBe('"\\n\\t\\a\\x00\\x7f"');
    expect(goQuote('Māori ☃')).toBe('"Māori ☃"');
    expect(goQuote('\u00a0\u200b')).toBe('"\\u00a0\\u200b"');
  });

  it('prints values like %v and %#v', () => {
    expect(goValue(undefined)).toBe('null');
    expect(goValue(42)).toBe('42');
    expect(goValue(5n)).toBe('5');
    expect(goValue([])).toBe('[]string(nil)');
    expect(goValue({ a: 1 })).toBe('{"a":1}');
  });
});
