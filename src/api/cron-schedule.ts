/**
 * Cron schedules as Kubernetes reads a CronJob's spec.schedule: the syntax of robfig/cron v3's ParseStandard
 * (what kube-apiserver validates a schedule with and the cronjob controller schedules by) and its Next, the first
 * fire time after an instant.
 *
 * A schedule is five fields — minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC) and day of
 * week (0-6 or SUN-SAT; 7 is refused, as robfig refuses it) — or a descriptor: `@yearly` (`@annually`),
 * `@monthly`, `@weekly`, `@daily` (`@midnight`), `@hourly`, or `@every <duration>` in Go's duration syntax. A
 * field is a comma-separated list of `*` or `?` (any value), a number or name, or a range `a-b`, each optionally
 * followed by a step `/n` (`a/n` runs from a to the field's end). Names are matched in any case. A day fires
 * when day of month AND day of week match if either field is an unstepped `*` or `?`, and when either matches
 * otherwise (Vixie cron's rule, which robfig follows). A `TZ=<zone>` or `CRON_TZ=<zone>` prefix names the zone
 * the fields are read in; kube-apiserver parses it but refuses it in a CronJob (spec.timeZone instead).
 *
 * Errors are robfig's messages word for word: kube-apiserver returns them as the detail of
 * `spec.schedule: Invalid value`. Fire times have minute granularity (`@every` has second granularity). Time
 * zones are IANA names resolved through Intl (the platform's ICU data). The arithmetic follows robfig's: hours
 * and minutes advance in absolute time, days and months from wall-clock midnight, so a time that a daylight-saving
 * jump skips does not fire that day and one that falling back repeats fires twice; when nothing matches within
 * five years (`0 0 30 2 *`), there is no next time. Everything here is pure: no clock, no process time zone.
 */
import { goQuote } from './go-format.js';

/** CronSchedule is a parsed schedule. */
export interface CronSchedule {
  /** timeZone is the zone a `TZ=` or `CRON_TZ=` prefix named; undefined without one (or for `TZ=Local`). */
  readonly timeZone: string | undefined;
  /**
   * next returns the first fire time strictly after `after`, reading the fields in the schedule's own zone (its
   * prefix), else in timeZone, else in UTC (kube's controller uses its process zone when spec.timeZone is unset:
   * pass that zone to get the same). It is undefined when nothing fires within five years. A zone Intl does not
   * know throws a RangeError: validate names with isKnownTimeZone first.
   */
  next(after: Date, timeZone?: string): Date | undefined;
}

/** CronParseResult is a schedule, or robfig's error message for a spec that does not parse. */
export type CronParseResult =
  | { readonly schedule: CronSchedule; readonly error?: undefined }
  | { readonly schedule?: undefined; readonly error: string };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** YEAR_LIMIT is how many years past the start Next looks before it gives up (robfig's limit). */
const YEAR_LIMIT = 5;

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DAYS_OF_MONTH: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DAYS_OF_WEEK: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** CronField is the set of values one field matches; star marks an unstepped `*` or `?` (robfig's starBit). */
interface CronField {
  readonly has: readonly boolean[];
  readonly star: boolean;
}

/** ParseFailure carries robfig's message out of the nested parse; parseCronSchedule turns it into a result. */
class ParseFailure extends Error {
  override readonly name = 'ParseFailure';
}

/** parseCronSchedule parses spec as robfig/cron v3's ParseStandard does, with its error messages. */
export function parseCronSchedule(spec: string): CronParseResult {
  try {
    return { schedule: parseStandard(spec) };
  } catch (err) {
    if (err instanceof ParseFailure) return { error: err.message };
    throw err;
  }
}

function parseStandard(input: string): CronSchedule {
  let spec = input;
  if (spec.length === 0) throw new ParseFailure('empty spec string');
  let timeZone: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    // robfig slices up to the first space (and panics without one); the rest of the spec follows it.
    const space = spec.indexOf(' ');
    const end = space < 0 ? spec.length : space;
    const name = spec.slice(spec.indexOf('=') + 1, end);
    timeZone = loadLocation(name);
    spec = spec.slice(end).trim();
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, timeZone);
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new ParseFailure(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  return new FieldSchedule(
    parseField(minute, MINUTES),
    parseField(hour, HOURS),
    parseField(dayOfMonth, DAYS_OF_MONTH),
    parseField(month, MONTHS),
    parseField(dayOfWeek, DAYS_OF_WEEK),
    timeZone,
  );
}

/** loadLocation is time.LoadLocation as the prefix needs it: `` and UTC are UTC, Local is no zone of its own. */
function loadLocation(name: string): string | undefined {
  if (name === 'Local') return undefined;
  if (name === '' || name === 'UTC') return 'UTC';
  let detail: string | undefined;
  if (name.includes('..') || name.startsWith('/') || name.startsWith('\\')) detail = 'time: invalid location name';
  else if (!isKnownTimeZone(name)) detail = `unknown time zone ${name}`;
  if (detail !== undefined) throw new ParseFailure(`provided bad location ${name}: ${detail}`);
  return name;
}

function parseDescriptor(descriptor: string, timeZone: string | undefined): CronSchedule {
  const at = (b: Bounds, v: number): CronField => single(b, v);
  switch (descriptor) {
    case '@yearly':
    case '@annually':
      return new FieldSchedule(at(MINUTES, 0), at(HOURS, 0), at(DAYS_OF_MONTH, 1), at(MONTHS, 1), every(DAYS_OF_WEEK), timeZone);
    case '@monthly':
      return new FieldSchedule(at(MINUTES, 0), at(HOURS, 0), at(DAYS_OF_MONTH, 1), every(MONTHS), every(DAYS_OF_WEEK), timeZone);
    case '@weekly':
      return new FieldSchedule(at(MINUTES, 0), at(HOURS, 0), every(DAYS_OF_MONTH), every(MONTHS), at(DAYS_OF_WEEK, 0), timeZone);
    case '@daily':
    case '@midnight':
      return new FieldSchedule(at(MINUTES, 0), at(HOURS, 0), every(DAYS_OF_MONTH), every(MONTHS), every(DAYS_OF_WEEK), timeZone);
    case '@hourly':
      return new FieldSchedule(at(MINUTES, 0), every(HOURS), every(DAYS_OF_MONTH), every(MONTHS), every(DAYS_OF_WEEK), timeZone);
  }
  const prefix = '@every ';
  if (descriptor.startsWith(prefix)) {
    const parsed = parseGoDuration(descriptor.slice(prefix.length));
    if (typeof parsed === 'string') throw new ParseFailure(`failed to parse duration ${descriptor}: ${parsed}`);
    return new EverySchedule(parsed, timeZone);
  }
  throw new ParseFailure(`unrecognized descriptor: ${descriptor}`);
}

function single(b: Bounds, v: number): CronField {
  const has = new Array<boolean>(b.max + 1).fill(false);
  has[v] = true;
  return { has, star: false };
}

function every(b: Bounds): CronField {
  const has = new Array<boolean>(b.max + 1).fill(false);
  for (let v = b.min; v <= b.max; v++) has[v] = true;
  return { has, star: true };
}

/** parseField is robfig's getField: the union of the comma-separated ranges (empty pieces are skipped). */
function parseField(field: string, b: Bounds): CronField {
  const has = new Array<boolean>(b.max + 1).fill(false);
  let star = false;
  for (const expr of field.split(',')) {
    if (expr === '') continue;
    const r = parseRange(expr, b);
    for (let v = r.start; v <= r.end; v += r.step) has[v] = true;
    star ||= r.star;
  }
  return { has, star };
}

interface Range {
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly star: boolean;
}

/** parseRange is robfig's getRange: `*`, `?`, `n`, `a-b`, each with an optional `/step`, checked in its order. */
function parseRange(expr: string, b: Bounds): Range {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: bigint;
  let end: bigint;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    // robfig ignores whatever follows `*-`.
    start = BigInt(b.min);
    end = BigInt(b.max);
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, b.names);
    else throw new ParseFailure(`too many hyphens: ${expr}`);
  }
  let step = 1n;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]!);
    if (singleDigit) end = BigInt(b.max);
    if (step > 1n) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new ParseFailure(`too many slashes: ${expr}`);
  }
  if (start < BigInt(b.min)) throw new ParseFailure(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > BigInt(b.max)) throw new ParseFailure(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new ParseFailure(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0n) throw new ParseFailure(`step of range should be a positive number: ${expr}`);
  return { start: Number(start), end: Number(end), step: Number(step), star };
}

function parseIntOrName(expr: string, names: Readonly<Record<string, number>> | undefined): bigint {
  const lower = expr.toLowerCase();
  if (names !== undefined && Object.hasOwn(names, lower)) return BigInt(names[lower]!);
  return mustParseInt(expr);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** mustParseInt is robfig's: strconv.Atoi (an optional sign and decimal digits, within int64), then not negative. */
function mustParseInt(expr: string): bigint {
  let reason: string | undefined;
  let num = 0n;
  if (!/^[+-]?[0-9]+$/.test(expr)) reason = 'invalid syntax';
  else {
    num = BigInt(expr);
    if (num < INT64_MIN || num > INT64_MAX) reason = 'value out of range';
  }
  if (reason !== undefined) throw new ParseFailure(`failed to parse int from ${expr}: strconv.Atoi: parsing ${goQuote(expr)}: ${reason}`);
  if (num < 0n) throw new ParseFailure(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  '\u00b5s': 1_000n,
  '\u03bcs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const TWO_63 = 2n ** 63n;

/** timeQuote is the time package's quote: ASCII as is (`"` and `\` escaped), other bytes as `\xNN`. */
function timeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x80 || c < 0x20) for (const byte of new TextEncoder().encode(ch)) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  }
  return `${out}"`;
}

/** parseGoDuration is time.ParseDuration: nanoseconds, or its error message. */
function parseGoDuration(orig: string): bigint | string {
  const invalid = `time: invalid duration ${timeQuote(orig)}`;
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return invalid;
  let d = 0n;
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) return invalid;
    const whole = /^[0-9]*/.exec(s)![0];
    s = s.slice(whole.length);
    let v = whole === '' ? 0n : BigInt(whole);
    if (v > TWO_63) return invalid;
    let fraction = '';
    let post = false;
    if (s.startsWith('.')) {
      fraction = /^[0-9]*/.exec(s.slice(1))![0];
      s = s.slice(1 + fraction.length);
      post = fraction !== '';
    }
    if (whole === '' && !post) return invalid;
    const unitLength = /^[^0-9.]*/.exec(s)![0].length;
    if (unitLength === 0) return `time: missing unit in duration ${timeQuote(orig)}`;
    const u = s.slice(0, unitLength);
    s = s.slice(unitLength);
    const unit = Object.hasOwn(NS_PER_UNIT, u) ? NS_PER_UNIT[u]! : undefined;
    if (unit === undefined) return `time: unknown unit ${timeQuote(u)} in duration ${timeQuote(orig)}`;
    if (v > TWO_63 / unit) return invalid;
    v *= unit;
    if (fraction !== '') v += BigInt(Math.floor(Number(`0.${fraction}`) * Number(unit)));
    if (v > TWO_63) return invalid;
    d += v;
    if (d > TWO_63) return invalid;
  }
  if (neg) return -d;
  return d > TWO_63 - 1n ? invalid : d;
}

/**
 * isKnownTimeZone says whether name is an IANA zone (or link) the platform knows, spelt as the database spells
 * it: Go looks zones up by file name, case-sensitively, where Intl would accept any case.
 */
export function isKnownTimeZone(name: string): boolean {
  if (!/^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/.test(name)) return false;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  return resolved === name || resolved.toLowerCase() !== name.toLowerCase();
}

/** WallTime is an instant as a zone's clock reads it. */
interface WallTime {
  readonly year: number;
  /** month is 1-12. */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Zone reads instants (epoch ms) on one zone's clock. */
type Zone = (instant: number) => WallTime;

function utcWall(instant: number): WallTime {
  const d = new Date(instant);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** zoneClock is the wall clock of an IANA zone; it throws RangeError for a zone Intl does not know. */
function zoneClock(name: string): Zone {
  if (name === 'UTC') return utcWall;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (instant) => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
  };
}

/**
 * formatInZone writes an instant as Go's time.RFC3339 on a zone's clock, with its offset (`2026-12-04T11:10:00+01:00`,
 * or `…Z` in UTC), as Go formats a time In that zone; it throws RangeError for a zone Intl does not know.
 */
export function formatInZone(epochMs: number, timeZone: string): string {
  const zone = zoneClock(timeZone);
  const w = zone(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  const date = `${String(w.year).padStart(4, '0')}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}:${two(w.second)}`;
  const offsetMin = Math.round(offsetAt(zone, epochMs) / 60_000);
  if (offsetMin === 0) return `${date}Z`;
  const abs = Math.abs(offsetMin);
  return `${date}${offsetMin < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** wallAsUTC is the instant whose UTC reading is w: the zone's offset added to the instant w was read at. */
function wallAsUTC(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** offsetAt is the zone's UTC offset (ms) at an instant. */
function offsetAt(zone: Zone, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallAsUTC(zone(whole)) - whole;
}

/**
 * wallToInstant finds the instant a zone's clock reads y-mo-d h:mi at (overflowing values roll over, as
 * Date.UTC rolls them): the earliest one when the clock reads it twice (falling back), and the end of the gap
 * when it never reads it (springing forward). Offsets change at most once a day, so the offsets a day either
 * side are the only candidates.
 */
function wallToInstant(zone: Zone, y: number, mo: number, d: number, h: number, mi: number): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const offsets = [...new Set([offsetAt(zone, wall - DAY_MS), offsetAt(zone, wall), offsetAt(zone, wall + DAY_MS)])];
  let best: number | undefined;
  for (const o of offsets) {
    const t = wall - o;
    if (offsetAt(zone, t) === o && (best === undefined || t < best)) best = t;
  }
  return best ?? wall - Math.min(...offsets);
}

/** FieldSchedule is robfig's SpecSchedule at minute granularity (its seconds field is always 0 here). */
class FieldSchedule implements CronSchedule {
  constructor(
    private readonly minute: CronField,
    private readonly hour: CronField,
    private readonly dayOfMonth: CronField,
    private readonly month: CronField,
    private readonly dayOfWeek: CronField,
    readonly timeZone: string | undefined,
  ) {}

  next(after: Date, timeZone?: string): Date | undefined {
    const zone = zoneClock(this.timeZone ?? timeZone ?? 'UTC');
    // The first candidate is the next whole minute strictly after `after`.
    let t = Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    const yearLimit = zone(t).year + YEAR_LIMIT;
    for (;;) {
      const w = zone(t);
      if (w.year > yearLimit) return undefined;
      let candidate: number;
      if (this.month.has[w.month] !== true) candidate = wallToInstant(zone, w.year, w.month + 1, 1, 0, 0);
      else if (!this.dayMatches(w)) candidate = wallToInstant(zone, w.year, w.month, w.day + 1, 0, 0);
      else if (this.hour.has[w.hour] !== true) candidate = t + (60 - w.minute) * MINUTE_MS;
      else if (this.minute.has[w.minute] !== true) {
        let m = w.minute + 1;
        while (m < 60 && this.minute.has[m] !== true) m++;
        candidate = t + (m - w.minute) * MINUTE_MS;
      } else {
        return new Date(t);
      }
      // Every step moves forward, whatever a zone's transitions do to the wall clock.
      t = Math.max(candidate, t + MINUTE_MS);
    }
  }

  private dayMatches(w: WallTime): boolean {
    const dom = this.dayOfMonth.has[w.day] === true;
    const dow = this.dayOfWeek.has[new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()] === true;
    return this.dayOfMonth.star || this.dayOfWeek.star ? dom && dow : dom || dow;
  }
}

/**
 * EverySchedule is robfig's ConstantDelaySchedule (`@every`): the delay rounded down to whole seconds, at least
 * one second, after `after` truncated to its second. Time zones do not matter to it.
 */
class EverySchedule implements CronSchedule {
  private readonly delayMs: number;

  constructor(
    delayNs: bigint,
    readonly timeZone: string | undefined,
  ) {
    const second = 1_000_000_000n;
    const rounded = delayNs < second ? second : delayNs - (delayNs % second);
    this.delayMs = Number(rounded / 1_000_000n);
  }

  next(after: Date): Date | undefined {
    return new Date(Math.floor(after.getTime() / 1000) * 1000 + this.delayMs);
  }
}
