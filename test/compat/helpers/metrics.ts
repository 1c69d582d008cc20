/**
 * Reading a store's Prometheus text (/metrics) in tests: parsed whole (scrape), one series summed over the samples
 * whose labels match (value), or that in one step (metricValue).
 */

/** Sample is one line of Prometheus text: a series name, its labels and its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Scrape is a parsed /metrics answer: each series' TYPE and every sample. */
export interface Scrape {
  types: Map<string, string>;
  samples: Sample[];
}

/** scrape fetches and parses endpoint's /metrics. */
export async function scrape(endpoint: string): Promise<Scrape> {
  const text = await (await fetch(new URL('/metrics', endpoint), { signal: AbortSignal.timeout(5000) })).text();
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1]!, type[2]!);
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

/** value sums the samples of a series whose labels include the given ones (0 when there are none). */
export function value(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  return s.samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((sum, x) => sum + x.value, 0);
}

/** metricValue scrapes endpoint and sums one series' samples whose labels include the given ones. */
export async function metricValue(endpoint: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return value(await scrape(endpoint), name, labels);
}

/** metricValues scrapes endpoint once and reads each named series (all samples summed). */
export async function metricValues(endpoint: string, names: readonly string[]): Promise<number[]> {
  const s = await scrape(endpoint);
  return names.map((n) => value(s, n));
}
