import { describe, expect, it } from 'vitest';
import { InvalidRequirementError, LabelSelectorParseError } from '../../src/api/errors.js';
import { FieldPath } from '../../src/api/field-path.js';
import {
  Requirement,
  everythingSelector,
  newRequirement,
  nothingSelector,
  parseSelector,
  parseToRequirements,
  selectorFromSet,
  validatedSelectorFromSet,
  type Labels,
  type SelectionOperator,
} from '../../src/api/labels.js';

function parseError(s: string): string {
  try {
    parseSelector(s);
  } catch (err) {
    expect(err).toBeInstanceOf(LabelSelectorParseError);
    return (err as Error).message;
  }
  throw new Error(`parseSelector(${JSON.stringify(s)}) did not fail`);
}

const labelKeyRegexMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueRegexMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('parseSelector: strings that round-trip (Kubernetes TestSelectorParse)', () => {
  it.each(['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=', 'x= ', 'x=,z= ', 'x= ,z= ', '!x', 'x>1', 'x>1,z<5'])('%j', (s) => {
    expect(parseSelector(s).toString()).toBe(s.replaceAll(' ', ''));
  });

  it('is deterministic: requirements are sorted by key', () => {
    expect(parseSelector('x=a,a=x').toString()).toBe(parseSelector('a=x,x=a').toString());
    expect(parseSelector('x=a,a=x').toString()).toBe('a=x,x=a');
  });
});

describe('parseSelector: set-based grammar (Kubernetes TestSetSelectorParser)', () => {
  it.each([
    ['\rx', 'x'],
    ['this-is-a-dns.domain.com/key-with-dash', 'this-is-a-dns.domain.com/key-with-dash'],
    ['this-is-another-dns.domain.com/key-with-dash in (so,what)', 'this-is-another-dns.domain.com/key-with-dash in (so,what)'],
    ['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', '0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)'],
    ['foo  in\t (abc)', 'foo in (abc)'],
    ['x notin\n (abc)', 'x notin (abc)'],
    ['x  notin\t\t\t(abc,def)', 'x notin (abc,def)'],
    ['x in (abc,def)', 'x in (abc,def)'],
    ['x in (abc,)', 'x in (,abc)'],
    ['x in ()', 'x in ()'],
    ['x notin (abc,def),bar,z in (),w', 'bar,w,x notin (abc,def),z in ()'],
    ['x,y in (a)', 'x,y in (a)'],
    ['x=a', 'x=a'],
    ['x>1', 'x>1'],
    ['x<7', 'x<7'],
    ['x=a,y!=b', 'x=a,y!=b'],
    ['x=a,y!=b,z in (h,i,j)', 'x=a,y!=b,z in (h,i,j)'],
    ['x notin ( )', 'x notin ()'],
    ['x notin (, a)', 'x notin (,a)'],
    ['a ', 'a'],
    ['a in (x,y,notin, z,in)', 'a in (in,notin,x,y,z)'],
    ['x in (b,a,b)', 'x in (a,b)'],
    ['notin=in', 'notin=in'],
    ['x==a', 'x==a'],
  ])('%j → %j', (input, printed) => {
    expect(parseSelector(input).toString()).toBe(printed);
    expect(parseSelector(printed).toString()).toBe(printed);
  });

  it('parses into requirements with sorted, de-duplicated values', () => {
    const reqs = parseToRequirements('x notin (abc,def),bar,z in (),w');
    expect(reqs.map((r) => [r.key, r.operator, [...r.values]])).toEqual([
      ['bar', 'exists', []],
      ['w', 'exists', []],
      ['x', 'notin', ['abc', 'def']],
      ['z', 'in', ['']],
    ]);
    expect([...parseToRequirements('x in (,,a,)')[0]!.values]).toEqual(['', 'a']);
  });

  it('treats the empty string as everything', () => {
    const s = parseSelector('');
    expect(s.empty()).toBe(true);
    expect(s.matches({ any: 'thing' })).toBe(true);
  });
});

describe('parseSelector: errors carry Kubernetes messages', () => {
  it.each([
    ['x=a||y=b', `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${labelValueRegexMsg}`],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['x<a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    [',x,y', "found ',', expected: !, identifier, or 'end of string'"],
    ['x nott in (y)', "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in (xyz),', "found '', expected: identifier after ','"],
    ['a in (xyz)b notin ()', "found 'b', expected: ',' or 'end of string'"],
    ['a in (xyz abc)', "unable to parse requirement: found 'abc', expected: ',' or ')'"],
    ['a notin(', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['a (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['(', "found '(', expected: !, identifier, or 'end of string'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
  ])('%j', (input, message) => {
    expect(parseError(input)).toBe(message);
  });

  it('reports an invalid key with a nil field path, as Kubernetes does without WithPath', () => {
    expect(parseError('x/y/z')).toBe(
      `unable to parse requirement: <nil>: Invalid value: "x/y/z": a valid label key ${labelKeyRegexMsg} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    expect(parseError('Bad_/k=v')).toBe(
      'unable to parse requirement: <nil>: Invalid value: "Bad_/k": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    );
  });

  it('prefixes field names with the given path', () => {
    expect(() => parseSelector('k=-v', FieldPath.root('spec', 'selector'))).toThrow(
      `unable to parse requirement: spec.selector.values[0][k]: Invalid value: "-v": ${labelValueRegexMsg}`,
    );
  });

  it('keeps the validation failure as the cause', () => {
    try {
      parseSelector(`k=${'a'.repeat(64)}`);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe(`unable to parse requirement: values[0][k]: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`);
      expect((err as Error).cause).toBeInstanceOf(InvalidRequirementError);
    }
  });
});

describe('Selector semantics (Kubernetes TestSelectorMatches)', () => {
  const match = (sel: string, labels: Labels): boolean => parseSelector(sel).matches(labels);

  it.each<[string, Labels]>([
    ['', { x: 'y' }],
    ['x=y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['notin=in', { notin: 'in' }],
    ['x', { x: 'z' }],
    ['!x', { y: 'z' }],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['x in (a,b)', { x: 'b' }],
    ['x notin (a,b)', { y: 'a' }],
    ['x notin (a,b)', { x: 'c' }],
    ['x=', { x: '' }],
    ['x in (a,)', { x: '' }],
    ['x>10', { x: '011' }],
  ])('%j matches %j', (sel, labels) => {
    expect(match(sel, labels)).toBe(true);
  });

  it.each<[string, Labels]>([
    ['x=z', {}],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['x>1', { x: '0' }],
    ['x<1', { x: '2' }],
    ['x>1', { x: 'v2' }],
    ['x>1', {}],
    ['x in (a,b)', { x: 'c' }],
    ['x in (a,b)', {}],
    ['x notin (a,b)', { x: 'a' }],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
    ['x=', {}],
  ])('%j does not match %j', (sel, labels) => {
    expect(match(sel, labels)).toBe(false);
  });

  it('does not see inherited properties as labels', () => {
    expect(match('constructor', {})).toBe(false);
    expect(match('!toString', {})).toBe(true);
  });

  it('reports exact matches the way the API server uses them', () => {
    const s = parseSelector('a=1,b in (2),c in (3,4),d!=5');
    expect(s.requiresExactMatch('a')).toBe('1');
    expect(s.requiresExactMatch('b')).toBe('2');
    expect(s.requiresExactMatch('c')).toBeUndefined();
    expect(s.requiresExactMatch('d')).toBeUndefined();
    expect(s.requiresExactMatch('e')).toBeUndefined();
  });

  it('everything and nothing', () => {
    expect(everythingSelector().matches({ x: 'y' })).toBe(true);
    expect(everythingSelector().empty()).toBe(true);
    expect(nothingSelector().matches({})).toBe(false);
    expect(nothingSelector().empty()).toBe(false);
    expect(nothingSelector().toString()).toBe('');
    expect(nothingSelector().requirements().selectable).toBe(false);
    expect(nothingSelector().add(newRequirement('a', 'exists', [])).matches({ a: '' })).toBe(false);
  });

  it('adds requirements into a new, key-sorted selector', () => {
    const base = parseSelector('key in (value)');
    const added = base.add(newRequirement('a', '=', ['b']));
    expect(added.toString()).toBe('a=b,key in (value)');
    expect(base.toString()).toBe('key in (value)');
  });
});

describe('selectorFromSet', () => {
  it('requires each entry, keys sorted', () => {
    const s = selectorFromSet({ foo: 'bar', baz: 'blah' });
    expect(s.toString()).toBe('baz=blah,foo=bar');
    expect(s.matches({ foo: 'bar', baz: 'blah', other: 'x' })).toBe(true);
    expect(s.matches({ foo: 'bar' })).toBe(false);
  });

  it('is everything for an empty or absent set', () => {
    expect(selectorFromSet({}).empty()).toBe(true);
    expect(selectorFromSet(undefined).matches({ a: 'b' })).toBe(true);
  });

  it('validates only when asked', () => {
    expect(selectorFromSet({ 'bad key!': 'v' }).toString()).toBe('bad key!=v');
    expect(() => validatedSelectorFromSet({ 'bad key!': 'v' })).toThrow(InvalidRequirementError);
  });
});

describe('newRequirement (Kubernetes TestRequirementConstructor)', () => {
  it.each<[string, SelectionOperator, string[], boolean]>([
    ['x', 'in', [], false],
    ['x', 'notin', [], false],
    ['x', 'in', ['foo'], true],
    ['x', 'notin', ['foo'], true],
    ['x', 'exists', [], true],
    ['x', '!', [], true],
    ['1foo', 'in', ['bar'], true],
    ['1234', 'in', ['bar'], true],
    ['y', 'gt', ['1'], true],
    ['z', 'lt', ['6'], true],
    ['foo', 'gt', ['bar'], false],
    ['barz', 'lt', ['blah'], false],
    ['a'.repeat(254), 'exists', [], false],
    ['x', '=', ['a', 'b'], false],
    ['x', 'exists', ['a'], false],
  ])('%j %s %j valid=%s', (key, op, values, ok) => {
    if (ok) expect(newRequirement(key, op, values)).toBeInstanceOf(Requirement);
    else expect(() => newRequirement(key, op, values)).toThrow(InvalidRequirementError);
  });

  it('aggregates several violations in brackets, as utilerrors.Aggregate prints them', () => {
    expect(() => newRequirement('-k', '=', ['a', '-b'])).toThrow(
      `[key: Invalid value: "-k": name part ${labelKeyRegexMsg}, values: Invalid value: []string{"a", "-b"}: exact-match compatibility requires one single value, values[1][-k]: Invalid value: "-b": ${labelValueRegexMsg}]`,
    );
  });

  it('rejects an unknown operator with the supported list', () => {
    expect(() => newRequirement('k', 'like' as SelectionOperator, ['v'])).toThrow(
      'operator: Unsupported value: "like": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
    );
  });

  it('prints requirements as Kubernetes does (TestToString)', () => {
    const r = (k: string, op: SelectionOperator, v: string[]): Requirement => newRequirement(k, op, v);
    expect([r('x', 'in', ['def', 'abc']), r('y', 'notin', ['jkl']), r('z', 'exists', [])].join(',')).toBe('x in (abc,def),y notin (jkl),z');
    expect([r('x', 'notin', ['abc', 'def']), r('y', '!=', ['jkl']), r('z', '!', [])].join(',')).toBe('x notin (abc,def),y!=jkl,!z');
    expect([r('x', 'notin', ['abc']), r('y', 'in', ['jkl', 'mno']), r('z', 'notin', [''])].join(',')).toBe('x notin (abc),y in (jkl,mno),z notin ()');
    expect([r('x', '=', ['abc']), r('y', '==', ['jkl']), r('z', '!=', ['a']), r('z', 'exists', [])].join(',')).toBe('x=abc,y==jkl,z!=a,z');
    expect([r('x', 'gt', ['2']), r('y', 'lt', ['8']), r('z', 'exists', [])].join(',')).toBe('x>2,y<8,z');
  });

  it('prints values sorted without reordering the requirement itself', () => {
    const req = newRequirement('x', 'in', ['b', 'a']);
    expect(req.toString()).toBe('x in (a,b)');
    expect([...req.values]).toEqual(['b', 'a']);
    expect(req.equals(newRequirement('x', 'in', ['b', 'a']))).toBe(true);
    expect(req.equals(newRequirement('x', 'in', ['a', 'b']))).toBe(false);
  });
});
