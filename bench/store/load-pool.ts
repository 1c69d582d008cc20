/**
 * load-pool forks the load workers once and runs measured windows on them (see worker-protocol.ts). Around
 * each window it samples the CPU time of the server processes and of the workers themselves, so every
 * workload reports server CPU per operation and the load generator's own CPU use next to its throughput.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { cpuDelta, machineCpu, sampleCpu } from './proc-cpu.js';
import type { ProcessRegistry } from './processes.js';
import type { FromWorker, LoadJob, ToWorker, WorkerResult } from './worker-protocol.js';

const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** WindowOptions times one measurement. */
export interface WindowOptions {
  warmupMs: number;
  durationMs: number;
  /** serverPids are the processes whose CPU time is charged to the workload (the members). */
  serverPids: readonly number[];
  /** drainTimeoutMs bounds the wait for the workers' results after stop (their requests' timeout plus slack). */
  drainTimeoutMs: number;
}

/** WindowResult is one measured window: the workers' results and the CPU the window cost. */
export interface WindowResult {
  results: WorkerResult[];
  /** windowSeconds is the coordinator's own measure of the window. */
  windowSeconds: number;
  serverCpuSeconds: number;
  loadCpuSeconds: number;
  /** machineBusySeconds is the CPU time the whole machine spent busy in the window (all processes). */
  machineBusySeconds: number;
  /** lostPids are server or worker PIDs that exited during the window (their CPU is not counted). */
  lostPids: number[];
}

class Worker {
  private readonly waiters: { resolve: (m: FromWorker) => void; reject: (e: Error) => void }[] = [];
  private exited: string | undefined;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromWorker) => {
      const w = this.waiters.shift();
      if (w === undefined) return;
      if (m.type === 'failed') w.reject(new Error(`load worker ${String(child.pid)}: ${m.message}`));
      else w.resolve(m);
    });
    child.once('exit', (code, signal) => {
      this.exited = signal !== null ? `killed by ${signal}` : `exited with code ${String(code)}`;
      for (const w of this.waiters.splice(0)) w.reject(new Error(`load worker ${String(child.pid)} ${this.exited}`));
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  send(msg: ToWorker): void {
    if (this.exited !== undefined) throw new Error(`load worker ${String(this.child.pid)} ${this.exited}`);
    this.child.send(msg);
  }

  /** request sends msg and waits for the worker's next message, at most timeoutMs. */
  async request(msg: ToWorker, timeoutMs: number): Promise<FromWorker> {
    const answer = new Promise<FromWorker>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.send(msg);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        answer,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`load worker ${String(this.child.pid)} did not answer ${msg.type} within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** LoadPool is a fixed set of forked load workers. */
export class LoadPool {
  private constructor(private readonly workers: Worker[]) {}

  /** start forks n workers (running worker.ts under tsx) and registers their PIDs for cleanup. */
  static start(n: number, registry: ProcessRegistry): LoadPool {
    const workers: Worker[] = [];
    for (let i = 0; i < n; i++) {
      const child = fork(workerScript, [], {
        cwd: repoRoot,
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      if (child.pid !== undefined) registry.add(child.pid, `load worker ${i}`);
      child.once('exit', () => {
        if (child.pid !== undefined) registry.remove(child.pid);
      });
      workers.push(new Worker(child));
    }
    return new LoadPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid);
  }

  /**
   * measure starts jobs[i] on worker i (fewer jobs than workers leaves the rest idle), waits the warm-up,
   * then measures one window of durationMs.
   */
  async measure(jobs: readonly LoadJob[], options: WindowOptions): Promise<WindowResult> {
    if (jobs.length > this.workers.length) throw new Error(`${jobs.length} jobs for ${this.workers.length} load workers`);
    const busy = this.workers.slice(0, jobs.length);
    const started = await Promise.allSettled(busy.map((w, i) => w.request({ type: 'start', job: jobs[i]! }, 30_000)));
    const failedStart = started.find((s) => s.status === 'rejected');
    if (failedStart !== undefined) {
      // Stop the workers that did start, so the next workload finds them idle.
      await Promise.allSettled(busy.map((w, i) => (started[i]!.status === 'fulfilled' ? w.request({ type: 'stop' }, options.drainTimeoutMs) : Promise.resolve())));
      throw failedStart.reason instanceof Error ? failedStart.reason : new Error(String(failedStart.reason));
    }
    await delay(options.warmupMs);
    const loadPids = busy.map((w) => w.pid);
    const server0 = sampleCpu(options.serverPids);
    const load0 = sampleCpu(loadPids);
    const machine0 = machineCpu();
    const t0 = performance.now();
    for (const w of busy) w.send({ type: 'record' });
    await delay(options.durationMs);
    const server1 = sampleCpu(options.serverPids);
    const load1 = sampleCpu(loadPids);
    const machine1 = machineCpu();
    const t1 = performance.now();
    const answers = await Promise.all(busy.map((w) => w.request({ type: 'stop' }, options.drainTimeoutMs)));
    const results = answers.map((a) => {
      if (a.type !== 'result') throw new Error(`load worker answered stop with ${a.type}`);
      return a.result;
    });
    const server = cpuDelta(server0, server1);
    const load = cpuDelta(load0, load1);
    return { results, windowSeconds: (t1 - t0) / 1000, serverCpuSeconds: server.seconds, loadCpuSeconds: load.seconds, machineBusySeconds: machine1.busy - machine0.busy, lostPids: [...server.lost, ...load.lost] };
  }

  /** close disconnects the workers (they exit on disconnect) and waits briefly for them to go. */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.child.exitCode !== null || w.child.signalCode !== null) return;
        const gone = new Promise<void>((resolve) => w.child.once('exit', () => resolve()));
        if (w.child.connected) w.child.disconnect();
        await Promise.race([gone, delay(3_000)]);
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      }),
    );
  }
}
