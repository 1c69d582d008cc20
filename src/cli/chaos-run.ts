/**
 * `capstan chaos run`: a Jepsen-style test of the store (the shell around src/chaos's pure core).
 *
 * On a cluster started by `capstan up --dir DIR` (or, without --dir, one it starts itself in a temporary
 * directory and stops at the end), for --duration:
 * - clients, each bound to one member as Jepsen binds clients to nodes, run reads (linearizable Range),
 *   writes (Put, a few DeleteRange) and compare-and-set Txns on a few rotating keys (workload.ts), and a
 *   history records every invocation and completion — a timeout or a lost connection as indeterminate;
 * - a nemesis injects faults on a seeded schedule (nemesis-schedule.ts): kill then restart, pause then
 *   resume, partition then heal, at the leader or at a member;
 * - watchers over the run's keys record what they are sent; the client resumes them from their last
 *   revision across stream breaks and failover.
 * Then the cluster is made whole, a last write marks the end, and the checkers judge (verdict.ts): the
 * history per key (linearizability.ts), the watchers against the store's changes (watch-checker.ts), the
 * acknowledged writes against the store's changes, and HashKV across members at one revision.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { HistoryRecorder, type OpInput, type OpOutput, type Operation } from '../chaos/history.js';
import { checkLinearizability } from '../chaos/linearizability.js';
import { BadFaultsError, describeStep, parseFaultKinds, planFaults, type FaultKind, type FaultStep } from '../chaos/nemesis-schedule.js';
import { partitionShape, splitMinority } from '../chaos/partition-plan.js';
import { assembleVerdict, report, type MemberHash, type Verdict } from '../chaos/verdict.js';
import { checkWatches, type StoreEvent, type WatcherHistory } from '../chaos/watch-checker.js';
import { Workload } from '../chaos/workload.js';
import { DeadlineExceededError, EndpointUnavailableError, EtcdClient, NoLeaderError, TooManyRequestsError, cmp, op, prefixEnd, type Watcher } from '../store/client/index.js';
import { toBigInt, toNum } from '../store/grpc/types.js';
import { parseDurationMs } from '../util/duration.js';
import { SeededRandom, cryptoRandom } from '../util/random.js';
import { findLeader, processState, componentProcesses, type ChaosTarget } from './chaos-targets.js';
import { describeFault, killProcess, pauseProcess, restartProcess, resumeProcess, type FaultRecord } from './chaos-faults.js';
import { applyPartition, healPartition } from './chaos-partition.js';
import { readClusterFile, type ClusterFile } from './launcher/cluster-file.js';
import { startStoreCluster } from './launcher/control-plane.js';
import { memberHashKV, memberStatus } from './launcher/store-status.js';
import { stopPid } from './launcher/processes.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';

/** RunOptions configure one run on a cluster. */
export interface RunOptions {
  readonly durationMs: number;
  readonly kinds: readonly FaultKind[];
  readonly clients: number;
  readonly keys: number;
  readonly opsPerKey: number;
  readonly watchers: number;
  readonly seed: number;
  /** holdMs fixes how long each fault lasts; default drawn from the seed (planFaults'). */
  readonly holdMs?: number;
  /** progress receives a line per fault and phase. */
  readonly progress: (line: string) => void;
}

const CLIENT_TIMEOUT_MS = 2000;
const SETTLE_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** waitFor polls probe every 50 ms until it answers true or ms pass; false when time ran out. */
async function waitFor(ms: number, probe: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await probe()) return true;
    } catch {
      // Not there yet: try again until the deadline.
    }
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/** perform runs one workload operation against the store and returns its output. */
async function perform(c: EtcdClient, key: string, input: OpInput): Promise<OpOutput> {
  switch (input.kind) {
    case 'read': {
      const r = await c.get(key);
      return { value: r.kvs[0]?.value.toString('utf8') ?? null };
    }
    case 'write':
      if (input.value === null) await c.delete(key);
      else await c.put(key, input.value);
      return undefined;
    case 'cas': {
      const guard = input.expected === null ? cmp.createRevision(key, '==', 0) : cmp.value(key, '==', input.expected);
      const r = await c.txn({ compare: [guard], success: [input.value === null ? op.delete(key) : op.put(key, input.value)] });
      return { succeeded: r.succeeded };
    }
  }
}

/** certainlyNotApplied: the client knows the request never reached a leader (refused, or never sent). */
function certainlyNotApplied(err: unknown): boolean {
  if (err instanceof NoLeaderError || err instanceof TooManyRequestsError) return true;
  if (err instanceof EndpointUnavailableError || err instanceof DeadlineExceededError) return !err.maybeApplied;
  return false;
}

/** storeTarget is member i of cluster.json as a chaos target (its current PID). */
function storeTarget(f: ClusterFile, i: number): ChaosTarget {
  return componentProcesses(f, 'store')[i]!;
}

/** Nemesis injects a schedule's faults, one at a time, each recovered before the next. */
class Nemesis {
  readonly faults: FaultRecord[] = [];
  readonly problems: string[] = [];
  private stopped = false;

  constructor(
    private readonly f: ClusterFile,
    private readonly progress: (line: string) => void,
  ) {}

  async run(plan: readonly FaultStep[], t0: number): Promise<void> {
    const names = this.f.store.members.map((m) => m.name);
    for (const step of plan) {
      await sleep(t0 + step.at - performance.now());
      if (this.stopped) return;
      try {
        await this.inject(step, names);
      } catch (err) {
        this.problems.push(`nemesis: ${describeStep(step, names)}: ${(err as Error).message}`);
        return;
      }
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private record(r: FaultRecord): void {
    this.faults.push(r);
    this.progress(`fault: ${describeFault(r)}`);
  }

  private async inject(step: FaultStep, names: readonly string[]): Promise<void> {
    let target: ChaosTarget;
    if ('leader' in step.target) {
      // No leader right now (an election in progress): aim at the first member instead.
      target = await findLeader(this.f, 5000).catch(() => storeTarget(this.f, 0));
    } else {
      target = storeTarget(this.f, step.target.member);
    }
    switch (step.kind) {
      case 'kill':
        this.record(await killProcess(target));
        await sleep(step.holdMs);
        this.record(await restartProcess(this.f, target, SETTLE_MS));
        return;
      case 'pause':
        this.record(await pauseProcess(target));
        await sleep(step.holdMs);
        this.record(await resumeProcess(target));
        return;
      case 'partition': {
        const minority = step.variant === 'split' ? splitMinority(names, [target.name]) : [target.name];
        this.record(await applyPartition(this.f, partitionShape(names, minority, step.variant === 'one-way'), target.leaderTerm));
        await sleep(step.holdMs);
        this.record(await healPartition(this.f));
        return;
      }
    }
  }
}

/** WatchRecorder is one watcher of the run's keys and the events it was sent. */
class WatchRecorder {
  readonly events: StoreEvent[] = [];
  error: string | undefined;
  private readonly client: EtcdClient;
  private readonly watcher: Watcher;

  constructor(
    readonly id: string,
    endpoints: readonly string[],
    prefix: string,
    startRevision: number,
  ) {
    this.client = new EtcdClient({ endpoints, requestTimeoutMs: CLIENT_TIMEOUT_MS, dialTimeoutMs: 500 });
    this.watcher = this.client.watch(prefix, { prefix: true, startRevision });
    this.watcher.on('data', (b) => {
      for (const ev of b.events) {
        this.events.push({ revision: ev.kv.modRevision, key: ev.kv.key.toString('utf8'), type: ev.type === 'PUT' ? 'put' : 'delete', value: ev.type === 'PUT' ? ev.kv.value.toString('utf8') : null });
      }
    });
    this.watcher.on('error', (err) => (this.error = err.message));
  }

  /** lastRevision is the revision of the last event received (0 before any). */
  get lastRevision(): number {
    return this.events.length === 0 ? 0 : this.events[this.events.length - 1]!.revision;
  }

  close(): void {
    this.watcher.cancel();
    this.client.close();
  }
}

/** makeWhole undoes whatever a fault left behind: heals partitions, resumes paused and restarts dead members. */
async function makeWhole(f: ClusterFile, healNeeded: boolean, problems: string[]): Promise<void> {
  if (healNeeded) await healPartition(f).catch((err: unknown) => problems.push(`heal at the end: ${(err as Error).message}`));
  for (let i = 0; i < f.store.members.length; i++) {
    const t = storeTarget(f, i);
    const state = processState(t.pid);
    try {
      if (state === 'stopped') await resumeProcess(t);
      else if (state === 'gone') await restartProcess(f, t, SETTLE_MS);
    } catch (err) {
      problems.push(`making ${t.name} whole at the end: ${(err as Error).message}`);
    }
  }
}

/** converge waits until every member knows a leader and reports the same revision, and returns it. */
async function converge(f: ClusterFile): Promise<number | undefined> {
  let revision: number | undefined;
  const ok = await waitFor(SETTLE_MS, async () => {
    const st = await Promise.all(f.store.members.map((m) => memberStatus(m.clientURL, 1000)));
    const revs = new Set(st.map((s) => toNum(s.header?.revision)));
    if (st.some((s) => toBigInt(s.leader) === 0n) || revs.size !== 1) return false;
    revision = [...revs][0];
    return true;
  });
  return ok ? revision : undefined;
}

/** planForSeed is the fault schedule a run with this seed follows (the workload draws from another fork). */
export function planForSeed(seed: number, durationMs: number, kinds: readonly FaultKind[], members: number, holdMs?: number): FaultStep[] {
  return planFaults(new SeededRandom(seed).fork(), { durationMs, kinds, members, ...(holdMs === undefined ? {} : { holdMs: [holdMs, holdMs] as const }) });
}

/** runChaos runs one chaos test on a running cluster and returns its verdict. */
export async function runChaos(f: ClusterFile, o: RunOptions): Promise<Verdict> {
  const random = new SeededRandom(o.seed);
  const names = f.store.members.map((m) => m.name);
  random.fork(); // the schedule's fork: planForSeed draws it again
  const plan = planForSeed(o.seed, o.durationMs, o.kinds, names.length, o.holdMs);
  const prefix = `chaos/${o.seed.toString(36)}-${Date.now().toString(36)}/`;
  const workload = new Workload(random.fork(), { prefix, keys: o.keys, opsPerKey: o.opsPerKey });
  const jitter = random.fork();
  o.progress(`chaos run: seed ${o.seed}, ${o.durationMs / 1000}s, ${o.clients} clients, ${o.keys} keys, faults ${o.kinds.join(',') || 'none'}`);
  for (const s of plan) o.progress(`  planned: ${describeStep(s, names)}`);
  const started = performance.now();
  const say = (line: string): void => o.progress(`  [${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);

  const admin = new EtcdClient({ endpoints: f.store.endpoints, requestTimeoutMs: 5000, dialTimeoutMs: 1000 });
  const problems: string[] = [];
  const watchers: WatchRecorder[] = [];
  try {
    const startRevision = (await admin.get(prefix, { prefix: true })).revision + 1;
    for (let w = 0; w < o.watchers; w++) {
      const rotated = [...f.store.endpoints.slice(w % names.length), ...f.store.endpoints.slice(0, w % names.length)];
      watchers.push(new WatchRecorder(`w${w}`, rotated, prefix, startRevision));
    }

    const recorder = new HistoryRecorder(() => performance.now());
    let running = true;
    const clients = Array.from({ length: o.clients }, async (_, p) => {
      const member = f.store.members[p % names.length]!;
      const c = new EtcdClient({ endpoints: [member.clientURL], requestTimeoutMs: CLIENT_TIMEOUT_MS, dialTimeoutMs: 500, backoff: { baseMs: 20, maxMs: 200 } });
      try {
        while (running) {
          const next = workload.next(p);
          const pending = recorder.invoke(p, next.key, next.input);
          let done: Operation;
          try {
            done = pending.ok(await perform(c, next.key, next.input));
          } catch (err) {
            done = certainlyNotApplied(err) ? pending.fail() : pending.info();
          }
          workload.observe(done);
          // A member that is down answers at once: pace the client instead of spinning.
          if (done.result !== 'ok') await sleep(50 + jitter.int(50));
        }
      } finally {
        c.close();
      }
    });

    const nemesis = new Nemesis(f, say);
    const t0 = performance.now();
    const faulting = nemesis.run(plan, t0);
    await sleep(o.durationMs);
    // A slow restart (a loaded machine) delays the faults planned after it: the run goes on until they are done,
    // for at most as long again, rather than end without them.
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([faulting, new Promise<void>((resolve) => (cap = setTimeout(resolve, o.durationMs)))]);
    clearTimeout(cap);
    nemesis.stop();
    await faulting;
    running = false;
    await Promise.all(clients);
    recorder.endPending();
    problems.push(...nemesis.problems);
    say(`clients stopped: ${recorder.history().length} operations`);

    // Make the cluster whole, mark the end with one last write, and let every watcher catch up to it.
    await makeWhole(f, o.kinds.includes('partition'), problems);
    let endRevision = 0;
    const endKey = `${prefix}~end`;
    if (!(await waitFor(SETTLE_MS, async () => ((endRevision = (await admin.put(endKey, 'end')).revision), true)))) problems.push('the cluster took no write after the faults were recovered');
    say(`the end is marked at revision ${endRevision}`);
    const truth = new WatchRecorder('history', f.store.endpoints, prefix, startRevision);
    watchers.push(truth);
    await waitFor(SETTLE_MS, () => watchers.every((w) => w.lastRevision >= endRevision || w.error !== undefined));
    watchers.pop();
    truth.close();
    if (truth.lastRevision < endRevision) problems.push(`the store's changes could not be read back up to revision ${endRevision}`);
    for (const w of watchers) if (w.error !== undefined) problems.push(`watcher ${w.id} ended: ${w.error}`);
    const final = await admin.get(prefix, { prefix: true });
    const finalState = new Map(final.kvs.map((kv) => [kv.key.toString('utf8'), kv.value.toString('utf8')] as const));

    say('watchers caught up');
    const revision = await converge(f);
    const hashes: MemberHash[] = [];
    if (revision === undefined) {
      problems.push(`the members did not converge on one revision within ${SETTLE_MS} ms`);
    } else {
      for (const m of f.store.members) {
        try {
          // A learner serves no HashKV (as etcd's): only the voting members are compared.
          if ((await memberStatus(m.clientURL, 1000)).isLearner) continue;
          const h = await memberHashKV(m.clientURL, revision);
          hashes.push({ member: m.name, revision, hash: h.hash });
        } catch (err) {
          hashes.push({ member: m.name, revision, error: (err as Error).message });
        }
      }
    }

    say(`members converged at revision ${revision ?? '?'}; checking ...`);
    const history = recorder.history();
    const watcherHistories: WatcherHistory[] = watchers.map((w) => ({ id: w.id, range: { key: prefix, rangeEnd: prefixEnd(Buffer.from(prefix)).toString('latin1') }, startRevision, endRevision, events: w.events }));
    return assembleVerdict({
      seed: o.seed,
      history,
      linearizability: checkLinearizability(history, { timeoutMs: 60_000 }),
      watches: checkWatches({ history: truth.events, watchers: watcherHistories, finalState }),
      storeEvents: truth.events,
      hashes,
      faults: nemesis.faults,
      problems,
    });
  } finally {
    for (const w of watchers) w.close();
    admin.close();
  }
}

interface RunFlags {
  duration: string;
  faults: string;
  clients: string;
  keys: string;
  opsPerKey: string;
  watchers: string;
  seed?: string;
  hold?: string;
  dir?: string;
  members: string;
  keep?: boolean;
  experimentalUnsafeLocalLinearizableReads?: boolean;
}

function count(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new CommandError(`${flag} ${v}: give a whole number from ${min} to ${max}`, 'BAD_FLAG', 2);
  return n;
}

/** registerChaosRun adds `capstan chaos run` to the chaos command. */
export function registerChaosRun(chaos: Command, ctx: CliContext): void {
  chaos
    .command('run')
    .description('a Jepsen-style run: concurrent clients record a history while faults are injected, then the checkers judge it')
    .option('--duration <duration>', 'how long clients run and faults are injected', '60s')
    .option('--faults <list>', 'fault kinds to inject: kill, pause, partition (comma-separated; none for none)', 'kill,pause,partition')
    .option('--clients <n>', 'concurrent clients, each bound to one member in turn', '6')
    .option('--keys <n>', 'keys in use at once', '8')
    .option('--ops-per-key <n>', 'operations per key before it is replaced by a fresh one', '200')
    .option('--watchers <n>', 'watchers of the run\'s keys', '2')
    .option('--seed <n>', 'seed of the schedule and the workload (default: random, printed)')
    .option('--hold <duration>', 'how long each fault lasts before it is recovered (default: 1.5s to 4s, drawn from the seed)')
    .option('--dir <dir>', 'run on the cluster capstan up started in DIR (default: start a cluster of its own in a temporary directory, stopped at the end)')
    .option('--members <n>', 'members of the cluster it starts itself', '3')
    .option('--keep', 'keep the temporary cluster\'s directory (data and logs) even when the run passes')
    .addOption(new Option('--experimental-unsafe-local-linearizable-reads', 'TEST ONLY: start the cluster with the deliberate stale-read bug').hideHelp())
    .action(async (opts: RunFlags) => {
      const durationMs = parseDurationMs(opts.duration);
      if (durationMs === undefined || durationMs <= 0) throw new CommandError(`--duration ${opts.duration}: give a duration such as 20s or 5m`, 'BAD_FLAG', 2);
      let kinds: FaultKind[];
      try {
        kinds = parseFaultKinds(opts.faults);
      } catch (err) {
        if (err instanceof BadFaultsError) throw new CommandError(`--faults: ${err.message}`, 'BAD_FLAG', 2);
        throw err;
      }
      const holdMs = opts.hold === undefined ? undefined : parseDurationMs(opts.hold);
      if (holdMs !== undefined && !(holdMs > 0)) throw new CommandError(`--hold ${opts.hold ?? ''}: give a duration such as 3s`, 'BAD_FLAG', 2);
      if (opts.hold !== undefined && holdMs === undefined) throw new CommandError(`--hold ${opts.hold}: give a duration such as 3s`, 'BAD_FLAG', 2);
      const seed = opts.seed === undefined ? cryptoRandom.int(2 ** 31) : count('--seed', opts.seed, 0, 2 ** 32 - 1);
      const run: RunOptions = {
        durationMs,
        kinds,
        clients: count('--clients', opts.clients, 1, 64),
        keys: count('--keys', opts.keys, 1, 1000),
        opsPerKey: count('--ops-per-key', opts.opsPerKey, 1, 100_000),
        watchers: count('--watchers', opts.watchers, 0, 16),
        seed,
        ...(holdMs === undefined ? {} : { holdMs }),
        progress: (line) => ctx.stderr(`${line}\n`),
      };
      const unsafe = opts.experimentalUnsafeLocalLinearizableReads === true;
      let f: ClusterFile;
      let own: string | undefined;
      if (opts.dir !== undefined) {
        if (unsafe) throw new CommandError('--experimental-unsafe-local-linearizable-reads needs a cluster of the run\'s own (no --dir)', 'BAD_FLAG', 2);
        const found = readClusterFile(resolve(opts.dir));
        if (found === undefined) throw new CommandError(`no cluster.json in ${resolve(opts.dir)} (start a cluster with capstan up --dir ${opts.dir})`, 'NO_CLUSTER', 1);
        const down = found.store.members.filter((m) => processState(m.pid) !== 'running');
        if (down.length > 0) throw new CommandError(`members not running: ${down.map((m) => m.name).join(', ')} (resume or restart them first)`, 'NOT_RUNNING', 1);
        f = found;
      } else {
        const n = count('--members', opts.members, 3, 7);
        own = mkdtempSync(join(tmpdir(), 'capstan-chaos-run-'));
        ctx.stderr(`starting a ${n}-member cluster in ${own}${unsafe ? ' WITH THE DELIBERATE STALE-READ BUG' : ''}\n`);
        try {
          f = await startStoreCluster(own, n, unsafe ? ['--experimental-unsafe-local-linearizable-reads=true'] : []);
        } catch (err) {
          await stopOwn(own, true);
          throw new CommandError(`the cluster did not start: ${(err as Error).message}; its data and logs are kept in ${own}`, 'START_FAILED', 1);
        }
      }
      let verdict: Verdict | undefined;
      try {
        verdict = await runChaos(f, run);
      } finally {
        if (own !== undefined) {
          const keep = opts.keep === true || verdict?.result !== 'ok';
          await stopOwn(own, keep);
          if (keep) ctx.stderr(`cluster data and logs kept in ${own}\n`);
        }
      }
      ctx.stdout(report(verdict));
      if (verdict.result === 'fail') throw new CommandError(`chaos run failed (seed ${seed}): ${verdict.failures.join('; ')}`, 'CHAOS_FAILED', 1);
      if (verdict.result === 'unknown') throw new CommandError(`chaos run inconclusive (seed ${seed}): the linearizability search ran out of budget`, 'CHAOS_UNKNOWN', 3);
    });
}

/**
 * stopOwn stops the members of a cluster the run started (by PID, from its cluster.json): cleanly when its
 * directory is kept for a look at the logs, at once when it is removed.
 */
async function stopOwn(dir: string, keep: boolean): Promise<void> {
  const f = readClusterFile(dir);
  await Promise.all((f?.store.members ?? []).filter((m) => m.pid > 0).map((m) => stopPid(m.pid, keep ? 5000 : 0)));
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
