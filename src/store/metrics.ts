import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * StoreMetrics are the member's Prometheus metrics, named as etcd names its own so that dashboards built for
 * etcd read them unchanged (etcd_server_*, etcd_disk_*, etcd_mvcc_*).
 */
export interface StoreMetrics {
  registry: Registry;
  hasLeader: Gauge;
  isLeader: Gauge;
  leaderChanges: Counter;
  proposalsCommitted: Counter;
  proposalsFailed: Counter;
  slowApplies: Counter;
  heartbeatsLate: Counter;
  proposalsPending: Gauge;
  appliedIndex: Gauge;
  walFsyncSeconds: Histogram;
  dbSize: Gauge;
  grpcHandled: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>;
  /** grpcHandlingSeconds is go-grpc-prometheus's server latency histogram; only with --metrics=extensive, as etcd. */
  grpcHandlingSeconds: Histogram<'grpc_type' | 'grpc_service' | 'grpc_method'> | undefined;
  fastPathCalls: Counter;
  watchers: Gauge;
  watchEventsReplayed: Counter;
}

/**
 * createStoreMetrics makes a registry of its own (no global default registry: several servers may share a process
 * in tests); extensive adds what etcd's --metrics=extensive adds.
 */
export function createStoreMetrics(options: { extensive?: boolean } = {}): StoreMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = { registers: [registry] };
  return {
    registry,
    hasLeader: new Gauge({ name: 'etcd_server_has_leader', help: 'Whether or not a leader exists. 1 is existence, 0 is not.', ...r }),
    isLeader: new Gauge({ name: 'etcd_server_is_leader', help: 'Whether or not this member is a leader. 1 if is, 0 otherwise.', ...r }),
    leaderChanges: new Counter({ name: 'etcd_server_leader_changes_seen_total', help: 'The number of leader changes seen.', ...r }),
    proposalsCommitted: new Counter({ name: 'etcd_server_proposals_applied_total', help: 'The total number of consensus proposals applied.', ...r }),
    proposalsFailed: new Counter({ name: 'etcd_server_proposals_failed_total', help: 'The total number of failed proposals seen.', ...r }),
    slowApplies: new Counter({ name: 'etcd_server_slow_apply_total', help: 'The total number of slow apply requests (likely overloaded from slow disk).', ...r }),
    heartbeatsLate: new Counter({
      name: 'capstan_store_leader_heartbeats_late_total',
      help: 'How often this member, as leader, sent heartbeats more than two heartbeat intervals apart.',
      ...r,
    }),
    proposalsPending: new Gauge({ name: 'etcd_server_proposals_pending', help: 'The current number of pending proposals to commit.', ...r }),
    appliedIndex: new Gauge({ name: 'etcd_server_applied_index', help: 'The current applied index of Raft.', ...r }),
    walFsyncSeconds: new Histogram({
      name: 'etcd_disk_wal_fsync_duration_seconds',
      help: 'The latency distributions of fsync called by WAL.',
      buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192],
      ...r,
    }),
    dbSize: new Gauge({ name: 'etcd_mvcc_db_total_size_in_bytes', help: 'Total size of the underlying database physically allocated in bytes.', ...r }),
    grpcHandled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: ['grpc_code', 'grpc_method', 'grpc_service', 'grpc_type'],
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
