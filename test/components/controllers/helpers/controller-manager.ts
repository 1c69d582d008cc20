/**
 * startControllerManager runs one real `capstan controller-manager` process against an API server, on a health
 * port chosen at run time, as a ManagedProcess (stopped by PID); it reads the process's /leaderz and
 * /debug/journal, and parses its JSON log into the leadership intervals and journal entries the HA proofs line
 * up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../../../src/cli/launcher/processes.js';
import { ManagedProcess, makeTestDir, nodeTsx } from '../../../lb/processes.js';

/** Leaderz is the body of /leaderz. */
export interface Leaderz {
  readonly identity: string;
  readonly leading: boolean;
  readonly leader: string;
  readonly terms: number;
}

/** JournalLine is one `journal` log line of the process. */
export interface JournalLine {
  readonly identity: string;
  readonly action: string;
  readonly object: string;
  readonly at: number;
}

/** ControllerManagerProcess is a running (or stopped) controller-manager. */
export interface ControllerManagerProcess {
  readonly identity: string;
  readonly healthUrl: string;
  readonly proc: ManagedProcess;
  leaderz(): Promise<Leaderz | undefined>;
  journal(): Promise<{ action: string; object: string; at: number }[]>;
  /** journalLines are the journal entries in its log (every launch). */
  journalLines(): JournalLine[];
  /** leadingIntervals are [start, end] of every term in its log; end is undefined while it still leads. */
  leadingIntervals(): { start: number; end: number | undefined }[];
  dispose(): Promise<void>;
}

/** startControllerManager starts a controller-manager and waits until /healthz answers. */
export async function startControllerManager(master: string, identity: string, flags: readonly string[]): Promise<ControllerManagerProcess> {
  const [port] = await freePorts(1);
  const healthUrl = `http://127.0.0.1:${String(port!)}`;
  const dir = makeTestDir(`controller-manager-${identity}`);
  const { command, args } = nodeTsx('src/cli.ts');
  const proc = new ManagedProcess(
    {
      name: `capstan controller-manager ${identity}`,
      command,
      args: [...args, 'controller-manager', `--master=${master}`, `--identity=${identity}`, `--port=${String(port!)}`, ...flags],
      ready: async () => (await fetch(`${healthUrl}/healthz`).catch(() => undefined))?.status === 200,
      readyTimeoutMs: 30_000,
    },
    join(dir.path, 'controller-manager.log'),
  );
  await proc.start();
  const lines = (): Record<string, unknown>[] =>
    readFileSync(proc.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    identity,
    healthUrl,
    proc,
    leaderz: async () => {
      const r = await fetch(`${healthUrl}/leaderz`).catch(() => undefined);
      return r?.status === 200 ? ((await r.json()) as Leaderz) : undefined;
    },
    journal: async () => (await (await fetch(`${healthUrl}/debug/journal`)).json()) as { action: string; object: string; at: number }[],
    journalLines: () =>
      lines()
        .filter((l) => l['msg'] === 'journal')
        .map((l) => ({ identity: String(l['identity']), action: String(l['action']), object: String(l['object']), at: Number(l['at']) })),
    leadingIntervals: () => {
      const out: { start: number; end: number | undefined }[] = [];
      // The runtime's lines carry `at` (the elector logs its own 'stopped leading' without one).
      for (const l of lines().filter((x) => typeof x['at'] === 'number')) {
        if (l['msg'] === 'started leading') out.push({ start: Number(l['at']), end: undefined });
        if (l['msg'] === 'stopped leading' && out.length > 0 && out[out.length - 1]!.end === undefined) out[out.length - 1]!.end = Number(l['at']);
      }
      return out;
    },
    dispose: async () => {
      await proc.stop();
      dir.dispose();
    },
  };
}
