/**
 * startApiServer runs one `capstan apiserver` process for the API server suites, on loopback ports chosen at
 * run time, against the store endpoints it is given, as a ManagedProcess (test/lb/processes.ts): its output in
 * a log file, stopped by PID (SIGTERM, then SIGKILL after a deadline), killed by an exit hook if a worker
 * leaves it behind.
 *
 * kubectl runs a kubectl binary (the one on PATH, or kubectl 1.20 from CAPSTAN_KUBECTL_120) against a replica.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePorts } from '../../../src/cli/launcher/processes.js';
import { afterAll, beforeAll } from 'vitest';
import { findOnPath } from '../../compat/helpers/tools.js';
import { ManagedProcess, makeTestDir, nodeTsx } from '../../lb/processes.js';

/** ApiServerProcess is a running replica. */
export interface ApiServerProcess {
  /** url is the insecure (loopback, plain HTTP) URL: http://127.0.0.1:PORT. */
  readonly url: string;
  readonly pid: number;
  readonly logFile: string;
  readonly running: boolean;
  /** logTail is the last lines of its log, framed with the file's path. */
  logTail(lines?: number): string;
  /** stop sends SIGTERM (SIGKILL after 10 s), resolves once the process is gone, and removes its directory. */
  stop(): Promise<void>;
  /** kill9 sends SIGKILL and resolves once the process is gone. */
  kill9(): Promise<void>;
}

/** startApiServer starts a replica (a ManagedProcess, stopped by PID) and resolves once /readyz answers 200. */
export async function startApiServer(etcdServers: readonly string[], extraFlags: readonly string[] = []): Promise<ApiServerProcess> {
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port!}`;
  const dir = makeTestDir('apiserver');
  const { command, args } = nodeTsx('src/cli.ts');
  const proc = new ManagedProcess(
    {
      name: 'capstan apiserver',
      command,
      args: [...args, 'apiserver', `--etcd-servers=${etcdServers.join(',')}`, '--secure-port=0', `--insecure-port=${port!}`, ...extraFlags],
      ready: async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200,
      readyTimeoutMs: 30_000,
    },
    join(dir.path, 'apiserver.log'),
  );
  try {
    await proc.start();
  } catch (err) {
    dir.dispose();
    throw err;
  }
  return {
    url,
    get pid() {
      return proc.pid;
    },
    logFile: proc.logFile,
    get running() {
      return proc.running;
    },
    logTail: (lines) => proc.formattedTail(lines),
    stop: async () => {
      await proc.stop();
      dir.dispose();
    },
    kill9: () => proc.kill9(),
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
