import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MvccOps } from './apply.js';
import type { PeerTraffic } from './transport/peer-transport.js';

/**
 * StoreMetrics are the member's Prometheus metrics, named as etcd names its own so that dashboards built for
 * etcd read them unchanged (etcd_server_*, etcd_disk_*, etcd_mvcc_*).
 */
export interface StoreMetrics {
  registry: Registry;
  hasLeader: Gauge;
  isLeader: Gauge;
  leaderChanges: Counter;
  proposalsFailed: Counter;
  slowApplies: Counter;
  /** heartbeatSendFailures counts heartbeats this leader sent late (etcd counts them under this name). */
  heartbeatSendFailures: Counter;
  /** readIndexesFailed counts ReadIndex rounds a leader change cut into (etcd gives them up; capstan asks again). */
  readIndexesFailed: Counter;
  /** slowReadIndexes counts ReadIndex rounds that timed out, and answers to an earlier round than the one waiting. */
  slowReadIndexes: Counter;
  /** learnerPromoteSuccesses counts the learners this member, as leader, promoted. */
  learnerPromoteSuccesses: Counter;
  /** snapshotApplyInProgress is 1 while this member installs a snapshot received from the leader. */
  snapshotApplyInProgress: Gauge;
  /** walWriteBytes counts the bytes of the Raft log's writes (etcd's WAL bytes; a gauge in etcd). */
  walWriteBytes: Gauge;
  /** defragSeconds times Maintenance.Defragment; defragInflight is 1 while one runs. */
  defragSeconds: Histogram;
  defragInflight: Gauge;
  /** snapshotSeconds times Maintenance.Snapshot streams, start to end (etcd's backend snapshots). */
  snapshotSeconds: Histogram;
  /** hashSeconds times Maintenance.Hash; hashRevSeconds HashKV. */
  hashSeconds: Histogram;
  hashRevSeconds: Histogram;
  /** MVCC compactions: revisions deleted, the index's longest hold of the thread, each deletion batch's write, the whole. */
  dbCompactionKeys: Counter;
  indexCompactionPauseMs: Histogram;
  dbCompactionPauseMs: Histogram;
  dbCompactionTotalMs: Histogram;
  /** clientRequests counts client calls and streams by type and the client's API version (etcd's interceptors). */
  clientRequests: ClientRequests;
  proposalsPending: Gauge;
  walFsyncSeconds: Histogram;
  /** backendCommitSeconds times the backend writes that carry applied (MVCC) state. */
  backendCommitSeconds: Histogram;
  dbSize: Gauge;
  /** dbSizeDebugging is etcd 3.4's older name for dbSize, which its sample Grafana dashboard reads. */
  dbSizeDebugging: Gauge;
  quotaBackendBytes: Gauge;
  serverId: Gauge<'server_id'>;
  serverVersion: Gauge<'server_version'>;
  clusterVersion: Gauge<'cluster_version'>;
  healthSuccess: Counter;
  healthFailures: Counter;
  /** The go-grpc-prometheus server series etcd serves, for unary calls and streams alike. */
  grpcStarted: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  grpcHandled: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>;
  grpcMsgReceived: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  grpcMsgSent: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  /** clientReceivedBytes and clientSentBytes count client gRPC message payloads, as etcd's codec does. */
  clientReceivedBytes: Counter;
  clientSentBytes: Counter;
  /** Peer traffic by peer member ID (hex), as etcd's rafthttp labels it. */
  peerSentBytes: Counter<'To'>;
  peerReceivedBytes: Counter<'From'>;
  peerSentFailures: Counter<'To'>;
  activePeers: Gauge<'Local' | 'Remote'>;
  disconnectedPeers: Counter<'Local' | 'Remote'>;
  peerRoundTripSeconds: Histogram<'To'>;
  /** Lease counts, as etcd's lessor keeps them: grants and revocations applied, renewals by the leader. */
  leaseGranted: Counter;
  leaseRevoked: Counter;
  leaseRenewed: Counter;
  /** leaseExpired counts the leases this member, as leader, revoked because they expired. */
  leaseExpired: Counter;
  leaseTtl: Histogram;
  /**
   * readFrom names where the gauges of the member's state — proposals committed and applied (etcd's gauges of
   * the commit and applied index), learner or not, current and compact revision — read their values when scraped.
   */
  readFrom(readings: StoreReadings): void;
  /** grpcHandlingSeconds is go-grpc-prometheus's server latency histogram; only with --metrics=extensive, as etcd. */
  grpcHandlingSeconds: Histogram<'grpc_type' | 'grpc_service' | 'grpc_method'> | undefined;
  /**
   * mvccOps counts each MVCC transaction's ranges, puts and deletes, and one transaction when it did more than one
   * of them, under etcd 3.4's names (etcd_mvcc_*_total) and the etcd_debugging_mvcc_* ones it keeps beside them;
   * and the bytes of the keys and values put.
   */
  mvccOps: MvccOps;
  fastPathCalls: Counter;
  watchers: Gauge;
  /** watchStreams counts the open Watch streams. */
  watchStreams: Gauge;
  /** watchEvents counts the events sent to watchers, replays included. */
  watchEvents: Counter;
  watchEventsReplayed: Counter;
}

/** DISK_BUCKETS are etcd's disk latency buckets: 1 ms doubling to about 8 s. */
const DISK_BUCKETS = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192];

/**
 * fileDescriptorGauges serve etcd's os_fd_used and os_fd_limit, read from /proc when scraped (Linux; etcd serves
 * them where it can read them too).
 */
function fileDescriptorGauges(r: { registers: Registry[] }): void {
  if (!existsSync('/proc/self/fd') || !existsSync('/proc/self/limits')) return;
  scrapedGauge(r, 'os_fd_used', 'The number of used file descriptors.', () => readdirSync('/proc/self/fd').length);
  scrapedGauge(r, 'os_fd_limit', 'The file descriptor limit.', () => {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line === null ? undefined : Number(line[1]);
  });
}

/** scrapedGauge registers a gauge that reads its value when scraped (undefined: leave it as it was). */
function scrapedGauge(r: { registers: Registry[] }, name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name,
    help,
    collect() {
      const v = read();
      if (v !== undefined) this.set(v);
    },
    ...r,
  });
}

/** doubling is Prometheus's ExponentialBuckets(start, 2, n): n bucket bounds from start, each twice the last. */
function doubling(start: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => start * 2 ** i);
}

/** GRPC_LABELS are go-grpc-prometheus's labels of a call's series. */
const GRPC_LABELS = ['grpc_method', 'grpc_service', 'grpc_type'] as const;

/** StoreReadings are the member's state that gauges read when the metrics are scraped. */
export interface StoreReadings {
  commitIndex(): number;
  appliedIndex(): number;
  isLearner(): boolean;
  currentRevision(): number;
  compactRevision(): number;
  /** liveKeys counts the keys that exist now (etcd's keys_total: created ones less deleted ones). */
  liveKeys(): number;
  /** slowWatchers counts the watchers catching up from the backend (etcd's unsynced watchers). */
  slowWatchers(): number;
}

/**
 * createStoreMetrics makes a registry of its own (no global default registry: several servers may share a process
 * in tests); extensive adds what etcd's --metrics=extensive adds.
 */
export function createStoreMetrics(options: { extensive?: boolean } = {}): StoreMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = { registers: [registry] };
  let readings: StoreReadings | undefined;
  // Each gauge reads its value when scraped: nothing to keep up to date on the apply path.
  const reading = (name: string, help: string, read: (s: StoreReadings) => number): void =>
    scrapedGauge(r, name, help, () => (readings === undefined ? undefined : read(readings)));
  reading('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.', (s) => s.commitIndex());
  reading('etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.', (s) => s.appliedIndex());
  reading('etcd_server_is_learner', 'Whether or not this member is a learner. 1 if is, 0 otherwise.', (s) => (s.isLearner() ? 1 : 0));
  reading('etcd_debugging_mvcc_current_revision', 'The current revision of store.', (s) => s.currentRevision());
  reading('etcd_debugging_mvcc_compact_revision', 'The revision of the last compaction in store.', (s) => s.compactRevision());
  reading('etcd_debugging_mvcc_keys_total', 'Total number of keys.', (s) => s.liveKeys());
  reading('etcd_debugging_mvcc_slow_watcher_total', 'Total number of unsynced slow watchers.', (s) => s.slowWatchers());
  fileDescriptorGauges(r);
  return {
    mvccOps: mvccOpCounters(r),
    readFrom: (source) => {
      readings = source;
    },
    registry,
    hasLeader: new Gauge({ name: 'etcd_server_has_leader', help: 'Whether or not a leader exists. 1 is existence, 0 is not.', ...r }),
    isLeader: new Gauge({ name: 'etcd_server_is_leader', help: 'Whether or not this member is a leader. 1 if is, 0 otherwise.', ...r }),
    leaderChanges: new Counter({ name: 'etcd_server_leader_changes_seen_total', help: 'The number of leader changes seen.', ...r }),
    proposalsFailed: new Counter({ name: 'etcd_server_proposals_failed_total', help: 'The total number of failed proposals seen.', ...r }),
    slowApplies: new Counter({ name: 'etcd_server_slow_apply_total', help: 'The total number of slow apply requests (likely overloaded from slow disk).', ...r }),
    heartbeatSendFailures: new Counter({
      name: 'etcd_server_heartbeat_send_failures_total',
      help: 'The total number of leader heartbeat send failures (likely overloaded from slow disk).',
      ...r,
    }),
    readIndexesFailed: new Counter({ name: 'etcd_server_read_indexes_failed_total', help: 'The total number of failed read indexes seen.', ...r }),
    slowReadIndexes: new Counter({
      name: 'etcd_server_slow_read_indexes_total',
      help: "The total number of pending read indexes not in sync with leader's or timed out read index requests.",
      ...r,
    }),
    learnerPromoteSuccesses: new Counter({
      name: 'etcd_server_learner_promote_successes',
      help: 'The total number of successful learner promotions while this member is leader.',
      ...r,
    }),
    snapshotApplyInProgress: new Gauge({ name: 'etcd_server_snapshot_apply_in_progress_total', help: '1 if the server is applying the incoming snapshot. 0 if none.', ...r }),
    walWriteBytes: new Gauge({ name: 'etcd_disk_wal_write_bytes_total', help: 'Total number of bytes written in WAL.', ...r }),
    defragSeconds: new Histogram({ name: 'etcd_disk_backend_defrag_duration_seconds', help: 'The latency distribution of backend defragmentation.', buckets: doubling(0.1, 13), ...r }),
    defragInflight: new Gauge({ name: 'etcd_disk_defrag_inflight', help: 'Whether or not defrag is active on the member. 1 means active, 0 means not.', ...r }),
    snapshotSeconds: new Histogram({ name: 'etcd_disk_backend_snapshot_duration_seconds', help: 'The latency distribution of backend snapshots.', buckets: doubling(0.01, 17), ...r }),
    hashSeconds: new Histogram({ name: 'etcd_mvcc_hash_duration_seconds', help: 'The latency distribution of storage hash operation.', buckets: doubling(0.01, 15), ...r }),
    hashRevSeconds: new Histogram({
      name: 'etcd_mvcc_hash_rev_duration_seconds',
      help: 'The latency distribution of storage hash by revision operation.',
      buckets: doubling(0.01, 15),
      ...r,
    }),
    dbCompactionKeys: new Counter({ name: 'etcd_debugging_mvcc_db_compaction_keys_total', help: 'Total number of db keys compacted.', ...r }),
    indexCompactionPauseMs: new Histogram({
      name: 'etcd_debugging_mvcc_index_compaction_pause_duration_milliseconds',
      help: 'Bucketed histogram of index compaction pause duration.',
      buckets: doubling(0.5, 14),
      ...r,
    }),
    dbCompactionPauseMs: new Histogram({
      name: 'etcd_debugging_mvcc_db_compaction_pause_duration_milliseconds',
      help: 'Bucketed histogram of db compaction pause duration.',
      buckets: doubling(1, 13),
      ...r,
    }),
    dbCompactionTotalMs: new Histogram({
      name: 'etcd_debugging_mvcc_db_compaction_total_duration_milliseconds',
      help: 'Bucketed histogram of db compaction total duration.',
      buckets: doubling(100, 14),
      ...r,
    }),
    clientRequests: clientRequestCounts(r),
    proposalsPending: new Gauge({ name: 'etcd_server_proposals_pending', help: 'The current number of pending proposals to commit.', ...r }),
    walFsyncSeconds: new Histogram({ name: 'etcd_disk_wal_fsync_duration_seconds', help: 'The latency distributions of fsync called by WAL.', buckets: DISK_BUCKETS, ...r }),
    backendCommitSeconds: new Histogram({
      name: 'etcd_disk_backend_commit_duration_seconds',
      help: 'The latency distributions of commit called by backend.',
      buckets: DISK_BUCKETS,
      ...r,
    }),
    dbSize: new Gauge({ name: 'etcd_mvcc_db_total_size_in_bytes', help: 'Total size of the underlying database physically allocated in bytes.', ...r }),
    dbSizeDebugging: new Gauge({ name: 'etcd_debugging_mvcc_db_total_size_in_bytes', help: 'Total size of the underlying database physically allocated in bytes.', ...r }),
    quotaBackendBytes: new Gauge({ name: 'etcd_server_quota_backend_bytes', help: 'Current backend storage quota size in bytes.', ...r }),
    serverId: new Gauge({ name: 'etcd_server_id', help: 'Server or member ID in hexadecimal format. 1 for \'server_id\' label with current ID.', labelNames: ['server_id'], ...r }),
    serverVersion: new Gauge({ name: 'etcd_server_version', help: 'Which version is running. 1 for \'server_version\' label with current version.', labelNames: ['server_version'], ...r }),
    clusterVersion: new Gauge({ name: 'etcd_cluster_version', help: 'Which version is running. 1 for \'cluster_version\' label with current cluster version', labelNames: ['cluster_version'], ...r }),
    healthSuccess: new Counter({ name: 'etcd_server_health_success', help: 'The total number of successful health checks', ...r }),
    healthFailures: new Counter({ name: 'etcd_server_health_failures', help: 'The total number of failed health checks', ...r }),
    grpcStarted: new Counter({ name: 'grpc_server_started_total', help: 'Total number of RPCs started on the server.', labelNames: GRPC_LABELS, ...r }),
    grpcHandled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: ['grpc_code', 'grpc_method', 'grpc_service', 'grpc_type'],
      ...r,
    }),
    grpcMsgReceived: new Counter({ name: 'grpc_server_msg_received_total', help: 'Total number of RPC stream messages received on the server.', labelNames: GRPC_LABELS, ...r }),
    grpcMsgSent: new Counter({ name: 'grpc_server_msg_sent_total', help: 'Total number of gRPC stream messages sent by the server.', labelNames: GRPC_LABELS, ...r }),
    clientReceivedBytes: new Counter({ name: 'etcd_network_client_grpc_received_bytes_total', help: 'The total number of bytes received from grpc clients.', ...r }),
    clientSentBytes: new Counter({ name: 'etcd_network_client_grpc_sent_bytes_total', help: 'The total number of bytes sent to grpc clients.', ...r }),
    peerSentBytes: new Counter({ name: 'etcd_network_peer_sent_bytes_total', help: 'The total number of bytes sent to peers.', labelNames: ['To'], ...r }),
    peerReceivedBytes: new Counter({ name: 'etcd_network_peer_received_bytes_total', help: 'The total number of bytes received from peers.', labelNames: ['From'], ...r }),
    peerSentFailures: new Counter({ name: 'etcd_network_peer_sent_failures_total', help: 'The total number of send failures from peers.', labelNames: ['To'], ...r }),
    activePeers: new Gauge({ name: 'etcd_network_active_peers', help: 'The current number of active peer connections.', labelNames: ['Local', 'Remote'], ...r }),
    disconnectedPeers: new Counter({ name: 'etcd_network_disconnected_peers_total', help: 'The total number of disconnected peers.', labelNames: ['Local', 'Remote'], ...r }),
    peerRoundTripSeconds: new Histogram({
      name: 'etcd_network_peer_round_trip_time_seconds',
      help: 'Round-Trip-Time histogram between peers',
      labelNames: ['To'],
      // etcd's: 0.1 ms doubling to about 0.8 s.
      buckets: Array.from({ length: 14 }, (_, i) => 0.0001 * 2 ** i),
      ...r,
    }),
    leaseGranted: new Counter({ name: 'etcd_debugging_lease_granted_total', help: 'The total number of granted leases.', ...r }),
    leaseRevoked: new Counter({ name: 'etcd_debugging_lease_revoked_total', help: 'The total number of revoked leases.', ...r }),
    leaseRenewed: new Counter({ name: 'etcd_debugging_lease_renewed_total', help: 'The number of renewed leases seen by the leader.', ...r }),
    leaseExpired: new Counter({ name: 'etcd_debugging_server_lease_expired_total', help: 'The total number of expired leases.', ...r }),
    leaseTtl: new Histogram({
      name: 'etcd_debugging_lease_ttl_total',
      help: 'Bucketed histogram of lease TTLs.',
      // etcd's: 1 s doubling to 8,192 s.
      buckets: Array.from({ length: 14 }, (_, i) => 2 ** i),
      ...r,
    }),
    grpcHandlingSeconds: options.extensive
      ? new Histogram({
          name: 'grpc_server_handling_seconds',
          help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
          labelNames: ['grpc_method', 'grpc_service', 'grpc_type'],
          // Prometheus's default buckets, as go-grpc-prometheus uses them.
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          ...r,
        })
      : undefined,
    watchers: new Gauge({ name: 'etcd_debugging_mvcc_watcher_total', help: 'Total number of watchers.', ...r }),
    watchStreams: new Gauge({ name: 'etcd_debugging_mvcc_watch_stream_total', help: 'Total number of watch streams.', ...r }),
    watchEvents: new Counter({ name: 'etcd_debugging_mvcc_events_total', help: 'Total number of events sent by this member.', ...r }),
    watchEventsReplayed: new Counter({
      name: 'capstan_store_watch_events_replayed_total',
      help: 'Events read back from the backend for watchers that started in the past or fell behind (unsynced watchers).',
      ...r,
    }),
    fastPathCalls: new Counter({
      name: 'capstan_store_grpc_fast_path_calls_total',
      help: 'Unary KV calls answered on the HTTP/2 stream without going through grpc-js.',
      ...r,
    }),
  };
}

/**
 * peerTraffic counts a member's peer traffic in its metrics, labelled with member IDs in hex as etcd's rafthttp
 * labels them (To, From; Local and Remote for connections).
 */
export function peerTraffic(m: StoreMetrics, local: bigint): PeerTraffic {
  const localHex = local.toString(16);
  return {
    sent: (to, bytes) => m.peerSentBytes.inc({ To: to.toString(16) }, bytes),
    received: (from, bytes) => m.peerReceivedBytes.inc({ From: from.toString(16) }, bytes),
    sendFailed: (to, messages) => m.peerSentFailures.inc({ To: to.toString(16) }, messages),
    connected: (peer) => m.activePeers.inc({ Local: localHex, Remote: peer.toString(16) }),
    roundTrip: (to, seconds) => m.peerRoundTripSeconds.observe({ To: to.toString(16) }, seconds),
    disconnected: (peer) => {
      m.activePeers.dec({ Local: localHex, Remote: peer.toString(16) });
      m.disconnectedPeers.inc({ Local: localHex, Remote: peer.toString(16) });
    },
  };
}

/**
 * ClientRequests is told of each client call (`unary`) or stream (`stream`) with the API version its client
 * names (etcd_server_client_requests_total).
 */
export type ClientRequests = (type: 'unary' | 'stream', clientApiVersion: string) => void;

/**
 * scrapedCounter registers a counter kept as a plain running total on the hot path and handed to Prometheus when
 * scraped (prom-client's inc validates and hashes its labels on every call).
 */
function scrapedCounter(r: { registers: Registry[] }, name: string, help: string, total: () => number): void {
  let published = 0;
  new Counter({
    name,
    help,
    collect() {
      const t = total();
      if (t > published) this.inc(t - published);
      published = t;
    },
    ...r,
  });
}

/** mvccOpCounters keeps MvccOps's totals, served under etcd 3.4's names and the etcd_debugging_ ones it keeps beside them. */
function mvccOpCounters(r: { registers: Registry[] }): MvccOps {
  const totals = { range: 0, put: 0, delete: 0, txn: 0, putBytes: 0 };
  const help = { range: 'ranges', put: 'puts', delete: 'deletes', txn: 'txns' } as const;
  for (const op of ['range', 'put', 'delete', 'txn'] as const) {
    for (const prefix of ['etcd_mvcc', 'etcd_debugging_mvcc']) {
      scrapedCounter(r, `${prefix}_${op}_total`, `Total number of ${help[op]} seen by this member.`, () => totals[op]);
    }
  }
  scrapedGauge(r, 'etcd_debugging_mvcc_total_put_size_in_bytes', 'The total size of put kv pairs seen by this member.', () => totals.putBytes);
  return {
    record(ops) {
      totals.range += ops.ranges;
      totals.put += ops.puts;
      totals.delete += ops.deletes;
      if (ops.ranges + ops.puts + ops.deletes > 1) totals.txn++;
      totals.putBytes += ops.putBytes;
    },
  };
}

/** clientRequestCounts keeps the client requests by type and version, served as etcd_server_client_requests_total. */
function clientRequestCounts(r: { registers: Registry[] }): ClientRequests {
  const totals = new Map<string, { labels: { type: string; client_api_version: string }; total: number; published: number }>();
  new Counter({
    name: 'etcd_server_client_requests_total',
    help: 'The total number of client requests per client version.',
    labelNames: ['type', 'client_api_version'],
    collect() {
      for (const t of totals.values()) {
        if (t.total > t.published) this.inc(t.labels, t.total - t.published);
        t.published = t.total;
      }
    },
    ...r,
  });
  return (type, clientApiVersion) => {
    const key = `${type}\n${clientApiVersion}`;
    const t = totals.get(key);
    if (t !== undefined) t.total++;
    else totals.set(key, { labels: { type, client_api_version: clientApiVersion }, total: 1, published: 0 });
  };
}
