import type { Entry, HardState, Snapshot } from '../../../src/raft/index.js';
import type { SeededRandom } from '../../../src/util/random.js';

/** DurableImage is what survives a crash: the last snapshot, the HardState and the log after the snapshot. */
export interface DurableImage {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  /** entries are contiguous and start right after the snapshot's index (or at 1 without one). */
  entries: Entry[];
}

/** WriteBatch is the durable part of one Ready, written as one WAL record as etcd's node does. */
export interface WriteBatch {
  snapshot?: Snapshot | undefined;
  hardState?: HardState | undefined;
  entries: readonly Entry[];
}

/**
 * SimDisk models a member's WAL and snapshot files. A synced write is durable at once and flushes every
 * earlier unsynced one (fsync is ordered); an unsynced write (Ready.mustSync = false) sits in the page cache
 * and a crash keeps only a random prefix of those, as an append-only file would. Saving a snapshot is always
 * synced, as etcd's saveSnap is.
 */
export class SimDisk {
  private image: DurableImage = { hardState: { term: 0, vote: 0n, commit: 0 }, snapshot: undefined, entries: [] };
  private unsynced: WriteBatch[] = [];

  /** write records one Ready's durable part; sync says whether it is fsynced. */
  write(batch: WriteBatch, sync: boolean): void {
    if (!sync) {
      this.unsynced.push(batch);
      return;
    }
    this.flush();
    this.applyToImage(batch);
  }

  /** saveSnapshot durably records a snapshot the application took and drops the log it covers. */
  saveSnapshot(snapshot: Snapshot): void {
    this.flush();
    const index = snapshot.metadata.index;
    const first = this.firstEntryIndex();
    this.image.entries = this.image.entries.slice(Math.max(0, index + 1 - first));
    this.image.snapshot = snapshot;
  }

  /** crash loses a random suffix of the unsynced writes and returns how many writes were lost. */
  crash(random: SeededRandom): number {
    const keep = random.int(this.unsynced.length + 1);
    const lost = this.unsynced.length - keep;
    for (const batch of this.unsynced.slice(0, keep)) this.applyToImage(batch);
    this.unsynced = [];
    return lost;
  }

  /** load returns the durable image a restarting member rebuilds its storage from. */
  load(): DurableImage {
    return { hardState: { ...this.image.hardState }, snapshot: this.image.snapshot, entries: [...this.image.entries] };
  }

  private flush(): void {
    for (const batch of this.unsynced) this.applyToImage(batch);
    this.unsynced = [];
  }

  private firstEntryIndex(): number {
    return (this.image.snapshot?.metadata.index ?? 0) + 1;
  }

  private applyToImage(batch: WriteBatch): void {
    if (batch.snapshot !== undefined && batch.snapshot.metadata.index > 0) {
      this.image.snapshot = batch.snapshot;
      this.image.entries = [];
    }
    if (batch.hardState !== undefined) this.image.hardState = { ...batch.hardState };
    if (batch.entries.length > 0) {
      const first = this.firstEntryIndex();
      const from = batch.entries[0]!.index;
      if (from > first + this.image.entries.length) {
        throw new Error(`SimDisk: append at ${from} leaves a gap after ${first + this.image.entries.length - 1}`);
      }
      // A new entry at an index the log already has truncates the conflicting suffix (Raft §5.3).
      const keep = Math.max(0, from - first);
      const skip = Math.max(0, first - from);
      this.image.entries = this.image.entries.slice(0, keep).concat(batch.entries.slice(skip));
    }
  }
}
