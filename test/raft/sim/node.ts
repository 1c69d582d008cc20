import {
  MemoryStorage,
  RawNode,
  decodeConfChange,
  isEmptySnap,
  type Config,
  type ConfChange,
  type Message,
  type RandomSource,
  type Ready,
  type Snapshot,
  type StateType,
} from '../../../src/raft/index.js';
import type { SeededRandom } from '../../../src/util/random.js';
import { InvariantViolation, type SafetyChecker } from './checker.js';
import { SimDisk } from './disk.js';
import { KvStateMachine, type Put } from './state-machine.js';

/** UnsafeBugs are the core's deliberate bugs, switched on only to prove the checker catches them. */
export type UnsafeBugs = NonNullable<Config['unsafeBugs']>;

/** NodeSettings configure every member's core and its application's snapshot policy. */
export interface NodeSettings {
  electionTick: number;
  heartbeatTick: number;
  checkQuorum: boolean;
  preVote: boolean;
  maxSizePerMsg: number | undefined;
  maxInflightMsgs: number | undefined;
  maxUncommittedEntriesSize: number | undefined;
  disableProposalForwarding: boolean;
  unsafeBugs: UnsafeBugs | undefined;
  /** snapshotInterval is how many applied entries the application lets pass between snapshots. */
  snapshotInterval: number;
  /** compactionLag is how many entries before the snapshot index stay in the log after compacting. */
  compactionLag: number;
  /**
   * asyncStorageWrites runs the core with Config.asyncStorageWrites and the store's pipelined loop: a Ready's
   * write stays in flight (the cluster completes it later, in order) while later Readys are handled; a
   * leader's appends and heartbeats leave before its write, everything else once its write is durable.
   */
  asyncStorageWrites: boolean;
}

/**
 * InflightWrite is a write issued but not yet durable: a Ready's, with the messages that wait for it, or a
 * snapshot the application saved (queued behind the Readys before it, as the store's one ordered write
 * stream does, so a durable snapshot never outruns the HardState that committed what it covers).
 */
type InflightWrite = { rd: Ready; held: Message[] } | { snapshot: Snapshot };

/**
 * EARLY_LEADER and EARLY_ANY are the message types the pipelined loop sends before the Ready's write is
 * durable, as the store does (src/store/server.ts): a leader's appends, heartbeats, snapshots and answers,
 * and anyone's forwarded proposals, read requests and heartbeat responses.
 */
const EARLY_LEADER = new Set<Message['type']>(['MsgApp', 'MsgHeartbeat', 'MsgSnap', 'MsgTimeoutNow', 'MsgReadIndexResp', 'MsgProp', 'MsgReadIndex']);
const EARLY_ANY = new Set<Message['type']>(['MsgProp', 'MsgReadIndex', 'MsgHeartbeatResp']);
/** URGENT are the message types the store sends while its Ready loop is busy (RawNode.takeMessages). */
const URGENT = new Set<Message['type']>(['MsgHeartbeat', 'MsgHeartbeatResp']);

/** NodeHost is what a member's Ready loop needs from the simulation: the clock, the wire and the checker. */
export interface NodeHost {
  readonly checker: SafetyChecker;
  /** send hands a message to the network (step 4 of the Ready loop). */
  send(from: SimNode, m: Message): void;
  /** onApplied is told of every applied entry; conf changes are acted on after the Ready is done. */
  onApplied(node: SimNode, index: number, put: Put | undefined, cc: ConfChange | undefined): void;
  /** trace receives a line describing an event when tracing is on. */
  trace: ((line: string) => void) | undefined;
}

/** PendingRead is a ReadIndex request a client made at a member. */
interface PendingRead {
  ctx: string;
  key: string;
  /** minIndex is the highest commit index any member had when the read began. */
  minIndex: number;
  readIndex: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * SimNode is one simulated member: a RawNode over a MemoryStorage, the disk that storage is rebuilt from after
 * a crash, and the key-value state machine. processReady is etcd's node loop for one Ready: persist
 * (snapshot, HardState, entries), send, apply, advance, then maybe snapshot and compact.
 */
export class SimNode {
  /** raw is the running core, undefined while the member is down. */
  raw: RawNode | undefined;
  storage: MemoryStorage;
  sm: KvStateMachine;
  readonly disk = new SimDisk();
  /** incarnation counts starts, so reports addressed to an earlier process are dropped. */
  incarnation = 0;
  /** removed is set once the member's removal is applied; like etcd it then stops for good. */
  removed = false;
  /** downUntil is the tick at which a crashed member restarts. */
  downUntil = 0;
  /** role, term and commit are as of the last Ready handled (exact whenever no Ready is pending). */
  role: StateType = 'StateFollower';
  term = 0;
  commit = 0;
  private completenessCheckedTerm = 0;
  private lastSnapshotIndex = 0;
  private readonly pendingReads = new Map<string, PendingRead>();
  private waitingReads: PendingRead[] = [];
  /** inflight are the issued writes of the pipelined loop, oldest first. */
  private inflight: InflightWrite[] = [];
  /** durableCommit is the commit index of the last durable HardState (for the checker). */
  private durableCommit = 0;

  constructor(
    readonly id: bigint,
    private readonly initialVoters: readonly bigint[],
    private readonly settings: NodeSettings,
  ) {
    this.storage = new MemoryStorage([...initialVoters]);
    this.sm = new KvStateMachine(this.storage.initialState().confState);
  }

  /** alive reports whether the member's process is running. */
  get alive(): boolean {
    return this.raw !== undefined;
  }

  /** core returns the running core, failing loudly if the member is down (a simulator bug). */
  core(): RawNode {
    if (this.raw === undefined) throw new Error(`member ${this.id} is down`);
    return this.raw;
  }

  /** start (re)starts the member from its disk, as etcd's restartNode does: snapshot, HardState, then log. */
  start(random: RandomSource, host: NodeHost): void {
    const image = this.disk.load();
    this.storage = new MemoryStorage([...this.initialVoters]);
    if (image.snapshot !== undefined && !isEmptySnap(image.snapshot)) this.storage.applySnapshot(image.snapshot);
    this.storage.setHardState(image.hardState);
    if (image.entries.length > 0) this.storage.append(image.entries);
    if (image.snapshot !== undefined && !isEmptySnap(image.snapshot)) {
      this.sm = KvStateMachine.restore(image.snapshot);
      host.checker.onRestore(this.id, this.sm.applied, this.sm.digest);
    } else {
      this.sm = new KvStateMachine(this.storage.initialState().confState);
    }
    this.lastSnapshotIndex = this.sm.applied;
    this.role = 'StateFollower';
    this.term = image.hardState.term;
    this.commit = image.hardState.commit;
    this.durableCommit = image.hardState.commit;
    this.inflight = [];
    this.incarnation++;
    const s = this.settings;
    this.raw = new RawNode({
      id: this.id,
      electionTick: s.electionTick,
      heartbeatTick: s.heartbeatTick,
      storage: this.storage,
      random,
      applied: this.sm.applied,
      checkQuorum: s.checkQuorum,
      preVote: s.preVote,
      ...(s.maxSizePerMsg === undefined ? {} : { maxSizePerMsg: s.maxSizePerMsg }),
      ...(s.maxInflightMsgs === undefined ? {} : { maxInflightMsgs: s.maxInflightMsgs }),
      ...(s.maxUncommittedEntriesSize === undefined ? {} : { maxUncommittedEntriesSize: s.maxUncommittedEntriesSize }),
      disableProposalForwarding: s.disableProposalForwarding,
      asyncStorageWrites: s.asyncStorageWrites,
      ...(s.unsafeBugs === undefined ? {} : { unsafeBugs: s.unsafeBugs }),
    });
  }

  /**
   * crash kills the process. With loseReady a Ready is taken and never persisted (a crash between ready() and
   * the write); unsynced writes may be lost too. Returns how many unsynced writes were lost.
   */
  crash(random: SeededRandom, loseReady: boolean): number {
    const raw = this.core();
    if (loseReady && raw.hasReady()) raw.ready();
    // Writes still in flight never reached the disk.
    this.inflight = [];
    this.raw = undefined;
    this.pendingReads.clear();
    this.waitingReads = [];
    return this.disk.crash(random);
  }

  /** readIndex starts a linearizable read of key; minIndex is the highest commit index anywhere right now. */
  readIndex(ctx: string, key: string, minIndex: number): void {
    this.pendingReads.set(ctx, { ctx, key, minIndex, readIndex: 0 });
    this.core().readIndex(encoder.encode(ctx));
  }

  /** noteReady records the role, term and commit index a Ready reports. */
  private noteReady(rd: Ready): void {
    if (rd.softState !== undefined) this.role = rd.softState.raftState;
    if (rd.hardState !== undefined) {
      this.term = rd.hardState.term;
      this.commit = rd.hardState.commit;
    }
  }

  /**
   * sendUrgent sends the heartbeats and heartbeat responses produced since the last Ready at once, as the
   * store does while its Ready loop is busy with a long apply.
   */
  sendUrgent(host: NodeHost): void {
    for (const m of this.core().takeMessages(URGENT)) host.send(this, m);
  }

  /** inflightWrites is how many writes of the pipelined loop are not yet durable. */
  get inflightWrites(): number {
    return this.inflight.length;
  }

  /**
   * processReadyAsync is the store's pipelined loop for one Ready (asyncStorageWrites): the early messages
   * leave, the write is issued and left in flight, and the committed entries — durable here already — are
   * applied. A Ready carrying a snapshot waits for the writes before it and is then handled whole.
   */
  private processReadyAsync(host: NodeHost): void {
    const raw = this.core();
    const rd = raw.ready();
    this.noteReady(rd);
    const early = this.role === 'StateLeader' ? EARLY_LEADER : EARLY_ANY;
    const held: Message[] = [];
    for (const m of rd.messages) {
      if (early.has(m.type)) host.send(this, m);
      else held.push(m);
    }
    if (rd.snapshot !== undefined && !isEmptySnap(rd.snapshot)) {
      while (this.inflight.length > 0) this.completeWrite(host);
      this.inflight.push({ rd, held });
      this.completeWrite(host);
    } else {
      this.inflight.push({ rd, held });
    }
    if (this.role === 'StateLeader' && this.term > this.completenessCheckedTerm) {
      host.checker.checkLeaderCompleteness(this.id, this.term, this.storage);
      this.completenessCheckedTerm = this.term;
    }
    this.applyReady(rd, host);
    raw.advanceApply(rd);
    this.maybeSnapshot();
  }

  /**
   * completeWrite makes the oldest in-flight write durable (the disk finished it): storage and disk get it,
   * the core hears of it (advanceAppend) and the messages that waited for it leave.
   */
  completeWrite(host: NodeHost): void {
    const w = this.inflight.shift();
    if (w === undefined) return;
    if ('snapshot' in w) {
      this.disk.saveSnapshot(w.snapshot);
      return;
    }
    const rd = w.rd;
    this.persist(rd, host);
    if (rd.hardState !== undefined) this.durableCommit = rd.hardState.commit;
    host.checker.observeCommit(this.id, this.durableCommit, this.storage);
    for (const m of w.held) host.send(this, m);
    this.core().advanceAppend(rd);
  }

  /** persist writes a Ready's snapshot, HardState and entries to storage and disk, and checks log matching. */
  private persist(rd: Ready, host: NodeHost): void {
    const snapshot = rd.snapshot !== undefined && !isEmptySnap(rd.snapshot) ? rd.snapshot : undefined;
    if (snapshot !== undefined) {
      this.storage.applySnapshot(snapshot);
      this.sm = KvStateMachine.restore(snapshot);
      this.lastSnapshotIndex = snapshot.metadata.index;
      host.checker.onRestore(this.id, snapshot.metadata.index, this.sm.digest);
      this.serveReads(host);
    }
    if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
    if (rd.entries.length > 0) {
      this.storage.append(rd.entries);
      host.checker.onAppend(this.id, rd.entries, this.storage);
    }
    if (snapshot !== undefined || rd.hardState !== undefined || rd.entries.length > 0) {
      this.disk.write({ snapshot, hardState: rd.hardState, entries: rd.entries }, rd.mustSync);
    }
  }

  /** applyReady applies a Ready's committed entries in order and hands its read states to the readers. */
  private applyReady(rd: Ready, host: NodeHost): void {
    const raw = this.core();
    const checker = host.checker;
    for (const e of rd.committedEntries) {
      if (e.index !== this.sm.applied + 1) {
        throw new InvariantViolation(
          'state-machine-safety',
          `member ${this.id} was handed entry ${e.index} to apply right after applying ${this.sm.applied}`,
        );
      }
      const put = this.sm.apply(e);
      checker.onApply(this.id, e, this.sm.digest, put);
      let cc: ConfChange | undefined;
      if (e.type === 'EntryConfChange') {
        cc = decodeConfChange(e.data);
        this.sm.confState = raw.applyConfChange(cc);
      }
      host.onApplied(this, e.index, put, cc);
    }
    for (const rs of rd.readStates) {
      const ctx = decoder.decode(rs.requestCtx);
      const read = this.pendingReads.get(ctx);
      if (read === undefined) continue;
      this.pendingReads.delete(ctx);
      checker.onReadState(this.id, ctx, rs.index, read.minIndex);
      read.readIndex = rs.index;
      this.waitingReads.push(read);
    }
    this.serveReads(host);
  }

  /** processReady handles one Ready in etcd's order; the caller checks hasReady() first. */
  processReady(host: NodeHost): void {
    if (this.settings.asyncStorageWrites) {
      this.processReadyAsync(host);
      return;
    }
    const raw = this.core();
    const rd = raw.ready();
    this.noteReady(rd);

    // (1)-(3): persist, durably before anything that depends on it leaves the member.
    this.persist(rd, host);
    host.checker.observeCommit(this.id, this.commit, this.storage);
    if (this.role === 'StateLeader' && this.term > this.completenessCheckedTerm) {
      host.checker.checkLeaderCompleteness(this.id, this.term, this.storage);
      this.completenessCheckedTerm = this.term;
    }

    // (4): send.
    for (const m of rd.messages) host.send(this, m);

    // (5): apply.
    this.applyReady(rd, host);

    // (6): advance, then let the application snapshot and compact (etcd's triggerSnapshot).
    raw.advance(rd);
    this.maybeSnapshot();
  }

  /** serveReads answers the reads whose read index the state machine has reached. */
  private serveReads(host: NodeHost): void {
    if (this.waitingReads.length === 0) return;
    const still: PendingRead[] = [];
    for (const read of this.waitingReads) {
      if (this.sm.applied < read.readIndex) {
        still.push(read);
        continue;
      }
      host.checker.onRead(this.id, read.ctx, read.key, this.sm.kv.get(read.key), read.minIndex, this.sm.applied);
      host.trace?.(`m${this.id} read ${read.ctx} ${read.key} at index ${read.readIndex} applied ${this.sm.applied}`);
    }
    this.waitingReads = still;
  }

  private maybeSnapshot(): void {
    const applied = this.sm.applied;
    if (applied - this.lastSnapshotIndex < this.settings.snapshotInterval) return;
    const snap = this.storage.createSnapshot(applied, this.sm.confState, this.sm.snapshotData());
    this.lastSnapshotIndex = applied;
    if (this.settings.asyncStorageWrites) this.inflight.push({ snapshot: snap });
    else this.disk.saveSnapshot(snap);
    const compactTo = applied - this.settings.compactionLag;
    if (compactTo > this.storage.firstIndex() - 1) this.storage.compact(compactTo);
  }
}
