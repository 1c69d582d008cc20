import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfState, Entry, HardState, Ready, Snapshot } from '../../src/raft/index.js';
import { Backend, Prefix, prefixRange } from '../../src/store/backend.js';
import { systemClock } from '../../src/util/clock.js';
import { NO_MARK } from '../../src/store/commit-mark.js';
import { RaftLogStore, decodeEntry, decodeSnapshotMeta, encodeEntry, encodeSnapshotMeta, entryKey } from '../../src/store/raft-log-store.js';

// ------------------------------------------------------------------------------------------ fixture

const dirs: string[] = [];
const open: Backend[] = [];

async function openBackend(dir?: string): Promise<{ dir: string; backend: Backend }> {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'capstan-raftlog-'));
  if (dir === undefined) dirs.push(d);
  const backend = await Backend.open(d, systemClock);
  open.push(backend);
  return { dir: d, backend };
}

/** reopen closes the backend and loads the Raft state back from the same directory, as a restart does. */
async function reopen(dir: string, backend: Backend): Promise<{ backend: Backend; store: RaftLogStore }> {
  await backend.close();
  open.splice(open.indexOf(backend), 1);
  const next = await openBackend(dir);
  return { backend: next.backend, store: await RaftLogStore.load(next.backend, NO_MARK) };
}

afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function ents(from: number, to: number, term: number, tag = ''): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) {
    out.push({ index: i, term, type: i % 4 === 0 ? 'EntryConfChange' : 'EntryNormal', data: Buffer.from(`${tag}e${i}t${term}`) });
  }
  return out;
}

function ready(o: { entries?: Entry[]; hardState?: HardState; snapshot?: Snapshot }): Ready {
  const rd: Ready = { readStates: [], entries: o.entries ?? [], committedEntries: [], messages: [], mustSync: true };
  if (o.hardState !== undefined) rd.hardState = o.hardState;
  if (o.snapshot !== undefined) rd.snapshot = o.snapshot;
  return rd;
}

/** persist does what the store's Ready loop does: write the ops (synced), then mirror into memory. */
async function persist(backend: Backend, store: RaftLogStore, rd: Ready): Promise<void> {
  await backend.write(store.persistOps(rd), rd.mustSync);
  store.applyToMemory(rd);
}

/** diskLog lists the entries in the backend as [index, term]. */
async function diskLog(backend: Backend): Promise<[number, number][]> {
  const out: [number, number][] = [];
  const { gte, lt } = prefixRange(Prefix.raftEntry);
  for await (const [k, v] of backend.db.iterator({ gte, lt })) {
    const index = Number(k.readBigUInt64BE(1));
    out.push([index, decodeEntry(index, v).term]);
  }
  return out;
}

/** memLog lists the MemoryStorage log as plain values. */
function memLog(store: RaftLogStore): { index: number; term: number; type: string; data: string }[] {
  const s = store.storage;
  if (s.lastIndex() < s.firstIndex()) return [];
  return s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity).map((e) => ({ index: e.index, term: e.term, type: e.type, data: Buffer.from(e.data).toString() }));
}

const CS: ConfState = { voters: [1n, 2n, 3n], learners: [] };

// ------------------------------------------------------------------------------------------ encoding

describe('raft log store encodings', () => {
  it('entryKey orders entries by index in the raft entry prefix', () => {
    expect(entryKey(1)[0]).toBe(Prefix.raftEntry);
    const keys = [256, 1, 2 ** 40, 255, 2].map(entryKey).sort(Buffer.compare);
    expect(keys.map((k) => Number(k.readBigUInt64BE(1)))).toEqual([1, 2, 255, 256, 2 ** 40]);
  });

  it('encodeEntry and decodeEntry round-trip term, type and data', () => {
    for (const e of [...ents(1, 4, 7), { index: 9, term: 2 ** 40, type: 'EntryNormal' as const, data: new Uint8Array(0) }]) {
      const d = decodeEntry(e.index, encodeEntry(e));
      expect({ ...d, data: Buffer.from(d.data) }).toEqual({ ...e, data: Buffer.from(e.data) });
    }
  });

  it('encodeSnapshotMeta and decodeSnapshotMeta round-trip index, term, voters and learners', () => {
    const cs: ConfState = { voters: [0xffff_ffff_ffff_ffffn, 1n], learners: [42n, 7n] };
    expect(decodeSnapshotMeta(encodeSnapshotMeta(123_456, 9, cs))).toEqual({ index: 123_456, term: 9, confState: cs });
    expect(decodeSnapshotMeta(encodeSnapshotMeta(0, 0, { voters: [], learners: [] }))).toEqual({ index: 0, term: 0, confState: { voters: [], learners: [] } });
  });
});

// ------------------------------------------------------------------------------------------ RaftLogStore

describe('RaftLogStore', () => {
  it('bootstrap records the initial membership; exists reports it; load brings it back', async () => {
    const { dir, backend } = await openBackend();
    expect(await RaftLogStore.exists(backend)).toBe(false);
    await expect(RaftLogStore.load(backend, NO_MARK)).rejects.toThrow('no raft state');
    const store = await RaftLogStore.bootstrap(backend, { voters: [1n, 2n], learners: [3n] });
    expect(await RaftLogStore.exists(backend)).toBe(true);
    expect(store.storage.initialState()).toEqual({ hardState: { term: 0, vote: 0n, commit: 0 }, confState: { voters: [1n, 2n], learners: [3n] } });
    expect([store.storage.firstIndex(), store.storage.lastIndex()]).toEqual([1, 0]);

    const { store: loaded } = await reopen(dir, backend);
    expect(loaded.storage.initialState()).toEqual({ hardState: { term: 0, vote: 0n, commit: 0 }, confState: { voters: [1n, 2n], learners: [3n] } });
    expect([loaded.storage.firstIndex(), loaded.storage.lastIndex()]).toEqual([1, 0]);
    expect(loaded.storage.snapshot().metadata.index).toBe(0);
  });

  it('persists Readys (entries and HardState) so that load returns the same log and HardState', async () => {
    const { dir, backend } = await openBackend();
    const store = await RaftLogStore.bootstrap(backend, CS);
    await persist(backend, store, ready({ entries: ents(1, 3, 1), hardState: { term: 1, vote: 1n, commit: 0 } }));
    await persist(backend, store, ready({ entries: ents(4, 6, 2), hardState: { term: 2, vote: 3n, commit: 4 } }));
    await persist(backend, store, ready({ hardState: { term: 2, vote: 3n, commit: 6 } }));
    const before = memLog(store);
    expect(before.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 2],
      [6, 2],
    ]);
    expect(before[3]!.type).toBe('EntryConfChange');
    expect(await diskLog(backend)).toEqual(before.map((e) => [e.index, e.term]));

    const { store: loaded } = await reopen(dir, backend);
    expect(memLog(loaded)).toEqual(before);
    expect(loaded.storage.initialState()).toEqual({ hardState: { term: 2, vote: 3n, commit: 6 }, confState: CS });
    expect(loaded.storage.term(0)).toBe(0);
    expect(loaded.storage.term(6)).toBe(2);
  });

  it('load takes a commit mark past the HardState on disk as the commit index when the log holds its entry, and leaves any other aside', async () => {
    const { dir, backend } = await openBackend();
    const store = await RaftLogStore.bootstrap(backend, CS);
    const normal = (from: number, to: number, term: number): Entry[] => ents(from, to, term).map((e) => ({ ...e, type: 'EntryNormal' as const }));
    await persist(backend, store, ready({ entries: [...normal(1, 3, 1), ...normal(4, 6, 2)], hardState: { term: 2, vote: 1n, commit: 2 } }));
    await backend.close();
    open.splice(open.indexOf(backend), 1);
    let next = await openBackend(dir);
    const hardState = async (mark: { index: number; term: number }): Promise<{ commit: number; stale: unknown }> => {
      const loaded = await RaftLogStore.load(next.backend, mark);
      return { commit: loaded.storage.initialState().hardState.commit, stale: loaded.staleMark };
    };
    expect(await hardState({ index: 5, term: 2 })).toEqual({ commit: 5, stale: undefined });
    expect(await hardState({ index: 3, term: 1 })).toEqual({ commit: 3, stale: undefined });
    // Behind the HardState: nothing to take, nothing stale.
    expect(await hardState({ index: 1, term: 1 })).toEqual({ commit: 2, stale: undefined });
    // Another log's entry at that index (a mark that outlived its data directory), or one past this log.
    expect(await hardState({ index: 5, term: 1 })).toEqual({ commit: 2, stale: { index: 5, term: 1 } });
    expect(await hardState({ index: 7, term: 2 })).toEqual({ commit: 2, stale: { index: 7, term: 2 } });

    // --force-new-cluster keeps the entries up to the mark, not only those up to the HardState's commit index.
    expect(await RaftLogStore.forceNewCluster(next.backend, 1n, [], { index: 5, term: 2 })).toEqual([2n, 3n]);
    await next.backend.close();
    open.splice(open.indexOf(next.backend), 1);
    next = await openBackend(dir);
    const forced = await RaftLogStore.load(next.backend, NO_MARK);
    expect(memLog(forced).map((e) => [e.index, e.term, e.type])).toEqual([
      [1, 1, 'EntryNormal'],
      [2, 1, 'EntryNormal'],
      [3, 1, 'EntryNormal'],
      [4, 2, 'EntryNormal'],
      [5, 2, 'EntryNormal'],
      [6, 2, 'EntryConfChange'],
      [7, 2, 'EntryConfChange'],
    ]);
    expect(forced.storage.initialState().hardState.commit).toBe(7);
  });

  it('a Ready with only a HardState or nothing writes nothing else', async () => {
    const { backend } = await openBackend();
    const store = await RaftLogStore.bootstrap(backend, CS);
    expect(store.persistOps(ready({}))).toEqual([]);
    expect(store.persistOps(ready({ hardState: { term: 1, vote: 0n, commit: 0 } }))).toHaveLength(1);
  });

  it('replaces a conflicting suffix, deleting the old entries beyond the new last index on disk', async () => {
    const { dir, backend } = await openBackend();
    const store = await RaftLogStore.bootstrap(backend, CS);
    await persist(backend, store, ready({ entries: ents(1, 6, 1), hardState: { term: 1, vote: 1n, commit: 2 } }));
    // A new leader of term 2 overwrites from index 3; its log ends at 4.
    await persist(backend, store, ready({ entries: ents(3, 4, 2, 'new'), hardState: { term: 2, vote: 2n, commit: 2 } }));
    const want: [number, number][] = [
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
    ];
    expect(memLog(store).map((e) => [e.index, e.term])).toEqual(want);
    expect(await diskLog(backend)).toEqual(want);

    // A longer replacement later on needs no deletions and leaves nothing stale either.
    await persist(backend, store, ready({ entries: ents(4, 8, 3, 'again') }));
    expect(await diskLog(backend)).toEqual([...want.slice(0, 3), [4, 3], [5, 3], [6, 3], [7, 3], [8, 3]]);

    const { store: loaded } = await reopen(dir, backend);
    const log = memLog(loaded);
    expect(log.map((e) => [e.index, e.term])).toEqual([...want.slice(0, 3), [4, 3], [5, 3], [6, 3], [7, 3], [8, 3]]);
    expect(log[2]!.data).toBe('newe3t2');
    expect(log[3]!.data).toBe('againe4t3');
    expect(loaded.storage.initialState().hardState).toEqual({ term: 2, vote: 2n, commit: 2 });
  });

  it('snapshotAndCompact records the snapshot and drops entries up to the compact index, in memory and on disk', async () => {
    const { dir, backend } = await openBackend();
    const store = await RaftLogStore.bootstrap(backend, CS);
    await persist(backend, store, ready({ entries: [...ents(1, 5, 1), ...ents(6, 10, 2)], hardState: { term: 2, vote: 1n, commit: 10 } }));
    const cs: ConfState = { voters: [1n, 2n, 3n], learners: [4n, 5n] };
    const ops = store.snapshotAndCompact(8, cs, 5);
    expect(ops.filter((o) => o.type === 'del')).toHaveLength(5);
    await backend.write(ops, true);
    expect(store.storage.snapshot().metadata).toEqual({ index: 8, term: 2, confState: cs });
    expect(store.storage.firstIndex()).toBe(6);
    expect(await diskLog(backend)).toEqual([6, 7, 8, 9, 10].map((i) => [i, 2]));

    const { store: loaded } = await reopen(dir, backend);
    expect(loaded.storage.snapshot().metadata).toEqual({ index: 8, term: 2, confState: cs });
    expect(loaded.storage.initialState()).toEqual({ hardState: { term: 2, vote: 1n, commit: 10 }, confState: cs });
    expect(loaded.storage.lastIndex()).toBe(10);
    expect(loaded.storage.term(8)).toBe(2);
    expect(memLog(loaded).filter((e) => e.index > 8)).toEqual(memLog(store).filter((e) => e.index > 8));
  });

  it('a snapshot whose compact index is below the first index drops nothing', async () => {
    const { backend } = await openBackend();
    const store = await RaftLogStore.bootstrap(backend, CS);
    await persist(backend, store, ready({ entries: ents(1, 4, 1) }));
    const ops = store.snapshotAndCompact(3, CS, 0);
    expect(ops.map((o) => o.type)).toEqual(['put']);
    await backend.write(ops, true);
    expect(store.storage.firstIndex()).toBe(1);
    expect((await diskLog(backend)).length).toBe(4);
  });

  it('persists a snapshot received in a Ready, with its membership, and load starts the log after it', async () => {
    const { dir, backend } = await openBackend();
    const store = await RaftLogStore.bootstrap(backend, CS);
    await persist(backend, store, ready({ entries: ents(1, 2, 1), hardState: { term: 1, vote: 1n, commit: 2 } }));
    const cs: ConfState = { voters: [1n, 2n], learners: [9n] };
    const snapshot: Snapshot = { data: new Uint8Array(0), metadata: { index: 20, term: 3, confState: cs } };
    await persist(backend, store, ready({ snapshot, hardState: { term: 3, vote: 0n, commit: 20 } }));
    await persist(backend, store, ready({ entries: ents(21, 23, 3) }));
    expect(store.storage.firstIndex()).toBe(21);

    const { store: loaded } = await reopen(dir, backend);
    expect(loaded.storage.snapshot().metadata).toEqual({ index: 20, term: 3, confState: cs });
    expect(loaded.storage.initialState()).toEqual({ hardState: { term: 3, vote: 0n, commit: 20 }, confState: cs });
    expect(memLog(loaded)).toEqual(memLog(store));
  });

  it('keeps working after a restart: new entries append and later compactions delete them', async () => {
    const { dir, backend } = await openBackend();
    const store = await RaftLogStore.bootstrap(backend, CS);
    await persist(backend, store, ready({ entries: ents(1, 10, 1), hardState: { term: 1, vote: 1n, commit: 10 } }));
    await backend.write(store.snapshotAndCompact(10, CS, 10), true);
    const { backend: b2, store: loaded } = await reopen(dir, backend);
    await persist(b2, loaded, ready({ entries: ents(11, 20, 2), hardState: { term: 2, vote: 1n, commit: 20 } }));
    await b2.write(loaded.snapshotAndCompact(20, CS, 20), true);
    expect(await diskLog(b2)).toEqual([]);
    const { store: again } = await reopen(dir, b2);
    expect(again.storage.snapshot().metadata.index).toBe(20);
    expect([again.storage.firstIndex(), again.storage.lastIndex()]).toEqual([21, 20]);
  });
});
