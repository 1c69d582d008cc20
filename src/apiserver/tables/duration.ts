/**
 * Human-readable durations as apimachinery's util/duration prints them: the AGE column, `3 (10s ago)` in
 * RESTARTS, LAST SEEN of events. Durations are milliseconds (fractions allowed); Go truncates toward zero
 * at every step, and so do these.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * humanDuration renders d (ms) with about two significant figures (duration.HumanDuration): `119s`, `3m10s`,
 * `179m`, `7h59m`, `47h`, `2d1h`, `729d`, `2y1d`, `8y`. Less than two seconds in the future counts as `0s`
 * (clock skew); further in the future is `<invalid>`.
 */
export function humanDuration(d: number): string {
  const seconds = Math.trunc(d / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(d / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(d / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * shortHumanDuration renders d (ms) in one unit (duration.ShortHumanDuration): `59s`, `59m`, `23h`, `364d`,
 * `2y`, with the same tolerance for slightly-future instants as humanDuration.
 */
export function shortHumanDuration(d: number): string {
  const seconds = Math.trunc(d / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(d / MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(d / HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(d / HOUR / 24 / 365)}y`;
}
