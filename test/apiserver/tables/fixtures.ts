/**
 * Shared fixtures of the Table tests: a fixed "now" and helpers that place timestamps relative to it, the
 * way Kubernetes' printers_test.go uses time.Now().Add(...).
 */
import { formatMicroTime, formatTime } from '../../../src/api/time.js';

/** NOW is the fixed current time of every Table test. */
export const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

/** SECOND, MINUTE, HOUR and DAY are durations in milliseconds. */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** ago is the metav1.Time d milliseconds before NOW (negative d is in the future). */
export function ago(d: number): string {
  return formatTime(NOW - d);
}

/** microAgo is the metav1.MicroTime d milliseconds before NOW. */
export function microAgo(d: number): string {
  return formatMicroTime(NOW - d);
}
