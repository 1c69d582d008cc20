import * as grpc from '@grpc/grpc-js';
import { NONE } from '../../raft/index.js';
import type { Logger } from '../../util/logger.js';
import { MemberBadURLsError, NoLeaderError, NotLeaderError } from '../errors.js';
import type { StoreMetrics } from '../metrics.js';
import type { StoreServer } from '../server.js';
import { unary } from './handler.js';
import { loadProtos } from './proto.js';
import { int64, toBigInt } from './types.js';
import type * as pb from './types.js';

/** FORWARD_ATTEMPTS bounds how often a membership request follows the leader as it moves. */
const FORWARD_ATTEMPTS = 3;

/**
 * clusterService implements etcdserverpb.Cluster. Membership changes are decided on the leader, which alone
 * knows how far each member's log is (promote) and which members are connected; a member that does not lead
 * forwards the request to the leader's client URL, as etcd forwards MemberPromote over its peer API.
 */
export function clusterService(s: StoreServer, log: Logger, metrics?: StoreMetrics): pb.ClusterServer {
  const forwarder = new LeaderForwarder(s);
  const onLeader = async <Req, Resp>(method: string, req: Req, local: () => Promise<Resp>): Promise<Resp> => {
    for (let attempt = 1; ; attempt++) {
      if (s.isLeader()) {
        try {
          return await local();
        } catch (err) {
          // The leader handed leadership over (removing itself) or lost it: follow the new one.
          if (!(err instanceof NotLeaderError) || attempt >= FORWARD_ATTEMPTS) throw err;
          continue;
        }
      }
      return forwarder.call<Req, Resp>(method, req);
    }
  };
  const handle = <Req, Resp>(method: string, fn: (req: Req) => Promise<Resp>): grpc.handleUnaryCall<Req, Resp> =>
    unary<Req, Resp>('etcdserverpb.Cluster', method, fn, log, metrics);
  return {
    MemberList: handle<pb.MemberListRequest, pb.MemberListResponse>('MemberList', async (req) => {
      if (req.linearizable) await s.linearizableRead();
      return { header: s.header(s.kv.currentRev), members: s.memberList() };
    }),
    MemberAdd: handle<pb.MemberAddRequest, pb.MemberAddResponse>('MemberAdd', (req) =>
      onLeader('MemberAdd', req, async () => {
        const urls = checkPeerURLs(req.peerURLs);
        const { member, members } = await s.addMember(urls, req.isLearner);
        return {
          header: s.header(s.kv.currentRev),
          member: { ID: int64(member.id), name: '', peerURLs: member.peerURLs, clientURLs: [], isLearner: member.isLearner },
          members,
        };
      }),
    ),
    MemberRemove: handle<pb.MemberRemoveRequest, pb.MemberRemoveResponse>('MemberRemove', (req) =>
      onLeader('MemberRemove', req, async () => ({ header: s.header(s.kv.currentRev), members: await s.removeMember(toBigInt(req.ID)) })),
    ),
    MemberUpdate: handle<pb.MemberUpdateRequest, pb.MemberUpdateResponse>('MemberUpdate', (req) =>
      onLeader('MemberUpdate', req, async () => ({
        header: s.header(s.kv.currentRev),
        members: await s.updateMember(toBigInt(req.ID), checkPeerURLs(req.peerURLs)),
      })),
    ),
    MemberPromote: handle<pb.MemberPromoteRequest, pb.MemberPromoteResponse>('MemberPromote', (req) =>
      onLeader('MemberPromote', req, async () => ({ header: s.header(s.kv.currentRev), members: await s.promoteMember(toBigInt(req.ID)) })),
    ),
  };
}

/**
 * checkPeerURLs validates peer URLs as etcd's types.NewURLs does (http or https, a host and a port, no path)
 * and returns them without a trailing slash.
 */
export function checkPeerURLs(urls: readonly string[]): string[] {
  if (urls.length === 0) throw new MemberBadURLsError();
  return urls.map((raw) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new MemberBadURLsError();
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '' || u.port === '' || (u.pathname !== '/' && u.pathname !== '')) {
      throw new MemberBadURLsError();
    }
    return `${u.protocol}//${u.host}`;
  });
}

/**
 * LeaderForwarder sends a Cluster request to the leader's client URL, on a channel of its own that is closed
 * with the call (membership changes are rare). The call counts as one of the member's requests in flight,
 * so a member that stops or is removed answers it before it goes.
 */
class LeaderForwarder {
  constructor(private readonly s: StoreServer) {}

  call<Req, Resp>(method: string, req: Req): Promise<Resp> {
    const leader = this.s.leader;
    const url = leader === NONE ? undefined : this.s.members.get(leader)?.clientURLs[0];
    if (url === undefined) return Promise.reject(new NoLeaderError());
    const def = (loadProtos().services.Cluster as grpc.ServiceDefinition)[method]!;
    const client = new grpc.Client(new URL(url).host, grpc.credentials.createInsecure());
    const call = new Promise<Resp>((resolve, reject) => {
      client.makeUnaryRequest(
        def.path,
        def.requestSerialize as (r: Req) => Buffer,
        def.responseDeserialize as (b: Buffer) => Resp,
        req,
        { deadline: Date.now() + this.s.requestTimeoutMs * 2 },
        (err, resp) => (err !== null ? reject(err) : resolve(resp!)),
      );
    }).finally(() => client.close());
    return this.s.track(call);
  }
}
