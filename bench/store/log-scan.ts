/**
 * log-scan summarises what the members logged at warning level and above, so a run reports server-side
 * trouble (errors, timeouts, crashes) next to its numbers. It reads capstan's pino JSON lines (level ≥ 40)
 * and etcd 3.4's capnslog lines (`… W | pkg: msg`, levels W, E, C) or zap JSON (`"level":"warn"`); any
 * other line of a capstan log that is not JSON (an uncaught exception's stack, a Node warning) is counted
 * as `stderr`.
 *
 * Lines after the STOPPING_MARKER (written by the run just before it stops the cluster) are not counted:
 * members stopped together log lost peers and failed leadership transfers that say nothing about the run.
 */
import { readFileSync } from 'node:fs';

/** LogFinding is one kind of message, with how often it occurred and in which members' logs. */
export interface LogFinding {
  level: string;
  message: string;
  count: number;
  members: Set<string>;
}

/** STOPPING_MARKER starts the line the run appends to every member log before stopping the clusters. */
export const STOPPING_MARKER = '==> capstan bench: stopping the cluster';

const pinoLevels: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };
const capnsLevels: Record<string, string> = { W: 'warn', E: 'error', C: 'critical' };

function classify(line: string): { level: string; message: string } | undefined {
  if (line.startsWith('==> capstan bench')) return undefined;
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as { level?: number | string; msg?: string; err?: { message?: string }; error?: string };
      const level = typeof o.level === 'number' ? pinoLevels[o.level] : ['warn', 'error', 'dpanic', 'panic', 'fatal'].includes(String(o.level)) ? String(o.level) : undefined;
      if (level === undefined) return undefined;
      const detail = o.err?.message ?? o.error;
      return { level, message: `${o.msg ?? ''}${detail === undefined ? '' : ` (${detail})`}` };
    } catch {
      return { level: 'stderr', message: line };
    }
  }
  const capns = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ ([A-Z]) \| (.*)$/.exec(line);
  if (capns !== null) {
    const level = capnsLevels[capns[1]!];
    return level === undefined ? undefined : { level, message: capns[2]! };
  }
  // etcd's raft library logs through the standard Go logger: `raft2024/01/02 15:04:05 INFO: …`.
  const goLog = /^raft\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\w+): (.*)$/.exec(line);
  if (goLog !== null) {
    const level = { WARN: 'warn', ERROR: 'error', PANIC: 'panic', FATAL: 'fatal' }[goLog[1]!];
    return level === undefined ? undefined : { level, message: `raft: ${goLog[2]!}` };
  }
  if (line.startsWith('[WARNING] ')) return { level: 'warn', message: line.slice(10) };
  // capstan prints one plain "serving" line on stdout; anything else plain is unexpected output.
  if (/^capstan store \S+: serving /.test(line) || line.trim() === '') return undefined;
  return { level: 'stderr', message: line };
}

/** normalize folds numbers, IDs and addresses so repeats of one message group together. */
function normalize(message: string): string {
  return message
    .replace(/[0-9a-f]{16}/g, '<id>')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 160);
}

/** scanLogs reads the log files (member name → path) and groups their warnings and errors. */
export function scanLogs(files: ReadonlyMap<string, string>): LogFinding[] {
  const byKey = new Map<string, LogFinding>();
  for (const [member, file] of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (line.startsWith(STOPPING_MARKER)) break;
      const c = classify(line);
      if (c === undefined) continue;
      const message = normalize(c.message);
      const key = `${c.level}\u0000${message}`;
      const f = byKey.get(key) ?? { level: c.level, message, count: 0, members: new Set<string>() };
      f.count++;
      f.members.add(member);
      byKey.set(key, f);
    }
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count);
}
