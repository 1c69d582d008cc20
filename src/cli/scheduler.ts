import type { Command } from 'commander';
import { addComponentFlags, ComponentFlagsError, resolveComponentFlags, type RawComponentFlags } from '../components/runtime/index.js';
import { Scheduler, type SchedulerOptions } from '../components/scheduler/scheduler.js';
import { parseDurationMs } from '../util/duration.js';
import { runComponentCommand } from './component-command.js';
import type { CliContext } from './context.js';

/** SCHEDULER_DEFAULTS are kube-scheduler's Lease name and (insecure, historical) health port. */
const SCHEDULER_DEFAULTS = { leaseName: 'kube-scheduler', port: 10251 } as const;

interface RawSchedulerFlags extends RawComponentFlags {
  percentageOfNodesToScore?: string;
  podInitialBackoff?: string;
  podMaxBackoff?: string;
  podMaxInUnschedulablePodsDuration?: string;
  bindWorkers?: string;
  schedulerName?: string;
}

function durationFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = parseDurationMs(v);
  if (ms === undefined || ms <= 0) throw new ComponentFlagsError(`--${flag}: ${JSON.stringify(v)} is not a positive duration such as 1s`);
  return ms;
}

function intFlag(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ComponentFlagsError(`--${flag}: ${JSON.stringify(v)} is not an integer from ${min} to ${max}`);
  return n;
}

/** resolveSchedulerOptions checks the scheduler's own flags. */
export function resolveSchedulerOptions(raw: RawSchedulerFlags): SchedulerOptions {
  const podInitialBackoffMs = durationFlag('pod-initial-backoff', raw.podInitialBackoff);
  const podMaxBackoffMs = durationFlag('pod-max-backoff', raw.podMaxBackoff);
  if ((podInitialBackoffMs ?? 1000) > (podMaxBackoffMs ?? 10_000)) throw new ComponentFlagsError('--pod-initial-backoff must not exceed --pod-max-backoff');
  const opts: SchedulerOptions = {
    percentageOfNodesToScore: intFlag('percentage-of-nodes-to-score', raw.percentageOfNodesToScore, 0, 100) ?? 0,
    ...(podInitialBackoffMs === undefined ? {} : { podInitialBackoffMs }),
    ...(podMaxBackoffMs === undefined ? {} : { podMaxBackoffMs }),
    ...(raw.podMaxInUnschedulablePodsDuration === undefined ? {} : { podMaxInUnschedulableMs: durationFlag('pod-max-in-unschedulable-pods-duration', raw.podMaxInUnschedulablePodsDuration)! }),
    bindWorkers: intFlag('bind-workers', raw.bindWorkers, 1, 1024) ?? 64,
    schedulerName: raw.schedulerName ?? 'default-scheduler',
  };
  return opts;
}

/**
 * registerScheduler adds `capstan scheduler`: kube-scheduler's model — filter, score and bind pods to nodes —
 * leader-elected on the `kube-system/kube-scheduler` Lease, with the shared component flags and its own.
 */
export function registerScheduler(program: Command, ctx: CliContext): void {
  const cmd = program.command('scheduler').description('assign pending pods to nodes (filter, score, bind); leader-elected on the kube-scheduler Lease');
  addComponentFlags(cmd, SCHEDULER_DEFAULTS)
    .option('--percentage-of-nodes-to-score <pct>', 'percentage of nodes to find feasible before scoring; 0 is adaptive (50% − nodes/125, at least 5%, at least 100 nodes) (default 0)')
    .option('--pod-initial-backoff <duration>', 'first backoff of a pod that failed to schedule (default 1s)')
    .option('--pod-max-backoff <duration>', 'longest backoff of a pod that failed to schedule (default 10s)')
    .option('--pod-max-in-unschedulable-pods-duration <duration>', 'longest an unschedulable pod waits for a cluster event before it is retried (default 60s; kube\'s is 5m)')
    .option('--bind-workers <n>', 'bindings in flight at once (default 64)')
    .option('--scheduler-name <name>', 'schedule pods whose spec.schedulerName is this (default "default-scheduler")')
    .action((raw: RawSchedulerFlags) =>
      runComponentCommand(ctx, {
        component: 'scheduler',
        resolve: () => ({ flags: resolveComponentFlags(raw, SCHEDULER_DEFAULTS), options: resolveSchedulerOptions(raw) }),
        build: (options) => ({ work: new Scheduler(options) }),
        banner: (port, flags) => `capstan scheduler: serving health and metrics on http://${flags.bindAddress}:${port}`,
      }),
    );
}
