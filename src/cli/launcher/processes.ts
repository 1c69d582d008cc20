import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { withRuntimeFlags } from '../../util/node-flags.js';

/** freePort asks the kernel for a free loopback port (bind to 0, read it, release it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** isAlive reports whether a process with pid exists (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed child that nobody has reaped yet is a zombie: signal 0 reaches it, but it is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * spawnCapstan starts `capstan <args>` as a detached child with its output in logFile, using the same
 * Node and loader flags as this process (so it works from src/ under tsx and from dist/), plus capstan's
 * runtime flags (NODE_RUNTIME_FLAGS).
 */
export function spawnCapstan(args: string[], logFile: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(process.execPath, [...withRuntimeFlags(process.execArgv), process.argv[1]!, ...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start capstan ${args[0]}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** stopPid sends SIGTERM and waits up to graceMs for the process to exit, then SIGKILLs it. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<'stopped' | 'killed' | 'gone'> {
  if (!isAlive(pid)) return 'gone';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  return 'killed';
}

/**
 * pollProcess calls probe every 100 ms until it reports success (undefined), the process exits, or the
 * deadline passes; probe returns why it is not there yet, which the error then carries.
 */
export async function pollProcess(pid: number, deadlineMs: number, what: string, probe: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new Error(`process ${pid} exited while starting (${last})`);
    try {
      const why = await probe();
      if (why === undefined) return;
      last = why;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ${what} after ${deadlineMs} ms (${last})`);
}

/** waitHealthy polls a member's /health until it answers healthy or the deadline passes. */
export async function waitHealthy(clientURL: string, deadlineMs: number, pid: number): Promise<void> {
  await pollProcess(pid, deadlineMs, 'healthy', async () => {
    const r = await fetch(new URL('/health', clientURL), { signal: AbortSignal.timeout(1000) });
    const body = (await r.json()) as { health?: string; reason?: string };
    return body.health === 'true' ? undefined : (body.reason ?? `HTTP ${r.status}`);
  });
}

/** waitReady polls url (an HTTP /readyz) until it answers 200, the process exits, or the deadline passes. */
export async function waitReady(url: string, deadlineMs: number, pid: number): Promise<void> {
  await pollProcess(pid, deadlineMs, 'ready', async () => {
    const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return r.status === 200 ? undefined : `HTTP ${r.status}`;
  });
}
