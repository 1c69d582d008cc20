/**
 * Helpers for membership tests: lay out and start a member that joins a running cluster
 * (--initial-cluster-state existing), drive the Cluster API over gRPC, and compare what members hold.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdGrpc, isServiceError } from '../../compat/helpers/grpc.js';
import { freePorts } from '../../../src/cli/launcher/processes.js';
import { createStore, type ControlledStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';

/** PlannedMember is a member to be added: its name, URLs and where it will live. */
export interface PlannedMember {
  name: string;
  endpoint: string;
  address: string;
  peerUrl: string;
  root: string;
}

/** planMembers picks free loopback ports and a temporary directory for n members to add later. */
export async function planMembers(prefix: string, n: number): Promise<PlannedMember[]> {
  const ports = await freePorts(2 * n);
  return Array.from({ length: n }, (_, i) => {
    const root = mkdtempSync(join(tmpdir(), `capstan-${prefix}-${i}-`));
    return {
      name: `${prefix}-${i}`,
      endpoint: `http://127.0.0.1:${ports[2 * i]!}`,
      address: `127.0.0.1:${ports[2 * i]!}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i + 1]!}`,
      root,
    };
  });
}

/**
 * joiningStore builds (without launching) the process of a planned member that joins a running cluster:
 * --initial-cluster lists the current members and itself, --initial-cluster-state is existing.
 */
export function joiningStore(m: PlannedMember, initialCluster: string, flags: readonly string[] = []): ControlledStore {
  const dataDir = join(m.root, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return createStore({
    ...m,
    dataDir,
    logFile: join(m.root, 'store.log'),
    flags: [
      `--name=${m.name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${m.endpoint}`,
      `--advertise-client-urls=${m.endpoint}`,
      `--listen-peer-urls=${m.peerUrl}`,
      `--initial-advertise-peer-urls=${m.peerUrl}`,
      `--initial-cluster=${initialCluster},${m.name}=${m.peerUrl}`,
      '--initial-cluster-state=existing',
      '--heartbeat-interval=100',
      '--election-timeout=1000',
      ...flags,
    ],
  });
}

/** WireMember is etcdserverpb.Member as the compat gRPC helper decodes it. */
export interface WireMember {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** clusterCall calls a Cluster RPC on address. */
export async function clusterCall<T>(address: string, method: 'MemberAdd' | 'MemberRemove' | 'MemberUpdate' | 'MemberPromote' | 'MemberList', req: object): Promise<T> {
  const rpc = new EtcdGrpc(address);
  try {
    return await rpc.unary<T>('Cluster', method, req, 20_000);
  } finally {
    rpc.close();
  }
}

/**
 * promoteWhenReady promotes a learner, retrying while the leader answers that it has not caught up yet
 * ("can only promote a learner member which is in sync with leader"), which is the expected answer at first.
 */
export async function promoteWhenReady(address: string, id: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      try {
        await clusterCall(address, 'MemberPromote', { ID: id });
        return true;
      } catch (err) {
        if (isServiceError(err) && err.details === 'etcdserver: can only promote a learner member which is in sync with leader') {
          return undefined;
        }
        throw err;
      }
    },
    { what: `promotion of learner ${BigInt(id).toString(16)}`, timeoutMs, intervalMs: 100 },
  );
}

/** hashesAt waits until every address has applied revision and returns their HashKV values at it. */
export async function hashesAt(addresses: readonly string[], revision: number): Promise<number[]> {
  return Promise.all(
    addresses.map(async (a) => {
      const rpc = new EtcdGrpc(a);
      try {
        await waitFor(
          async () => {
            const r = await rpc.range({ key: Buffer.from('health'), serializable: true });
            return Number(r.header.revision) >= revision ? true : undefined;
          },
          { what: `${a} to apply revision ${revision}`, timeoutMs: 20_000 },
        );
        return (await rpc.hashKV(revision)).hash;
      } finally {
        rpc.close();
      }
    }),
  );
}

/** readAll returns every key under prefix with its mod revision, read linearizably from address. */
export async function readAll(address: string, prefix: string): Promise<Map<string, number>> {
  const rpc = new EtcdGrpc(address);
  try {
    const end = Buffer.from(prefix);
    end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
    const r = await rpc.range({ key: Buffer.from(prefix), range_end: end });
    return new Map(r.kvs.map((kv) => [kv.key.toString(), Number(kv.mod_revision)]));
  } finally {
    rpc.close();
  }
}

/** missingAcked lists acknowledged keys that are absent or carry another revision than acknowledged. */
export function missingAcked(acked: Map<string, number>, found: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [k, rev] of acked) if (found.get(k) !== rev) out.push(`${k}: acked at ${rev}, found ${String(found.get(k))}`);
  return out;
}
