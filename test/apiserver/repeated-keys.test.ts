/** Keys a JSON or YAML body writes twice in one object, found in the text as kube's strict decoders find them. */
import { describe, expect, it } from 'vitest';
import { decodeYaml, repeatedJsonKeys } from '../../src/apiserver/repeated-keys.js';

describe('repeatedJsonKeys', () => {
  it('finds keys repeated in one object, with their paths through objects and arrays, in document order, each once', () => {
    const text = '{"spec": {"paused": true, "paused": false, "paused": true, "template": {"spec": {"containers": [{"name": "a"}, {"name": "b", "image": "x", "image": "y"}]}}}, "spec2": [[{"k": 1, "k": 2}]]}';
    expect(repeatedJsonKeys(text, 100)).toEqual([{ path: 'spec.paused' }, { path: 'spec.template.spec.containers[1].image' }, { path: 'spec2[0][0].k' }]);
    expect(repeatedJsonKeys('[{"op": 1, "op": 2}, {}, {"path": 1, "path": 2}]', 100)).toEqual([{ path: '[0].op' }, { path: '[2].path' }]);
  });

  it('reads keys and values with escapes and braces inside strings, and does not confuse values with keys', () => {
    const text = String.raw`{"a\"b": "x}", "a\"b": "{\"a\":1,\"a\":2}", "list": ["a", "a"], "c": {"d": "\\", "d": 1}, "e\u0041": 1, "eA": 2}`;
    expect(repeatedJsonKeys(text, 100).map((r) => r.path)).toEqual(['a"b', 'c.d', 'eA']);
    expect(repeatedJsonKeys('{"a": 1, "b": {"a": 1}, "c": {}, "d": []}', 100)).toEqual([]);
  });

  it('stops at the limit', () => {
    const text = `{${Array.from({ length: 500 }, (_, i) => `"k${i}": {"x": 1, "x": 2}`).join(', ')}}`;
    expect(repeatedJsonKeys(text, 100)).toHaveLength(100);
  });
});

describe('decodeYaml', () => {
  it('keeps the last value of a repeated key and reports the repeat with its line, as kube\'s YAML decoding', () => {
    const { value, repeated } = decodeYaml<Record<string, unknown>>('kind: ConfigMap\ndata:\n  a: "1"\n  a: "2"\n"kind": Secret\n\'it\'\'s\': 1\n\'it\'\'s\': 2\n', 100);
    expect(value).toEqual({ kind: 'Secret', data: { a: '2' }, "it's": 2 });
    expect(repeated).toEqual([{ path: 'a', line: 4 }, { path: 'kind', line: 5 }, { path: "it's", line: 7 }]);
  });

  it('throws any other YAML error', () => {
    expect(() => decodeYaml('metadata: [unclosed\n', 100)).toThrow();
  });
});
