/** The Warning headers of a response, as kube-apiserver's warning recorder writes them. */
import { describe, expect, it } from 'vitest';
import { WarningRecorder, warningHeader } from '../../src/apiserver/warnings.js';

describe('warnings', () => {
  it('quote the text with " and \\ escaped, in UTF-8 handed to Node as Latin-1, and drop texts with control characters (tab, DEL and C1 too)', () => {
    expect(warningHeader('unknown field "spec.bogus"')).toBe('299 - "unknown field \\"spec.bogus\\""');
    expect(Buffer.from(warningHeader('unknown field "spec.名前"')!, 'latin1').toString('utf8')).toBe('299 - "unknown field \\"spec.名前\\""');
    for (const control of ['a\tb', 'a\nb', 'a\u007fb', 'a\u0085b']) expect(warningHeader(control)).toBeUndefined();
  });

  it('are recorded once each, in order; past 4,096 characters each is cut to 256, and the rest dropped once those are spent', () => {
    const r = new WarningRecorder();
    r.add('one');
    r.add('two');
    r.add('one');
    r.add('');
    expect(r.headers()).toEqual(['299 - "one"', '299 - "two"']);
    const big = new WarningRecorder();
    for (let i = 0; i < 40; i++) big.add(`${i}:${'x'.repeat(1000)}`);
    const headers = big.headers();
    expect(headers.length).toBe(Math.ceil(4096 / 256));
    for (const h of headers) expect(h.length).toBe('299 - ""'.length + 256);
  });
});
