/**
 * The store's Prometheus series, held against etcd 3.4's own: every series etcd's sample Grafana dashboard
 * (etcd's Documentation/op-guide/grafana.json) reads is served, with etcd's type and labels, on a 3-member
 * cluster; gRPC calls and streams are counted as go-grpc-prometheus counts them (started, messages each way,
 * handled by code; a stream the client cancels as Canceled) and client message bytes as etcd's codec counts
 * them — the same figures from both systems for the same calls.
 */
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { expect, it } from 'vitest';
import { useClusters } from './helpers/cluster.js';
import { EtcdGrpc, isServiceError } from './helpers/grpc.js';
import { useStore } from './helpers/store.js';
import { compatTarget, describeCompat } from './helpers/tools.js';
import { metricValue, metricValues, scrape, value, type Scrape } from './helpers/metrics.js';
import { waitFor } from './helpers/wait.js';

/** labelNames are the label names a series' samples carry (le and quantile aside), sorted. */
function labelNames(s: Scrape, name: string): string[][] {
  const seen = new Set<string>();
  for (const x of s.samples) {
    if (x.name !== name && x.name !== `${name}_bucket`) continue;
    seen.add(
      Object.keys(x.labels)
        .filter((k) => k !== 'le')
        .sort()
        .join(','),
    );
  }
  return [...seen].map((k) => (k === '' ? [] : k.split(',')));
}

/** DASHBOARD are the series etcd's sample Grafana dashboard queries, with etcd 3.4's types and label names. */
const DASHBOARD: readonly (readonly [name: string, type: string, labels: readonly string[]])[] = [
  ['etcd_server_has_leader', 'gauge', []],
  ['grpc_server_started_total', 'counter', ['grpc_method', 'grpc_service', 'grpc_type']],
  ['grpc_server_handled_total', 'counter', ['grpc_code', 'grpc_method', 'grpc_service', 'grpc_type']],
  ['etcd_debugging_mvcc_db_total_size_in_bytes', 'gauge', []],
  ['etcd_disk_wal_fsync_duration_seconds', 'histogram', []],
  ['etcd_disk_backend_commit_duration_seconds', 'histogram', []],
  ['process_resident_memory_bytes', 'gauge', []],
  ['etcd_network_client_grpc_received_bytes_total', 'counter', []],
  ['etcd_network_client_grpc_sent_bytes_total', 'counter', []],
  ['etcd_network_peer_received_bytes_total', 'counter', ['From']],
  ['etcd_network_peer_sent_bytes_total', 'counter', ['To']],
  ['etcd_server_proposals_failed_total', 'counter', []],
  ['etcd_server_proposals_pending', 'gauge', []],
  ['etcd_server_proposals_committed_total', 'gauge', []],
  ['etcd_server_proposals_applied_total', 'gauge', []],
  ['etcd_server_leader_changes_seen_total', 'counter', []],
];

/** MORE are further etcd series capstan serves, held to etcd's types and label names the same way. */
const MORE: readonly (readonly [name: string, type: string, labels: readonly string[]])[] = [
  ['etcd_server_is_leader', 'gauge', []],
  ['etcd_server_is_learner', 'gauge', []],
  ['etcd_server_id', 'gauge', ['server_id']],
  ['etcd_server_version', 'gauge', ['server_version']],
  ['etcd_cluster_version', 'gauge', ['cluster_version']],
  ['etcd_server_quota_backend_bytes', 'gauge', []],
  ['etcd_server_health_success', 'counter', []],
  ['etcd_server_health_failures', 'counter', []],
  ['etcd_server_slow_apply_total', 'counter', []],
  ['etcd_mvcc_db_total_size_in_bytes', 'gauge', []],
  ['etcd_debugging_mvcc_watcher_total', 'gauge', []],
  ['grpc_server_msg_received_total', 'counter', ['grpc_method', 'grpc_service', 'grpc_type']],
  ['grpc_server_msg_sent_total', 'counter', ['grpc_method', 'grpc_service', 'grpc_type']],
  ['etcd_network_active_peers', 'gauge', ['Local', 'Remote']],
  ['etcd_network_peer_round_trip_time_seconds', 'histogram', ['To']],
  ['etcd_debugging_mvcc_current_revision', 'gauge', []],
  ['etcd_debugging_mvcc_compact_revision', 'gauge', []],
  ['etcd_debugging_lease_granted_total', 'counter', []],
  ['etcd_debugging_lease_revoked_total', 'counter', []],
  ['etcd_debugging_lease_renewed_total', 'counter', []],
  ['etcd_debugging_server_lease_expired_total', 'counter', []],
  ['etcd_debugging_lease_ttl_total', 'histogram', []],
  ...['range', 'put', 'delete', 'txn'].flatMap((op) => [
    [`etcd_mvcc_${op}_total`, 'counter', []] as const,
    [`etcd_debugging_mvcc_${op}_total`, 'counter', []] as const,
  ]),
  ['etcd_debugging_mvcc_total_put_size_in_bytes', 'gauge', []],
  ['etcd_debugging_mvcc_keys_total', 'gauge', []],
  ['etcd_debugging_mvcc_watch_stream_total', 'gauge', []],
  ['etcd_debugging_mvcc_events_total', 'counter', []],
  ['etcd_debugging_mvcc_slow_watcher_total', 'gauge', []],
  ['etcd_server_heartbeat_send_failures_total', 'counter', []],
  ['etcd_server_read_indexes_failed_total', 'counter', []],
  ['etcd_server_slow_read_indexes_total', 'counter', []],
  ['etcd_server_learner_promote_successes', 'counter', []],
  ['etcd_server_snapshot_apply_in_progress_total', 'gauge', []],
  ['etcd_disk_wal_write_bytes_total', 'gauge', []],
  ['etcd_disk_defrag_inflight', 'gauge', []],
  ['etcd_disk_backend_defrag_duration_seconds', 'histogram', []],
  ['etcd_disk_backend_snapshot_duration_seconds', 'histogram', []],
  ['etcd_mvcc_hash_duration_seconds', 'histogram', []],
  ['etcd_mvcc_hash_rev_duration_seconds', 'histogram', []],
  ['etcd_debugging_mvcc_db_compaction_keys_total', 'counter', []],
  ['etcd_debugging_mvcc_index_compaction_pause_duration_milliseconds', 'histogram', []],
  ['etcd_debugging_mvcc_db_compaction_pause_duration_milliseconds', 'histogram', []],
  ['etcd_debugging_mvcc_db_compaction_total_duration_milliseconds', 'histogram', []],
  ['etcd_server_client_requests_total', 'counter', ['client_api_version', 'type']],
  ['os_fd_used', 'gauge', []],
  ['os_fd_limit', 'gauge', []],
];

describeCompat('the series etcd dashboards read', ['store'], () => {
  const cluster = useClusters();

  it("every series of etcd's sample Grafana dashboard, and more of etcd's, with etcd's types and labels, on every member", async () => {
    const c = await cluster({ members: 3, name: 'metrics-dashboard' });
    const rpc = new EtcdGrpc(c.members[0]!.address);
    try {
      const written = await rpc.put({ key: Buffer.from('dashboard'), value: Buffer.from('v') });
      const watch = rpc.watch();
      watch.send({ create_request: { key: Buffer.from('dashboard') } });
      await watch.next(5000, 'the created response');
      const lease = await rpc.leaseGrant(60);
      const keepAlive = rpc.keepAlive();
      keepAlive.send({ ID: lease.ID });
      await keepAlive.next(5000, 'a keep-alive response');
      expect((await fetch(new URL('/health', c.members[0]!.endpoint), { signal: AbortSignal.timeout(5000) })).status).toBe(200);
      const members = (await rpc.unary<{ members: { ID: string }[] }>('Cluster', 'MemberList', {})).members.map((m) => BigInt(m.ID).toString(16));
      for (const m of c.members) {
        const s = await waitFor(
          async () => {
            const got = await scrape(m.endpoint);
            // Peer traffic shows once the member has exchanged messages with a peer (a follower: the leader), a
            // round trip once a peer has been probed (etcd first records one 5 s after start).
            const ready = ['etcd_network_peer_sent_bytes_total', 'etcd_network_peer_received_bytes_total', 'etcd_network_peer_round_trip_time_seconds_count'];
            return ready.every((name) => value(got, name) > 0) ? got : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 250, what: `peer traffic and round trips in ${m.endpoint}/metrics` },
        );
        for (const [name, type, labels] of [...DASHBOARD, ...MORE]) {
          expect([name, s.types.get(name)]).toEqual([name, type]);
          const names = labelNames(s, name);
          expect([name, names.length > 0 ? names : 'no samples']).toEqual([name, [[...labels].sort()]]);
        }
        // Peer series are labelled with the other members' IDs, in hex as etcd writes them.
        for (const x of s.samples.filter((x) => x.name === 'etcd_network_peer_sent_bytes_total')) expect(members).toContain(x.labels.To);
        const own = s.samples.filter((x) => x.name === 'etcd_server_id');
        expect(own.length).toBe(1);
        expect(members).toContain(own[0]!.labels.server_id);
        expect(s.samples.find((x) => x.name === 'etcd_server_version')!.labels.server_version).toMatch(/^3\.4\.\d+$/);
        expect(value(s, 'etcd_server_proposals_committed_total')).toBeGreaterThanOrEqual(value(s, 'etcd_server_proposals_applied_total'));
        expect(value(s, 'etcd_server_proposals_applied_total')).toBeGreaterThan(0);
        expect(value(s, 'etcd_debugging_mvcc_current_revision')).toBeGreaterThanOrEqual(Number(written.header.revision));
        expect(value(s, 'etcd_debugging_lease_granted_total')).toBe(1);
        // Never compacted: etcd reports -1.
        expect(value(s, 'etcd_debugging_mvcc_compact_revision')).toBe(-1);
      }
      // The dashboard's Active Streams panel: started minus handled, by service.
      const first = await scrape(c.members[0]!.endpoint);
      const active = (service: string): number =>
        value(first, 'grpc_server_started_total', { grpc_service: service, grpc_type: 'bidi_stream' }) - value(first, 'grpc_server_handled_total', { grpc_service: service, grpc_type: 'bidi_stream' });
      expect([active('etcdserverpb.Watch'), active('etcdserverpb.Lease')]).toEqual([1, 1]);
      expect(value(first, 'etcd_server_health_success')).toBeGreaterThanOrEqual(1);
      watch.close();
      keepAlive.close();
    } finally {
      rpc.close();
    }
  });
});

describeCompat('gRPC calls and streams counted', ['store'], () => {
  const store = useStore({ name: 'metrics-grpc' });

  it('unary calls and a watch stream: started, messages each way, handled by code, message bytes — as etcd counts them', async () => {
    const rpc = new EtcdGrpc(store().address);
    const put = { grpc_method: 'Put', grpc_service: 'etcdserverpb.KV', grpc_type: 'unary' };
    const watchLabels = { grpc_method: 'Watch', grpc_service: 'etcdserverpb.Watch', grpc_type: 'bidi_stream' };
    try {
      const before = await scrape(store().endpoint);
      // Every method's series exist from the start, at zero (go-grpc-prometheus's Register, which etcd calls).
      const defrag = { grpc_method: 'Defragment', grpc_service: 'etcdserverpb.Maintenance', grpc_type: 'unary' };
      const health = { grpc_method: 'Watch', grpc_service: 'grpc.health.v1.Health', grpc_type: 'server_stream' };
      for (const [name, labels] of [
        ['grpc_server_started_total', defrag],
        ['grpc_server_handled_total', { ...defrag, grpc_code: 'DataLoss' }],
        ['grpc_server_msg_sent_total', health],
      ] as const) {
        const found = before.samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
        expect([name, found.map((x) => x.value)]).toEqual([name, [0]]);
      }
      // A Put of key "count" and value "v": the request is 10 bytes on the wire (two length-delimited fields).
      await rpc.raw('/etcdserverpb.KV/Put', Buffer.from([0x0a, 5, ...Buffer.from('count'), 0x12, 1, 0x76]));
      const refused = await rpc.put({ key: Buffer.alloc(0), value: Buffer.from('v') }).catch((err: unknown) => err);
      expect(isServiceError(refused) && refused.details).toBe('etcdserver: key is not provided');
      const watch = rpc.watch();
      watch.send({ create_request: { key: Buffer.from('count') } });
      await watch.next(5000, 'the created response');
      const open = await scrape(store().endpoint);
      const delta = (after: Scrape, name: string, labels: Record<string, string>): number => value(after, name, labels) - value(before, name, labels);
      expect(delta(open, 'grpc_server_started_total', put)).toBe(2);
      expect(delta(open, 'grpc_server_msg_received_total', put)).toBe(2);
      expect(delta(open, 'grpc_server_msg_sent_total', put)).toBe(1);
      expect(delta(open, 'grpc_server_handled_total', { ...put, grpc_code: 'OK' })).toBe(1);
      expect(delta(open, 'grpc_server_handled_total', { ...put, grpc_code: 'InvalidArgument' })).toBe(1);
      expect(delta(open, 'grpc_server_started_total', watchLabels)).toBe(1);
      expect(delta(open, 'grpc_server_msg_received_total', watchLabels)).toBe(1);
      expect(delta(open, 'grpc_server_msg_sent_total', watchLabels)).toBe(1);
      expect(delta(open, 'grpc_server_handled_total', watchLabels)).toBe(0);
      // Received: the two Puts (10 bytes; 5 for the refused one, whose empty key the helper still encodes) and
      // the watch's create request (2 + 2 + 5 bytes).
      expect(delta(open, 'etcd_network_client_grpc_received_bytes_total', {})).toBe(10 + 5 + 9);
      expect(delta(open, 'etcd_network_client_grpc_sent_bytes_total', {})).toBeGreaterThan(0);

      watch.close();
      const closed = await waitFor(
        async () => {
          const s = await scrape(store().endpoint);
          return delta(s, 'grpc_server_handled_total', watchLabels) > 0 ? s : undefined;
        },
        { timeoutMs: 5000, intervalMs: 100, what: 'the cancelled watch stream to be counted as handled' },
      );
      // etcd 3.4 maps a cancelled stream's context to "no leader" in one branch of a race (Unavailable), so either
      // code may come from it; capstan counts the cancel.
      const codes = compatTarget() === 'etcd' ? ['Canceled', 'Unavailable'] : ['Canceled'];
      expect(codes.map((code) => delta(closed, 'grpc_server_handled_total', { ...watchLabels, grpc_code: code })).reduce((a, b) => a + b, 0)).toBe(1);
      expect(delta(closed, 'grpc_server_handled_total', watchLabels)).toBe(1);
    } finally {
      rpc.close();
    }
  });
});

describeCompat('MVCC operations counted', ['store'], () => {
  const store = useStore({ name: 'metrics-mvcc' });

  it('ranges, puts, deletes and multi-operation transactions, put bytes and live keys — as etcd counts them', async () => {
    const rpc = new EtcdGrpc(store().address);
    const k = (s: string): Buffer => Buffer.from(`mvcc/${s}`);
    const NAMES = ['etcd_mvcc_range_total', 'etcd_mvcc_put_total', 'etcd_mvcc_delete_total', 'etcd_mvcc_txn_total', 'etcd_debugging_mvcc_total_put_size_in_bytes', 'etcd_debugging_mvcc_keys_total'];
    const read = (): Promise<number[]> => metricValues(store().endpoint, NAMES);
    try {
      const lease = await rpc.leaseGrant(600);
      // Deltas of range, put, delete, txn, put bytes and live keys each step makes, as etcd 3.4.23 counts them.
      const steps: [string, number[], () => Promise<unknown>][] = [
        ['put', [0, 1, 0, 0, 11, 1], () => rpc.put({ key: k('a'), value: Buffer.from('12345') })],
        ['put prev_kv', [1, 1, 0, 1, 9, 0], () => rpc.put({ key: k('a'), value: Buffer.from('123'), prev_kv: true })],
        ['put ignore_value', [1, 1, 0, 1, 9, 0], () => rpc.put({ key: k('a'), ignore_value: true })],
        ['put with lease', [0, 1, 0, 0, 8, 1], () => rpc.put({ key: k('l1'), value: Buffer.from('x'), lease: lease.ID })],
        ['put with lease 2', [0, 1, 0, 0, 8, 1], () => rpc.put({ key: k('l2'), value: Buffer.from('x'), lease: lease.ID })],
        ['range', [1, 0, 0, 0, 0, 0], () => rpc.range({ key: k('a') })],
        ['range serializable', [1, 0, 0, 0, 0, 0], () => rpc.range({ key: k('a'), serializable: true })],
        ['txn mod=0 → put', [1, 1, 0, 0, 7, 1], () => rpc.txn({ compare: [{ result: 'Equal', target: 'Mod', key: k('b'), mod_revision: 0 }], success: [{ request_put: { key: k('b'), value: Buffer.from('v') } }], failure: [{ request_range: { key: k('b') } }] })],
        ['txn mod=0 fails → range', [2, 0, 0, 0, 0, 0], () => rpc.txn({ compare: [{ result: 'Equal', target: 'Mod', key: k('b'), mod_revision: 0 }], success: [{ request_put: { key: k('b'), value: Buffer.from('v') } }], failure: [{ request_range: { key: k('b') } }] })],
        ['txn 2 compares → put', [2, 1, 0, 1, 7, 1], () => rpc.txn({ compare: [{ result: 'Greater', target: 'Mod', key: k('b'), mod_revision: 0 }, { result: 'Greater', target: 'Version', key: k('a'), version: 0 }], success: [{ request_put: { key: k('c'), value: Buffer.from('v') } }] })],
        ['txn 2 compares, the first fails → nothing', [1, 0, 0, 0, 0, 0], () => rpc.txn({ compare: [{ result: 'Equal', target: 'Mod', key: k('b'), mod_revision: 0 }, { result: 'Greater', target: 'Version', key: k('a'), version: 0 }], success: [{ request_put: { key: k('c'), value: Buffer.from('v') } }] })],
        ['nested txn → put and range', [2, 1, 0, 1, 7, 1], () => rpc.txn({ success: [{ request_txn: { compare: [{ result: 'Greater', target: 'Version', key: k('a'), version: 0 }], success: [{ request_put: { key: k('f'), value: Buffer.from('v') } }, { request_range: { key: k('a') } }] } }] })],
        ['txn → 2 puts', [0, 2, 0, 1, 14, 2], () => rpc.txn({ success: [{ request_put: { key: k('d'), value: Buffer.from('v') } }, { request_put: { key: k('e'), value: Buffer.from('v') } }] })],
        ['txn read-only compare + range', [2, 0, 0, 1, 0, 0], () => rpc.txn({ compare: [{ result: 'Greater', target: 'Mod', key: k('b'), mod_revision: 0 }], success: [{ request_range: { key: k('a') } }] })],
        ['txn read-only 2 ranges', [2, 0, 0, 1, 0, 0], () => rpc.txn({ success: [{ request_range: { key: k('a') } }, { request_range: { key: k('b') } }] })],
        ['txn empty', [0, 0, 0, 0, 0, 0], () => rpc.txn({})],
        ['delete', [0, 0, 1, 0, 0, -1], () => rpc.deleteRange({ key: k('e') })],
        ['delete prev_kv', [1, 0, 1, 1, 0, -1], () => rpc.deleteRange({ key: k('d'), prev_kv: true })],
        ['delete range', [0, 0, 1, 0, 0, -2], () => rpc.deleteRange({ key: k('a'), range_end: k('c') })],
        ['delete missing', [0, 0, 1, 0, 0, 0], () => rpc.deleteRange({ key: k('zz') })],
        ['lease revoke (2 keys)', [0, 0, 2, 1, 0, -2], () => rpc.leaseRevoke(lease.ID)],
      ];
      const seen: string[] = [];
      let before = await read();
      for (const [name, , step] of steps) {
        await step();
        // A write is applied on this single member before its answer; a read is counted before its answer.
        const after = await read();
        seen.push(`${name}: ${after.map((v, i) => v - before[i]!).join(' ')}`);
        before = after;
      }
      expect(seen).toEqual(steps.map(([name, deltas]) => `${name}: ${deltas.join(' ')}`));
      // etcd 3.4 keeps the older etcd_debugging_mvcc_ names beside the new ones, counting alike.
      const s = await scrape(store().endpoint);
      for (const op of ['range', 'put', 'delete', 'txn']) expect(value(s, `etcd_debugging_mvcc_${op}_total`), op).toBe(value(s, `etcd_mvcc_${op}_total`));
    } finally {
      rpc.close();
    }
  });
});

describeCompat('watch streams, watchers and events counted', ['store'], () => {
  const store = useStore({ name: 'metrics-watch' });

  it('open streams and watchers, and events sent (replays included) — as etcd counts them', async () => {
    const rpc = new EtcdGrpc(store().address);
    const NAMES = ['etcd_debugging_mvcc_watch_stream_total', 'etcd_debugging_mvcc_watcher_total', 'etcd_debugging_mvcc_events_total', 'etcd_debugging_mvcc_slow_watcher_total'];
    const read = (): Promise<number[]> => metricValues(store().endpoint, NAMES);
    const start = await read();
    const since = async (): Promise<number[]> => (await read()).map((v, i) => v - start[i]!);
    const first = rpc.watch();
    let second: ReturnType<EtcdGrpc['watch']> | undefined;
    try {
      first.send({ create_request: { key: Buffer.from('mw/a') } });
      await first.next(5000, 'the first watcher created');
      first.send({ create_request: { key: Buffer.from('mw/'), range_end: Buffer.from('mw0') } });
      await first.next(5000, 'the second watcher created');
      expect(await since()).toEqual([1, 2, 0, 0]);
      await rpc.set('mw/a', '1');
      await first.next(5000, 'an event');
      await first.next(5000, 'an event');
      await rpc.set('mw/b', '1');
      await first.next(5000, 'an event');
      // Both watchers saw mw/a, one saw mw/b.
      expect(await since()).toEqual([1, 2, 3, 0]);
      // A watcher from revision 1 is replayed both puts.
      second = rpc.watch();
      second.send({ create_request: { key: Buffer.from('mw/'), range_end: Buffer.from('mw0'), start_revision: 1 } });
      await second.next(5000, 'the replaying watcher created');
      const replayed = await second.next(5000, 'the replay');
      expect(replayed.events).toHaveLength(2);
      expect(await since()).toEqual([2, 3, 5, 0]);
    } finally {
      first.close();
      second?.close();
    }
    await waitFor(async () => ((await since()).slice(0, 2).every((v) => v === 0) ? true : undefined), {
      what: 'no stream and no watcher left once both are cancelled',
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    rpc.close();
  });
});

describeCompat('maintenance, compaction and client requests counted', ['store'], () => {
  const store = useStore({ name: 'metrics-maintenance' });

  it('defragment, snapshot, hashes, a compaction, WAL bytes and client requests — as etcd counts them', async () => {
    const rpc = new EtcdGrpc(store().address);
    const raw = new Client(store().address, credentials.createInsecure());
    const SERIES = [
      'etcd_disk_backend_defrag_duration_seconds_count',
      'etcd_disk_defrag_inflight',
      'etcd_disk_backend_snapshot_duration_seconds_count',
      'etcd_mvcc_hash_duration_seconds_count',
      'etcd_mvcc_hash_rev_duration_seconds_count',
      'etcd_debugging_mvcc_db_compaction_keys_total',
      'etcd_debugging_mvcc_index_compaction_pause_duration_milliseconds_count',
      'etcd_debugging_mvcc_db_compaction_pause_duration_milliseconds_count',
      'etcd_debugging_mvcc_db_compaction_total_duration_milliseconds_count',
    ];
    const read = (): Promise<number[]> => metricValues(store().endpoint, SERIES);
    const requests = (type: string): Promise<number> => metricValue(store().endpoint, 'etcd_server_client_requests_total', { type, client_api_version: 'unknown' });
    try {
      const before = await read();
      const unaryBefore = await requests('unary');
      const walBefore = await metricValue(store().endpoint, 'etcd_disk_wal_write_bytes_total');
      let rev = 0;
      for (let i = 0; i < 5; i++) rev = Number((await rpc.set('maint/k', `v${i}`)).header.revision);
      expect(await metricValue(store().endpoint, 'etcd_disk_wal_write_bytes_total')).toBeGreaterThan(walBefore);
      // Physical: answered once the superseded revisions are deleted, as etcd does.
      await rpc.compact(rev, true);
      await rpc.unary('Maintenance', 'Defragment', {});
      await rpc.unary('Maintenance', 'Hash', {});
      // A hash at the compaction revision itself is refused (a range there is not).
      const refused = await rpc.hashKV(rev).catch((err: unknown) => err);
      expect(isServiceError(refused) ? [refused.code, refused.details] : refused).toEqual([11, 'etcdserver: mvcc: required revision has been compacted']);
      await rpc.hashKV(0);
      const chunks = await new Promise<number>((resolve, reject) => {
        let n = 0;
        const call = raw.makeServerStreamRequest('/etcdserverpb.Maintenance/Snapshot', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), new Metadata());
        call.on('data', () => n++);
        call.on('end', () => resolve(n));
        call.on('error', reject);
      });
      expect(chunks).toBeGreaterThan(0);
      // The stream's timing is observed as it ends; the scrape may come a moment after the client saw the end.
      const after = await waitFor(
        async () => {
          const a = await read();
          return a[2]! > before[2]! ? a : undefined;
        },
        { what: 'the snapshot timed', timeoutMs: 5000, intervalMs: 50 },
      );
      // One of each; the four superseded revisions of maint/k deleted in one batch, short of a full one (1,000),
      // which is all etcd times as a pause.
      expect(after.map((v, i) => v - before[i]!)).toEqual([1, 0, 1, 1, 1, 4, 1, 0, 1]);
      // Five puts, the compaction, Defragment, Hash and both HashKVs (the refused one too); the snapshot is a stream.
      expect((await requests('unary')) - unaryBefore).toBe(10);
      expect(await requests('stream')).toBeGreaterThanOrEqual(1);
      const s = await scrape(store().endpoint);
      expect(value(s, 'os_fd_used')).toBeGreaterThan(0);
      expect(value(s, 'os_fd_limit')).toBeGreaterThanOrEqual(value(s, 'os_fd_used'));
    } finally {
      raw.close();
      rpc.close();
    }
  });
});

describeCompat('a snapshot stream cancelled while backed up', ['store'], () => {
  const store = useStore({ name: 'metrics-snapshot-cancel' });

  it('ends on the server and is timed, as etcd times a snapshot once it is closed', async () => {
    const rpc = new EtcdGrpc(store().address);
    const raw = new Client(store().address, credentials.createInsecure());
    const kib = Buffer.alloc(1024, 'v');
    try {
      // About 4 MiB: far more than HTTP/2 windows and socket buffers hold, so an unread stream backs up.
      for (let i = 0; i < 4000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => rpc.put({ key: Buffer.from(`snap/${i + j}`), value: kib })));
      const count = (): Promise<number> => metricValue(store().endpoint, 'etcd_disk_backend_snapshot_duration_seconds_count');
      const before = await count();
      const call = raw.makeServerStreamRequest('/etcdserverpb.Maintenance/Snapshot', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), new Metadata());
      call.on('error', () => undefined);
      await new Promise<void>((resolve) => call.once('data', () => resolve()));
      call.pause();
      // Let the server fill every buffer on the way, then go away without reading on.
      await waitFor(async () => ((await count()) === before ? true : undefined), { what: 'the stream still open', timeoutMs: 1000 });
      call.cancel();
      await waitFor(async () => ((await count()) === before + 1 ? true : undefined), { what: 'the cancelled snapshot timed', timeoutMs: 10_000, intervalMs: 100 });
    } finally {
      raw.close();
      rpc.close();
    }
  });
});
