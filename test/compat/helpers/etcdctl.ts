/**
 * Running the real etcdctl (v3 API) against a store: one-shot commands with a deadline, and long-running
 * ones (watch) whose stdout lines a test reads one by one with a deadline before stopping them by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach } from 'vitest';
import { parseEtcdJson } from './json.js';
import { etcdctlPath } from './tools.js';
import { AsyncQueue, DeadlineError } from './wait.js';

/** EtcdctlResult is how one etcdctl run ended and what it printed. */
export interface EtcdctlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** RunOptions: text for stdin (for `txn`), and the deadline for the whole run. */
export interface RunOptions {
  input?: string;
  timeoutMs?: number;
}

function etcdctlEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCDCTL_') && !k.startsWith('ETCD_')) env[k] = v;
  env['ETCDCTL_API'] = '3';
  return env;
}

function binary(): string {
  const path = etcdctlPath();
  if (path === undefined) throw new Error('etcdctl is not on PATH (Debian package etcd-client)');
  return path;
}

/** Etcdctl runs etcdctl against one endpoint with bounded dial and command timeouts. */
export class Etcdctl {
  constructor(private readonly endpoint: () => string) {}

  /** argv is the full argument list for args: global flags first. */
  argv(args: readonly string[]): string[] {
    return [`--endpoints=${this.endpoint()}`, '--dial-timeout=3s', '--command-timeout=10s', ...args];
  }

  /** run executes etcdctl and resolves with its exit status and output, whatever the status. */
  run(args: readonly string[], options: RunOptions = {}): Promise<EtcdctlResult> {
    const timeoutMs = options.timeoutMs ?? 20_000;
    const argv = this.argv(args);
    return new Promise<EtcdctlResult>((resolve, reject) => {
      const child = spawn(binary(), argv, { env: etcdctlEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new DeadlineError(`etcdctl ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  }

  /** ok runs etcdctl, requires exit code 0, and resolves to its stdout. */
  async ok(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0) {
      throw new Error(`etcdctl ${args.join(' ')} exited with ${String(r.code ?? r.signal)}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    }
    return r.stdout;
  }

  /** json runs etcdctl with `-w json` and parses its output (integers as decimal strings). */
  async json<T>(args: readonly string[], options: RunOptions = {}): Promise<T> {
    return parseEtcdJson<T>(await this.ok([...args, '-w', 'json'], options));
  }

  /** fail runs etcdctl, requires a non-zero exit, and resolves with the result. */
  async fail(args: readonly string[], options: RunOptions = {}): Promise<EtcdctlResult> {
    const r = await this.run(args, options);
    if (r.code === 0) throw new Error(`etcdctl ${args.join(' ')} was expected to fail but exited 0\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  }

  /** spawn starts a long-running etcdctl (e.g. watch); stop it with stop() or via trackProcesses(). */
  spawn(args: readonly string[]): LineProcess {
    return new LineProcess(binary(), this.argv(args), etcdctlEnv());
  }
}

/**
 * errorLines returns etcdctl's own `Error: ...` lines from stderr, dropping the client library's JSON
 * retry logs that etcdctl 3.4 interleaves there.
 */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
}

/** LineProcess is a child process whose stdout lines queue up for a test to take with a deadline. */
export class LineProcess {
  private readonly child: ChildProcess;
  private readonly lines = new AsyncQueue<string>((items) => `unread stdout: ${JSON.stringify(items)}\nstderr: ${this.stderr}`);
  private readonly exited: Promise<void>;
  /** stderr accumulates what the process printed on stderr. */
  stderr = '';

  constructor(command: string, argv: readonly string[], env: NodeJS.ProcessEnv) {
    const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const stdout = child.stdout;
    if (stdout === null || child.stderr === null) throw new Error('no stdout/stderr pipes');
    createInterface({ input: stdout, crlfDelay: Infinity }).on('line', (line) => this.lines.push(line));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        this.lines.end(new Error(`the process exited with ${String(code ?? signal)}`));
        resolve();
      });
      child.once('error', (err) => {
        this.lines.end(err);
        resolve();
      });
    });
  }

  /** pid is the child's PID. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** nextLines resolves to the next n stdout lines, waiting at most timeoutMs. */
  nextLines(n: number, timeoutMs: number, what: string): Promise<string[]> {
    return this.lines.take(n, timeoutMs, what);
  }

  /** pendingLines is how many lines arrived that nobody has taken yet. */
  get pendingLines(): number {
    return this.lines.size;
  }

  /** waitExit resolves when the process has exited and its pipes are closed. */
  waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new DeadlineError(`process ${String(this.pid)} did not exit within ${timeoutMs} ms`)), timeoutMs);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve({ code: this.child.exitCode, signal: this.child.signalCode });
      });
    });
  }

  /** stop sends SIGTERM to the PID, SIGKILL after 5 s, and resolves once it is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * trackProcesses returns a function that registers long-running processes, and stops every registered
 * one after each test, passed or failed.
 */
export function trackProcesses(): <P extends LineProcess>(p: P) => P {
  const live = new Set<LineProcess>();
  afterEach(async () => {
    await Promise.all([...live].map((p) => p.stop()));
    live.clear();
  });
  return (p) => {
    live.add(p);
    return p;
  };
}
