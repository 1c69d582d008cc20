/**
 * check-perf runs `etcdctl check perf --load=<s|m|l|xl>` against all three members of a cluster and parses
 * its verdict. etcdctl's check is fixed at 60 s of puts at a target rate (s: 150 writes/s from 50 clients,
 * m: 1,000 from 200, l: 8,000 from 500, xl: 15,000 from 1,000); it passes when the throughput reaches 90 %
 * of the target, the slowest request takes under 500 ms and the latency standard deviation stays under
 * 100 ms. etcdctl cleans its keys up afterwards.
 */
import { spawn } from 'node:child_process';
import { cpuDelta, cpuSeconds, sampleCpu } from './proc-cpu.js';
import type { BenchCluster } from './clusters.js';
import { findOnPath } from './clusters.js';
import type { ProcessRegistry } from './processes.js';

/** CheckPerfLoad is an etcdctl check perf workload model. */
export type CheckPerfLoad = 's' | 'm' | 'l' | 'xl';

/** CheckPerfResult is etcdctl's verdict and the figures of its PASS/FAIL lines. */
export interface CheckPerfResult {
  load: CheckPerfLoad;
  /** passed is etcdctl's final verdict; undefined when it printed none (crash, timeout). */
  passed: boolean | undefined;
  throughput: number | undefined;
  slowestSeconds: number | undefined;
  stddevSeconds: number | undefined;
  /** lines are etcdctl's PASS/FAIL lines as printed. */
  lines: string[];
  exitCode: number | null;
  wallSeconds: number;
  serverCpuSeconds: number;
  /** serverCpuPer1kOps is server CPU-seconds per 1,000 writes (throughput × 60 s). */
  serverCpuPer1kOps: number | undefined;
  /** loadCpuSeconds is etcdctl's own CPU time (last sample before it exited). */
  loadCpuSeconds: number;
  /** tail is the last lines of output when etcdctl printed no verdict. */
  tail?: string;
  /** output is everything etcdctl printed. */
  output: string;
}

/**
 * parseCheckPerf reads etcdctl check perf's output (progress bar lines included). etcdctl 3.4 prints
 * `PASS: Throughput is N writes/s` or `FAIL: Throughput too low: N writes/s`, `PASS: Slowest request took Xs`
 * or, without a prefix, `Slowest request took too long: Xs`, `PASS: Stddev is Xs` or `FAIL: Stddev too high:
 * Xs`, `FAIL: ERROR(…) -> n` per error kind, and a last line `PASS` or `FAIL`.
 */
export function parseCheckPerf(output: string): Pick<CheckPerfResult, 'passed' | 'throughput' | 'slowestSeconds' | 'stddevSeconds' | 'lines'> {
  // The progress bar ends without a newline, so the first verdict line may share its line: split there too.
  const lines = output
    .replace(/(PASS|FAIL|Throughput|Slowest request|Stddev)/g, '\n$1')
    .replace(/(PASS|FAIL): \n/g, '$1: ')
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => /^(PASS|FAIL)\b/.test(l) || /^(Throughput|Slowest request|Stddev)/.test(l));
  const num = (re: RegExp): number | undefined => {
    for (const l of lines) {
      const m = re.exec(l);
      if (m !== null) return Number(m[1]);
    }
    return undefined;
  };
  const verdict = lines.find((l) => l === 'PASS' || l === 'FAIL');
  return {
    passed: verdict === undefined ? undefined : verdict === 'PASS',
    throughput: num(/Throughput\D*(\d+(?:\.\d+)?) writes\/s/),
    slowestSeconds: num(/Slowest request took\D*(\d+(?:\.\d+)?)s/),
    stddevSeconds: num(/Stddev\D*(\d+(?:\.\d+)?)s/),
    lines,
  };
}

/** runCheckPerf runs etcdctl check perf with a deadline of timeoutMs (then SIGKILL). */
export async function runCheckPerf(cluster: BenchCluster, load: CheckPerfLoad, registry: ProcessRegistry, timeoutMs: number): Promise<CheckPerfResult> {
  const etcdctl = findOnPath('etcdctl');
  if (etcdctl === undefined) throw new Error('etcdctl is not on PATH');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCDCTL_')) env[k] = v;
  env['ETCDCTL_API'] = '3';
  const serverPids = cluster.pids;
  const server0 = sampleCpu(serverPids);
  const started = performance.now();
  const child = spawn(etcdctl, [`--endpoints=${cluster.endpoints.join(',')}`, 'check', 'perf', `--load=${load}`, `--prefix=/bench-check-perf-${load}/`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid !== undefined) registry.add(pid, `etcdctl check perf --load=${load}`);
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  // etcdctl's CPU can only be read while it runs: keep the latest sample.
  let loadCpu = 0;
  const sampler = setInterval(() => {
    if (pid !== undefined) loadCpu = cpuSeconds(pid) ?? loadCpu;
  }, 250);
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  clearInterval(sampler);
  clearTimeout(killer);
  if (pid !== undefined) registry.remove(pid);
  const wallSeconds = (performance.now() - started) / 1000;
  const server = cpuDelta(server0, sampleCpu(serverPids));
  const parsed = parseCheckPerf(output);
  const writes = parsed.throughput === undefined ? undefined : parsed.throughput * 60;
  return {
    load,
    ...parsed,
    exitCode,
    wallSeconds,
    serverCpuSeconds: server.seconds,
    serverCpuPer1kOps: writes === undefined || writes === 0 ? undefined : server.seconds / (writes / 1000),
    loadCpuSeconds: loadCpu,
    output,
    ...(parsed.passed === undefined ? { tail: output.split(/[\r\n]+/).slice(-8).join('\n') } : {}),
  };
}
