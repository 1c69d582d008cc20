/**
 * Durability across a crash: every put the store acknowledged is still there, with the revision its
 * response header named, after kill -9 and a restart on the same data directory. A store may only answer
 * a write once the entry is synced to disk (etcd: WAL fsync before the response), so nothing acknowledged
 * can be lost, and revisions stay one per write with no gap.
 *
 * --snapshot-count=2000 makes the 10,000 writes cross several snapshots, so recovery goes through
 * snapshot + log replay rather than the log alone.
 */
import { expect, it } from 'vitest';
import { EtcdGrpc, isServiceError } from '../compat/helpers/grpc.js';
import { useStore, type Store } from '../compat/helpers/store.js';
import { describeCompat } from '../compat/helpers/tools.js';

interface Burst {
  /** acked maps each acknowledged key to the revision in its put response header. */
  acked: Map<string, number>;
  /** failures counts puts that got an error (only expected once the store is killed). */
  failures: number;
  firstError: unknown;
}

/**
 * writeKeys puts `${prefix}${i}` = `v${i}` for i < count with `concurrency` puts in flight, recording
 * each acknowledgement. A failed put is not retried (a retry could apply twice); its worker stops.
 * onAck runs after each acknowledgement with the number acknowledged so far.
 */
async function writeKeys(rpc: EtcdGrpc, prefix: string, count: number, concurrency: number, onAck: (n: number) => void = () => undefined): Promise<Burst> {
  const burst: Burst = { acked: new Map(), failures: 0, firstError: undefined };
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const i = next++;
      const key = `${prefix}${String(i).padStart(5, '0')}`;
      try {
        const r = await rpc.put({ key: Buffer.from(key), value: Buffer.from(`v${i}`) });
        burst.acked.set(key, Number(r.header.revision));
        onAck(burst.acked.size);
      } catch (err) {
        burst.failures++;
        burst.firstError ??= err;
        return;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return burst;
}

/** readPrefix returns every key under prefix with its value and revisions, and the header revision. */
async function readPrefix(rpc: EtcdGrpc, prefix: string): Promise<{ revision: number; kvs: Map<string, { value: string; mod: number; create: number; version: number }> }> {
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  const r = await rpc.range({ key: Buffer.from(prefix), range_end: end });
  expect(r.more).toBe(false);
  const kvs = new Map<string, { value: string; mod: number; create: number; version: number }>();
  for (const kv of r.kvs) {
    kvs.set(kv.key.toString(), { value: kv.value.toString(), mod: Number(kv.mod_revision), create: Number(kv.create_revision), version: Number(kv.version) });
  }
  return { revision: Number(r.header.revision), kvs };
}

/** expectAcknowledgedSurvived checks each acknowledged key against what the restarted store holds. */
function expectAcknowledgedSurvived(burst: Burst, found: Map<string, { value: string; mod: number; create: number; version: number }>): void {
  const lost: string[] = [];
  const wrong: string[] = [];
  for (const [key, rev] of burst.acked) {
    const kv = found.get(key);
    if (kv === undefined) lost.push(key);
    else if (kv.mod !== rev || kv.create !== rev || kv.version !== 1 || kv.value !== `v${Number(key.slice(-5))}`) wrong.push(`${key}: acked rev ${rev}, found ${JSON.stringify(kv)}`);
  }
  expect(lost.slice(0, 20), `${lost.length} acknowledged keys lost`).toEqual([]);
  expect(wrong.slice(0, 20), `${wrong.length} acknowledged keys changed`).toEqual([]);
}

describeCompat('store restart after kill -9', ['store'], () => {
  const store = useStore({ name: 'restart', flags: ['--snapshot-count=2000'] });

  async function withClient<T>(s: Store, fn: (rpc: EtcdGrpc) => Promise<T>): Promise<T> {
    const rpc = new EtcdGrpc(s.address);
    try {
      return await fn(rpc);
    } finally {
      rpc.close();
    }
  }

  it('10,000 concurrent acknowledged puts all survive kill -9 and restart with their mod revisions', async () => {
    const s = store();
    const base = await withClient(s, async (rpc) => Number((await rpc.range({ key: Buffer.from('restart-probe') })).header.revision));
    const burst = await withClient(s, (rpc) => writeKeys(rpc, 'restart/', 10_000, 128));
    expect(burst.failures, `first error: ${String(burst.firstError)}`).toBe(0);
    expect(burst.acked.size).toBe(10_000);
    // one revision per put, none shared, none skipped
    const revs = [...burst.acked.values()].sort((a, b) => a - b);
    expect(new Set(revs).size).toBe(10_000);
    expect(revs[0]).toBe(base + 1);
    expect(revs[revs.length - 1]).toBe(base + 10_000);

    const pidBefore = s.pid;
    await s.kill9();
    expect(s.running).toBe(false);
    await s.restart();
    expect(s.pid).not.toBe(pidBefore);

    await withClient(s, async (rpc) => {
      const after = await readPrefix(rpc, 'restart/');
      expect(after.kvs.size).toBe(10_000);
      expectAcknowledgedSurvived(burst, after.kvs);
      expect(after.revision).toBe(base + 10_000);
      const next = await rpc.set('restart-after/k', 'v');
      expect(Number(next.header.revision)).toBe(base + 10_001);
    });
  });

  it('kill -9 in the middle of a write burst loses no acknowledged put and leaves no gap in revisions', async () => {
    const s = store();
    const base = await withClient(s, async (rpc) => Number((await rpc.range({ key: Buffer.from('burst-probe') })).header.revision));
    let killed: Promise<void> | undefined;
    const burst = await withClient(s, (rpc) =>
      writeKeys(rpc, 'burst/', 5_000, 64, (n) => {
        if (n === 1_500) killed = s.kill9();
      }),
    );
    expect(killed, 'the burst ended before 1,500 acknowledgements').toBeDefined();
    await killed;
    expect(burst.acked.size).toBeGreaterThanOrEqual(1_500);
    expect(burst.acked.size).toBeLessThan(5_000);
    expect(isServiceError(burst.firstError), `first error: ${String(burst.firstError)}`).toBe(true);

    await s.restart();
    await withClient(s, async (rpc) => {
      const after = await readPrefix(rpc, 'burst/');
      expectAcknowledgedSurvived(burst, after.kvs);
      // writes committed but not acknowledged may survive too; either way revisions run base+1.. without a hole
      expect(after.kvs.size).toBeGreaterThanOrEqual(burst.acked.size);
      const revs = [...after.kvs.values()].map((kv) => kv.mod).sort((a, b) => a - b);
      expect(new Set(revs).size).toBe(revs.length);
      expect(revs[0]).toBe(base + 1);
      expect(revs[revs.length - 1]).toBe(base + after.kvs.size);
      expect(after.revision).toBe(base + after.kvs.size);
    });
  });
});
