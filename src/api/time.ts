/**
 * Wire formats of metav1.Time and metav1.MicroTime. Time is RFC 3339 in UTC truncated to the second
 * (`2024-05-01T12:00:00Z`), MicroTime the same with exactly six fractional digits
 * (`2024-05-01T12:00:00.123456Z`, Lease renewTime). In code, instants are epoch milliseconds as a Clock
 * returns them; a fractional part carries microseconds.
 */
import { InvalidTimeError } from './errors.js';
import { goQuote } from './go-format.js';
import type { MicroTime, Time } from './meta-v1.js';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function utcParts(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new RangeError(`time: not a finite instant: ${epochMs}`);
  const d = new Date(Math.floor(epochMs / 1000) * 1000);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`time: year ${year} is outside [0,9999]`);
  return (
    `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
  );
}

/** formatTime renders an instant (epoch ms) as a metav1.Time: UTC, second precision, sub-seconds dropped. */
export function formatTime(epochMs: number): Time {
  return `${utcParts(epochMs)}Z`;
}

/** formatMicroTime renders an instant (epoch ms, fraction = microseconds) as a metav1.MicroTime. */
export function formatMicroTime(epochMs: number): MicroTime {
  const micros = Math.round(epochMs * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  return `${utcParts(seconds * 1000)}.${pad(micros - seconds * 1_000_000, 6)}Z`;
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** rfc3339Match matches s as an RFC 3339 timestamp with a real date and time, or returns undefined. */
function rfc3339Match(s: string): RegExpExecArray | undefined {
  const m = rfc3339.exec(s);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return undefined;
  if (m[8] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined;
  return m;
}

/** invalidTime is the error of a string that is not an RFC 3339 timestamp, in time.Parse's opening words. */
function invalidTime(s: string): InvalidTimeError {
  return new InvalidTimeError(`parsing time ${goQuote(s)} as "2006-01-02T15:04:05Z07:00": not an RFC 3339 timestamp`);
}

/**
 * checkTimestamp throws InvalidTimeError unless s is an RFC 3339 timestamp parseTimestamp accepts; it computes
 * nothing (the API server checks every time a write carries).
 */
export function checkTimestamp(s: string): void {
  if (rfc3339Match(s) === undefined) throw invalidTime(s);
}

/**
 * parseTimestamp parses an RFC 3339 timestamp with any offset and any number of fractional digits into epoch
 * milliseconds, keeping microseconds as the fraction and dropping finer digits. Malformed input throws
 * InvalidTimeError.
 */
export function parseTimestamp(s: string): number {
  const m = rfc3339Match(s);
  if (m === undefined) throw invalidTime(s);
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const offsetMinutes = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  const micros = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0').slice(0, 6));
  return d.getTime() - offsetMinutes * 60_000 + micros / 1000;
}

/** parseTime parses a metav1.Time (RFC 3339) into epoch milliseconds; see parseTimestamp. */
export function parseTime(s: Time): number {
  return parseTimestamp(s);
}

/** parseMicroTime parses a metav1.MicroTime into epoch milliseconds with microseconds as the fraction. */
export function parseMicroTime(s: MicroTime): number {
  return parseTimestamp(s);
}
