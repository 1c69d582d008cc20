/**
 * Revision-mode auto-compaction (`--auto-compaction-mode=revision --auto-compaction-retention=N`), as etcd's
 * revision compactor: every 5 minutes the leader compacts at current revision − N, so the last N revisions
 * stay readable and older ones answer "required revision has been compacted". Driven in process with a
 * ManualClock, so five minutes take no time; the store's Raft loop and LevelDB are real.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveStoreConfig } from '../../src/store/config.js';
import { CompactedError } from '../../src/store/errors.js';
import type * as pb from '../../src/store/grpc/types.js';
import { StoreServer } from '../../src/store/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { SeededRandom } from '../../src/util/random.js';
import { freePorts } from '../compat/helpers/ports.js';

const FIVE_MINUTES = 5 * 60_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** settle lets the store's Raft loop (setImmediate) and its LevelDB writes run until cond holds. */
async function settle(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await yieldToIo();
  }
}

async function startStore(flags: Record<string, string>): Promise<{ s: StoreServer; clock: ManualClock }> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-autocompact-'));
  const [peerPort] = await freePorts(1);
  const peerUrl = `http://127.0.0.1:${String(peerPort)}`;
  const cfg = resolveStoreConfig({
    name: 'ac',
    'data-dir': join(dir, 'data'),
    'listen-peer-urls': peerUrl,
    'initial-advertise-peer-urls': peerUrl,
    'initial-cluster': `ac=${peerUrl}`,
    ...flags,
  });
  const clock = new ManualClock(1_700_000_000_000);
  const s = await StoreServer.start(cfg, { clock, random: new SeededRandom(1), log: silentLogger() });
  cleanups.push(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // Tick (100 ms) until the single member elects itself.
  for (let i = 0; i < 50 && !s.hasLeader(); i++) {
    clock.advance(100);
    for (let k = 0; k < 20 && !s.hasLeader(); k++) await yieldToIo();
  }
  await settle(() => s.hasLeader(), 'a leader');
  return { s, clock };
}

function put(key: string, value: string): pb.InternalRaftOp {
  return { request: 'put', put: { key: Buffer.from(key), value: Buffer.from(value), lease: '0', prevKv: false, ignoreValue: false, ignoreLease: false } } as pb.InternalRaftOp;
}

function rangeAt(s: StoreServer, revision: number): Promise<pb.RangeResponse> {
  return s.applier.range({
    key: Buffer.from('k'),
    rangeEnd: Buffer.alloc(0),
    limit: '0',
    revision: String(revision),
    sortOrder: 'NONE',
    sortTarget: 'KEY',
    serializable: true,
    keysOnly: false,
    countOnly: false,
    minModRevision: '0',
    maxModRevision: '0',
    minCreateRevision: '0',
    maxCreateRevision: '0',
  } as pb.RangeRequest);
}

describe('auto-compaction, revision mode', () => {
  it('keeps the last --auto-compaction-retention revisions, compacting every 5 minutes on the leader', async () => {
    const { s, clock } = await startStore({ 'auto-compaction-mode': 'revision', 'auto-compaction-retention': '5' });
    // The compactor's first look (at a revision too low to compact) starts its 5-minute period.
    clock.advance(1_000);
    for (let i = 1; i <= 20; i++) await s.propose(put('k', `v${i}`));
    const current = s.kv.currentRev;
    expect(current).toBeGreaterThanOrEqual(21);
    expect(s.kv.compactMainRev).toBe(-1);

    // Not before the period is over.
    clock.advance(FIVE_MINUTES - 2_000);
    for (let i = 0; i < 50; i++) await yieldToIo();
    expect(s.kv.compactMainRev).toBe(-1);

    clock.advance(2_000);
    await settle(() => s.kv.compactMainRev === current - 5, `compaction at ${current - 5}`);
    await expect(rangeAt(s, current - 6)).rejects.toBeInstanceOf(CompactedError);
    expect((await rangeAt(s, current - 5)).kvs[0]?.value.toString()).toBe(`v${current - 6}`);
    expect((await rangeAt(s, current)).kvs[0]?.value.toString()).toBe('v20');

    // Ten more writes: nothing happens until the next period, then it compacts at the new current − 5.
    for (let i = 21; i <= 30; i++) await s.propose(put('k', `v${i}`));
    clock.advance(FIVE_MINUTES - 2_000);
    for (let i = 0; i < 50; i++) await yieldToIo();
    expect(s.kv.compactMainRev).toBe(current - 5);
    clock.advance(2_000);
    await settle(() => s.kv.compactMainRev === current + 5, `compaction at ${current + 5}`);
  });
});
