/**
 * Resource quantities (apimachinery's api/resource.Quantity): `100m` CPU, `1Gi` memory, `1e3` anything.
 *
 * A Quantity is an exact decimal, mantissa × 10^exponent with a bigint mantissa, so CPU millicores and memory
 * bytes add, subtract and compare without rounding at any size. It remembers the format of the suffix it was
 * written with and prints itself in Kubernetes' canonical form for that format:
 *
 * - no precision lost, no fractional digits, the largest suffix (or exponent) that allows both:
 *   `1.5` → `1500m`, `1.5Gi` → `1536Mi`, `1000M` → `1G`, `0.5` → `500m`, `1024Mi` → `1Gi`;
 * - a BinarySI value below 1024 in magnitude, or not a whole number, prints as DecimalSI: `0.5Ki` → `512`;
 * - DecimalExponent keeps an exponent, a multiple of three: `1e3` stays `1e3`, `1.2e3` → `1200`,
 *   `80e-3` stays `80e-3`; DecimalSI values past `E` fall back to it: 10^21 → `1e21`.
 *
 * Like Kubernetes, parsing rounds non-zero values away from zero to a whole nano (`0.9n` → `1n`) and caps
 * BinarySI values at 2^63-1; and a string that is already canonical is kept verbatim and printed back as
 * written (`+1`, `1E3`, `01` print unchanged, as the API server echoes them). capstan differs in two
 * places: value()/milliValue() return exact bigints where Kubernetes overflows int64, and decimal exponents
 * beyond ±1000 are refused (ErrSuffix) so that exact arithmetic stays bounded.
 */
import { QuantityParseError } from './errors.js';

/** QuantityFormat is how a quantity prints: `12e6`, `12Mi` (12 × 2^20) or `12M` (12 × 10^6). */
export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

/** ERR_FORMAT_WRONG is Kubernetes' message for a string that is not shaped like a quantity. */
export const ERR_FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** ERR_NUMERIC is Kubernetes' message for a numeric part that does not parse. */
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
/** ERR_SUFFIX is Kubernetes' message for an unknown suffix. */
export const ERR_SUFFIX = "unable to parse quantity's suffix";

/** MAX_QUANTITY_EXPONENT bounds decimal exponents accepted by parse (capstan's limit; see the module comment). */
export const MAX_QUANTITY_EXPONENT = 1000;

const maxInt64 = 2n ** 63n - 1n;
const nanoExponent = -9;

const decimalSuffixes: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const decimalSuffixByExponent: ReadonlyMap<number, string> = new Map([...decimalSuffixes].map(([s, e]) => [e, s]));
const binarySuffixes: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const binarySuffixByPower = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

interface Scanned {
  positive: boolean;
  /** value is the numeric text as Kubernetes hands it to its slow path (sign, digits and point). */
  value: string;
  /** num is the integer part without leading zeros, '0' if empty. */
  num: string;
  /** denom is the fractional part. */
  denom: string;
  suffix: string;
}

/** scan splits a quantity into sign, integer part, fraction and suffix (parseQuantityString). */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  for (;;) {
    if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
    if (str[pos] !== '0') break;
    pos++;
  }
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, value: str, num: str.slice(pos), denom: '', suffix: '' };
  const num = i > pos ? str.slice(pos, i) : '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = i;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos]!)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityParseError(ERR_FORMAT_WRONG);
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

interface Interpreted {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

/** interpret maps a suffix to its base, exponent and format, or throws ErrSuffix. */
function interpret(suffix: string): Interpreted {
  const dec = decimalSuffixes.get(suffix);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = binarySuffixes.get(suffix);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1)) + 0; // + 0 turns "-0" into 0
    if (Math.abs(exponent) <= MAX_QUANTITY_EXPONENT) return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw new QuantityParseError(ERR_SUFFIX);
}

/**
 * Quantity is an exact, immutable resource amount. Build one with parseQuantity (or Quantity.parse) from its
 * string form, or with fromValue / fromMilliValue / fromScaledValue; arithmetic returns new quantities.
 */
export class Quantity {
  private constructor(
    private readonly mantissa: bigint,
    private readonly exponent: number,
    /** format is the suffix family the quantity prints with. */
    readonly format: QuantityFormat,
    private readonly verbatim?: string,
  ) {}

  /** parse parses a quantity string; see parseQuantity. */
  static parse(str: string): Quantity {
    if (str.length === 0) throw new QuantityParseError(ERR_FORMAT_WRONG);
    if (str === '0') return new Quantity(0n, 0, 'DecimalSI', str);

    const { positive, value, num, denom, suffix } = scan(str);
    const { base, exponent, format } = interpret(suffix);
    const digits = BigInt(num + denom);

    // Kubernetes parses most inputs on an int64 fast path and keeps the input string when it is already
    // canonical; everything else goes through an arbitrary-precision slow path. Both give the same value,
    // but only the fast path keeps the string, and only the slow path fails on a number without digits.
    let fastPath: boolean;
    let keepString: boolean;
    if (base === 10) {
      const scale = exponent - denom.length;
      fastPath = 18 - (num.length + denom.length) >= 0 && scale >= nanoExponent;
      const shifted = num + denom;
      keepString = fastPath && scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
    } else {
      const precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
      fastPath = exponent >= 0 && denom.length === 0 && precision >= 0 && digits << BigInt(exponent) <= maxInt64;
      keepString = fastPath && exponent % 10 === 0 && (digits & 7n) !== 0n;
    }
    if (!fastPath && !/[0-9]/.test(value)) throw new QuantityParseError(ERR_NUMERIC);

    let mantissa: bigint;
    let exp: number;
    if (base === 10) {
      mantissa = digits;
      exp = exponent - denom.length;
    } else {
      mantissa = digits << BigInt(exponent);
      exp = -denom.length;
    }
    // Round a non-zero value away from zero to a whole nano: asking for some resource gets some.
    if (exp < nanoExponent && mantissa !== 0n) {
      const d = pow10(nanoExponent - exp);
      mantissa = mantissa / d + (mantissa % d === 0n ? 0n : 1n);
      exp = nanoExponent;
    }
    let fmt = format;
    if (fmt === 'BinarySI') {
      if (exp >= 0 ? mantissa * pow10(exp) > maxInt64 : mantissa > maxInt64 * pow10(-exp)) {
        mantissa = maxInt64;
        exp = 0;
      }
      if (mantissa !== 0n && exp < 0 && mantissa < pow10(-exp)) fmt = 'DecimalSI'; // 0 < value < 1
    }
    return new Quantity(positive ? mantissa : -mantissa, exp, fmt, keepString ? str : undefined);
  }

  /** fromValue is value × 1 in format (resource.NewQuantity). */
  static fromValue(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigInt(value), 0, format);
  }

  /** fromMilliValue is value / 1000 in format (resource.NewMilliQuantity). */
  static fromMilliValue(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigInt(value), -3, format);
  }

  /** fromScaledValue is value × 10^scale in DecimalSI (resource.NewScaledQuantity). */
  static fromScaledValue(value: bigint | number, scale: number): Quantity {
    if (!Number.isSafeInteger(scale)) throw new RangeError(`Quantity.fromScaledValue: scale must be a safe integer, got ${scale}`);
    return new Quantity(toBigInt(value), scale, 'DecimalSI');
  }

  /** zero is 0 in format. */
  static zero(format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(0n, 0, format);
  }

  /** isZero reports whether the quantity is 0. */
  isZero(): boolean {
    return this.mantissa === 0n;
  }

  /** sign returns -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.mantissa < 0n ? -1 : this.mantissa > 0n ? 1 : 0;
  }

  /** cmp returns -1, 0 or 1 as this is less than, equal to or greater than y. */
  cmp(y: Quantity): -1 | 0 | 1 {
    const sx = this.sign();
    const sy = y.sign();
    if (sx !== sy) return sx < sy ? -1 : 1;
    if (sx === 0) return 0;
    // Same sign: compare orders of magnitude first, so that exponents far apart never materialize.
    const mx = abs(this.mantissa).toString().length + this.exponent;
    const my = abs(y.mantissa).toString().length + y.exponent;
    if (mx !== my) {
      const biggerMagnitude = mx > my;
      return biggerMagnitude === (sx > 0) ? 1 : -1;
    }
    const [a, b] = this.align(y);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** equals reports whether the two quantities have the same value, whatever their formats. */
  equals(y: Quantity): boolean {
    return this.cmp(y) === 0;
  }

  /** add returns this + y; a zero receiver takes y's format (Quantity.Add). */
  add(y: Quantity): Quantity {
    const [a, b, exp] = this.align(y);
    return new Quantity(a + b, exp, this.isZero() ? y.format : this.format);
  }

  /** sub returns this - y; a zero receiver takes y's format (Quantity.Sub). */
  sub(y: Quantity): Quantity {
    const [a, b, exp] = this.align(y);
    return new Quantity(a - b, exp, this.isZero() ? y.format : this.format);
  }

  /** neg returns -this. */
  neg(): Quantity {
    return new Quantity(-this.mantissa, this.exponent, this.format);
  }

  /** scaledValue returns this / 10^scale rounded away from zero to an integer (Quantity.ScaledValue). */
  scaledValue(scale: number): bigint {
    const e = this.exponent - scale;
    if (e >= 0) return this.mantissa * pow10(e);
    const d = pow10(-e);
    const q = this.mantissa / d;
    if (this.mantissa % d === 0n) return q;
    return this.mantissa > 0n ? q + 1n : q - 1n;
  }

  /** value returns the quantity rounded away from zero to an integer: bytes of memory, whole cores. */
  value(): bigint {
    return this.scaledValue(0);
  }

  /** milliValue returns the quantity × 1000 rounded away from zero: millicores of CPU. */
  milliValue(): bigint {
    return this.scaledValue(-3);
  }

  /** asApproximateFloat64 returns the nearest float, for display and ratios, never for accounting. */
  asApproximateFloat64(): number {
    return Number(this.mantissa) * 10 ** this.exponent;
  }

  /** toString prints the canonical form (or the input, when it was already canonical). */
  toString(): string {
    return this.verbatim ?? this.canonical();
  }

  /** toJSON serializes as the string form, as Kubernetes does. */
  toJSON(): string {
    return this.toString();
  }

  /** align returns both mantissas scaled to the smaller of the two exponents, and that exponent. */
  private align(y: Quantity): [bigint, bigint, number] {
    const e = Math.min(this.exponent, y.exponent);
    return [this.mantissa * pow10(this.exponent - e), y.mantissa * pow10(y.exponent - e), e];
  }

  private canonical(): string {
    if (this.mantissa === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const integral = this.exponent >= 0 || this.mantissa % pow10(-this.exponent) === 0n;
      const small = this.cmp(Quantity.fromValue(1024)) < 0 && this.cmp(Quantity.fromValue(-1024)) > 0;
      if (small || !integral) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let v = abs(this.scaledValue(0));
      let power = 0;
      while (power < binarySuffixByPower.length - 1 && v >= 1024n && v % 1024n === 0n) {
        v /= 1024n;
        power++;
      }
      return `${this.mantissa < 0n ? '-' : ''}${v}${binarySuffixByPower[power]}`;
    }
    // Move every factor of ten into the exponent, then back out until the exponent is a multiple of three.
    let m = abs(this.mantissa);
    let e = this.exponent;
    while (m % 10n === 0n) {
      m /= 10n;
      e++;
    }
    while (e % 3 !== 0) {
      m *= 10n;
      e--;
    }
    let suffix = format === 'DecimalSI' ? decimalSuffixByExponent.get(e) : undefined;
    if (suffix === undefined) suffix = e === 0 ? '' : `e${e}`;
    return `${this.mantissa < 0n ? '-' : ''}${m}${suffix}`;
  }
}

function toBigInt(value: bigint | number): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`Quantity: value must be a safe integer or a bigint, got ${value}`);
  return BigInt(value);
}

/**
 * parseQuantity parses the string form of a quantity (resource.ParseQuantity): an optionally signed decimal
 * number (`1`, `1.5`, `.5`, `1.`) and a suffix — none, `n u m k M G T P E`, `Ki Mi Gi Ti Pi Ei`, or an
 * exponent `e3`/`E-3`. No whitespace is allowed. Failures throw QuantityParseError with Kubernetes' message.
 */
export function parseQuantity(str: string): Quantity {
  return Quantity.parse(str);
}

/**
 * parseQuantityJSON decodes a quantity from JSON as Kubernetes' UnmarshalJSON does: a string (surrounding
 * blanks ignored) or a bare number; null is zero.
 */
export function parseQuantityJSON(value: unknown): Quantity {
  if (value === null) return Quantity.zero();
  if (typeof value === 'string') return Quantity.parse(value.trim());
  if (typeof value === 'number' && Number.isFinite(value)) return Quantity.parse(String(value));
  throw new QuantityParseError(ERR_FORMAT_WRONG);
}
