/**
 * The committed example deployments (deploy/examples/<n>-members) and readers for their files, shared by
 * the deploy suites.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTopology, type Topology } from '../../src/deploy/topology.js';

/** EXAMPLE_SIZES are the store member counts the examples show. */
export const EXAMPLE_SIZES = [3, 5, 7] as const;

/** exampleDir is the absolute path of the n-member example. */
export function exampleDir(n: number): string {
  return fileURLToPath(new URL(`../../deploy/examples/${String(n)}-members`, import.meta.url));
}

/** exampleTopology parses the n-member example's topology.yaml. */
export function exampleTopology(n: number): Topology {
  return parseTopology(readFileSync(`${exampleDir(n)}/topology.yaml`, 'utf8'));
}

/** UnitFile is a parsed systemd unit: each section's keys with their values in order. */
export type UnitFile = Map<string, Map<string, string[]>>;

/**
 * parseUnitFile reads a unit as systemd does for the subset the renderer writes: comments, `[Section]`
 * headers, `Key=value` lines, and lines continued by a trailing backslash (joined with a space).
 */
export function parseUnitFile(text: string): UnitFile {
  const unit: UnitFile = new Map();
  let section: Map<string, string[]> | undefined;
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (pending === '' && (raw.startsWith('#') || raw.startsWith(';'))) continue;
    if (raw.endsWith('\\')) {
      pending += `${raw.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((pending + raw.trim()).trim());
    pending = '';
  }
  if (pending !== '') throw new Error('unit ends inside a continued line');
  for (const line of logical) {
    if (line === '') continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header !== null) {
      section = new Map();
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (section === undefined || eq <= 0) throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, eq);
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1)]);
  }
  return unit;
}

/** unitValue is the single value of key in section, failing when it is missing or repeated. */
export function unitValue(unit: UnitFile, section: string, key: string): string {
  const values = unit.get(section)?.get(key) ?? [];
  if (values.length !== 1) throw new Error(`[${section}] ${key}: expected one value, got ${String(values.length)}`);
  return values[0]!;
}

/** execArgv splits a unit's ExecStart into words (the renderer never quotes). */
export function execArgv(unit: UnitFile): string[] {
  return unitValue(unit, 'Service', 'ExecStart').split(/\s+/).filter((w) => w !== '');
}

/** flagValues reads `--flag=value` words into a map (flag names without the dashes). */
export function flagValues(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of argv) {
    const m = /^--([a-z0-9-]+)=(.*)$/.exec(w);
    if (m !== null) out.set(m[1]!, m[2]!);
  }
  return out;
}
