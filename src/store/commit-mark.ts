/**
 * The commit mark: the last log entry a member is about to apply, and so knows committed, kept (its index and
 * term) in a small file of its own beside the backend (`member/commit`). It is written synchronously, to the
 * page cache and unsynced, before the entries up to it are applied and their clients answered, so a kill -9
 * of the process cannot take it back: `--force-new-cluster`, which keeps only the entries up to the commit
 * index, keeps every write this member answered, while the backend's own copy of the commit index waits in
 * memory with the applied state (the batch interval). etcd hands committed entries to its apply loop while
 * its WAL writes the HardState that covers them, so it can answer a write a moment before that HardState is
 * written; here the order is strict. Like etcd's unsynced HardState, the mark may be lost with the page cache
 * (power loss, an OS crash); the backend's commit index, synced with the entries, is the lower bound then.
 *
 * The mark is only ever a lower bound of the commit index: the entries up to it are durable before it is
 * written (the Raft loop writes it only for entries it is about to apply, which are on disk), and committed
 * entries never change. It is taken at a restart only where the log holds an entry of the same index and term
 * — by Raft's log matching, then the same log up to it — so a mark that outlived its data directory, or a
 * record that cannot be read back whole, is never mistaken for one of this log.
 */
import { closeSync, constants, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { AssertionError } from '../util/errors.js';

/** COMMIT_MARK_FILE is the mark's file name in a data directory's `member` directory. */
export const COMMIT_MARK_FILE = 'commit';

/** RECORD_BYTES is the length of the mark's record: index and term (uint64, big-endian), then their CRC-32. */
const RECORD_BYTES = 20;

/** MarkedEntry is the entry a commit mark names. */
export interface MarkedEntry {
  readonly index: number;
  readonly term: number;
}

/** NO_MARK is the mark of a member that has applied nothing (or whose mark could not be read). */
export const NO_MARK: MarkedEntry = { index: 0, term: 0 };

/** encodeMark is the record of mark. */
function encodeMark(mark: MarkedEntry): Buffer {
  const b = Buffer.alloc(RECORD_BYTES);
  b.writeBigUInt64BE(BigInt(mark.index), 0);
  b.writeBigUInt64BE(BigInt(mark.term), 8);
  b.writeUInt32BE(crc32(b.subarray(0, 16)), 16);
  return b;
}

/** decodeMark reads a record back; a short or damaged one is undefined. */
export function decodeMark(b: Buffer): MarkedEntry | undefined {
  if (b.length < RECORD_BYTES || b.readUInt32BE(16) !== crc32(b.subarray(0, 16))) return undefined;
  const index = b.readBigUInt64BE(0);
  const term = b.readBigUInt64BE(8);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return index <= max && term <= max ? { index: Number(index), term: Number(term) } : undefined;
}

/** CommitMark is an open commit mark file; close it when the member stops. */
export class CommitMark {
  private fd: number | undefined;
  private current: MarkedEntry;
  /** damaged tells whether the file held a record that could not be read back when it was opened. */
  readonly damaged: boolean;

  private constructor(fd: number, current: MarkedEntry, damaged: boolean) {
    this.fd = fd;
    this.current = current;
    this.damaged = damaged;
  }

  /**
   * create starts the mark at path over, empty and synced, for a member bootstrapped or joining on a new
   * backend: a mark left behind by a removed data directory goes, and cannot come back after a power loss.
   */
  static create(path: string): CommitMark {
    return CommitMark.opened(path, (fd) => {
      writeSync(fd, encodeMark(NO_MARK), 0, RECORD_BYTES, 0);
      fsyncSync(fd);
      return new CommitMark(fd, NO_MARK, false);
    });
  }

  /** open opens the mark at path (an empty one if there is no file: a data directory from before the mark). */
  static open(path: string): CommitMark {
    return CommitMark.opened(path, (fd) => {
      const b = Buffer.alloc(RECORD_BYTES);
      const n = readSync(fd, b, 0, RECORD_BYTES, 0);
      const mark = decodeMark(b.subarray(0, n));
      return new CommitMark(fd, mark ?? NO_MARK, n > 0 && mark === undefined);
    });
  }

  private static opened(path: string, init: (fd: number) => CommitMark): CommitMark {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      return init(fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** mark is the entry recorded last. */
  get mark(): MarkedEntry {
    return this.current;
  }

  /**
   * advance records entry if it is past the mark, synchronously: when it returns, a kill -9 of the process can
   * no longer take it back. entry and every entry before it must already be durable in the backend.
   */
  advance(entry: MarkedEntry): void {
    if (entry.index <= this.current.index) return;
    if (this.fd === undefined) throw new AssertionError(`commit mark: advanced to ${String(entry.index)} after close`);
    writeSync(this.fd, encodeMark(entry), 0, RECORD_BYTES, 0);
    this.current = { index: entry.index, term: entry.term };
  }

  /** close closes the file; the mark keeps what was recorded. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
