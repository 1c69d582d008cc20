/**
 * A whole capstan cluster for integration tests: `capstan up --detach` in a fresh directory (store members,
 * API servers behind the LB, schedulers, controller-managers, hollow nodes), a REST client and kubectl with its
 * kubeconfig, `capstan chaos` and `capstan status` runs, and readers of the components' logs (leadership terms
 * and journals). stop() kills, by PID, every process cluster.json ever named.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FaultRecord } from '../../../src/cli/chaos-faults.js';
import { clusterProcesses, readClusterFile, type ClusterFile } from '../../../src/cli/launcher/cluster-file.js';
import { isAlive } from '../../../src/cli/launcher/processes.js';
import { RestClient } from '../../../src/components/client/rest-client.js';
import { findOnPath } from '../../compat/helpers/tools.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

/** capstan runs the CLI from source and resolves to its output (rejects on a non-zero exit). */
export function capstan(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, timeout: 120_000, maxBuffer: 16 << 20 });
}

/** Term is one leadership term of a component replica, from its log; end is undefined while it leads (or if it died leading). */
export interface Term {
  readonly identity: string;
  readonly start: number;
  end: number | undefined;
}

/** JournalLine is one action a component recorded. */
export interface JournalLine {
  readonly identity: string;
  readonly action: string;
  readonly object: string;
  readonly at: number;
}

/** ComponentLog is what a component's log says it did. */
export interface ComponentLog {
  readonly terms: Term[];
  readonly journal: JournalLine[];
}

/** readComponentLog parses a component's pino log (every log file it wrote: restarts append). */
export function readComponentLog(path: string, identity: string): ComponentLog {
  const terms: Term[] = [];
  const journal: JournalLine[] = [];
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { terms, journal };
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let o: { msg?: string; at?: number; action?: string; object?: string; journal?: boolean };
    try {
      o = JSON.parse(line) as typeof o;
    } catch {
      continue;
    }
    if (o.msg === 'started leading' && typeof o.at === 'number') terms.push({ identity, start: o.at, end: undefined });
    else if (o.msg === 'stopped leading' && typeof o.at === 'number') {
      const open = terms.findLast((t) => t.end === undefined);
      if (open !== undefined) open.end = o.at;
    } else if (o.journal === true && typeof o.at === 'number') journal.push({ identity, action: o.action ?? '', object: o.object ?? '', at: o.at });
  }
  return { terms, journal };
}

/** FullCluster is a running cluster and the means to drive it. */
export interface FullCluster {
  readonly dir: string;
  file(): ClusterFile;
  readonly client: RestClient;
  /** kubectl runs kubectl with the cluster's kubeconfig; it never throws on a non-zero exit. */
  kubectl(args: readonly string[], stdin?: string): { code: number; stdout: string; stderr: string };
  /** chaos runs `capstan chaos ARGS -o json` and returns the fault records it printed. */
  chaos(...args: string[]): Promise<FaultRecord[]>;
  /** pids lists every PID the cluster has had (restarts included). */
  pids(): Set<number>;
  stop(): Promise<void>;
}

/** kubectlBinary is the kubectl the tests drive: $CAPSTAN_KUBECTL_120 when unpacked, else the one on PATH. */
export function kubectlBinary(): string | undefined {
  return process.env['CAPSTAN_KUBECTL_120'] ?? findOnPath('kubectl');
}

/** startFullCluster runs `capstan up --detach` with extra flags in a fresh directory. */
export async function startFullCluster(upArgs: readonly string[]): Promise<FullCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-cluster-'));
  const seen = new Set<number>();
  const file = (): ClusterFile => {
    const f = readClusterFile(dir)!;
    for (const p of clusterProcesses(f)) seen.add(p.pid);
    return f;
  };
  const stop = async (): Promise<void> => {
    const f = readClusterFile(dir);
    if (f !== undefined) file();
    for (const pid of seen) if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await capstan('up', '--detach', '--dir', dir, ...upArgs);
  } catch (err) {
    if (readClusterFile(dir) !== undefined) file();
    await stop();
    throw err;
  }
  const f = file();
  const client = RestClient.fromKubeconfig(f.kubeconfig!, { requestTimeoutMs: 10_000 });
  const binary = kubectlBinary();
  return {
    dir,
    file,
    client,
    kubectl(args, stdin) {
      if (binary === undefined) throw new Error('no kubectl: set CAPSTAN_KUBECTL_120 or put kubectl on PATH');
      const r = spawnSync(binary, [`--kubeconfig=${f.kubeconfig!}`, '--request-timeout=30s', ...args], { input: stdin ?? '', encoding: 'utf8', timeout: 180_000 });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    async chaos(...args) {
      const out = (await capstan('chaos', ...args, '--dir', dir, '-o', 'json')).stdout.trim().split('\n');
      const records = out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as FaultRecord);
      file();
      return records;
    },
    pids: () => {
      file();
      return seen;
    },
    async stop() {
      client.close();
      await stop();
    },
  };
}
