/**
 * startScheduler runs one `capstan scheduler` process against an API server URL, as a ManagedProcess (its
 * output in a log file, stopped by PID), with short leader-election timings; parseSchedulerLog reads back its
 * leadership terms and journal from the JSON log lines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../../src/cli/launcher/processes.js';
import { ManagedProcess, nodeTsx } from '../../lb/processes.js';

/** SchedulerProcess is a running (or stopped) scheduler replica. */
export interface SchedulerProcess {
  readonly identity: string;
  readonly healthUrl: string;
  readonly proc: ManagedProcess;
}

/** startScheduler starts a replica and resolves once /healthz answers. */
export async function startScheduler(dir: string, master: string, identity: string, extra: readonly string[] = []): Promise<SchedulerProcess> {
  const [port] = await freePorts(1);
  const healthUrl = `http://127.0.0.1:${port!}`;
  const { command, args } = nodeTsx('src/cli.ts');
  const proc = new ManagedProcess(
    {
      name: `capstan scheduler ${identity}`,
      command,
      args: [...args, 'scheduler', `--master=${master}`, `--identity=${identity}`, `--port=${port!}`, ...extra],
      ready: async () => (await fetch(`${healthUrl}/healthz`).catch(() => undefined))?.status === 200,
      readyTimeoutMs: 30_000,
    },
    join(dir, `scheduler-${identity}.log`),
  );
  await proc.start();
  return { identity, healthUrl, proc };
}

/** Term is one interval during which a launch of a replica led: [from, to], to undefined while it still leads. */
export interface Term {
  readonly identity: string;
  readonly launch: number;
  readonly from: number;
  to: number | undefined;
}

/** JournalLine is one journal record of a replica. */
export interface JournalLine {
  readonly identity: string;
  readonly launch: number;
  readonly action: string;
  readonly object: string;
  readonly at: number;
}

/** parseSchedulerLog reads the leadership terms and journal entries of every launch in a replica's log. */
export function parseSchedulerLog(identity: string, file: string): { terms: Term[]; journal: JournalLine[] } {
  const terms: Term[] = [];
  const journal: JournalLine[] = [];
  let launch = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('==> test harness: launch')) {
      launch++;
      continue;
    }
    if (!line.startsWith('{')) continue;
    let rec: { msg?: string; at?: number; action?: string; object?: string };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      continue;
    }
    if (rec.msg === 'started leading' && rec.at !== undefined) terms.push({ identity, launch, from: rec.at, to: undefined });
    else if (rec.msg === 'stopped leading' && rec.at !== undefined) {
      const open = terms.findLast((t) => t.launch === launch && t.to === undefined);
      if (open !== undefined) open.to = rec.at;
    } else if (rec.msg === 'journal' && rec.action !== undefined) journal.push({ identity, launch, action: rec.action, object: rec.object ?? '', at: rec.at ?? 0 });
  }
  return { terms, journal };
}
