/**
 * bench:store compares capstan's store with etcd 3.4 on the same machine in one run: it starts a 3-member
 * capstan cluster (`capstan up`) and a 3-member etcd cluster, both on loopback with etcd's default timings,
 * and runs every workload against one and then the other, printing ops/s, p50/p99 latency, server
 * CPU-seconds per 1,000 operations and the capstan/etcd ratio, plus the load generator's own CPU use.
 *
 * Workloads: put64, put256 (closed-loop 256-byte puts at 64 / 256 clients), get (linearizable and
 * serializable single-key gets at 64 clients), watch (put-issue → event latency), checkperf (`etcdctl check
 * perf`), failover (SIGKILL the leader K times: kill → new leader, kill → first write).
 *
 * Run: npm run bench:store [-- --only put64,get --duration 10 --rounds 3 --kills 20]; see bench/README.md.
 * Everything is bounded: per-request deadlines, per-trial deadlines, and --deadline-min for the whole run, at
 * which point every process it started is killed by PID.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCheckPerf, type CheckPerfLoad, type CheckPerfResult } from './check-perf.js';
import { BenchCluster, findOnPath, waitMemberReady, type StoreKind } from './clusters.js';
import { runFailover, type FailoverTrial } from './failover.js';
import { LoadPool } from './load-pool.js';
import { STOPPING_MARKER, scanLogs } from './log-scan.js';
import { ProcessRegistry } from './processes.js';
import { renderMarkdown, renderText, type Block, type Row } from './report.js';
import { percentile } from './stats.js';
import { measureGets, measurePuts, measureWatch, medianOfRounds, type Measurement, type TimingOptions } from './workloads.js';

const WORKLOADS = ['put64', 'put256', 'get', 'watch', 'checkperf', 'failover'] as const;
type WorkloadId = (typeof WORKLOADS)[number];
const SYSTEMS: readonly StoreKind[] = ['capstan', 'etcd'];

/** RunOptions are the validated command-line options. */
interface RunOptions {
  only: WorkloadId[];
  durationMs: number;
  warmupMs: number;
  kills: number;
  /** rounds runs each throughput workload this many times, alternating the systems, and reports medians. */
  rounds: number;
  workers: number;
  perfLoads: CheckPerfLoad[];
  watchRate: number;
  keep: boolean;
  /** cpuProf makes capstan's processes write CPU profiles into the run's directory (implies keep). */
  cpuProf: boolean;
  /** freeze makes failover SIGSTOP the leader instead of SIGKILL (no TCP connection closes). */
  freeze: boolean;
  deadlineMs: number;
}

function parseOptions(argv: string[]): RunOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', default: WORKLOADS.join(',') },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string' },
      kills: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '1' },
      workers: { type: 'string', default: '2' },
      'perf-loads': { type: 'string', default: 'm' },
      'watch-rate': { type: 'string', default: '200' },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      freeze: { type: 'boolean', default: false },
      'deadline-min': { type: 'string', default: '15' },
    },
  });
  const positive = (name: string, v: string | undefined, max: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new RangeError(`--${name}: want a number in (0, ${max}], got ${String(v)}`);
    return n;
  };
  const positiveInteger = (name: string, v: string | undefined, max: number): number => {
    const n = positive(name, v, max);
    if (!Number.isInteger(n)) throw new RangeError(`--${name}: want a whole number, got ${String(v)}`);
    return n;
  };
  const only = (values.only ?? '').split(',').filter((s) => s !== '');
  for (const w of only) if (!(WORKLOADS as readonly string[]).includes(w)) throw new RangeError(`--only: unknown workload ${w} (have ${WORKLOADS.join(', ')})`);
  const perfLoads = (values['perf-loads'] ?? '').split(',').filter((s) => s !== '');
  for (const l of perfLoads) if (!['s', 'm', 'l', 'xl'].includes(l)) throw new RangeError(`--perf-loads: unknown load ${l} (have s, m, l, xl)`);
  const durationMs = positive('duration', values.duration, 600) * 1000;
  return {
    // failover runs first, on the still-empty clusters: a restarted capstan member rebuilds its MVCC index from
    // every revision it holds, so after the put workloads each restart would take seconds longer.
    only: (['failover', ...WORKLOADS.filter((w) => w !== 'failover')] as WorkloadId[]).filter((w) => only.includes(w)),
    durationMs,
    warmupMs: values.warmup === undefined ? Math.min(2_000, durationMs / 4) : positive('warmup', values.warmup, 60) * 1000,
    kills: Math.round(positive('kills', values.kills, 200)),
    rounds: positiveInteger('rounds', values.rounds, 20),
    workers: Math.max(2, Math.round(positive('workers', values.workers, 32))),
    perfLoads: perfLoads as CheckPerfLoad[],
    watchRate: positive('watch-rate', values['watch-rate'], 20_000),
    keep: (values.keep ?? false) || (values['cpu-prof'] ?? false),
    cpuProf: values['cpu-prof'] ?? false,
    freeze: values.freeze ?? false,
    deadlineMs: positive('deadline-min', values['deadline-min'], 240) * 60_000,
  };
}

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function progress(line: string): void {
  process.stderr.write(`[bench:store ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type PerSystem<T> = Partial<Record<StoreKind, T>>;

/** WithTerms is a workload's results with how far each cluster's Raft term moved while it ran. */
type WithTerms<T> = PerSystem<T> & { termDelta: PerSystem<number> };

function termRow(r: WithTerms<unknown>): Row {
  return { metric: 'Raft term change', capstan: r.termDelta.capstan, etcd: r.termDelta.etcd };
}

function measurementBlock(title: string, r: WithTerms<Measurement>, opsLabel = 'ops/s'): Block {
  const pick = (f: (m: Measurement) => number | undefined): Pick<Row, 'capstan' | 'etcd'> => ({
    capstan: r.capstan === undefined ? undefined : f(r.capstan),
    etcd: r.etcd === undefined ? undefined : f(r.etcd),
  });
  const errors = (m: Measurement): number => Object.values(m.errors).reduce((a, b) => a + b, 0);
  const rows: Row[] = [
    { metric: opsLabel, ...pick((m) => m.opsPerSecond) },
    { metric: 'p50 ms', ...pick((m) => m.latency.p50Ms), digits: 1 },
    { metric: 'p99 ms', ...pick((m) => m.latency.p99Ms), digits: 1 },
  ];
  if (r.capstan?.putLatency !== undefined || r.etcd?.putLatency !== undefined) {
    rows.push({ metric: 'put p50 ms', ...pick((m) => m.putLatency?.p50Ms), digits: 1 }, { metric: 'put p99 ms', ...pick((m) => m.putLatency?.p99Ms), digits: 1 });
  }
  rows.push(
    { metric: 'server CPU-s / 1k ops', ...pick((m) => m.serverCpuPer1kOps), digits: 3 },
    { metric: 'server CPU % (1 core=100)', ...pick((m) => (100 * m.serverCpuSeconds) / m.windowSeconds) },
    { metric: 'load gen CPU %', ...pick((m) => (100 * m.loadCpuSeconds) / m.windowSeconds) },
    { metric: 'rest of machine CPU %', ...pick((m) => (100 * m.otherCpuSeconds) / m.windowSeconds) },
    { metric: 'errors', ...pick(errors) },
    termRow(r),
  );
  const notes: string[] = [];
  for (const kind of SYSTEMS) {
    const m = r[kind];
    if (m === undefined) continue;
    if (errors(m) > 0) notes.push(`${kind} errors: ${JSON.stringify(m.errors)}; first: ${m.firstError ?? ''}`);
    for (const n of m.notes) notes.push(`${kind}: ${n}`);
  }
  return { title, rows, notes };
}

function checkPerfBlock(load: CheckPerfLoad, r: WithTerms<CheckPerfResult>): Block {
  const pick = <T,>(f: (c: CheckPerfResult) => T): { capstan: T | undefined; etcd: T | undefined } => ({
    capstan: r.capstan === undefined ? undefined : f(r.capstan),
    etcd: r.etcd === undefined ? undefined : f(r.etcd),
  });
  const verdict = (c: CheckPerfResult): string => (c.passed === undefined ? `no verdict (exit ${String(c.exitCode)})` : c.passed ? 'PASS' : 'FAIL');
  const notes: string[] = [];
  for (const kind of SYSTEMS) {
    const c = r[kind];
    if (c === undefined) continue;
    const failed = c.lines.filter((l) => !l.startsWith('PASS') && l !== 'FAIL');
    if (failed.length > 0) notes.push(`${kind}: ${failed.join(' / ')}`);
    if (c.tail !== undefined) notes.push(`${kind} output tail: ${c.tail.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
  return {
    title: `etcdctl check perf --load=${load}`,
    rows: [
      { metric: 'verdict', ...pick(verdict) },
      { metric: 'writes/s', ...pick((c) => c.throughput) },
      { metric: 'slowest request s', ...pick((c) => c.slowestSeconds), digits: 3 },
      { metric: 'stddev s', ...pick((c) => c.stddevSeconds), digits: 3 },
      { metric: 'server CPU-s / 1k writes', ...pick((c) => c.serverCpuPer1kOps), digits: 3 },
      { metric: 'etcdctl CPU %', ...pick((c) => (100 * c.loadCpuSeconds) / c.wallSeconds) },
      termRow(r),
    ],
    notes,
  };
}

function failoverBlock(kills: number, freeze: boolean, r: PerSystem<FailoverTrial[]>): Block {
  const q = (trials: FailoverTrial[] | undefined, f: (t: FailoverTrial) => number | undefined, p: number): number | undefined => {
    if (trials === undefined) return undefined;
    const xs = Float64Array.from(trials.map(f).filter((x): x is number => x !== undefined)).sort();
    return p >= 1 ? xs[xs.length - 1] : percentile(xs, p);
  };
  const fault = freeze ? 'freeze' : 'kill';
  const row = (metric: string, f: (t: FailoverTrial) => number | undefined, p: number): Row => ({ metric, capstan: q(r.capstan, f, p), etcd: q(r.etcd, f, p) });
  const notes: string[] = [];
  for (const kind of SYSTEMS) for (const t of r[kind] ?? []) if (t.error !== undefined) notes.push(`${kind} ${fault} of ${t.killed} (term ${t.term}): ${t.error}`);
  return {
    title: `failover (${freeze ? 'SIGSTOP' : 'SIGKILL'} leader ×${kills})`,
    rows: [
      { metric: 'trials completed', capstan: r.capstan?.filter((t) => t.error === undefined).length, etcd: r.etcd?.filter((t) => t.error === undefined).length },
      row(`${fault}→new leader p50 ms`, (t) => t.leaderMs, 0.5),
      row(`${fault}→new leader p99 ms`, (t) => t.leaderMs, 0.99),
      row(`${fault}→new leader max ms`, (t) => t.leaderMs, 1),
      row(`${fault}→first write p50 ms`, (t) => t.writeMs, 0.5),
      row(`${fault}→first write p99 ms`, (t) => t.writeMs, 0.99),
      row(`${fault}→first write max ms`, (t) => t.writeMs, 1),
      row(`${fault}→restarted member ready p50 ms`, (t) => t.recoverMs, 0.5),
    ],
    notes,
  };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const registry = new ProcessRegistry();
  const root = mkdtempSync(join(tmpdir(), 'capstan-bench-store-'));
  const removeRoot = (): void => {
    if (!opts.keep) rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', () => registry.killAll());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      progress(`${sig}: killing every process the run started`);
      registry.killAll();
      removeRoot();
      process.exit(130);
    });
  }
  const watchdog = setTimeout(() => {
    progress(`run deadline of ${opts.deadlineMs / 60_000} min passed: killing every process the run started`);
    registry.killAll();
    removeRoot();
    process.exit(2);
  }, opts.deadlineMs);
  watchdog.unref();

  const etcdVersion = findOnPath('etcd') === undefined ? 'not installed' : execFileSync('etcd', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  out(`bench:store — capstan vs ${etcdVersion}; node ${process.version}; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  out(
    `workloads ${opts.only.join(',')}; ${opts.durationMs / 1000} s measured after ${opts.warmupMs / 1000} s warm-up; ${opts.workers} load worker processes; ` +
      `${opts.rounds} round(s) of each throughput workload (medians); check perf loads ${opts.perfLoads.join(',')}; ${opts.kills} leader ${opts.freeze ? 'freezes (SIGSTOP)' : 'kills (SIGKILL)'}; data in ${root}`,
  );
  out('clients are spread round-robin over all 3 members (like etcd\'s benchmark tool); watch: writer on the leader, watcher on a follower');
  out();

  const problems: string[] = [];
  const blocks: Block[] = [];
  const clusters: PerSystem<BenchCluster> = {};
  let pool: LoadPool | undefined;
  const timing: TimingOptions = { warmupMs: opts.warmupMs, durationMs: opts.durationMs, timeoutMs: 10_000 };
  try {
    // One after the other: starting six members at once on a small machine slows both starts down.
    progress('starting the capstan cluster (capstan up --members 3 --detach)');
    clusters.capstan = await BenchCluster.startCapstan(root, registry, opts.cpuProf ? join(root, 'cpu-prof') : undefined);
    progress(`capstan members: ${clusters.capstan.members.map((m) => `${m.name} pid ${m.pid} ${m.endpoint}`).join(', ')}`);
    progress('starting the etcd cluster');
    clusters.etcd = await BenchCluster.startEtcd(root, registry);
    progress(`etcd members: ${clusters.etcd.members.map((m) => `${m.name} pid ${m.pid} ${m.endpoint}`).join(', ')}`);
    pool = LoadPool.start(opts.workers, registry);
    const loadPool = pool;

    /**
     * both runs one workload on capstan, then on etcd; a failure is reported and the run goes on. It also
     * notes how far the Raft term moved during the workload: outside failover, any move is an election the
     * load provoked.
     */
    const both = async <T,>(name: string, f: (c: BenchCluster) => Promise<T>): Promise<WithTerms<T>> => {
      const r: WithTerms<T> = { termDelta: {} };
      for (const kind of SYSTEMS) {
        const cluster = clusters[kind]!;
        try {
          for (const m of cluster.deadMembers()) {
            problems.push(`${kind} member ${m.name} (pid ${m.pid}) had exited before ${name}; restarted it (log: ${m.logFile})`);
            cluster.restart(m);
            await waitMemberReady(m, 60_000);
          }
          progress(`${kind}: ${name}`);
          const before = (await cluster.leader(15_000)).term;
          r[kind] = await f(cluster);
          const after = await cluster.leader(30_000).then(
            (l) => l.term,
            () => undefined,
          );
          if (after === undefined) problems.push(`${kind} ${name}: no leader within 30 s after the workload`);
          else r.termDelta[kind] = after - before;
          if (after !== undefined && after !== before && name !== 'failover') {
            problems.push(`${kind} ${name}: the Raft term moved from ${before} to ${after} during the workload (leader elections)`);
          }
        } catch (err) {
          problems.push(`${kind} ${name}: ${errorMessage(err)}`);
          progress(`${kind}: ${name} failed: ${errorMessage(err)}`);
        }
      }
      return r;
    };
    /**
     * measured runs a throughput workload opts.rounds times, capstan then etcd each round, so both see the
     * same drift of a shared machine, and folds each system's rounds into medians.
     */
    const measured = async (name: string, f: (c: BenchCluster) => Promise<Measurement>): Promise<WithTerms<Measurement>> => {
      const all: WithTerms<Measurement>[] = [];
      for (let i = 0; i < opts.rounds; i++) all.push(await both(opts.rounds === 1 ? name : `${name} (round ${i + 1}/${opts.rounds})`, f));
      const out: WithTerms<Measurement> = { termDelta: {} };
      for (const kind of SYSTEMS) {
        const rs = all.map((r) => r[kind]).filter((m): m is Measurement => m !== undefined);
        if (rs.length > 0) out[kind] = medianOfRounds(rs);
        const terms = all.map((r) => r.termDelta[kind]).filter((t): t is number => t !== undefined);
        if (terms.length > 0) out.termDelta[kind] = terms.reduce((a, b) => a + b, 0);
      }
      return out;
    };
    const emit = (b: Block): void => {
      blocks.push(b);
      out(renderText([b]));
      out();
    };

    for (const w of opts.only) {
      switch (w) {
        case 'put64':
        case 'put256': {
          const clients = w === 'put64' ? 64 : 256;
          emit(measurementBlock(`put 256 B, ${clients} clients`, await measured(w, (c) => measurePuts(c, loadPool, { clients, valueBytes: 256 }, timing))));
          break;
        }
        case 'get':
          emit(measurementBlock('get linearizable, 64 clients', await measured('get linearizable', (c) => measureGets(c, loadPool, 64, false, timing))));
          emit(measurementBlock('get serializable, 64 clients', await measured('get serializable', (c) => measureGets(c, loadPool, 64, true, timing))));
          break;
        case 'watch':
          emit(measurementBlock(`watch, ${opts.watchRate} puts/s`, await measured('watch', (c) => measureWatch(c, loadPool, opts.watchRate, timing)), 'events/s'));
          break;
        case 'checkperf':
          for (const load of opts.perfLoads) {
            const r = await both(`check perf --load=${load}`, async (c) => {
              const result = await runCheckPerf(c, load, registry, 150_000);
              writeFileSync(join(root, `${c.kind}-check-perf-${load}.txt`), result.output);
              return result;
            });
            emit(checkPerfBlock(load, r));
          }
          break;
        case 'failover':
          emit(
            failoverBlock(
              opts.kills,
              opts.freeze,
              await both('failover', (c) =>
                runFailover(c, {
                  kills: opts.kills,
                  trialTimeoutMs: 15_000,
                  freeze: opts.freeze,
                  onTrial: (t, i) =>
                    progress(
                      `${c.kind} ${opts.freeze ? 'freeze' : 'kill'} ${i + 1}/${opts.kills} of ${t.killed}: leader ${t.leaderMs?.toFixed(0) ?? '–'} ms, write ${t.writeMs?.toFixed(0) ?? '–'} ms, ready ${t.recoverMs?.toFixed(0) ?? '–'} ms${t.error === undefined ? '' : ` (${t.error})`}`,
                    ),
                }),
              ),
            ),
          );
          break;
      }
    }
  } catch (err) {
    problems.push(`run aborted: ${errorMessage(err)}`);
    progress(`run aborted: ${errorMessage(err)}`);
  } finally {
    await pool?.close();
    for (const kind of SYSTEMS) {
      const c = clusters[kind];
      if (c === undefined) continue;
      for (const m of c.deadMembers()) problems.push(`${kind} member ${m.name} (pid ${m.pid}) was not running at the end (log: ${m.logFile})`);
    }
    progress('stopping the clusters');
    for (const c of [clusters.capstan, clusters.etcd]) for (const f of c?.logFiles ?? []) appendFileSync(f, `${STOPPING_MARKER}\n`);
    await registry.stopAll(10_000);
  }

  if (blocks.length > 0) {
    out('summary (Markdown):');
    out();
    out(renderMarkdown(blocks));
    out();
  }
  for (const kind of SYSTEMS) {
    const c = clusters[kind];
    if (c === undefined) continue;
    const findings = scanLogs(new Map(c.members.map((m) => [m.name, m.logFile])));
    const counted = findings.length === 0 ? 'nothing at warning level or above' : `${findings.reduce((n, f) => n + f.count, 0)} lines at warning level or above`;
    out(`${kind} member logs until the final stop: ${counted}`);
    for (const f of findings.slice(0, 10)) out(`  ${String(f.count).padStart(6)} ${f.level.padEnd(8)} [${[...f.members].join(',')}] ${f.message}`);
  }
  if (problems.length > 0) {
    out();
    out('problems:');
    for (const p of problems) out(`  - ${p}`);
  }
  if (opts.keep) out(`\ndata and member logs kept in ${root}`);
  removeRoot();
  clearTimeout(watchdog);
  return problems.some((p) => p.startsWith('run aborted')) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:store: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
