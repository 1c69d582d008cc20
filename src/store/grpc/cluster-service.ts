import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../util/logger.js';
import type { StoreMetrics } from '../metrics.js';
import type { StoreServer } from '../server.js';
import { unary } from './handler.js';
import type * as pb from './types.js';

const notYet = 'capstan: membership changes are not supported by this version of capstan store';

/** clusterService implements etcdserverpb.Cluster: the member list (membership changes come later). */
export function clusterService(s: StoreServer, log: Logger, metrics?: StoreMetrics): pb.ClusterServer {
  const refuse: grpc.handleUnaryCall<unknown, never> = (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: notYet });
  return {
    MemberList: unary<pb.MemberListRequest, pb.MemberListResponse>(
      'etcdserverpb.Cluster',
      'MemberList',
      async (req) => {
        if (req.linearizable) await s.linearizableRead();
        return { header: s.header(s.kv.currentRev), members: s.memberList() };
      },
      log,
      metrics,
    ),
    MemberAdd: refuse,
    MemberRemove: refuse,
    MemberUpdate: refuse,
    MemberPromote: refuse,
  };
}
