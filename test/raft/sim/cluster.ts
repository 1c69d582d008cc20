import { ProposalDroppedError, type ConfChange, type Message } from '../../../src/raft/index.js';
import { SeededRandom } from '../../../src/util/random.js';
import { SafetyChecker } from './checker.js';
import { SimNetwork, type InFlight, type NetworkFaults } from './network.js';
import { SimNode, type NodeHost, type NodeSettings } from './node.js';
import { encodePut, type Put } from './state-machine.js';

/** ClusterSettings configure a simulated cluster. */
export interface ClusterSettings {
  members: number;
  node: NodeSettings;
  faults: NetworkFaults;
  /** deferReadyRate is the probability that a member's Ready waits until the end of the tick (batching). */
  deferReadyRate: number;
  /**
   * slowWriteRate is, with asynchronous storage writes, the probability that a member's in-flight write is
   * not done yet whenever the simulation looks (so later Readys pile up behind it); 0 otherwise.
   */
  slowWriteRate: number;
}

/**
 * ClusterStats count what happened in a run: the run summary, and the evidence that a range of seeds
 * exercised every fault and every kind of workload (see sim.test.ts).
 */
export interface ClusterStats {
  delivered: number;
  proposals: number;
  /** dropped counts proposals the core refused (no leader, transfer in progress, too much uncommitted). */
  dropped: number;
  reads: number;
  crashes: number;
  restarts: number;
  /** readiesLostOnCrash counts crashes between ready() and the write, which lose that whole Ready. */
  readiesLostOnCrash: number;
  /** unsyncedWritesLost counts unsynced writes (Ready.mustSync = false) a crash threw away. */
  unsyncedWritesLost: number;
  /** inflightWritesLost counts writes issued but not yet done (asynchronous storage writes) a crash lost. */
  inflightWritesLost: number;
  /** pipelinedReadies counts Readys handled while an earlier Ready's write was still in flight. */
  pipelinedReadies: number;
  snapshotsSent: number;
  /** cutOff counts messages swallowed by a partition. */
  cutOff: number;
  partitionsSymmetric: number;
  /** partitionsAsymmetric counts partitions that cut links in one direction only. */
  partitionsAsymmetric: number;
  confChanges: number;
  /** addedVoters counts fresh members added directly as voters (never learners first). */
  addedVoters: number;
  addedLearners: number;
  promotedLearners: number;
  removedMembers: number;
  transfersRequested: number;
  /** transfersCompleted counts members that won the election a MsgTimeoutNow told them to start. */
  transfersCompleted: number;
}

/** newClusterStats returns all-zero stats. */
export function newClusterStats(): ClusterStats {
  return {
    delivered: 0,
    proposals: 0,
    dropped: 0,
    reads: 0,
    crashes: 0,
    restarts: 0,
    readiesLostOnCrash: 0,
    unsyncedWritesLost: 0,
    inflightWritesLost: 0,
    pipelinedReadies: 0,
    snapshotsSent: 0,
    cutOff: 0,
    partitionsSymmetric: 0,
    partitionsAsymmetric: 0,
    confChanges: 0,
    addedVoters: 0,
    addedLearners: 0,
    promotedLearners: 0,
    removedMembers: 0,
    transfersRequested: 0,
    transfersCompleted: 0,
  };
}

/** ClusterRandom are the independent random streams a cluster draws from (one fork per concern). */
export interface ClusterRandom {
  network: SeededRandom;
  /** cores seeds each member incarnation's election-timeout source. */
  cores: SeededRandom;
  /** scheduling orders ticks and decides which Readies are deferred. */
  scheduling: SeededRandom;
  /** disks decides which unsynced writes a crash loses. */
  disks: SeededRandom;
}

/**
 * SimCluster runs members over a SimNetwork in ticks. Every input to a member (tick, message, proposal,
 * read, report) goes through act(), which lets the member handle its Ready (now or, to model batching, at the
 * end of the tick) and then checks the invariants, so a violation is caught at the step that caused it.
 */
export class SimCluster implements NodeHost {
  now = 0;
  readonly checker = new SafetyChecker();
  readonly network: SimNetwork;
  readonly nodes = new Map<bigint, SimNode>();
  readonly initialVoters: bigint[];
  trace: ((line: string) => void) | undefined;
  /** liveValues are the values of proposals the liveness check waits for; the first applied one is noted. */
  readonly liveValues = new Set<string>();
  liveCommittedAt = -1;
  /** stats counts what happened, for the run summary. */
  readonly stats: ClusterStats = newClusterStats();
  /** timeoutNowTerm maps a member told by MsgTimeoutNow to campaign to the term of that message. */
  private readonly timeoutNowTerm = new Map<bigint, number>();
  private readonly dirty = new Set<SimNode>();
  /** slowDisks are members with writes still in flight, finished at the end of a tick or later. */
  private readonly slowDisks = new Set<SimNode>();
  private readonly lostSnapshots: InFlight[] = [];
  private readonly appliedConfChanges: ConfChange[] = [];
  private nextMemberId: bigint;

  constructor(
    private readonly settings: ClusterSettings,
    private readonly random: ClusterRandom,
  ) {
    this.network = new SimNetwork(random.network, settings.faults);
    this.initialVoters = [];
    for (let i = 1; i <= settings.members; i++) this.initialVoters.push(BigInt(i));
    this.nextMemberId = BigInt(settings.members + 1);
    for (const id of this.initialVoters) this.addMember(id);
  }

  /** members returns the members in ID order. */
  members(): SimNode[] {
    return [...this.nodes.values()];
  }

  /** allocateMemberId returns a member ID never used before (etcd refuses to reuse a removed member's ID). */
  allocateMemberId(): bigint {
    return this.nextMemberId++;
  }

  /** tick advances the clock: every running member ticks, then the messages due now arrive. */
  tick(): void {
    this.now++;
    const running = this.members().filter((n) => n.alive);
    shuffle(running, this.random.scheduling);
    for (const n of running) if (n.alive) this.act(n, (raw) => raw.tick());
    for (const f of this.network.due(this.now)) this.deliver(f);
  }

  /** endTick handles every deferred Ready, and finishes the writes of slow disks whose time has come. */
  endTick(): void {
    for (const n of this.dirty) {
      this.dirty.delete(n);
      if (n.alive) {
        this.drain(n);
        this.observe(n);
      }
    }
    for (const n of this.slowDisks) {
      this.slowDisks.delete(n);
      if (!n.alive) continue;
      // Some writes finish now, the rest stay in flight into a later tick.
      const finish = this.random.scheduling.float() < this.settings.slowWriteRate ? this.random.scheduling.int(n.inflightWrites + 1) : n.inflightWrites;
      for (let i = 0; i < finish && n.alive; i++) n.completeWrite(this);
      this.drain(n);
      this.observe(n);
    }
    this.applyMembershipEffects();
  }

  /** propose asks member id to propose put; it returns false when the core refused (no leader, transfer…). */
  propose(id: bigint, put: Put): boolean {
    const n = this.nodes.get(id);
    if (n === undefined || !n.alive) return false;
    this.stats.proposals++;
    return this.tryAct(n, (raw) => raw.propose(encodePut(put)), `propose ${put.key}=${put.value}`);
  }

  /** proposeConfChange asks member id to propose a membership change. */
  proposeConfChange(id: bigint, cc: ConfChange): boolean {
    const n = this.nodes.get(id);
    if (n === undefined || !n.alive) return false;
    return this.tryAct(n, (raw) => raw.proposeConfChange(cc), `propose ${cc.type} ${cc.nodeId}`);
  }

  /** readIndex starts a linearizable read of key at member id, remembering what was committed anywhere by now. */
  readIndex(id: bigint, key: string): void {
    const n = this.nodes.get(id);
    if (n === undefined || !n.alive) return;
    let minIndex = this.checker.maxCommit;
    for (const m of this.nodes.values()) if (m.alive) minIndex = Math.max(minIndex, m.core().status().hardState.commit);
    this.checker.noteCommit(minIndex);
    const ctx = `r${this.stats.reads++}`;
    this.trace?.(`t${this.now} m${id} readIndex ${ctx} ${key} min ${minIndex}`);
    this.act(n, () => n.readIndex(ctx, key, minIndex));
  }

  /** transferLeader asks member id (normally the leader) to hand leadership to transferee. */
  transferLeader(id: bigint, transferee: bigint): void {
    const n = this.nodes.get(id);
    if (n === undefined || !n.alive) return;
    this.stats.transfersRequested++;
    this.trace?.(`t${this.now} m${id} transferLeader to ${transferee}`);
    this.act(n, (raw) => raw.transferLeader(transferee));
  }

  /** campaign makes member id start an election now (MsgHup), as an expiring timer would. */
  campaign(id: bigint): void {
    const n = this.nodes.get(id);
    if (n === undefined || !n.alive) return;
    this.trace?.(`t${this.now} m${id} campaign`);
    this.act(n, (raw) => raw.campaign());
  }

  /** crash kills member id until downUntil; loseReady also throws away a Ready taken but not yet persisted. */
  crash(id: bigint, loseReady: boolean, downUntil: number): void {
    const n = this.nodes.get(id);
    if (n === undefined || !n.alive) return;
    this.dirty.delete(n);
    if (loseReady && n.core().hasReady()) this.stats.readiesLostOnCrash++;
    this.stats.inflightWritesLost += n.inflightWrites;
    this.slowDisks.delete(n);
    const lost = n.crash(this.random.disks, loseReady);
    n.downUntil = downUntil;
    this.stats.crashes++;
    this.stats.unsyncedWritesLost += lost;
    this.trace?.(`t${this.now} m${id} crash loseReady=${loseReady} lostUnsynced=${lost} until t${downUntil}`);
  }

  /** restart starts a crashed member again from its disk; removed members stay down. */
  restart(id: bigint): void {
    const n = this.nodes.get(id);
    if (n === undefined || n.alive || n.removed) return;
    n.start(this.random.cores.fork(), this);
    this.stats.restarts++;
    this.trace?.(`t${this.now} m${id} restart term ${n.term} commit ${n.commit} applied ${n.sm.applied}`);
    this.act(n, () => undefined);
  }

  /**
   * leader returns the running member that is leader in the highest term, as its last handled Ready said (exact
   * after endTick, when no Ready is pending).
   */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.alive && n.role === 'StateLeader' && (best === undefined || n.term > best.term)) best = n;
    }
    return best;
  }

  /** send implements NodeHost: a member's outgoing message enters the network. */
  send(from: SimNode, m: Message): void {
    const sent = this.network.send(m, this.now, from.incarnation);
    if (m.type !== 'MsgSnap') return;
    this.stats.snapshotsSent++;
    // A snapshot stream that breaks is reported at once, as etcd's transport does; the report must wait
    // until the member is done with its Ready, so it is queued like a delivery.
    if (!sent) this.lostSnapshots.push({ message: m, deliverAt: this.now, senderIncarnation: from.incarnation });
  }

  /** onApplied implements NodeHost: membership effects wait until the Ready is done. */
  onApplied(node: SimNode, index: number, put: Put | undefined, cc: ConfChange | undefined): void {
    if (cc !== undefined) this.appliedConfChanges.push(cc);
    if (put !== undefined && this.liveCommittedAt < 0 && this.liveValues.has(put.value)) {
      this.liveCommittedAt = this.now;
      this.trace?.(`t${this.now} m${node.id} applied liveness proposal ${put.value} at ${index}`);
    }
  }

  private deliver(f: InFlight): void {
    const m = f.message;
    const to = this.nodes.get(m.to);
    const cut = this.network.isCut(m.from, m.to);
    if (to === undefined || !to.alive || cut) {
      if (cut) this.stats.cutOff++;
      if (m.type === 'MsgSnap') this.reportSnapshot(m, f.senderIncarnation, 'failure');
      else if (cut && this.random.scheduling.float() < 0.25) this.reportUnreachable(m, f.senderIncarnation);
      return;
    }
    this.stats.delivered++;
    if (m.type === 'MsgTimeoutNow') this.timeoutNowTerm.set(m.to, m.term);
    this.trace?.(`t${this.now} m${m.to} <- ${describe(m)}`);
    this.act(to, (raw) => raw.step(m));
    if (m.type === 'MsgSnap') this.reportSnapshot(m, f.senderIncarnation, 'finish');
  }

  /** reportSnapshot tells the sender how sending a snapshot went, as etcd's transport does. */
  private reportSnapshot(m: Message, incarnation: number, status: 'finish' | 'failure'): void {
    const from = this.nodes.get(m.from);
    if (from === undefined || !from.alive || from.incarnation !== incarnation) return;
    this.trace?.(`t${this.now} m${m.from} reportSnapshot ${m.to} ${status}`);
    this.act(from, (raw) => raw.reportSnapshot(m.to, status));
  }

  private reportUnreachable(m: Message, incarnation: number): void {
    const from = this.nodes.get(m.from);
    if (from === undefined || !from.alive || from.incarnation !== incarnation) return;
    this.act(from, (raw) => raw.reportUnreachable(m.to));
  }

  private tryAct(n: SimNode, fn: (raw: ReturnType<SimNode['core']>) => void, what: string): boolean {
    let accepted = true;
    this.act(n, (raw) => {
      try {
        fn(raw);
      } catch (err) {
        if (!(err instanceof ProposalDroppedError)) throw err;
        accepted = false;
        this.stats.dropped++;
      }
    });
    this.trace?.(`t${this.now} m${n.id} ${what}${accepted ? '' : ' (dropped)'}`);
    return accepted;
  }

  /** act gives a member one input, then handles its Ready (or defers it) and checks the invariants. */
  private act(n: SimNode, fn: (raw: ReturnType<SimNode['core']>) => void): void {
    fn(n.core());
    if (this.random.scheduling.float() < this.settings.deferReadyRate) {
      // The member's loop is busy (handling a Ready, applying): the store's pipelined loop still sends
      // heartbeats and their responses at once.
      if (this.settings.node.asyncStorageWrites) n.sendUrgent(this);
      this.dirty.add(n);
    } else {
      this.drain(n);
    }
    this.observe(n);
    this.applyMembershipEffects();
    while (this.lostSnapshots.length > 0) {
      const f = this.lostSnapshots.shift()!;
      this.reportSnapshot(f.message, f.senderIncarnation, 'failure');
    }
  }

  private drain(n: SimNode): void {
    for (let rounds = 0; n.alive; rounds++) {
      if (rounds > 1000) throw new Error(`member ${n.id} keeps having a Ready (livelock in the core?)`);
      if (n.core().hasReady()) {
        if (n.inflightWrites > 0) this.stats.pipelinedReadies++;
        n.processReady(this);
        continue;
      }
      // With asynchronous writes: the disk finishes the oldest write now, or later (then Readys pile up).
      if (n.inflightWrites === 0) break;
      if (this.random.scheduling.float() < this.settings.slowWriteRate) {
        this.slowDisks.add(n);
        break;
      }
      n.completeWrite(this);
    }
  }

  /** observe checks election safety and notes the commit index after a member's every step. */
  private observe(n: SimNode): void {
    if (!n.alive) return;
    const st = n.core().status();
    this.checker.noteCommit(st.hardState.commit);
    if (st.softState.raftState !== 'StateLeader') return;
    this.checker.onLeader(n.id, st.hardState.term);
    const told = this.timeoutNowTerm.get(n.id);
    if (told !== undefined && st.hardState.term === told + 1) {
      this.timeoutNowTerm.delete(n.id);
      this.stats.transfersCompleted++;
    }
  }

  /** applyMembershipEffects starts added members and stops removed ones once a change is applied anywhere. */
  private applyMembershipEffects(): void {
    while (this.appliedConfChanges.length > 0) {
      const cc = this.appliedConfChanges.shift()!;
      const known = this.nodes.get(cc.nodeId);
      if (cc.type === 'ConfChangeRemoveNode') {
        if (known !== undefined && !known.removed) {
          known.removed = true;
          this.stats.confChanges++;
          this.stats.removedMembers++;
          this.trace?.(`t${this.now} m${cc.nodeId} removed: stopping it`);
          if (known.alive) this.crash(known.id, false, Number.MAX_SAFE_INTEGER);
        }
      } else if (known === undefined && (cc.type === 'ConfChangeAddNode' || cc.type === 'ConfChangeAddLearnerNode')) {
        this.stats.confChanges++;
        if (cc.type === 'ConfChangeAddNode') this.stats.addedVoters++;
        else this.stats.addedLearners++;
        this.addMember(cc.nodeId);
      } else if (known !== undefined && cc.type === 'ConfChangeAddNode') {
        this.stats.confChanges++;
        this.stats.promotedLearners++;
      }
    }
  }

  private addMember(id: bigint): void {
    const n = new SimNode(id, this.initialVoters, this.settings.node);
    this.nodes.set(id, n);
    n.start(this.random.cores.fork(), this);
    this.trace?.(`t${this.now} m${id} started`);
  }
}

/** shuffle is a Fisher–Yates shuffle drawing from random. */
function shuffle<T>(items: T[], random: SeededRandom): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}

/** describe renders a message on one line for traces. */
function describe(m: Message): string {
  const ents = m.entries.length === 0 ? '' : ` ents=${m.entries.map((e) => `${e.term}/${e.index}`).join(',')}`;
  const snap = m.snapshot === undefined ? '' : ` snap=${m.snapshot.metadata.term}/${m.snapshot.metadata.index}`;
  const rej = m.reject ? ` reject hint=${m.rejectHint}` : '';
  return `${m.type} ${m.from}->${m.to} term=${m.term} logTerm=${m.logTerm} index=${m.index} commit=${m.commit}${ents}${snap}${rej}`;
}
