/**
 * Revision is the MVCC version of one change: `main` is the store revision of the write request (one per
 * Put, DeleteRange or Txn), `sub` orders the changes within it. As in etcd (server/storage/mvcc/revision.go),
 * a revision is stored as 8 bytes of main, '_', 8 bytes of sub, big-endian, so the backend's byte order is
 * revision order; a tombstone appends 't'.
 */
export interface Revision {
  main: number;
  sub: number;
}

/** REV_BYTES_LEN is the length of an encoded revision without the tombstone mark. */
export const REV_BYTES_LEN = 17;
/** MARKED_REV_BYTES_LEN is the length of an encoded tombstone revision. */
export const MARKED_REV_BYTES_LEN = 18;
const TOMBSTONE_MARK = 0x74; // 't'

/** compareRevision orders revisions by main, then sub. */
export function compareRevision(a: Revision, b: Revision): number {
  return a.main !== b.main ? a.main - b.main : a.sub - b.sub;
}

/** encodeRevision writes a revision's 17 bytes (18 with the tombstone mark) into a new buffer. */
export function encodeRevision(rev: Revision, tombstone = false): Buffer {
  const b = Buffer.allocUnsafe(tombstone ? MARKED_REV_BYTES_LEN : REV_BYTES_LEN);
  writeRevision(b, 0, rev);
  if (tombstone) b[REV_BYTES_LEN] = TOMBSTONE_MARK;
  return b;
}

/** writeRevision writes rev at offset in b (17 bytes). */
export function writeRevision(b: Buffer, offset: number, rev: Revision): void {
  writeUint64(b, offset, rev.main);
  b[offset + 8] = 0x5f; // '_'
  writeUint64(b, offset + 9, rev.sub);
}

/** writeUint64 writes a non-negative safe integer as 8 bytes big-endian, without a BigInt per call. */
function writeUint64(b: Buffer, offset: number, n: number): void {
  b.writeUInt32BE(Math.floor(n / 4294967296), offset);
  b.writeUInt32BE(n >>> 0, offset + 4);
}

/** decodeRevision reads a revision from its encoded form (with or without the tombstone mark). */
export function decodeRevision(b: Uint8Array, offset = 0): Revision {
  const view = new DataView(b.buffer, b.byteOffset + offset, REV_BYTES_LEN);
  return { main: Number(view.getBigUint64(0)), sub: Number(view.getBigUint64(9)) };
}

/** isTombstone reports whether an encoded revision carries the tombstone mark. */
export function isTombstone(b: Uint8Array, offset = 0): boolean {
  return b.length - offset === MARKED_REV_BYTES_LEN && b[offset + REV_BYTES_LEN] === TOMBSTONE_MARK;
}
