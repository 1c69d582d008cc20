/**
 * saveSnapshot with a stand-in client: the file appears only whole and verified (FILE.part, fsync, rename),
 * progress is reported once a second by the injected clock, and a broken or corrupted stream leaves nothing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandError } from '../../src/cli/errors.js';
import { humanBytes, saveSnapshot } from '../../src/cli/snapshot.js';
import type { SnapshotChunk } from '../../src/store/client/index.js';
import { EndpointUnavailableError } from '../../src/store/client/index.js';
import { SnapshotWriter } from '../../src/store/snapshot-format.js';

const EP = 'http://127.0.0.1:2379';

function snapshotChunks(n: number): Buffer[] {
  const w = new SnapshotWriter(4096);
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const c = w.add(Buffer.from(`k${i}`), Buffer.alloc(500, i));
    if (c !== undefined) out.push(c);
  }
  out.push(w.finish());
  return out;
}

function client(chunks: Buffer[], failAfter?: number): { snapshot(endpoint?: string): AsyncGenerator<SnapshotChunk> } {
  return {
    async *snapshot(endpoint?: string) {
      let left = chunks.reduce((a, c) => a + c.length, 0);
      for (const [i, blob] of chunks.entries()) {
        if (i === failAfter) throw new EndpointUnavailableError(endpoint ?? EP, true);
        left -= blob.length;
        yield { endpoint: endpoint ?? EP, blob, remainingBytes: left, revision: 1 };
      }
    },
  };
}

describe('saveSnapshot', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function tmp(): string {
    const d = mkdtempSync(join(tmpdir(), 'capstan-save-'));
    dirs.push(d);
    return d;
  }
  function ctx(): { err: string[]; c: { version: string; stdout: (s: string) => void; stderr: (s: string) => void } } {
    const err: string[] = [];
    return { err, c: { version: 't', stdout: () => undefined, stderr: (s) => void err.push(s) } };
  }

  it('writes the whole stream and reports progress once a second of the injected clock', async () => {
    const chunks = snapshotChunks(100);
    expect(chunks.length).toBeGreaterThan(5);
    const path = join(tmp(), 'snap.db');
    let t = 0;
    const { err, c } = ctx();
    const bytes = await saveSnapshot(client(chunks), EP, path, c, () => (t += 400));
    expect(readFileSync(path)).toEqual(Buffer.concat(chunks));
    expect(bytes).toBe(Buffer.concat(chunks).length);
    expect(readdirSync(join(path, '..'))).toEqual(['snap.db']);
    // The clock moves 400 ms per chunk: a report every third chunk, the first after a second.
    expect(err.length).toBe(Math.floor(chunks.length / 3));
    expect(err[0]).toMatch(/^capstan snapshot save: received .* \(\d+ bytes\) from http:\/\/127\.0\.0\.1:2379, about .* to go\n$/);
  });

  it('leaves no file when the stream breaks or arrives corrupted', async () => {
    const dir = tmp();
    const chunks = snapshotChunks(100);
    const { c } = ctx();
    await expect(saveSnapshot(client(chunks, 2), EP, join(dir, 'broken.db'), c)).rejects.toThrow(CommandError);
    const bad = chunks.map((b) => Buffer.from(b));
    bad[1]![10] = bad[1]![10]! ^ 1;
    await expect(saveSnapshot(client(bad), EP, join(dir, 'bad.db'), c)).rejects.toThrow(/not intact: snapshot file integrity check failed/);
    await expect(saveSnapshot(client(chunks.slice(0, -1)), EP, join(dir, 'short.db'), c)).rejects.toThrow(/not intact/);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'bad.db.part'))).toBe(false);
  });

  it('humanBytes prints sizes as etcdutl (go-humanize)', () => {
    expect([0, 9, 512, 2_105_344, 25_000, 31_516_704, 1_500_000_000].map(humanBytes)).toEqual(['0 B', '9 B', '512 B', '2.1 MB', '25 kB', '32 MB', '1.5 GB']);
  });
});
