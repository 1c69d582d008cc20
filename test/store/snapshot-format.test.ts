import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_MAGIC, SnapshotFormatError, SnapshotWriter, readSnapshot } from '../../src/store/snapshot-format.js';

interface Rec {
  key: Buffer;
  value: Buffer;
}

/** records builds n deterministic records of varied sizes, including empty keys and values. */
function records(n: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const key = Buffer.from(`k/${String(i).padStart(5, '0')}`);
    const value = Buffer.alloc((i * 37) % 300, i & 0xff);
    out.push({ key: i === 7 ? Buffer.alloc(0) : key, value });
  }
  return out;
}

/** write runs a SnapshotWriter over recs and returns the chunks it produced. */
function write(recs: Rec[], chunkBytes?: number): Buffer[] {
  const w = new SnapshotWriter(chunkBytes);
  const chunks: Buffer[] = [];
  for (const r of recs) {
    const c = w.add(r.key, r.value);
    if (c !== undefined) chunks.push(c);
  }
  chunks.push(w.finish());
  return chunks;
}

/** reseal replaces the SHA-256 trailer so a deliberately malformed body passes the integrity check. */
function reseal(body: Buffer): Buffer {
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

function formatError(data: Buffer): SnapshotFormatError {
  try {
    readSnapshot(data);
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotFormatError);
    expect((err as Error).name).toBe('SnapshotFormatError');
    return err as SnapshotFormatError;
  }
  throw new Error('readSnapshot accepted a malformed snapshot');
}

describe('SnapshotWriter and readSnapshot', () => {
  it('round-trips many records written in many chunks', () => {
    const recs = records(2000);
    const chunks = write(recs, 4096);
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks.slice(0, -1)) expect(c.length).toBeGreaterThanOrEqual(4096);
    const data = Buffer.concat(chunks);
    const { records: got, sha256 } = readSnapshot(data);
    expect(got).toHaveLength(recs.length);
    for (let i = 0; i < recs.length; i++) {
      expect(got[i]!.key.equals(recs[i]!.key)).toBe(true);
      expect(got[i]!.value.equals(recs[i]!.value)).toBe(true);
    }
    expect(sha256).toBe(data.subarray(data.length - 32).toString('hex'));
    expect(sha256).toBe(createHash('sha256').update(data.subarray(0, data.length - 32)).digest('hex'));
  });

  it('has the shape etcdctl checks: size % 512 === 32, starting with the magic', () => {
    for (const n of [0, 1, 2, 3, 50, 333]) {
      for (const chunkBytes of [1, 100, 64 * 1024]) {
        const data = Buffer.concat(write(records(n), chunkBytes));
        expect(data.length % 512, `n=${n} chunkBytes=${chunkBytes}`).toBe(32);
        expect(data.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC)).toBe(true);
      }
    }
  });

  it('produces the same bytes whatever the chunk size', () => {
    const recs = records(300);
    const a = Buffer.concat(write(recs, 1));
    const b = Buffer.concat(write(recs, 512));
    const c = Buffer.concat(write(recs));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(true);
  });

  it('reads an empty snapshot as no records', () => {
    const data = Buffer.concat(write([]));
    expect(data.length).toBe(512 + 32);
    expect(readSnapshot(data).records).toEqual([]);
  });

  it('keeps a record that spans a chunk boundary whole', () => {
    const big = { key: Buffer.from('big'), value: Buffer.alloc(10_000, 7) };
    const data = Buffer.concat(write([big, ...records(3)], 1024));
    const got = readSnapshot(data).records;
    expect(got[0]!.value.equals(big.value)).toBe(true);
    expect(got).toHaveLength(4);
  });
});

describe('readSnapshot refuses what is not a whole, intact snapshot', () => {
  const good = Buffer.concat(write(records(100), 1000));

  it('refuses a file too short to hold a snapshot', () => {
    expect(formatError(Buffer.alloc(0)).message).toBe('snapshot is truncated (0 bytes)');
    expect(formatError(good.subarray(0, 20)).message).toBe('snapshot is truncated (20 bytes)');
  });

  it('refuses a truncated file', () => {
    for (const len of [good.length - 1, good.length - 32, good.length - 512, 1000, 100]) {
      expect(formatError(good.subarray(0, len)).message).toMatch(/SHA-256 mismatch|truncated/);
    }
  });

  it('refuses a flipped byte anywhere: in the records, the padding, the end marker, the trailer', () => {
    for (const at of [SNAPSHOT_MAGIC.length + 2, 500, good.length - 40, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at]! ^= 0x01;
      expect(formatError(bad).message, `byte ${at}`).toBe(
        'snapshot file integrity check failed: SHA-256 mismatch (corrupted or truncated)',
      );
    }
  });

  it('refuses a wrong magic before looking further', () => {
    const bad = Buffer.from(good);
    bad.write('ETCDSNAP', 0, 'latin1');
    expect(formatError(bad).message).toBe('not a capstan snapshot (bad magic)');
    const v2 = Buffer.from(good);
    v2[SNAPSHOT_MAGIC.length - 1] = 0x02;
    expect(formatError(v2).message).toBe('not a capstan snapshot (bad magic)');
  });

  it('refuses non-zero bytes after the end marker even with a matching hash', () => {
    const body = Buffer.from(good.subarray(0, good.length - 32));
    body[body.length - 1] = 0x42;
    expect(formatError(reseal(body)).message).toBe('snapshot has trailing bytes after its end marker');
  });

  it('refuses a body with no end marker, or a record running past the end, even with a matching hash', () => {
    const header = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const noEnd = reseal(Buffer.concat([SNAPSHOT_MAGIC, header(1), Buffer.from('k'), header(1), Buffer.from('v')]));
    expect(formatError(noEnd).message).toBe('snapshot is truncated: no end marker');
    const longKey = reseal(Buffer.concat([SNAPSHOT_MAGIC, header(1000), Buffer.from('k'), Buffer.alloc(20)]));
    expect(formatError(longKey).message).toBe('snapshot is truncated inside a record');
    const longValue = reseal(Buffer.concat([SNAPSHOT_MAGIC, header(1), Buffer.from('k'), header(1000), Buffer.alloc(20)]));
    expect(formatError(longValue).message).toBe('snapshot is truncated inside a record');
  });
});
