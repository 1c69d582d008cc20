import { ProposalDroppedError, assert } from './errors.js';
import { RaftLog } from './log.js';
import { majority } from './quorum.js';
import { ReadOnly } from './read-only.js';
import type { Storage } from './storage.js';
import { ProgressTracker } from './tracker.js';
import {
  NONE,
  entrySize,
  isEmptySnap,
  message,
  voteRespMsgType,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type ReadState,
  type Snapshot,
  type SoftState,
  type StateType,
} from './types.js';

/** RaftLogger receives the core's structured diagnostics; pino loggers satisfy it. */
export interface RaftLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** RandomSource is the only randomness the core uses: election timeouts (util's SeededRandom fits). */
export interface RandomSource {
  int(n: number): number;
}

/**
 * UnsafeBugs switches on deliberately wrong behaviour so that tests can show the simulator's checkers catch
 * it. Never set in production.
 */
export interface UnsafeBugs {
  /** voteWithoutLogCheck grants votes without the up-to-date check of Raft §5.4.1. */
  voteWithoutLogCheck?: boolean;
  /** commitPreviousTermByCounting commits entries of earlier terms by counting replicas (Raft §5.4.2, Fig. 8). */
  commitPreviousTermByCounting?: boolean;
  /** readIndexWithoutQuorum answers ReadIndex at once, without confirming leadership (thesis §6.4). */
  readIndexWithoutQuorum?: boolean;
}

/** Config configures one member's Raft core. Validated at construction. */
export interface Config {
  /** id is this member's ID; never 0. */
  id: bigint;
  /** electionTick is the election timeout in ticks; the randomised timeout is in [electionTick, 2·electionTick). */
  electionTick: number;
  /** heartbeatTick is the leader's heartbeat interval in ticks; less than electionTick. */
  heartbeatTick: number;
  /** storage is the persisted state the core starts from and reads entries back from. */
  storage: Storage;
  /** random draws the randomised election timeouts. */
  random: RandomSource;
  /** applied is the last index the application applied before a restart. */
  applied?: number;
  /** maxSizePerMsg bounds the bytes of entries in one MsgApp (1 MiB by default). */
  maxSizePerMsg?: number;
  /** maxInflightMsgs bounds the MsgApps in flight to one follower in StateReplicate (256 by default). */
  maxInflightMsgs?: number;
  /** maxInflightBytes bounds the bytes in flight to one follower (0 = no limit). */
  maxInflightBytes?: number;
  /** maxUncommittedEntriesSize bounds the bytes of entries the leader holds uncommitted (0 = no limit). */
  maxUncommittedEntriesSize?: number;
  /** maxCommittedSizePerReady bounds the bytes of committed entries in one Ready (no limit by default). */
  maxCommittedSizePerReady?: number;
  /** checkQuorum makes a leader step down when it has not heard from a quorum for an election timeout. */
  checkQuorum?: boolean;
  /** preVote runs a PreVote round before disrupting the cluster with a term increase (thesis §9.6). */
  preVote?: boolean;
  /** disableProposalForwarding makes followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /**
   * asyncStorageWrites lets the caller take the next Ready while earlier Readys' writes are in flight
   * (etcd-io/raft's AsyncStorageWrites): each Ready is handed out once, the caller reports its write with
   * RawNode.advanceAppend and its application with RawNode.advanceApply, and committed entries are handed
   * out only once durable here. See Ready in raw-node.ts.
   */
  asyncStorageWrites?: boolean;
  logger?: RaftLogger;
  unsafeBugs?: UnsafeBugs;
}

/** CampaignType says why a member campaigns; a transfer campaign overrides leader stickiness. */
export type CampaignType = 'CampaignPreElection' | 'CampaignElection' | 'CampaignTransfer';

const campaignTransferCtx = new TextEncoder().encode('CampaignTransfer');

function isCampaignTransfer(ctx: Uint8Array | undefined): boolean {
  if (ctx === undefined || ctx.length !== campaignTransferCtx.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== campaignTransferCtx[i]) return false;
  return true;
}

const noopLogger: RaftLogger = { debug() {}, info() {}, warn() {} };

/** ProgressStatus is a snapshot of the leader's view of one member, for status output. */
export interface ProgressStatus {
  match: number;
  next: number;
  state: string;
  isLearner: boolean;
  recentActive: boolean;
  inflight: number;
}

/** Status describes a member's core for status endpoints and tests. */
export interface Status {
  id: bigint;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  leadTransferee: bigint;
  config: ConfState;
  /** progress is present on the leader only. */
  progress?: Map<bigint, ProgressStatus>;
}

/**
 * Raft is the consensus state machine of one member (Ongaro & Ousterhout 2014; Ongaro's thesis 2014). It is
 * pure and synchronous: inputs arrive through step() and tick(), outputs accumulate in `msgs`, `readStates`
 * and the log's unstable part, and RawNode hands them to the caller in a Ready. Roles swap the `stepFn` and
 * `tickFn` fields rather than branching on the role everywhere.
 */
export class Raft {
  readonly id: bigint;
  term = 0;
  vote: bigint = NONE;
  readStates: ReadState[] = [];
  readonly raftLog: RaftLog;
  readonly trk: ProgressTracker;
  state: StateType = 'StateFollower';
  isLearner = false;
  msgs: Message[] = [];
  lead: bigint = NONE;
  /** leadTransferee is the member leadership is being handed to (thesis §3.10), or NONE. */
  leadTransferee: bigint = NONE;
  /** pendingConfIndex: no new conf change may be proposed until applied ≥ this index. */
  pendingConfIndex = 0;
  uncommittedSize = 0;
  readOnly = new ReadOnly();
  /** pendingReadIndexMessages wait for the new leader's first commit in its term (thesis §6.4 step 1). */
  pendingReadIndexMessages: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** needBcast batches appends: proposals set it and ready() sends one MsgApp per follower. */
  needBcast = false;
  /** transferCampaignPending: a MsgTimeoutNow arrived while a committed conf change was still unapplied. */
  transferCampaignPending = false;

  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly heartbeatTimeout: number;
  readonly electionTimeout: number;
  readonly maxMsgSize: number;
  readonly maxUncommittedSize: number;
  readonly disableProposalForwarding: boolean;
  readonly asyncStorageWrites: boolean;
  readonly logger: RaftLogger;
  private readonly random: RandomSource;
  private readonly bugs: UnsafeBugs;
  private tickFn: () => void = () => this.tickElection();
  private stepFn: (m: Message) => void = (m) => this.stepFollower(m);

  constructor(c: Config) {
    validateConfig(c);
    this.id = c.id;
    this.asyncStorageWrites = c.asyncStorageWrites ?? false;
    this.raftLog = new RaftLog(c.storage, c.maxCommittedSizePerReady, !this.asyncStorageWrites);
    this.trk = new ProgressTracker(c.maxInflightMsgs ?? 256, c.maxInflightBytes ?? 0);
    this.checkQuorum = c.checkQuorum ?? true;
    this.preVote = c.preVote ?? true;
    this.heartbeatTimeout = c.heartbeatTick;
    this.electionTimeout = c.electionTick;
    this.maxMsgSize = c.maxSizePerMsg ?? 1024 * 1024;
    this.maxUncommittedSize = c.maxUncommittedEntriesSize ?? 0;
    this.disableProposalForwarding = c.disableProposalForwarding ?? false;
    this.logger = c.logger ?? noopLogger;
    this.random = c.random;
    this.bugs = c.unsafeBugs ?? {};

    const { hardState, confState } = c.storage.initialState();
    this.restoreConfState(confState);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) this.loadState(hardState);
    if (c.applied !== undefined && c.applied > 0) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, NONE);
    this.logger.info(
      {
        id: String(this.id),
        term: this.term,
        commit: this.raftLog.committed,
        applied: this.raftLog.applied,
        lastIndex: this.raftLog.lastIndex(),
        lastTerm: this.raftLog.lastTerm(),
        voters: confState.voters.map(String),
        learners: confState.learners.map(String),
      },
      'raft: new member',
    );
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  /** tick advances logical time by one tick. */
  tick(): void {
    this.tickFn();
  }

  // ---- sending ---------------------------------------------------------------------------------------

  /** send stamps a message with this member's ID and (for most types) term and queues it. */
  private send(m: Message): void {
    m.from = this.id;
    if (m.type === 'MsgVote' || m.type === 'MsgVoteResp' || m.type === 'MsgPreVote' || m.type === 'MsgPreVoteResp') {
      // Vote messages carry the term they are about: the candidate's next term for PreVote.
      assert(m.term !== 0, () => `term should be set when sending ${m.type}`);
    } else {
      assert(m.term === 0, () => `term should not be set when sending ${m.type} (was ${m.term})`);
      // Proposals and read requests forwarded to the leader are local in spirit and carry no term.
      if (m.type !== 'MsgProp' && m.type !== 'MsgReadIndex') m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** sendAppend sends entries (or a snapshot) to `to`, even an empty MsgApp if nothing is new. */
  sendAppend(to: bigint): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * maybeSendAppend sends to `to` what its Progress says it needs: entries from next, or a snapshot when
   * those have been compacted. Returns whether a message was sent.
   */
  maybeSendAppend(to: bigint, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.raftLog.termOrUndefined(prevIndex);
    let ents: Entry[] | undefined;
    if (prevTerm !== undefined) {
      ents = prevIndex >= this.raftLog.firstIndex() - 1 ? this.raftLog.entries(pr.next, this.maxMsgSize) : undefined;
      if (ents !== undefined && ents.length === 0 && !sendIfEmpty) return false;
    }
    if (prevTerm === undefined || ents === undefined) {
      // The entries the follower needs were compacted away: send a snapshot (Raft §7).
      if (!pr.recentActive) {
        this.logger.debug({ to: String(to) }, 'raft: not sending snapshot to a member not recently active');
        return false;
      }
      const snapshot = this.raftLog.snapshot();
      assert(!isEmptySnap(snapshot), 'need non-empty snapshot');
      this.logger.info(
        { to: String(to), snapshotIndex: snapshot.metadata.index, snapshotTerm: snapshot.metadata.term, match: pr.match, next: pr.next },
        'raft: sending snapshot to member that needs compacted entries',
      );
      pr.becomeSnapshot(snapshot.metadata.index);
      this.send(message({ type: 'MsgSnap', to, snapshot }));
      return true;
    }
    const m = message({ type: 'MsgApp', to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.raftLog.committed });
    if (ents.length > 0) {
      const last = ents[ents.length - 1]!.index;
      if (pr.state === 'StateReplicate') {
        let bytes = 0;
        for (const e of ents) bytes += entrySize(e);
        pr.optimisticUpdate(last);
        pr.inflights.add(last, bytes);
      } else if (pr.state === 'StateProbe') {
        pr.msgAppFlowPaused = true;
      }
    } else if (pr.state === 'StateProbe') {
      pr.msgAppFlowPaused = true;
    }
    this.send(m);
    return true;
  }

  /** sendHeartbeat tells `to` the leader lives, with a commit index it is known to be able to apply. */
  private sendHeartbeat(to: bigint, ctx: Uint8Array | undefined): void {
    const pr = this.trk.progress.get(to);
    const commit = Math.min(pr?.match ?? 0, this.raftLog.committed);
    this.send(message({ type: 'MsgHeartbeat', to, commit, context: ctx }));
  }

  /** bcastAppend sends what each follower needs. */
  bcastAppend(): void {
    for (const id of this.trk.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(ctx: Uint8Array | undefined = this.readOnly.lastPendingRequestCtx()): void {
    for (const id of this.trk.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  /** flushBcast sends the appends batched since the last Ready. */
  flushBcast(): void {
    if (!this.needBcast) return;
    this.needBcast = false;
    if (this.state === 'StateLeader') this.bcastAppend();
  }

  /**
   * maybeCommit advances the commit index to what a quorum has persisted, but only through an entry of the
   * current term (Raft §5.4.2: earlier-term entries are committed indirectly).
   */
  maybeCommit(): boolean {
    if (this.trk.voters.size === 0) return false;
    const mci = this.trk.committed();
    if (this.bugs.commitPreviousTermByCounting) {
      if (mci > this.raftLog.committed) {
        this.raftLog.commitTo(mci);
        return true;
      }
      return false;
    }
    return this.raftLog.maybeCommit(mci, this.term);
  }

  // ---- role changes ----------------------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const next = this.raftLog.lastIndex() + 1;
    for (const [id, old] of this.trk.progress) {
      const pr = this.trk.addProgress(id, next, old.isLearner);
      if (id === this.id) pr.match = this.raftLog.lastStableIndex();
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
    this.needBcast = false;
    this.transferCampaignPending = false;
  }

  becomeFollower(term: number, lead: bigint): void {
    this.stepFn = (m) => this.stepFollower(m);
    this.reset(term);
    this.tickFn = () => this.tickElection();
    this.lead = lead;
    this.state = 'StateFollower';
    this.logger.info({ id: String(this.id), term: this.term, lead: String(lead) }, 'raft: became follower');
  }

  becomeCandidate(): void {
    assert(this.state !== 'StateLeader', 'invalid transition [leader -> candidate]');
    this.stepFn = (m) => this.stepCandidate(m);
    this.reset(this.term + 1);
    this.tickFn = () => this.tickElection();
    this.vote = this.id;
    this.state = 'StateCandidate';
    this.logger.info({ id: String(this.id), term: this.term }, 'raft: became candidate');
  }

  becomePreCandidate(): void {
    assert(this.state !== 'StateLeader', 'invalid transition [leader -> pre-candidate]');
    // PreVote changes neither term nor vote (thesis §9.6).
    this.stepFn = (m) => this.stepCandidate(m);
    this.trk.resetVotes();
    this.tickFn = () => this.tickElection();
    this.lead = NONE;
    this.state = 'StatePreCandidate';
    this.logger.info({ id: String(this.id), term: this.term }, 'raft: became pre-candidate');
  }

  becomeLeader(): void {
    assert(this.state !== 'StateFollower', 'invalid transition [follower -> leader]');
    this.stepFn = (m) => this.stepLeader(m);
    this.reset(this.term);
    this.tickFn = () => this.tickHeartbeat();
    this.lead = this.id;
    this.state = 'StateLeader';
    const self = this.trk.progress.get(this.id);
    if (self !== undefined) {
      self.becomeReplicate();
      self.match = this.raftLog.lastStableIndex();
      self.next = this.raftLog.lastIndex() + 1;
      self.recentActive = true;
    }
    // The empty entry commits the log of earlier terms (Raft §5.4.2) and opens ReadIndex (thesis §6.4).
    const ok = this.appendEntries([{ term: 0, index: 0, type: 'EntryNormal', data: new Uint8Array(0) }]);
    assert(ok, 'empty entry was dropped');
    // Conf changes wait until that entry of this term is applied (see conf-change.ts).
    this.pendingConfIndex = this.raftLog.lastIndex();
    this.needBcast = true;
    this.logger.info({ id: String(this.id), term: this.term }, 'raft: became leader');
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + this.random.int(this.electionTimeout);
  }

  private pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  /** promotable reports whether this member may campaign: a voter with no snapshot pending. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && this.raftLog.unstable.snapshot === undefined;
  }

  // ---- ticks -----------------------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(message({ type: 'MsgHup', from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(message({ type: 'MsgCheckQuorum', from: this.id }));
      // A transfer that has not finished within an election timeout is abandoned (thesis §3.10).
      if (this.state === 'StateLeader' && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.state !== 'StateLeader') return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: 'MsgBeat', from: this.id }));
    }
  }

  // ---- elections -------------------------------------------------------------------------------------

  private hup(t: CampaignType): void {
    if (this.state === 'StateLeader') {
      this.logger.debug({ id: String(this.id) }, 'raft: ignoring MsgHup because already leader');
      return;
    }
    if (!this.promotable()) {
      this.logger.warn({ id: String(this.id) }, 'raft: is unpromotable and can not campaign');
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.logger.warn({ id: String(this.id), term: this.term }, 'raft: cannot campaign while conf changes are committed but unapplied');
      return;
    }
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.raftLog.applied >= this.raftLog.committed) return false;
    let lo = this.raftLog.applied + 1;
    const hi = this.raftLog.committed + 1;
    lo = Math.max(lo, this.raftLog.firstIndex());
    while (lo < hi) {
      const ents = this.raftLog.slice(lo, hi, 1024 * 1024);
      for (const e of ents) if (e.type === 'EntryConfChange') return true;
      lo += ents.length;
    }
    return false;
  }

  /** campaign starts a (pre-)election: vote for self and ask every other voter. */
  campaign(t: CampaignType): void {
    if (!this.promotable()) return;
    let voteMsg: MessageType;
    let term: number;
    if (t === 'CampaignPreElection') {
      this.becomePreCandidate();
      voteMsg = 'MsgPreVote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteMsg = 'MsgVote';
      term = this.term;
    }
    if (this.poll(this.id, true) === 'VoteWon') {
      // A single-voter configuration wins at once.
      if (t === 'CampaignPreElection') this.campaign('CampaignElection');
      else this.becomeLeader();
      return;
    }
    const index = this.raftLog.lastIndex();
    const logTerm = this.raftLog.lastTerm();
    for (const id of [...this.trk.voters].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (id === this.id) continue;
      this.logger.info({ id: String(this.id), term: this.term, to: String(id), type: voteMsg, lastIndex: index, lastTerm: logTerm }, 'raft: sent vote request');
      this.send(
        message({ type: voteMsg, to: id, term, index, logTerm, context: t === 'CampaignTransfer' ? campaignTransferCtx : undefined }),
      );
    }
  }

  private poll(id: bigint, granted: boolean): 'VotePending' | 'VoteLost' | 'VoteWon' {
    this.trk.recordVote(id, granted);
    return this.trk.tallyVotes().result;
  }

  // ---- step ------------------------------------------------------------------------------------------

  /** step is the single entry point for every message, local or from a peer. */
  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        const force = isCampaignTransfer(m.context);
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        if (!force && inLease) {
          // Leader stickiness (thesis §4.2.3): while we hear from a leader, ignore disruptive candidates.
          this.logger.info(
            { id: String(this.id), term: this.term, from: String(m.from), type: m.type, msgTerm: m.term, remaining: this.electionTimeout - this.electionElapsed },
            'raft: ignored vote request: lease is not expired',
          );
          return;
        }
      }
      if (m.type === 'MsgPreVote') {
        // Never change our term in response to a PreVote.
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // The term in a granted PreVote response is the one we will campaign in once a quorum grants it.
      } else {
        this.logger.info({ id: String(this.id), term: this.term, from: String(m.from), type: m.type, msgTerm: m.term }, 'raft: received message with higher term');
        if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') this.becomeFollower(m.term, m.from);
        else this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')) {
        // A stale leader (partitioned, or paused) learns our term from this and steps down; without it a
        // member whose term rose through PreVote-less elections could never rejoin (etcd issue 5451).
        this.send(message({ type: 'MsgAppResp', to: m.from }));
      } else if (m.type === 'MsgPreVote') {
        this.send(message({ type: 'MsgPreVoteResp', to: m.from, term: this.term, reject: true }));
      }
      return;
    }

    switch (m.type) {
      case 'MsgHup':
        this.hup(this.preVote ? 'CampaignPreElection' : 'CampaignElection');
        return;
      case 'MsgVote':
      case 'MsgPreVote': {
        const canVote =
          this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (m.type === 'MsgPreVote' && m.term > this.term);
        const upToDate = this.bugs.voteWithoutLogCheck === true || this.raftLog.isUpToDate(m.index, m.logTerm);
        if (canVote && upToDate) {
          this.logger.info({ id: String(this.id), term: this.term, to: String(m.from), type: m.type, msgTerm: m.term }, 'raft: cast vote');
          // The response carries the request's term: for PreVote that is a term we have not reached.
          this.send(message({ type: voteRespMsgType(m.type), to: m.from, term: m.term }));
          if (m.type === 'MsgVote') {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.logger.info({ id: String(this.id), term: this.term, to: String(m.from), type: m.type, msgTerm: m.term }, 'raft: rejected vote');
          this.send(message({ type: voteRespMsgType(m.type), to: m.from, term: this.term, reject: true }));
        }
        return;
      }
      default:
        this.stepFn(m);
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'MsgBeat':
        this.bcastHeartbeat();
        return;
      case 'MsgCheckQuorum':
        if (!this.trk.quorumActive(this.id)) {
          this.logger.warn({ id: String(this.id), term: this.term }, 'raft: stepped down to follower since quorum is not active');
          this.becomeFollower(this.term, NONE);
        }
        for (const [id, pr] of this.trk.progress) if (id !== this.id) pr.recentActive = false;
        return;
      case 'MsgProp':
        this.stepLeaderProp(m);
        return;
      case 'MsgReadIndex':
        if (!this.bugs.readIndexWithoutQuorum && !this.committedEntryInCurrentTerm()) {
          // Until an entry of this term commits, the leader's commit index may be stale (thesis §6.4 step 1).
          this.pendingReadIndexMessages.push(m);
          return;
        }
        this.sendMsgReadIndexResponse(m);
        return;
    }

    const pr = this.trk.progress.get(m.from);
    if (pr === undefined) {
      this.logger.debug({ id: String(this.id), from: String(m.from), type: m.type }, 'raft: no progress available for member');
      return;
    }
    switch (m.type) {
      case 'MsgAppResp': {
        pr.recentActive = true;
        if (m.reject) {
          // The follower's hint (index and term of its last entry at or before the rejected one) lets us skip
          // every entry of a conflicting term in one round trip.
          let nextProbeIdx = m.rejectHint;
          if (m.logTerm > 0) nextProbeIdx = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
          if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
            this.logger.debug({ id: String(this.id), from: String(m.from), index: m.index, next: pr.next }, 'raft: decreased progress after rejection');
            if (pr.state === 'StateReplicate') pr.becomeProbe();
            this.sendAppend(m.from);
          }
          return;
        }
        const oldPaused = pr.isPaused();
        if (!pr.maybeUpdate(m.index)) return;
        if (pr.state === 'StateProbe') {
          pr.becomeReplicate();
        } else if (pr.state === 'StateSnapshot' && pr.match + 1 >= this.raftLog.firstIndex()) {
          // The follower caught up from the snapshot (or by other means): entries can flow again.
          pr.becomeProbe();
          pr.becomeReplicate();
        } else if (pr.state === 'StateReplicate') {
          pr.inflights.freeLE(m.index);
        }
        if (this.maybeCommit()) {
          this.releasePendingReadIndexMessages();
          this.bcastAppend();
        } else if (oldPaused) {
          this.sendAppend(m.from);
        }
        // Fill the follower's window with whatever else is waiting.
        while (this.maybeSendAppend(m.from, false)) {
          // keep sending
        }
        if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) {
          this.logger.info({ id: String(this.id), to: String(m.from) }, 'raft: sent MsgTimeoutNow after transferee caught up');
          this.sendTimeoutNow(m.from);
        }
        return;
      }
      case 'MsgHeartbeatResp': {
        pr.recentActive = true;
        pr.msgAppFlowPaused = false;
        // A full window whose messages were lost would block forever: free one slot per heartbeat so the
        // next append goes out, is rejected if entries are missing, and sends the follower back to probing.
        if (pr.state === 'StateReplicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.raftLog.lastIndex()) this.sendAppend(m.from);
        if (m.context === undefined || m.context.length === 0) return;
        const acks = this.readOnly.recvAck(m.from, m.context);
        if (acks === undefined) return;
        let granted = 0;
        for (const id of acks) if (this.trk.voters.has(id)) granted++;
        if (granted < majority(this.trk.voters.size)) return;
        for (const rs of this.readOnly.advance(m.context)) this.respondToReadIndex(rs.req, rs.index);
        return;
      }
      case 'MsgSnapStatus':
        if (pr.state !== 'StateSnapshot') return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for a heartbeat response before probing, so a failed send is not retried in a tight loop.
        pr.msgAppFlowPaused = true;
        this.logger.info({ id: String(this.id), to: String(m.from), failed: m.reject, next: pr.next }, 'raft: snapshot send finished');
        return;
      case 'MsgUnreachable':
        if (pr.state === 'StateReplicate') pr.becomeProbe();
        return;
      case 'MsgTransferLeader': {
        if (pr.isLearner) {
          this.logger.info({ id: String(this.id), transferee: String(m.from) }, 'raft: ignored leadership transfer to a learner');
          return;
        }
        const transferee = m.from;
        if (this.leadTransferee !== NONE) {
          if (this.leadTransferee === transferee) return;
          this.abortLeaderTransfer();
        }
        if (transferee === this.id) return;
        // The transfer must finish within one election timeout, or it is abandoned.
        this.electionElapsed = 0;
        this.leadTransferee = transferee;
        this.logger.info({ id: String(this.id), term: this.term, transferee: String(transferee) }, 'raft: starts to transfer leadership');
        if (pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
        else this.sendAppend(transferee);
        return;
      }
      default:
        return;
    }
  }

  private stepLeaderProp(m: Message): void {
    assert(m.entries.length > 0, 'stepped empty MsgProp');
    if (!this.trk.progress.has(this.id)) throw new ProposalDroppedError('this member was removed from the configuration');
    if (this.leadTransferee !== NONE) throw new ProposalDroppedError(`leadership is being transferred to ${this.leadTransferee}`);
    let confIndex = 0;
    for (let i = 0; i < m.entries.length; i++) {
      if (m.entries[i]!.type !== 'EntryConfChange') continue;
      if (confIndex !== 0 || this.pendingConfIndex > this.raftLog.applied) {
        throw new ProposalDroppedError(
          `a configuration change is pending (index ${confIndex || this.pendingConfIndex}, applied ${this.raftLog.applied})`,
        );
      }
      confIndex = this.raftLog.lastIndex() + i + 1;
    }
    if (!this.appendEntries(m.entries)) throw new ProposalDroppedError('too many uncommitted entries');
    // Only a change that is really in the log blocks the next one.
    if (confIndex !== 0) this.pendingConfIndex = confIndex;
    this.needBcast = true;
  }

  private stepCandidate(m: Message): void {
    const myVoteRespType: MessageType = this.state === 'StatePreCandidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
    switch (m.type) {
      case 'MsgProp':
        throw new ProposalDroppedError('no leader (an election is in progress)');
      case 'MsgApp':
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case 'MsgHeartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'MsgSnap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'MsgTimeoutNow':
        this.logger.debug({ id: String(this.id), term: this.term }, 'raft: ignored MsgTimeoutNow as a candidate');
        return;
      case 'MsgReadIndex':
        this.logger.debug({ id: String(this.id) }, 'raft: no leader; dropping read index request');
        return;
      default:
        if (m.type !== myVoteRespType) return;
        {
          const result = this.poll(m.from, !m.reject);
          const { granted, rejected } = this.trk.tallyVotes();
          this.logger.info({ id: String(this.id), term: this.term, granted, rejected, type: m.type }, 'raft: vote tally');
          if (result === 'VoteWon') {
            if (this.state === 'StatePreCandidate') {
              this.campaign('CampaignElection');
            } else {
              this.becomeLeader();
              this.bcastAppend();
              this.needBcast = false;
            }
          } else if (result === 'VoteLost') {
            // A rejecting PreVote response may carry a term we have not seen; becoming a follower in our own
            // term is right either way: a higher term was handled in step().
            this.becomeFollower(this.term, NONE);
          }
        }
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'MsgProp':
        if (this.lead === NONE) throw new ProposalDroppedError('no leader');
        if (this.disableProposalForwarding) throw new ProposalDroppedError('proposal forwarding is disabled');
        m.to = this.lead;
        this.send(m);
        return;
      case 'MsgApp':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case 'MsgHeartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'MsgSnap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'MsgTransferLeader':
        if (this.lead === NONE) {
          this.logger.info({ id: String(this.id), term: this.term }, 'raft: no leader; dropping leader transfer');
          return;
        }
        // Forwarded as is: `from` names the transferee, not us.
        this.msgs.push({ ...m, to: this.lead, term: this.term });
        return;
      case 'MsgTimeoutNow':
        // The leader handed over leadership: campaign at once, past leader stickiness (thesis §3.10).
        this.logger.info({ id: String(this.id), term: this.term, from: String(m.from) }, 'raft: received MsgTimeoutNow; starting transfer campaign');
        if (this.promotable() && this.hasUnappliedConfChanges()) {
          // Campaign as soon as the committed conf change is applied (a removed leader hands over this way).
          this.transferCampaignPending = true;
          return;
        }
        this.hup('CampaignTransfer');
        return;
      case 'MsgReadIndex':
        if (this.lead === NONE) {
          this.logger.debug({ id: String(this.id) }, 'raft: no leader; dropping read index request');
          return;
        }
        m.to = this.lead;
        this.send(m);
        return;
      case 'MsgReadIndexResp':
        if (m.entries.length !== 1) {
          this.logger.warn({ id: String(this.id), entries: m.entries.length }, 'raft: invalid MsgReadIndexResp');
          return;
        }
        this.readStates.push({ index: m.index, requestCtx: m.entries[0]!.data });
        return;
      default:
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      this.send(message({ type: 'MsgAppResp', to: m.from, index: this.raftLog.committed }));
      return;
    }
    const mlastIndex = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (mlastIndex !== undefined) {
      this.send(message({ type: 'MsgAppResp', to: m.from, index: mlastIndex }));
      return;
    }
    // Reject with a hint: our last entry at or before m.index whose term is ≤ m.logTerm. The leader then
    // skips straight past any suffix of a term it does not have.
    const hint = this.raftLog.findConflictByTerm(Math.min(m.index, this.raftLog.lastIndex()), m.logTerm);
    this.logger.debug(
      { id: String(this.id), index: m.index, logTerm: m.logTerm, hintIndex: hint.index, hintTerm: hint.term, from: String(m.from) },
      'raft: rejected MsgApp',
    );
    this.send(message({ type: 'MsgAppResp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }));
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(Math.min(m.commit, this.raftLog.lastIndex()));
    this.send(message({ type: 'MsgHeartbeatResp', to: m.from, context: m.context }));
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s === undefined) return;
    if (this.restore(s)) {
      this.logger.info({ id: String(this.id), commit: this.raftLog.committed, index: s.metadata.index, term: s.metadata.term }, 'raft: restored snapshot');
      this.send(message({ type: 'MsgAppResp', to: m.from, index: this.raftLog.lastIndex() }));
    } else {
      this.logger.info({ id: String(this.id), commit: this.raftLog.committed, index: s.metadata.index }, 'raft: ignored snapshot');
      this.send(message({ type: 'MsgAppResp', to: m.from, index: this.raftLog.committed }));
    }
  }

  /** restore replaces the log and membership with a snapshot's; false if the snapshot brings nothing new. */
  restore(s: Snapshot): boolean {
    if (s.metadata.index <= this.raftLog.committed) return false;
    if (this.state !== 'StateFollower') {
      // Defense in depth: only followers install snapshots.
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    if (this.raftLog.matchTerm(s.metadata.index, s.metadata.term)) {
      // We already hold this prefix: just fast-forward the commit index.
      this.raftLog.commitTo(s.metadata.index);
      return false;
    }
    this.raftLog.restore(s);
    this.trk.progress.clear();
    this.trk.voters.clear();
    this.trk.learners.clear();
    this.restoreConfState(s.metadata.confState);
    return true;
  }

  private restoreConfState(cs: ConfState): void {
    const next = this.raftLog.lastIndex() + 1;
    for (const id of cs.voters) {
      this.trk.voters.add(id);
      this.trk.addProgress(id, next, false);
    }
    for (const id of cs.learners) {
      assert(!this.trk.voters.has(id), () => `member ${id} is both voter and learner`);
      this.trk.learners.add(id);
      this.trk.addProgress(id, next, true);
    }
    this.isLearner = this.trk.learners.has(this.id);
    const self = this.trk.progress.get(this.id);
    if (self !== undefined) self.match = this.raftLog.lastStableIndex();
  }

  private loadState(hs: HardState): void {
    assert(
      hs.commit >= this.raftLog.committed && hs.commit <= this.raftLog.lastIndex(),
      () => `hardState.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
    );
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  // ---- proposals and acknowledgement ---------------------------------------------------------------

  /** appendEntries stamps entries with this term and the next indexes and adds them to the log. */
  private appendEntries(es: Entry[]): boolean {
    let li = this.raftLog.lastIndex();
    let size = 0;
    for (const e of es) size += e.data.byteLength;
    if (this.maxUncommittedSize > 0 && size > 0 && this.uncommittedSize > 0 && this.uncommittedSize + size > this.maxUncommittedSize) {
      return false;
    }
    this.uncommittedSize += size;
    const stamped = es.map((e) => ({ term: this.term, index: ++li, type: e.type, data: e.data }));
    this.raftLog.append(stamped);
    return true;
  }

  /** reduceUncommittedSize releases the budget of entries that committed. */
  reduceUncommittedSize(ents: Entry[]): void {
    let size = 0;
    for (const e of ents) size += e.data.byteLength;
    this.uncommittedSize = Math.max(0, this.uncommittedSize - size);
  }

  /**
   * onPersisted is told that entries up to (index, term) are durable locally. Only now does the leader count
   * itself toward the commit quorum, so a committed entry is always on a durable quorum (thesis §10.2.1).
   */
  onPersisted(index: number, term: number): void {
    if (this.state !== 'StateLeader') return;
    if (this.raftLog.termOrUndefined(index) !== term) return;
    const self = this.trk.progress.get(this.id);
    if (self === undefined) return;
    if (self.maybeUpdate(index) && this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.needBcast = true;
    }
  }

  /** onApplied is told the application applied through index; a deferred transfer campaign may now start. */
  onApplied(): void {
    if (this.transferCampaignPending && this.state === 'StateFollower' && !this.hasUnappliedConfChanges()) {
      this.transferCampaignPending = false;
      this.hup('CampaignTransfer');
    }
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrUndefined(this.raftLog.committed) === this.term;
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.sendMsgReadIndexResponse(m);
  }

  private sendMsgReadIndexResponse(m: Message): void {
    if (this.bugs.readIndexWithoutQuorum || (this.trk.voters.size === 1 && this.trk.voters.has(this.id))) {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    // Confirm leadership with a heartbeat round before answering (thesis §6.4 steps 2–3).
    this.readOnly.addRequest(this.raftLog.committed, m);
    this.readOnly.recvAck(this.id, m.entries[0]!.data);
    this.bcastHeartbeat(m.entries[0]!.data);
  }

  private respondToReadIndex(req: Message, readIndex: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index: readIndex, requestCtx: req.entries[0]!.data });
      return;
    }
    this.send(message({ type: 'MsgReadIndexResp', to: req.from, index: readIndex, entries: req.entries }));
  }

  private sendTimeoutNow(to: bigint): void {
    this.send(message({ type: 'MsgTimeoutNow', to }));
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  // ---- membership ------------------------------------------------------------------------------------

  /** applyConfChange applies one committed single-member change (see conf-change.ts) and returns the result. */
  applyConfChange(cc: ConfChange): ConfState {
    switch (cc.type) {
      case 'ConfChangeAddNode':
        this.addMember(cc.nodeId, false);
        break;
      case 'ConfChangeAddLearnerNode':
        this.addMember(cc.nodeId, true);
        break;
      case 'ConfChangeRemoveNode':
        this.removeMember(cc.nodeId);
        break;
      case 'ConfChangeUpdateNode':
        break;
    }
    return this.trk.confState();
  }

  private addMember(id: bigint, learner: boolean): void {
    let pr = this.trk.progress.get(id);
    if (pr === undefined) {
      pr = this.trk.addProgress(id, this.raftLog.lastIndex() + 1, learner);
      // A new member counts as active, or CheckQuorum could depose the leader before it first answers.
      pr.recentActive = true;
      if (learner) this.trk.learners.add(id);
      else this.trk.voters.add(id);
    } else if (learner && !pr.isLearner) {
      this.logger.warn({ id: String(this.id), member: String(id) }, 'raft: ignored demotion of a voter to learner');
      return;
    } else if (!learner && pr.isLearner) {
      // Promotion of a learner to voter.
      pr.isLearner = false;
      this.trk.learners.delete(id);
      this.trk.voters.add(id);
    } else {
      return;
    }
    if (id === this.id) this.isLearner = learner;
    if (this.state === 'StateLeader') {
      if (this.maybeCommit()) {
        this.releasePendingReadIndexMessages();
        this.bcastAppend();
      } else {
        // Start probing the new member; others only get something if there is something new.
        for (const other of this.trk.progress.keys()) {
          if (other === id) this.sendAppend(other);
          else if (other !== this.id) this.maybeSendAppend(other, false);
        }
      }
    }
  }

  private removeMember(id: bigint): void {
    if (!this.trk.progress.has(id)) return;
    this.trk.progress.delete(id);
    this.trk.voters.delete(id);
    this.trk.learners.delete(id);
    this.trk.votes.delete(id);
    if (this.state !== 'StateLeader') return;
    if (id === this.id) {
      this.stepDownAfterRemoval();
      return;
    }
    if (this.leadTransferee === id) this.abortLeaderTransfer();
    // Fewer voters may mean a smaller quorum has already persisted more.
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    }
  }

  /**
   * stepDownAfterRemoval: a leader that applied its own removal tells everyone the commit index, hands
   * leadership to the most caught-up remaining voter, and steps down, so the cluster need not wait out an
   * election timeout.
   */
  private stepDownAfterRemoval(): void {
    let best: bigint = NONE;
    let bestMatch = -1;
    for (const id of this.trk.voters) {
      const pr = this.trk.progress.get(id)!;
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best !== NONE && bestMatch === this.raftLog.lastIndex()) this.sendTimeoutNow(best);
    this.logger.info({ id: String(this.id), term: this.term, transferee: String(best) }, 'raft: leader removed from the configuration; stepping down');
    this.becomeFollower(this.term, NONE);
  }

  /** status describes this member for status endpoints and tests. */
  status(): Status {
    const s: Status = {
      id: this.id,
      hardState: this.hardState(),
      softState: this.softState(),
      applied: this.raftLog.applied,
      leadTransferee: this.leadTransferee,
      config: this.trk.confState(),
    };
    if (this.state === 'StateLeader') {
      s.progress = new Map();
      for (const [id, pr] of this.trk.progress) {
        s.progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
          recentActive: pr.recentActive,
          inflight: pr.inflights.count(),
        });
      }
    }
    return s;
  }
}

function validateConfig(c: Config): void {
  const bad = (why: string): never => {
    throw new RangeError(`raft: invalid config: ${why}`);
  };
  if (c.id === NONE) bad('cannot use none as id');
  if (!Number.isSafeInteger(c.heartbeatTick) || c.heartbeatTick <= 0) bad('heartbeat tick must be greater than 0');
  if (!Number.isSafeInteger(c.electionTick) || c.electionTick <= c.heartbeatTick) bad('election tick must be greater than heartbeat tick');
  if (c.maxInflightMsgs !== undefined && c.maxInflightMsgs <= 0) bad('max inflight messages must be greater than 0');
  if (c.maxSizePerMsg !== undefined && c.maxSizePerMsg <= 0) bad('max size per message must be greater than 0');
}
