/**
 * workloads are the measured runs against one cluster that go through the load workers: closed-loop puts
 * and gets (throughput, latency, CPU per operation) and watch event latency. Each returns a Measurement;
 * report.ts lays two of them (capstan, etcd) side by side.
 *
 * Where requests go: closed-loop clients are spread round-robin over all three members, as etcd's
 * `benchmark` tool spreads its connections over --endpoints; a put sent to a follower is forwarded to the
 * leader by the member, a linearizable get on a follower does a ReadIndex round through the leader, a
 * serializable get is answered by whichever member receives it. The watch workload writes to the leader and
 * watches on a follower, so every event has been replicated and applied on another member.
 */
import { randomBytes } from 'node:crypto';
import type { BenchCluster } from './clusters.js';
import type { LoadPool, WindowResult } from './load-pool.js';
import { EtcdRpc, encodePut } from './rpc.js';
import { median, summarize, type LatencySummary } from './stats.js';
import type { LoadJob } from './worker-protocol.js';

/** Measurement is what one workload measured on one cluster. */
export interface Measurement {
  /** opsPerSecond is successful operations (events, for watch) per second of the window. */
  opsPerSecond: number;
  ops: number;
  latency: LatencySummary;
  /** putLatency is the writer's put latency (watch only). */
  putLatency?: LatencySummary;
  errors: Record<string, number>;
  firstError?: string;
  windowSeconds: number;
  serverCpuSeconds: number;
  /** serverCpuPer1kOps is server CPU-seconds per 1,000 operations (undefined with no operations). */
  serverCpuPer1kOps: number | undefined;
  /** loadCpuSeconds is the load workers' own CPU time in the window. */
  loadCpuSeconds: number;
  /**
   * otherCpuSeconds is the rest of the machine's busy CPU time in the window: the idle other cluster, the
   * coordinator, and anything else running on the host.
   */
  otherCpuSeconds: number;
  /** notes are caveats: PIDs lost during the window, skipped ticks, which member did what. */
  notes: string[];
}

/** TimingOptions are the run-wide window settings. */
export interface TimingOptions {
  warmupMs: number;
  durationMs: number;
  /** timeoutMs is every request's deadline. */
  timeoutMs: number;
}

/** splitClients divides clients over workers as evenly as possible, with running offsets for round-robin. */
export function splitClients(clients: number, workers: number): { clients: number; offset: number }[] {
  const out: { clients: number; offset: number }[] = [];
  let offset = 0;
  for (let i = 0; i < workers; i++) {
    const n = Math.floor(clients / workers) + (i < clients % workers ? 1 : 0);
    if (n > 0) out.push({ clients: n, offset });
    offset += n;
  }
  return out;
}

function combine(w: WindowResult): Measurement {
  const { results, windowSeconds, serverCpuSeconds, loadCpuSeconds, lostPids } = w;
  const errors: Record<string, number> = {};
  let ops = 0;
  let opsPerSecond = 0;
  let firstError: string | undefined;
  for (const r of results) {
    ops += r.ops;
    // Each worker's own window: the record/stop messages reach the workers a little apart.
    opsPerSecond += r.windowMs > 0 ? r.ops / (r.windowMs / 1000) : 0;
    for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
    firstError ??= r.firstError;
  }
  const notes: string[] = [];
  if (lostPids.length > 0) notes.push(`processes exited during the window (CPU not counted): ${lostPids.join(', ')}`);
  return {
    opsPerSecond,
    ops,
    latency: summarize(results.map((r) => r.latenciesMs)),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    windowSeconds,
    serverCpuSeconds,
    serverCpuPer1kOps: ops > 0 ? serverCpuSeconds / (ops / 1000) : undefined,
    loadCpuSeconds,
    otherCpuSeconds: Math.max(0, w.machineBusySeconds - serverCpuSeconds - loadCpuSeconds),
    notes,
  };
}

/** PutSpec is a put workload: concurrency and value size. */
export interface PutSpec {
  clients: number;
  valueBytes: number;
}

/** measurePuts runs closed-loop puts of spec.valueBytes-byte values to random keys (100,000-key space). */
export async function measurePuts(cluster: BenchCluster, pool: LoadPool, spec: PutSpec, timing: TimingOptions): Promise<Measurement> {
  const jobs: LoadJob[] = splitClients(spec.clients, pool.size).map((s) => ({
    kind: 'put',
    addresses: cluster.addresses,
    clients: s.clients,
    clientOffset: s.offset,
    valueBytes: spec.valueBytes,
    keyPrefix: `bench/put/c${spec.clients}/`,
    keySpace: 100_000,
    timeoutMs: timing.timeoutMs,
  }));
  const w = await pool.measure(jobs, { ...timing, serverPids: cluster.pids, drainTimeoutMs: timing.timeoutMs + 10_000 });
  return combine(w);
}

/** GET_KEY is the single key the get workloads read; it holds a 256-byte value. */
export const GET_KEY = 'bench/get/key';

/** measureGets runs closed-loop single-key gets, linearizable or serializable. */
export async function measureGets(cluster: BenchCluster, pool: LoadPool, clients: number, serializable: boolean, timing: TimingOptions): Promise<Measurement> {
  const rpc = new EtcdRpc(cluster.addresses[0]!);
  try {
    await rpc.put(encodePut(Buffer.from(GET_KEY), randomBytes(256)), timing.timeoutMs);
  } finally {
    rpc.close();
  }
  const jobs: LoadJob[] = splitClients(clients, pool.size).map((s) => ({
    kind: 'range',
    addresses: cluster.addresses,
    clients: s.clients,
    clientOffset: s.offset,
    key: GET_KEY,
    serializable,
    timeoutMs: timing.timeoutMs,
  }));
  const w = await pool.measure(jobs, { ...timing, serverPids: cluster.pids, drainTimeoutMs: timing.timeoutMs + 10_000 });
  return combine(w);
}

/**
 * measureWatch watches a prefix on a follower and writes to the leader at ratePerSecond 256-byte puts; the
 * latency is put-issue → event-received (both clocks in the same load worker), for every event.
 */
export async function measureWatch(cluster: BenchCluster, pool: LoadPool, ratePerSecond: number, timing: TimingOptions): Promise<Measurement> {
  const { leader } = await cluster.leader(15_000);
  const follower = cluster.members.find((m) => m !== leader)!;
  const job: LoadJob = {
    kind: 'watch',
    watchAddress: follower.address,
    writerAddress: leader.address,
    keyPrefix: 'bench/watch/',
    ratePerSecond,
    valueBytes: 256,
    maxInFlight: 256,
    timeoutMs: timing.timeoutMs,
  };
  const w = await pool.measure([job], { ...timing, serverPids: cluster.pids, drainTimeoutMs: timing.timeoutMs + 10_000 });
  const m = combine(w);
  const r = w.results[0]!;
  m.putLatency = summarize([r.putLatenciesMs]);
  m.notes.push(`watch on follower ${follower.name}, puts to leader ${leader.name}`);
  if (r.skipped > 0) m.notes.push(`${r.skipped} put ticks skipped: 256 puts already outstanding`);
  return m;
}

/**
 * medianOfRounds folds the rounds of one workload on one system into one Measurement: each figure is the
 * median over the rounds (so one round disturbed by the VM does not move it), except the maximum latency,
 * which is the largest of any round, and the errors, which are summed over all rounds (so they are not a
 * rate of the median ops); a note lists every round's ops/s and p99.
 */
export function medianOfRounds(rounds: readonly Measurement[]): Measurement {
  if (rounds.length === 1) return rounds[0]!;
  const m = (f: (x: Measurement) => number | undefined): number => median(rounds.map(f)) ?? 0;
  const lat = (f: (x: Measurement) => LatencySummary | undefined): LatencySummary | undefined =>
    rounds.every((r) => f(r) === undefined)
      ? undefined
      : {
          count: m((r) => f(r)?.count),
          p50Ms: median(rounds.map((r) => f(r)?.p50Ms)),
          p99Ms: median(rounds.map((r) => f(r)?.p99Ms)),
          maxMs: Math.max(...rounds.map((r) => f(r)?.maxMs ?? 0)),
        };
  const errors: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const putLatency = lat((r) => r.putLatency);
  const firstError = rounds.find((r) => r.firstError !== undefined)?.firstError;
  return {
    opsPerSecond: m((r) => r.opsPerSecond),
    ops: m((r) => r.ops),
    latency: lat((r) => r.latency)!,
    ...(putLatency === undefined ? {} : { putLatency }),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    windowSeconds: m((r) => r.windowSeconds),
    serverCpuSeconds: m((r) => r.serverCpuSeconds),
    serverCpuPer1kOps: median(rounds.map((r) => r.serverCpuPer1kOps)),
    loadCpuSeconds: m((r) => r.loadCpuSeconds),
    otherCpuSeconds: m((r) => r.otherCpuSeconds),
    notes: [
      `median of ${rounds.length} rounds; per round ops/s (p99 ms): ${rounds.map((r) => `${Math.round(r.opsPerSecond)} (${r.latency.p99Ms?.toFixed(0) ?? '–'})`).join(', ')}`,
      ...new Set(rounds.flatMap((r) => r.notes)),
    ],
  };
}
