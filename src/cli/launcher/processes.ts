import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withRuntimeFlags } from '../../util/node-flags.js';

/**
 * LISTEN_PORT_FLOOR is the lowest port freePort hands out: above the registered services most machines run,
 * below the kernel's ephemeral range.
 */
const LISTEN_PORT_FLOOR = 10_000;

/** handedOut holds the ports this process has handed out, so that two callers never get the same one. */
const handedOut = new Set<number>();

/**
 * PORT_RESERVATIONS is the directory where freePort records, one file per port holding the PID, the ports a
 * process has handed out, so that another process (a second test file running alongside, a second `capstan up`
 * while the first is starting) does not hand out the same one while the first lives: a stopped member's port is
 * free to bind until it is restarted on it, and a random pick elsewhere could take it in between. Two processes
 * that take over the same stale reservation at the same instant can both win; the bind check still stands.
 */
export const PORT_RESERVATIONS = join(tmpdir(), 'capstan-ports');

/**
 * reservePort records that this process hands out port, unless a live process other than this one holds it
 * (a reservation whose process is gone is taken over). It answers true where reservations cannot be recorded
 * at all (no writable directory): the bind check still stands.
 */
export function reservePort(port: number, dir = PORT_RESERVATIONS): boolean {
  const file = join(dir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    // Written aside and linked into place, so that a reservation is never seen without its PID.
    const draft = `${file}.${process.pid}`;
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(draft, String(process.pid));
      linkSync(draft, file);
      ownReservations.push(file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return true;
    } finally {
      rmSync(draft, { force: true });
    }
    const holder = reservationHolder(file);
    if (holder === process.pid) return true;
    if (holder !== undefined && isAlive(holder)) return false;
    rmSync(file, { force: true });
  }
  return false;
}

/** ownReservations lists the reservation files this process wrote; they are removed when it exits. */
const ownReservations: string[] = [];
process.once('exit', () => {
  for (const file of ownReservations) rmSync(file, { force: true });
});

/** reservationHolder reads the PID in a reservation file; undefined if it is gone or holds no PID. */
function reservationHolder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * freePort finds a free loopback port for a listener that a process will bind a moment later (or again
 * after a restart). It picks at random below the kernel's ephemeral range (Linux's ip_local_port_range),
 * where no outgoing connection can take the port in between — with many connections open, one bound to
 * port 0 and released soon came back as some connection's local port, and the listener then failed with
 * EADDRINUSE — skips ports another live process has handed out (PORT_RESERVATIONS), and checks that it
 * binds. Elsewhere, or if that range is too narrow, the kernel picks (port 0).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const ephemeralLow = ephemeralPortFloor();
  if (ephemeralLow !== undefined && ephemeralLow - LISTEN_PORT_FLOOR >= 1_000) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = randomInt(LISTEN_PORT_FLOOR, ephemeralLow);
      if (handedOut.has(port) || !reservePort(port)) continue;
      if ((await bindPort(host, port)) !== undefined) {
        handedOut.add(port);
        return port;
      }
    }
  }
  for (;;) {
    const port = await bindPort(host, 0);
    if (port === undefined) throw new Error(`no free port on ${host}`);
    if (!handedOut.has(port) && reservePort(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** freePorts returns n distinct free loopback ports (see freePort). */
export async function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await freePort(host));
  return out;
}

/** ephemeralPortFloor is the lowest port of Linux's ephemeral range, or undefined where it cannot be read. */
function ephemeralPortFloor(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : undefined;
  } catch {
    return undefined;
  }
}

/** bindPort binds host:port (0: the kernel picks) and releases it, resolving with the port or undefined if taken. */
function bindPort(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(undefined) : reject(err)));
    s.listen({ host, port, exclusive: true }, () => {
      const bound = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(bound));
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
