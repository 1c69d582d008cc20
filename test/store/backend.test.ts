/**
 * The backend's group-commit writer fails stop: once a write fails, the writes queued behind it and every
 * later one fail with the same error, so nothing issued after a lost write reaches the disk without it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Backend, Prefix, prefixed } from '../../src/store/backend.js';
import { systemClock } from '../../src/util/clock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Backend', () => {
  it('after a failed write, the writes queued behind it and every later one fail with its error, and none reaches LevelDB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-backend-'));
    dirs.push(dir);
    const backend = await Backend.open(dir, systemClock);
    const key = (n: number): Buffer => prefixed(Prefix.meta, `k${n}`);
    await backend.write([{ type: 'put', key: key(0), value: Buffer.from('ok') }], false);
    const db = backend.db as unknown as { batch: () => { put(): void; del(): void; write(): Promise<void> } };
    const batch = db.batch.bind(db);
    let calls = 0;
    // The first batch after this point fails; the writer must not go on to the ones queued behind it.
    db.batch = () => {
      calls++;
      const b = batch();
      if (calls === 1) return { ...b, put: () => undefined, del: () => undefined, write: () => Promise.reject(new Error('injected write failure')) };
      return b;
    };
    const failed = backend.write([{ type: 'put', key: key(1), value: Buffer.from('lost') }], false);
    const queued = backend.write([{ type: 'put', key: key(2), value: Buffer.from('behind') }], true);
    await expect(failed).rejects.toThrow('injected write failure');
    await expect(queued).rejects.toThrow('injected write failure');
    await expect(backend.write([{ type: 'put', key: key(3), value: Buffer.from('later') }], true)).rejects.toThrow('injected write failure');
    expect(calls, 'one batch was built: the failed one').toBe(1);
    expect(await backend.get(key(2))).toBeUndefined();
    expect(await backend.get(key(3))).toBeUndefined();
    expect((await backend.get(key(0)))?.toString()).toBe('ok');
    await backend.close();
  });
});
