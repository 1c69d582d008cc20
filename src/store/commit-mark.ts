/**
 * The commit mark: the highest log index a member has applied, and so knows committed, kept in a small file of
 * its own beside the backend (`member/commit`). It is written synchronously, to the page cache and unsynced,
 * before the entries up to it are applied and their clients answered — the role of the HardState etcd's WAL
 * takes (unsynced) before an apply can answer anyone. A kill -9 of the process cannot lose it, so
 * `--force-new-cluster`, which keeps only the entries up to the commit index on disk, keeps every answered
 * write, while the backend's own copy of the commit index may wait in memory with the applied state.
 *
 * It is only ever a lower bound of the commit index: the entries up to it are durable before it is written
 * (the Raft loop writes it only for entries it is about to apply, which are on disk), and committed entries
 * never change, so it stays true of the log for as long as the data directory lives. A file that cannot be
 * read back whole (power lost in the middle of a write) counts as absent; the backend's commit index, synced
 * with the entries, is the lower bound then.
 */
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/** COMMIT_MARK_FILE is the mark's file name in a data directory's `member` directory. */
export const COMMIT_MARK_FILE = 'commit';

/** RECORD_BYTES is the mark's record: the index (uint64, big-endian) and the CRC-32 of those 8 bytes. */
const RECORD_BYTES = 12;

/** encodeMark is the record of index. */
function encodeMark(index: number): Buffer {
  const b = Buffer.alloc(RECORD_BYTES);
  b.writeBigUInt64BE(BigInt(index), 0);
  b.writeUInt32BE(crc32(b.subarray(0, 8)), 8);
  return b;
}

/** decodeMark reads a record back; a short or damaged one is undefined. */
export function decodeMark(b: Buffer): number | undefined {
  if (b.length < RECORD_BYTES || b.readUInt32BE(8) !== crc32(b.subarray(0, 8))) return undefined;
  const index = b.readBigUInt64BE(0);
  return index <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(index) : undefined;
}

/** CommitMark is an open commit mark file; close it when the member stops. */
export class CommitMark {
  private fd: number | undefined;
  private current: number;
  /** damaged tells whether the file held a record that could not be read back when it was opened. */
  readonly damaged: boolean;

  private constructor(fd: number, current: number, damaged: boolean) {
    this.fd = fd;
    this.current = current;
    this.damaged = damaged;
  }

  /**
   * open opens (creating it if need be) the mark at path. With reset the file starts over at 0: a member
   * bootstrapped or joining on a new backend must not inherit a mark a removed data directory left behind.
   */
  static open(path: string, reset = false): CommitMark {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      if (reset) {
        writeSync(fd, encodeMark(0), 0, RECORD_BYTES, 0);
        return new CommitMark(fd, 0, false);
      }
      const b = Buffer.alloc(RECORD_BYTES);
      const n = readSync(fd, b, 0, RECORD_BYTES, 0);
      const index = decodeMark(b.subarray(0, n));
      return new CommitMark(fd, index ?? 0, n > 0 && index === undefined);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** index is the highest index recorded. */
  get index(): number {
    return this.current;
  }

  /**
   * advance records index if it is above the mark, synchronously: when it returns, a kill -9 of the process
   * can no longer take it back. Every entry up to index must already be durable in the backend.
   */
  advance(index: number): void {
    if (index <= this.current) return;
    if (this.fd === undefined) throw new Error('commit mark: advanced after close');
    writeSync(this.fd, encodeMark(index), 0, RECORD_BYTES, 0);
    this.current = index;
  }

  /** close closes the file; the mark keeps what was recorded. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
