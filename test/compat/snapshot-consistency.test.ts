/**
 * Maintenance.Snapshot under write load is a consistent, whole copy of the store (issue 3: "a consistent
 * stream of the whole store followed by its sha256, as etcd's"): `etcdctl snapshot save` taken while eight
 * writers put fresh keys holds exactly the store at one revision R — every write up to R, none after it, no
 * hole between them — and R covers every write acknowledged before the snapshot began. capstan's snapshot
 * format is its own (etcd's is a bbolt file), so the file is read with capstan's reader.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, expect, it } from 'vitest';
import { decodeKeyValue } from '../../src/store/grpc/proto.js';
import { readSnapshot } from '../../src/store/snapshot-format.js';
import { Etcdctl } from './helpers/etcdctl.js';
import { EtcdGrpc, type PutResponse } from './helpers/grpc.js';
import { useStore } from './helpers/store.js';
import { compatTarget, describeCompat } from './helpers/tools.js';
import { waitFor } from './helpers/wait.js';

const MVCC_KEY_PREFIX = 0x6b;

describeCompat('snapshot consistency under load', ['store', 'etcdctl'], () => {
  const store = useStore({ name: 'snap-load' });
  const ctl = new Etcdctl(() => store().endpoint);
  const dir = mkdtempSync(join(tmpdir(), 'capstan-snap-load-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(compatTarget() === 'capstan')('a snapshot saved during concurrent puts is the store at one revision, holding every write acknowledged before it', async () => {
    const clients = Array.from({ length: 4 }, () => new EtcdGrpc(store().address));
    const base = Number((await clients[0]!.range({ key: Buffer.from('health') })).header.revision);
    const acks: { key: string; value: string; revision: number; ackedAt: number }[] = [];
    let active = true;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      const rpc = clients[w % clients.length]!;
      for (let seq = 0; active; seq++) {
        const key = `load/${w}/${String(seq).padStart(6, '0')}`;
        const value = `w${w}s${seq}:`.padEnd(200, 'x');
        const r = await rpc.unary<PutResponse>('KV', 'Put', { key: Buffer.from(key), value: Buffer.from(value) });
        acks.push({ key, value, revision: Number(r.header.revision), ackedAt: performance.now() });
      }
    });
    const path = join(dir, 'under-load.db');
    let startedAt = 0;
    let acksAfterSnapshot = 0;
    try {
      // Enough data (about 500 KB) that the snapshot streams in several chunks while the writers go on.
      await waitFor(() => (acks.length >= 2_500 ? true : undefined), { what: '2,500 acknowledged puts', timeoutMs: 60_000, intervalMs: 10 });
      startedAt = performance.now();
      await ctl.ok(['snapshot', 'save', path]);
      const before = acks.length;
      await waitFor(() => (acks.length >= before + 200 ? true : undefined), { what: '200 more puts after the snapshot', timeoutMs: 30_000, intervalMs: 10 });
      acksAfterSnapshot = acks.length - before;
    } finally {
      active = false;
      await Promise.all(writers);
      for (const c of clients) c.close();
    }

    const file = readFileSync(path);
    const { records } = readSnapshot(file);
    const kvs = records.filter((r) => r.key[0] === MVCC_KEY_PREFIX).map((r) => decodeKeyValue(r.value));
    const loaded = kvs.filter((kv) => kv.key.toString().startsWith('load/'));
    const revisions = loaded.map((kv) => kv.modRevision).sort((a, b) => a - b);
    const r = revisions.at(-1) ?? base;
    const maxAcked = Math.max(...acks.map((a) => a.revision));
    console.log(
      `[snapshot] ${acks.length} puts acknowledged (${acksAfterSnapshot} after the save returned); snapshot (${file.length} bytes) at revision ${r} holds ${loaded.length} of them; last acknowledged revision ${maxAcked}`,
    );

    // One cut: the writes are revisions base+1 … R, each exactly once, nothing missing in between.
    expect(revisions.length).toBe(r - base);
    expect(revisions[0]).toBe(base + 1);
    expect(new Set(revisions).size).toBe(revisions.length);
    // …and the load went on past it, so the cut is a real point inside the load.
    expect(maxAcked).toBeGreaterThan(r);

    // Every acknowledged write up to R is there with its value; none after R is.
    const byKey = new Map(loaded.map((kv) => [kv.key.toString(), kv]));
    const wrong = acks.filter((a) => {
      const kv = byKey.get(a.key);
      return a.revision <= r ? kv?.value.toString() !== a.value || kv.modRevision !== a.revision : kv !== undefined;
    });
    expect(wrong.slice(0, 10), `${wrong.length} acknowledged writes misplaced relative to the snapshot revision ${r}`).toEqual([]);

    // Everything acknowledged before the save started is in it.
    const missed = acks.filter((a) => a.ackedAt < startedAt && a.revision > r);
    expect(missed.slice(0, 10), 'writes acknowledged before the snapshot began but missing from it').toEqual([]);
  });
});
