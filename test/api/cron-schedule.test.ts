/**
 * Cron schedules as robfig/cron v3's ParseStandard reads them (the parser behind a CronJob's spec.schedule): the
 * syntax and its error messages word for word, the day-of-month/day-of-week rule, descriptors, `@every`, time
 * zones with their daylight-saving jumps, and — checked against a minute-by-minute scan — that next() is the
 * first matching minute strictly after the instant it is given.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, parseCronSchedule, type CronSchedule } from '../../src/api/cron-schedule.js';

function schedule(spec: string): CronSchedule {
  const r = parseCronSchedule(spec);
  if (r.error !== undefined) throw new Error(`${spec}: ${r.error}`);
  return r.schedule;
}

/** next renders the next fire time after `after` (ISO) as ISO, or undefined. */
function next(spec: string, after: string, timeZone?: string): string | undefined {
  return schedule(spec).next(new Date(after), timeZone)?.toISOString();
}

/** nexts lists the first n fire times after `after`. */
function nexts(spec: string, after: string, n: number, timeZone?: string): string[] {
  const s = schedule(spec);
  const out: string[] = [];
  let t = new Date(after);
  for (let i = 0; i < n; i++) {
    t = s.next(t, timeZone)!;
    out.push(t.toISOString());
  }
  return out;
}

describe('cron schedule syntax', () => {
  it('reads minutes, hours, ranges, lists and steps', () => {
    expect(nexts('*/15 * * * *', '2026-01-01T00:07:30Z', 3)).toEqual(['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z']);
    expect(nexts('5,10-12 3 * * *', '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-01T03:05:00.000Z',
      '2026-01-01T03:10:00.000Z',
      '2026-01-01T03:11:00.000Z',
      '2026-01-01T03:12:00.000Z',
      '2026-01-02T03:05:00.000Z',
    ]);
    // `a/n` runs from a to the field's end; `a-b/n` within the range.
    expect(nexts('50/5 10-20/5 * * *', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-01T10:50:00.000Z', '2026-01-01T10:55:00.000Z', '2026-01-01T15:50:00.000Z']);
    // `?` is `*`; empty list pieces are skipped.
    expect(next('0 ? * * ?', '2026-01-01T00:30:00Z')).toBe('2026-01-01T01:00:00.000Z');
    expect(next('0,,30 * * * *', '2026-01-01T00:10:00Z')).toBe('2026-01-01T00:30:00.000Z');
  });

  it('reads month and weekday names in any case', () => {
    expect(next('0 9 * * MON-FRI', '2026-01-02T10:00:00Z')).toBe('2026-01-05T09:00:00.000Z'); // Fri after 9 → Mon
    expect(next('0 0 1 jul *', '2026-01-01T00:00:00Z')).toBe('2026-07-01T00:00:00.000Z');
    expect(next('0 0 * Feb-mar sUn', '2026-01-01T00:00:00Z')).toBe('2026-02-01T00:00:00.000Z');
  });

  it('fires strictly after the instant given, at whole minutes', () => {
    expect(next('* * * * *', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:01:00.000Z');
    expect(next('* * * * *', '2026-01-01T00:00:59.999Z')).toBe('2026-01-01T00:01:00.000Z');
    expect(next('30 12 * * *', '2026-01-01T12:30:00Z')).toBe('2026-01-02T12:30:00.000Z');
  });

  it('matches day of month OR day of week when both are restricted, AND when either is an unstepped * or ?', () => {
    // The 13th, or any Friday: Friday 2 January comes first.
    expect(nexts('0 0 13 * 5', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-13T00:00:00.000Z']);
    // Any day of the month that is a Friday.
    expect(next('0 0 * * 5', '2026-01-10T00:00:00Z')).toBe('2026-01-16T00:00:00.000Z');
    // `*/1` is still a star; `*/2` is not, so it ORs with Monday.
    expect(next('0 0 */1 * 1', '2026-01-01T00:00:00Z')).toBe('2026-01-05T00:00:00.000Z');
    expect(nexts('0 0 */2 * 1', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-03T00:00:00.000Z', '2026-01-05T00:00:00.000Z', '2026-01-07T00:00:00.000Z']);
  });

  it('skips months too short for the day, and gives up after five years', () => {
    expect(next('0 0 31 * *', '2026-02-01T00:00:00Z')).toBe('2026-03-31T00:00:00.000Z');
    expect(next('0 0 29 2 *', '2026-01-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 0 30 2 *', '2026-01-01T00:00:00Z')).toBeUndefined();
    expect(next('0 0 31 4 *', '2026-01-01T00:00:00Z')).toBeUndefined();
  });

  it('reads the descriptors', () => {
    const after = '2026-05-15T10:20:00Z'; // a Friday
    expect(next('@yearly', after)).toBe('2027-01-01T00:00:00.000Z');
    expect(next('@annually', after)).toBe('2027-01-01T00:00:00.000Z');
    expect(next('@monthly', after)).toBe('2026-06-01T00:00:00.000Z');
    expect(next('@weekly', after)).toBe('2026-05-17T00:00:00.000Z');
    expect(next('@daily', after)).toBe('2026-05-16T00:00:00.000Z');
    expect(next('@midnight', after)).toBe('2026-05-16T00:00:00.000Z');
    expect(next('@hourly', after)).toBe('2026-05-15T11:00:00.000Z');
  });

  it('runs @every from the instant given, truncated to its second, by at least a second', () => {
    expect(next('@every 90s', '2026-01-01T00:00:00.500Z')).toBe('2026-01-01T00:01:30.000Z');
    expect(next('@every 1h30m', '2026-01-01T00:00:10Z')).toBe('2026-01-01T01:30:10.000Z');
    expect(next('@every 1.5s', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:00:01.000Z');
    expect(next('@every 500ms', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:00:01.000Z');
    expect(next('@every 0', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:00:01.000Z');
    expect(next('@every 2h', '2026-01-01T00:00:00Z', 'Asia/Tokyo')).toBe('2026-01-01T02:00:00.000Z');
  });

  it.each([
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 0 * * * *', 'expected exactly 5 fields, found 6: [0 0 * * * *]'],
    ['   ', 'expected exactly 5 fields, found 0: []'],
    [' @daily', 'expected exactly 5 fields, found 1: [@daily]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['0 0 * 13 *', 'end of range (13) above maximum (12): 13'],
    ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-3 * * * *', 'beginning of range (5) beyond end of range (3): 5-3'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['a * * * *', 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
    ['-5 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['*/-1 * * * *', 'negative number (-1) not allowed: -1'],
    ['99999999999999999999 * * * *', 'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range'],
    ['0 0 * JANUARY *', 'failed to parse int from JANUARY: strconv.Atoi: parsing "JANUARY": invalid syntax'],
    ['@Daily', 'unrecognized descriptor: @Daily'],
    ['@daily ', 'unrecognized descriptor: @daily '],
    ['@every 5d', 'failed to parse duration @every 5d: time: unknown unit "d" in duration "5d"'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['@every x', 'failed to parse duration @every x: time: invalid duration "x"'],
    ['@every ', 'failed to parse duration @every : time: invalid duration ""'],
    ['TZ=Mars/Olympus 0 0 * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
    ['CRON_TZ=../etc 0 0 * * *', 'provided bad location ../etc: time: invalid location name'],
  ])('refuses %j: %s', (spec, message) => {
    expect(parseCronSchedule(spec)).toEqual({ error: message });
  });

  it('accepts what robfig accepts at the edges: a sign, `*-` followed by anything, a lone comma', () => {
    expect(next('+5 * * * *', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:05:00.000Z');
    expect(next('0 *-3 * * *', '2026-01-01T05:30:00Z')).toBe('2026-01-01T06:00:00.000Z');
    expect(parseCronSchedule(', * * * *').schedule?.next(new Date('2026-01-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('cron schedule time zones', () => {
  it('reads the fields on the clock of the zone given, UTC without one', () => {
    expect(next('0 9 * * *', '2026-01-01T00:00:00Z')).toBe('2026-01-01T09:00:00.000Z');
    expect(next('0 9 * * *', '2026-01-01T00:00:00Z', 'Asia/Tokyo')).toBe('2026-01-02T00:00:00.000Z');
    expect(next('0 9 * * *', '2026-01-01T00:00:00Z', 'Asia/Kolkata')).toBe('2026-01-01T03:30:00.000Z');
    expect(next('0 0 1 1 *', '2026-06-01T00:00:00Z', 'Europe/Berlin')).toBe('2026-12-31T23:00:00.000Z');
    expect(next('0 0 * * SUN', '2026-01-03T09:00:00Z', 'Pacific/Kiritimati')).toBe('2026-01-03T10:00:00.000Z');
  });

  it('lets a TZ= or CRON_TZ= prefix name the zone, over the one given', () => {
    const tokyo = schedule('TZ=Asia/Tokyo 0 9 * * *');
    expect(tokyo.timeZone).toBe('Asia/Tokyo');
    expect(tokyo.next(new Date('2026-01-01T00:00:00Z'), 'America/New_York')?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(schedule('CRON_TZ=UTC @hourly').timeZone).toBe('UTC');
    expect(schedule('TZ= 0 0 * * *').timeZone).toBe('UTC');
    const local = schedule('TZ=Local 0 9 * * *');
    expect(local.timeZone).toBeUndefined();
    expect(local.next(new Date('2026-01-01T00:00:00Z'), 'Asia/Tokyo')?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('skips a time that springing forward removes, as robfig does', () => {
    // New York, 8 March 2026: 02:00 EST becomes 03:00 EDT, so 02:30 does not happen that day.
    expect(nexts('30 2 * * *', '2026-03-07T12:00:00Z', 2, 'America/New_York')).toEqual(['2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    expect(next('30 3 * * *', '2026-03-08T05:00:00Z', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
  });

  it('fires twice at a time that falling back repeats, as robfig does', () => {
    // New York, 1 November 2026: 02:00 EDT becomes 01:00 EST, so 01:30 happens twice.
    expect(nexts('30 1 * * *', '2026-11-01T00:00:00Z', 3, 'America/New_York')).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('starts a day at its first instant where midnight does not exist', () => {
    // Santiago, 6 September 2026: midnight becomes 01:00 (-04 to -03).
    expect(next('0 * * * *', '2026-09-06T03:30:00Z', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
    expect(next('0 1 6 9 *', '2026-09-01T00:00:00Z', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
  });

  it('knows IANA zones and links as the database spells them', () => {
    for (const z of ['UTC', 'Etc/UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'US/Eastern', 'Etc/GMT+5']) expect(isKnownTimeZone(z), z).toBe(true);
    for (const z of ['', 'Local', 'Mars/Olympus', 'europe/berlin', 'utc', '+01:00', 'Europe/../UTC', '/etc/localtime']) expect(isKnownTimeZone(z), z).toBe(false);
  });
});

// ---- next() against a minute-by-minute scan -------------------------------------------------------------------

interface Wall {
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

function wallIn(zone: string): (t: number) => Wall {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  return (t) => {
    const p: Record<string, number> = {};
    for (const part of f.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return { month: p.month!, day: p.day!, weekday: new Date(Date.UTC(p.year!, p.month! - 1, p.day!)).getUTCDay(), hour: p.hour!, minute: p.minute! };
  };
}

/** A field as the generator builds it: its text and the values it matches. */
interface GenField {
  text: string;
  values: Set<number>;
  star: boolean;
}

function field(min: number, max: number, starWeight: number): fc.Arbitrary<GenField> {
  const all = new Set(Array.from({ length: max - min + 1 }, (_, i) => min + i));
  const value = fc.integer({ min, max });
  const range = fc.tuple(value, value).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
  const step = fc.integer({ min: 1, max: Math.max(1, max - min) });
  const piece = fc.oneof(
    value.map((v) => ({ text: String(v), values: new Set([v]) })),
    range.map(([a, b]) => ({ text: `${a}-${b}`, values: new Set(Array.from({ length: b - a + 1 }, (_, i) => a + i)) })),
    fc.tuple(range, step).map(([[a, b], s]) => ({ text: `${a}-${b}/${s}`, values: new Set(Array.from({ length: Math.floor((b - a) / s) + 1 }, (_, i) => a + i * s)) })),
    step.filter((s) => s > 1).map((s) => ({ text: `*/${s}`, values: new Set([...all].filter((v) => (v - min) % s === 0)) })),
  );
  return fc.oneof(
    { weight: starWeight, arbitrary: fc.constant({ text: '*', values: all, star: true }) },
    { weight: 3, arbitrary: fc.array(piece, { minLength: 1, maxLength: 3 }).map((ps) => ({ text: ps.map((p) => p.text).join(','), values: new Set(ps.flatMap((p) => [...p.values])), star: false })) },
  );
}

function matches(w: Wall, f: { minute: GenField; hour: GenField; dom: GenField; month: GenField; dow: GenField }): boolean {
  if (!f.minute.values.has(w.minute) || !f.hour.values.has(w.hour) || !f.month.values.has(w.month)) return false;
  const dom = f.dom.values.has(w.day);
  const dow = f.dow.values.has(w.weekday);
  return f.dom.star || f.dow.star ? dom && dow : dom || dow;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) });

describe('cron schedule next, against a minute-by-minute scan', () => {
  it('is the first matching UTC minute strictly after the instant (any fields)', () => {
    const wall = wallIn('UTC');
    fc.assert(
      fc.property(field(0, 59, 1), field(0, 23, 2), field(1, 31, 4), field(1, 12, 6), field(0, 6, 4), instant, (minute, hour, dom, month, dow, after) => {
        const fields = { minute, hour, dom, month, dow };
        const got = schedule(`${minute.text} ${hour.text} ${dom.text} ${month.text} ${dow.text}`).next(new Date(after))?.getTime();
        // Day by day, then minute by minute within a matching day, up to the five years next() looks ahead.
        const first = Math.floor(after / MINUTE) * MINUTE + MINUTE;
        const limit = Date.UTC(new Date(first).getUTCFullYear() + 6, 0, 1);
        let expected: number | undefined;
        for (let day = Math.floor(first / DAY) * DAY; day < limit && expected === undefined; day += DAY) {
          const w = wall(day);
          if (!matches({ ...w, hour: [...hour.values][0]!, minute: [...minute.values][0]! }, fields)) continue;
          for (let t = Math.max(day, first); t < day + DAY && expected === undefined; t += MINUTE) if (matches(wall(t), fields)) expected = t;
        }
        if (got === undefined) expect(expected === undefined || new Date(expected).getUTCFullYear() > new Date(first).getUTCFullYear() + 5).toBe(true);
        else expect(got).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('is the first minute whose wall clock matches, in zones with daylight saving', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Santiago'];
    const walls = new Map(zones.map((z) => [z, wallIn(z)]));
    // Days stay `*` so that the answer is within a day or two, around the transitions of 2026.
    const near = fc.constantFrom(Date.UTC(2026, 2, 8), Date.UTC(2026, 2, 29), Date.UTC(2026, 3, 5), Date.UTC(2026, 8, 6), Date.UTC(2026, 9, 4), Date.UTC(2026, 9, 25), Date.UTC(2026, 10, 1));
    fc.assert(
      fc.property(field(0, 59, 1), field(0, 23, 1), fc.constantFrom(...zones), near, fc.integer({ min: -36 * 60, max: 36 * 60 }), (minute, hour, zone, day, offset) => {
        const star = { text: '*', values: new Set(Array.from({ length: 32 }, (_, i) => i)), star: true };
        const fields = { minute, hour, dom: star, month: star, dow: star };
        const after = day + offset * MINUTE;
        const got = schedule(`${minute.text} ${hour.text} * * *`).next(new Date(after), zone)?.getTime();
        const wall = walls.get(zone)!;
        let expected: number | undefined;
        for (let t = Math.floor(after / MINUTE) * MINUTE + MINUTE; expected === undefined; t += MINUTE) if (matches(wall(t), fields)) expected = t;
        expect(got).toBe(expected);
      }),
      { numRuns: 80 },
    );
  });
});
