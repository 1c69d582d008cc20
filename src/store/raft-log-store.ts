import { MemoryStorage, decodeConfChange, encodeConfChange, type ConfState, type Entry, type EntryType, type HardState, type Ready, type Snapshot } from '../raft/index.js';
import type { MarkedEntry } from './commit-mark.js';
import { Backend, Prefix, prefixed, prefixRange, type BatchOp } from './backend.js';

const hardStateKey = prefixed(Prefix.raftState, 'hardstate');
const snapshotKey = prefixed(Prefix.raftState, 'snapshot');

/** entryKey is the backend key of the Raft log entry at index. */
export function entryKey(index: number): Buffer {
  const b = Buffer.allocUnsafe(9);
  b[0] = Prefix.raftEntry;
  b.writeBigUInt64BE(BigInt(index), 1);
  return b;
}

/** encodeEntry lays out an entry as [term:8][type:1][data]. */
export function encodeEntry(e: Entry): Buffer {
  const b = Buffer.allocUnsafe(9 + e.data.length);
  b.writeBigUInt64BE(BigInt(e.term), 0);
  b[8] = e.type === 'EntryConfChange' ? 1 : 0;
  b.set(e.data, 9);
  return b;
}

/** decodeEntry reverses encodeEntry. */
export function decodeEntry(index: number, b: Buffer): Entry {
  const type: EntryType = b[8] === 1 ? 'EntryConfChange' : 'EntryNormal';
  return { index, term: Number(b.readBigUInt64BE(0)), type, data: b.subarray(9) };
}

function encodeHardState(hs: HardState): Buffer {
  const b = Buffer.allocUnsafe(24);
  b.writeBigUInt64BE(BigInt(hs.term), 0);
  b.writeBigUInt64BE(hs.vote, 8);
  b.writeBigUInt64BE(BigInt(hs.commit), 16);
  return b;
}

function decodeHardState(b: Buffer): HardState {
  return { term: Number(b.readBigUInt64BE(0)), vote: b.readBigUInt64BE(8), commit: Number(b.readBigUInt64BE(16)) };
}

/** encodeSnapshotMeta stores a snapshot's index, term and membership (the data is the store itself). */
export function encodeSnapshotMeta(index: number, term: number, cs: ConfState): Buffer {
  const b = Buffer.allocUnsafe(24 + 8 * (cs.voters.length + cs.learners.length));
  b.writeBigUInt64BE(BigInt(index), 0);
  b.writeBigUInt64BE(BigInt(term), 8);
  b.writeUInt32BE(cs.voters.length, 16);
  b.writeUInt32BE(cs.learners.length, 20);
  let off = 24;
  for (const id of [...cs.voters, ...cs.learners]) {
    b.writeBigUInt64BE(id, off);
    off += 8;
  }
  return b;
}

/** decodeSnapshotMeta reverses encodeSnapshotMeta. */
export function decodeSnapshotMeta(b: Buffer): { index: number; term: number; confState: ConfState } {
  const nv = b.readUInt32BE(16);
  const nl = b.readUInt32BE(20);
  const ids: bigint[] = [];
  for (let i = 0; i < nv + nl; i++) ids.push(b.readBigUInt64BE(24 + 8 * i));
  return {
    index: Number(b.readBigUInt64BE(0)),
    term: Number(b.readBigUInt64BE(8)),
    confState: { voters: ids.slice(0, nv), learners: ids.slice(nv) },
  };
}

/**
 * RaftLogStore is a member's durable Raft state — log entries, HardState, snapshot metadata — in the backend
 * (the role of etcd's WAL and snap directory), with a MemoryStorage in front that the core reads.
 */
export class RaftLogStore {
  readonly storage: MemoryStorage;
  /** diskFirstIndex and diskLastIndex bound the entries written to the backend and not yet deleted. */
  private diskFirstIndex: number;
  private diskLastIndex: number;

  /**
   * staleMark is the commit mark load left aside: past the commit index, it names an entry this log does not
   * hold (a mark that outlived its data directory, or a log that lost entries).
   */
  readonly staleMark: MarkedEntry | undefined;

  private constructor(storage: MemoryStorage, staleMark?: MarkedEntry) {
    this.storage = storage;
    this.staleMark = staleMark;
    this.diskFirstIndex = storage.firstIndex();
    this.diskLastIndex = storage.lastIndex();
  }

  /** exists reports whether the backend holds Raft state (a member that ran before). */
  static async exists(backend: Backend): Promise<boolean> {
    return (await backend.get(snapshotKey)) !== undefined;
  }

  /** bootstrap writes the initial membership of a new member (as a snapshot at index 0) and returns the store. */
  static async bootstrap(backend: Backend, confState: ConfState): Promise<RaftLogStore> {
    await backend.write([{ type: 'put', key: snapshotKey, value: encodeSnapshotMeta(0, 0, confState) }], true);
    return new RaftLogStore(new MemoryStorage(confState.voters, confState.learners));
  }

  /**
   * restoredStateOps are the Raft writes of a member restored from a backup (etcdutl snapshot restore): a
   * snapshot at index/term with the new membership, an empty log after it, and a HardState that has
   * committed it and voted for nobody. A member started on them loads as one that applied that snapshot.
   */
  static restoredStateOps(index: number, term: number, confState: ConfState): BatchOp[] {
    return [
      { type: 'put', key: snapshotKey, value: encodeSnapshotMeta(index, term, confState) },
      { type: 'put', key: hardStateKey, value: encodeHardState({ term, vote: 0n, commit: index }) },
    ];
  }

  /**
   * forceNewCluster rewrites a member's Raft state so that it restarts as the only voter of its cluster
   * (etcd's --force-new-cluster): entries after the commit index are dropped, and committed
   * ConfChangeRemoveNode entries are appended for every other member the snapshot, the log or others names,
   * so the data, the cluster ID and the member ID stay and only the membership changes — through the log,
   * as any change would, so every later member learns it the usual way. mark is the member's commit mark (see
   * load). It returns the IDs it removes.
   */
  static async forceNewCluster(backend: Backend, self: bigint, others: Iterable<bigint>, mark: MarkedEntry): Promise<bigint[]> {
    const store = await RaftLogStore.load(backend, mark);
    const st = store.storage;
    const { hardState, confState } = st.initialState();
    const ids = new Set<bigint>([...confState.voters, ...confState.learners, ...others]);
    const ops: BatchOp[] = [];
    for (let i = st.firstIndex(); i <= st.lastIndex(); i++) {
      if (i > hardState.commit) {
        ops.push({ type: 'del', key: entryKey(i) });
        continue;
      }
      const e = st.entries(i, i + 1, Number.MAX_SAFE_INTEGER)[0]!;
      if (e.type === 'EntryConfChange') ids.add(decodeConfChange(e.data).nodeId);
    }
    ids.delete(self);
    const removed = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let index = hardState.commit;
    for (const id of removed) {
      index++;
      const data = encodeConfChange({ type: 'ConfChangeRemoveNode', nodeId: id, context: new Uint8Array(0) });
      ops.push({ type: 'put', key: entryKey(index), value: encodeEntry({ term: hardState.term, index, type: 'EntryConfChange', data }) });
    }
    ops.push({ type: 'put', key: hardStateKey, value: encodeHardState({ ...hardState, commit: index }) });
    await backend.write(ops, true);
    return removed;
  }

  /**
   * load reads everything back after a restart. mark is the member's commit mark (commit-mark.ts), an entry
   * known committed that may be past the HardState's commit index in the backend: the commit index becomes the
   * mark's index when the log holds an entry of the mark's index and term; a mark it does not hold is left
   * aside and reported as staleMark.
   */
  static async load(backend: Backend, mark: MarkedEntry): Promise<RaftLogStore> {
    const snapBytes = await backend.get(snapshotKey);
    if (snapBytes === undefined) throw new Error('raft log store: no raft state in the backend');
    const meta = decodeSnapshotMeta(snapBytes);
    const storage = new MemoryStorage(meta.confState.voters, meta.confState.learners);
    if (meta.index > 0) storage.applySnapshot({ data: new Uint8Array(0), metadata: meta });
    const hs = await backend.get(hardStateKey);
    if (hs !== undefined) storage.setHardState(decodeHardState(hs));
    const ents: Entry[] = [];
    const covered: Buffer[] = [];
    const { gte, lt } = prefixRange(Prefix.raftEntry);
    for await (const [k, v] of backend.db.iterator({ gte, lt })) {
      const index = Number(k.readBigUInt64BE(1));
      if (index <= meta.index) {
        // The snapshot covers it (the tail a snapshot keeps for slow followers does not outlive a restart).
        covered.push(k);
        continue;
      }
      ents.push(decodeEntry(index, v));
    }
    if (covered.length > 0) await backend.write(covered.map((key) => ({ type: 'del' as const, key })), false);
    storage.append(ents);
    const { hardState } = storage.initialState();
    if (mark.index <= hardState.commit) return new RaftLogStore(storage);
    const inLog = mark.index >= storage.firstIndex() && mark.index <= storage.lastIndex();
    if (inLog && storage.term(mark.index) === mark.term) {
      storage.setHardState({ ...hardState, commit: mark.index });
      return new RaftLogStore(storage);
    }
    return new RaftLogStore(storage, mark);
  }

  /**
   * persistOps are the backend writes that make a Ready's snapshot, HardState and entries durable, including
   * deleting a suffix the new entries replace.
   */
  persistOps(rd: Ready): BatchOp[] {
    const ops: BatchOp[] = [];
    if (rd.snapshot !== undefined) {
      const m = rd.snapshot.metadata;
      ops.push({ type: 'put', key: snapshotKey, value: encodeSnapshotMeta(m.index, m.term, m.confState) });
      // The snapshot replaces the whole log: no old entry may come back after a restart.
      for (let i = this.diskFirstIndex; i <= this.diskLastIndex; i++) ops.push({ type: 'del', key: entryKey(i) });
      this.diskFirstIndex = m.index + 1;
      this.diskLastIndex = m.index;
    }
    if (rd.hardState !== undefined) ops.push({ type: 'put', key: hardStateKey, value: encodeHardState(rd.hardState) });
    if (rd.entries.length > 0) {
      for (const e of rd.entries) ops.push({ type: 'put', key: entryKey(e.index), value: encodeEntry(e) });
      const last = rd.entries[rd.entries.length - 1]!.index;
      for (let i = last + 1; i <= this.diskLastIndex; i++) ops.push({ type: 'del', key: entryKey(i) });
      this.diskLastIndex = last;
    }
    return ops;
  }

  /** applyToMemory mirrors a persisted Ready into the MemoryStorage the core reads. */
  applyToMemory(rd: Ready): void {
    if (rd.snapshot !== undefined) this.storage.applySnapshot(rd.snapshot);
    if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
    this.storage.append(rd.entries);
  }

  /**
   * snapshotAndCompact records a snapshot at index (the store's applied state there, held in the backend
   * itself) and drops log entries up to compactIndex, keeping a tail for slow followers. The caller must have
   * queued the store's writes through index before these ops (one ordered stream makes them durable first).
   */
  snapshotAndCompact(index: number, confState: ConfState, compactIndex: number): BatchOp[] {
    const snap: Snapshot = this.storage.createSnapshot(index, confState, new Uint8Array(0));
    const ops: BatchOp[] = [{ type: 'put', key: snapshotKey, value: encodeSnapshotMeta(index, snap.metadata.term, confState) }];
    if (compactIndex >= this.storage.firstIndex()) this.storage.compact(compactIndex);
    for (let i = this.diskFirstIndex; i <= compactIndex; i++) ops.push({ type: 'del', key: entryKey(i) });
    this.diskFirstIndex = Math.max(this.diskFirstIndex, compactIndex + 1);
    return ops;
  }
}
