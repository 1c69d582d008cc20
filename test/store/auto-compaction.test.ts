/**
 * Revision-mode auto-compaction (`--auto-compaction-mode=revision --auto-compaction-retention=N`), as etcd's
 * revision compactor: every 5 minutes the leader compacts at current revision − N, so the last N revisions
 * stay readable and older ones answer "required revision has been compacted". Driven in process with a
 * ManualClock, so five minutes take no time; the store's Raft loop and LevelDB are real.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CompactedError } from '../../src/store/errors.js';
import type * as pb from '../../src/store/grpc/types.js';
import type { StoreServer } from '../../src/store/server.js';
import { putOp as put, rangeRequest, settle, startInProcessStore } from './helpers/in-process-store.js';

const FIVE_MINUTES = 5 * 60_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function rangeAt(s: StoreServer, revision: number): Promise<pb.RangeResponse> {
  return s.applier.range(rangeRequest('k', { revision: String(revision), serializable: true }));
}

describe('auto-compaction, revision mode', () => {
  it('keeps the last --auto-compaction-retention revisions, compacting every 5 minutes on the leader', async () => {
    const { s, clock, stop } = await startInProcessStore({ 'auto-compaction-mode': 'revision', 'auto-compaction-retention': '5' });
    cleanups.push(stop);
    // The compactor's first look (at a revision too low to compact) starts its 5-minute period.
    clock.advance(1_000);
    // Key k is written at revisions 2..21 with values v1..v20.
    for (let i = 1; i <= 20; i++) await s.propose(put('k', `v${i}`));
    expect(s.kv.currentRev).toBe(21);

    // Not before the period is over. A write afterwards is applied after anything proposed before it, so
    // the compaction index is read once every earlier decision has taken effect.
    clock.advance(FIVE_MINUTES - 2_000);
    await s.propose(put('probe', '1'));
    expect(s.kv.compactMainRev).toBe(-1);
    const current = s.kv.currentRev;

    clock.advance(2_000);
    await settle(() => s.kv.compactMainRev === current - 5, `compaction at ${current - 5}`);
    await expect(rangeAt(s, current - 6)).rejects.toBeInstanceOf(CompactedError);
    expect((await rangeAt(s, current - 5)).kvs[0]?.value.toString()).toBe(`v${current - 6}`);
    expect((await rangeAt(s, 21)).kvs[0]?.value.toString()).toBe('v20');

    // Ten more writes: nothing happens until the next period, then it compacts at the new current − 5.
    for (let i = 21; i <= 30; i++) await s.propose(put('k', `v${i}`));
    clock.advance(FIVE_MINUTES - 2_000);
    await s.propose(put('probe', '2'));
    expect(s.kv.compactMainRev).toBe(current - 5);
    const next = s.kv.currentRev;
    clock.advance(2_000);
    await settle(() => s.kv.compactMainRev === next - 5, `compaction at ${next - 5}`);
  });
});
