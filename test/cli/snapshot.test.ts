/**
 * `capstan snapshot save|status|restore` against real processes: a snapshot saved (by capstan's own CLI
 * process, and by etcdctl) from a running 3-member cluster restores into the data directories of a new
 * cluster which, started with `capstan store --initial-cluster-state new`, serves every key with the same
 * value and revisions, the leases, the compaction point and history, under a new cluster ID. Broken files
 * and non-empty directories are refused through the CLI.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { CompactedError, EtcdClient, type KeyValue } from '../../src/store/client/index.js';
import { Prefix, prefixed } from '../../src/store/backend.js';
import { encodeUint64, revisionKey } from '../../src/store/mvcc/kv-store.js';
import { readSnapshot, SnapshotWriter } from '../../src/store/snapshot-format.js';
import { useClusters } from '../compat/helpers/cluster.js';
import { etcdctlPath } from '../compat/helpers/tools.js';
import { EtcdGrpc } from '../compat/helpers/grpc.js';
import { freePorts } from '../../src/cli/launcher/processes.js';
import { createStore, type ControlledStore } from '../compat/helpers/store.js';
import { compatTarget, describeCompat } from '../compat/helpers/tools.js';
import { waitFor } from '../compat/helpers/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { version: 'test', stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

/** cliProcess runs `capstan …` as its own process (src/cli.ts under tsx). */
async function cliProcess(...argv: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...argv], { cwd: root, timeout: 60_000 });
}

interface KvView {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: string;
}

function views(kvs: readonly KeyValue[]): KvView[] {
  return kvs.map((kv) => ({
    key: kv.key.toString(),
    value: kv.value.toString(),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: kv.lease.toString(16),
  }));
}

describeCompat('capstan snapshot', ['store'], () => {
  const cluster = useClusters();
  const stores: ControlledStore[] = [];
  const clients: EtcdClient[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'capstan-snapshot-cli-'));
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(stores.splice(0).map((s) => s.dispose()));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** startRestored restores file into fresh data dirs for `size` members of a new cluster and starts them together. */
  async function startRestored(file: string, size: number, token: string): Promise<ControlledStore[]> {
    const ports = await freePorts(2 * size);
    const layout = Array.from({ length: size }, (_, i) => {
      const memberRoot = mkdtempSync(join(tmpdir(), `capstan-restored-${i}-`));
      return {
        name: `restored-${i}`,
        endpoint: `http://127.0.0.1:${String(ports[2 * i])}`,
        address: `127.0.0.1:${String(ports[2 * i])}`,
        peerUrl: `http://127.0.0.1:${String(ports[2 * i + 1])}`,
        root: memberRoot,
        dataDir: join(memberRoot, 'data'),
        logFile: join(memberRoot, 'store.log'),
      };
    });
    const initialCluster = layout.map((l) => `${l.name}=${l.peerUrl}`).join(',');
    const members = layout.map((l) => {
      const cluster = [`--name=${l.name}`, `--initial-cluster=${initialCluster}`, `--initial-cluster-token=${token}`, `--initial-advertise-peer-urls=${l.peerUrl}`, `--data-dir=${l.dataDir}`];
      const s = createStore(
        {
          ...l,
          flags: [
            ...cluster,
            `--listen-client-urls=${l.endpoint}`,
            `--advertise-client-urls=${l.endpoint}`,
            `--listen-peer-urls=${l.peerUrl}`,
            '--initial-cluster-state=new',
            '--heartbeat-interval=100',
            '--election-timeout=1000',
          ],
        },
        { readyTimeoutMs: 30_000 },
      );
      stores.push(s);
      return { s, cluster };
    });
    for (const m of members) {
      const r = await cli('snapshot', 'restore', file, ...m.cluster);
      expect(r, r.err).toMatchObject({ code: 0 });
      expect(r.out).toMatch(/^Restored .* member restored-\d \(ID [0-9a-f]+\) of new cluster [0-9a-f]+/);
    }
    await Promise.all(members.map((m) => m.s.launch()));
    return members.map((m) => m.s);
  }

  it.runIf(compatTarget() === 'capstan')(
    'save from a 3-member cluster, status, restore into a new 3-member cluster: same keys, revisions, leases and history, new cluster ID',
    async () => {
      const c = await cluster({ name: 'snapsrc' });
      const src = new EtcdClient({ endpoints: c.endpoints });
      clients.push(src);
      const lease = await src.grant(600);
      for (let i = 0; i < 60; i++) await src.put(`data/k${String(i % 17).padStart(2, '0')}`, `v${i}`.padEnd(40 + i, '.'));
      await src.put('data/leased-a', 'A', { lease });
      await src.put('data/leased-b', 'B', { lease });
      const compactAt = (await src.put('data/k00', 'before-compaction')).revision;
      await src.compact(compactAt, true);
      for (let i = 0; i < 10; i++) await src.put(`data/k${String(i).padStart(2, '0')}`, `after-${i}`);
      const historyAt = (await src.delete('data/k16')).revision;
      await src.put('data/k15', 'last');
      const before = await src.get('data/', { prefix: true });
      const historyBefore = await src.get('data/', { prefix: true, revision: historyAt });
      const oldStatus = await src.status();
      const oldGrpc = new EtcdGrpc(c.members[0]!.address);
      const oldClusterId = (await oldGrpc.status()).header.cluster_id;
      const oldHash = (await oldGrpc.hashKV(before.revision).finally(() => oldGrpc.close())).hash;

      // capstan's own CLI, as a process, picking the first healthy endpoint (the first is not listening).
      const [deadPort] = await freePorts(1);
      const file = join(dir, 'backup.db');
      const saved = await cliProcess('snapshot', 'save', file, '--endpoints', [`http://127.0.0.1:${String(deadPort)}`, ...c.endpoints].join(','), '--dial-timeout', '1s');
      expect(saved.stdout).toBe(`Snapshot saved at ${file}\n`);
      expect(existsSync(`${file}.part`)).toBe(false);
      const data = readFileSync(file);
      const { records } = readSnapshot(data);

      const json = await cli('snapshot', 'status', file, '-w', 'json');
      expect(json.code).toBe(0);
      const st = JSON.parse(json.out) as { hash: number; revision: number; totalKey: number; totalSize: number; sha256: string };
      expect(st).toMatchObject({ revision: before.revision, totalKey: records.length, totalSize: statSync(file).size, sha256: data.subarray(data.length - 32).toString('hex') });
      const table = await cli('snapshot', 'status', file);
      expect(table.out.split('\n')[1]).toMatch(/^\|\s+HASH\s+\|\s+REVISION\s+\|\s+TOTAL KEYS\s+\|\s+TOTAL SIZE\s+\|$/);
      expect(table.out).toContain(`| ${st.hash.toString(16).padStart(8, '0')} |`);

      // etcdctl's save of the same, unchanged store is the same snapshot.
      let etcdctlFile: string | undefined;
      if (etcdctlPath() !== undefined) {
        etcdctlFile = join(dir, 'etcdctl.db');
        await promisify(execFile)(etcdctlPath()!, [`--endpoints=${c.endpoints[0]!}`, 'snapshot', 'save', etcdctlFile], { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 30_000 });
        const other = await cli('snapshot', 'status', etcdctlFile, '-w', 'json');
        expect(JSON.parse(other.out)).toMatchObject({ revision: st.revision, hash: st.hash, totalKey: st.totalKey });
      }
      await c.dispose();

      const restored = await startRestored(file, 3, 'restored-token');
      const dst = new EtcdClient({ endpoints: restored.map((s) => s.endpoint) });
      clients.push(dst);
      const after = await dst.get('data/', { prefix: true });
      expect(after.revision).toBe(before.revision);
      expect(views(after.kvs)).toEqual(views(before.kvs));
      expect(views((await dst.get('data/', { prefix: true, revision: historyAt })).kvs)).toEqual(views(historyBefore.kvs));
      await expect(dst.get('data/', { prefix: true, revision: compactAt - 1 })).rejects.toBeInstanceOf(CompactedError);
      const ttl = await dst.timeToLive(lease, { keys: true });
      expect(ttl.grantedTtl).toBe(600);
      expect(ttl.ttl).toBeGreaterThan(500);
      expect(ttl.keys.map((k) => k.toString()).sort()).toEqual(['data/leased-a', 'data/leased-b']);

      const grpc = new EtcdGrpc(restored[0]!.address);
      try {
        // HashKV covers every revision kept (values, create/mod revisions, versions, leases): the same history.
        expect((await grpc.hashKV(before.revision)).hash).toBe(oldHash);
        const newStatus = await grpc.status();
        expect(newStatus.header.cluster_id).not.toBe(oldClusterId);
        const list = await grpc.memberList();
        expect(list.members.map((m) => m.name).sort()).toEqual(['restored-0', 'restored-1', 'restored-2']);
        expect(list.members.map((m) => m.peerURLs[0]).sort()).toEqual(restored.map((s) => s.peerUrl).sort());
      } finally {
        grpc.close();
      }
      expect(oldStatus.revision).toBe(before.revision);
      // The new cluster goes on from the restored revision, and its members agree.
      const next = await dst.put('data/new', 'x');
      expect(next.revision).toBe(before.revision + 1);
      const hashes = await Promise.all(
        restored.map(async (s) => {
          const g = new EtcdGrpc(s.address);
          try {
            await waitFor(async () => (Number((await g.range({ key: Buffer.from('data/new'), serializable: true })).header.revision) >= next.revision ? true : undefined), {
              what: `${s.name} to apply revision ${next.revision}`,
              timeoutMs: 10_000,
            });
            return (await g.hashKV(next.revision)).hash;
          } finally {
            g.close();
          }
        }),
      );
      expect(new Set(hashes).size).toBe(1);

      if (etcdctlFile !== undefined) {
        await Promise.all(stores.splice(0).map((s) => s.dispose()));
        const single = await startRestored(etcdctlFile, 1, 'from-etcdctl');
        const one = new EtcdClient({ endpoints: [single[0]!.endpoint] });
        clients.push(one);
        const got = await one.get('data/', { prefix: true });
        expect(views(got.kvs)).toEqual(views(before.kvs));
        expect(got.revision).toBe(before.revision);
      }
    },
    180_000,
  );

  it.runIf(compatTarget() === 'capstan')(
    "after losing quorum, save takes a survivor's data, with a warning, and it restores into a new cluster",
    async () => {
      const c = await cluster({ name: 'snaplost' });
      const src = new EtcdClient({ endpoints: c.endpoints });
      clients.push(src);
      for (let i = 0; i < 20; i++) await src.put(`lost/k${i}`, `v${i}`);
      const before = await src.get('lost/', { prefix: true });
      await c.hashesAt(before.revision);
      const leader = await c.leader();
      const [gone, survivor] = c.members.filter((m) => m !== leader);
      await Promise.all([leader.kill9(), gone!.kill9()]);
      await waitFor(async () => ((await survivor!.status()).leader === '0' ? true : undefined), { what: 'the survivor to lose its leader', timeoutMs: 15_000 });
      const file = join(dir, 'survivor.db');
      const saved = await cli('snapshot', 'save', file, '--endpoints', [leader.endpoint, survivor!.endpoint].join(','), '--dial-timeout', '1s');
      expect(saved.code, saved.err).toBe(0);
      expect(saved.out).toBe(`Snapshot saved at ${file}\n`);
      expect(saved.err).toContain(`warning: no member has a leader`);
      expect(saved.err).toContain(`saving ${survivor!.endpoint}'s data`);
      await c.dispose();
      const restored = await startRestored(file, 1, 'after-quorum-loss');
      const dst = new EtcdClient({ endpoints: [restored[0]!.endpoint] });
      clients.push(dst);
      const after = await dst.get('lost/', { prefix: true });
      expect(after.revision).toBe(before.revision);
      expect(views(after.kvs)).toEqual(views(before.kvs));
    },
    120_000,
  );

  it('status and restore refuse a corrupted and a truncated file, and restore a non-empty data dir, with exit code 1', async () => {
    const w = new SnapshotWriter();
    const parts: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const c = w.add(revisionKey({ main: i + 2, sub: 0 }), Buffer.alloc(100, i));
      if (c !== undefined) parts.push(c);
    }
    w.add(prefixed(Prefix.lease, encodeUint64(7n)), encodeUint64(60));
    parts.push(w.finish());
    const good = Buffer.concat(parts);
    const goodFile = join(dir, 'good.db');
    writeFileSync(goodFile, good);
    const corrupt = Buffer.from(good);
    corrupt[5000] = corrupt[5000]! ^ 0x01;
    const corruptFile = join(dir, 'corrupt.db');
    writeFileSync(corruptFile, corrupt);
    const truncatedFile = join(dir, 'truncated.db');
    writeFileSync(truncatedFile, good.subarray(0, 10_000));

    const ok = await cli('snapshot', 'status', goodFile, '-w', 'simple');
    expect(ok).toMatchObject({ code: 0, err: '' });
    expect(ok.out).toMatch(/^[0-9a-f]{8}, 201, 201, 2[0-9.]+ kB\n$/);

    const flags = ['--name', 'a', '--initial-cluster', 'a=http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380', '--initial-cluster-token', 't'];
    for (const [file, message] of [
      [corruptFile, 'snapshot file integrity check failed: SHA-256 mismatch (corrupted or truncated)'],
      [truncatedFile, 'snapshot file integrity check failed: SHA-256 mismatch (corrupted or truncated)'],
    ] as const) {
      const st = await cli('snapshot', 'status', file);
      expect(st).toEqual({ code: 1, out: '', err: `capstan snapshot: ${file}: ${message}\n` });
      const target = join(dir, `restored-${file.endsWith('corrupt.db') ? 'corrupt' : 'truncated'}`);
      const r = await cli('snapshot', 'restore', file, ...flags, '--data-dir', target);
      expect(r).toEqual({ code: 1, out: '', err: `capstan snapshot: ${file}: ${message}\n` });
      expect(existsSync(join(target, 'member'))).toBe(false);
    }
    // Too short to hold even a trailer, and cut inside a record with --skip-hash-check.
    const tiny = join(dir, 'tiny.db');
    writeFileSync(tiny, good.subarray(0, 20));
    expect((await cli('snapshot', 'status', tiny)).err).toBe(`capstan snapshot: ${tiny}: snapshot is truncated (20 bytes)\n`);
    const skipped = await cli('snapshot', 'restore', truncatedFile, ...flags, '--data-dir', join(dir, 'skip'), '--skip-hash-check');
    expect(skipped.code).toBe(1);
    expect(skipped.err).toMatch(/truncated/);

    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep'), 'x');
    const r = await cli('snapshot', 'restore', goodFile, ...flags, '--data-dir', full);
    expect(r).toEqual({ code: 1, out: '', err: `capstan snapshot: data-dir "${full}" not empty or could not be read\n` });
    expect(readFileSync(join(full, 'keep'), 'utf8')).toBe('x');

    const missing = await cli('snapshot', 'status', join(dir, 'nope.db'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read/);
  });
});
