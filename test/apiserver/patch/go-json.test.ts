import { describe, expect, it } from 'vitest';
import { goJsonSyntaxError, goS, goTypeName, goV } from '../../../src/apiserver/patch/go-json.js';

describe("Go's encoding/json syntax errors", () => {
  it.each([
    ['{}', undefined],
    [' [1, 2.5e-3, "a\\u00e9", true, false, null, {"k": {}}] ', undefined],
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['{"a":1', 'unexpected end of JSON input'],
    ['"abc', 'unexpected end of JSON input'],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['{a:1}', "invalid character 'a' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a":1}}', "invalid character '}' after top-level value"],
    ['01', "invalid character '1' after top-level value"],
    ['-a', "invalid character 'a' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['tru', 'unexpected end of JSON input'],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ['nul1', "invalid character '1' in literal null (expecting 'l')"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
  ])('%j → %s', (text, want) => {
    expect(goJsonSyntaxError(text)).toBe(want);
  });
});

describe('Go formatting of unstructured values', () => {
  it('renders %v with sorted map keys', () => {
    expect(goV({ value: 'b', name: 1, list: ['x', 2.5, true, null] })).toBe('map[list:[x 2.5 true <nil>] name:1 value:b]');
  });
  it('renders %s of non-strings as Go does', () => {
    expect(goS('replace')).toBe('replace');
    expect(goS(1)).toBe('%!s(int64=1)');
    expect(goS(null)).toBe('%!s(<nil>)');
  });
  it('names reflect types, integers as int64', () => {
    expect([goTypeName({}), goTypeName([]), goTypeName('s'), goTypeName(1), goTypeName(1.5), goTypeName(true), goTypeName(null)]).toEqual([
      'map[string]interface {}',
      '[]interface {}',
      'string',
      'int64',
      'float64',
      'bool',
      '<nil>',
    ]);
  });
});
