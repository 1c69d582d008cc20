import { Progress } from './progress.js';
import { committedIndex, voteResult, majority, type VoteResult } from './quorum.js';
import type { ConfState } from './types.js';

/**
 * ProgressTracker is the leader's (and candidate's) view of the membership: the voters and learners, each
 * member's replication Progress, and the votes of the current election.
 */
export class ProgressTracker {
  readonly voters = new Set<bigint>();
  readonly learners = new Set<bigint>();
  readonly progress = new Map<bigint, Progress>();
  readonly votes = new Map<bigint, boolean>();

  constructor(
    readonly maxInflight: number,
    readonly maxInflightBytes: number,
  ) {}

  /** confState reports the membership, sorted for stable output. */
  confState(): ConfState {
    const sort = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
    return { voters: [...this.voters].sort(sort), learners: [...this.learners].sort(sort) };
  }

  isVoter(id: bigint): boolean {
    return this.voters.has(id);
  }

  /** committed is the largest index a quorum of voters has persisted. */
  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match);
  }

  /** quorumActive reports whether a quorum of voters was recently heard from (CheckQuorum, thesis §6.2). */
  quorumActive(self: bigint): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive) active++;
    }
    return active >= majority(this.voters.size);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** recordVote notes a vote from id; only the first answer of each member counts. */
  recordVote(id: bigint, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** tallyVotes counts the recorded votes of voters. */
  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }

  /** addProgress tracks a new member whose log is probed from next. */
  addProgress(id: bigint, next: number, isLearner: boolean): Progress {
    const pr = new Progress(next, this.maxInflight, this.maxInflightBytes, isLearner);
    this.progress.set(id, pr);
    return pr;
  }
}
