import { describe, expect, it } from 'vitest';
import { formatLabels, layoutContainerCells, timestampMillis, translateTimestampSince } from '../../../src/apiserver/tables/table-convertor.js';
import { DAY, NOW, ago, microAgo } from './fixtures.js';

describe('cell helpers', () => {
  it('translates timestamps into ages, and the zero time into <unknown>', () => {
    expect(translateTimestampSince(ago(3 * DAY), NOW)).toBe('3d');
    expect(translateTimestampSince(microAgo(90_500), NOW)).toBe('90s');
    expect(translateTimestampSince(undefined, NOW)).toBe('<unknown>');
    expect(translateTimestampSince(null, NOW)).toBe('<unknown>');
    expect(translateTimestampSince('', NOW)).toBe('<unknown>');
    expect(translateTimestampSince('yesterday', NOW)).toBe('<unknown>');
    expect(translateTimestampSince(ago(-60_000), NOW)).toBe('<invalid>');
    expect(timestampMillis('2024-05-01T12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12));
  });

  it('formats label maps as labels.FormatLabels does', () => {
    expect(formatLabels(undefined)).toBe('<none>');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels({ tier: 'db', app: 'pg', 'a.io/x': '' })).toBe('a.io/x=,app=pg,tier=db');
  });

  it('lays out container names and images', () => {
    expect(layoutContainerCells(undefined)).toEqual(['', '']);
    expect(layoutContainerCells([{ name: 'a', image: 'i1' }, { name: 'b' }])).toEqual(['a,b', 'i1,']);
  });
});
