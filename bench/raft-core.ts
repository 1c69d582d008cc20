/**
 * raft-core is a throughput and latency benchmark of the Raft core alone: three RawNodes in one process,
 * each over a MemoryStorage (nothing is fsynced), exchanging messages through in-memory queues (nothing is
 * serialized). It measures how many entries per second the leader can commit and apply, and the latency
 * from propose() to the entry being applied on the leader. It is an upper bound for the store, which adds
 * the LevelDB write, the fsync and the wire.
 *
 * Run: npm run bench:raft [-- --duration-ms 3000 --max-entries 2000000 --batch 64 --window 4 --sizes 128,1024]
 * See bench/README.md.
 */
import { parseArgs } from 'node:util';
import { MemoryStorage, RawNode, type Message, type Ready } from '../src/raft/index.js';
import { SeededRandom } from '../src/util/random.js';

/** BenchOptions bounds one run: it stops at whichever of duration or entry count comes first. */
interface BenchOptions {
  payloadBytes: number;
  /** batch is the number of entries proposed together between two Readys. */
  batch: number;
  /** window is the number of batches in flight (proposed, not yet applied on the leader). */
  window: number;
  durationMs: number;
  maxEntries: number;
}

/** BenchResult is what one run measured. */
interface BenchResult {
  entries: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Member is one RawNode with its storage and its inbox on the in-memory network. */
interface Member {
  id: bigint;
  rawNode: RawNode;
  storage: MemoryStorage;
  inbox: Message[];
  applied: number;
}

const ids = [1n, 2n, 3n];
/** compactEvery keeps memory flat on long runs: every so many applied entries, the log is compacted. */
const compactEvery = 50_000;

function newCluster(): Map<bigint, Member> {
  const members = new Map<bigint, Member>();
  for (const id of ids) {
    const storage = new MemoryStorage(ids);
    const rawNode = new RawNode({
      id,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      random: new SeededRandom(Number(id)),
      checkQuorum: true,
      preVote: true,
    });
    members.set(id, { id, rawNode, storage, inbox: [], applied: 0 });
  }
  return members;
}

/** handleReady is the contract's caller loop: persist, send, apply, advance. onApply sees committed entries. */
function handleReady(m: Member, members: Map<bigint, Member>, onApply: (rd: Ready) => void): void {
  const rd = m.rawNode.ready();
  if (rd.snapshot !== undefined && rd.snapshot.metadata.index > 0) m.storage.applySnapshot(rd.snapshot);
  if (rd.hardState !== undefined) m.storage.setHardState(rd.hardState);
  if (rd.entries.length > 0) m.storage.append(rd.entries);
  for (const msg of rd.messages) members.get(msg.to)?.inbox.push(msg);
  if (rd.committedEntries.length > 0) {
    onApply(rd);
    const last = rd.committedEntries[rd.committedEntries.length - 1]!.index;
    if (Math.floor(last / compactEvery) > Math.floor(m.applied / compactEvery)) {
      // Keep a tail so that a follower a little behind is still served from the log.
      const keep = Math.max(0, last - 10_000);
      if (keep > m.storage.firstIndex()) m.storage.compact(keep);
    }
    m.applied = last;
  }
  m.rawNode.advance(rd);
}

/** pump delivers every queued message and handles every pending Ready once; it reports whether it did anything. */
function pump(members: Map<bigint, Member>, onLeaderApply: (rd: Ready) => void, leader: bigint): boolean {
  let busy = false;
  for (const m of members.values()) {
    if (m.inbox.length === 0) continue;
    busy = true;
    const inbox = m.inbox;
    m.inbox = [];
    for (const msg of inbox) m.rawNode.step(msg);
  }
  for (const m of members.values()) {
    if (!m.rawNode.hasReady()) continue;
    busy = true;
    handleReady(m, members, m.id === leader ? onLeaderApply : () => {});
  }
  return busy;
}

function elect(members: Map<bigint, Member>): bigint {
  const first = members.get(1n)!;
  first.rawNode.campaign();
  for (let i = 0; i < 100 && pump(members, () => {}, 1n); i++);
  if (!first.rawNode.isLeader()) throw new Error('bench: member 1 did not become leader');
  return 1n;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** run proposes batches of tagged payloads, keeping `window` batches in flight, until a bound is reached. */
function run(opts: BenchOptions): BenchResult {
  const members = newCluster();
  const leaderId = elect(members);
  const leader = members.get(leaderId)!.rawNode;

  const maxBatches = Math.ceil(opts.maxEntries / opts.batch);
  const proposedAt = new Float64Array(maxBatches);
  const latencies = new Float64Array(maxBatches * opts.batch);
  let latencyCount = 0;
  let proposed = 0; // batches
  let appliedEntries = 0;
  let appliedBatches = 0;
  // Payloads carry their batch number in the first 4 bytes, so the leader knows when each was proposed.
  const template = new Uint8Array(opts.payloadBytes).fill(0x61);

  const onLeaderApply = (rd: Ready): void => {
    const now = performance.now();
    for (const e of rd.committedEntries) {
      if (e.type !== 'EntryNormal' || e.data.byteLength < 4) continue; // the leader's no-op
      const batch = new DataView(e.data.buffer, e.data.byteOffset, 4).getUint32(0);
      latencies[latencyCount++] = now - proposedAt[batch]!;
      appliedEntries++;
      if (appliedEntries % opts.batch === 0) appliedBatches++;
    }
  };

  const start = performance.now();
  const deadline = start + opts.durationMs;
  let iterations = 0;
  while (appliedEntries < maxBatches * opts.batch) {
    // Check the clock every few rounds only; performance.now() is not free at this rate.
    if ((iterations++ & 15) === 0 && performance.now() > deadline) break;
    while (proposed < maxBatches && proposed - appliedBatches < opts.window) {
      const datas: Uint8Array[] = new Array<Uint8Array>(opts.batch);
      for (let i = 0; i < opts.batch; i++) {
        const d = template.slice();
        new DataView(d.buffer).setUint32(0, proposed);
        datas[i] = d;
      }
      proposedAt[proposed] = performance.now();
      leader.proposeBatch(datas);
      proposed++;
    }
    if (!pump(members, onLeaderApply, leaderId) && proposed >= maxBatches) break;
  }
  const seconds = (performance.now() - start) / 1000;
  // Outside the timed part: let the followers catch up and check that everyone applied the same log.
  for (let i = 0; i < 10_000 && pump(members, () => {}, leaderId); i++);
  const applied = [...members.values()].map((m) => m.applied);
  if (applied.some((a) => a !== applied[0])) throw new Error(`bench: members applied different prefixes: ${applied.join(', ')}`);
  if (appliedEntries !== latencyCount) throw new Error('bench: lost track of an entry');
  const sorted = latencies.slice(0, latencyCount).sort();
  return { entries: appliedEntries, seconds, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted[sorted.length - 1] ?? Number.NaN };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      'duration-ms': { type: 'string', default: '3000' },
      'max-entries': { type: 'string', default: '2000000' },
      batch: { type: 'string', default: '64' },
      window: { type: 'string', default: '4' },
      sizes: { type: 'string', default: '128,1024' },
    },
  });
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`--${name}: want a positive integer, got ${v}`);
    return n;
  };
  const durationMs = num('duration-ms', values['duration-ms']);
  const maxEntries = num('max-entries', values['max-entries']);
  const batch = num('batch', values.batch);
  const window = num('window', values.window);
  const sizes = (values.sizes ?? '').split(',').map((s) => num('sizes', s));
  for (const s of sizes) if (s < 4) throw new RangeError('--sizes: payloads must be at least 4 bytes (they carry a batch tag)');

  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  out(`raft-core: 3 members in one process, MemoryStorage (no fsync), in-memory network (no serialization); node ${process.version}`);
  out(`bounds: ${durationMs} ms or ${maxEntries} entries per size, whichever comes first; batch ${batch} entries, ${window} batches in flight`);
  out('');
  out(['payload', 'entries', 'seconds', 'entries/s', 'MiB/s', 'p50 ms', 'p99 ms', 'max ms'].map((h) => h.padStart(11)).join(''));
  for (const payloadBytes of sizes) {
    // A short warm-up run lets the JIT settle so the measured run is steady-state.
    run({ payloadBytes, batch, window, durationMs: Math.min(500, durationMs), maxEntries: Math.min(100_000, maxEntries) });
    const r = run({ payloadBytes, batch, window, durationMs, maxEntries });
    const rate = r.entries / r.seconds;
    const label = payloadBytes % 1024 === 0 ? `${payloadBytes / 1024} KiB` : `${payloadBytes} B`;
    out(
      [
        label,
        String(r.entries),
        r.seconds.toFixed(2),
        Math.round(rate).toLocaleString('en-US'),
        ((rate * payloadBytes) / (1024 * 1024)).toFixed(1),
        r.p50Ms.toFixed(3),
        r.p99Ms.toFixed(3),
        r.maxMs.toFixed(3),
      ]
        .map((c) => c.padStart(11))
        .join(''),
    );
  }
}

main();
