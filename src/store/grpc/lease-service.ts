import type { Logger } from '../../util/logger.js';
import type { Random } from '../../util/random.js';
import { LeaseTTLTooLargeError } from '../errors.js';
import { MAX_LEASE_TTL } from '../lease/lessor.js';
import type { StoreMetrics } from '../metrics.js';
import { LEASE_COST } from '../quota.js';
import type { StoreServer } from '../server.js';
import { failStream, unary } from './handler.js';
import type * as pb from './types.js';
import { int64, toBigInt, toNum } from './types.js';

/**
 * leaseService implements etcdserverpb.Lease. Grants and revocations go through Raft; keep-alives renew the
 * deadline on the leader, which alone decides expiry (etcd's lessor).
 */
export function leaseService(s: StoreServer, random: Random, log: Logger, metrics?: StoreMetrics): pb.LeaseServer {
  return {
    LeaseGrant: unary<pb.LeaseGrantRequest, pb.LeaseGrantResponse>(
      'etcdserverpb.Lease',
      'LeaseGrant',
      async (req) => {
        if (toNum(req.TTL) > MAX_LEASE_TTL) throw new LeaseTTLTooLargeError();
        let id = toBigInt(req.ID);
        // The proposer picks the ID, so every member applies the same grant.
        while (id === 0n) {
          const candidate = BigInt.asIntN(64, random.uint64() & 0x7fffffffffffffffn);
          if (candidate > 0n && s.lessor.lookup(candidate) === undefined) id = candidate;
        }
        await s.checkQuota(LEASE_COST);
        return (await s.propose<pb.LeaseGrantResponse>({ request: 'leaseGrant', leaseGrant: { TTL: req.TTL, ID: int64(id) } })).resp;
      },
      log,
      metrics,
    ),
    LeaseRevoke: unary<pb.LeaseRevokeRequest, pb.LeaseRevokeResponse>(
      'etcdserverpb.Lease',
      'LeaseRevoke',
      async (req) => (await s.propose<pb.LeaseRevokeResponse>({ request: 'leaseRevoke', leaseRevoke: req })).resp,
      log,
      metrics,
    ),
    LeaseKeepAlive: (call) => {
      // Renewals are answered in the order they arrive, each by the leader (forwarded if need be).
      let chain = Promise.resolve();
      call.on('data', (req: pb.LeaseKeepAliveRequest) => {
        const id = toBigInt(req.ID);
        chain = chain.then(async () => {
          // Requests queued behind a failure, or after the client went away, renew nothing.
          if (call.writableEnded || call.destroyed) return;
          let ttl: number;
          try {
            // etcd answers a keep-alive for an unknown lease with TTL 0 rather than an error.
            ttl = await s.renewLease(id);
          } catch (err) {
            failStream(call, err);
            return;
          }
          if (!call.writableEnded && !call.destroyed) call.write({ header: s.header(s.kv.currentRev), ID: int64(id), TTL: int64(ttl) });
        });
      });
      call.on('end', () => {
        void chain.then(() => {
          if (!call.writableEnded) call.end();
        });
      });
      call.on('error', () => undefined);
    },
    LeaseTimeToLive: unary<pb.LeaseTimeToLiveRequest, pb.LeaseTimeToLiveResponse>(
      'etcdserverpb.Lease',
      'LeaseTimeToLive',
      async (req) => {
        await s.linearizableRead();
        const id = toBigInt(req.ID);
        const l = s.lessor.lookup(id);
        if (l === undefined) {
          // etcd reports an unknown lease as TTL -1, not as an error.
          return { header: s.header(s.kv.currentRev), ID: req.ID, TTL: '-1', grantedTTL: '0', keys: [] };
        }
        // Only the leader knows deadlines; the keys are the same on every member.
        const { ttl } = await s.leaseTimeToLiveOnLeader(id);
        return {
          header: s.header(s.kv.currentRev),
          ID: req.ID,
          TTL: int64(ttl),
          grantedTTL: int64(l.ttl),
          keys: req.keys ? [...l.keys].sort().map((k) => Buffer.from(k, 'latin1')) : [],
        };
      },
      log,
      metrics,
    ),
    LeaseLeases: unary<pb.LeaseLeasesRequest, pb.LeaseLeasesResponse>(
      'etcdserverpb.Lease',
      'LeaseLeases',
      async () => {
        await s.linearizableRead();
        return { header: s.header(s.kv.currentRev), leases: [...s.lessor.leases.keys()].map((id) => ({ ID: int64(id) })) };
      },
      log,
      metrics,
    ),
  };
}
