import { describe, expect, it } from 'vitest';
import { InvalidTimeError } from '../../src/api/errors.js';
import { checkTimestamp, formatMicroTime, formatTime, parseMicroTime, parseTime, parseTimestamp } from '../../src/api/time.js';

const t0 = Date.UTC(2024, 4, 1, 12, 0, 0); // 2024-05-01T12:00:00Z

describe('metav1.Time', () => {
  it('formats RFC 3339 in UTC, truncated to the second', () => {
    expect(formatTime(t0)).toBe('2024-05-01T12:00:00Z');
    expect(formatTime(t0 + 999)).toBe('2024-05-01T12:00:00Z');
    expect(formatTime(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatTime(-1)).toBe('1969-12-31T23:59:59Z');
    expect(formatTime(parseTime('0005-01-02T03:04:05Z'))).toBe('0005-01-02T03:04:05Z'); // years below 100 stay literal
  });

  it('parses RFC 3339 with offsets and fractions', () => {
    expect(parseTime('2024-05-01T12:00:00Z')).toBe(t0);
    expect(parseTime('2024-05-01T14:00:00+02:00')).toBe(t0);
    expect(parseTime('2024-05-01T11:30:00-00:30')).toBe(t0);
    expect(parseTime('2024-05-01T12:00:00.5Z')).toBe(t0 + 500);
    expect(formatTime(parseTime('2024-02-29T23:59:59Z'))).toBe('2024-02-29T23:59:59Z');
  });

  it.each([
    '2024-05-01 12:00:00Z',
    '2024-05-01T12:00:00',
    '2024-13-01T12:00:00Z',
    '2023-02-29T12:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:00:60Z',
    '2024-05-01T12:00:00.Z',
    '2024-05-01t12:00:00z',
    '',
  ])('rejects %j', (s) => {
    expect(() => parseTimestamp(s)).toThrow(InvalidTimeError);
  });

  it('names the input in the error', () => {
    expect(() => parseTime('yesterday')).toThrow('parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": not an RFC 3339 timestamp');
  });
});

describe('metav1.MicroTime', () => {
  it('formats exactly six fractional digits', () => {
    expect(formatMicroTime(t0)).toBe('2024-05-01T12:00:00.000000Z');
    expect(formatMicroTime(t0 + 123)).toBe('2024-05-01T12:00:00.123000Z');
    expect(formatMicroTime(t0 + 123.456)).toBe('2024-05-01T12:00:00.123456Z');
    expect(formatMicroTime(t0 - 0.001)).toBe('2024-05-01T11:59:59.999999Z');
  });

  it('round-trips microseconds', () => {
    for (const s of ['2024-05-01T12:00:00.123456Z', '1999-12-31T23:59:59.999999Z', '2024-05-01T12:00:00.000001Z']) {
      expect(formatMicroTime(parseMicroTime(s))).toBe(s);
    }
    expect(parseMicroTime('2024-05-01T12:00:00.123456789Z')).toBe(t0 + 123.456);
    expect(formatMicroTime(parseMicroTime('2024-05-01T14:00:00.5+02:00'))).toBe('2024-05-01T12:00:00.500000Z');
  });
});

describe('checkTimestamp', () => {
  it('accepts exactly what parseTimestamp parses, and refuses the rest with the same error', () => {
    for (const s of ['2026-01-01T00:00:00Z', '2026-02-28T23:59:59.123456+05:30', '2024-02-29T00:00:00-01:00']) {
      expect(() => checkTimestamp(s)).not.toThrow();
      expect(Number.isFinite(parseTimestamp(s))).toBe(true);
    }
    for (const s of ['yesterday', '2026-02-29T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+24:00', '2026-01-01 00:00:00Z']) {
      expect(() => checkTimestamp(s)).toThrow(InvalidTimeError);
      expect(() => checkTimestamp(s)).toThrow(`parsing time "${s}" as "2006-01-02T15:04:05Z07:00"`);
      expect(() => parseTimestamp(s)).toThrow(InvalidTimeError);
    }
  });
});
