/**
 * Replication across processes: a cluster of real store processes (3 members unless
 * CAPSTAN_REPLICATION_MEMBERS says 5 or 7) started with etcd's flags, driven through the etcd v3 gRPC
 * API, with faults injected by PID: kill -9, SIGTERM, SIGSTOP/SIGCONT.
 *
 * What is asserted is what a client may rely on (etcd's guarantees, Raft thesis §6): an acknowledged
 * write is committed, so it survives any minority failure and a crash of every member; a linearizable
 * read on any member sees every write acknowledged before it started; revisions are one per write,
 * never reused, never skipped; members that apply the same log have the same MVCC hash (etcd's
 * corruption check compares HashKV the same way); a watcher sees each event once, in revision order.
 * A write that failed or timed out is "unknown" (it may or may not have been committed), so nothing is
 * asserted about it either way, except that it cannot leave a hole in the revisions.
 *
 * Every wait polls with a deadline. The one timed pause is the fault itself: the SIGSTOP of a follower
 * lasts three election timeouts.
 */
import { performance } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { useClusters, type Cluster, type ClusterMember, type ClusterSize } from '../compat/helpers/cluster.js';
import { isServiceError, type BidiStream, type EtcdGrpc, type PutResponse, type RangeResponse, type WatchRequest, type WatchResponse } from '../compat/helpers/grpc.js';
import { describeCompat } from '../compat/helpers/tools.js';
import { DeadlineError, waitFor, withDeadline } from '../compat/helpers/wait.js';

const ELECTION_TIMEOUT_MS = 1_000;

function clusterSize(): ClusterSize {
  const v = process.env['CAPSTAN_REPLICATION_MEMBERS'];
  if (v === undefined || v === '') return 3;
  if (v === '3' || v === '5' || v === '7') return Number(v) as ClusterSize;
  throw new Error(`CAPSTAN_REPLICATION_MEMBERS must be 3, 5 or 7, got ${JSON.stringify(v)}`);
}

const SIZE = clusterSize();

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** prefixEnd is the range_end that selects every key starting with prefix. */
function prefixEnd(prefix: string): Buffer {
  const end = b(prefix);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  return end;
}

/** Ack is one acknowledged put: the revision is the one its response header named. */
interface Ack {
  key: string;
  value: string;
  revision: number;
  member: string;
  /** startedAt and ackedAt are performance.now() readings. */
  startedAt: number;
  ackedAt: number;
}

/** Stored is a key as a Range returned it. */
interface Stored {
  value: string;
  mod: number;
  create: number;
  version: number;
}

/** withClient runs fn with a channel to member and closes it afterwards. */
async function withClient<T>(member: ClusterMember, fn: (rpc: EtcdGrpc) => Promise<T>): Promise<T> {
  const rpc = member.client();
  try {
    return await fn(rpc);
  } finally {
    rpc.close();
  }
}

/** readPrefix is a linearizable (unless serializable) Range of every key under prefix on member. */
async function readPrefix(member: ClusterMember, prefix: string, serializable = false): Promise<{ revision: number; kvs: Map<string, Stored> }> {
  return withClient(member, async (rpc) => {
    const r = await rpc.unary<RangeResponse>('KV', 'Range', { key: b(prefix), range_end: prefixEnd(prefix), serializable }, 20_000);
    expect(r.more).toBe(false);
    const kvs = new Map<string, Stored>();
    for (const kv of r.kvs) {
      kvs.set(kv.key.toString(), { value: kv.value.toString(), mod: Number(kv.mod_revision), create: Number(kv.create_revision), version: Number(kv.version) });
    }
    return { revision: Number(r.header.revision), kvs };
  });
}

/** currentRevision is the store revision a linearizable Range on member reports. */
async function currentRevision(member: ClusterMember): Promise<number> {
  return withClient(member, async (rpc) => Number((await rpc.range({ key: b('health') })).header.revision));
}

/** expectAcknowledgedPresent checks every acknowledged put against what a read returned. */
function expectAcknowledgedPresent(acks: readonly Ack[], kvs: Map<string, Stored>): void {
  const lost: string[] = [];
  const wrong: string[] = [];
  for (const a of acks) {
    const kv = kvs.get(a.key);
    if (kv === undefined) lost.push(`${a.key} (rev ${a.revision} via ${a.member})`);
    else if (kv.value !== a.value || kv.mod !== a.revision || kv.create !== a.revision || kv.version !== 1) {
      wrong.push(`${a.key}: acknowledged ${a.value}@${a.revision}, found ${JSON.stringify(kv)}`);
    }
  }
  expect(lost.slice(0, 20), `${lost.length} of ${acks.length} acknowledged writes lost`).toEqual([]);
  expect(wrong.slice(0, 20), `${wrong.length} of ${acks.length} acknowledged writes changed`).toEqual([]);
}

/** expectDistinctRevisions: no two acknowledged writes were given the same revision. */
function expectDistinctRevisions(acks: readonly Ack[]): void {
  const byRev = new Map<number, string>();
  const shared: string[] = [];
  for (const a of acks) {
    const other = byRev.get(a.revision);
    if (other !== undefined) shared.push(`${a.revision}: ${other} and ${a.key}`);
    byRev.set(a.revision, a.key);
  }
  expect(shared.slice(0, 20), 'acknowledged writes sharing a revision').toEqual([]);
}

/**
 * expectContiguous: the keys under a prefix (each written once, never deleted) hold exactly the
 * revisions from+1 … to, one each: nothing reused, nothing skipped.
 */
function expectContiguous(kvs: Map<string, Stored>, from: number, to: number): void {
  const revs = [...kvs.values()].map((kv) => kv.mod).sort((x, y) => x - y);
  expect(new Set(revs).size, 'revisions shared by two keys').toBe(revs.length);
  expect(revs.length, `keys under the prefix vs revisions ${from + 1}..${to}`).toBe(to - from);
  expect(revs[0]).toBe(from + 1);
  expect(revs[revs.length - 1]).toBe(to);
}

/** expectConverged waits for every running member to apply revision, and requires one HashKV among them. */
async function expectConverged(cluster: Cluster, revision: number, timeoutMs = 30_000): Promise<number> {
  const hashes = await cluster.hashesAt(revision, timeoutMs);
  expect(hashes.length).toBe(cluster.running().length);
  const distinct = new Set(hashes.map((h) => `${h.hash}/${h.compactRevision}`));
  expect(distinct.size, `HashKV at revision ${revision} differs: ${JSON.stringify(hashes)}`).toBe(1);
  return hashes[0]?.hash ?? 0;
}

/**
 * WriteLoad runs concurrent writers against every member's endpoint, each writer on its own member until
 * a put fails, then on the next one. Every put writes a fresh key, so a put is never retried and a key's
 * value and revision identify the acknowledgement. Failures (errors, timeouts) are counted, not judged.
 */
class WriteLoad {
  readonly acks: Ack[] = [];
  unknown = 0;
  private active = true;
  private readonly clients: EtcdGrpc[];
  private readonly done: Promise<void>;

  constructor(
    private readonly cluster: Cluster,
    private readonly prefix: string,
    writers = 8,
    private readonly timeoutMs = 2_000,
  ) {
    this.clients = cluster.members.map((m) => m.client());
    this.done = Promise.all(Array.from({ length: writers }, (_, w) => this.writer(w))).then(() => undefined);
  }

  private async writer(w: number): Promise<void> {
    let target = w % this.clients.length;
    for (let seq = 0; this.active; seq++) {
      const key = `${this.prefix}${w}/${String(seq).padStart(6, '0')}`;
      const value = `w${w}s${seq}`;
      const rpc = this.clients[target] as EtcdGrpc;
      const startedAt = performance.now();
      try {
        const r = await rpc.unary<PutResponse>('KV', 'Put', { key: b(key), value: b(value) }, this.timeoutMs);
        this.acks.push({ key, value, revision: Number(r.header.revision), member: this.cluster.members[target]?.name ?? '?', startedAt, ackedAt: performance.now() });
      } catch (err) {
        if (!isServiceError(err)) throw err;
        this.unknown++;
        target = (target + 1) % this.clients.length;
        // rate limit against a dead endpoint, which fails at once; not a wait for a state
        await delay(10);
      }
    }
  }

  /** waitForAcks resolves once n puts in total have been acknowledged. */
  async waitForAcks(n: number, timeoutMs: number, what: string): Promise<void> {
    await waitFor(() => (this.acks.length >= n ? true : undefined), { timeoutMs, intervalMs: 10, what: `${n} acknowledged writes (${what})` });
  }

  /** firstAckStartedAfter resolves to the first acknowledged put that was sent at or after t. */
  firstAckStartedAfter(t: number, timeoutMs: number, what: string): Promise<Ack> {
    return waitFor(
      () => {
        let first: Ack | undefined;
        for (const a of this.acks) if (a.startedAt >= t && (first === undefined || a.ackedAt < first.ackedAt)) first = a;
        return first;
      },
      { timeoutMs, intervalMs: 5, what },
    );
  }

  /** stop lets each writer finish its put in flight (bounded by the put timeout) and closes the channels. */
  async stop(): Promise<void> {
    this.active = false;
    try {
      await this.done;
    } finally {
      for (const c of this.clients) c.close();
    }
  }
}

/** WatchedEvent is one event a watcher received. */
interface WatchedEvent {
  key: string;
  value: string;
  type: string;
  revision: number;
}

/**
 * PrefixWatcher keeps a raw gRPC Watch on a prefix open on one member. If the stream breaks it opens a
 * new one, on the same member if it still runs or the next running one, from the last revision it saw
 * plus one, as etcd's clientv3 watcher does.
 */
class PrefixWatcher {
  readonly events: WatchedEvent[] = [];
  readonly breaks: string[] = [];
  private lastRevision: number;
  private active = true;
  private rpc: EtcdGrpc | undefined;
  private stream: BidiStream<WatchRequest, WatchResponse> | undefined;
  private readonly loop: Promise<void>;
  private onCreated: () => void = () => undefined;
  /** created resolves once the first stream is created. */
  readonly created: Promise<void>;

  constructor(
    private readonly cluster: Cluster,
    private member: ClusterMember,
    private readonly prefix: string,
    startRevision: number,
  ) {
    this.lastRevision = startRevision - 1;
    this.created = new Promise<void>((resolve) => {
      this.onCreated = resolve;
    });
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.active) {
      if (!this.member.running || this.member.paused) {
        const next = this.cluster.running()[0];
        if (next === undefined) throw new Error('no running member to watch on');
        this.member = next;
      }
      this.rpc = this.member.client();
      const stream = this.rpc.watch();
      this.stream = stream;
      stream.send({ create_request: { key: b(this.prefix), range_end: prefixEnd(this.prefix), start_revision: this.lastRevision + 1 } });
      try {
        for (;;) {
          let res: WatchResponse;
          try {
            res = await stream.next(1_000, `watch events on ${this.member.name}`);
          } catch (err) {
            if (err instanceof DeadlineError && this.active) continue;
            throw err;
          }
          if (res.created) this.onCreated();
          if (res.canceled) throw new Error(`watch canceled: ${res.cancel_reason} (compact_revision ${res.compact_revision})`);
          for (const e of res.events) {
            const revision = Number(e.kv.mod_revision);
            this.events.push({ key: e.kv.key.toString(), value: e.kv.value.toString(), type: e.type, revision });
            this.lastRevision = revision;
          }
        }
      } catch (err) {
        if (this.active) this.breaks.push(`${this.member.name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      } finally {
        stream.close();
        this.rpc.close();
      }
      // a broken stream on a member being killed fails at once; don't spin while it goes
      if (this.active) await delay(20);
    }
  }

  /** on is the member the watcher currently watches on. */
  get on(): string {
    return this.member.name;
  }

  /** waitForRevision resolves once the watcher has seen revision. */
  async waitForRevision(revision: number, timeoutMs: number): Promise<void> {
    await waitFor(() => (this.lastRevision >= revision ? true : undefined), { timeoutMs, intervalMs: 10, what: `the watcher to reach revision ${revision} (at ${this.lastRevision})` });
  }

  async close(): Promise<void> {
    this.active = false;
    this.stream?.close();
    await this.loop.catch(() => undefined);
  }
}

/** ms renders milliseconds for the timing lines. */
const ms = (x: number): string => `${Math.round(x)} ms`;

describeCompat(`replication across ${SIZE} store processes`, ['store'], () => {
  const startCluster = useClusters();

  it('a write on any member is readable linearizably on every member; MemberList on each lists all members', async () => {
    const c = await startCluster({ members: SIZE, name: 'rw' });
    const ids = c.members.map((m) => m.memberId);
    expect(new Set(ids).size).toBe(SIZE);
    const leader = await c.leader();
    console.log(`[replication] ${c.target} ${SIZE} members up; leader ${leader.name}`);

    for (const writer of c.members) {
      const key = `rw/written-on/${writer.name}`;
      const put = await withClient(writer, (rpc) => rpc.set(key, `from ${writer.name}`));
      const revision = Number(put.header.revision);
      expect(BigInt(put.header.member_id)).toBe(writer.memberId);
      // linearizable reads started after the acknowledgement, on every member: none may miss it
      for (const reader of c.members) {
        const r = await withClient(reader, (rpc) => rpc.range({ key: b(key) }));
        expect(r.kvs.map((kv) => [kv.value.toString(), Number(kv.mod_revision)]), `${reader.name} reading ${key}`).toEqual([[`from ${writer.name}`, revision]]);
        expect(Number(r.header.revision)).toBeGreaterThanOrEqual(revision);
      }
    }

    const expected = c.members.map((m) => ({ ID: m.memberId?.toString(), name: m.name, peerURLs: [m.peerUrl], clientURLs: [m.endpoint], isLearner: false }));
    const clusterIds = new Set<string>();
    for (const m of c.members) {
      const list = await withClient(m, (rpc) => rpc.memberList());
      expect(BigInt(list.header.member_id)).toBe(m.memberId);
      clusterIds.add(list.header.cluster_id);
      const got = list.members.map((x) => ({ ID: x.ID, name: x.name, peerURLs: x.peerURLs, clientURLs: x.clientURLs, isLearner: x.isLearner })).sort((x, y) => x.name.localeCompare(y.name));
      expect(got, `MemberList on ${m.name}`).toEqual(expected);
      const st = await m.status();
      expect(st.leader, `${m.name}'s leader`).toBe(leader.memberId?.toString());
    }
    expect(clusterIds.size, 'one cluster ID').toBe(1);
    expect([...clusterIds][0]).not.toBe('0');
  });

  it('kill -9 of the leader under write load: writes resume on the survivors, nothing acknowledged is lost, the restarted member catches up with the same HashKV', async () => {
    const c = await startCluster({ members: SIZE, name: 'failover' });
    const load = new WriteLoad(c, 'failover/');
    try {
      await load.waitForAcks(300, 20_000, 'before the kill');
      const before = await c.leaderView();
      const old = before.leader;
      const t0 = performance.now();
      await old.kill9();
      const [elected, firstWrite] = await Promise.all([
        c.leaderView({ exclude: [old], newerThan: before.term, timeoutMs: 15_000 }).then((v) => ({ v, at: performance.now() })),
        load.firstAckStartedAfter(t0, 15_000, 'a write sent after the kill to be acknowledged'),
      ]);
      console.log(
        `[replication] ${c.target} kill -9 leader ${old.name} (term ${before.term}): new leader ${elected.v.leader.name} (term ${elected.v.term}) seen after ${ms(elected.at - t0)}; ` +
          `first write sent after the kill acknowledged after ${ms(firstWrite.ackedAt - t0)} (via ${firstWrite.member})`,
      );
      const acked = load.acks.length;
      await load.waitForAcks(acked + 300, 20_000, 'after the failover');
    } finally {
      await load.stop();
    }
    console.log(`[replication] ${c.target} failover load: ${load.acks.length} acknowledged, ${load.unknown} unknown`);
    expectDistinctRevisions(load.acks);

    const survivor = c.running()[0] as ClusterMember;
    const after = await readPrefix(survivor, 'failover/');
    expectAcknowledgedPresent(load.acks, after.kvs);

    const killed = c.members.find((m) => !m.running) as ClusterMember;
    const t1 = performance.now();
    await killed.restart();
    const revision = await currentRevision(survivor);
    const hash = await expectConverged(c, revision);
    console.log(`[replication] ${c.target} restarted ${killed.name} ready after ${ms(performance.now() - t1)} (incl. convergence); HashKV at ${revision} = ${hash} on all ${SIZE}`);
    const onRestarted = await readPrefix(killed, 'failover/');
    expectAcknowledgedPresent(load.acks, onRestarted.kvs);
    expect(onRestarted.kvs.size).toBe(after.kvs.size);
  });

  it('kill -9 of every member at once, then a restart of all: nothing acknowledged is lost and revisions continue without gap or reuse', async () => {
    const c = await startCluster({ members: SIZE, name: 'crash' });
    const base = await currentRevision(c.members[0] as ClusterMember);
    const load = new WriteLoad(c, 'crash/');
    try {
      await load.waitForAcks(500, 20_000, 'before the crash');
      await Promise.all(c.members.map((m) => m.kill9()));
    } finally {
      await load.stop();
    }
    console.log(`[replication] ${c.target} crash: ${load.acks.length} acknowledged, ${load.unknown} unknown`);
    expectDistinctRevisions(load.acks);

    const t0 = performance.now();
    await Promise.all(c.members.map((m) => m.restart()));
    const leader = await c.leader();
    console.log(`[replication] ${c.target} all ${SIZE} members restarted and serving after ${ms(performance.now() - t0)}; leader ${leader.name}`);

    const after = await readPrefix(leader, 'crash/');
    expectAcknowledgedPresent(load.acks, after.kvs);
    expect(after.revision).toBe(base + after.kvs.size);
    expectContiguous(after.kvs, base, after.revision);
    for (const m of c.members) {
      const next = await withClient(m, (rpc) => rpc.set(`crash-after/${m.name}`, 'v'));
      expect(Number(next.header.revision)).toBe(after.revision + 1 + m.index);
    }
    await expectConverged(c, after.revision + SIZE);
  });

  it('a follower that missed more entries than the leader keeps is caught up by snapshot (--snapshot-count=1000)', async () => {
    const c = await startCluster({ members: SIZE, name: 'snap', flags: ['--snapshot-count=1000'] });
    const [lagging] = await c.followers();
    if (lagging === undefined) throw new Error('no follower');
    await lagging.stop();

    const count = 12_000;
    const live = c.running();
    const clients = live.map((m) => m.client());
    const t0 = performance.now();
    let next = 0;
    let failures = 0;
    let firstError: unknown;
    try {
      await Promise.all(
        Array.from({ length: 64 }, async (_, w) => {
          const rpc = clients[w % clients.length] as EtcdGrpc;
          while (next < count) {
            const i = next++;
            try {
              await rpc.unary<PutResponse>('KV', 'Put', { key: b(`snap/${String(i).padStart(5, '0')}`), value: b(`v${i}`) }, 20_000);
            } catch (err) {
              failures++;
              firstError ??= err;
            }
          }
        }),
      );
    } finally {
      for (const r of clients) r.close();
    }
    console.log(`[replication] ${c.target} ${count} puts with ${lagging.name} down: ${ms(performance.now() - t0)}`);
    expect(failures, `first error: ${String(firstError)}`).toBe(0);

    const t1 = performance.now();
    await lagging.restart();
    const revision = await currentRevision(c.running()[0] as ClusterMember);
    await expectConverged(c, revision);
    console.log(`[replication] ${c.target} ${lagging.name} caught up (ready and same HashKV at ${revision}) ${ms(performance.now() - t1)} after its restart`);
    const onLagging = await readPrefix(lagging, 'snap/', true);
    expect(onLagging.kvs.size).toBe(count);

    if (c.target === 'etcd') {
      // etcd-only evidence that the catch-up came as a snapshot rather than log entries
      const evidence = readFileSync(lagging.logFile, 'utf8')
        .split('\n')
        .filter((l) => /applied incoming snapshot|finished applying incoming snapshot/i.test(l));
      const snapFiles = readdirSync(join(lagging.dataDir, 'member', 'snap'));
      console.log(`[replication] etcd ${lagging.name} snap dir: ${snapFiles.join(' ')}; log: ${evidence.join(' | ')}`);
      expect(evidence.length, `${lagging.name}'s log says it applied an incoming snapshot`).toBeGreaterThan(0);
    }
  });

  it('a leader frozen with SIGSTOP is replaced; resumed, it serves no stale linearizable read and steps down', async () => {
    const c = await startCluster({ members: SIZE, name: 'stale' });
    const old = (await c.leaderView()).leader;
    const oldClient = old.client();
    await oldClient.set('stale/k', 'before');
    old.pause();
    let resumed = false;
    try {
      // The frozen leader is cut off from everyone: a new leader must take over and accept a newer write.
      const survivor = (await c.followers())[0]!;
      await waitFor(
        async () => {
          const r = await survivor.client().set('stale/k', 'after');
          return r.header?.revision;
        },
        { what: 'a write through a survivor after the leader froze', timeoutMs: 20_000, intervalMs: 100 },
      );
      old.resume();
      resumed = true;
      // Its first linearizable read must not return the value it last knew: either the new value or an error.
      let value: string | undefined;
      try {
        value = await oldClient.get('stale/k');
      } catch {
        value = undefined;
      }
      if (value !== undefined) expect(value, 'linearizable read on the resumed old leader').toBe('after');
      const st = await waitFor(
        async () => {
          const s = await oldClient.status(2000);
          return BigInt(s.leader) !== 0n && BigInt(s.leader) !== old.memberId ? s : undefined;
        },
        { what: 'the resumed old leader to follow the new one', timeoutMs: 10_000 },
      );
      expect(BigInt(st.leader)).not.toBe(old.memberId);
    } finally {
      if (!resumed) old.resume();
    }
  });

  it('a follower frozen with SIGSTOP for three election timeouts rejoins without disturbing the leader, and catches up', async () => {
    const c = await startCluster({ members: SIZE, name: 'stop' });
    const before = await c.leaderView();
    const frozen = (await c.followers()).at(-1) as ClusterMember;
    const load = new WriteLoad(c, 'stop/', 4);
    try {
      await load.waitForAcks(100, 20_000, 'before the pause');
      frozen.pause();
      const acked = load.acks.length;
      // the fault itself: the process is stopped for this long
      await delay(3 * ELECTION_TIMEOUT_MS);
      frozen.resume();
      expect(load.acks.length, 'writes acknowledged while a follower was stopped').toBeGreaterThan(acked);
      await load.waitForAcks(load.acks.length + 100, 20_000, 'after the resume');
    } finally {
      if (frozen.paused) frozen.resume();
      await load.stop();
    }
    const revision = await currentRevision(before.leader);
    await expectConverged(c, revision);
    const after = await c.leaderView();
    console.log(`[replication] ${c.target} SIGSTOP ${frozen.name} ${3 * ELECTION_TIMEOUT_MS} ms: leader ${before.leader.name} term ${before.term} -> ${after.leader.name} term ${after.term}`);
    expect(after.leader.name).toBe(before.leader.name);
    expect(after.term).toBe(before.term);
    for (const [name, st] of after.statuses) expect(Number(st.raftTerm), `${name}'s term`).toBe(before.term);
    const onFrozen = await readPrefix(frozen, 'stop/');
    expectAcknowledgedPresent(load.acks, onFrozen.kvs);
  });

  it("a prefix watch on a follower sees every event once, in revision order, across a kill -9 of the leader", async () => {
    const c = await startCluster({ members: SIZE, name: 'watch' });
    const before = await c.leaderView();
    const watchOn = (await c.followers())[0] as ClusterMember;
    const base = await currentRevision(watchOn);
    const watcher = new PrefixWatcher(c, watchOn, 'watch/', base + 1);
    const load = new WriteLoad(c, 'watch/');
    try {
      await withDeadline(watcher.created, 10_000, 'the watch to be created');
      await load.waitForAcks(500, 20_000, 'before the kill');
      const t0 = performance.now();
      await before.leader.kill9();
      const elected = await c.leaderView({ exclude: [before.leader], newerThan: before.term, timeoutMs: 15_000 });
      console.log(`[replication] ${c.target} watch test: new leader ${elected.leader.name} after ${ms(performance.now() - t0)}`);
      await load.waitForAcks(load.acks.length + 500, 20_000, 'after the kill');
    } finally {
      await load.stop();
    }
    const final = await readPrefix(c.running()[0] as ClusterMember, 'watch/');
    const expected = [...final.kvs].map(([key, kv]) => ({ key, revision: kv.mod })).sort((x, y) => x.revision - y.revision);
    const last = expected.at(-1)?.revision ?? base;
    try {
      await watcher.waitForRevision(last, 20_000);
    } finally {
      await watcher.close();
    }
    console.log(`[replication] ${c.target} watcher opened on ${watchOn.name}, now on ${watcher.on}: ${watcher.events.length} events, stream breaks: ${watcher.breaks.length === 0 ? 'none' : watcher.breaks.join(' | ')}`);

    const seen = watcher.events;
    const outOfOrder = seen.flatMap((e, i) => (i > 0 && e.revision <= (seen[i - 1]?.revision ?? 0) ? [`${seen[i - 1]?.revision} then ${e.revision}`] : []));
    expect(outOfOrder.slice(0, 20), 'events not in strictly increasing revision order (duplicates or reordering)').toEqual([]);
    expect(seen.every((e) => e.type === 'Put')).toBe(true);
    expect(seen.map((e) => ({ key: e.key, revision: e.revision }))).toEqual(expected);
    const byKey = new Map(seen.map((e) => [e.key, e]));
    const missed = load.acks.filter((a) => byKey.get(a.key)?.revision !== a.revision || byKey.get(a.key)?.value !== a.value);
    expect(missed.slice(0, 20).map((a) => a.key), 'acknowledged writes the watcher did not see as acknowledged').toEqual([]);
    expectAcknowledgedPresent(load.acks, final.kvs);
  });

  it('SIGTERM of the leader hands leadership over quickly and loses no acknowledged write', async () => {
    const c = await startCluster({ members: SIZE, name: 'term' });
    const load = new WriteLoad(c, 'term/');
    let stopped: Promise<void> | undefined;
    try {
      await load.waitForAcks(300, 20_000, 'before the SIGTERM');
      const before = await c.leaderView();
      const old = before.leader;
      const t0 = performance.now();
      stopped = old.stop();
      const exitedAt = stopped.then(() => performance.now());
      const [elected, firstWrite] = await Promise.all([
        c.leaderView({ exclude: [old], newerThan: before.term, timeoutMs: 10_000, intervalMs: 10 }).then((v) => ({ v, at: performance.now() })),
        load.firstAckStartedAfter(t0, 10_000, 'a write sent after the SIGTERM to be acknowledged'),
      ]);
      console.log(
        `[replication] ${c.target} SIGTERM leader ${old.name} (term ${before.term}): new leader ${elected.v.leader.name} (term ${elected.v.term}) seen after ${ms(elected.at - t0)}; ` +
          `first write sent after the SIGTERM acknowledged after ${ms(firstWrite.ackedAt - t0)}; old leader exited after ${ms((await exitedAt) - t0)}`,
      );
      await load.waitForAcks(load.acks.length + 300, 20_000, 'after the handover');
    } finally {
      await stopped;
      await load.stop();
    }
    console.log(`[replication] ${c.target} graceful load: ${load.acks.length} acknowledged, ${load.unknown} unknown`);
    expectDistinctRevisions(load.acks);
    const after = await readPrefix(c.running()[0] as ClusterMember, 'term/');
    expectAcknowledgedPresent(load.acks, after.kvs);
  });
});
