import { describe, expect, it } from 'vitest';
import { humanDuration, shortHumanDuration } from '../../../src/apiserver/tables/duration.js';
import { DAY, HOUR, MINUTE, SECOND } from './fixtures.js';

const MS = 1;
const YEAR = 365 * DAY;

// Cases from apimachinery's pkg/util/duration/duration_test.go (a nanosecond there is a millisecond here).
describe('humanDuration', () => {
  it.each([
    [SECOND, '1s'],
    [70 * SECOND, '70s'],
    [190 * SECOND, '3m10s'],
    [70 * MINUTE, '70m'],
    [47 * HOUR, '47h'],
    [49 * HOUR, '2d1h'],
    [(8 * 24 + 2) * HOUR, '8d'],
    [367 * DAY, '367d'],
    [(365 * 2 * 24 + 25) * HOUR, '2y1d'],
    [(365 * 8 * 24 + 2) * HOUR, '8y'],
  ])('%d ms is %s', (d, want) => {
    expect(humanDuration(d)).toBe(want);
  });

  it.each([
    [-2 * SECOND, '<invalid>'],
    [-2 * SECOND + MS, '0s'],
    [0, '0s'],
    [SECOND - MS, '0s'],
    [2 * MINUTE - MS, '119s'],
    [2 * MINUTE, '2m'],
    [2 * MINUTE + SECOND, '2m1s'],
    [10 * MINUTE - MS, '9m59s'],
    [10 * MINUTE, '10m'],
    [10 * MINUTE + SECOND, '10m'],
    [3 * HOUR - MS, '179m'],
    [3 * HOUR, '3h'],
    [3 * HOUR + MINUTE, '3h1m'],
    [8 * HOUR - MS, '7h59m'],
    [8 * HOUR, '8h'],
    [8 * HOUR + 59 * MINUTE, '8h'],
    [2 * DAY - MS, '47h'],
    [2 * DAY, '2d'],
    [2 * DAY + HOUR, '2d1h'],
    [8 * DAY - MS, '7d23h'],
    [8 * DAY, '8d'],
    [8 * DAY + 23 * HOUR, '8d'],
    [2 * YEAR - MS, '729d'],
    [2 * YEAR, '2y'],
    [2 * YEAR + 23 * HOUR, '2y'],
    [2 * YEAR + 23 * HOUR + 59 * MINUTE, '2y'],
    [2 * YEAR + DAY - MS, '2y'],
    [2 * YEAR + DAY, '2y1d'],
    [3 * YEAR, '3y'],
    [7 * YEAR, '7y'],
    [8 * YEAR - MS, '7y364d'],
    [8 * YEAR, '8y'],
    [8 * YEAR + 364 * DAY, '8y'],
    [9 * YEAR, '9y'],
  ])('boundary %d ms is %s', (d, want) => {
    expect(humanDuration(d)).toBe(want);
  });
});

describe('shortHumanDuration', () => {
  it.each([
    [-2 * SECOND, '<invalid>'],
    [-2 * SECOND + MS, '0s'],
    [0, '0s'],
    [SECOND - MS, '0s'],
    [SECOND, '1s'],
    [2 * SECOND - MS, '1s'],
    [MINUTE - MS, '59s'],
    [MINUTE, '1m'],
    [2 * MINUTE - MS, '1m'],
    [HOUR - MS, '59m'],
    [HOUR, '1h'],
    [2 * HOUR - MS, '1h'],
    [DAY - MS, '23h'],
    [DAY, '1d'],
    [2 * DAY - MS, '1d'],
    [YEAR - MS, '364d'],
    [YEAR, '1y'],
    [2 * YEAR - MS, '1y'],
    [2 * YEAR, '2y'],
  ])('boundary %d ms is %s', (d, want) => {
    expect(shortHumanDuration(d)).toBe(want);
  });
});
