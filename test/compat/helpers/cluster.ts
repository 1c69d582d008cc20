/**
 * startCluster runs a multi-member store cluster (3, 5 or 7 processes) for the replication suites: the
 * selected target (see tools.ts) with etcd's own flags, every member named in --initial-cluster, on
 * loopback ports chosen at run time, each member with its own temporary data directory and log file.
 *
 * Members are started together (none serves a linearizable read before a quorum runs) and are ready when
 * each one serves a linearizable `KV.Range` of `health`. Each member's ID is read from the header of its
 * own Maintenance.Status; the leader is the member whose Status names itself as leader (highest raftTerm
 * wins if two claim it), polled with a deadline.
 *
 * Faults are injected by PID only: stop (SIGTERM, SIGKILL after a deadline), kill9 (SIGKILL), pause
 * (SIGSTOP) and resume (SIGCONT). A cluster is always torn down (SIGKILL; its data is discarded): by
 * useClusters' afterEach/afterAll, and by a process 'exit' hook that SIGKILLs the members and removes the
 * temporary directories.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach } from 'vitest';
import { EtcdGrpc, FRESH_CHANNEL, type HashKVResponse, type StatusResponse } from './grpc.js';
import { freePorts } from '../../../src/cli/launcher/processes.js';
import { createStore, StoreStartError, type ControlledStore, type StoreOptions } from './store.js';
import type { CompatTarget } from './tools.js';
import { DeadlineError, waitFor } from './wait.js';

/** ClusterSize is how many voting members a cluster has: odd, so a majority is well defined. */
export type ClusterSize = 3 | 5 | 7;

/** ClusterOptions configures a cluster; every member gets the same flags. */
export interface ClusterOptions {
  /** members is the cluster size; default 3. */
  members?: ClusterSize;
  /** name prefixes member names (`${name}-0` …) and the cluster token; default `cluster`. */
  name?: string;
  /**
   * flags are extra etcd flags in `--flag=value` form for every member. --heartbeat-interval=100 and
   * --election-timeout=1000 are added unless given here.
   */
  flags?: readonly string[];
  /** readyTimeoutMs bounds each member's wait for its first linearizable read; default 30 s. */
  readyTimeoutMs?: number;
  /** stopTimeoutMs is how long stop() waits after SIGTERM before SIGKILL; default 10 s. */
  stopTimeoutMs?: number;
}

/** ClusterMember is one member process: a ControlledStore that knows its Raft member ID. */
export interface ClusterMember extends ControlledStore {
  /** index is the member's position in --initial-cluster. */
  readonly index: number;
  /** memberId is the ID from the member's own Status header, learned when it became ready. */
  readonly memberId: bigint | undefined;
  /** status asks this member's Maintenance.Status on a fresh channel. */
  status(timeoutMs?: number): Promise<StatusResponse>;
  /** client opens a channel to this member that survives its restarts (short reconnect backoff); close it. */
  client(): EtcdGrpc;
}

/** LeaderQuery narrows what leader() accepts. */
export interface LeaderQuery {
  /** timeoutMs bounds the poll; default 15 s. */
  timeoutMs?: number;
  /** intervalMs is the pause between polling rounds; default 25 ms. */
  intervalMs?: number;
  /** exclude are members that may not be the answer (e.g. a leader being shut down). */
  exclude?: readonly ClusterMember[];
  /** newerThan requires a leader elected in a term above this one. */
  newerThan?: number;
}

/** LeaderView is who leads and in which term, as the leader itself reported it. */
export interface LeaderView {
  leader: ClusterMember;
  term: number;
  /** statuses are the Status responses of the polling round that found the leader, by member name. */
  statuses: Map<string, StatusResponse>;
}

/** MemberHash is one member's Maintenance.HashKV answer at a revision. */
export interface MemberHash {
  member: string;
  hash: number;
  compactRevision: number;
}

/** Cluster is a running (or partly stopped) multi-member store. */
export interface Cluster {
  readonly target: CompatTarget;
  readonly members: readonly ClusterMember[];
  /** endpoints are the client URLs of all members, in --initial-cluster order. */
  readonly endpoints: readonly string[];
  /** initialCluster is the --initial-cluster value every member got. */
  readonly initialCluster: string;
  /** running lists the members whose process is alive and not paused. */
  running(): ClusterMember[];
  /** leader resolves to the member that reports itself leader (see leaderView). */
  leader(query?: LeaderQuery): Promise<ClusterMember>;
  /**
   * leaderView polls Maintenance.Status on every running member until one names itself leader, in a term
   * no other member has passed, and that matches the query.
   */
  leaderView(query?: LeaderQuery): Promise<LeaderView>;
  /** followers are the running members other than the current leader. */
  followers(query?: LeaderQuery): Promise<ClusterMember[]>;
  /**
   * hashesAt waits until every running member has applied revision (its serializable Range header
   * revision reaches it) and resolves to each member's HashKV at that revision.
   */
  hashesAt(revision: number, timeoutMs?: number): Promise<MemberHash[]>;
  /** logTails renders every member's log tail, for failure output. */
  logTails(lines?: number): string;
  /** dispose kills every member (SIGKILL by PID) and removes the temporary directory (kept if CAPSTAN_COMPAT_KEEP=1). */
  dispose(): Promise<void>;
}

const live = new Set<ClusterHandle>();
let exitHookInstalled = false;

function keep(): boolean {
  return process.env['CAPSTAN_COMPAT_KEEP'] === '1';
}

function register(cluster: ClusterHandle): void {
  live.add(cluster);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // store.ts's exit hook SIGKILLs store processes too; this one also removes what they leave on disk.
  process.once('exit', () => {
    for (const c of live) {
      for (const m of c.members) {
        if (!m.running) continue;
        try {
          process.kill(m.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      if (!keep()) rmSync(c.root, { recursive: true, force: true });
    }
  });
}

function hasFlag(flags: readonly string[], name: string): boolean {
  return flags.some((f) => f === `--${name}` || f.startsWith(`--${name}=`));
}

class MemberHandle implements ClusterMember {
  private id: bigint | undefined;

  constructor(
    readonly index: number,
    private readonly store: ControlledStore,
  ) {}

  get target(): CompatTarget {
    return this.store.target;
  }
  get name(): string {
    return this.store.name;
  }
  get endpoint(): string {
    return this.store.endpoint;
  }
  get address(): string {
    return this.store.address;
  }
  get peerUrl(): string {
    return this.store.peerUrl;
  }
  get dataDir(): string {
    return this.store.dataDir;
  }
  get logFile(): string {
    return this.store.logFile;
  }
  get pid(): number {
    return this.store.pid;
  }
  get running(): boolean {
    return this.store.running;
  }
  get paused(): boolean {
    return this.store.paused;
  }
  get argv(): readonly string[] {
    return this.store.argv;
  }
  get memberId(): bigint | undefined {
    return this.id;
  }

  async launch(): Promise<void> {
    await this.store.launch();
    await this.learnId();
  }

  async restart(): Promise<void> {
    await this.store.stop();
    await this.launch();
  }

  stop(): Promise<void> {
    return this.store.stop();
  }

  kill9(): Promise<void> {
    return this.store.kill9();
  }

  pause(): void {
    this.store.pause();
  }

  resume(): void {
    this.store.resume();
  }

  logTail(lines?: number): string {
    return this.store.logTail(lines);
  }

  formattedTail(lines?: number): string {
    return this.store.formattedTail(lines);
  }

  dispose(): Promise<void> {
    return this.store.dispose();
  }

  client(): EtcdGrpc {
    return new EtcdGrpc(this.address, FRESH_CHANNEL);
  }

  async status(timeoutMs = 2_000): Promise<StatusResponse> {
    const rpc = this.client();
    try {
      return await rpc.status(timeoutMs);
    } finally {
      rpc.close();
    }
  }

  /** learnId reads the member ID from the member's own Status header; a restart must not change it. */
  private async learnId(): Promise<void> {
    const st = await waitFor(() => this.status(1_000), { what: `Maintenance.Status of ${this.name}`, timeoutMs: 10_000 });
    const id = BigInt(st.header.member_id);
    if (id === 0n) throw new Error(`member ${this.name} reports member_id 0 in its Status header`);
    if (this.id !== undefined && this.id !== id) {
      throw new Error(`member ${this.name} came back with member ID ${id.toString(16)}, was ${this.id.toString(16)}`);
    }
    this.id = id;
  }
}

class ClusterHandle implements Cluster {
  constructor(
    readonly target: CompatTarget,
    readonly root: string,
    readonly members: readonly MemberHandle[],
    readonly initialCluster: string,
  ) {}

  get endpoints(): readonly string[] {
    return this.members.map((m) => m.endpoint);
  }

  running(): ClusterMember[] {
    return this.members.filter((m) => m.running && !m.paused);
  }

  async leader(query: LeaderQuery = {}): Promise<ClusterMember> {
    return (await this.leaderView(query)).leader;
  }

  async leaderView(query: LeaderQuery = {}): Promise<LeaderView> {
    const timeoutMs = query.timeoutMs ?? 15_000;
    const intervalMs = query.intervalMs ?? 25;
    const deadline = Date.now() + timeoutMs;
    let seen = 'no member answered';
    for (;;) {
      const candidates = this.running().filter((m) => !(query.exclude ?? []).includes(m));
      const answers = await Promise.all(
        candidates.map(async (m) => {
          try {
            return { m, st: await m.status(Math.max(200, Math.min(1_000, deadline - Date.now()))) };
          } catch {
            return undefined;
          }
        }),
      );
      const statuses = new Map<string, StatusResponse>();
      let maxTerm = 0;
      let best: { m: ClusterMember; term: number } | undefined;
      for (const a of answers) {
        if (a === undefined) continue;
        statuses.set(a.m.name, a.st);
        const term = Number(a.st.raftTerm);
        maxTerm = Math.max(maxTerm, term);
        if (a.st.leader !== '0' && a.st.leader === a.st.header.member_id && (best === undefined || term > best.term)) best = { m: a.m, term };
      }
      if (best !== undefined && best.term >= maxTerm && best.term > (query.newerThan ?? 0)) {
        return { leader: best.m, term: best.term, statuses };
      }
      seen = [...statuses].map(([n, st]) => `${n}: leader=${BigInt(st.leader).toString(16)} self=${BigInt(st.header.member_id).toString(16)} term=${st.raftTerm}`).join('; ') || seen;
      if (Date.now() >= deadline) {
        const excluded = (query.exclude ?? []).map((m) => m.name).join(',');
        throw new DeadlineError(
          `no leader${query.newerThan === undefined ? '' : ` newer than term ${query.newerThan}`}${excluded === '' ? '' : ` other than ${excluded}`} within ${timeoutMs} ms; last round: ${seen}`,
        );
      }
      await delay(intervalMs);
    }
  }

  async followers(query: LeaderQuery = {}): Promise<ClusterMember[]> {
    const leader = await this.leader(query);
    return this.running().filter((m) => m !== leader);
  }

  async hashesAt(revision: number, timeoutMs = 20_000): Promise<MemberHash[]> {
    const deadline = Date.now() + timeoutMs;
    return Promise.all(
      this.running().map(async (m) => {
        const rpc = m.client();
        try {
          await waitFor(
            async () => {
              const r = await rpc.range({ key: Buffer.from('health'), serializable: true });
              return Number(r.header.revision) >= revision ? true : undefined;
            },
            { what: `${m.name} to apply revision ${revision}`, timeoutMs: Math.max(1, deadline - Date.now()) },
          );
          const h: HashKVResponse = await rpc.hashKV(revision, Math.max(1_000, deadline - Date.now()));
          return { member: m.name, hash: h.hash, compactRevision: Number(h.compact_revision) };
        } finally {
          rpc.close();
        }
      }),
    );
  }

  logTails(lines = 60): string {
    return this.members.map((m) => `--- ${m.target} member ${m.name} (${m.running ? `pid ${m.pid}` : 'not running'}) ---\n${m.formattedTail(lines)}`).join('\n');
  }

  async dispose(): Promise<void> {
    try {
      // SIGKILL, not SIGTERM: the data is thrown away, and an etcd leader shutting down while its followers
      // do too spends its whole leader-transfer timeout (5 s + 2 election timeouts) looking for a transferee.
      await Promise.all(this.members.map((m) => m.kill9()));
    } finally {
      live.delete(this);
      if (!keep()) rmSync(this.root, { recursive: true, force: true });
    }
  }
}

/**
 * startCluster lays out and starts a cluster of options.members members (default 3) and resolves once
 * every member serves a linearizable read and has reported its member ID. If any member fails to start,
 * all are killed and the StoreStartError carries every member's log tail.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const size = options.members ?? 3;
  if (![3, 5, 7].includes(size)) throw new Error(`a cluster has 3, 5 or 7 members, not ${String(size)}`);
  const name = options.name ?? 'cluster';
  const ports = await freePorts(2 * size);
  const root = mkdtempSync(join(tmpdir(), `capstan-cluster-${name}-`));
  const layout = Array.from({ length: size }, (_, i) => {
    const clientPort = ports[2 * i] as number;
    const peerPort = ports[2 * i + 1] as number;
    return {
      name: `${name}-${i}`,
      endpoint: `http://127.0.0.1:${clientPort}`,
      address: `127.0.0.1:${clientPort}`,
      peerUrl: `http://127.0.0.1:${peerPort}`,
      root: join(root, `${name}-${i}`),
    };
  });
  const initialCluster = layout.map((l) => `${l.name}=${l.peerUrl}`).join(',');
  const token = `capstan-${name}-${process.pid}-${String(ports[0])}`;
  const extra = options.flags ?? [];
  const timing = [...(hasFlag(extra, 'heartbeat-interval') ? [] : ['--heartbeat-interval=100']), ...(hasFlag(extra, 'election-timeout') ? [] : ['--election-timeout=1000'])];
  const storeOptions: StoreOptions = { readyTimeoutMs: options.readyTimeoutMs ?? 30_000, stopTimeoutMs: options.stopTimeoutMs ?? 10_000 };
  const members = layout.map((l, i) => {
    const dataDir = join(l.root, 'data');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const flags = [
      `--name=${l.name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${l.endpoint}`,
      `--advertise-client-urls=${l.endpoint}`,
      `--listen-peer-urls=${l.peerUrl}`,
      `--initial-advertise-peer-urls=${l.peerUrl}`,
      `--initial-cluster=${initialCluster}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${token}`,
      ...timing,
      ...extra,
    ];
    return new MemberHandle(i, createStore({ ...l, dataDir, logFile: join(l.root, 'store.log'), flags }, storeOptions));
  });
  const cluster = new ClusterHandle(members[0]?.target ?? 'capstan', root, members, initialCluster);
  register(cluster);
  const launched = await Promise.allSettled(members.map((m) => m.launch()));
  const failed = launched.flatMap((r, i) => (r.status === 'rejected' ? [`${members[i]?.name ?? i}: ${r.reason instanceof Error ? r.reason.message.split('\n')[0] : String(r.reason)}`] : []));
  if (failed.length > 0) {
    await Promise.all(members.map((m) => m.kill9()));
    const tails = cluster.logTails();
    await cluster.dispose();
    throw new StoreStartError(`the ${size}-member ${cluster.target} cluster did not start:\n${failed.join('\n')}\ncommand of member 0: ${members[0]?.argv.join(' ') ?? ''}\n${tails}`);
  }
  return cluster;
}

/**
 * useClusters returns a function that starts clusters inside a test. Every cluster a test started is
 * disposed of after it, passed or failed, with all member log tails printed first if it failed; afterAll
 * and the exit hook catch anything left over.
 */
export function useClusters(): (options?: ClusterOptions) => Promise<Cluster> {
  const owned = new Set<Cluster>();
  afterEach(async (ctx) => {
    const mine = [...owned];
    owned.clear();
    if (ctx.task.result?.state === 'fail') {
      for (const c of mine) console.error(`--- ${c.target} cluster ${c.initialCluster}: member logs ---\n${c.logTails()}`);
    }
    await Promise.all(mine.map((c) => c.dispose()));
  });
  afterAll(async () => {
    await Promise.all([...owned].map((c) => c.dispose()));
    owned.clear();
  });
  return async (options) => {
    const c = await startCluster(options);
    owned.add(c);
    return c;
  };
}
