import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readClusterFile, type ClusterFile } from './launcher/cluster-file.js';
import { parseDurationMs } from '../util/duration.js';
import { CHAOS_COMPONENTS, componentProcesses, findComponentLeader, findLeader, processState, targetByName, type ChaosComponent, type ChaosTarget } from './chaos-targets.js';
import { describeFault, killProcess, pauseProcess, restartProcess, resumeProcess, type FaultRecord } from './chaos-faults.js';
import { healPartition, applyPartition } from './chaos-partition.js';
import { BadPartitionShapeError, partitionShape, splitMinority } from '../chaos/partition-plan.js';
import { registerChaosRun } from './chaos-run.js';
import type { CliContext } from './context.js';
import { CommandError } from './errors.js';
import { DEFAULT_DIR } from './up.js';

interface TargetOptions {
  dir: string;
  member?: string;
  leader?: boolean;
  component: string;
  leaderWait: string;
  output: string;
}

/**
 * registerChaos adds `capstan chaos`: process faults on a cluster started by `capstan up`, by PID from
 * DIR/cluster.json — `kill` (SIGKILL), `pause` (SIGSTOP), `resume` (SIGCONT) and `restart` (a killed process,
 * with its data) — aimed at a named process or at the store's current leader; network faults on the store's
 * peer links — `partition` (isolate members, or split majority and minority, symmetric or one-way) and
 * `heal`; and `run`, a Jepsen-style test (chaos-run.ts).
 */
export function registerChaos(program: Command, ctx: CliContext): void {
  const chaos = program.command('chaos').description('inject faults into a local cluster started with capstan up');
  const withTarget = (cmd: Command, leader: boolean): Command => {
    cmd
      .option('--dir <dir>', 'the cluster directory', DEFAULT_DIR)
      .option('--member <name>', 'the process to act on, by its name in cluster.json (store-1, apiserver-2, lb)')
      .option('--component <component>', `the kind of process: ${CHAOS_COMPONENTS.join(', ')}`, 'store')
      .option('-o, --output <format>', 'text or json (one fault record a line)', 'text');
    if (leader) {
      cmd
        .option('--leader', 'act on the store member that is leader now (asked with Maintenance.Status)')
        .option('--leader-wait <duration>', 'how long to wait for a leader when an election is in progress', '10s');
    }
    return cmd;
  };

  withTarget(chaos.command('kill').description('SIGKILL a process: a crash, with no shutdown'), true).action(async (opts: TargetOptions) => {
    const f = clusterFile(opts);
    print(ctx, opts, [await killProcess(await chooseTarget(f, opts))]);
  });

  withTarget(chaos.command('pause').description('SIGSTOP a process: it hangs, holding its connections, until resumed'), true).action(async (opts: TargetOptions) => {
    const f = clusterFile(opts);
    print(ctx, opts, [await pauseProcess(await chooseTarget(f, opts))]);
  });

  withTarget(chaos.command('resume').description('SIGCONT a paused process (without --member: every paused process of the component)'), false).action(async (opts: TargetOptions) => {
    const f = clusterFile(opts);
    const component = parseComponent(opts.component);
    const targets = opts.member !== undefined ? [targetByName(f, component, opts.member)] : componentProcesses(f, component).filter((t) => processState(t.pid) === 'stopped');
    if (targets.length === 0) ctx.stdout(`no paused ${component} process\n`);
    const out: FaultRecord[] = [];
    for (const t of targets) out.push(await resumeProcess(t));
    print(ctx, opts, out);
  });

  withTarget(chaos.command('restart').description('start a killed process again, with its data and flags'), false)
    .option('--wait <duration>', 'how long to wait for it to be healthy (0: do not wait)', '30s')
    .action(async (opts: TargetOptions & { wait: string }) => {
      const f = clusterFile(opts);
      if (opts.member === undefined) throw new CommandError('restart needs --member NAME', 'BAD_FLAG', 2);
      const t = targetByName(f, parseComponent(opts.component), opts.member);
      print(ctx, opts, [await restartProcess(f, t, durationMs('--wait', opts.wait))]);
    });

  withTarget(
    chaos
      .command('partition')
      .description('cut store members off on the peer links: --member a[,b] or --leader isolates them; --split makes a minority of floor(n/2) members'),
    true,
  )
    .option('--split', 'fill the minority up to floor(n/2) members (the named ones or the leader first)')
    .option('--one-way', 'cut only the minority\'s messages to the majority (the minority still hears the majority)')
    .action(async (opts: TargetOptions & { split?: boolean; oneWay?: boolean }) => {
      const f = clusterFile(opts);
      if (parseComponent(opts.component) !== 'store') throw new CommandError('partition acts on the store\'s peer links only (--component store)', 'BAD_FLAG', 2);
      const names = f.store.members.map((m) => m.name);
      let chosen: string[] = [];
      let leaderTerm: number | undefined;
      if (opts.member !== undefined && opts.leader === true) throw new CommandError('give either --member NAME[,NAME] or --leader', 'BAD_FLAG', 2);
      if (opts.member !== undefined) chosen = opts.member.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
      else if (opts.leader === true || opts.split === true) {
        const leader = await findLeader(f, durationMs('--leader-wait', opts.leaderWait));
        chosen = [leader.name];
        leaderTerm = leader.leaderTerm;
      } else throw new CommandError('give --member NAME[,NAME], --leader or --split', 'BAD_FLAG', 2);
      if (opts.split === true) chosen = splitMinority(names, chosen);
      let shape;
      try {
        shape = partitionShape(names, chosen, opts.oneWay === true);
      } catch (err) {
        if (err instanceof BadPartitionShapeError) throw new CommandError(err.message, 'BAD_FLAG', 2);
        throw err;
      }
      print(ctx, opts, [await applyPartition(f, shape, leaderTerm)]);
    });

  chaos
    .command('heal')
    .description('lift every partition of the store\'s peer links')
    .option('--dir <dir>', 'the cluster directory', DEFAULT_DIR)
    .option('-o, --output <format>', 'text or json (one fault record a line)', 'text')
    .action(async (opts: TargetOptions) => {
      const f = clusterFile(opts);
      print(ctx, opts, [await healPartition(f)]);
    });

  registerChaosRun(chaos, ctx);
}

function clusterFile(opts: TargetOptions): ClusterFile {
  checkOutput(opts);
  const dir = opts.dir;
  const f = readClusterFile(resolve(dir));
  if (f === undefined) throw new CommandError(`no cluster.json in ${resolve(dir)} (start a cluster with capstan up --dir ${dir})`, 'NO_CLUSTER', 1);
  return f;
}

function parseComponent(s: string): ChaosComponent {
  const c = CHAOS_COMPONENTS.find((x) => x === s);
  if (c === undefined) throw new CommandError(`--component ${s}: give one of ${CHAOS_COMPONENTS.join(', ')}`, 'BAD_FLAG', 2);
  return c;
}

function durationMs(flag: string, s: string): number {
  const ms = parseDurationMs(s);
  if (ms === undefined) throw new CommandError(`${flag} ${s}: give a duration such as 500ms, 10s or 1m`, 'BAD_FLAG', 2);
  return ms;
}

function checkOutput(opts: TargetOptions): void {
  if (opts.output !== 'text' && opts.output !== 'json') throw new CommandError(`--output ${opts.output}: give text or json`, 'BAD_FLAG', 2);
}

async function chooseTarget(f: ClusterFile, opts: TargetOptions): Promise<ChaosTarget> {
  const component = parseComponent(opts.component);
  if ((opts.member === undefined) === (opts.leader !== true)) throw new CommandError('give either --member NAME or --leader', 'BAD_FLAG', 2);
  if (opts.member !== undefined) return targetByName(f, component, opts.member);
  const waitMs = durationMs('--leader-wait', opts.leaderWait);
  if (component === 'scheduler' || component === 'controller-manager') return findComponentLeader(f, component, waitMs);
  if (component !== 'store') throw new CommandError(`--leader: only the store, scheduler and controller-manager have a leader (got --component ${component})`, 'BAD_FLAG', 2);
  return findLeader(f, waitMs);
}

function print(ctx: CliContext, opts: TargetOptions, records: readonly FaultRecord[]): void {
  for (const r of records) ctx.stdout(opts.output === 'json' ? `${JSON.stringify(r)}\n` : `${describeFault(r)}\n`);
}
