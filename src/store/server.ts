import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  NONE,
  ProposalDroppedError,
  RawNode,
  decodeConfChange,
  majority,
  type ConfChangeType,
  type Entry,
  type Message,
  type Ready,
} from '../raft/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Random } from '../util/random.js';
import { AlarmStore } from './alarms.js';
import { HeartbeatDelay } from './heartbeat-delay.js';
import { Applier, type Prepared } from './apply.js';
import { Backend, Prefix, prefixed, prefixRange, type BatchOp } from './backend.js';
import { retentionMs, type StoreConfig } from './config.js';
import {
  LeaseNotFoundError,
  LearnerNotReadyError,
  MemberNotEnoughStartedError,
  MemberNotFoundError,
  MemberNotLearnerError,
  NoLeaderError,
  NoSpaceError,
  NotLeaderError,
  RequestTooLargeError,
  StoppedError,
  TimeoutDueToLeaderFailError,
  TimeoutError,
  UnhealthyError,
} from './errors.js';
import { decodeInternalRequest, decodeKeyValue, encodeInternalRequest, encodeKeyValue } from './grpc/proto.js';
import type * as pb from './grpc/types.js';
import { int64, toBigInt } from './grpc/types.js';
import { Lessor, decodeLeaseRecord } from './lease/lessor.js';
import {
  clusterIdFor,
  decodeConfChangeContext,
  encodeConfChangeContext,
  isLearnerReady,
  loadMembers,
  loadRemovedAndRejected,
  MEMBER_REMOVED_MESSAGE,
  MemberRemovedError,
  memberDeleteOp,
  memberIdFor,
  memberOp,
  rejectedConfChangeOp,
  removedOp,
  sameURLs,
  validateConfChange,
  type MemberInfo,
} from './membership.js';
import { KvStore, encodeUint64 } from './mvcc/kv-store.js';
import { WatchableStore } from './mvcc/watchable-store.js';
import { RaftLogStore } from './raft-log-store.js';
import { COMMIT_MARK_FILE, CommitMark } from './commit-mark.js';
import { readSnapshot, SnapshotWriter } from './snapshot-format.js';
import type { LeaseAnswer } from './transport/peer-codec.js';
import { fetchClusterView, JoinClusterError, type ClusterView } from './transport/peer-members.js';
import { PeerServer, type PeerHost } from './transport/peer-service.js';
import { PeerTransport, type SnapshotSource, type TransportHost } from './transport/peer-transport.js';
import { PeerFaults } from './transport/peer-faults.js';
import { peerTraffic, type StoreMetrics } from './metrics.js';

/** ApplyResult is what a proposer receives once its entry is applied. */
export type ApplyResult = { ok: true; resp: unknown; after?: Promise<void> } | { ok: false; err: unknown };

interface Waiter {
  resolve: (r: ApplyResult) => void;
  /** deadline is when the proposal times out (clock.monotonic()); expireWaiters enforces it. */
  deadline: number;
}

interface ReadWaiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** metaClusterId and metaMemberId are the backend keys of a member's cluster ID and own ID. */
export const metaClusterId = prefixed(Prefix.meta, 'cluster_id');
export const metaMemberId = prefixed(Prefix.meta, 'member_id');
/** SNAPSHOT_CATCHUP_ENTRIES is how many entries a snapshot leaves in the log for slow followers (etcd's). */
const SNAPSHOT_CATCHUP_ENTRIES = 5000;
/** REMOVED_PEER_LINGER_MS is how long the transport keeps a removed member's link, for the last messages to it. */
const REMOVED_PEER_LINGER_MS = 1000;
/** LEAVE_TIMEOUT_MS is how long a member that was asked to leave keeps refusing requests if its removal never comes. */
const LEAVE_TIMEOUT_MS = 30_000;
/** WARN_APPLY_MS is how long applying one entry may take before it is logged as slow (etcd's warnApplyDuration). */
const WARN_APPLY_MS = 100;
/** WAITER_SWEEP_MS is how often proposals past their request timeout are failed (so they fail up to this late). */
const WAITER_SWEEP_MS = 100;
/**
 * BACKEND_BATCH_INTERVAL_MS is how long what was applied may wait in memory for the next Ready's write to carry
 * it before it is written on its own (etcd's --backend-batch-interval, 100 ms): under a light load each Ready
 * otherwise cost two LevelDB writes, each a trip through the thread pool, where one does. Nothing depends on
 * it being on disk sooner: reads of older revisions flush first, a restart replays the synced Raft log from
 * the last consistent index written, and the commit index that a commit-only Ready moves (queued with it) is
 * in the commit mark (commit-mark.ts) before anything it covers is answered.
 */
const BACKEND_BATCH_INTERVAL_MS = 100;
/** WARN_SYNC_MS is how long a synced write may take before it is logged as slow (etcd's warnSyncDuration). */
const WARN_SYNC_MS = 1000;
/** LEADER_EARLY are the message types a leader may send before persisting the Ready that carries them. */
const LEADER_EARLY = new Set<Message['type']>(['MsgApp', 'MsgHeartbeat', 'MsgSnap', 'MsgTimeoutNow', 'MsgReadIndexResp', 'MsgProp', 'MsgReadIndex']);
/**
 * ANY_EARLY are the message types any member may send before persisting: proposals and read requests a follower
 * forwards to the leader carry no term and nothing of this member's state, and a heartbeat's response promises
 * nothing about this member's log (etcd-io/raft sends it before the write too), so they need not wait for it.
 */
const ANY_EARLY = new Set<Message['type']>(['MsgProp', 'MsgReadIndex', 'MsgHeartbeatResp']);
/**
 * URGENT are the message types sent while a Ready is still being handled (RawNode.takeMessages): heartbeats and
 * their responses, which keep leadership alive through a long apply and depend on nothing unpersisted.
 */
const URGENT = new Set<Message['type']>(['MsgHeartbeat', 'MsgHeartbeatResp']);

/** STORE_VERSION is the etcd version capstan reports, so that etcd 3.4 clients accept it. */
export const STORE_VERSION = '3.4.23';

/** RENEW_RETRY_MS is how long a lease renewal that could not reach a leader waits before it tries again. */
const RENEW_RETRY_MS = 100;

/** PEER_PROBE_INTERVAL_MS is how often each peer's round trip is measured: etcd's proberInterval. */
const PEER_PROBE_INTERVAL_MS = 4000;

/** CLUSTER_VERSION is the cluster version capstan reports (/version's etcdcluster), as an etcd 3.4 cluster would. */
export const CLUSTER_VERSION = '3.4.0';

/**
 * StoreServer is one member of the store (etcd's EtcdServer): it drives the Raft core from one loop —
 * persist, send, apply, advance — applies committed requests to MVCC, leases and alarms, and offers the
 * gRPC services proposals, linearizable reads and status.
 */
export class StoreServer implements TransportHost, PeerHost {
  readonly node: RawNode;
  readonly kv: KvStore;
  readonly watchable: WatchableStore;
  readonly lessor: Lessor;
  readonly alarms: AlarmStore;
  readonly applier: Applier;
  readonly members: Map<bigint, MemberInfo>;
  term = 0;
  leader: bigint = NONE;
  appliedIndex: number;
  dbSize = 0;
  /** faults cuts peer links for chaos tests; only --experimental-enable-fault-injection exposes it. */
  readonly faults = new PeerFaults();

  private readonly waiters = new Map<string, Waiter>();
  private readonly appliedWaiters: { index: number; resolve: () => void }[] = [];
  private pendingReads: ReadWaiter[] = [];
  private readInFlight: { ctx: string; waiters: ReadWaiter[]; timer: TimerHandle } | undefined;
  /** lastReadCtx is the ReadIndex round answered last: a repeated answer to it (it was asked again) is no late one. */
  private lastReadCtx: string | undefined;
  private readonly revoking = new Set<bigint>();
  private reqSeq: bigint;
  private readonly reqPrefix: bigint;
  private running = false;
  private scheduled = false;
  private stopped = false;
  private loopError: unknown;
  private snapshotIndex: number;
  private readonly timers: TimerHandle[] = [];
  /** flushTimer is the pending flush of what was applied (flushSoon). */
  private flushTimer: TimerHandle | undefined;
  private compactionSamples: { at: number; rev: number }[] = [];
  private lastAutoCompactRev = 0;
  /** nospaceAlarm is the pending proposal raising NOSPACE, shared by the writes refused meanwhile. */
  private nospaceAlarm: Promise<void> | undefined;
  private readonly leaderListeners = new Set<() => void>();
  private readonly transport: PeerTransport;
  private readonly peerServer: PeerServer;
  private pendingSnapshot: ReceivedSnapshot | undefined;
  private failoverTimer: TimerHandle | undefined;
  /** heartbeatDelay tells when this member, as leader, sent heartbeats late; reset on leader changes. */
  private readonly heartbeatDelay: HeartbeatDelay;
  /** The IDs as response headers carry them, converted once. */
  private readonly clusterIdString: string;
  private readonly memberIdString: string;
  /** removed are the members removed from the cluster (etcd's members_removed), refused for good. */
  private readonly removed: Set<bigint>;
  /** rejectedConfChanges are the indexes of conf change entries that were refused when first applied. */
  private readonly rejectedConfChanges: Set<number>;
  /** leaving: this member is being removed (or stopping) and refuses new client requests (see drainClients). */
  private leaving = false;
  private leaveTimer: TimerHandle | undefined;
  /** drainedMembers are the leaving members that confirmed their client requests are all answered. */
  private readonly drainedMembers = new Set<bigint>();
  /** forceSnapshot: a member was added while the log still starts at index 1 (see applyConfChangeEntry). */
  private forceSnapshot = false;
  /** inflight are requests this member passed on to another and has yet to answer (see track). */
  private readonly inflight = new Set<Promise<unknown>>();
  private removedResolve: (() => void) | undefined;
  /**
   * removedFromCluster resolves when this member learns that it was removed from the cluster: it applied its
   * own removal, or a peer refused it as removed. The process should then stop (etcd exits).
   */
  readonly removedFromCluster: Promise<void>;
  /** failed resolves with the error when a failed write stops this member (the process should exit, as etcd panics). */
  readonly failed: Promise<unknown>;
  private failedResolve!: (err: unknown) => void;

  private constructor(
    readonly cfg: StoreConfig,
    readonly memberId: bigint,
    readonly clusterId: bigint,
    private readonly backend: Backend,
    private readonly raftLog: RaftLogStore,
    private readonly commitMark: CommitMark,
    kv: KvStore,
    members: Map<bigint, MemberInfo>,
    removedAndRejected: { removed: Set<bigint>; rejected: Set<number> },
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly log: Logger,
    private readonly metrics: StoreMetrics | undefined,
  ) {
    this.kv = kv;
    this.members = members;
    this.removed = removedAndRejected.removed;
    this.rejectedConfChanges = removedAndRejected.rejected;
    this.removedFromCluster = new Promise((resolve) => (this.removedResolve = resolve));
    this.failed = new Promise((resolve) => (this.failedResolve = resolve));
    this.clusterIdString = int64(clusterId);
    this.memberIdString = int64(memberId);
    this.watchable = new WatchableStore(kv, clock, log.child({ component: 'watch' }));
    this.watchable.onReplay = (events) => this.metrics?.watchEventsReplayed.inc(events);
    this.lessor = new Lessor(clock, Math.ceil((1.5 * cfg.electionTimeoutMs) / 1000));
    this.alarms = new AlarmStore();
    this.heartbeatDelay = new HeartbeatDelay(cfg.heartbeatIntervalMs);
    this.applier = new Applier(kv, this.watchable, this.lessor, this.alarms, (rev) => this.header(rev), log.child({ component: 'apply' }), metrics?.mvccOps);
    const snap = raftLog.storage.snapshot().metadata;
    this.snapshotIndex = snap.index;
    this.appliedIndex = Math.max(snap.index, 0);
    this.node = new RawNode({
      id: memberId,
      electionTick: Math.round(cfg.electionTimeoutMs / cfg.heartbeatIntervalMs),
      heartbeatTick: 1,
      storage: raftLog.storage,
      random,
      // Conf changes are re-applied to the core from the last snapshot on; MVCC skips what it already has.
      applied: snap.index,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 512,
      maxUncommittedEntriesSize: 1 << 30,
      checkQuorum: true,
      preVote: true,
      logger: log.child({ component: 'raft' }),
    });
    const traffic = metrics === undefined ? undefined : peerTraffic(metrics, memberId);
    this.transport = new PeerTransport(this, log.child({ component: 'transport' }), this.faults, traffic);
    this.transport.setPeers(this.peerURLs());
    this.peerServer = new PeerServer(this, log.child({ component: 'peer' }), this.faults, traffic);
    if (metrics !== undefined) {
      metrics.serverId.set({ server_id: hex(memberId) }, 1);
      metrics.serverVersion.set({ server_version: STORE_VERSION }, 1);
      metrics.clusterVersion.set({ cluster_version: CLUSTER_VERSION }, 1);
      metrics.quotaBackendBytes.set(cfg.quotaBackendBytes);
      metrics.readFrom({
        commitIndex: () => this.raftStatus().commit,
        appliedIndex: () => this.appliedIndex,
        isLearner: () => this.isLearner(),
        currentRevision: () => this.kv.currentRev,
        compactRevision: () => this.kv.compactMainRev,
        liveKeys: () => this.kv.liveKeys,
        slowWatchers: () => this.watchable.watcherCount().unsynced,
      });
    }
    this.reqPrefix = (memberId & 0xffffn) << 48n;
    this.reqSeq = (BigInt(clock.now()) & 0xffffffffffn) << 8n;
  }

  /**
   * start opens (or bootstraps) the member in cfg.dataDir and starts its loop. A new member's IDs are derived
   * from --initial-cluster and --initial-cluster-token as etcd derives them.
   */
  static async start(cfg: StoreConfig, deps: { clock: Clock; random: Random; log: Logger; metrics?: StoreMetrics }): Promise<StoreServer> {
    const log = deps.log;
    const dir = join(cfg.dataDir, 'member', 'db');
    mkdirSync(dir, { recursive: true });
    const backend = await Backend.open(dir, deps.clock);
    let raftLog: RaftLogStore;
    let memberId: bigint;
    let clusterId: bigint;
    const markPath = join(cfg.dataDir, 'member', COMMIT_MARK_FILE);
    let commitMark: CommitMark | undefined;
    try {
      if (await RaftLogStore.exists(backend)) {
        memberId = decodeBig(await backend.get(metaMemberId));
        clusterId = decodeBig(await backend.get(metaClusterId));
        if ((await loadRemovedAndRejected(backend)).removed.has(memberId)) throw new MemberRemovedError(memberId);
        commitMark = CommitMark.open(markPath);
        if (commitMark.damaged) log.warn({ file: markPath }, 'store: the commit mark could not be read back whole; the commit index in the backend stands');
        if (cfg.forceNewCluster) {
          const others = [...(await loadMembers(backend)).keys()];
          const gone = await RaftLogStore.forceNewCluster(backend, memberId, others, commitMark.mark);
          log.warn({ memberId: hex(memberId), clusterId: hex(clusterId), removing: gone.map(hex) }, 'store: forcing a new cluster: this member becomes the only one, keeping its data and cluster ID');
        }
        raftLog = await RaftLogStore.load(backend, commitMark.mark);
        if (raftLog.staleMark !== undefined) {
          log.warn({ file: markPath, mark: raftLog.staleMark, lastIndex: raftLog.storage.lastIndex() }, 'store: the commit mark names an entry the log does not hold; the commit index in the backend stands');
        }
        log.info({ memberId: hex(memberId), clusterId: hex(clusterId) }, 'store: restarting member from its data directory');
      } else if (cfg.initialClusterState === 'existing') {
        // A new backend: a mark left behind by a data directory that was removed must not outlive it.
        commitMark = CommitMark.create(markPath);
        ({ memberId, clusterId, raftLog } = await StoreServer.join(cfg, backend, log));
      } else {
        commitMark = CommitMark.create(markPath);
        const members: MemberInfo[] = [...cfg.initialCluster].map(([name, urls]) => ({
          id: memberIdFor(urls, cfg.initialClusterToken),
          name,
          peerURLs: urls,
          clientURLs: [],
          isLearner: false,
        }));
        const self = members.find((m) => m.name === cfg.name)!;
        memberId = self.id;
        clusterId = clusterIdFor(members.map((m) => m.id));
        raftLog = await RaftLogStore.bootstrap(backend, { voters: members.map((m) => m.id), learners: [] });
        await backend.write(
          [
            { type: 'put', key: metaMemberId, value: encodeUint64(memberId) },
            { type: 'put', key: metaClusterId, value: encodeUint64(clusterId) },
            ...members.map(memberOp),
          ],
          true,
        );
        log.info({ memberId: hex(memberId), clusterId: hex(clusterId), members: members.map((m) => m.name) }, 'store: bootstrapped a new member');
      }
    } catch (err) {
      // The start's own error is the one to report, not a failure to close after it.
      commitMark?.close();
      await backend.close().catch(() => undefined);
      throw err;
    }
    const members = await loadMembers(backend);
    const kv = await KvStore.open(backend, { encode: encodeKeyValue, decode: decodeKeyValue }, log.child({ component: 'mvcc' }), deps.clock);
    const removedAndRejected = await loadRemovedAndRejected(backend);
    const s = new StoreServer(cfg, memberId, clusterId, backend, raftLog, commitMark, kv, members, removedAndRejected, deps.clock, deps.random, log, deps.metrics);
    // A flush that fails under a reader (a historic range, a watch catching up, HashKV) stops the member too.
    kv.onFailure = (err) => s.fail(err, 'store: writing applied state failed; stopping');
    kv.onFlushed = (ms) => deps.metrics?.backendCommitSeconds.observe(ms / 1000);
    kv.onCompacted = (t) => {
      const m = deps.metrics;
      if (m === undefined) return;
      m.dbCompactionKeys.inc(t.keys);
      m.indexCompactionPauseMs.observe(t.indexPauseMs);
      for (const ms of t.batchPausesMs) m.dbCompactionPauseMs.observe(ms);
      m.dbCompactionTotalMs.observe(t.totalMs);
    };
    await s.restoreState();
    for (const u of cfg.listenPeerUrls) await s.peerServer.listen(u);
    s.run();
    return s;
  }

  /**
   * join makes a new member of a running cluster (--initial-cluster-state existing), as etcd does: it asks the
   * peers named in --initial-cluster for the cluster's members, finds itself among them by its advertised peer
   * URLs (it must have been added first), and takes its member ID and the cluster ID from them. It starts
   * with an empty log and no membership of its own: the leader brings it up to date, with a snapshot whenever
   * the log it would need is compacted, and it cannot campaign until the log makes it a voter.
   */
  private static async join(cfg: StoreConfig, backend: Backend, log: Logger): Promise<{ memberId: bigint; clusterId: bigint; raftLog: RaftLogStore }> {
    const peers = [...cfg.initialCluster].filter(([name]) => name !== cfg.name).flatMap(([, urls]) => urls);
    const view = await fetchClusterView(peers, 5000);
    const self = view.members.find((m) => sameURLs(m.peerURLs, cfg.initialAdvertisePeerUrls));
    if (self === undefined || view.removed.some((id) => id === self.id)) {
      throw new JoinClusterError(
        `member ${cfg.name} (peer URLs ${cfg.initialAdvertisePeerUrls.join(',')}) is not a member of cluster ${hex(view.clusterId)}, whose members are ` +
          `${view.members.map((m) => `${hex(m.id)}=${m.peerURLs.join('|')}`).join(', ')}; add it first (etcdctl member add, capstan member add)`,
      );
    }
    const raftLog = await RaftLogStore.bootstrap(backend, { voters: [], learners: [] });
    await backend.write(
      [
        { type: 'put', key: metaMemberId, value: encodeUint64(self.id) },
        { type: 'put', key: metaClusterId, value: encodeUint64(view.clusterId) },
        ...view.members.map(memberOp),
        ...view.removed.map(removedOp),
      ],
      true,
    );
    log.info({ memberId: hex(self.id), clusterId: hex(view.clusterId), members: view.members.map((m) => hex(m.id)) }, 'store: joining an existing cluster');
    return { memberId: self.id, clusterId: view.clusterId, raftLog };
  }

  private async restoreState(): Promise<void> {
    this.lessor.reset();
    this.alarms.reset();
    let { gte, lt } = prefixRange(Prefix.lease);
    for await (const [k, v] of this.backend.db.iterator({ gte, lt })) {
      const { id, ttl } = decodeLeaseRecord(k, v);
      this.lessor.restore(id, ttl);
    }
    for (const e of this.kvEntriesWithLease()) this.lessor.attach(e.lease, e.key);
    ({ gte, lt } = prefixRange(Prefix.alarm));
    for await (const k of this.backend.db.keys({ gte, lt })) this.alarms.restore(k);
    this.appliedIndex = Math.max(this.appliedIndex, this.kv.consistentIndex);
    await this.refreshDbSize();
  }

  private *kvEntriesWithLease(): Generator<{ key: string; lease: bigint }> {
    const all = this.kv.rangeLatest('\0', { kind: 'to-end' }, 0).kvs;
    for (const kv of all) if (kv.lease !== 0n) yield { key: kv.key.toString('latin1'), lease: kv.lease };
  }

  private run(): void {
    const tickMs = this.cfg.heartbeatIntervalMs;
    // Fast-forward the election clock on boot (etcd's initial-election-tick-advance): a cluster restarted as
    // a whole elects within a tick or so instead of a full timeout. PreVote keeps a live leader safe from it.
    const electionTick = Math.round(this.cfg.electionTimeoutMs / tickMs);
    for (let i = 0; i < electionTick - 1; i++) this.node.tick();
    this.timers.push(
      this.clock.setInterval(() => {
        this.node.tick();
        this.schedule();
      }, tickMs),
    );
    this.timers.push(this.clock.setInterval(() => this.expireLeases(), 500));
    // etcd_network_peer_round_trip_time_seconds: etcd's prober probes each peer every 4 s and records its smoothed
    // round trip every 30 s; capstan records each probe.
    if (this.metrics !== undefined) this.timers.push(this.clock.setInterval(() => this.transport.probe(), PEER_PROBE_INTERVAL_MS));
    this.timers.push(this.clock.setInterval(() => this.expireWaiters(), WAITER_SWEEP_MS));
    this.timers.push(this.clock.setInterval(() => void this.refreshDbSize(), 1000));
    this.timers.push(this.clock.setInterval(() => this.autoCompact(), 1000));
    this.watchable.start();
    this.schedule();
    this.publish();
  }

  /** schedule runs the Ready loop soon, coalescing many inputs into one Ready. */
  private schedule(): void {
    if (this.running) this.sendUrgent();
    if (this.scheduled || this.running || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.loop();
    });
  }

  private async loop(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      while (!this.stopped && this.node.hasReady()) {
        const rd = this.node.ready();
        await this.handleReady(rd);
      }
    } catch (err) {
      this.fail(err, 'store: the Raft loop failed; stopping');
      return;
    } finally {
      this.running = false;
    }
    if (this.node.hasReady()) this.schedule();
  }

  /** fail stops the member after a failed write: it cannot promise durability any more (etcd panics). */
  private fail(err: unknown, msg: string): void {
    if (this.loopError !== undefined) return;
    this.loopError = err;
    this.kv.markFailed(err);
    this.log.fatal({ err }, msg);
    this.failAll(err);
    this.stopped = true;
    this.failedResolve(err);
  }

  /** flushSoon writes what was applied within BACKEND_BATCH_INTERVAL_MS, unless a Ready's write carries it first. */
  private flushSoon(): void {
    if (this.flushTimer !== undefined || this.stopped) return;
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = undefined;
      this.flushInBackground();
    }, BACKEND_BATCH_INTERVAL_MS);
  }

  /** flushInBackground writes what was applied without waiting for it; a failed write stops the member. */
  private flushInBackground(): void {
    void this.kv.flush().catch((err: unknown) => this.fail(err, 'store: writing applied state failed; stopping'));
  }

  /** handleReady follows the Ready protocol: persist, send, apply, advance (see raw-node.ts). */
  private async handleReady(rd: Ready): Promise<void> {
    if (rd.softState !== undefined) this.onSoftState(rd.softState.lead, rd.softState.raftState === 'StateLeader');
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    if (rd.snapshot !== undefined) await this.installSnapshot(rd.snapshot.metadata.index);
    // A leader's appends and heartbeats depend on nothing it has yet to persist, so they go out before its own
    // fsync and the two overlap (thesis §10.2.1); the core counts the leader's own log only once persisted.
    // Everything else — votes, acknowledgements — waits for the write.
    // A follower's forwarded proposals and read requests go out at once too.
    let later = rd.messages;
    if (rd.messages.length > 0) {
      const earlyTypes = this.node.isLeader() ? LEADER_EARLY : ANY_EARLY;
      const early: Message[] = [];
      later = [];
      for (const m of rd.messages) (earlyTypes.has(m.type) ? early : later).push(m);
      if (this.node.isLeader()) this.checkHeartbeatDelay(early);
      this.transport.send(early);
    }
    let ops = this.raftLog.persistOps(rd);
    if (this.metrics !== undefined) this.metrics.walWriteBytes.inc(opBytes(ops));
    let carriesApplied = false;
    if (ops.length > 0 && !rd.mustSync) {
      // Only the commit index moved: nothing needs a sync or waits for this write (etcd's WAL buffers such a
      // HardState unsynced). It goes down with the next write — the next Ready's, or the MVCC flush at the
      // batch interval — queued ahead of what this Ready applies, so the applied index never gets ahead of
      // the commit index in the backend; the commit mark has it on disk before any of it is answered.
      this.kv.queueAll(ops);
      ops = [];
    } else if (ops.length > 0) {
      // What earlier Readys applied to MVCC goes down in the same write: one LevelDB write per Ready, not two.
      // It goes first, since it may hold an older deferred HardState that this Ready's must overwrite.
      const queued = this.kv.drain();
      if (queued.length > 0) {
        ops = queued.concat(ops);
        carriesApplied = true;
      }
      this.flushTimer?.cancel();
      this.flushTimer = undefined;
    }
    // Resolves with how long LevelDB took to write it: what runs meanwhile (early applies) is not counted in it.
    const persisted = ops.length > 0 ? this.backend.write(ops, rd.mustSync) : undefined;
    // Committed entries that were durable before this Ready may be applied while its own write is in flight.
    const first = rd.entries[0]?.index ?? Infinity;
    const applyEarly = rd.snapshot === undefined && rd.committedEntries.length > 0 && rd.committedEntries[rd.committedEntries.length - 1]!.index < first;
    if (applyEarly) await this.applyEntries(rd.committedEntries);
    if (persisted !== undefined) {
      const took = await persisted;
      this.metrics?.walFsyncSeconds.observe(took / 1000);
      // The applied state it carried was committed to the backend by the same write.
      if (carriesApplied) this.metrics?.backendCommitSeconds.observe(took / 1000);
      if (rd.mustSync && took > WARN_SYNC_MS) this.log.warn({ tookMs: Math.round(took), expectedMs: WARN_SYNC_MS, ops: ops.length }, 'store: slow fdatasync');
    }
    this.raftLog.applyToMemory(rd);
    this.transport.send(later);
    if (!applyEarly && rd.committedEntries.length > 0) await this.applyEntries(rd.committedEntries);
    for (const rs of rd.readStates) this.onReadState(Buffer.from(rs.requestCtx).toString('latin1'), rs.index);
    this.node.advance(rd);
    // While more Readys follow, the next one's write carries what was applied; after the last one it is written
    // within the batch interval, unless the next Ready comes first.
    if (!this.node.hasReady()) this.flushSoon();
    if (rd.committedEntries.length > 0) this.maybeSnapshot();
  }

  /**
   * sendUrgent sends the heartbeats (and responses) produced while a Ready is being handled, which a long apply
   * would otherwise hold back until it ends; followers would then elect, or a leader lose CheckQuorum.
   */
  private sendUrgent(): void {
    if (this.stopped) return;
    const msgs = this.node.takeMessages(URGENT);
    if (msgs.length === 0) return;
    if (this.node.isLeader()) this.checkHeartbeatDelay(msgs);
    this.transport.send(msgs);
  }

  /** checkHeartbeatDelay warns, as etcd does, when this leader's heartbeats go out late (see heartbeat-delay.ts). */
  private checkHeartbeatDelay(messages: readonly Message[]): void {
    const heartbeats = messages.reduce((n, m) => (m.type === 'MsgHeartbeat' ? n + 1 : n), 0);
    if (heartbeats === 0) return;
    const exceeded = this.heartbeatDelay.sent(this.clock.monotonic());
    if (exceeded === undefined) return;
    this.log.warn(
      { heartbeatIntervalMs: this.cfg.heartbeatIntervalMs, expectedMs: this.heartbeatDelay.expectedMs, exceededMs: Math.round(exceeded) },
      'store: leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk or a long apply',
    );
    // etcd counts each late heartbeat, one per follower.
    this.metrics?.heartbeatSendFailures.inc(heartbeats);
  }

  private onSoftState(lead: bigint, isLeader: boolean): void {
    const wasLeader = this.leader === this.memberId;
    // A ReadIndex round waiting when the leader changes: etcd gives it up and counts it as failed; capstan asks
    // the new leader, but counts it the same.
    if (lead !== this.leader && this.readInFlight !== undefined) this.metrics?.readIndexesFailed.inc();
    this.leader = lead;
    this.metrics?.isLeader.set(isLeader ? 1 : 0);
    this.metrics?.hasLeader.set(lead === NONE ? 0 : 1);
    if (lead !== NONE) this.metrics?.leaderChanges.inc();
    this.heartbeatDelay.reset();
    if (isLeader && !wasLeader) {
      // Every lease gets its full TTL again, plus an election timeout (etcd's Promote).
      this.lessor.promote(this.cfg.electionTimeoutMs);
      this.revoking.clear();
    } else if (!isLeader && wasLeader) {
      this.lessor.demote();
    }
    this.log.info({ leader: hex(lead), term: this.term, isLeader }, 'store: leader changed');
    for (const l of this.leaderListeners) l();
  }

  /** onLeaderChange registers a listener called whenever the leader changes; returns its remover. */
  onLeaderChange(fn: () => void): () => void {
    this.leaderListeners.add(fn);
    return () => this.leaderListeners.delete(fn);
  }

  private async applyEntries(entries: Entry[]): Promise<void> {
    // Every entry here is durable (see handleReady): the commit mark may cover them, and must before any of
    // their clients is answered, since the backend's commit index may wait in memory with the applied state.
    this.commitMark.advance(entries[entries.length - 1]!);
    // Watchers get the events of the entries applied in one go as one batch (WatchableStore.hold); it goes
    // out before anything is awaited, so a batch never waits on a preparation.
    this.watchable.hold();
    try {
      for (const e of entries) {
        const fresh = e.index > this.kv.consistentIndex;
        if (e.type === 'EntryConfChange') {
          this.applyConfChangeEntry(e, fresh);
        } else if (fresh && e.data.length > 0) {
          const req = decodeInternalRequest(e.data);
          // What can take long without changing anything (a Txn's past-revision reads, the tombstones of a
          // range delete or a lease revoke) is done first, with the event loop free. From its first change to
          // its consistent index the entry is applied synchronously, so no flush of the MVCC queue can fall
          // inside one entry.
          let prepared: Prepared | undefined;
          let failed: ApplyResult | undefined;
          let preparing: Promise<Prepared | undefined> | undefined;
          try {
            preparing = this.applier.prepare(req);
          } catch (err) {
            failed = { ok: false, err };
          }
          if (preparing !== undefined) {
            this.watchable.release();
            try {
              prepared = await preparing;
            } catch (err) {
              failed = { ok: false, err };
            } finally {
              this.watchable.hold();
            }
          }
          // Timed from here: the preparation above leaves the event loop free for other work.
          const startedAt = this.clock.monotonic();
          this.applyRequest(req, prepared, failed);
          const took = this.clock.monotonic() - startedAt;
          if (took > WARN_APPLY_MS) {
            // etcd's "apply request took too long": nothing else runs on this member meanwhile, heartbeats included.
            this.log.warn({ tookMs: Math.round(took), expectedMs: WARN_APPLY_MS, index: e.index, request: req.request }, 'store: apply request took too long');
            this.metrics?.slowApplies.inc();
          }
        }
        if (fresh) this.kv.setConsistentIndex(e.index);
        this.appliedIndex = e.index;
      }
    } finally {
      this.watchable.release();
    }
    while (this.appliedWaiters.length > 0 && this.appliedWaiters[0]!.index <= this.appliedIndex) this.appliedWaiters.shift()!.resolve();
  }

  /** applyRequest applies one request and hands the result to its proposer, if that proposer is this member. */
  private applyRequest(req: pb.InternalRaftRequest, prepared: Prepared | undefined, failed: ApplyResult | undefined): void {
    let result: ApplyResult;
    if (failed !== undefined) {
      result = failed;
    } else {
      try {
        result = { ok: true, resp: this.dispatch(req, prepared) };
        if (req.request === 'compaction') {
          const { resp, physical } = result.resp as { resp: pb.CompactionResponse; physical: Promise<void> };
          // Nobody may wait for it (not physical, or proposed elsewhere): a failure is logged, never unhandled.
          physical.catch((err: unknown) => this.log.error({ err, revision: req.compaction.revision }, 'store: compaction failed'));
          result = { ok: true, resp, ...(req.compaction.physical ? { after: physical } : {}) };
        }
      } catch (err) {
        result = { ok: false, err };
      }
    }
    this.settle(req.header?.id ?? '0', result);
  }

  /** settle hands an applied entry's result to its proposer, if that proposer is this member. */
  private settle(id: string, result: ApplyResult): void {
    const resp = result.ok ? result.resp : undefined;
    const w = this.waiters.get(id);
    if (w === undefined) {
      if (resp instanceof Promise) resp.catch(() => undefined);
      return;
    }
    this.waiters.delete(id);
    if (resp instanceof Promise) {
      // A read through the log (Range) was taken at this point of the log; its result arrives later.
      resp.then(
        (r: unknown) => w.resolve({ ok: true, resp: r }),
        (err: unknown) => w.resolve({ ok: false, err }),
      );
    } else {
      w.resolve(result);
    }
  }

  /** dispatch applies a request synchronously; only a Range through the log answers with a promise. */
  private dispatch(req: pb.InternalRaftRequest, prepared: Prepared | undefined): unknown {
    switch (req.request) {
      case 'put':
        return this.applier.put(req.put);
      case 'deleteRange':
        return this.applier.deleteRange(req.deleteRange, prepared?.request === 'deleteRange' ? prepared.deletion : undefined);
      case 'txn':
        return prepared?.request === 'txn' ? this.applier.txn(req.txn, prepared.reads, prepared.deletes) : this.applier.txn(req.txn, new Map());
      case 'compaction':
        return this.applier.compact(req.compaction);
      case 'leaseGrant': {
        const resp = this.applier.leaseGrant(req.leaseGrant);
        this.metrics?.leaseGranted.inc();
        this.metrics?.leaseTtl.observe(Number(resp.TTL));
        return resp;
      }
      case 'leaseRevoke': {
        const resp = this.applier.leaseRevoke(req.leaseRevoke, prepared?.request === 'leaseRevoke' ? prepared.deletion : undefined);
        this.metrics?.leaseRevoked.inc();
        return resp;
      }
      case 'alarm':
        return this.applier.alarm(req.alarm);
      case 'range':
        return this.applier.range(req.range);
      case 'memberAttrSet':
        return this.applyMemberAttrs(req.memberAttrSet);
      case 'memberLeave':
        return this.applyMemberLeave(req.memberLeave);
      default:
        this.log.warn({ request: req.request }, 'store: ignoring a request this version does not apply');
        return {};
    }
  }

  // ---- peers ------------------------------------------------------------------------------------------

  /** peerURLs maps every other member to its first peer URL. */
  private peerURLs(): Map<bigint, string> {
    const out = new Map<bigint, string>();
    for (const m of this.members.values()) if (m.id !== this.memberId && m.peerURLs.length > 0) out.set(m.id, m.peerURLs[0]!);
    return out;
  }

  isPeer(id: bigint): boolean {
    return this.members.has(id);
  }

  isRemoved(id: bigint): boolean {
    return this.removed.has(id);
  }

  clusterView(): ClusterView {
    return { clusterId: this.clusterId, members: [...this.members.values()], removed: [...this.removed] };
  }

  removedByPeer(id: bigint): void {
    this.log.warn({ peer: hex(id) }, 'store: a peer refused this member as removed from the cluster');
    this.onRemoved();
  }

  stepPeer(m: Message): void {
    if (this.stopped) return;
    try {
      this.node.step(m);
    } catch (err) {
      this.log.warn({ err, type: m.type, from: hex(m.from) }, 'store: could not step a peer message');
      return;
    }
    this.schedule();
  }

  reportUnreachable(id: bigint): void {
    this.node.reportUnreachable(id);
    this.schedule();
  }

  reportSnapshot(id: bigint, status: 'finish' | 'failure'): void {
    this.node.reportSnapshot(id, status);
    this.schedule();
  }

  /** snapshotSource streams this member's state, in the capstan snapshot format, to a follower. */
  snapshotSource(): SnapshotSource {
    return {
      chunks: async function* (this: StoreServer) {
        const w = new SnapshotWriter(1024 * 1024);
        for await (const r of this.snapshotRecords()) {
          const chunk = w.add(r.key, r.value);
          if (chunk !== undefined) yield chunk;
        }
        yield w.finish();
      }.bind(this),
    };
  }

  /**
   * receiveSnapshot verifies a snapshot a leader sent and hands its MsgSnap to the core; the state is
   * installed when the core's Ready says so (handleReady), in order with everything else.
   */
  async receiveSnapshot(m: Message, data: Buffer): Promise<void> {
    const { records } = readSnapshot(data);
    const index = m.snapshot?.metadata.index ?? 0;
    this.pendingSnapshot = { index, records };
    this.log.info({ from: hex(m.from), index, records: records.length, bytes: data.length }, 'store: received a snapshot');
    this.stepPeer(m);
  }

  /** installSnapshot replaces this member's state with the received snapshot's (a lagging follower, Raft §7). */
  private async installSnapshot(index: number): Promise<void> {
    const snap = this.pendingSnapshot;
    if (snap === undefined || snap.index !== index) throw new Error(`store: the core installs snapshot ${index} but its data was not received`);
    this.pendingSnapshot = undefined;
    this.metrics?.snapshotApplyInProgress.set(1);
    try {
      await this.installSnapshotData(snap);
    } finally {
      this.metrics?.snapshotApplyInProgress.set(0);
    }
  }

  /** installSnapshotData rewrites the backend with a received snapshot's records and reloads every state from it. */
  private async installSnapshotData(snap: ReceivedSnapshot): Promise<void> {
    const index = snap.index;
    // A compaction still deleting superseded revisions finishes before the backend is rewritten under it.
    await this.kv.compaction().catch(() => undefined);
    await this.kv.flush();
    await this.backend.barrier();
    const ops: BatchOp[] = [];
    for (const prefix of [Prefix.key, Prefix.lease, Prefix.member, Prefix.alarm, Prefix.meta]) {
      const { gte, lt } = prefixRange(prefix);
      for await (const k of this.backend.db.keys({ gte, lt })) {
        if (k.equals(metaMemberId) || k.equals(metaClusterId)) continue;
        ops.push({ type: 'del', key: k });
      }
    }
    for (const r of snap.records) {
      if (r.key.equals(metaMemberId) || r.key.equals(metaClusterId)) continue;
      if (r.key[0] === Prefix.raftEntry || r.key[0] === Prefix.raftState) continue;
      ops.push({ type: 'put', key: r.key, value: r.value });
    }
    await this.backend.write(ops, true);
    await this.kv.reload();
    await this.restoreState();
    const members = await loadMembers(this.backend);
    this.members.clear();
    for (const [id, m] of members) this.members.set(id, m);
    const { removed, rejected } = await loadRemovedAndRejected(this.backend);
    this.removed.clear();
    for (const id of removed) this.removed.add(id);
    this.rejectedConfChanges.clear();
    for (const i of rejected) this.rejectedConfChanges.add(i);
    this.transport.setPeers(this.peerURLs());
    this.appliedIndex = Math.max(index, this.kv.consistentIndex);
    this.snapshotIndex = index;
    this.watchable.resyncAll();
    this.log.info({ index, revision: this.kv.currentRev, consistentIndex: this.kv.consistentIndex }, 'store: installed snapshot');
  }

  /**
   * peerStreamClosed: when the leader's stream to us ends — its process died, and the kernel closed its
   * sockets at once — stop counting on it and start a PreVote now instead of waiting out the election
   * timeout. PreVote and leader stickiness on the other members keep this from disturbing a live leader.
   */
  peerStreamClosed(from: bigint): void {
    if (this.stopped || from !== this.node.leader() || from === this.memberId || this.failoverTimer !== undefined) return;
    this.log.info({ leader: hex(from) }, 'store: the leader\'s stream closed; campaigning without waiting for the election timeout');
    this.node.forgetLeader();
    this.schedule();
    const deadline = this.clock.monotonic() + this.cfg.electionTimeoutMs;
    const attempt = (): void => {
      this.failoverTimer = undefined;
      if (this.stopped || this.node.leader() !== NONE || this.clock.monotonic() > deadline) return;
      this.node.campaign();
      this.schedule();
      this.failoverTimer = this.clock.setTimeout(attempt, 2 * this.cfg.heartbeatIntervalMs + this.random.int(this.cfg.heartbeatIntervalMs));
    };
    // A little jitter, so the survivors do not all stand at the same instant.
    this.failoverTimer = this.clock.setTimeout(attempt, this.random.int(Math.max(1, this.cfg.heartbeatIntervalMs / 2)));
  }

  leaseRenew(id: bigint): LeaseAnswer {
    try {
      const ttl = this.lessor.renew(id);
      if (ttl > 0) this.metrics?.leaseRenewed.inc();
      return { ttl, grantedTtl: 0 };
    } catch (err) {
      if (err instanceof LeaseNotFoundError) return { ttl: 0, grantedTtl: 0 };
      throw err;
    }
  }

  leaseTimeToLive(id: bigint): LeaseAnswer {
    if (!this.lessor.isPrimary()) throw new NotLeaderError();
    const l = this.lessor.lookup(id);
    if (l === undefined) return { ttl: -1, grantedTtl: 0 };
    return { ttl: this.lessor.remaining(l), grantedTtl: l.ttl };
  }

  /**
   * renewLease renews a lease on the leader: here if this member leads, otherwise through the leader's
   * peer endpoint (etcd forwards keep-alives the same way). Returns the TTL, 0 for an unknown lease. As etcd's
   * LeaseRenew, a member without a leader, or whose leader cannot renew yet (a new leader's lessor takes over
   * once it has applied its term's first entry) or cannot be reached, waits for the next leader change or
   * RENEW_RETRY_MS and tries again until the request timeout — an election does not end keep-alive streams.
   */
  async renewLease(id: bigint): Promise<number> {
    const deadline = this.clock.monotonic() + this.requestTimeoutMs;
    for (;;) {
      if (this.stopped) throw new StoppedError();
      const left = deadline - this.clock.monotonic();
      try {
        if (this.leader === this.memberId) return this.leaseRenew(id).ttl;
        if (this.leader !== NONE) return (await this.transport.lease(this.leader, 'LeaseRenew', id, Math.max(1, Math.min(this.cfg.electionTimeoutMs, left)))).ttl;
      } catch (err) {
        this.log.debug({ err, lease: id.toString() }, 'store: lease renewal failed; retrying');
      }
      if (this.clock.monotonic() >= deadline) throw new TimeoutError();
      await new Promise<void>((resolve) => {
        const timer = this.clock.setTimeout(done, Math.min(RENEW_RETRY_MS, Math.max(0, deadline - this.clock.monotonic())));
        const remove = this.onLeaderChange(done);
        function done(): void {
          timer.cancel();
          remove();
          resolve();
        }
      });
    }
  }

  /** leaseTimeToLiveOnLeader asks the leader, which alone knows deadlines, how long a lease has left. */
  async leaseTimeToLiveOnLeader(id: bigint): Promise<LeaseAnswer> {
    if (this.leader === this.memberId) return this.leaseTimeToLive(id);
    if (this.leader === NONE) throw new NoLeaderError();
    return this.transport.lease(this.leader, 'LeaseTimeToLive', id, this.cfg.electionTimeoutMs);
  }

  /** applyMemberAttrs records the name and client URLs a member published (etcd's publish). */
  private applyMemberAttrs(r: pb.MemberAttrSetRequest): Record<string, never> {
    const id = toBigInt(r.memberId);
    const m = this.members.get(id);
    if (m === undefined || r.memberAttributes === null) return {};
    m.name = r.memberAttributes.name;
    m.clientURLs = [...r.memberAttributes.clientUrls];
    this.kv.queue(memberOp(m));
    return {};
  }

  /**
   * publish makes this member's name and client URLs known to the whole cluster, through the log, once it
   * has a leader (etcd's publish); retried until it succeeds or is no longer needed.
   */
  private publish(): void {
    const self = this.members.get(this.memberId);
    if (self === undefined || this.stopped) return;
    const want = this.cfg.advertiseClientUrls;
    if (self.name === this.cfg.name && self.clientURLs.join(',') === want.join(',')) return;
    if (this.leader === NONE) {
      this.clock.setTimeout(() => this.publish(), 200);
      return;
    }
    this.propose({ request: 'memberAttrSet', memberAttrSet: { memberId: int64(this.memberId), memberAttributes: { name: this.cfg.name, clientUrls: want } } })
      .catch((err: unknown) => {
        this.log.debug({ err }, 'store: publishing member attributes failed; retrying');
        this.clock.setTimeout(() => this.publish(), 500);
      });
  }

  /** hasLeader reports whether this member knows a leader (etcd's `hasleader` request metadata checks it). */
  hasLeader(): boolean {
    return this.node.leader() !== NONE;
  }

  /**
   * isLearner reports whether this member is a learner in its membership (etcd's `IsMemberExist(ID) &&
   * IsLearner()`): a learner serves serializable reads and Status only, and no streams.
   */
  isLearner(): boolean {
    return this.members.get(this.memberId)?.isLearner === true;
  }

  /** header is the ResponseHeader for a response at a store revision. */
  header(revision: number): pb.ResponseHeader {
    return { clusterId: this.clusterIdString, memberId: this.memberIdString, revision: int64(revision), raftTerm: int64(this.term) };
  }

  /** requestTimeoutMs is how long a proposal may take (etcd: 5 s plus two election timeouts). */
  get requestTimeoutMs(): number {
    return 5000 + 2 * this.cfg.electionTimeoutMs;
  }

  /**
   * propose replicates a request through Raft and resolves with its applied result. It refuses requests
   * larger than --max-request-bytes and fails with etcd's errors when there is no leader or time runs out.
   */
  async propose<T>(op: pb.InternalRaftOp): Promise<{ resp: T; after?: Promise<void> }> {
    // A leaving member refuses before proposing, with an error clients safely resend to another member.
    if (this.leaving) throw new NoLeaderError();
    return this.replicate<T>(op);
  }

  private async replicate<T>(op: pb.InternalRaftOp): Promise<{ resp: T; after?: Promise<void> }> {
    if (this.stopped) throw this.loopError !== undefined ? new StoppedError({ cause: this.loopError }) : new StoppedError();
    const id = this.nextRequestId();
    const data = encodeInternalRequest({ header: { id: int64(id) }, ...op } as pb.InternalRaftRequest);
    if (data.length > this.cfg.maxRequestBytes) throw new RequestTooLargeError(data.length, this.cfg.maxRequestBytes);
    const key = id.toString();
    const result = this.registerWaiter(key);
    try {
      this.node.propose(data);
    } catch (err) {
      this.waiters.delete(key);
      if (err instanceof ProposalDroppedError) throw new NoLeaderError({ cause: err });
      throw err;
    }
    return this.awaitApplied<T>(result);
  }

  /**
   * registerWaiter waits for the entry proposed under key to be applied, until the request timeout
   * (expireWaiters).
   */
  private registerWaiter(key: string): Promise<ApplyResult> {
    return new Promise<ApplyResult>((resolve) => this.waiters.set(key, { resolve, deadline: this.clock.monotonic() + this.requestTimeoutMs }));
  }

  private async awaitApplied<T>(result: Promise<ApplyResult>): Promise<{ resp: T; after?: Promise<void> }> {
    this.metrics?.proposalsPending.inc();
    this.schedule();
    const r = await result;
    this.metrics?.proposalsPending.dec();
    if (!r.ok) {
      this.metrics?.proposalsFailed.inc();
      throw r.err;
    }
    return r.after === undefined ? { resp: r.resp as T } : { resp: r.resp as T, after: r.after };
  }

  private nextRequestId(): bigint {
    this.reqSeq = (this.reqSeq + 1n) & 0xffffffffffffn;
    return this.reqPrefix | this.reqSeq;
  }

  /**
   * linearizableRead resolves once this member has applied everything committed before the call (ReadIndex,
   * thesis §6.4). Concurrent reads share one ReadIndex round, as etcd batches them. The test-only
   * --experimental-unsafe-local-linearizable-reads skips the round: a deliberate bug for the chaos checkers.
   */
  linearizableRead(): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedError());
    if (this.leaving) return Promise.reject(new NoLeaderError());
    if (this.cfg.experimentalUnsafeLocalLinearizableReads) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pendingReads.push({ resolve, reject });
      if (this.readInFlight === undefined) this.issueReadIndex();
    });
  }

  private issueReadIndex(): void {
    const waiters = this.pendingReads;
    this.pendingReads = [];
    if (waiters.length === 0) return;
    const ctxBytes = Buffer.allocUnsafe(8);
    ctxBytes.writeBigUInt64BE(this.random.uint64());
    const ctx = ctxBytes.toString('latin1');
    const started = this.clock.monotonic();
    const retry = (): void => {
      // No answer (no leader yet, or the request was lost): ask again, until the request timeout.
      if (this.readInFlight?.ctx !== ctx) return;
      if (this.clock.monotonic() - started > this.requestTimeoutMs) {
        this.readInFlight = undefined;
        const err = this.leader === NONE ? new NoLeaderError() : new TimeoutError();
        // etcd counts a read index that timed out as slow (one cut short by a leader change as failed: onSoftState).
        this.metrics?.slowReadIndexes.inc();
        for (const w of waiters) w.reject(err);
        this.issueReadIndex();
        return;
      }
      this.readInFlight.timer = this.clock.setTimeout(retry, 500);
      this.node.readIndex(ctxBytes);
      this.schedule();
    };
    this.readInFlight = { ctx, waiters, timer: this.clock.setTimeout(retry, 500) };
    this.node.readIndex(ctxBytes);
    this.schedule();
  }

  private onReadState(ctx: string, index: number): void {
    const inflight = this.readInFlight;
    if (inflight === undefined || inflight.ctx !== ctx) {
      // The answer to a round given up, or to an earlier request than the one waiting: etcd counts it as a slow
      // read index. A second answer to the round just answered (it was asked again) is no such thing.
      if (ctx !== this.lastReadCtx) this.metrics?.slowReadIndexes.inc();
      return;
    }
    inflight.timer.cancel();
    this.readInFlight = undefined;
    this.lastReadCtx = ctx;
    void this.waitApplied(index).then(() => {
      for (const w of inflight.waiters) w.resolve();
    });
    // Reads that arrived meanwhile start the next round.
    if (this.pendingReads.length > 0) this.issueReadIndex();
  }

  /** waitApplied resolves once the applied index reaches index. */
  waitApplied(index: number): Promise<void> {
    if (this.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve) => {
      this.appliedWaiters.push({ index, resolve });
      this.appliedWaiters.sort((a, b) => a.index - b.index);
    });
  }

  /**
   * checkQuota refuses a write of the given quota cost (see quota.ts) that would take the store to its quota.
   * As etcd's quotaKVServer does, it raises the NOSPACE alarm through Raft and waits for it before answering
   * NOSPACE, so a client that got NOSPACE finds the alarm in Alarm(GET) and /health at once; concurrent refusals
   * share one proposal. While the alarm is raised it answers NOSPACE at once, as the apply would.
   */
  async checkQuota(cost: number): Promise<void> {
    if (this.alarms.has('NOSPACE')) throw new NoSpaceError();
    if (this.dbSize + cost < this.cfg.quotaBackendBytes) return;
    if (this.nospaceAlarm === undefined) {
      this.log.warn({ dbSize: this.dbSize, quota: this.cfg.quotaBackendBytes }, 'store: database space exceeded; raising NOSPACE alarm');
      this.nospaceAlarm = this.propose({ request: 'alarm', alarm: { action: 'ACTIVATE', memberID: int64(this.memberId), alarm: 'NOSPACE' } })
        .then(
          () => undefined,
          (err: unknown) => this.log.warn({ err }, 'store: could not raise the NOSPACE alarm'),
        )
        .finally(() => (this.nospaceAlarm = undefined));
    }
    await this.nospaceAlarm;
    throw new NoSpaceError();
  }

  /** refreshDbSize measures the backend's files (Status.dbSize and the quota). */
  async refreshDbSize(): Promise<number> {
    const dir = join(this.cfg.dataDir, 'member', 'db');
    let total = 0;
    try {
      for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
    } catch {
      // The directory is being rewritten (defragment): keep the last figure.
      return this.dbSize;
    }
    this.dbSize = total;
    this.metrics?.dbSize.set(total);
    this.metrics?.dbSizeDebugging.set(total);
    return total;
  }

  /** defragment compacts the backend files (etcd's Defragment). */
  async defragment(): Promise<void> {
    const started = this.clock.monotonic();
    this.metrics?.defragInflight.set(1);
    try {
      await this.kv.flush();
      await this.backend.compactAll();
      await this.refreshDbSize();
    } finally {
      this.metrics?.defragInflight.set(0);
      this.metrics?.defragSeconds.observe((this.clock.monotonic() - started) / 1000);
    }
  }

  /** expireLeases proposes the revocation of expired leases (leader only), a bounded number at a time. */
  private expireLeases(): void {
    if (!this.lessor.isPrimary()) return;
    for (const l of this.lessor.expired(500)) {
      if (this.revoking.has(l.id)) continue;
      this.revoking.add(l.id);
      this.propose({ request: 'leaseRevoke', leaseRevoke: { ID: int64(l.id) } })
        .then(() => this.metrics?.leaseExpired.inc())
        .catch((err: unknown) => this.log.debug({ err, lease: l.id.toString() }, 'store: lease revocation failed; retrying later'))
        .finally(() => this.revoking.delete(l.id));
    }
  }

  /**
   * autoCompact compacts history on the leader as etcd's compactor does: `periodic` keeps the revisions of
   * the last retention period, `revision` keeps the last N revisions (checked every 5 minutes).
   */
  private autoCompact(): void {
    const retention = this.cfg.autoCompactionRetention;
    if (retention === '0' || this.leader !== this.memberId) return;
    const now = this.clock.monotonic();
    let target = 0;
    if (this.cfg.autoCompactionMode === 'periodic') {
      const keepMs = retentionMs(retention);
      if (keepMs <= 0) return;
      this.compactionSamples.push({ at: now, rev: this.kv.currentRev });
      while (this.compactionSamples.length > 1 && now - this.compactionSamples[1]!.at >= keepMs) this.compactionSamples.shift();
      const oldest = this.compactionSamples[0]!;
      if (now - oldest.at >= keepMs) target = oldest.rev;
    } else {
      const last = this.compactionSamples[0]?.at ?? -Infinity;
      if (now - last < 5 * 60_000) return;
      this.compactionSamples = [{ at: now, rev: this.kv.currentRev }];
      target = this.kv.currentRev - Number(retention);
    }
    if (target <= this.lastAutoCompactRev || target <= this.kv.compactMainRev || target <= 0) return;
    this.lastAutoCompactRev = target;
    this.log.info({ revision: target, mode: this.cfg.autoCompactionMode, retention }, 'store: auto-compaction');
    void this.propose({ request: 'compaction', compaction: { revision: int64(target), physical: false } }).catch((err: unknown) =>
      this.log.warn({ err, revision: target }, 'store: auto-compaction failed'),
    );
  }

  /** maybeSnapshot records a Raft snapshot every --snapshot-count entries and truncates the log behind it. */
  private maybeSnapshot(): void {
    const forced = this.forceSnapshot;
    if (!forced && this.appliedIndex - this.snapshotIndex <= this.cfg.snapshotCount) return;
    this.forceSnapshot = false;
    const index = this.appliedIndex;
    // A forced snapshot drops at least the first entry, so a new member is sent a snapshot (see applyConfChangeEntry).
    const compactIndex = Math.max(forced ? 1 : 0, index - SNAPSHOT_CATCHUP_ENTRIES);
    // MVCC writes through index are queued first (flush), so they are on disk before the log entries go; after
    // a failed write of applied state the log must stay whole, for replay.
    try {
      this.kv.assertWritable();
    } catch (err) {
      this.fail(err, 'store: writing applied state failed; stopping');
      return;
    }
    this.flushInBackground();
    const ops = this.raftLog.snapshotAndCompact(index, this.node.status().config, compactIndex);
    this.snapshotIndex = index;
    // MVCC writes through index were queued by kv.flush() before these, and a synced write makes all earlier
    // ones durable, so the log entries are only gone once the state they produced is on disk.
    void this.backend.write(ops, true).catch((err: unknown) => this.fail(err, 'store: snapshot write failed; stopping'));
    this.log.info({ index, compactIndex }, 'store: saved snapshot and compacted the raft log');
  }

  /** transferLeadership asks the core to hand leadership to target and waits until target leads. */
  async transferLeadership(target: bigint): Promise<void> {
    this.node.transferLeader(target);
    this.schedule();
    const deadline = this.clock.monotonic() + this.requestTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      const poll = this.clock.setInterval(() => {
        if (this.leader === target) {
          poll.cancel();
          resolve();
        } else if (this.clock.monotonic() > deadline) {
          poll.cancel();
          reject(new TimeoutError());
        }
      }, 20);
    });
  }

  /**
   * handOverLeadership: a leader that shuts down cleanly first hands leadership to its most caught-up
   * voter, so a planned restart costs the cluster no election timeout.
   */
  async handOverLeadership(): Promise<void> {
    if (this.stopped || this.leader !== this.memberId) return;
    const progress = this.node.status().progress;
    if (progress === undefined) return;
    let best: bigint = NONE;
    let bestMatch = -1;
    for (const [id, pr] of progress) {
      if (id === this.memberId || pr.isLearner) continue;
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best === NONE) return;
    const started = this.clock.monotonic();
    try {
      this.node.transferLeader(best);
      this.schedule();
      await new Promise<void>((resolve, reject) => {
        const poll = this.clock.setInterval(() => {
          if (this.leader !== this.memberId && this.leader !== NONE) {
            poll.cancel();
            resolve();
          } else if (this.clock.monotonic() - started > this.cfg.electionTimeoutMs) {
            poll.cancel();
            reject(new TimeoutError());
          }
        }, 10);
      });
      this.log.info({ to: hex(this.leader), ms: Math.round(this.clock.monotonic() - started) }, 'store: handed leadership over before stopping');
    } catch {
      this.log.warn({ to: hex(best) }, 'store: leadership transfer before stopping did not finish in time');
    }
  }

  // ---- membership -------------------------------------------------------------------------------------

  /**
   * applyConfChangeEntry applies a committed membership change: validated against the membership as it
   * stands (etcd's ValidateConfigurationChange, the same decision on every member), then applied to the core,
   * the member records, the removed set and the transport, and answered to its proposer. An entry this member
   * applied before (a restart replaying its log) only goes to the core again, unless it was refused then.
   */
  private applyConfChangeEntry(e: Entry, fresh: boolean): void {
    const cc = decodeConfChange(e.data);
    const ctx = decodeConfChangeContext(cc);
    if (!fresh) {
      if (!this.rejectedConfChanges.has(e.index)) this.node.applyConfChange(cc);
      return;
    }
    const err = validateConfChange(cc, ctx, this.members, this.removed);
    if (err !== undefined) {
      this.rejectedConfChanges.add(e.index);
      this.kv.queue(rejectedConfChangeOp(e.index));
      this.log.info({ type: cc.type, member: hex(cc.nodeId), index: e.index, reason: err.message }, 'store: refused a membership change');
      this.settle(ctx.requestId, { ok: false, err });
      return;
    }
    this.node.applyConfChange(cc);
    const id = cc.nodeId;
    switch (cc.type) {
      case 'ConfChangeAddNode':
      case 'ConfChangeAddLearnerNode': {
        const m: MemberInfo = ctx.promote
          ? { ...this.members.get(id)!, isLearner: false }
          : { ...ctx.member, id, isLearner: cc.type === 'ConfChangeAddLearnerNode' };
        this.members.set(id, m);
        this.kv.queue(memberOp(m));
        this.transport.setPeers(this.peerURLs());
        // A log that still starts at index 1 does not hold the initial membership (a snapshot at index 0 does):
        // snapshot now, so the new member is sent a snapshot, which carries it, instead of the log from 1.
        if (!ctx.promote && this.snapshotIndex === 0) this.forceSnapshot = true;
        break;
      }
      case 'ConfChangeRemoveNode':
        this.members.delete(id);
        this.removed.add(id);
        this.drainedMembers.delete(id);
        this.kv.queue(memberDeleteOp(id));
        this.kv.queue(removedOp(id));
        // Keep the link a moment, so the messages that tell the removed member the commit index still go out.
        this.timers.push(this.clock.setTimeout(() => this.transport.setPeers(this.peerURLs()), REMOVED_PEER_LINGER_MS));
        break;
      case 'ConfChangeUpdateNode': {
        const m = { ...this.members.get(id)!, peerURLs: ctx.member.peerURLs };
        this.members.set(id, m);
        this.kv.queue(memberOp(m));
        this.transport.setPeers(this.peerURLs());
        break;
      }
    }
    this.log.info({ type: cc.type, member: hex(id), promote: ctx.promote, index: e.index }, 'store: applied a membership change');
    this.settle(ctx.requestId, { ok: true, resp: this.memberList() });
    if (cc.type === 'ConfChangeRemoveNode' && id === this.memberId) this.onRemoved();
  }

  private onRemoved(): void {
    if (this.removedResolve === undefined) return;
    this.log.warn({ memberId: hex(this.memberId) }, MEMBER_REMOVED_MESSAGE);
    this.leaving = true;
    this.removedResolve();
    this.removedResolve = undefined;
  }

  /** applyMemberLeave: the member named starts draining; a confirmation lets the leader go on removing it. */
  private applyMemberLeave(r: pb.MemberLeaveRequest): Record<string, never> {
    const id = toBigInt(r.memberId);
    if (r.drained) this.drainedMembers.add(id);
    else if (id === this.memberId && !this.stopped) void this.leave();
    return {};
  }

  /** leave drains this member's client requests and confirms through the log that it has. */
  private async leave(): Promise<void> {
    this.log.info({}, 'store: this member is being removed; refusing new client requests and draining');
    this.leaveTimer?.cancel();
    // If the removal never comes (the leader failed meanwhile), serve again after a while.
    this.leaveTimer = this.clock.setTimeout(() => {
      if (this.removedResolve !== undefined) this.leaving = false;
    }, LEAVE_TIMEOUT_MS);
    // Requests forwarded to another member are left to finish: their answer does not depend on this member's log.
    await this.drainClients(false);
    await this.replicate({ request: 'memberLeave', memberLeave: { memberId: int64(this.memberId), drained: true } }).catch((err: unknown) =>
      this.log.warn({ err }, 'store: could not confirm that this member drained'),
    );
  }

  /**
   * drainClients makes this member refuse new client requests (with "no leader", which clients safely send
   * to another member) and resolves once every proposal and read it accepted has been answered, or after the
   * request timeout. A member does it before it stops and before it is removed, so that no client request is
   * cut off halfway (a write cut off may or may not have been applied, which a client cannot retry safely).
   * With forwarded, it also waits for the requests this member passed on to another (see track).
   */
  async drainClients(forwarded = true): Promise<void> {
    this.leaving = true;
    const deadline = this.clock.monotonic() + this.requestTimeoutMs;
    const idle = (): boolean =>
      this.waiters.size === 0 && (!forwarded || this.inflight.size === 0) && this.pendingReads.length === 0 && this.readInFlight === undefined;
    if (idle()) return;
    await new Promise<void>((resolve) => {
      const poll = this.clock.setInterval(() => {
        if (idle() || this.stopped || this.clock.monotonic() > deadline) {
          poll.cancel();
          resolve();
        }
      }, 10);
    });
  }

  /** track counts a request this member forwarded as in flight until it settles (drainClients waits for it). */
  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = (): void => void this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /** isLeader reports whether this member leads. */
  isLeader(): boolean {
    return this.leader === this.memberId && this.node.isLeader();
  }

  private leaderProgress(): NonNullable<ReturnType<RawNode['status']>['progress']> {
    const p = this.node.status().progress;
    if (p === undefined || !this.isLeader()) throw new NotLeaderError();
    return p;
  }

  /**
   * activeAmong returns which of ids the leader heard from recently (itself included). A leader that was just
   * elected has heard from nobody yet, so it waits up to an election timeout for all of them to answer.
   */
  private async activeAmong(ids: bigint[]): Promise<Set<bigint>> {
    const deadline = this.clock.monotonic() + this.cfg.electionTimeoutMs;
    const active = (): Set<bigint> => {
      const p = this.leaderProgress();
      return new Set(ids.filter((id) => id === this.memberId || p.get(id)?.recentActive === true));
    };
    let now = active();
    while (now.size < ids.length && this.clock.monotonic() < deadline) {
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 20));
      now = active();
    }
    return now;
  }

  /**
   * addMember adds a voter or a learner (leader only; etcd's MemberAdd). The new member's ID is derived from
   * its peer URLs and the time, as etcd derives it. A voter is only added while every voter is connected
   * and a majority of the grown cluster has started (etcd's --strict-reconfig-check).
   */
  async addMember(peerURLs: string[], isLearner: boolean): Promise<{ member: MemberInfo; members: pb.Member[] }> {
    this.leaderProgress();
    if (!isLearner) {
      const voters = [...this.members.values()].filter((m) => !m.isLearner);
      const started = voters.filter((m) => m.name !== '').length;
      // A second voter for a one-member cluster is allowed (etcd: the way to grow a restored cluster).
      if (started < majority(voters.length + 1) && !(started === 1 && voters.length === 1)) throw new MemberNotEnoughStartedError();
      const active = await this.activeAmong(voters.map((m) => m.id));
      if (active.size < voters.length) throw new UnhealthyError();
    }
    const member: MemberInfo = { id: memberIdFor(peerURLs, '', Math.floor(this.clock.now() / 1000)), name: '', peerURLs, clientURLs: [], isLearner };
    const members = await this.proposeConfChange(isLearner ? 'ConfChangeAddLearnerNode' : 'ConfChangeAddNode', member, false);
    return { member, members };
  }

  /**
   * removeMember removes a member (leader only; etcd's MemberRemove). The leader removing itself first hands
   * leadership to its most caught-up voter and answers NotLeaderError, for the caller to ask the new leader.
   * A member still running is drained first (memberLeave), so none of its clients' requests is left hanging.
   */
  async removeMember(id: bigint): Promise<pb.Member[]> {
    this.leaderProgress();
    const target = this.members.get(id);
    const invalid = validateConfChange({ type: 'ConfChangeRemoveNode', nodeId: id, context: new Uint8Array(0) }, { requestId: '0', promote: false, member: { id, name: '', peerURLs: [], clientURLs: [], isLearner: false } }, this.members, this.removed);
    if (invalid !== undefined || target === undefined) throw invalid ?? new Error('unreachable');
    if (!target.isLearner) {
      const voters = [...this.members.values()].filter((m) => !m.isLearner && m.id !== id);
      const active = await this.activeAmong(voters.map((m) => m.id));
      if (active.size < majority(voters.length)) throw new UnhealthyError();
    }
    if (id === this.memberId) {
      await this.handOverLeadership();
      throw new NotLeaderError();
    }
    if ((await this.activeAmong([id])).has(id)) {
      this.drainedMembers.delete(id);
      await this.replicate({ request: 'memberLeave', memberLeave: { memberId: int64(id), drained: false } });
      const deadline = this.clock.monotonic() + this.requestTimeoutMs;
      await new Promise<void>((resolve) => {
        const poll = this.clock.setInterval(() => {
          if (this.drainedMembers.has(id) || this.clock.monotonic() > deadline || !this.isLeader()) {
            poll.cancel();
            resolve();
          }
        }, 10);
      });
      if (!this.drainedMembers.has(id)) this.log.warn({ member: hex(id) }, 'store: the member being removed did not confirm it drained; removing it anyway');
    }
    return this.proposeConfChange('ConfChangeRemoveNode', { ...target }, false);
  }

  /** updateMember changes a member's peer URLs (leader only; etcd's MemberUpdate). */
  async updateMember(id: bigint, peerURLs: string[]): Promise<pb.Member[]> {
    this.leaderProgress();
    const m = this.members.get(id);
    if (m === undefined || this.removed.has(id)) throw new MemberNotFoundError(id);
    return this.proposeConfChange('ConfChangeUpdateNode', { ...m, peerURLs }, false);
  }

  /**
   * promoteMember makes a learner a voter (leader only; etcd's MemberPromote), once its log holds 90% of the
   * leader's — a learner that is still catching up would otherwise add a voter that cannot yet vote usefully.
   */
  async promoteMember(id: bigint): Promise<pb.Member[]> {
    const progress = this.leaderProgress();
    const m = this.members.get(id);
    if (m === undefined || this.removed.has(id)) throw new MemberNotFoundError(id);
    if (!m.isLearner) throw new MemberNotLearnerError();
    const learner = progress.get(id);
    const own = progress.get(this.memberId);
    if (learner === undefined || own === undefined || !isLearnerReady(learner.match, own.match)) throw new LearnerNotReadyError();
    const members = await this.proposeConfChange('ConfChangeAddNode', { ...m, isLearner: false }, true);
    this.metrics?.learnerPromoteSuccesses.inc();
    return members;
  }

  /**
   * proposeConfChange replicates one membership change and resolves with the member list once it is applied.
   * While an earlier change is still unapplied the core refuses a new one; the leader waits for it, within
   * the request timeout.
   */
  private async proposeConfChange(type: ConfChangeType, member: MemberInfo, promote: boolean): Promise<pb.Member[]> {
    const key = this.nextRequestId().toString();
    const cc = { type, nodeId: member.id, context: encodeConfChangeContext({ requestId: key, member, promote }) };
    const result = this.registerWaiter(key);
    for (;;) {
      try {
        this.node.proposeConfChange(cc);
        break;
      } catch (err) {
        if (!(err instanceof ProposalDroppedError && this.isLeader())) {
          this.waiters.delete(key);
          throw err instanceof ProposalDroppedError ? new NotLeaderError({ cause: err }) : err;
        }
      }
      // An earlier change is still unapplied: asked again until the request timeout fails the waiter
      // (expireWaiters), whose error the caller then gets; nothing is proposed after that.
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 20));
      if (!this.waiters.has(key)) break;
    }
    return (await this.awaitApplied<pb.Member[]>(result)).resp;
  }

  /** raftStatus reports the core's indexes and term, for Status and metrics. */
  raftStatus(): { term: number; commit: number; applied: number; leader: bigint; isLearner: boolean } {
    const st = this.node.status();
    return {
      term: st.hardState.term,
      commit: st.hardState.commit,
      applied: this.appliedIndex,
      leader: st.softState.lead,
      isLearner: st.config.learners.includes(this.memberId),
    };
  }

  /** memberList returns the members, sorted by ID. */
  memberList(): pb.Member[] {
    return [...this.members.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((m) => ({ ID: int64(m.id), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner }));
  }

  /** snapshotStream iterates over a consistent view of the store's state (not its Raft log). */
  async *snapshotRecords(): AsyncGenerator<{ key: Buffer; value: Buffer }> {
    await this.kv.flush();
    await this.backend.barrier();
    for await (const [key, value] of this.backend.db.iterator({ gte: Buffer.from([0]), lt: Buffer.from([Prefix.raftEntry]) })) {
      if (key[0] === Prefix.raftState) continue;
      yield { key, value };
    }
  }

  /**
   * expireWaiters fails the proposals whose request timeout has passed. Every proposal gets the same timeout
   * and the map keeps insertion order, so the sweep stops at the first one still within its time: one timer
   * for all of them instead of one each.
   */
  private expireWaiters(): void {
    const now = this.clock.monotonic();
    for (const [k, w] of this.waiters) {
      if (w.deadline > now) return;
      this.waiters.delete(k);
      // The entry may still commit: never say "no leader" (which invites a resend) once it was proposed.
      w.resolve({ ok: false, err: this.leader === NONE ? new TimeoutDueToLeaderFailError() : new TimeoutError() });
    }
  }

  private failAll(err: unknown): void {
    for (const [k, w] of this.waiters) {
      w.resolve({ ok: false, err: new StoppedError({ cause: err }) });
      this.waiters.delete(k);
    }
  }

  /** stop ends the loop, flushes the store and closes the backend. */
  async stop(): Promise<void> {
    if (this.stopped && this.timers.length === 0) return;
    await this.handOverLeadership();
    this.stopped = true;
    this.failoverTimer?.cancel();
    this.leaveTimer?.cancel();
    await this.peerServer.stop();
    for (const t of this.timers.splice(0)) t.cancel();
    this.watchable.stop();
    await this.transport.stop();
    while (this.running) await new Promise((r) => setImmediate(r));
    this.failAll(new StoppedError());
    for (const w of this.pendingReads.splice(0)) w.reject(new StoppedError());
    if (this.readInFlight !== undefined) {
      this.readInFlight.timer.cancel();
      for (const w of this.readInFlight.waiters) w.reject(new StoppedError());
      this.readInFlight = undefined;
    }
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    // After a failed write nothing more may be written: replay from the synced log covers what was applied.
    if (this.loopError === undefined) await this.kv.flush().catch((err: unknown) => this.log.error({ err }, 'store: writing applied state at stop failed'));
    await this.kv.compaction().catch(() => undefined);
    await this.backend.close();
    this.commitMark.close();
  }
}

function decodeBig(b: Buffer | undefined): bigint {
  if (b === undefined) throw new Error('store: data directory is missing its member or cluster ID');
  return b.readBigUInt64BE(0);
}

/** hex renders a member or cluster ID as etcd prints it. */
export function hex(id: bigint): string {
  return id.toString(16);
}

/** ReceivedSnapshot is a snapshot's data as received from the leader, waiting for the core to install it. */
interface ReceivedSnapshot {
  index: number;
  records: { key: Buffer; value: Buffer }[];
}

/** opBytes is what a batch writes: its keys and values, in bytes. */
function opBytes(ops: readonly BatchOp[]): number {
  let n = 0;
  for (const op of ops) n += op.key.length + (op.type === 'put' ? op.value.length : 0);
  return n;
}
