import { ProposalDroppedError, StepLocalMsgError } from './errors.js';
import { encodeConfChange } from './conf-change.js';
import { Raft, type Config, type Status } from './raft.js';
import {
  NONE,
  isHardStateEqual,
  isLocalMsg,
  isResponseMsg,
  message,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type ReadState,
  type Snapshot,
  type SoftState,
} from './types.js';

/** MAX_HELD_PROPOSALS bounds the forwarded proposals a member holds while it has no leader to pass them to. */
const MAX_HELD_PROPOSALS = 4096;

/**
 * Ready is everything the core wants done, in one batch. The caller must handle it in this order:
 *
 * 1. persist `snapshot` (if any), then `hardState` (if any) and `entries`, as one write that is synced
 *    (fsync) when `mustSync` is true;
 * 2. only then send `messages` — votes and acknowledgements in them promise that step 1 is durable;
 * 3. apply `snapshot` (if any), then `committedEntries` in order (calling applyConfChange for
 *    EntryConfChange entries); committed entries may include entries from this Ready's `entries`, which is
 *    why step 1 comes first;
 * 4. hand `readStates` to the waiting readers (each can be served once applied ≥ its index);
 * 5. call advance(rd) before the next ready().
 *
 * With Config.asyncStorageWrites the caller may take the next Ready before this one's write is done
 * (etcd-io/raft's AsyncStorageWrites, thesis §10.2.1). ready() then hands each entry, snapshot and committed
 * entry out exactly once, and the contract becomes:
 *
 * 1. issue the Ready's write (snapshot, HardState, entries) so that writes complete in Ready order;
 * 2. send `messages` that depend on nothing this member has yet to persist at once (a leader's appends and
 *    heartbeats; the core counts the leader's own entries only once advanceAppend reports them), and the
 *    others only once this Ready's write and every earlier one are durable;
 * 3. call advanceAppend(rd) once the write is durable, in Ready order;
 * 4. apply `snapshot` and `committedEntries` in Ready order (committed entries are durable here already,
 *    except that a Ready carrying a snapshot must be persisted before it is applied), hand `readStates` to
 *    the readers, and call advanceApply(rd).
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  mustSync: boolean;
}

/**
 * RawNode is the caller's handle on the Raft core, as etcd-io/raft's RawNode: it turns method calls into
 * messages for Raft.step and collects the core's output into Readys. It is synchronous and not thread-safe;
 * the store drives it from one loop.
 */
export class RawNode {
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  /**
   * held are proposals forwarded by other members that this member could not take when they arrived (it was
   * handing leadership over, or knew no leader): they were appended nowhere, so passing them on once a leader
   * is known again is safe, and spares their proposers a timeout. Each is kept for a bounded number of ticks.
   */
  private readonly held: { m: Message; until: number }[] = [];
  private ticks = 0;

  constructor(config: Config) {
    this.raft = new Raft(config);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  /** tick advances logical time by one tick (the store ticks every heartbeat-interval / heartbeatTick ms). */
  tick(): void {
    this.ticks++;
    this.raft.tick();
    while (this.held.length > 0 && this.held[0]!.until < this.ticks) this.held.shift();
    this.releaseHeld();
  }

  /** campaign makes this member start an election now (PreVote first when enabled). */
  campaign(): void {
    this.raft.step(message({ type: 'MsgHup', from: this.raft.id }));
  }

  /** propose appends data to the log through the leader; throws ProposalDroppedError when it cannot. */
  propose(data: Uint8Array): void {
    this.proposeEntries([{ term: 0, index: 0, type: 'EntryNormal', data }]);
  }

  /** proposeBatch proposes several entries in one message (they are appended contiguously). */
  proposeBatch(datas: Uint8Array[]): void {
    if (datas.length === 0) return;
    this.proposeEntries(datas.map((data) => ({ term: 0, index: 0, type: 'EntryNormal' as const, data })));
  }

  /** proposeConfChange proposes a single-member change; one may be pending at a time. */
  proposeConfChange(cc: ConfChange): void {
    this.proposeEntries([{ term: 0, index: 0, type: 'EntryConfChange', data: encodeConfChange(cc) }]);
  }

  private proposeEntries(entries: Entry[]): void {
    this.raft.step(message({ type: 'MsgProp', from: this.raft.id, entries }));
  }

  /** applyConfChange applies a committed change; call it when applying its EntryConfChange entry. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * step hands the core a message from a peer. Local message types are refused; a forwarded proposal the
   * leader cannot take is dropped (the proposer times out, as with etcd).
   */
  step(m: Message): void {
    if (isLocalMsg(m.type)) throw new StepLocalMsgError(m.type);
    if (isResponseMsg(m.type) && !this.raft.trk.progress.has(m.from) && m.type !== 'MsgReadIndexResp') {
      // A response from a member no longer in the configuration: nothing to update.
      return;
    }
    try {
      this.raft.step(m);
    } catch (err) {
      if (err instanceof ProposalDroppedError && m.type === 'MsgProp') {
        if (this.held.length < MAX_HELD_PROPOSALS && m.entries.every((e) => e.type === 'EntryNormal')) {
          this.held.push({ m, until: this.ticks + 2 * this.raft.electionTimeout });
          this.raft.logger.debug({ from: String(m.from), reason: err.message }, 'raft: holding a forwarded proposal until there is a leader');
        } else {
          this.raft.logger.debug({ from: String(m.from), reason: err.message }, 'raft: dropped forwarded proposal');
        }
        return;
      }
      throw err;
    }
    this.releaseHeld();
  }

  /** releaseHeld passes held proposals on once this member leads, or follows a leader, and no transfer runs. */
  private releaseHeld(): void {
    const r = this.raft;
    if (this.held.length === 0 || r.lead === NONE || r.leadTransferee !== NONE) return;
    if (r.state !== 'StateLeader' && r.state !== 'StateFollower') return;
    for (const { m } of this.held.splice(0)) {
      try {
        r.step(m);
      } catch (err) {
        if (!(err instanceof ProposalDroppedError)) throw err;
        r.logger.debug({ from: String(m.from), reason: err.message }, 'raft: dropped forwarded proposal');
      }
    }
  }

  /**
   * readIndex asks for a linearizable read point (thesis §6.4). The answer comes back as a ReadState carrying
   * ctx in a later Ready; without a leader the request is dropped and the caller retries after a timeout.
   */
  readIndex(ctx: Uint8Array): void {
    this.raft.step(message({ type: 'MsgReadIndex', entries: [{ term: 0, index: 0, type: 'EntryNormal', data: ctx }] }));
  }

  /**
   * forgetLeader makes a follower stop counting on its leader (the caller saw the leader's process go away),
   * so its PreVote requests are not refused by leader stickiness elsewhere and it may campaign at once.
   * PreVote still protects a live leader: members that hear from it keep refusing.
   */
  forgetLeader(): void {
    if (this.raft.state === 'StateFollower') this.raft.lead = NONE;
  }

  /** transferLeader asks the leader to hand leadership to transferee (thesis §3.10). */
  transferLeader(transferee: bigint): void {
    this.raft.step(message({ type: 'MsgTransferLeader', from: transferee }));
  }

  /** reportUnreachable tells the leader that sending to id failed; it stops pipelining to it. */
  reportUnreachable(id: bigint): void {
    this.raft.step(message({ type: 'MsgUnreachable', from: id }));
  }

  /** reportSnapshot tells the leader how sending a snapshot to id ended. */
  reportSnapshot(id: bigint, status: 'finish' | 'failure'): void {
    this.raft.step(message({ type: 'MsgSnapStatus', from: id, reject: status === 'failure' }));
  }

  /** hasReady reports whether ready() would return anything. */
  hasReady(): boolean {
    const r = this.raft;
    if (r.needBcast && r.state === 'StateLeader') return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.raftLog.unstable.nextSnapshot() !== undefined || r.raftLog.unstable.hasNextEntries()) return true;
    if (r.raftLog.hasNextCommittedEnts()) return true;
    const ss = r.softState();
    if (ss.lead !== this.prevSoftState.lead || ss.raftState !== this.prevSoftState.raftState) return true;
    const hs = r.hardState();
    return !isHardStateEqual(hs, this.prevHardState);
  }

  /** ready returns the pending work; the caller must follow Ready's protocol and then call advance(). */
  ready(): Ready {
    const r = this.raft;
    r.flushBcast();
    const rd: Ready = {
      readStates: r.readStates,
      entries: r.raftLog.unstableEntries(),
      committedEntries: r.raftLog.nextCommittedEnts(),
      messages: r.msgs,
      mustSync: false,
    };
    r.readStates = [];
    r.msgs = [];
    const ss = r.softState();
    if (ss.lead !== this.prevSoftState.lead || ss.raftState !== this.prevSoftState.raftState) {
      rd.softState = ss;
      this.prevSoftState = ss;
    }
    const hs = r.hardState();
    if (!isHardStateEqual(hs, this.prevHardState)) {
      rd.hardState = hs;
      // Term and vote must be durable before any vote is sent; commit alone can be recovered.
      rd.mustSync = hs.term !== this.prevHardState.term || hs.vote !== this.prevHardState.vote;
      this.prevHardState = hs;
    }
    const snap = r.raftLog.unstable.nextSnapshot();
    if (snap !== undefined) rd.snapshot = snap;
    if (rd.entries.length > 0 || rd.snapshot !== undefined) rd.mustSync = true;
    if (r.asyncStorageWrites) {
      // Handed out once: the next Ready carries only what is new since.
      r.raftLog.unstable.acceptInProgress();
      if (rd.committedEntries.length > 0) r.raftLog.acceptApplying(rd.committedEntries[rd.committedEntries.length - 1]!.index);
    }
    return rd;
  }

  /**
   * takeMessages hands out, between ready() and the next one, the messages of the given types produced since
   * the last ready(), and leaves the rest for the next Ready. It is for messages that depend on nothing this
   * member has yet to persist (etcd-io/raft's msgs as opposed to msgsAfterAppend), such as heartbeats and
   * their responses: a caller still handling a long Ready sends them, so that leadership survives it. They may
   * overtake other messages to the same peer, which Raft tolerates (etcd's transport carries appends and other
   * messages on separate streams, so there too a heartbeat can pass an append).
   */
  takeMessages(types: ReadonlySet<Message['type']>): Message[] {
    const r = this.raft;
    if (r.msgs.length === 0) return [];
    const taken: Message[] = [];
    const kept: Message[] = [];
    for (const m of r.msgs) (types.has(m.type) ? taken : kept).push(m);
    if (taken.length > 0) r.msgs = kept;
    return taken;
  }

  /** advance acknowledges that rd was persisted, sent and applied. */
  advance(rd: Ready): void {
    // The snapshot is stable before anything applied can make this member campaign (promotable()).
    if (rd.snapshot !== undefined) this.raft.raftLog.stableSnapTo(rd.snapshot.metadata.index);
    this.advanceApply(rd);
    this.advanceAppend(rd);
  }

  /**
   * advanceAppend acknowledges that rd's snapshot, HardState and entries are durable; a leader counts its own
   * entries toward the commit quorum only from here on (thesis §10.2.1).
   */
  advanceAppend(rd: Ready): void {
    const r = this.raft;
    if (rd.snapshot !== undefined) r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      r.raftLog.stableTo(last.index, last.term);
      r.onPersisted(last.index, last.term);
    }
  }

  /** advanceApply acknowledges that rd's snapshot and committed entries were applied. */
  advanceApply(rd: Ready): void {
    const r = this.raft;
    if (rd.snapshot !== undefined && rd.snapshot.metadata.index > r.raftLog.applied) r.raftLog.appliedTo(rd.snapshot.metadata.index);
    if (rd.committedEntries.length > 0) {
      r.raftLog.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
      r.reduceUncommittedSize(rd.committedEntries);
      r.onApplied();
    }
  }

  /** status describes this member. */
  status(): Status {
    return this.raft.status();
  }

  /** isLeader is a convenience for callers that only need the role. */
  isLeader(): boolean {
    return this.raft.state === 'StateLeader';
  }

  /** leader is the member this one believes leads, or NONE. */
  leader(): bigint {
    return this.raft.lead ?? NONE;
  }
}
