import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Prefix, prefixed } from '../../src/store/backend.js';
import { resolveStoreConfig } from '../../src/store/config.js';
import type * as pb from '../../src/store/grpc/types.js';
import { clusterIdFor, memberIdFor, memberKey, parseInitialCluster } from '../../src/store/membership.js';
import { decodeUint64, encodeUint64, metaConsistentIndex, revisionKey } from '../../src/store/mvcc/kv-store.js';
import { decodeSnapshotMeta } from '../../src/store/raft-log-store.js';
import { metaClusterId, metaMemberId, StoreServer } from '../../src/store/server.js';
import { SnapshotFormatError, SnapshotVerifier, SnapshotWriter } from '../../src/store/snapshot-format.js';
import { planRestore, restoreDataDir, RESTORED_TERM, SnapshotRestoreError } from '../../src/store/snapshot-restore.js';
import { snapshotStatus } from '../../src/store/snapshot-status.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { SeededRandom } from '../../src/util/random.js';
import { freePorts } from '../../src/cli/launcher/processes.js';
import { putOp, settle, startInProcessStore } from './helpers/in-process-store.js';

const CLUSTER = 'a=http://10.0.0.1:2380,b=http://10.0.0.2:2380,c=http://10.0.0.3:2380';

function snapshotOf(records: { key: Buffer; value: Buffer }[]): Buffer {
  const w = new SnapshotWriter(256);
  const chunks: Buffer[] = [];
  for (const r of records) {
    const c = w.add(r.key, r.value);
    if (c !== undefined) chunks.push(c);
  }
  chunks.push(w.finish());
  return Buffer.concat(chunks);
}

/** oldCluster is what a snapshot of a one-member cluster holds: two revisions, a lease, an alarm, identity. */
function oldRecords(): { key: Buffer; value: Buffer }[] {
  return [
    { key: prefixed(Prefix.alarm, 'x'), value: Buffer.from('NOSPACE') },
    { key: memberKey(42n), value: Buffer.from(JSON.stringify({ name: 'old', peerURLs: ['http://old:2380'], clientURLs: [], isLearner: false })) },
    { key: revisionKey({ main: 2, sub: 0 }), value: Buffer.from('kv-2') },
    { key: revisionKey({ main: 7, sub: 0 }), value: Buffer.from('kv-7') },
    { key: prefixed(Prefix.lease, encodeUint64(5n)), value: encodeUint64(600) },
    { key: Buffer.from([Prefix.meta]), value: Buffer.alloc(0) },
    { key: metaClusterId, value: encodeUint64(99n) },
    { key: metaConsistentIndex, value: encodeUint64(1234) },
    { key: metaMemberId, value: encodeUint64(42n) },
  ];
}

describe('planRestore', () => {
  const opts = { name: 'b', initialCluster: parseInitialCluster(CLUSTER), initialClusterToken: 'restored', initialAdvertisePeerUrls: ['http://10.0.0.2:2380/'] };

  it('keeps revisions and leases, replaces identity and membership as a bootstrapping member derives them, and drops alarms', () => {
    const plan = planRestore(oldRecords(), opts);
    const ids = ['http://10.0.0.1:2380', 'http://10.0.0.2:2380', 'http://10.0.0.3:2380'].map((u) => memberIdFor([u], 'restored'));
    expect(plan.members.map((m) => m.id)).toEqual(ids);
    expect(plan.memberId).toBe(ids[1]);
    expect(plan.clusterId).toBe(clusterIdFor(ids));
    expect(plan.index).toBe(3);
    const puts = new Map(plan.ops.map((o) => [o.key.toString('hex'), o.type === 'put' ? Buffer.from(o.value) : undefined]));
    expect(puts.get(revisionKey({ main: 7, sub: 0 }).toString('hex'))?.toString()).toBe('kv-7');
    expect(puts.get(revisionKey({ main: 2, sub: 0 }).toString('hex'))?.toString()).toBe('kv-2');
    expect(decodeUint64(puts.get(prefixed(Prefix.lease, encodeUint64(5n)).toString('hex'))!)).toBe(600);
    expect(puts.has(prefixed(Prefix.alarm, 'x').toString('hex'))).toBe(false);
    expect(puts.has(memberKey(42n).toString('hex'))).toBe(false);
    expect(puts.has(Buffer.from([Prefix.meta]).toString('hex'))).toBe(false);
    for (const id of ids) expect(JSON.parse(puts.get(memberKey(id).toString('hex'))!.toString())).toMatchObject({ clientURLs: [], isLearner: false });
    expect(puts.get(metaMemberId.toString('hex'))!.readBigUInt64BE(0)).toBe(ids[1]);
    expect(puts.get(metaClusterId.toString('hex'))!.readBigUInt64BE(0)).toBe(clusterIdFor(ids));
    // The old applied index would make the new cluster's first entries look applied already.
    expect(decodeUint64(puts.get(metaConsistentIndex.toString('hex'))!)).toBe(3);
    const snap = decodeSnapshotMeta(puts.get(prefixed(Prefix.raftState, 'snapshot').toString('hex'))!);
    expect(snap).toEqual({ index: 3, term: RESTORED_TERM, confState: { voters: ids, learners: [] } });
    // One put per key: no key is written twice.
    expect(puts.size).toBe(plan.ops.length);
  });

  it('gives the same IDs on every member and a cluster ID other than the old one when the token changes', () => {
    const a = planRestore(oldRecords(), { ...opts, name: 'a', initialAdvertisePeerUrls: ['http://10.0.0.1:2380'] });
    const b = planRestore(oldRecords(), opts);
    expect(a.clusterId).toBe(b.clusterId);
    expect(a.memberId).not.toBe(b.memberId);
    expect(planRestore(oldRecords(), { ...opts, initialClusterToken: 'other' }).clusterId).not.toBe(b.clusterId);
  });

  it('refuses a name missing from --initial-cluster and advertised URLs that differ from it', () => {
    expect(() => planRestore([], { ...opts, name: 'd' })).toThrow(SnapshotRestoreError);
    expect(() => planRestore([], { ...opts, initialAdvertisePeerUrls: ['http://10.0.0.9:2380'] })).toThrow(/--initial-advertise-peer-urls/);
  });
});

describe('snapshotStatus and SnapshotVerifier', () => {
  it('reports the highest revision, every record, the size and a stable hash', () => {
    const data = snapshotOf(oldRecords());
    const st = snapshotStatus(data);
    expect(st).toMatchObject({ revision: 7, totalKeys: oldRecords().length, totalSize: data.length });
    expect(st.sha256).toBe(data.subarray(data.length - 32).toString('hex'));
    expect(snapshotStatus(snapshotOf(oldRecords())).hash).toBe(st.hash);
    expect(snapshotStatus(snapshotOf(oldRecords().slice(1))).hash).not.toBe(st.hash);
  });

  it('refuses a corrupted and a truncated file', () => {
    const data = snapshotOf(oldRecords());
    const bad = Buffer.from(data);
    bad[40] = bad[40]! ^ 1;
    expect(() => snapshotStatus(bad)).toThrow(/SHA-256 mismatch/);
    expect(() => snapshotStatus(data.subarray(0, data.length - 100))).toThrow(SnapshotFormatError);
  });

  it('verifies a stream cut at any size and refuses a flipped byte or a missing tail', () => {
    const data = snapshotOf(oldRecords());
    for (const size of [1, 7, 31, 32, 33, 500, data.length]) {
      const v = new SnapshotVerifier();
      for (let off = 0; off < data.length; off += size) v.update(data.subarray(off, off + size));
      expect(v.finish()).toBe(data.subarray(data.length - 32).toString('hex'));
    }
    const bad = Buffer.from(data);
    bad[100] = bad[100]! ^ 0x80;
    const v1 = new SnapshotVerifier();
    v1.update(bad);
    expect(() => v1.finish()).toThrow(/SHA-256 mismatch/);
    const v2 = new SnapshotVerifier();
    v2.update(data.subarray(0, data.length - 512));
    expect(() => v2.finish()).toThrow(SnapshotFormatError);
  });
});

describe('restoreDataDir', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function tmp(): string {
    const d = mkdtempSync(join(tmpdir(), 'capstan-restore-'));
    dirs.push(d);
    return d;
  }

  it('refuses a non-empty directory, a corrupted and a truncated file, and writes nothing then', async () => {
    const root = tmp();
    const data = snapshotOf(oldRecords());
    const opts = { name: 'a', initialCluster: parseInitialCluster('a=http://127.0.0.1:1'), initialClusterToken: 't', initialAdvertisePeerUrls: ['http://127.0.0.1:1'] };
    const full = join(root, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), 'x');
    await expect(restoreDataDir(data, { ...opts, dataDir: full })).rejects.toThrow(/not empty/);
    const bad = Buffer.from(data);
    bad[60] = bad[60]! ^ 1;
    await expect(restoreDataDir(bad, { ...opts, dataDir: join(root, 'corrupt') })).rejects.toThrow(/SHA-256 mismatch/);
    await expect(restoreDataDir(data.subarray(0, 300), { ...opts, dataDir: join(root, 'truncated') })).rejects.toThrow(/truncated/);
    expect(readdirSync(root)).toEqual(['full']);
    // --skip-hash-check lets a mismatching trailer through, not a broken structure.
    await expect(restoreDataDir(data.subarray(0, 300), { ...opts, dataDir: join(root, 'truncated'), skipHashCheck: true })).rejects.toThrow(/truncated/);
    const plan = await restoreDataDir(bad, { ...opts, dataDir: join(root, 'skipped'), skipHashCheck: true });
    expect(plan.index).toBe(1);
  });

  it('builds a member that starts as a new cluster holding the same keys, revisions and leases, and applies new writes', async () => {
    const source = await startInProcessStore();
    let data: Buffer;
    let lease: bigint;
    let before: { key: string; value: string; mod: number; create: number; version: number; lease: bigint }[];
    let oldCluster: bigint;
    let oldRev: number;
    try {
      const g = await source.s.propose<pb.LeaseGrantResponse>({ request: 'leaseGrant', leaseGrant: { TTL: '600', ID: '0' } } as pb.InternalRaftOp);
      lease = BigInt(g.resp.ID);
      for (let i = 0; i < 20; i++) await source.s.propose(putOp(`k/${i % 7}`, `v${i}`));
      await source.s.propose({ request: 'put', put: { key: Buffer.from('leased'), value: Buffer.from('L'), lease: lease.toString(), prevKv: false, ignoreValue: false, ignoreLease: false } } as pb.InternalRaftOp);
      await source.s.propose({ request: 'deleteRange', deleteRange: { key: Buffer.from('k/6'), rangeEnd: Buffer.alloc(0), prevKv: false } } as pb.InternalRaftOp);
      before = view(source.s);
      oldCluster = source.s.clusterId;
      oldRev = source.s.kv.currentRev;
      const chunks: Buffer[] = [];
      for await (const c of source.s.snapshotSource().chunks()) chunks.push(c);
      data = Buffer.concat(chunks);
    } finally {
      await source.stop();
    }
    expect(snapshotStatus(data).revision).toBe(oldRev);

    const root = tmp();
    const [port] = await freePorts(1);
    const peer = `http://127.0.0.1:${String(port)}`;
    const dataDir = join(root, 'restored');
    const plan = await restoreDataDir(data, { name: 'r', initialCluster: parseInitialCluster(`r=${peer}`), initialClusterToken: 'new-token', initialAdvertisePeerUrls: [peer], dataDir });
    // Built aside and renamed into place: nothing half-written is left where a member would start from it.
    expect(readdirSync(dataDir)).toEqual(['member']);
    const cfg = resolveStoreConfig({ name: 'r', 'data-dir': dataDir, 'listen-peer-urls': peer, 'initial-advertise-peer-urls': peer, 'initial-cluster': `r=${peer}`, 'initial-cluster-token': 'new-token' });
    const clock = new ManualClock(1_700_000_000_000);
    const start = async (): Promise<StoreServer> => {
      const s = await StoreServer.start(cfg, { clock, random: new SeededRandom(2), log: silentLogger() });
      for (let i = 0; i < 50 && !s.hasLeader(); i++) {
        clock.advance(100);
        await settle(() => true, 'a turn');
      }
      await settle(() => s.hasLeader(), 'a leader');
      await s.linearizableRead();
      return s;
    };
    let s = await start();
    try {
      expect(s.clusterId).toBe(plan.clusterId);
      expect(s.clusterId).not.toBe(oldCluster);
      expect(s.memberId).toBe(plan.memberId);
      expect(s.kv.currentRev).toBe(oldRev);
      expect(view(s)).toEqual(before);
      expect(s.lessor.lookup(lease)?.ttl).toBe(600);
      const put = await s.propose<pb.PutResponse>(putOp('after', 'restore'));
      expect(Number(put.resp.header!.revision)).toBe(oldRev + 1);
      await s.stop();
      // Restarted, the member replays its new log on top of the restored state.
      s = await start();
      expect(s.kv.rangeLatest('after', { kind: 'single' }, 0).kvs[0]?.value.toString()).toBe('restore');
      expect(s.kv.currentRev).toBe(oldRev + 1);
    } finally {
      await s.stop();
    }
  });
});

function view(s: StoreServer): { key: string; value: string; mod: number; create: number; version: number; lease: bigint }[] {
  return s.kv.rangeLatest('\0', { kind: 'to-end' }, 0).kvs.map((kv) => ({
    key: kv.key.toString(),
    value: kv.value.toString(),
    mod: kv.modRevision,
    create: kv.createRevision,
    version: kv.version,
    lease: kv.lease,
  }));
}
