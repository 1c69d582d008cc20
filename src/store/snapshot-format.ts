import { createHash, type Hash } from 'node:crypto';

/**
 * The capstan snapshot format, produced by Maintenance.Snapshot and read by `capstan snapshot status` and
 * `restore`: a magic header, the backend's state records (MVCC revisions, leases, members, alarms, meta),
 * an end marker, and — as etcd appends to its snapshots — the SHA-256 of everything before it.
 *
 *   "CAPSTANSNAP" 0x01 | (u32 key length, key, u32 value length, value)* | u32 0xFFFFFFFF | zero padding to
 *   a multiple of 512 bytes | sha256 of all that (32 bytes)
 */
export const SNAPSHOT_MAGIC = Buffer.from('CAPSTANSNAP\x01', 'latin1');
const END = 0xffffffff;

/** SnapshotWriter turns records into snapshot chunks and tracks the hash. */
export class SnapshotWriter {
  private readonly hash: Hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;

  constructor(private readonly chunkBytes = 64 * 1024) {
    this.push(SNAPSHOT_MAGIC);
  }

  private push(b: Buffer): void {
    this.hash.update(b);
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  /** add appends a record; it returns a chunk once enough bytes have gathered. */
  add(key: Buffer, value: Buffer): Buffer | undefined {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(key.length);
    const vhead = Buffer.allocUnsafe(4);
    vhead.writeUInt32BE(value.length);
    this.push(head);
    this.push(key);
    this.push(vhead);
    this.push(value);
    return this.pendingBytes >= this.chunkBytes ? this.take() : undefined;
  }

  /**
   * finish returns the last chunk: remaining records, the end marker, zero padding to a multiple of 512
   * bytes, and the SHA-256 trailer. etcd's snapshots are bbolt pages plus the hash, and etcdctl checks for
   * exactly that shape (size % 512 == 32) before it keeps the file.
   */
  finish(): Buffer {
    const end = Buffer.allocUnsafe(4);
    end.writeUInt32BE(END);
    this.push(end);
    const pad = (512 - ((this.written + this.pendingBytes) % 512)) % 512;
    if (pad > 0) this.push(Buffer.alloc(pad));
    const digest = this.hash.digest();
    this.pending.push(digest);
    return this.take();
  }

  private take(): Buffer {
    const out = Buffer.concat(this.pending);
    this.written += out.length;
    this.pending = [];
    this.pendingBytes = 0;
    return out;
  }
}

/** SnapshotFormatError: the bytes are not a whole, intact capstan snapshot. */
export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

/**
 * readSnapshot verifies a whole snapshot (magic, structure, SHA-256) and returns its records. With
 * skipHashCheck (etcdutl's --skip-hash-check) a trailer that does not match is accepted, but the structure
 * must still be whole: a truncated file is refused either way.
 */
export function readSnapshot(data: Buffer, options: { skipHashCheck?: boolean } = {}): { records: { key: Buffer; value: Buffer }[]; sha256: string } {
  if (data.length < SNAPSHOT_MAGIC.length + 4 + 32) throw new SnapshotFormatError(`snapshot is truncated (${data.length} bytes)`);
  if (!data.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC)) throw new SnapshotFormatError('not a capstan snapshot (bad magic)');
  const body = data.subarray(0, data.length - 32);
  const want = data.subarray(data.length - 32);
  const got = createHash('sha256').update(body).digest();
  if (!got.equals(want) && options.skipHashCheck !== true) {
    throw new SnapshotFormatError('snapshot file integrity check failed: SHA-256 mismatch (corrupted or truncated)');
  }
  const records: { key: Buffer; value: Buffer }[] = [];
  let off = SNAPSHOT_MAGIC.length;
  for (;;) {
    if (off + 4 > body.length) throw new SnapshotFormatError('snapshot is truncated: no end marker');
    const klen = body.readUInt32BE(off);
    off += 4;
    if (klen === END) break;
    if (off + klen + 4 > body.length) throw new SnapshotFormatError('snapshot is truncated inside a record');
    const key = body.subarray(off, off + klen);
    off += klen;
    const vlen = body.readUInt32BE(off);
    off += 4;
    if (off + vlen > body.length) throw new SnapshotFormatError('snapshot is truncated inside a record');
    records.push({ key, value: body.subarray(off, off + vlen) });
    off += vlen;
  }
  for (; off < body.length; off++) if (body[off] !== 0) throw new SnapshotFormatError('snapshot has trailing bytes after its end marker');
  return { records, sha256: want.toString('hex') };
}

/**
 * SnapshotVerifier checks a snapshot as it streams in, without holding it: the magic at the start and the
 * SHA-256 of everything but the last 32 bytes against those 32 bytes (the trailer). `capstan snapshot save`
 * runs it over what it writes, so a file it keeps is intact.
 */
export class SnapshotVerifier {
  private readonly hash: Hash = createHash('sha256');
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private total = 0;

  /** update feeds the next bytes of the stream. */
  update(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.head.length < SNAPSHOT_MAGIC.length) this.head = Buffer.concat([this.head, chunk.subarray(0, SNAPSHOT_MAGIC.length - this.head.length)]);
    const joined = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const keep = Math.min(32, joined.length);
    this.hash.update(joined.subarray(0, joined.length - keep));
    this.tail = Buffer.from(joined.subarray(joined.length - keep));
  }

  /** finish throws SnapshotFormatError unless the whole stream was a snapshot with a matching trailer; returns the hash. */
  finish(): string {
    if (this.total < SNAPSHOT_MAGIC.length + 4 + 32) throw new SnapshotFormatError(`snapshot is truncated (${this.total} bytes)`);
    if (!this.head.equals(SNAPSHOT_MAGIC)) throw new SnapshotFormatError('not a capstan snapshot (bad magic)');
    if (!this.hash.digest().equals(this.tail)) throw new SnapshotFormatError('snapshot file integrity check failed: SHA-256 mismatch (corrupted or truncated)');
    return this.tail.toString('hex');
  }
}
