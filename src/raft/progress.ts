import { Inflights } from './inflights.js';

/**
 * ProgressState is how the leader talks to one follower (etcd-io/raft's design):
 * - StateProbe: the follower's log position is unknown; send one MsgApp per heartbeat interval and back off
 *   on rejection until a match is found.
 * - StateReplicate: the follower is known to match; stream MsgApps optimistically within the in-flight window.
 * - StateSnapshot: the follower needs entries that were compacted; a snapshot is on its way, send nothing else.
 */
export type ProgressState = 'StateProbe' | 'StateReplicate' | 'StateSnapshot';

/** Progress is the leader's view of one member's log: match (known replicated) and next (to send). */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'StateProbe';
  /** pendingSnapshot is the index of the snapshot being sent in StateSnapshot. */
  pendingSnapshot = 0;
  /** recentActive is set by any message from the member; CheckQuorum reads and clears it. */
  recentActive = false;
  /** msgAppFlowPaused stops further probes until a heartbeat response (StateProbe: one in flight). */
  msgAppFlowPaused = false;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(next: number, maxInflight: number, maxInflightBytes: number, isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  /** becomeProbe goes back to probing from after match (or after a snapshot that was just sent). */
  becomeProbe(): void {
    if (this.state === 'StateSnapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('StateProbe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('StateProbe');
      this.next = this.match + 1;
    }
  }

  /** becomeReplicate starts streaming right after match. */
  becomeReplicate(): void {
    this.resetState('StateReplicate');
    this.next = this.match + 1;
  }

  /** becomeSnapshot waits for the snapshot at snapshoti to be applied. */
  becomeSnapshot(snapshoti: number): void {
    this.resetState('StateSnapshot');
    this.pendingSnapshot = snapshoti;
  }

  /** maybeUpdate records an acknowledgement up to n; returns false if it says nothing new. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** optimisticUpdate advances next after sending entries up to n in StateReplicate. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * maybeDecrTo handles a rejected MsgApp for index `rejected`, moving next back to just after `matchHint`
   * (the follower's hint, already corrected for terms by the leader). Stale rejections return false.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'StateReplicate') {
      // A rejection of something already known to match is stale.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe, only the rejection of the last probe (next-1) is meaningful.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** isPaused reports whether the leader must hold back MsgApps to this member. */
  isPaused(): boolean {
    switch (this.state) {
      case 'StateProbe':
        return this.msgAppFlowPaused;
      case 'StateReplicate':
        return this.inflights.full();
      case 'StateSnapshot':
        return true;
    }
  }
}
