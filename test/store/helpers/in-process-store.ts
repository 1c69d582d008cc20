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
import { freePorts } from '../../compat/helpers/ports.js';

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
