/**
 * The nemesis's schedule for a chaos run (pure, seeded), as Jepsen's generator mixes quiet periods and
 * faults: quiet for a while, inject one fault, hold it, recover, and again — one fault at a time, so that
 * every fault is recovered before the next (a partition is healed before a kill, a paused member resumed
 * before a partition), and the cluster ends whole.
 *
 * Faults cycle through the kinds asked for in a seeded order, so a short run still gets each kind once when
 * there is time. Half the faults aim at the leader (the interesting case for Raft: step-down, election,
 * ReadIndex across a leader change), the rest at a member chosen at random. Partitions come in three
 * shapes: isolate the target, split (the target in a minority of floor(n/2)), or one-way (the target is not
 * heard but still hears).
 */
import type { Random } from '../util/random.js';
import { CapstanError } from '../util/errors.js';

/** FaultKind names a kind of fault a run injects. */
export type FaultKind = 'kill' | 'pause' | 'partition';

/** FAULT_KINDS lists every fault kind, as `--faults` accepts them. */
export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'pause', 'partition'];

/** PartitionVariant is a partition's shape around its target. */
export type PartitionVariant = 'isolate' | 'split' | 'one-way';

/** FaultTarget is the leader at the time of the fault, or a member by index in cluster.json. */
export type FaultTarget = { readonly leader: true } | { readonly member: number };

/** FaultStep is one fault of the schedule: when (ms from the run's start), what, on whom, and for how long. */
export interface FaultStep {
  readonly at: number;
  readonly kind: FaultKind;
  readonly target: FaultTarget;
  /** holdMs is how long the fault lasts before it is recovered (restart, resume, heal). */
  readonly holdMs: number;
  /** variant is set for partitions. */
  readonly variant?: PartitionVariant;
}

/** ScheduleOptions shape a schedule; the intervals are [min, max) in ms. */
export interface ScheduleOptions {
  readonly durationMs: number;
  readonly kinds: readonly FaultKind[];
  readonly members: number;
  readonly quietMs?: readonly [number, number];
  readonly holdMs?: readonly [number, number];
  /** recoveryMs is time kept free after each fault's hold for its recovery (a restart takes a while); default 2 s. */
  readonly recoveryMs?: number;
}

/** BadFaultsError reports a `--faults` list that names an unknown fault. */
export class BadFaultsError extends CapstanError {
  constructor(message: string) {
    super(message, 'BAD_FAULTS', false);
  }
}

/** parseFaultKinds reads a comma-separated list of fault kinds ("none" or "" for none), without duplicates. */
export function parseFaultKinds(s: string): FaultKind[] {
  const out: FaultKind[] = [];
  for (const part of s.split(',').map((x) => x.trim()).filter((x) => x.length > 0 && x !== 'none')) {
    const k = FAULT_KINDS.find((f) => f === part);
    if (k === undefined) throw new BadFaultsError(`unknown fault ${JSON.stringify(part)}: give some of ${FAULT_KINDS.join(', ')}`);
    if (!out.includes(k)) out.push(k);
  }
  return out;
}

const between = (random: Random, [lo, hi]: readonly [number, number]): number => (hi <= lo ? lo : lo + random.int(hi - lo));

/** planFaults lays out the faults of a run (see the module comment); the same random gives the same plan. */
export function planFaults(random: Random, o: ScheduleOptions): FaultStep[] {
  const quiet = o.quietMs ?? [1000, 2500];
  const hold = o.holdMs ?? [1500, 4000];
  const recovery = o.recoveryMs ?? 2000;
  const steps: FaultStep[] = [];
  if (o.kinds.length === 0 || o.members < 1) return steps;
  // A seeded order of the kinds, cycled: each kind comes once before any comes twice.
  const order = [...o.kinds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const variants: readonly PartitionVariant[] = ['isolate', 'split', 'one-way'];
  let t = between(random, quiet);
  for (let i = 0; ; i++) {
    const holdMs = between(random, hold);
    if (t + holdMs + recovery > o.durationMs) break;
    const kind = order[i % order.length]!;
    const target: FaultTarget = random.float() < 0.5 ? { leader: true } : { member: random.int(o.members) };
    steps.push({ at: t, kind, target, holdMs, ...(kind === 'partition' ? { variant: variants[random.int(variants.length)]! } : {}) });
    t += holdMs + recovery + between(random, quiet);
  }
  return steps;
}

/** describeStep renders a step for the run's log: `+3.2s partition (split) leader for 2.5s`. */
export function describeStep(s: FaultStep, members: readonly string[]): string {
  const who = 'leader' in s.target ? 'the leader' : (members[s.target.member] ?? `member #${s.target.member}`);
  return `+${(s.at / 1000).toFixed(1)}s ${s.kind}${s.variant === undefined ? '' : ` (${s.variant})`} ${who} for ${(s.holdMs / 1000).toFixed(1)}s`;
}
