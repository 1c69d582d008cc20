import type { ConfChange, ConfChangeType } from '../../../src/raft/index.js';
import type { SeededRandom } from '../../../src/util/random.js';
import type { SimCluster } from './cluster.js';
import type { SimNode } from './node.js';

/** WorkloadRates are the per-tick probabilities of each kind of client action and fault. */
export interface WorkloadRates {
  /** propose is the chance of a(nother) proposal in a tick; proposals come in geometric bursts. */
  propose: number;
  read: number;
  confChange: number;
  transfer: number;
  campaign: number;
  crash: number;
  /** crashMidReady is the chance a crash happens between ready() and the write, losing that Ready. */
  crashMidReady: number;
  /** downTicks bounds how long a crashed member stays down. */
  downTicks: readonly [number, number];
  partition: number;
  partitionTicks: readonly [number, number];
  /**
   * leaderChurn is the chance that a newly elected leader crashes or is cut off within a few ticks, before
   * its first entries spread: the leader churn behind Raft's Figure 8, which random faults alone rarely hit.
   */
  leaderChurn: number;
}

/** KEYS is the key space of the simulated clients; small, so reads often race writes to the same key. */
const KEYS = 6;

/**
 * MAX_BACKLOG is how many uncommitted entries the leader may hold before clients hold back, as etcd clients
 * with a bounded number of requests in flight do; without it a slow configuration (one entry per MsgApp, one
 * MsgApp in flight) falls ever further behind and no bound on recovery could hold.
 */
const MAX_BACKLOG = 24;
const EMPTY = new Uint8Array(0);

/**
 * Workload plays clients and the environment: proposals, ReadIndex reads, membership changes, leadership
 * transfers, forced campaigns, crashes with restarts, and partitions, all drawn from one random stream.
 */
export class Workload {
  private partitionUntil = -1;
  private valueSeq = 0;
  private churnedTerm = 0;
  private churnAt = -1;

  constructor(
    private readonly random: SeededRandom,
    private readonly rates: WorkloadRates,
    private readonly cluster: SimCluster,
    private readonly members: number,
  ) {}

  /** chaosTick plays one tick of faults and client traffic. */
  chaosTick(): void {
    const c = this.cluster;
    const r = this.random;
    for (const n of c.members()) if (!n.alive && !n.removed && n.downUntil <= c.now) c.restart(n.id);
    if (this.partitionUntil >= 0 && c.now >= this.partitionUntil) {
      c.network.heal();
      this.partitionUntil = -1;
      c.trace?.(`t${c.now} partition healed`);
    }
    if (this.partitionUntil < 0 && r.float() < this.rates.partition) this.startPartition();
    if (r.float() < this.rates.crash) {
      const leader = c.leader();
      const victim = leader !== undefined && r.float() < 0.5 ? leader : this.pick(this.running());
      if (victim !== undefined) this.crash(victim);
    }
    this.churnLeader();
    this.clientTraffic();
    if (r.float() < this.rates.confChange) this.changeMembership();
    if (r.float() < this.rates.transfer) this.transferLeadership();
    if (r.float() < this.rates.campaign) {
      const n = this.pick(this.running());
      if (n !== undefined) c.campaign(n.id);
    }
  }

  /** calmTick plays one tick of reads only, while the liveness check runs. */
  calmTick(): void {
    this.clientTraffic(false);
  }

  /** heal ends every fault: partitions go, and every member that was not removed restarts. */
  heal(): void {
    const c = this.cluster;
    c.network.heal();
    this.partitionUntil = -1;
    for (const n of c.members()) if (!n.alive && !n.removed) c.restart(n.id);
  }

  /** churnLeader crashes or isolates a fresh leader a few ticks into its term, at rate leaderChurn. */
  private churnLeader(): void {
    const c = this.cluster;
    const r = this.random;
    const leader = c.leader();
    if (leader === undefined || leader.term <= this.churnedTerm) return;
    if (this.churnAt < 0) {
      if (r.float() >= this.rates.leaderChurn) {
        this.churnedTerm = leader.term;
        return;
      }
      this.churnAt = c.now + r.int(15);
    }
    if (c.now < this.churnAt) return;
    this.churnedTerm = leader.term;
    this.churnAt = -1;
    if (this.partitionUntil < 0 && r.float() < 0.5) {
      const others = c
        .members()
        .filter((n) => n !== leader && !n.removed)
        .map((n) => n.id);
      c.network.partition([[leader.id], others]);
      c.stats.partitionsSymmetric++;
      const [lo, hi] = this.rates.partitionTicks;
      this.partitionUntil = c.now + lo + r.int(hi - lo + 1);
      c.trace?.(`t${c.now} partition: isolate new leader ${leader.id} until t${this.partitionUntil}`);
    } else {
      this.crash(leader);
    }
  }

  private crash(victim: SimNode): void {
    const r = this.random;
    const [lo, hi] = this.rates.downTicks;
    this.cluster.crash(victim.id, r.float() < this.rates.crashMidReady, this.cluster.now + lo + r.int(hi - lo + 1));
  }

  private clientTraffic(writes = true): void {
    const c = this.cluster;
    const r = this.random;
    for (let burst = 0; writes && burst < 4 && r.float() < this.rates.propose; burst++) {
      const leader = c.leader();
      if (leader !== undefined && leader.storage.lastIndex() - leader.commit >= MAX_BACKLOG) break;
      const to = r.float() < 0.5 ? leader : this.pick(this.running());
      if (to !== undefined) c.propose(to.id, { key: `k${r.int(KEYS)}`, value: `v${this.valueSeq++}` });
    }
    if (r.float() < this.rates.read) {
      const at = r.float() < 0.3 ? c.leader() : this.pick(this.running());
      if (at !== undefined) c.readIndex(at.id, `k${r.int(KEYS)}`);
    }
  }

  private startPartition(): void {
    const c = this.cluster;
    const r = this.random;
    const ids = c
      .members()
      .filter((n) => !n.removed)
      .map((n) => n.id);
    if (ids.length < 2) return;
    const leader = c.leader();
    const victim = leader !== undefined && r.float() < 0.5 ? leader.id : ids[r.int(ids.length)]!;
    const others = ids.filter((id) => id !== victim);
    let kind: string;
    switch (r.int(4)) {
      case 0: {
        // Symmetric split into two random sides.
        const side: bigint[] = [victim];
        const rest: bigint[] = [];
        for (const id of others) (r.float() < 0.5 ? side : rest).push(id);
        if (rest.length === 0) rest.push(side.pop()!);
        c.network.partition([side, rest]);
        kind = `split [${side.join(',')}] | [${rest.join(',')}]`;
        c.stats.partitionsSymmetric++;
        break;
      }
      case 1:
        c.network.partition([[victim], others]);
        kind = `isolate ${victim}`;
        c.stats.partitionsSymmetric++;
        break;
      case 2: {
        // Asymmetric: the victim can only send, or only receive.
        const outbound = r.float() < 0.5;
        for (const id of others) {
          if (outbound) c.network.cutLink(victim, id);
          else c.network.cutLink(id, victim);
        }
        kind = `cut ${victim} ${outbound ? 'outbound' : 'inbound'}`;
        c.stats.partitionsAsymmetric++;
        break;
      }
      default: {
        const cuts: string[] = [];
        const count = 1 + r.int(ids.length);
        for (let k = 0; k < count; k++) {
          const from = ids[r.int(ids.length)]!;
          const to = ids[r.int(ids.length)]!;
          if (from === to) continue;
          c.network.cutLink(from, to);
          cuts.push(`${from}>${to}`);
        }
        kind = `cut links ${cuts.join(' ')}`;
        if (cuts.length > 0) c.stats.partitionsAsymmetric++;
      }
    }
    const [lo, hi] = this.rates.partitionTicks;
    this.partitionUntil = c.now + lo + r.int(hi - lo + 1);
    c.trace?.(`t${c.now} partition: ${kind} until t${this.partitionUntil}`);
  }

  /**
   * changeMembership proposes one single-member change at the leader, chosen among those that keep the
   * voter count within [members-2 (at least 2), members+1]: add a learner, promote a learner, remove a voter
   * or a learner, or add a fresh voter directly (a removed member coming back, under a new ID as etcd requires).
   */
  private changeMembership(): void {
    const c = this.cluster;
    const r = this.random;
    const leader = c.leader();
    if (leader === undefined) return;
    const { voters, learners } = leader.sm.confState;
    const minVoters = Math.max(2, this.members - 2);
    const maxVoters = this.members + 1;
    const maxMembers = this.members + 2;
    const options: (() => ConfChange)[] = [];
    const change = (type: ConfChangeType, nodeId: bigint): ConfChange => ({ type, nodeId, context: EMPTY });
    if (learners.length > 0) {
      options.push(() => change('ConfChangeAddNode', learners[r.int(learners.length)]!));
      options.push(() => change('ConfChangeRemoveNode', learners[r.int(learners.length)]!));
    }
    if (voters.length > minVoters) options.push(() => change('ConfChangeRemoveNode', voters[r.int(voters.length)]!));
    if (voters.length + learners.length < maxMembers) {
      options.push(() => change('ConfChangeAddLearnerNode', c.allocateMemberId()));
      if (voters.length < maxVoters) options.push(() => change('ConfChangeAddNode', c.allocateMemberId()));
    }
    if (options.length === 0) return;
    c.proposeConfChange(leader.id, options[r.int(options.length)]!());
  }

  private transferLeadership(): void {
    const c = this.cluster;
    const r = this.random;
    const leader = c.leader();
    if (leader === undefined) return;
    // Mostly a voter; sometimes any member, learners included, which the core must refuse.
    const candidates = r.float() < 0.9 ? leader.sm.confState.voters : c.members().map((n) => n.id);
    const target = candidates[r.int(candidates.length)];
    if (target === undefined) return;
    // A transfer asked of a follower is forwarded to the leader, as in etcd-io/raft.
    const at = r.float() < 0.2 ? this.pick(this.running()) : leader;
    if (at !== undefined) c.transferLeader(at.id, target);
  }

  private running(): SimNode[] {
    return this.cluster.members().filter((n) => n.alive);
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.random.int(items.length)];
  }
}
