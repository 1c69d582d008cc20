import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';

/** JournalEntry is one recorded action of a component. */
export interface JournalEntry {
  /** action names what was done, e.g. `bind`, `create-pod`, `delete-pod`, `taint`. */
  readonly action: string;
  /** object is `namespace/name` (or `name`) of what it was done to. */
  readonly object: string;
  /** at is the wall-clock time (ms since the epoch) the action was sent. */
  readonly at: number;
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Journal is a component's own record of what it did while it acted as leader: every write it sends to the
 * API server is recorded before it is sent, with the identity of the replica and its leadership term. It is
 * written to the process log as `msg: "journal"` lines (so tests and operators can line it up with the Lease
 * history) and the last entries are kept in memory for `/debug/journal`.
 */
export class Journal {
  private readonly recent: JournalEntry[] = [];

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly identity: string,
    private readonly keep = 1000,
  ) {}

  /** record notes one action, before it is sent. */
  record(action: string, object: string, detail?: Readonly<Record<string, string | number | boolean>>): void {
    const entry: JournalEntry = { action, object, at: this.clock.now(), ...(detail === undefined ? {} : { detail }) };
    this.recent.push(entry);
    // Trim in batches: one splice per `keep` entries, not one per entry on the write path.
    if (this.recent.length >= 2 * this.keep) this.recent.splice(0, this.recent.length - this.keep);
    this.log.info({ journal: true, identity: this.identity, action, object, at: entry.at, ...(detail === undefined ? {} : { detail }) }, 'journal');
  }

  /** entries returns the most recent entries (at most keep), oldest first. */
  entries(): readonly JournalEntry[] {
    return this.recent.length > this.keep ? this.recent.slice(this.recent.length - this.keep) : this.recent;
  }
}
