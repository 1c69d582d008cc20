/**
 * startSingleMember runs a whole single-member store — its gRPC services and HTTP endpoints on a client URL,
 * as `capstan store` serves them — inside the test process, on the real clock and loopback ports chosen at
 * run time. stop() stops it and removes its data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveStoreConfig, type StoreFlagName } from '../../../src/store/config.js';
import { runStore, type RunningStore } from '../../../src/store/main.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { SeededRandom } from '../../../src/util/random.js';
import { freePorts } from '../../../src/cli/launcher/processes.js';

/** SingleMember is a running member and its client URL. */
export interface SingleMember {
  clientUrl: string;
  store: RunningStore;
  stop(): Promise<void>;
}

/** startSingleMember starts the member with extra etcd flags and resolves once it serves on its client URL. */
export async function startSingleMember(flags: Partial<Record<StoreFlagName, string>> = {}): Promise<SingleMember> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-member-'));
  const [client, peer] = await freePorts(2);
  const peerUrl = `http://127.0.0.1:${String(peer)}`;
  const clientUrl = `http://127.0.0.1:${String(client)}`;
  const cfg = resolveStoreConfig({
    name: 'm1',
    'data-dir': join(dir, 'data'),
    'listen-client-urls': clientUrl,
    'listen-peer-urls': peerUrl,
    'initial-advertise-peer-urls': peerUrl,
    'initial-cluster': `m1=${peerUrl}`,
    ...flags,
  });
  let store: RunningStore;
  try {
    store = await runStore(cfg, { clock: systemClock, random: new SeededRandom(1), log: silentLogger() });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    clientUrl,
    store,
    stop: async () => {
      try {
        await store.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
