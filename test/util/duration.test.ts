/** parseDurationMs reads Go-style durations, as time.ParseDuration does for the forms capstan's flags use. */
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/util/duration.js';

describe('parseDurationMs', () => {
  it('reads number-unit terms, and a bare 0 as Go does; no other number goes without a unit', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('1.5h')).toBe(5_400_000);
    expect(parseDurationMs('0')).toBe(0);
    expect(parseDurationMs('0s')).toBe(0);
    for (const bad of ['', '5', '00', '-1s', '1d', 's', '1 s']) expect(parseDurationMs(bad)).toBeUndefined();
  });
});
