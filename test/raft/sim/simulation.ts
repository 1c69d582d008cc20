/**
 * Deterministic simulation of the Raft core (the FoundationDB / Jepsen-in-a-box idea applied to etcd-io/raft's
 * RawNode contract). One seed fixes everything: the run's parameters, the network, every member's election
 * timeouts, the scheduling of Readies, the disk losses and the workload, each from its own fork of one
 * SeededRandom so that adding draws in one place does not shift another's sequence.
 *
 * The model: members are RawNodes over MemoryStorage driven by etcd's Ready loop (node.ts), with a disk that
 * loses unsynced writes and whole Readies on a crash (disk.ts); a network with delay, loss, duplication,
 * reordering and partitions (network.ts); clients and faults (workload.ts); invariants checked after every
 * step (checker.ts). Limits, on purpose: a removed member stops for good and is never re-added under its old
 * ID (etcd refuses that too), so "adding a voter back" adds a fresh member; clocks do not drift (every running
 * member ticks once per tick); messages are never corrupted.
 */
import { SeededRandom } from '../../../src/util/random.js';
import { InvariantViolation, type InvariantName } from './checker.js';
import { SimCluster, newClusterStats, type ClusterSettings, type ClusterStats } from './cluster.js';
import type { UnsafeBugs } from './node.js';
import { Workload, type WorkloadRates } from './workload.js';

/** ELECTION_TICK is every simulated member's election timeout in ticks (randomised in [10, 20) by the core). */
export const ELECTION_TICK = 10;

/**
 * LIVENESS_BOUND_TICKS is how long after the network heals (every partition gone, every member restarted,
 * nothing lost or reordered, one tick per hop) a leader must be in place and a proposal applied: 20
 * election timeouts. The slowest legitimate path is a stale leader that must notice it lost its quorum
 * (CheckQuorum, up to 2 timeouts), a leadership transfer that must time out (1), restarted members that wait
 * out a full randomised timeout in [10, 20) ticks before pre-voting (2), catching up by snapshot, and split
 * votes: two members whose timeouts fire within a round trip (2 ticks) of each other both win their
 * pre-votes and split the vote, which happens in roughly one round in five, each round costing under 2
 * timeouts. Twenty timeouts leave room for about eight split rounds in a row (odds around 1e-5), yet a core
 * that cannot elect or commit fails every time. Measured over 7,000 seeds: 99.9th percentile 50 ticks,
 * maximum 90.
 */
export const LIVENESS_BOUND_TICKS = 20 * ELECTION_TICK;

/**
 * LIVENESS_BOUND_TICKS_NO_PREVOTE is the bound when PreVote is off. Then a member with a stale log that times
 * out first keeps starting elections it cannot win, and each one bumps the term and resets the other members'
 * election timers (etcd-io/raft's becomeFollower does, as does the core); a member with an up-to-date log wins
 * only when its fresh random timeout undercuts the stale member's by more than a round trip, about one round
 * in four, so this case gets three times the room (measured maximum 203 ticks over 1,250 such seeds). This is
 * why etcd turns PreVote on by default.
 */
export const LIVENESS_BOUND_TICKS_NO_PREVOTE = 60 * ELECTION_TICK;

/** UNSAFE_BUG_NAMES lists the core's deliberate bugs by their Config.unsafeBugs key. */
export const UNSAFE_BUG_NAMES = ['voteWithoutLogCheck', 'commitPreviousTermByCounting', 'readIndexWithoutQuorum'] as const;

/** UnsafeBugName is one deliberate bug. */
export type UnsafeBugName = (typeof UNSAFE_BUG_NAMES)[number];

/**
 * PROFILES name the fault mixes: `mixed` draws every knob per seed; `churn` cuts off nearly every new leader
 * within a few ticks and sends one entry per MsgApp, which lines up Raft's Figure 8 (an entry of an earlier
 * term replicated to a majority by a leader that then vanishes) far more often.
 */
export const PROFILES = ['mixed', 'churn'] as const;

/** Profile is one fault mix. */
export type Profile = (typeof PROFILES)[number];

/** SimOptions select one simulated run; the same options always replay the same run. */
export interface SimOptions {
  seed: number;
  /** members is the initial cluster size (3, 5 or 7 in CI). */
  members: number;
  /** profile is the fault mix; defaults to 'mixed'. */
  profile?: Profile | undefined;
  /** ticks is the length of the fault phase; defaults to defaultTicks(members). */
  ticks?: number | undefined;
  /** bugs switches on deliberate core bugs. */
  bugs?: readonly UnsafeBugName[] | undefined;
  /** asyncStorageWrites runs every member's pipelined loop (Config.asyncStorageWrites, see node.ts). */
  asyncStorageWrites?: boolean | undefined;
  /** trace receives a line per event, for replaying a failure by eye. */
  trace?: ((line: string) => void) | undefined;
}

/**
 * SimStats count what a run did: the cluster's events, the faults the network inflicted, the leaders seen and
 * the linearizable reads checked.
 */
export interface SimStats extends ClusterStats {
  messagesLost: number;
  messagesDuplicated: number;
  messagesReordered: number;
  messagesDelayed: number;
  leaders: number;
  readsChecked: number;
}

/** newSimStats returns all-zero stats, the start of a sweep's totals. */
export function newSimStats(): SimStats {
  return { ...newClusterStats(), messagesLost: 0, messagesDuplicated: 0, messagesReordered: 0, messagesDelayed: 0, leaders: 0, readsChecked: 0 };
}

/** SimResult summarises a passing run. */
export interface SimResult {
  seed: number;
  members: number;
  /** ticks is the total number of ticks run, fault phase plus liveness phase. */
  ticks: number;
  /** recoveryTicks is how long after healing the liveness proposal was applied. */
  recoveryTicks: number;
  /** preVote says whether the run had PreVote on (the liveness bound depends on it). */
  preVote: boolean;
  stats: SimStats;
  /** digest fingerprints the final state, to check a seed replays identically. */
  digest: string;
}

/** FailureKind is the invariant a run broke, or 'exception' when the core (or the simulator) threw. */
export type FailureKind = InvariantName | 'exception';

/** SimulationFailure is a failed run: it names the seed, the broken invariant and the command that replays it. */
export class SimulationFailure extends Error {
  readonly kind: FailureKind;

  constructor(
    readonly options: SimOptions,
    readonly tick: number,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const kind: FailureKind = cause instanceof InvariantViolation ? cause.invariant : 'exception';
    super(
      `raft simulation seed ${options.seed} (${options.members} members) failed at tick ${tick} [${kind}]: ${detail}\n` +
        `replay: ${replayCommand(options)} (add --trace for a step-by-step log)`,
      { cause },
    );
    this.name = 'SimulationFailure';
    this.kind = kind;
  }
}

/** defaultTicks is the fault-phase length per cluster size, sized so CI runs 2,000 seeds in about a minute. */
export function defaultTicks(members: number): number {
  if (members <= 3) return 300;
  if (members <= 5) return 220;
  return 160;
}

/** replayCommand is the shell command that reruns exactly this simulation. */
export function replayCommand(o: SimOptions): string {
  const parts = ['npm run sim --', `--seeds 1 --nodes ${o.members} --seed-base ${o.seed}`];
  if (o.ticks !== undefined && o.ticks !== defaultTicks(o.members)) parts.push(`--ticks ${o.ticks}`);
  if (o.profile !== undefined && o.profile !== 'mixed') parts.push(`--profile ${o.profile}`);
  for (const bug of o.bugs ?? []) parts.push(`--bug ${bug}`);
  if (o.asyncStorageWrites === true) parts.push('--async-storage-writes');
  return parts.join(' ');
}

interface Scenario {
  cluster: ClusterSettings;
  rates: WorkloadRates;
}

/** chooseScenario draws the run's parameters, so that seeds cover calm and hostile networks alike. */
function chooseScenario(r: SeededRandom, o: SimOptions): Scenario {
  const oneOf = <T>(items: readonly T[]): T => items[r.int(items.length)]!;
  let unsafeBugs: UnsafeBugs | undefined;
  if (o.bugs !== undefined && o.bugs.length > 0) {
    unsafeBugs = {};
    for (const b of o.bugs) unsafeBugs[b] = true;
  }
  const cluster: ClusterSettings = {
    members: o.members,
    node: {
      electionTick: ELECTION_TICK,
      heartbeatTick: 1 + r.int(2),
      checkQuorum: r.float() < 0.8,
      preVote: r.float() < 0.8,
      maxSizePerMsg: r.float() < 0.4 ? oneOf([1, 100, 300]) : undefined,
      maxInflightMsgs: r.float() < 0.3 ? 1 + r.int(4) : undefined,
      maxUncommittedEntriesSize: r.float() < 0.2 ? 500 + r.int(2000) : undefined,
      disableProposalForwarding: r.float() < 0.1,
      unsafeBugs,
      snapshotInterval: 4 + r.int(30),
      compactionLag: r.int(6),
      asyncStorageWrites: o.asyncStorageWrites ?? false,
    },
    faults: {
      dropRate: oneOf([0, 0.01, 0.05, 0.15]),
      duplicateRate: oneOf([0, 0.02, 0.1]),
      reorderRate: oneOf([0, 0.05, 0.3, 1]),
      maxDelay: 1 + r.int(5),
    },
    deferReadyRate: oneOf([0, 0.3, 0.8]),
    slowWriteRate: 0,
  };
  const rates: WorkloadRates = {
    propose: 0.2 + 0.6 * r.float(),
    read: 0.1 + 0.5 * r.float(),
    confChange: 0.005 + 0.03 * r.float(),
    transfer: 0.003 + 0.015 * r.float(),
    campaign: 0.002 + 0.01 * r.float(),
    crash: 0.003 + 0.02 * r.float(),
    crashMidReady: 0.5,
    downTicks: [5, 80],
    partition: 0.005 + 0.03 * r.float(),
    partitionTicks: [5, 60],
    leaderChurn: oneOf([0, 0.1, 0.4]),
  };
  if (o.profile === 'churn') {
    cluster.node.maxSizePerMsg = 1;
    rates.leaderChurn = 0.9;
  }
  // Drawn last, so that the synchronous runs of a seed stay what they were.
  if (o.asyncStorageWrites === true) cluster.slowWriteRate = oneOf([0.2, 0.5, 0.9]);
  return { cluster, rates };
}

/**
 * runSimulation runs one seed: a fault phase of `ticks` ticks with everything interleaved, then the network
 * heals and the liveness phase waits for a leader and an applied proposal. Every step is checked; the first
 * broken invariant (or exception) is thrown as a SimulationFailure naming the seed and the replay command.
 */
export function runSimulation(o: SimOptions): SimResult {
  const root = new SeededRandom(o.seed);
  const scenario = chooseScenario(root.fork(), o);
  const cluster = new SimCluster(scenario.cluster, {
    network: root.fork(),
    cores: root.fork(),
    scheduling: root.fork(),
    disks: root.fork(),
  });
  cluster.trace = o.trace;
  const workload = new Workload(root.fork(), scenario.rates, cluster, o.members);
  const ticks = o.ticks ?? defaultTicks(o.members);
  let healedAt = 0;
  try {
    while (cluster.now < ticks) {
      cluster.tick();
      workload.chaosTick();
      cluster.endTick();
    }
    // Healed means what a repaired LAN gives: nothing lost, duplicated or reordered, and every message
    // arrives on the next tick (a round trip is a fifth of the election timeout, as 200 ms is of etcd's 1 s).
    cluster.network.faults = { dropRate: 0, duplicateRate: 0, reorderRate: 0, maxDelay: 1 };
    workload.heal();
    cluster.endTick();
    healedAt = cluster.now;
    o.trace?.(`t${cluster.now} healed: liveness check starts`);
    let lastProposal = -ELECTION_TICK;
    let live = 0;
    const bound = scenario.cluster.node.preVote ? LIVENESS_BOUND_TICKS : LIVENESS_BOUND_TICKS_NO_PREVOTE;
    while (cluster.liveCommittedAt < 0) {
      if (cluster.now - healedAt >= bound) {
        throw new InvariantViolation(
          'liveness',
          `no proposal applied within ${bound} ticks after healing at tick ${healedAt} (PreVote ${scenario.cluster.node.preVote ? 'on' : 'off'}); ` +
            `members: ${describeMembers(cluster)}`,
        );
      }
      cluster.tick();
      workload.calmTick();
      const leader = cluster.leader();
      if (leader !== undefined && cluster.now - lastProposal >= ELECTION_TICK) {
        const value = `live${live++}`;
        cluster.liveValues.add(value);
        if (cluster.propose(leader.id, { key: 'live', value })) lastProposal = cluster.now;
      }
      cluster.endTick();
    }
  } catch (err) {
    throw new SimulationFailure(o, cluster.now, err);
  }
  return {
    seed: o.seed,
    members: o.members,
    ticks: cluster.now,
    recoveryTicks: cluster.liveCommittedAt - healedAt,
    preVote: scenario.cluster.node.preVote,
    stats: {
      ...cluster.stats,
      messagesLost: cluster.network.counts.lost,
      messagesDuplicated: cluster.network.counts.duplicated,
      messagesReordered: cluster.network.counts.reordered,
      messagesDelayed: cluster.network.counts.delayed,
      leaders: cluster.checker.leadersSeen,
      readsChecked: cluster.checker.readsChecked,
    },
    digest: cluster
      .members()
      .map((n) => `${n.id}:${n.alive ? 'up' : 'down'}:${n.term}:${n.commit}:${n.sm.applied}:${n.sm.digest.toString(16)}`)
      .join(' '),
  };
}

function describeMembers(cluster: SimCluster): string {
  return cluster
    .members()
    .map((n) => {
      if (!n.alive) return `${n.id}(${n.removed ? 'removed' : 'down'})`;
      const st = n.core().status();
      const cs = n.sm.confState;
      const progress =
        st.progress === undefined
          ? ''
          : ` progress {${[...st.progress].map(([id, p]) => `${id}: ${p.state} match ${p.match} next ${p.next}`).join('; ')}}`;
      return (
        `${n.id}(${st.softState.raftState} term ${st.hardState.term} lead ${st.softState.lead} commit ${st.hardState.commit} ` +
        `applied ${n.sm.applied} voters [${cs.voters.join(',')}] learners [${cs.learners.join(',')}]${progress})`
      );
    })
    .join(' ');
}

/** SweepOptions select a range of seeds at one cluster size. */
export interface SweepOptions {
  members: number;
  seedBase: number;
  seeds: number;
  ticks?: number | undefined;
  bugs?: readonly UnsafeBugName[] | undefined;
  profile?: Profile | undefined;
  asyncStorageWrites?: boolean | undefined;
}

/** SweepResult is how a range of seeds went; it stops at the first failure. */
export interface SweepResult {
  runs: number;
  ticks: number;
  maxRecoveryTicks: number;
  /** stats are the totals over the passing runs. */
  stats: SimStats;
  failure: SimulationFailure | undefined;
}

/**
 * sweep runs seeds seedBase, seedBase+1, … and stops at the first failure, unless onFailure is given: then
 * it reports every failure and carries on.
 */
export function sweep(s: SweepOptions, onFailure?: (f: SimulationFailure) => void): SweepResult {
  const result: SweepResult = { runs: 0, ticks: 0, maxRecoveryTicks: 0, stats: newSimStats(), failure: undefined };
  for (let seed = s.seedBase; seed < s.seedBase + s.seeds; seed++) {
    result.runs++;
    try {
      const r = runSimulation({ seed, members: s.members, ticks: s.ticks, bugs: s.bugs, profile: s.profile, asyncStorageWrites: s.asyncStorageWrites });
      result.ticks += r.ticks;
      result.maxRecoveryTicks = Math.max(result.maxRecoveryTicks, r.recoveryTicks);
      for (const k of Object.keys(result.stats) as (keyof SimStats)[]) result.stats[k] += r.stats[k];
    } catch (err) {
      if (!(err instanceof SimulationFailure)) throw err;
      result.failure ??= err;
      if (onFailure === undefined) return result;
      onFailure(err);
    }
  }
  return result;
}
