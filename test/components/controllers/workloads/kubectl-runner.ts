/**
 * The kubectl binaries the workload integration suites drive (the one on PATH and kubectl 1.20 from
 * CAPSTAN_KUBECTL_120 or the cache, those that exist) and kubectlAsync, which runs one against a server without
 * blocking the event loop the in-process controllers share with the test.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../../../compat/helpers/tools.js';

/** KubectlBinary is a kubectl to run: a name for messages and its path. */
export interface KubectlBinary {
  readonly name: string;
  readonly path: string;
}

/** kubectlBinaries lists the kubectls present on this machine. */
export function kubectlBinaries(): KubectlBinary[] {
  return [
    { name: 'kubectl (PATH)', path: findOnPath('kubectl') },
    { name: 'kubectl 1.20', path: process.env['CAPSTAN_KUBECTL_120'] ?? join(homedir(), '.cache/capstan/kubectl-1.20/usr/bin/kubectl') },
  ].filter((k): k is KubectlBinary => k.path !== undefined && existsSync(k.path));
}

/** kubectlAgainst binds kubectlAsync to a server a suite knows only once it runs (a getter, as useApiServer's). */
export function kubectlAgainst(server: () => string): (binary: string, args: readonly string[]) => ReturnType<typeof kubectlAsync> {
  return (binary, args) => kubectlAsync(binary, server(), args);
}

/** kubectlAsync runs binary with args against server (no kubeconfig), resolving its exit code and output. */
export function kubectlAsync(binary: string, server: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(binary, [`--server=${server}`, '--request-timeout=20s', ...args], { env: { ...process.env, KUBECONFIG: '/dev/null' }, timeout: 180_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}
