/**
 * Processes for the load-balancer integration tests: the stand-in API server replicas, `capstan lb` and
 * haproxy, each a real child process on loopback ports chosen at run time, with its stdout and stderr
 * appended to a log file whose tail goes into failure messages.
 *
 * Processes are only ever signalled by their own PID (SIGTERM, then SIGKILL after a deadline; SIGKILL for
 * kill9), and a process 'exit' hook SIGKILLs any the worker leaves behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../compat/helpers/tools.js';
import { waitFor } from '../compat/helpers/wait.js';

const leftovers = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  leftovers.add(child);
  child.once('exit', () => leftovers.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of leftovers) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
}

/** ProcessSpec says how to start one process and how to tell it is ready. */
export interface ProcessSpec {
  /** name labels the process in messages and names its log file. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** ready resolves true once the process serves; it is polled until readyTimeoutMs. */
  readonly ready: () => Promise<boolean>;
  readonly readyTimeoutMs?: number;
}

/** ManagedProcess is a child process that can be started, stopped, killed and started again. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private launches = 0;
  private paused = false;

  constructor(
    private readonly spec: ProcessSpec,
    /** logFile collects the process's stdout and stderr across restarts. */
    readonly logFile: string,
  ) {}

  /** running says whether the current process has not exited. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** pid is the current process's PID. */
  get pid(): number {
    if (this.child?.pid === undefined) throw new Error(`${this.spec.name} has no process`);
    return this.child.pid;
  }

  /** start spawns the process and resolves once ready() holds; it kills the process and rejects otherwise. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running (pid ${String(this.pid)})`);
    this.launches++;
    appendFileSync(this.logFile, `==> test harness: launch #${String(this.launches)}: ${this.spec.command} ${this.spec.args.join(' ')}\n`);
    const fd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, [...this.spec.args], { cwd: repoRoot, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    track(child);
    let exitedEarly = false;
    const exited = this.exited.then(() => {
      exitedEarly = true;
    });
    try {
      await Promise.race([
        waitFor(async () => (exitedEarly ? true : (await this.spec.ready()) ? true : undefined), {
          what: `${this.spec.name} to be ready`,
          timeoutMs: this.spec.readyTimeoutMs ?? 20_000,
          intervalMs: 50,
        }),
        exited,
      ]);
      if (exitedEarly) throw new Error(`${this.spec.name} exited before it was ready`);
    } catch (err) {
      await this.kill9();
      throw new Error(`${this.spec.name} did not start: ${err instanceof Error ? err.message : String(err)}\n${this.formattedTail()}`, { cause: err });
    }
  }

  /** stop sends SIGTERM, then SIGKILL after 10 s, and resolves once the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    child.kill('SIGTERM');
    // a stopped process only acts on SIGTERM once it runs again
    this.resume();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), 10_000);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** kill9 sends SIGKILL and resolves once the process is gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** pause freezes the process with SIGSTOP: its sockets stay open and the kernel still accepts connections. */
  pause(): void {
    if (this.child === undefined || !this.running) throw new Error(`${this.spec.name} is not running`);
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  /** resume continues a paused process with SIGCONT. */
  resume(): void {
    if (this.child === undefined || !this.running || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** formattedTail is the last lines of the log file, framed with its path. */
  formattedTail(lines = 40): string {
    let text: string;
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch (err) {
      text = `(no log: ${err instanceof Error ? err.message : String(err)})`;
    }
    return `--- last ${String(lines)} lines of ${this.logFile} ---\n${text.split('\n').slice(-lines - 1).join('\n')}\n--- end of log ---`;
  }
}

/** TestDir is a temporary directory for logs and configs, removed by dispose (kept if CAPSTAN_COMPAT_KEEP=1). */
export interface TestDir {
  readonly path: string;
  dispose(): void;
}

/** makeTestDir creates a TestDir. */
export function makeTestDir(prefix: string): TestDir {
  const path = mkdtempSync(join(tmpdir(), `capstan-${prefix}-`));
  return {
    path,
    dispose: () => {
      if (process.env['CAPSTAN_COMPAT_KEEP'] !== '1') rmSync(path, { recursive: true, force: true });
    },
  };
}

/** nodeTsx is the command prefix that runs a TypeScript entry point of this repository. */
export function nodeTsx(script: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', 'tsx', join(repoRoot, script)] };
}
