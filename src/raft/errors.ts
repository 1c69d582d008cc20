/**
 * Errors of the Raft core. The core may import nothing outside src/raft, so it has its own base class with
 * the same shape as util's CapstanError (`code`, `retryable`, `cause`); boundaries translate both alike.
 */

/** RaftError is the base of every error the core throws. */
export class RaftError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, code: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/**
 * ProposalDroppedError: the proposal was not appended — no leader is known, leadership is being transferred,
 * the member is not in the configuration, a conf change is already pending, or the uncommitted log is full.
 * Retryable: the same proposal may succeed once a leader settles.
 */
export class ProposalDroppedError extends RaftError {
  constructor(reason: string, options?: ErrorOptions) {
    super(`raft proposal dropped: ${reason}`, 'PROPOSAL_DROPPED', true, options);
  }
}

/** CompactedError: the requested index precedes the first index in storage (it was compacted away). */
export class CompactedError extends RaftError {
  constructor(index: number, firstIndex: number) {
    super(`requested index ${index} is unavailable due to compaction (first index ${firstIndex})`, 'COMPACTED', false);
  }
}

/** UnavailableError: the requested index is past the last index in storage. */
export class UnavailableError extends RaftError {
  constructor(index: number, lastIndex: number) {
    super(`requested entry at index ${index} is unavailable (last index ${lastIndex})`, 'UNAVAILABLE', false);
  }
}

/** SnapOutOfDateError: a snapshot older than the one already held was offered. */
export class SnapOutOfDateError extends RaftError {
  constructor(index: number, current: number) {
    super(`requested snapshot index ${index} is older than the existing snapshot ${current}`, 'SNAP_OUT_OF_DATE', false);
  }
}

/** StepLocalMsgError: step() was handed a local message type (MsgHup, MsgBeat…) that only the core makes. */
export class StepLocalMsgError extends RaftError {
  constructor(type: string) {
    super(`raft: cannot step raft local message ${type}`, 'STEP_LOCAL_MSG', false);
  }
}

/** StepPeerNotFoundError: a response came from a member that is not in the configuration. */
export class StepPeerNotFoundError extends RaftError {
  constructor(from: bigint) {
    super(`raft: cannot step as peer ${from} not found`, 'STEP_PEER_NOT_FOUND', false);
  }
}

/** RaftAssertionError: an invariant of the core broke. It is a bug, never bad input. */
export class RaftAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** assert throws a RaftAssertionError naming the invariant when cond is false. */
export function assert(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new RaftAssertionError(typeof message === 'string' ? message : message());
}
