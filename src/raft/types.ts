/**
 * Types of the Raft core: messages, log entries, durable state and snapshots. Names and meanings follow
 * etcd-io/raft's raftpb so that a reader who knows etcd finds them where expected. Member IDs are 64-bit
 * `bigint`s (0n is "none"); terms and indexes are safe-integer `number`s.
 */

/** NONE is the member ID meaning "no member" (no leader known, no vote cast). */
export const NONE = 0n;

/** MessageType names every input the core accepts; local ones (Hup, Beat, Prop…) never cross the wire. */
export type MessageType =
  | 'MsgHup'
  | 'MsgBeat'
  | 'MsgProp'
  | 'MsgApp'
  | 'MsgAppResp'
  | 'MsgVote'
  | 'MsgVoteResp'
  | 'MsgSnap'
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgUnreachable'
  | 'MsgSnapStatus'
  | 'MsgCheckQuorum'
  | 'MsgTransferLeader'
  | 'MsgTimeoutNow'
  | 'MsgReadIndex'
  | 'MsgReadIndexResp'
  | 'MsgPreVote'
  | 'MsgPreVoteResp';

/** EntryType distinguishes application data from configuration changes in the log. */
export type EntryType = 'EntryNormal' | 'EntryConfChange';

/** Entry is one slot of the replicated log. */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** ConfState is the membership a snapshot (or the applied log) describes. */
export interface ConfState {
  voters: bigint[];
  learners: bigint[];
}

/** SnapshotMetadata says which log prefix a snapshot replaces and the membership at its end. */
export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

/** Snapshot is the application's state up to metadata.index, opaque to the core. */
export interface Snapshot {
  data: Uint8Array;
  metadata: SnapshotMetadata;
}

/** HardState is what must be durable before any message that depends on it is sent (Raft §5.1, Fig. 2). */
export interface HardState {
  term: number;
  vote: bigint;
  commit: number;
}

/** StateType is a member's role. PreCandidate is the PreVote phase (thesis §9.6). */
export type StateType = 'StateFollower' | 'StateCandidate' | 'StateLeader' | 'StatePreCandidate';

/** SoftState is volatile state worth reporting (leader and role); it need not be persisted. */
export interface SoftState {
  lead: bigint;
  raftState: StateType;
}

/**
 * Message is everything exchanged between members, and every local input to step(). Fields a type does not
 * use are zero. `context` carries a ReadIndex request's identity, or the campaign kind on vote requests.
 */
export interface Message {
  type: MessageType;
  to: bigint;
  from: bigint;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot | undefined;
  reject: boolean;
  rejectHint: number;
  context?: Uint8Array | undefined;
}

/** ReadState answers a ReadIndex request: once applied ≥ index, a read sees every write committed before it. */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

/** ConfChangeType lists the single-member changes the core supports (one at a time, see conf-change.ts). */
export type ConfChangeType = 'ConfChangeAddNode' | 'ConfChangeRemoveNode' | 'ConfChangeUpdateNode' | 'ConfChangeAddLearnerNode';

/** ConfChange changes the membership by one member. Adding a voter that is a learner promotes it. */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: bigint;
  /** context is opaque to the core (the store puts the member's peer URLs here). */
  context: Uint8Array;
}

/** message builds a Message with every unused field zeroed. */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: NONE,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
  };
}

/** isLocalMsg reports whether a message type is an input from the caller rather than from a peer. */
export function isLocalMsg(t: MessageType): boolean {
  return t === 'MsgHup' || t === 'MsgBeat' || t === 'MsgUnreachable' || t === 'MsgSnapStatus' || t === 'MsgCheckQuorum';
}

/** isResponseMsg reports whether a message type answers another member's request. */
export function isResponseMsg(t: MessageType): boolean {
  return (
    t === 'MsgAppResp' ||
    t === 'MsgVoteResp' ||
    t === 'MsgHeartbeatResp' ||
    t === 'MsgUnreachable' ||
    t === 'MsgPreVoteResp' ||
    t === 'MsgReadIndexResp'
  );
}

/** voteRespMsgType maps a vote request type to its response type. */
export function voteRespMsgType(t: MessageType): MessageType {
  if (t === 'MsgVote') return 'MsgVoteResp';
  if (t === 'MsgPreVote') return 'MsgPreVoteResp';
  throw new Error(`voteRespMsgType: not a vote message: ${t}`);
}

/** entrySize is the byte size counted against MaxSizePerMsg and the uncommitted-size limit. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 24;
}

/** isEmptySnap reports whether a snapshot is the zero snapshot. */
export function isEmptySnap(s: Snapshot | undefined): boolean {
  return s === undefined || s.metadata.index === 0;
}

/** emptyHardState is the zero HardState of a member that has never run. */
export const emptyHardState: Readonly<HardState> = Object.freeze({ term: 0, vote: NONE, commit: 0 });

/** isHardStateEqual compares two HardStates field by field. */
export function isHardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
