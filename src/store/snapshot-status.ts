import { crc32 } from 'node:zlib';
import { Prefix } from './backend.js';
import { decodeUint64, metaScheduledCompact } from './mvcc/kv-store.js';
import { decodeRevision, REV_BYTES_LEN } from './mvcc/revision.js';
import { readSnapshot } from './snapshot-format.js';

/**
 * SnapshotStatus is what `capstan snapshot status` reports of a snapshot file, with etcdutl's figures:
 * hash is a CRC-32 (IEEE) of every record, as etcd hashes its buckets' keys and values; totalKeys counts
 * every backend key the snapshot holds (each MVCC revision, lease, member and metadata record), as etcd
 * counts bbolt keys; totalSize is the file's size in bytes. sha256 is the file's integrity trailer.
 */
export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKeys: number;
  totalSize: number;
  sha256: string;
}

/**
 * snapshotStatus verifies a snapshot file's bytes (whole structure and SHA-256 trailer; a corrupted or
 * truncated file throws SnapshotFormatError) and summarises it. revision is the store revision the snapshot
 * was taken at: the highest revision it holds, or the last compaction's if that is higher.
 */
export function snapshotStatus(data: Buffer): SnapshotStatus {
  const { records, sha256 } = readSnapshot(data);
  let hash = 0;
  let revision = 1;
  for (const { key, value } of records) {
    hash = crc32(value, crc32(key, hash));
    if (key[0] === Prefix.key && key.length >= 1 + REV_BYTES_LEN) revision = Math.max(revision, decodeRevision(key, 1).main);
    else if (key.equals(metaScheduledCompact)) revision = Math.max(revision, decodeUint64(value));
  }
  return { hash, revision, totalKeys: records.length, totalSize: data.length, sha256 };
}
