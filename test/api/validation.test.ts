import { describe, expect, it } from 'vitest';
import {
  byteLength,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPathSegmentPrefix,
  isValidPortNum,
  regexError,
} from '../../src/api/validation.js';

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const nameRegexMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('regexError', () => {
  it('formats like validation.RegexError, double space before "or" included', () => {
    expect(regexError('msg', 'fmt')).toBe("msg (regex used for validation is 'fmt')");
    expect(regexError('msg', 'fmt', 'a')).toBe("msg (e.g. 'a', regex used for validation is 'fmt')");
    expect(regexError('msg', 'fmt', 'a', 'b')).toBe("msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')");
  });
});

describe('isDNS1123Subdomain', () => {
  it.each(['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a.a', 'ab.a', 'a1.a', 'a-1.a', '0.a', '1-a.a', 'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', 'a'.repeat(253)])(
    'accepts %j',
    (v) => expect(isDNS1123Subdomain(v)).toEqual([]),
  );

  it.each(['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a..b', '1.', '.1', '1..2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'A.a', 'aB.a', 'ab.A', 'A1.a', 'a1.A', 'A.1', 'aB.1', 'A1.1', '1A.1', '0.A', '01.A', '012.A', '1A.a', '1a.A', 'A.B.C.D.E', 'AA.BB.CC.DD.EE', 'a.B.c.d.e', 'aa.bB.cc.dd.ee', 'a@b', 'a,b', 'a_b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b'])(
    'rejects %j',
    (v) => expect(isDNS1123Subdomain(v)).toEqual([subdomainMsg]),
  );

  it('limits length to 253', () => {
    expect(isDNS1123Subdomain('a'.repeat(254))).toEqual(['must be no more than 253 characters']);
  });
});

describe('isDNS1123Label', () => {
  it.each(['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)])('accepts %j', (v) =>
    expect(isDNS1123Label(v)).toEqual([]),
  );

  it.each(['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', 'a b', 'a@b', 'a,b'])('rejects %j', (v) =>
    expect(isDNS1123Label(v)).toEqual([labelMsg]),
  );

  it('tells a dotted name it must not contain dots', () => {
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
  });

  it('limits length to 63', () => {
    expect(isDNS1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });
});

describe('isDNS1035Label', () => {
  it.each(['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', 'a'.repeat(63)])('accepts %j', (v) => expect(isDNS1035Label(v)).toEqual([]));
  it.each(['0', '01', '1a', '1-a', '', 'A', 'a-', '-a', 'a.b', 'a_b'])('rejects %j', (v) => expect(isDNS1035Label(v)).toEqual([dns1035Msg]));
});

describe('isQualifiedName (label keys)', () => {
  it.each([
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    '1234',
    'simple/simple',
    'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes',
    'now.with.dots/simple',
    'now-with.dashes-and.dots/simple',
    '1-num.2-num/3-num',
    '1234/5678',
    '1.2.3.4/5678',
    'Uppercase_Is_OK_123',
    'example.com/Uppercase_Is_OK_123',
    'requests.storage-foo',
    'a'.repeat(63),
    `${'a'.repeat(253)}/${'b'.repeat(63)}`,
  ])('accepts %j', (v) => expect(isQualifiedName(v)).toEqual([]));

  it.each(['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc', 'example.com/', '/simple', 'a'.repeat(64), `${'a'.repeat(254)}/abc`])(
    'rejects %j',
    (v) => expect(isQualifiedName(v).length).toBeGreaterThan(0),
  );

  it('explains each part', () => {
    expect(isQualifiedName('-a')).toEqual([`name part ${nameRegexMsg}`]);
    expect(isQualifiedName('a/b/c')).toEqual([`a valid label key ${nameRegexMsg} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`]);
    expect(isQualifiedName('/a')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('a/')).toEqual(['name part must be non-empty', `name part ${nameRegexMsg}`]);
    expect(isQualifiedName('A.com/a')).toEqual([`prefix part ${subdomainMsg}`]);
    expect(isQualifiedName('a'.repeat(64))).toEqual(['name part must be no more than 63 characters']);
  });
});

describe('isValidLabelValue', () => {
  it.each(['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), '', 'Uppercase_Is_OK_123'])('accepts %j', (v) =>
    expect(isValidLabelValue(v)).toEqual([]),
  );

  it('rejects with Kubernetes messages', () => {
    const msg =
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    expect(isValidLabelValue('nospecialchars%^=@')).toEqual([msg]);
    expect(isValidLabelValue('Tama-nui-te-rā.is.Māori.sun')).toEqual([msg]);
    expect(isValidLabelValue('\\backslashes\\are\\bad')).toEqual([msg]);
    expect(isValidLabelValue('-starts-with-dash')).toEqual([msg]);
    expect(isValidLabelValue('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });
});

describe('other formats', () => {
  it('config map keys', () => {
    expect(isConfigMapKey('key.name')).toEqual([]);
    expect(isConfigMapKey('KEY_NAME-1')).toEqual([]);
    expect(isConfigMapKey('..')).toEqual(["must not be '..'"]);
    expect(isConfigMapKey('..a')).toEqual(["must not start with '..'"]);
    expect(isConfigMapKey('a b')).toEqual([
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
  });

  it('port numbers', () => {
    expect(isValidPortNum(1)).toEqual([]);
    expect(isValidPortNum(65535)).toEqual([]);
    expect(isValidPortNum(0)).toEqual(['must be between 1 and 65535, inclusive']);
    expect(isValidPortNum(65536)).toEqual(['must be between 1 and 65535, inclusive']);
  });

  it('path segments', () => {
    expect(isValidPathSegmentName('..')).toEqual(["may not be '..'"]);
    expect(isValidPathSegmentName('.')).toEqual(["may not be '.'"]);
    expect(isValidPathSegmentName('a/b%c')).toEqual(["may not contain '/'", "may not contain '%'"]);
    expect(isValidPathSegmentPrefix('..')).toEqual([]);
  });

  it('counts lengths in UTF-8 bytes, as Go does', () => {
    expect(byteLength('abc')).toBe(3);
    expect(byteLength('ā')).toBe(2);
    expect(byteLength('€')).toBe(3);
    expect(byteLength('😀')).toBe(4);
  });
});
