/**
 * Go's formatting verbs, as far as Kubernetes' messages need them: `%q` for strings and `%v`/`%#v` for the
 * values that field errors print. Messages are compared byte for byte by clients and tests, so the quoting
 * follows strconv.Quote rather than JSON.stringify.
 */

const printable = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

/**
 * goQuote renders s as Go's `%q` (strconv.Quote) does: double-quoted, with `\a \b \f \n \r \t \v`, `\\` and
 * `\"` escaped, other ASCII control bytes as `\xNN`, and non-printable non-ASCII runes as `\uNNNN`/`\UNNNNNNNN`.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (c < 0x20 || c === 0x7f) {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
    } else if (c < 0x80 || printable.test(ch)) {
      out += ch;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '\\ufffd'; // a lone surrogate is invalid UTF-8 once encoded; Go prints the replacement rune
    } else if (c <= 0xffff) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\U${c.toString(16).padStart(8, '0')}`;
    }
  }
  return out + '"';
}

/** OMIT_VALUE marks a field error whose bad value must not be printed (Go's field.omitValue). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

/**
 * GoRendered is a bad value already written as Go prints it, for values of a Go type goValue cannot infer (`%#v`
 * of a struct: `rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"r"}`).
 */
export class GoRendered {
  constructor(readonly text: string) {}
}

/**
 * goValue renders a field error's bad value the way field.Error.ErrorBody does: strings as `%q`, numbers and
 * booleans as `%v`, nil as `null`, string slices as `%#v` (`[]string{"a", "b"}`; an empty slice prints as the
 * nil slice `[]string(nil)`, which is what LabelSelectorAsSelector passes), and string-to-string maps (labels,
 * selectors) as `%#v` of map[string]string, keys sorted (`map[string]string{"a":"1", "b":"2"}`). Other values
 * have no Go type here; they print as JSON, which is the closest readable form.
 */
export function goValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof GoRendered) return value.text;
  switch (typeof value) {
    case 'string':
      return goQuote(value);
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    if (value.length === 0) return '[]string(nil)';
    return `[]string{${value.map((v: string) => goQuote(v)).join(', ')}}`;
  }
  if (typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
    const entries = Object.entries(value as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[string]string{${entries.map(([k, v]) => `${goQuote(k)}:${goQuote(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
}

const QUANTITY_SUFFIXES: Readonly<Record<string, readonly [base: 2 | 10, exponent: number]>> = {
  '': [10, 0],
  n: [10, -9],
  u: [10, -6],
  m: [10, -3],
  k: [10, 3],
  M: [10, 6],
  G: [10, 9],
  T: [10, 12],
  P: [10, 15],
  E: [10, 18],
  Ki: [2, 10],
  Mi: [2, 20],
  Gi: [2, 30],
  Ti: [2, 40],
  Pi: [2, 50],
  Ei: [2, 60],
};

/**
 * goQuantity renders a quantity as Go's %#v prints the resource.Quantity that ParseQuantity makes of text — what
 * kube's field errors show when they are given a Quantity (its String method wants a pointer): the int64Amount of
 * the fast path, with the text cached when it is canonical. A quantity off the fast path prints its inf.Dec pointer,
 * here a stand-in address (kube's differs from run to run).
 */
export function goQuantity(text: string): GoRendered {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:([eE][+-]?\d+)|([a-zA-Z]*))$/.exec(text);
  const suffix = m?.[4] === undefined ? QUANTITY_SUFFIXES[m?.[5] ?? ''] : ([10, Number(m[4].slice(1))] as const);
  const format = m?.[4] !== undefined ? 'DecimalExponent' : suffix?.[0] === 2 ? 'BinarySI' : 'DecimalSI';
  const fallback = new GoRendered(`resource.Quantity{i:resource.int64Amount{value:0, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(0xc000010000)}, s:"", Format:"${format}"}`);
  if (m === null || suffix === undefined) return fallback;
  const [, sign, num = '', denom = ''] = m;
  const [base, exponent] = suffix;
  let scale = 0;
  let mantissa = 1n;
  let precision: number;
  if (base === 10) {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  } else if (exponent >= 0 && denom.length === 0) {
    mantissa = 1n << BigInt(exponent);
    precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
  } else {
    precision = -1;
  }
  if (precision < 0) return fallback;
  scale -= denom.length;
  if (scale < -9) return fallback;
  const shifted = num + denom;
  const value = BigInt(shifted === '' ? '0' : shifted);
  let result = value * mantissa;
  if (result > 2n ** 63n - 1n) return fallback;
  if (sign === '-') result = -result;
  const canonical = base === 2 ? exponent % 10 === 0 && (value & 7n) !== 0n : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
  return new GoRendered(`resource.Quantity{i:resource.int64Amount{value:${result}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${JSON.stringify(canonical ? text : '')}, Format:"${format}"}`);
}
