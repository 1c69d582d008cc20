import { describe, expect, it } from 'vitest';
import { QuantityParseError } from '../../src/api/errors.js';
import {
  ERR_FORMAT_WRONG,
  ERR_NUMERIC,
  ERR_SUFFIX,
  Quantity,
  parseQuantity,
  parseQuantityJSON,
  type QuantityFormat,
} from '../../src/api/quantity.js';


describe('canonical forms (Kubernetes TestQuantityParseEmit and the brief)', () => {
  it.each([
    ['100m', '100m'],
    ['1Gi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['1000m', '1'],
    ['1500000', '1500k'],
    ['0.5Ki', '512'],
    ['1.1Ki', '1126400m'],
    ['1.2e3', '1200'],
    ['10.03k', '10030'],
    ['0.0005k', '500m'],
    ['1e3', '1e3'],
    ['1000e0', '1e3'],
    ['1000E3', '1e6'],
    ['0.5e0', '500e-3'],
  ])('%j → %j', (input, canonical) => {
    expect(parseQuantity(input).toString()).toBe(canonical);
    expect(parseQuantity(`-${input}`).toString()).toBe(`-${canonical}`);
    expect(parseQuantity(canonical).equals(parseQuantity(input))).toBe(true);
  });

  it('keeps DecimalExponent an exponent, as Kubernetes does ("1e3" stays "1e3", not "1k")', () => {
    expect(parseQuantity('1e3').format).toBe('DecimalExponent');
    expect(parseQuantity('1e3').equals(parseQuantity('1k'))).toBe(true);
    expect(parseQuantity('1k').toString()).toBe('1k');
  });
});

describe('Kubernetes TestQuantityString: canonical and alternate spellings', () => {
  it.each([
    ['1Gi', '1024Mi'],
    ['300Mi', '307200Ki'],
    ['6Ki', ''],
    ['1001Gi', '1025024Mi'],
    ['1Ti', '1024Gi'],
    ['5', '5000m'],
    ['500m', '0.5'],
    ['1G', '1000M'],
    ['1G', '0.001T'],
    ['1m', '1000u'],
    ['80m', ''],
    ['1080m', '1.08'],
    ['1080m', '1080000000n'],
    ['300M', ''],
    ['1T', ''],
    ['1E', ''],
    ['1e21', '1000E'],
    ['5e21', '5000E'],
    ['1e24', '1000000E'],
    ['1234567M', ''],
    ['1234567m', ''],
    ['3k', ''],
    ['1025', ''],
    ['0', '00'],
    ['1e9', '.001e12'],
    ['1e-3', '0.001e0'],
    ['1e-9', '1000e-12'],
    ['80e-3', ''],
    ['300e6', ''],
    ['1e12', ''],
    ['3e3', ''],
    ['1n', ''],
    ['80n', ''],
    ['1080n', ''],
    ['1u', ''],
    ['80u', ''],
    ['1080u', ''],
  ])('%j (alternate %j)', (canonical, alternate) => {
    expect(parseQuantity(canonical).toString()).toBe(canonical);
    if (alternate !== '') expect(parseQuantity(alternate).toString()).toBe(canonical);
    if (canonical !== '0') expect(parseQuantity(canonical).neg().toString()).toBe(`-${canonical}`);
  });
});

describe('parsing (Kubernetes TestQuantityParse)', () => {
  it.each<[string, bigint, QuantityFormat]>([
    ['0', 0n, 'DecimalSI'],
    ['0n', 0n, 'DecimalSI'],
    ['0Ki', 0n, 'BinarySI'],
    ['0M', 0n, 'DecimalSI'],
    ['1', 1_000_000_000n, 'DecimalSI'],
    ['8Ki', 8n * 1024n * 1_000_000_000n, 'BinarySI'],
    ['3Ei', 3n * 2n ** 60n * 1_000_000_000n, 'BinarySI'],
    ['5n', 5n, 'DecimalSI'],
    ['4u', 4000n, 'DecimalSI'],
    ['50k', 50_000n * 1_000_000_000n, 'DecimalSI'],
    ['1E', 10n ** 27n, 'DecimalSI'],
    ['1E-3', 1_000_000n, 'DecimalExponent'],
    ['1e13', 10n ** 22n, 'DecimalExponent'],
    ['100.035k', 100_035n * 1_000_000_000n, 'DecimalSI'],
    ['1.3E+6', 1_300_000n * 1_000_000_000n, 'DecimalExponent'],
    ['0.5e-2', 5_000_000n, 'DecimalExponent'],
    ['3.001n', 4n, 'DecimalSI'],
    ['1.1E-9', 2n, 'DecimalExponent'],
    ['0.0000000001', 1n, 'DecimalSI'],
    ['0.00000000050', 1n, 'DecimalSI'],
    ['0.9n', 1n, 'DecimalSI'],
    ['0.00000012345', 124n, 'DecimalSI'],
    ['0.00000012354', 124n, 'DecimalSI'],
    ['9Ei', (2n ** 63n - 1n) * 1_000_000_000n, 'BinarySI'],
    ['9223372036854775807Ki', (2n ** 63n - 1n) * 1_000_000_000n, 'BinarySI'],
    ['12E', 12n * 10n ** 27n, 'DecimalSI'],
    ['100.035Ki', 10_243_584n * 10_000_000n, 'BinarySI'],
    ['0.5Mi', 524_288n * 1_000_000_000n, 'BinarySI'],
    ['0.000000000001Ki', 2n, 'DecimalSI'],
    ['.001', 1_000_000n, 'DecimalSI'],
    ['.0001k', 100_000_000n, 'DecimalSI'],
    ['1.', 1_000_000_000n, 'DecimalSI'],
    ['1.G', 10n ** 18n, 'DecimalSI'],
    ['-', 0n, 'DecimalSI'],
  ])('%j', (input, nano, format) => {
    const q = parseQuantity(input);
    expect(q.scaledValue(-9)).toBe(nano);
    expect(q.format).toBe(format);
    if (nano !== 0n) {
      expect(parseQuantity(`-${input}`).scaledValue(-9)).toBe(-nano);
      expect(parseQuantity(`+${input}`).scaledValue(-9)).toBe(nano);
    }
  });

  it('keeps an already-canonical input verbatim, as the API server echoes it', () => {
    expect(parseQuantity('+1').toString()).toBe('+1');
    expect(parseQuantity('01').toString()).toBe('01');
    expect(parseQuantity('1E3').toString()).toBe('1E3');
    expect(parseQuantity('-1Ki').toString()).toBe('-1Ki');
    // even with a fraction, when the scaled digits land on a multiple of three (Kubernetes' fast path)
    expect(parseQuantity('10.035M').toString()).toBe('10.035M');
    expect(parseQuantity('10.035M').equals(parseQuantity('10035k'))).toBe(true);
    // but a sum is always canonical
    expect(parseQuantity('+1').add(Quantity.zero()).toString()).toBe('1');
  });

  it.each([
    ['', ERR_FORMAT_WRONG],
    ['1.1.M', ERR_FORMAT_WRONG],
    ['1+1.0M', ERR_FORMAT_WRONG],
    ['0.1mi', ERR_SUFFIX],
    ['0.1am', ERR_FORMAT_WRONG],
    ['aoeu', ERR_FORMAT_WRONG],
    ['.5i', ERR_SUFFIX],
    ['1i', ERR_SUFFIX],
    ['-3.01i', ERR_SUFFIX],
    ['-3.01e-', ERR_SUFFIX],
    ['1e', ERR_SUFFIX],
    [' 1', ERR_FORMAT_WRONG],
    ['1 ', ERR_FORMAT_WRONG],
    ['.e-12', ERR_NUMERIC],
    ['1e1001', ERR_SUFFIX],
  ])('rejects %j', (input, message) => {
    expect(() => parseQuantity(input)).toThrow(new QuantityParseError(message));
  });

  it('uses Kubernetes error texts', () => {
    expect(ERR_FORMAT_WRONG).toBe("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(ERR_NUMERIC).toBe('unable to parse numeric part of quantity');
    expect(ERR_SUFFIX).toBe("unable to parse quantity's suffix");
  });
});

describe('constructors (Kubernetes TestNewSet, TestMilliNewSet)', () => {
  it.each<[number, QuantityFormat, string]>([
    [1, 'DecimalSI', '1'],
    [1000, 'DecimalSI', '1k'],
    [1234000, 'DecimalSI', '1234k'],
    [1024, 'BinarySI', '1Ki'],
    [1000000, 'DecimalExponent', '1e6'],
    [1024 * 1024, 'BinarySI', '1Mi'],
  ])('fromValue(%d, %s) = %j', (v, format, s) => {
    const q = Quantity.fromValue(v, format);
    expect(q.toString()).toBe(s);
    expect(parseQuantity(s).value()).toBe(BigInt(v));
  });

  it.each<[number, QuantityFormat, string]>([
    [1, 'DecimalSI', '1m'],
    [1000, 'DecimalSI', '1'],
    [1234000, 'DecimalSI', '1234'],
    [1024, 'BinarySI', '1024m'],
    [1000000, 'DecimalExponent', '1e3'],
    [1024 * 1024, 'BinarySI', '1048576m'],
  ])('fromMilliValue(%d, %s) = %j', (v, format, s) => {
    expect(Quantity.fromMilliValue(v, format).toString()).toBe(s);
  });

  it('fromScaledValue', () => {
    expect(Quantity.fromScaledValue(1, -9).toString()).toBe('1n');
    expect(Quantity.fromScaledValue(1000, -9).toString()).toBe('1u');
    expect(Quantity.fromScaledValue(1, 3).toString()).toBe('1k');
    expect(Quantity.fromScaledValue(1, -12).toString()).toBe('1e-12');
  });

  it('refuses inexact numbers', () => {
    expect(() => Quantity.fromValue(1.5)).toThrow(RangeError);
    expect(() => Quantity.fromValue(2 ** 60)).toThrow(RangeError);
    expect(Quantity.fromValue(2n ** 60n, 'BinarySI').toString()).toBe('1Ei');
  });
});

describe('comparison and arithmetic', () => {
  it('compares across formats and scales (Kubernetes TestQuantityCmp)', () => {
    expect(parseQuantity('0').cmp(parseQuantity('0'))).toBe(0);
    expect(parseQuantity('100m').cmp(parseQuantity('50m'))).toBe(1);
    expect(parseQuantity('50m').cmp(parseQuantity('100m'))).toBe(-1);
    expect(parseQuantity('10000T').cmp(parseQuantity('100Gi'))).toBe(1);
    expect(parseQuantity('1Ki').cmp(parseQuantity('1024'))).toBe(0);
    expect(parseQuantity('-1').cmp(parseQuantity('-2'))).toBe(1);
    expect(parseQuantity('-1e3').cmp(parseQuantity('-2'))).toBe(-1);
    expect(parseQuantity('1e1000').cmp(parseQuantity('1e-9'))).toBe(1);
    expect(parseQuantity('-1e1000').cmp(parseQuantity('1n'))).toBe(-1);
    expect(parseQuantity('999m').cmp(parseQuantity('1'))).toBe(-1);
  });

  it('adds CPU exactly in millicores', () => {
    const total = ['100m', '250m', '1', '0.5', '1n'].map(parseQuantity).reduce((a, b) => a.add(b), Quantity.zero());
    expect(total.toString()).toBe('1850000001n');
    expect(total.milliValue()).toBe(1851n); // rounds up, as MilliValue does
    const cpu = ['100m', '250m', '1'].map(parseQuantity).reduce((a, b) => a.add(b));
    expect(cpu.toString()).toBe('1350m');
    expect(cpu.milliValue()).toBe(1350n);
    expect(cpu.value()).toBe(2n);
  });

  it('adds memory exactly in bytes, beyond 2^63', () => {
    expect(parseQuantity('1Gi').add(parseQuantity('512Mi')).toString()).toBe('1536Mi');
    expect(parseQuantity('4Ei').add(parseQuantity('4Ei')).toString()).toBe('8Ei');
    expect(parseQuantity('4Ei').add(parseQuantity('4Ei')).value()).toBe(2n ** 63n);
    expect(parseQuantity('1Gi').sub(parseQuantity('1')).value()).toBe(2n ** 30n - 1n);
    expect(parseQuantity('1Gi').sub(parseQuantity('1')).toString()).toBe('1073741823');
  });

  it('takes the other operand’s format when the receiver is zero (Kubernetes TestQuantityAddZeroPreservesSuffix)', () => {
    for (const s of ['100m', '1Gi']) {
      const v = parseQuantity(s);
      expect(v.add(parseQuantity('0')).toString()).toBe(s);
      expect(parseQuantity('0').add(v).toString()).toBe(s);
      expect(v.sub(parseQuantity('0')).toString()).toBe(s);
      expect(parseQuantity('0').sub(v).toString()).toBe(v.neg().toString());
    }
  });

  it('rounds values away from zero', () => {
    expect(parseQuantity('1.5').value()).toBe(2n);
    expect(parseQuantity('-1.5').value()).toBe(-2n);
    expect(parseQuantity('1n').milliValue()).toBe(1n);
    expect(parseQuantity('-1n').milliValue()).toBe(-1n);
    expect(parseQuantity('2').milliValue()).toBe(2000n);
    expect(parseQuantity('9.01').scaledValue(-1)).toBe(91n);
    expect(parseQuantity('9.01').scaledValue(2)).toBe(1n);
    expect(parseQuantity('-9.01').scaledValue(-1)).toBe(-91n);
  });

  it('negates (Kubernetes TestQuantityNeg) and reports sign', () => {
    expect(parseQuantity('9.01').neg().toString()).toBe('-9010m');
    expect(parseQuantity('9.01').neg().sign()).toBe(-1);
    expect(parseQuantity('0').sign()).toBe(0);
    expect(parseQuantity('0').isZero()).toBe(true);
    expect(parseQuantity('1n').isZero()).toBe(false);
  });

  it('approximates as a float for display', () => {
    expect(parseQuantity('1.5Gi').asApproximateFloat64()).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('250m').asApproximateFloat64()).toBeCloseTo(0.25, 12);
  });
});

describe('JSON', () => {
  it('serializes as the string form', () => {
    expect(JSON.stringify({ cpu: parseQuantity('1.5'), memory: parseQuantity('1024Mi') })).toBe('{"cpu":"1500m","memory":"1Gi"}');
  });

  it.each<[unknown, string]>([
    [' 1', '1'],
    ['1 ', '1'],
    [1, '1'],
    [10, '10'],
    [-1, '-1'],
    [0.25, '250m'],
    [1e21, '1e+21'],
    [null, '0'],
  ])('decodes %j as Kubernetes UnmarshalJSON does (→ %j)', (json, s) => {
    expect(parseQuantityJSON(json).toString()).toBe(s);
  });

  it('rejects non-quantities', () => {
    expect(() => parseQuantityJSON(true)).toThrow(QuantityParseError);
    expect(() => parseQuantityJSON(Number.NaN)).toThrow(QuantityParseError);
  });
});
