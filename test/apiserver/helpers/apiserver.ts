/**
 * startApiServer runs one `capstan apiserver` process for the API server suites, on loopback ports chosen at
 * run time, against the store endpoints it is given, with its output in a log file whose tail is printed when
 * a test fails. It is stopped by PID (SIGTERM, then SIGKILL after a deadline); a process 'exit' hook kills any
 * replica a worker leaves behind.
 *
 * kubectl runs a kubectl binary (the one on PATH, or kubectl 1.20 from CAPSTAN_KUBECTL_120) against a replica.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../compat/helpers/ports.js';
import { afterAll, beforeAll } from 'vitest';
import { findOnPath, repoRoot } from '../../compat/helpers/tools.js';
import { waitFor } from '../../compat/helpers/wait.js';

/** ApiServerProcess is a running replica. */
export interface ApiServerProcess {
  /** url is the insecure (loopback, plain HTTP) URL: http://127.0.0.1:PORT. */
  readonly url: string;
  readonly pid: number;
  readonly logFile: string;
  readonly running: boolean;
  logTail(lines?: number): string;
  /** stop sends SIGTERM (SIGKILL after 10 s) and resolves once the process is gone. */
  stop(): Promise<void>;
  /** kill9 sends SIGKILL and resolves once the process is gone. */
  kill9(): Promise<void>;
}

const leftovers = new Set<ChildProcess>();
let hooked = false;

/** startApiServer starts a replica and resolves once /readyz answers 200. */
export async function startApiServer(etcdServers: readonly string[], extraFlags: readonly string[] = []): Promise<ApiServerProcess> {
  const [port] = await freePorts(1);
  const root = mkdtempSync(join(tmpdir(), 'capstan-apiserver-'));
  const logFile = join(root, 'apiserver.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src', 'cli.ts'), 'apiserver', `--etcd-servers=${etcdServers.join(',')}`, '--secure-port=0', `--insecure-port=${port!}`, ...extraFlags],
    { cwd: repoRoot, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  leftovers.add(child);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of leftovers) c.kill('SIGKILL');
    });
  }
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      leftovers.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port!}`;
  const logTail = (lines = 40): string => readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`apiserver exited before it was ready:\n${logTail()}`);
        try {
          const res = await fetch(`${url}/readyz`);
          return res.status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `apiserver ${url} ready` },
    );
  } catch (err) {
    child.kill('SIGKILL');
    await gone;
    throw new Error(`${(err as Error).message}\n--- ${logFile} ---\n${logTail()}`);
  }
  const stopWith = async (signal: NodeJS.Signals, deadlineMs: number): Promise<void> => {
    if (exited) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    await gone;
    clearTimeout(timer);
  };
  return {
    url,
    pid: child.pid!,
    logFile,
    get running() {
      return !exited;
    },
    logTail,
    stop: async () => {
      await stopWith('SIGTERM', 10_000);
      if (process.env['CAPSTAN_COMPAT_KEEP'] !== '1') rmSync(root, { recursive: true, force: true });
    },
    kill9: () => stopWith('SIGKILL', 10_000),
  };
}

/**
 * useApiServer starts a replica over the store of the enclosing suite before its tests and stops it after
 * them; it returns an accessor, because the replica exists only once beforeAll has run.
 */
export function useApiServer(store: () => { readonly endpoint: string }, extraFlags: readonly string[] = []): () => ApiServerProcess {
  let api: ApiServerProcess | undefined;
  beforeAll(async () => {
    api = await startApiServer([store().endpoint], extraFlags);
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
  });
  return () => {
    if (api === undefined) throw new Error('the API server is not running: it failed to start, or its suite has not reached beforeAll yet');
    return api;
  };
}

/** KubectlResult is a finished kubectl run. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** kubectlPaths lists the kubectl binaries to test with: the one on PATH and kubectl 1.20 when unpacked. */
export function kubectlPaths(): { name: string; path: string | undefined }[] {
  return [
    { name: 'kubectl (PATH)', path: findOnPath('kubectl') },
    { name: 'kubectl 1.20', path: process.env['CAPSTAN_KUBECTL_120'] },
  ];
}

/** kubectl runs one kubectl command against server, feeding stdin if given; it never throws on a non-zero exit. */
export function kubectl(binary: string, server: string, args: readonly string[], stdin?: string): KubectlResult {
  const r = spawnSync(binary, [`--server=${server}`, '--request-timeout=20s', ...args], {
    input: stdin ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KUBECONFIG: '/dev/null' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
