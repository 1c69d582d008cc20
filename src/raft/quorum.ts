/**
 * Quorum arithmetic over one majority configuration (capstan changes membership one member at a time, so a
 * single majority is always the decision rule; see conf-change.ts).
 */

/** VoteResult is the outcome of an election so far. */
export type VoteResult = 'VotePending' | 'VoteLost' | 'VoteWon';

/** majority is the size of a quorum of n voters; an empty configuration needs none. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * committedIndex is the largest index acknowledged by a quorum of voters: the (n - q + 1)-th largest match.
 * An empty configuration commits everything (MAX_SAFE_INTEGER), as etcd-io/raft does, so that joint rules
 * compose; the caller never has an empty voter set while it leads.
 */
export function committedIndex(voters: Iterable<bigint>, matchOf: (id: bigint) => number | undefined): number {
  const matches: number[] = [];
  for (const id of voters) matches.push(matchOf(id) ?? 0);
  if (matches.length === 0) return Number.MAX_SAFE_INTEGER;
  matches.sort((a, b) => b - a);
  return matches[majority(matches.length) - 1]!;
}

/** voteResult counts votes (true granted, false rejected, missing pending) among voters. */
export function voteResult(voters: Iterable<bigint>, votes: ReadonlyMap<bigint, boolean>): VoteResult {
  let n = 0;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    n++;
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  if (n === 0) return 'VoteWon';
  const q = majority(n);
  if (granted >= q) return 'VoteWon';
  if (granted + missing >= q) return 'VotePending';
  return 'VoteLost';
}
