import type { Entry } from '../../../src/raft/index.js';
import { AssertionError } from '../../../src/util/errors.js';
import { entryDigest, type KvValue, type Put } from './state-machine.js';

/** InvariantName names the properties the simulation checks (Raft §5.2–5.4, Fig. 3; thesis §6.4 for reads). */
export type InvariantName =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'linearizable-read'
  | 'liveness';

/** InvariantViolation is an AssertionError naming the broken invariant and the values that broke it. */
export class InvariantViolation extends AssertionError {
  constructor(
    readonly invariant: InvariantName,
    detail: string,
  ) {
    super(`${invariant} violated: ${detail}`);
    this.name = 'InvariantViolation';
  }
}

/** LogView is the read side of a member's log the checker needs; MemoryStorage satisfies it. */
export interface LogView {
  firstIndex(): number;
  lastIndex(): number;
  term(i: number): number;
}

/** termAt returns the term of index i in log, or undefined when i is compacted away or past the end. */
function termAt(log: LogView, i: number): number | undefined {
  if (i === 0) return 0;
  if (i < log.firstIndex() - 1 || i > log.lastIndex()) return undefined;
  return log.term(i);
}

interface LoggedEntry {
  digest: number;
  /** prevTerm is the term of the entry before it in the log that held it, or -1 when compacted. */
  prevTerm: number;
  member: bigint;
}

interface AppliedEntry {
  term: number;
  chain: number;
  member: bigint;
}

interface CommittedEntry {
  term: number;
  member: bigint;
}

/**
 * SafetyChecker watches every member of a simulated cluster and throws an InvariantViolation the moment a
 * Raft safety property breaks. It keeps a history over the whole run, across crashes and restarts:
 *
 * - election safety: at most one leader per term;
 * - log matching: two logs holding an entry with the same index and term hold the same entry and agree on
 *   the term before it (which, by induction, is the whole prefix);
 * - leader completeness: a leader's log holds every entry committed before its term, checked before the
 *   leader's first message leaves;
 * - state-machine safety: members agree on which entry is committed, and so applied, at each index (the
 *   applied prefixes are compared through a rolling digest, so snapshots are covered too);
 * - linearizable reads: a ReadIndex answer is at least the highest commit index any member had when the
 *   read began, and the value read reflects every write committed by then.
 */
export class SafetyChecker {
  private readonly leaders = new Map<number, bigint>();
  private readonly logged = new Map<string, LoggedEntry>();
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly commitCursor = new Map<bigint, number>();
  private readonly applied = new Map<number, AppliedEntry>();
  private readonly puts = new Map<number, Put>();
  private readonly writes = new Map<string, number[]>();
  private maxCommitSeen = 0;
  private maxCommittedKnown = 0;
  private reads = 0;

  /** maxCommit is the highest commit index any member has had so far. */
  get maxCommit(): number {
    return this.maxCommitSeen;
  }

  /** leadersSeen is the number of terms that had a leader. */
  get leadersSeen(): number {
    return this.leaders.size;
  }

  /** readsChecked is the number of linearizable reads served and checked. */
  get readsChecked(): number {
    return this.reads;
  }

  /** onLeader records that member is leader in term; two leaders of one term break election safety. */
  onLeader(member: bigint, term: number): void {
    const known = this.leaders.get(term);
    if (known === undefined) this.leaders.set(term, member);
    else if (known !== member) {
      throw new InvariantViolation('election-safety', `members ${known} and ${member} are both leader of term ${term}`);
    }
  }

  /** noteCommit records a commit index a member reported, without looking at its log. */
  noteCommit(commit: number): void {
    if (commit > this.maxCommitSeen) this.maxCommitSeen = commit;
  }

  /** onAppend checks log matching for entries a member just persisted; log already holds them. */
  onAppend(member: bigint, entries: readonly Entry[], log: LogView): void {
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      const prevTerm = k > 0 && entries[k - 1]!.index === e.index - 1 ? entries[k - 1]!.term : (termAt(log, e.index - 1) ?? -1);
      const key = `${e.index}/${e.term}`;
      const digest = entryDigest(e);
      const seen = this.logged.get(key);
      if (seen === undefined) {
        this.logged.set(key, { digest, prevTerm, member });
        continue;
      }
      if (seen.digest !== digest) {
        throw new InvariantViolation(
          'log-matching',
          `entry (index ${e.index}, term ${e.term}) differs between member ${seen.member} and member ${member}`,
        );
      }
      if (seen.prevTerm >= 0 && prevTerm >= 0 && seen.prevTerm !== prevTerm) {
        throw new InvariantViolation(
          'log-matching',
          `entry (index ${e.index}, term ${e.term}) follows term ${seen.prevTerm} at member ${seen.member} but term ${prevTerm} at member ${member}`,
        );
      }
    }
  }

  /**
   * observeCommit records that member's log is committed up to commit and checks that the committed entries
   * it holds are the ones other members committed at those indexes. Entries the member has not persisted yet
   * are looked at on a later call.
   */
  observeCommit(member: bigint, commit: number, log: LogView): void {
    this.noteCommit(commit);
    let i = this.commitCursor.get(member) ?? 0;
    const first = log.firstIndex();
    if (i < first - 1) i = first - 1;
    for (i = i + 1; i <= commit; i++) {
      const term = termAt(log, i);
      if (term === undefined) break;
      this.recordCommitted(member, i, term);
      this.commitCursor.set(member, i);
    }
  }

  /** checkLeaderCompleteness checks a new leader of term holds every entry known to be committed (Raft §5.4.1). */
  checkLeaderCompleteness(member: bigint, term: number, log: LogView): void {
    const last = log.lastIndex();
    for (let i = Math.max(1, log.firstIndex() - 1); i <= this.maxCommittedKnown; i++) {
      const c = this.committed.get(i);
      if (c === undefined || c.term >= term) continue;
      const have = i <= last ? termAt(log, i) : undefined;
      if (have !== c.term) {
        const where = have === undefined ? `its log ends at index ${last}` : `its log has term ${have} there`;
        throw new InvariantViolation(
          'leader-completeness',
          `member ${member} became leader of term ${term} without committed entry (index ${i}, term ${c.term}) first committed at member ${c.member}: ${where}`,
        );
      }
    }
  }

  /** onApply checks that member applied, at e.index, the entry every other member applied there. */
  onApply(member: bigint, e: Entry, chain: number, put: Put | undefined): void {
    this.recordCommitted(member, e.index, e.term);
    const seen = this.applied.get(e.index);
    if (seen === undefined) {
      this.applied.set(e.index, { term: e.term, chain, member });
      if (put !== undefined) {
        this.puts.set(e.index, put);
        let list = this.writes.get(put.key);
        if (list === undefined) {
          list = [];
          this.writes.set(put.key, list);
        }
        list.push(e.index);
        if (list.length > 1 && list[list.length - 2]! > e.index) list.sort((a, b) => a - b);
      }
      return;
    }
    if (seen.chain !== chain) {
      throw new InvariantViolation(
        'state-machine-safety',
        `member ${member} applied (index ${e.index}, term ${e.term}) over a history that differs from member ${seen.member}'s, which applied term ${seen.term} there`,
      );
    }
  }

  /** onRestore checks that a state machine restored from a snapshot at index matches what was applied there. */
  onRestore(member: bigint, index: number, chain: number): void {
    const seen = this.applied.get(index);
    if (seen !== undefined && seen.chain !== chain) {
      throw new InvariantViolation(
        'state-machine-safety',
        `member ${member} restored a snapshot at index ${index} whose applied history differs from member ${seen.member}'s`,
      );
    }
  }

  /** onReadState checks a ReadIndex answer covers everything committed before the read began (thesis §6.4). */
  onReadState(member: bigint, ctx: string, readIndex: number, minIndex: number): void {
    if (readIndex < minIndex) {
      throw new InvariantViolation(
        'linearizable-read',
        `read ${ctx} at member ${member} got ReadState.index ${readIndex}, but index ${minIndex} was committed before the read began`,
      );
    }
  }

  /**
   * onRead checks the value a member served once applied ≥ its read index: it must come from the last write to
   * key committed at or before minIndex, or a later one, and be the value that write set.
   */
  onRead(member: bigint, ctx: string, key: string, got: KvValue | undefined, minIndex: number, applied: number): void {
    this.reads++;
    const want = this.lastWrite(key, minIndex);
    const gotIndex = got?.index ?? 0;
    if (gotIndex < want) {
      throw new InvariantViolation(
        'linearizable-read',
        `read ${ctx} of ${key} at member ${member} (applied ${applied}) saw the write at index ${gotIndex}, but the write at index ${want} was committed before the read began (commit ${minIndex})`,
      );
    }
    if (got !== undefined) {
      const put = this.puts.get(got.index);
      if (put === undefined || put.key !== key || put.value !== got.value) {
        throw new InvariantViolation(
          'state-machine-safety',
          `read ${ctx} of ${key} at member ${member} returned ${JSON.stringify(got.value)} from index ${got.index}, which no member applied there`,
        );
      }
    }
  }

  private recordCommitted(member: bigint, index: number, term: number): void {
    const c = this.committed.get(index);
    if (c === undefined) {
      this.committed.set(index, { term, member });
      if (index > this.maxCommittedKnown) this.maxCommittedKnown = index;
      return;
    }
    if (c.term !== term) {
      throw new InvariantViolation(
        'state-machine-safety',
        `member ${member} has (index ${index}, term ${term}) committed, but member ${c.member} committed term ${c.term} there`,
      );
    }
  }

  private lastWrite(key: string, atOrBefore: number): number {
    const list = this.writes.get(key);
    if (list === undefined) return 0;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! <= atOrBefore) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : list[lo - 1]!;
  }
}
