/**
 * startInProcessStore runs one single-member StoreServer inside the test process, on a ManualClock, so that
 * tests can drive time (ticks, lease expiry, the compactor) without waiting for it. The Raft loop, LevelDB and
 * the peer listener are real; the client gRPC services are not started (tests call the server directly).
 * Stop it with the returned stop(), which also removes its data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { resolveStoreConfig, type StoreFlagName } from '../../../src/store/config.js';
import type * as pb from '../../../src/store/grpc/types.js';
import { StoreServer } from '../../../src/store/server.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { SeededRandom } from '../../../src/util/random.js';
import { freePorts } from '../../../src/cli/launcher/processes.js';

/** InProcessStore is a running single-member server, its clock and how to stop or restart it. */
export interface InProcessStore {
  s: StoreServer;
  clock: ManualClock;
  dataDir: string;
  /** restart stops the server and starts a new one over the same data directory; s is the new server. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** settle lets the store's Raft loop (setImmediate) and its LevelDB writes run until cond holds (10 s at most). */
export async function settle(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await yieldToIo();
  }
}

/** startInProcessStore starts the member with extra etcd flags and resolves once it leads and has applied its first entry. */
export async function startInProcessStore(flags: Partial<Record<StoreFlagName, string>> = {}): Promise<InProcessStore> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-inproc-'));
  const [peerPort] = await freePorts(1);
  const peerUrl = `http://127.0.0.1:${String(peerPort)}`;
  const dataDir = join(dir, 'data');
  const cfg = resolveStoreConfig({
    name: 'inproc',
    'data-dir': dataDir,
    'listen-peer-urls': peerUrl,
    'initial-advertise-peer-urls': peerUrl,
    'initial-cluster': `inproc=${peerUrl}`,
    ...flags,
  });
  const clock = new ManualClock(1_700_000_000_000);
  const open = async (): Promise<StoreServer> => {
    const server = await StoreServer.start(cfg, { clock, random: new SeededRandom(1), log: silentLogger() });
    try {
      await leads(server, clock);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  };
  let s: StoreServer;
  try {
    s = await open();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const store: InProcessStore = {
    s,
    clock,
    dataDir,
    restart: async () => {
      await store.s.stop();
      store.s = await open();
    },
    stop: async () => {
      await store.s.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return store;
}

/** leads ticks (100 ms) until the single member elects itself and has applied an entry of its term. */
async function leads(s: StoreServer, clock: ManualClock): Promise<void> {
  for (let i = 0; i < 50 && !s.hasLeader(); i++) {
    clock.advance(100);
    for (let k = 0; k < 20 && !s.hasLeader(); k++) await yieldToIo();
  }
  await settle(() => s.hasLeader(), 'a leader');
  // The core knows it leads before the server has handled that Ready; a ReadIndex round completes only
  // after the leader committed and applied an entry of its term, so the server then acts as leader.
  await s.linearizableRead();
}

/** putOp is the Raft request of a plain KV.Put of key = value. */
export function putOp(key: string, value: string): pb.InternalRaftOp {
  return { request: 'put', put: { key: Buffer.from(key), value: Buffer.from(value), lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false } } as pb.InternalRaftOp;
}

/** rangeRequest is a RangeRequest for key with etcd's defaults (a point read at the current revision), then overrides. */
export function rangeRequest(key: string | Buffer, overrides: Partial<pb.RangeRequest> = {}): pb.RangeRequest {
  return {
    key: typeof key === 'string' ? Buffer.from(key) : key,
    rangeEnd: Buffer.alloc(0),
    limit: '0',
    revision: '0',
    sortOrder: 'NONE',
    sortTarget: 'KEY',
    serializable: false,
    keysOnly: false,
    countOnly: false,
    minModRevision: '0',
    maxModRevision: '0',
    minCreateRevision: '0',
    maxCreateRevision: '0',
    ...overrides,
  };
}

/** InProcessCluster is several members in the test process on one ManualClock, talking over loopback. */
export interface InProcessCluster {
  members: StoreServer[];
  clock: ManualClock;
  /** leader returns the member every member agrees leads, if there is one. */
  leader(): StoreServer | undefined;
  stop(): Promise<void>;
}

/**
 * startInProcessCluster starts n members (heartbeat 100 ms, election timeout 1 s) and resolves once one of
 * them leads with every member's agreement. Time passes only as the test advances the clock.
 */
export async function startInProcessCluster(n: number): Promise<InProcessCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-inproc-cluster-'));
  const ports = await freePorts(n);
  const names = ports.map((_, i) => `m${String(i + 1)}`);
  const initial = names.map((name, i) => `${name}=http://127.0.0.1:${String(ports[i])}`).join(',');
  const clock = new ManualClock(1_700_000_000_000);
  const members: StoreServer[] = [];
  const cluster: InProcessCluster = {
    members,
    clock,
    leader: () => {
      const leaders = members.filter((m) => m.isLeader());
      if (leaders.length !== 1) return undefined;
      const id = leaders[0]!.raftStatus().leader;
      return members.every((m) => m.raftStatus().leader === id) ? leaders[0] : undefined;
    },
    stop: async () => {
      // A leader hands leadership over before it stops, which takes clock time: let it pass meanwhile.
      const ticking = setInterval(() => clock.advance(100), 5);
      try {
        for (const m of members) await m.stop();
      } finally {
        clearInterval(ticking);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    for (const [i, name] of names.entries()) {
      const peerUrl = `http://127.0.0.1:${String(ports[i])}`;
      const cfg = resolveStoreConfig({
        name,
        'data-dir': join(dir, name),
        'listen-peer-urls': peerUrl,
        'initial-advertise-peer-urls': peerUrl,
        'initial-cluster': initial,
        'initial-cluster-token': 'inproc-cluster',
      });
      members.push(await StoreServer.start(cfg, { clock, random: new SeededRandom(i + 1), log: silentLogger() }));
    }
    const deadline = Date.now() + 20_000;
    while (cluster.leader() === undefined) {
      if (Date.now() > deadline) throw new Error('no leader within 20 s');
      clock.advance(100);
      for (let k = 0; k < 10; k++) await yieldToIo();
    }
    await cluster.leader()!.linearizableRead();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
