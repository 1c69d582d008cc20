/**
 * startStore runs one store process, a single-member cluster, for the compatibility and integration
 * suites: the selected target (see tools.ts) with etcd's own flag names, on loopback ports chosen at run
 * time, in a fresh temporary data directory, with its stdout and stderr appended to a log file whose tail
 * is printed when a test fails.
 *
 * Processes are only ever signalled by their PID (SIGTERM, then SIGKILL after a deadline), and a process
 * 'exit' hook SIGKILLs any store the worker leaves behind.
 *
 * createStore is the lower-level entry point for harnesses that lay out several members themselves
 * (cluster.ts): it builds a ControlledStore from a StoreLayout without launching it, and adds SIGSTOP /
 * SIGCONT fault injection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { probeReady } from './grpc.js';
import { freePorts } from '../../../src/cli/launcher/processes.js';
import { repoRoot, storeCommand, type CompatTarget, type StoreCommand } from './tools.js';

/** StoreOptions configures one store process. */
export interface StoreOptions {
  /** name is the member name (--name); default `compat`. */
  name?: string;
  /** flags are extra etcd flags in `--flag=value` form, e.g. `--max-request-bytes=1024`. */
  flags?: readonly string[];
  /** readyTimeoutMs bounds the wait for the first successful linearizable read; default 20 s. */
  readyTimeoutMs?: number;
  /** stopTimeoutMs is how long stop() waits after SIGTERM before SIGKILL; default 10 s. */
  stopTimeoutMs?: number;
  /** target overrides CAPSTAN_COMPAT_TARGET for this store (a suite that must run against real etcd). */
  target?: CompatTarget;
}

/** Store is a running (or stopped) store process and where to reach it. */
export interface Store {
  readonly target: CompatTarget;
  readonly name: string;
  /** endpoint is the client URL, http://127.0.0.1:PORT, for etcdctl --endpoints. */
  readonly endpoint: string;
  /** address is host:port of the client URL, for gRPC clients. */
  readonly address: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** pid is the current process's PID (a restart changes it). */
  readonly pid: number;
  readonly running: boolean;
  /** argv is the full command line of the current process. */
  readonly argv: readonly string[];
  /** stop sends SIGTERM, then SIGKILL after the stop deadline, and resolves once the process is gone. */
  stop(): Promise<void>;
  /** kill9 sends SIGKILL and resolves once the process is gone. */
  kill9(): Promise<void>;
  /** restart stops the process if it runs and starts it again on the same ports and data dir. */
  restart(): Promise<void>;
  /** logTail returns the last lines of the process's combined stdout and stderr. */
  logTail(lines?: number): string;
  /** dispose stops the process and removes its temporary directory (kept if CAPSTAN_COMPAT_KEEP=1). */
  dispose(): Promise<void>;
}

/** StoreStartError says the store did not become ready; the message carries its log tail. */
export class StoreStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreStartError';
  }
}

/** StoreLayout is where one store process lives and the complete etcd flag list it is started with. */
export interface StoreLayout {
  name: string;
  /** endpoint is the client URL, http://127.0.0.1:PORT. */
  endpoint: string;
  /** address is host:port of the client URL. */
  address: string;
  peerUrl: string;
  /** root is the process's own temporary directory, removed by dispose() (unless CAPSTAN_COMPAT_KEEP=1). */
  root: string;
  dataDir: string;
  logFile: string;
  /** flags is every etcd flag in `--flag=value` form, --name and --data-dir included. */
  flags: readonly string[];
}

/**
 * ControlledStore is a Store whose launch the caller controls (several members of one cluster must start
 * together, since none is ready before a quorum runs) and which can be frozen: pause() sends SIGSTOP,
 * resume() SIGCONT. A paused process is resumed before SIGTERM, so stop() still shuts it down gracefully.
 */
export interface ControlledStore extends Store {
  /** paused is true between pause() and resume() (or the process's exit). */
  readonly paused: boolean;
  /** launch spawns the process and resolves once it serves a linearizable read; rejects with StoreStartError. */
  launch(): Promise<void>;
  /** pause sends SIGSTOP to the PID. */
  pause(): void;
  /** resume sends SIGCONT to the PID. */
  resume(): void;
  /** formattedTail is logTail framed with the log file's path, for failure messages. */
  formattedTail(lines?: number): string;
}

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

const leftovers = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  leftovers.add(child);
  child.once('exit', () => leftovers.delete(child));
  if (!exitHookInstalled) {
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
}

function childEnv(): NodeJS.ProcessEnv {
  // etcd reads ETCD_* variables as flags; keep the caller's environment from configuring the store.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCD_') && !k.startsWith('ETCDCTL_')) env[k] = v;
  return env;
}

function describeExit(e: ExitInfo): string {
  if (e.error !== undefined) return `failed to start (${e.error.message})`;
  return e.signal !== null ? `was killed by ${e.signal}` : `exited with code ${String(e.code)}`;
}

class StoreProcess implements ControlledStore {
  private child: ChildProcess | undefined;
  private stopped = false;
  private exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  private exitInfo: ExitInfo | undefined;
  private launches = 0;
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutMs: number;

  constructor(
    private readonly command: StoreCommand,
    readonly name: string,
    readonly endpoint: string,
    readonly address: string,
    readonly peerUrl: string,
    private readonly root: string,
    readonly dataDir: string,
    readonly logFile: string,
    private readonly flags: readonly string[],
    options: StoreOptions,
  ) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  }

  get target(): CompatTarget {
    return this.command.target;
  }

  get argv(): readonly string[] {
    return [this.command.command, ...this.command.args, ...this.flags];
  }

  get pid(): number {
    if (this.child?.pid === undefined) throw new Error(`store ${this.name} has no process`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  get paused(): boolean {
    return this.stopped && this.running;
  }

  pause(): void {
    const child = this.child;
    if (child === undefined || !this.running) throw new Error(`store ${this.name} is not running, cannot pause it`);
    appendFileSync(this.logFile, `==> capstan compat harness: SIGSTOP pid ${String(child.pid)}\n`);
    child.kill('SIGSTOP');
    this.stopped = true;
  }

  resume(): void {
    const child = this.child;
    if (child === undefined || !this.running) return;
    child.kill('SIGCONT');
    this.stopped = false;
    appendFileSync(this.logFile, `==> capstan compat harness: SIGCONT pid ${String(child.pid)}\n`);
  }

  /** launch spawns the process and resolves once it serves a linearizable read. */
  async launch(): Promise<void> {
    if (this.running) throw new Error(`store ${this.name} is already running (pid ${this.pid})`);
    this.launches++;
    appendFileSync(this.logFile, `==> capstan compat harness: launch #${this.launches}: ${this.argv.join(' ')}\n`);
    const fd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.command.command, [...this.command.args, ...this.flags], {
        cwd: repoRoot,
        env: childEnv(),
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.exitInfo = undefined;
    this.stopped = false;
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    }).then((info) => {
      if (this.child === child) this.exitInfo = info;
      return info;
    });
    track(child);
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const started = Date.now();
    const deadline = started + this.readyTimeoutMs;
    let lastError: unknown;
    for (;;) {
      const outcome = await Promise.race([
        probeReady(this.address, 1_000).then(
          () => 'ready' as const,
          (err: unknown) => {
            lastError = err;
            return 'retry' as const;
          },
        ),
        this.exited.then(() => 'exited' as const),
      ]);
      if (outcome === 'ready') return;
      if (outcome === 'exited' || this.exitInfo !== undefined) {
        const info = await this.exited;
        throw new StoreStartError(
          `${this.target} store ${this.name} ${describeExit(info)} before it was ready on ${this.endpoint}\n` +
            `command: ${this.argv.join(' ')}\n${this.formattedTail()}`,
        );
      }
      if (Date.now() >= deadline) {
        await this.kill9();
        const last = lastError instanceof Error ? lastError.message : String(lastError);
        throw new StoreStartError(
          `${this.target} store ${this.name} was not ready on ${this.endpoint} within ${this.readyTimeoutMs} ms (last probe: ${last}); killed it\n` +
            `command: ${this.argv.join(' ')}\n${this.formattedTail()}`,
          { cause: lastError },
        );
      }
      await delay(100);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    child.kill('SIGTERM');
    // a stopped process only acts on SIGTERM once it runs again
    if (this.stopped) this.resume();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      appendFileSync(this.logFile, `==> capstan compat harness: no exit ${this.stopTimeoutMs} ms after SIGTERM; sending SIGKILL\n`);
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  logTail(lines = 60): string {
    let text: string;
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch (err) {
      return `(no log: ${err instanceof Error ? err.message : String(err)})`;
    }
    return text.split('\n').slice(-lines - 1).join('\n');
  }

  formattedTail(lines = 60): string {
    return `--- last ${lines} lines of ${this.logFile} ---\n${this.logTail(lines)}\n--- end of log ---`;
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (process.env['CAPSTAN_COMPAT_KEEP'] !== '1') rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * createStore builds a store process from a layout without launching it; call launch(). The caller owns
 * the layout's root directory until the store exists, and dispose() removes it afterwards.
 */
export function createStore(layout: StoreLayout, options: StoreOptions = {}): ControlledStore {
  const command = storeCommand();
  if (command === undefined) throw new StoreStartError('the store target is not installed (see describeCompat)');
  return new StoreProcess(command, layout.name, layout.endpoint, layout.address, layout.peerUrl, layout.root, layout.dataDir, layout.logFile, layout.flags, options);
}

/**
 * startStore starts a one-member store and resolves once it serves a linearizable Range. It rejects
 * with a StoreStartError carrying the log tail if the process exits first or the deadline passes (the
 * process is killed then), so a missing or broken target fails fast instead of hanging.
 */
export async function startStore(options: StoreOptions = {}): Promise<Store> {
  const command = storeCommand(options.target);
  if (command === undefined) throw new StoreStartError('the store target is not installed (see describeCompat)');
  const name = options.name ?? 'compat';
  const [clientPort, peerPort] = await freePorts(2);
  const root = mkdtempSync(join(tmpdir(), `capstan-compat-${name}-`));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const logFile = join(root, 'store.log');
  const endpoint = `http://127.0.0.1:${String(clientPort)}`;
  const peerUrl = `http://127.0.0.1:${String(peerPort)}`;
  const flags = [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=capstan-compat-${name}-${String(process.pid)}-${String(clientPort)}`,
    ...(options.flags ?? []),
  ];
  const store = new StoreProcess(command, name, endpoint, `127.0.0.1:${String(clientPort)}`, peerUrl, root, dataDir, logFile, flags, options);
  try {
    await store.launch();
  } catch (err) {
    await store.kill9();
    if (process.env['CAPSTAN_COMPAT_KEEP'] !== '1') rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return store;
}

/**
 * useStore starts a store before the tests of the enclosing describe and disposes of it after them (even
 * when they fail), and prints its log tail under any test that fails. It returns an accessor, because the
 * store exists only once beforeAll has run.
 *
 * If the store does not start, every test of the describe fails (the first with the full StoreStartError
 * and log tail, the others with a one-line pointer to it) rather than being skipped, so a run against a
 * missing or broken target counts failures.
 */
export function useStore(options: StoreOptions = {}): () => Store {
  let store: Store | undefined;
  let startError: Error | undefined;
  let reported = false;
  beforeAll(async () => {
    try {
      store = await startStore(options);
    } catch (err) {
      startError = err instanceof Error ? err : new Error(String(err));
    }
  }, (options.readyTimeoutMs ?? 20_000) + 15_000);
  beforeEach((ctx) => {
    if (startError !== undefined) {
      if (!reported) {
        reported = true;
        throw startError;
      }
      throw new Error(`the store did not start (full error and log under the first failed test of this suite): ${startError.message.split('\n')[0] ?? ''}`);
    }
    ctx.onTestFailed(() => {
      if (store !== undefined) {
        console.error(`--- ${store.target} store ${store.name} (pid ${String(store.running ? store.pid : 'exited')}) log tail: ${store.logFile} ---\n${store.logTail()}`);
      }
    });
  });
  afterAll(async () => {
    await store?.dispose();
  });
  return () => {
    if (store === undefined) throw new Error('the store is not running: it failed to start, or its suite has not reached beforeAll yet');
    return store;
  };
}
