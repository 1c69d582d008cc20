/**
 * The raft simulation command: `npm run sim -- --seeds N --nodes K --seed-base S`. It runs seeds S..S+N-1 for
 * each cluster size in K (default 3,5,7), stops at the first failure, prints the command that replays it
 * (with --trace for a step-by-step log) and exits non-zero.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { performance } from 'node:perf_hooks';
import {
  PROFILES,
  UNSAFE_BUG_NAMES,
  runSimulation,
  sweep,
  SimulationFailure,
  type Profile,
  type UnsafeBugName,
} from './simulation.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function sizes(value: string): number[] {
  const list = value.split(',').map((v) => positiveInt(v.trim()));
  if (list.some((n) => n < 1)) throw new InvalidArgumentError('cluster sizes must be at least 1');
  return list;
}

function profile(value: string): Profile {
  const p = PROFILES.find((name) => name === value);
  if (p === undefined) throw new InvalidArgumentError(`unknown profile; one of ${PROFILES.join(', ')}`);
  return p;
}

function collect(value: string, previous: UnsafeBugName[]): UnsafeBugName[] {
  const bug = UNSAFE_BUG_NAMES.find((b) => b === value);
  if (bug === undefined) throw new InvalidArgumentError(`unknown bug; one of ${UNSAFE_BUG_NAMES.join(', ')}`);
  return [...previous, bug];
}

/** describeFailure is a failure's message, plus the stack when the core (or simulator) threw. */
function describeFailure(f: SimulationFailure): string {
  const stack = f.kind === 'exception' && f.cause instanceof Error ? `\n${f.cause.stack ?? ''}` : '';
  return `${f.message}${stack}`;
}

interface CliOptions {
  seeds: number;
  nodes: number[];
  seedBase: number;
  ticks: number | undefined;
  profile: Profile;
  bug: UnsafeBugName[];
  trace: boolean;
  keepGoing: boolean;
  asyncStorageWrites: boolean;
}

const program = new Command()
  .name('sim')
  .description('deterministic simulation of the raft core: faults, crashes, membership changes; checks safety and liveness')
  .option('--seeds <n>', 'number of seeds per cluster size', positiveInt, 100)
  .option('--nodes <sizes>', 'comma-separated cluster sizes', sizes, [3, 5, 7])
  .option('--seed-base <s>', 'first seed', positiveInt, 1)
  .option('--ticks <t>', 'length of the fault phase in ticks (default depends on the cluster size)', positiveInt)
  .option('--profile <name>', `fault mix: ${PROFILES.join(' or ')}`, profile, 'mixed')
  .addOption(new Option('--bug <name>', 'switch on a deliberate core bug (repeatable)').argParser(collect).default([]))
  .option('--async-storage-writes', 'run the pipelined Ready loop (Config.asyncStorageWrites)', false)
  .option('--trace', 'print every event (use with --seeds 1)', false)
  .option('--keep-going', 'report every failing seed instead of stopping at the first', false)
  .action((opts: CliOptions) => {
    let failed = false;
    const started = performance.now();
    let total = 0;
    for (const members of opts.nodes) {
      const t0 = performance.now();
      if (opts.trace) {
        for (let seed = opts.seedBase; seed < opts.seedBase + opts.seeds; seed++) {
          total++;
          try {
            const r = runSimulation({
              seed,
              members,
              ticks: opts.ticks,
              bugs: opts.bug,
              profile: opts.profile,
              asyncStorageWrites: opts.asyncStorageWrites,
              trace: (line) => process.stdout.write(`${line}\n`),
            });
            process.stdout.write(`seed ${seed}: ok, ${r.ticks} ticks, recovered in ${r.recoveryTicks} ticks ${JSON.stringify(r.stats)}\n`);
          } catch (err) {
            process.stdout.write(`${err instanceof SimulationFailure ? describeFailure(err) : String(err)}\n`);
            failed = true;
            break;
          }
        }
      } else {
        let failures = 0;
        const report = opts.keepGoing
          ? (f: SimulationFailure): void => {
              failures++;
              process.stdout.write(`${describeFailure(f)}\n`);
            }
          : undefined;
        const r = sweep(
          { members, seedBase: opts.seedBase, seeds: opts.seeds, ticks: opts.ticks, bugs: opts.bug, profile: opts.profile, asyncStorageWrites: opts.asyncStorageWrites },
          report,
        );
        total += r.runs;
        const ms = performance.now() - t0;
        if (r.failure !== undefined && opts.keepGoing) {
          process.stdout.write(`${members} members: ${failures} of ${r.runs} seeds FAILED in ${(ms / 1000).toFixed(1)}s\n`);
          failed = true;
          continue;
        }
        if (r.failure !== undefined) {
          process.stdout.write(`${members} members: FAILED after ${r.runs} seeds\n${describeFailure(r.failure)}\n`);
          failed = true;
        } else {
          process.stdout.write(
            `${members} members: ${r.runs} seeds ok in ${(ms / 1000).toFixed(1)}s (${r.ticks} ticks, slowest recovery ${r.maxRecoveryTicks} ticks)\n`,
          );
        }
      }
      if (failed && !opts.keepGoing) break;
    }
    process.stdout.write(`${total} seeds in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
    process.exitCode = failed ? 1 : 0;
  });

program.parse();
