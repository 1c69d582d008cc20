import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { BadLeaderTransfereeError, NotLeaderError } from '../errors.js';
import type { StoreMetrics } from '../metrics.js';
import { STORE_VERSION, type StoreServer } from '../server.js';
import { SnapshotWriter } from '../snapshot-format.js';
import { failStream, unary } from './handler.js';
import type * as pb from './types.js';
import { int64, toBigInt, toNum } from './types.js';

/** maintenanceService implements etcdserverpb.Maintenance (Downgrade, an etcd 3.6 feature, is not offered). */
export function maintenanceService(s: StoreServer, clock: Pick<Clock, 'monotonic'>, log: Logger, metrics?: StoreMetrics): pb.MaintenanceServer {
  const svc = 'etcdserverpb.Maintenance';
  return {
    Alarm: unary<pb.AlarmRequest, pb.AlarmResponse>(
      svc,
      'Alarm',
      async (req) => {
        if (req.action === 'GET') {
          await s.linearizableRead();
          return { header: s.header(s.kv.currentRev), alarms: s.alarms.list() };
        }
        return (await s.propose<pb.AlarmResponse>({ request: 'alarm', alarm: req })).resp;
      },
      log,
      metrics,
    ),
    Status: unary<pb.StatusRequest, pb.StatusResponse>(
      svc,
      'Status',
      async () => {
        const st = s.raftStatus();
        const dbSize = await s.refreshDbSize();
        return {
          header: s.header(s.kv.currentRev),
          version: STORE_VERSION,
          dbSize: int64(dbSize),
          leader: int64(st.leader),
          raftIndex: int64(st.commit),
          raftTerm: int64(st.term),
          raftAppliedIndex: int64(st.applied),
          errors: s.alarms.list().map((a) => `memberID:${toBigInt(a.memberID)} alarm:${a.alarm} `),
          dbSizeInUse: int64(dbSize),
          isLearner: st.isLearner,
          storageVersion: '',
          dbSizeQuota: int64(s.cfg.quotaBackendBytes),
          downgradeInfo: null,
        };
      },
      log,
      metrics,
    ),
    Defragment: unary<pb.DefragmentRequest, pb.DefragmentResponse>(
      svc,
      'Defragment',
      async () => {
        await s.defragment();
        return { header: s.header(s.kv.currentRev) };
      },
      log,
      metrics,
    ),
    Hash: unary<pb.HashRequest, pb.HashResponse>(
      svc,
      'Hash',
      async () => {
        const started = clock.monotonic();
        const h = await s.kv.hashKV(0);
        metrics?.hashSeconds.observe((clock.monotonic() - started) / 1000);
        return { header: s.header(h.revision), hash: h.hash };
      },
      log,
      metrics,
    ),
    HashKV: unary<pb.HashKVRequest, pb.HashKVResponse>(
      svc,
      'HashKV',
      async (req) => {
        const started = clock.monotonic();
        const h = await s.kv.hashKV(toNum(req.revision));
        metrics?.hashRevSeconds.observe((clock.monotonic() - started) / 1000);
        return { header: s.header(h.revision), hash: h.hash, compactRevision: int64(h.compactRevision), hashRevision: int64(toNum(req.revision) || h.revision) };
      },
      log,
      metrics,
    ),
    Snapshot: (call) => {
      const started = clock.monotonic();
      void (async () => {
        const header = s.header(s.kv.currentRev);
        const w = new SnapshotWriter();
        let sent = 0;
        const estimate = s.dbSize;
        // A client that goes away while the stream is backed up never drains it: stop waiting then too.
        const gone = new Promise<void>((resolve) => {
          call.once('cancelled', resolve);
          call.once('close', resolve);
        });
        const write = async (blob: Buffer): Promise<void> => {
          sent += blob.length;
          const ok = call.write({ header, remainingBytes: int64(Math.max(0, estimate - sent)), blob, version: STORE_VERSION });
          if (!ok) await Promise.race([new Promise<void>((resolve) => call.once('drain', resolve)), gone]);
        };
        for await (const r of s.snapshotRecords()) {
          if (call.cancelled) return;
          const chunk = w.add(r.key, r.value);
          if (chunk !== undefined) await write(chunk);
        }
        if (call.cancelled) return;
        const last = w.finish();
        sent += last.length;
        call.write({ header, remainingBytes: '0', blob: last, version: STORE_VERSION });
        call.end();
      })()
        .catch((err: unknown) => {
          log.warn({ err }, 'maintenance: snapshot stream failed');
          failStream(call, err);
        })
        // As etcd times a backend snapshot until it is closed: sent whole, failed or cancelled.
        .finally(() => metrics?.snapshotSeconds.observe((clock.monotonic() - started) / 1000));
    },
    MoveLeader: unary<pb.MoveLeaderRequest, pb.MoveLeaderResponse>(
      svc,
      'MoveLeader',
      async (req) => {
        const target = toBigInt(req.targetID);
        if (s.leader !== s.memberId) throw new NotLeaderError();
        const voters = s.node.status().config.voters;
        if (!voters.includes(target)) throw new BadLeaderTransfereeError();
        if (target !== s.memberId) await s.transferLeadership(target);
        return { header: s.header(s.kv.currentRev) };
      },
      log,
      metrics,
    ),
    Downgrade: (_call, callback) => {
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'capstan: Downgrade is an etcd 3.6 API; capstan speaks etcd 3.4' });
    },
  };
}
