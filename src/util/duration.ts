/**
 * parseDurationMs reads a Go-style duration made of number-unit terms (`500ms`, `5s`, `1m30s`, `1.5h`) into
 * milliseconds, or returns undefined when the text is not one. As Go's time.ParseDuration, a bare `0` is zero
 * (no other number goes without a unit). Flags of every capstan process take these; each says whether zero
 * is allowed.
 */
export function parseDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
  }
  return total;
}
