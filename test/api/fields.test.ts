import { describe, expect, it } from 'vitest';
import { FieldSelectorParseError } from '../../src/api/errors.js';
import {
  andFieldSelectors,
  escapeFieldValue,
  everythingFieldSelector,
  fieldSelectorFromSet,
  fieldsFromGetters,
  namedFields,
  nothingFieldSelector,
  objectMetaFieldsSet,
  oneTermEqualSelector,
  oneTermNotEqualSelector,
  parseAndTransformFieldSelector,
  parseFieldSelector,
  unescapeFieldValue,
  type FieldGetters,
} from '../../src/api/fields.js';
import type { Pod } from '../../src/api/core-v1.js';

function parseError(s: string): string {
  try {
    parseFieldSelector(s);
  } catch (err) {
    expect(err).toBeInstanceOf(FieldSelectorParseError);
    return (err as Error).message;
  }
  throw new Error(`parseFieldSelector(${JSON.stringify(s)}) did not fail`);
}

describe('field selector escaping (fields.EscapeValue / UnescapeValue)', () => {
  it.each([
    ['', ''],
    ['a', 'a'],
    ['=', '\\='],
    [',', '\\,'],
    ['\\', '\\\\'],
    ['\\=\\,\\', '\\\\\\=\\\\\\,\\\\'],
  ])('%j ⇄ %j', (raw, escaped) => {
    expect(escapeFieldValue(raw)).toBe(escaped);
    expect(unescapeFieldValue(escaped)).toBe(raw);
  });

  it('rejects unknown escapes, a trailing backslash and unescaped separators', () => {
    expect(() => unescapeFieldValue('\\a')).toThrow('invalid field selector: invalid escape sequence: \\a');
    expect(() => unescapeFieldValue('a\\')).toThrow('invalid field selector: invalid escape sequence: \\');
    // Kubernetes prints the rune with %v, i.e. as its code point.
    expect(() => unescapeFieldValue('a=b')).toThrow('invalid field selector: unescaped character in value: 61');
    expect(() => unescapeFieldValue('a,b')).toThrow('invalid field selector: unescaped character in value: 44');
  });
});

describe('parseFieldSelector', () => {
  it.each([
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a=b'],
    ['a!=b', 'a!=b'],
    ['a=b,c!=d', 'a=b,c!=d'],
    ['c!=d,a=b', 'a=b,c!=d'],
    ['a=', 'a='],
    ['a=b,,c=d', 'a=b,c=d'],
    ['x=a\\,b', 'x=a\\,b'],
    ['x=a\\=b', 'x=a\\=b'],
    ['x=a\\\\', 'x=a\\\\'],
    ['x=a\\\\,y=b', 'x=a\\\\,y=b'],
    ['metadata.name= foo', 'metadata.name= foo'],
  ])('%j → %j', (input, printed) => {
    const s = parseFieldSelector(input);
    expect(s.toString()).toBe(printed);
    expect(parseFieldSelector(printed).toString()).toBe(printed);
  });

  it('splits a term at its first operator, unescaping only the value', () => {
    expect(parseFieldSelector('a==b\\,c').requirements()).toEqual([{ field: 'a', operator: '=', value: 'b,c' }]);
    expect(parseFieldSelector('a!=b\\=c').requirements()).toEqual([{ field: 'a', operator: '!=', value: 'b=c' }]);
    expect(parseFieldSelector('spec.nodeName=').requirements()).toEqual([{ field: 'spec.nodeName', operator: '=', value: '' }]);
  });

  it('reports Kubernetes messages', () => {
    expect(parseError('a')).toBe("invalid selector: 'a'; can't understand 'a'");
    expect(parseError('a=b,c')).toBe("invalid selector: 'a=b,c'; can't understand 'c'");
    expect(parseError('a=b=c')).toBe('invalid field selector: unescaped character in value: 61');
    expect(parseError('a=b\\x')).toBe('invalid field selector: invalid escape sequence: \\x');
  });

  it('matches a field set; absent fields read as the empty string', () => {
    const s = parseFieldSelector('spec.nodeName=,status.phase!=Failed');
    expect(s.matches({ 'spec.nodeName': '', 'status.phase': 'Pending' })).toBe(true);
    expect(s.matches({ 'status.phase': 'Pending' })).toBe(true);
    expect(s.matches({ 'spec.nodeName': 'n1', 'status.phase': 'Pending' })).toBe(false);
    expect(s.matches({ 'status.phase': 'Failed' })).toBe(false);
    expect(s.matches(undefined)).toBe(true);
    expect(parseFieldSelector('constructor=x').matches({})).toBe(false);
  });

  it('matches values containing escaped separators', () => {
    const s = parseFieldSelector(`metadata.name=${escapeFieldValue('a,b=c\\d')}`);
    expect(s.matches({ 'metadata.name': 'a,b=c\\d' })).toBe(true);
    expect(s.requiresExactMatch('metadata.name')).toBe('a,b=c\\d');
  });

  it('introspects exact matches', () => {
    const s = parseFieldSelector('metadata.namespace=ns,spec.nodeName!=n1');
    expect(s.requiresExactMatch('metadata.namespace')).toBe('ns');
    expect(s.requiresExactMatch('spec.nodeName')).toBeUndefined();
    expect(s.empty()).toBe(false);
    expect(parseFieldSelector('').empty()).toBe(true);
  });

  it('transforms terms, dropping those mapped to nothing', () => {
    const s = parseAndTransformFieldSelector('spec.host=n1,metadata.name=x', (field, value) =>
      field === 'metadata.name' ? { field: '', value: '' } : { field: field === 'spec.host' ? 'spec.nodeName' : field, value },
    );
    expect(s.toString()).toBe('spec.nodeName=n1');
    expect(() =>
      parseAndTransformFieldSelector('bogus=1', (field) => {
        throw new FieldSelectorParseError(`field label not supported: ${field}`);
      }),
    ).toThrow('field label not supported: bogus');
  });
});

describe('constructed field selectors', () => {
  it('builds from terms and sets', () => {
    expect(oneTermEqualSelector('a', 'x,y').toString()).toBe('a=x\\,y');
    expect(oneTermNotEqualSelector('a', 'b').matches({ a: 'c' })).toBe(true);
    expect(andFieldSelectors(oneTermEqualSelector('a', '1'), oneTermEqualSelector('b', '2')).toString()).toBe('a=1,b=2');
    expect(fieldSelectorFromSet({ b: '2', a: '1' }).toString()).toBe('a=1,b=2');
    expect(fieldSelectorFromSet(undefined).empty()).toBe(true);
    expect(everythingFieldSelector().matches({})).toBe(true);
    expect(nothingFieldSelector().matches({})).toBe(false);
    expect(nothingFieldSelector().empty()).toBe(false);
  });

  it('reads field sets from metadata and per-kind getters', () => {
    expect(objectMetaFieldsSet({ name: 'p', namespace: 'ns' }, true)).toEqual({ 'metadata.name': 'p', 'metadata.namespace': 'ns' });
    expect(objectMetaFieldsSet({ name: 'n1', namespace: 'ignored' }, false)).toEqual({ 'metadata.name': 'n1' });
    const podFields: FieldGetters<Pod> = {
      'metadata.name': (p) => p.metadata.name,
      'spec.nodeName': (p) => p.spec?.nodeName,
      'status.phase': (p) => p.status?.phase,
    };
    const pod: Pod = { metadata: { name: 'web-1' }, spec: { containers: [] }, status: { phase: 'Pending' } };
    const fields = fieldsFromGetters(podFields, pod);
    expect(fields).toEqual({ 'metadata.name': 'web-1', 'spec.nodeName': '', 'status.phase': 'Pending' });
    expect(parseFieldSelector('spec.nodeName=,status.phase=Pending').matches(fields)).toBe(true);
    // The named ones only, as the full set has them; a getter wins over the metadata field of its name.
    const full = { ...objectMetaFieldsSet({ ...pod.metadata, namespace: 'ns' }, true), ...fields };
    const nsPod: Pod = { ...pod, metadata: { ...pod.metadata, namespace: 'ns' } };
    for (const names of [['spec.nodeName'], ['status.phase', 'metadata.namespace'], ['metadata.name'], ['metadata.namespace', 'spec.nodeName', 'status.phase']]) {
      expect(namedFields(podFields, true, nsPod, names)).toEqual(Object.fromEntries(names.map((n) => [n, full[n as keyof typeof full]])));
    }
    expect(namedFields({ 'metadata.name': () => 'from-getter' }, true, nsPod, ['metadata.name'])).toEqual({ 'metadata.name': 'from-getter' });
    expect(namedFields(podFields, false, nsPod, ['metadata.namespace', 'no.such'])).toEqual({});
  });
});
