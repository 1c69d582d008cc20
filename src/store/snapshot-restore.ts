import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../util/clock.js';
import { CapstanError } from '../util/errors.js';
import { Backend, Prefix, type BatchOp } from './backend.js';
import { clusterIdFor, memberIdFor, memberOp, type MemberInfo } from './membership.js';
import { encodeUint64, metaConsistentIndex } from './mvcc/kv-store.js';
import { RaftLogStore } from './raft-log-store.js';
import { metaClusterId, metaMemberId } from './server.js';
import { readSnapshot } from './snapshot-format.js';

/**
 * RESTORED_TERM is the Raft term of a restored member's snapshot and HardState: the new cluster starts its
 * history at term 1, as etcdutl's restore does, and its first election moves it to term 2.
 */
export const RESTORED_TERM = 1;

/** SnapshotRestoreError: the restore flags or the target directory do not allow a restore. */
export class SnapshotRestoreError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SNAPSHOT_RESTORE', false, options);
  }
}

/** RestoreOptions name the member to build, with the flags `capstan store` will be started with. */
export interface RestoreOptions {
  /** name is this member's --name; it must appear in initialCluster. */
  name: string;
  /** initialCluster is --initial-cluster: every member of the new cluster and its peer URLs. */
  initialCluster: Map<string, string[]>;
  /** initialClusterToken is --initial-cluster-token; with the peer URLs it derives the new IDs. */
  initialClusterToken: string;
  /** initialAdvertisePeerUrls is --initial-advertise-peer-urls; it must match this member's URLs in initialCluster. */
  initialAdvertisePeerUrls: string[];
}

/** RestorePlan is everything a restored data directory holds, computed before anything is written. */
export interface RestorePlan {
  memberId: bigint;
  clusterId: bigint;
  members: MemberInfo[];
  /** index is the Raft index the restored state stands at (the snapshot's); the new log starts after it. */
  index: number;
  /** ops are the backend writes: the snapshot's state, the new identity and membership, the Raft state. */
  ops: BatchOp[];
}

function normalUrl(u: string): string {
  return new URL(u).toString().replace(/\/$/, '');
}

/**
 * planRestore turns a snapshot's records into a member of a new cluster, as etcdutl snapshot restore does:
 * the same keys, values, revisions, leases and compaction state; a new membership — member IDs and cluster
 * ID derived from the peer URLs and token exactly as a bootstrapping `capstan store` derives them — in place
 * of the old one; alarms dropped (they name members of the old cluster); and the Raft state of a member that
 * has applied a snapshot at index len(members), term 1, with an empty log after it and the consistent index
 * moved to that index, so every entry of the new cluster is applied.
 */
export function planRestore(records: readonly { key: Buffer; value: Buffer }[], opts: RestoreOptions): RestorePlan {
  const own = opts.initialCluster.get(opts.name);
  if (own === undefined) throw new SnapshotRestoreError(`--initial-cluster has no member named ${JSON.stringify(opts.name)} (--name)`);
  const want = [...own].map(normalUrl).sort().join(',');
  const advertised = opts.initialAdvertisePeerUrls.map(normalUrl).sort().join(',');
  if (want !== advertised) {
    throw new SnapshotRestoreError(`--initial-cluster has ${opts.name}=${own.join(',')} but --initial-advertise-peer-urls is ${opts.initialAdvertisePeerUrls.join(',')}`);
  }
  const members: MemberInfo[] = [...opts.initialCluster].map(([name, urls]) => ({
    id: memberIdFor(urls, opts.initialClusterToken),
    name,
    peerURLs: urls,
    clientURLs: [],
    isLearner: false,
  }));
  if (new Set(members.map((m) => m.id)).size !== members.length) throw new SnapshotRestoreError('--initial-cluster: two members share the same peer URLs');
  const memberId = members.find((m) => m.name === opts.name)!.id;
  const clusterId = clusterIdFor(members.map((m) => m.id));
  const index = members.length;
  const ops: BatchOp[] = [];
  for (const { key, value } of records) {
    switch (key[0]) {
      case Prefix.member:
      case Prefix.alarm:
      case Prefix.raftEntry:
      case Prefix.raftState:
        continue;
      case Prefix.meta:
        // The identity, the applied index and the backend's sync marker belong to the old member.
        if (key.length === 1 || key.equals(metaMemberId) || key.equals(metaClusterId) || key.equals(metaConsistentIndex)) continue;
        break;
      default:
        break;
    }
    ops.push({ type: 'put', key, value });
  }
  ops.push(
    { type: 'put', key: metaMemberId, value: encodeUint64(memberId) },
    { type: 'put', key: metaClusterId, value: encodeUint64(clusterId) },
    { type: 'put', key: metaConsistentIndex, value: encodeUint64(index) },
    ...members.map(memberOp),
    ...RaftLogStore.restoredStateOps(index, RESTORED_TERM, { voters: members.map((m) => m.id), learners: [] }),
  );
  return { memberId, clusterId, members, index, ops };
}

/** isEmptyOrMissing reports whether dir does not exist or holds nothing. */
function isEmptyOrMissing(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/** RESTORE_BATCH_BYTES bounds one backend batch of a restore, so a large snapshot is not one huge write. */
const RESTORE_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * restoreDataDir builds dataDir for one member of a new cluster from a snapshot file's bytes (see
 * planRestore). It refuses a dataDir that exists and is not empty, and a corrupted or truncated snapshot
 * (SnapshotFormatError; with skipHashCheck only a hash mismatch is let through). Everything is checked
 * before the first write. The backend is built in dataDir/member.restoring, synced, closed and only then
 * renamed to dataDir/member, so a restore that fails or is killed half-way never leaves a directory a
 * member would start from (what is left keeps dataDir non-empty, and a new restore refuses it).
 */
export async function restoreDataDir(data: Buffer, opts: RestoreOptions & { dataDir: string; skipHashCheck?: boolean }): Promise<RestorePlan> {
  if (!isEmptyOrMissing(opts.dataDir)) throw new SnapshotRestoreError(`data-dir ${JSON.stringify(opts.dataDir)} not empty or could not be read`);
  const { records } = readSnapshot(data, { skipHashCheck: opts.skipHashCheck === true });
  const plan = planRestore(records, opts);
  const staging = join(opts.dataDir, 'member.restoring');
  mkdirSync(join(staging, 'db'), { recursive: true, mode: 0o700 });
  try {
    const backend = await Backend.open(join(staging, 'db'), systemClock);
    try {
      let batch: BatchOp[] = [];
      let bytes = 0;
      for (const op of plan.ops) {
        batch.push(op);
        bytes += op.key.length + (op.type === 'put' ? op.value.length : 0);
        if (bytes >= RESTORE_BATCH_BYTES) {
          await backend.write(batch, false);
          batch = [];
          bytes = 0;
        }
      }
      // The last batch holds the Raft state and is synced, which makes every earlier batch durable too.
      await backend.write(batch, true);
    } finally {
      await backend.close();
    }
    renameSync(staging, join(opts.dataDir, 'member'));
    const fd = openSync(opts.dataDir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return plan;
}
