import type * as grpc from '@grpc/grpc-js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { HealthWatchEndedError, NoLeaderError, NotSupportedForLearnerError, toGrpcError } from '../errors.js';
import type { ClientRequests } from '../metrics.js';
import type { UnaryError } from './handler.js';

/**
 * The rules etcd's gRPC interceptors apply to every call before its handler (and before go-grpc-prometheus
 * counts it), as etcd 3.4's v3rpc/interceptor.go does:
 * - A learner serves serializable Range and Status only, and no stream: anything else is refused with
 *   Unavailable "etcdserver: rpc not supported for learner", so a client moves to a voting member.
 * - A call whose metadata says `hasleader: true` (clientv3's WithRequireLeader) is refused with Unavailable
 *   "etcdserver: no leader" when this member knows no leader — unary calls and streams alike.
 * - A stream opened with `hasleader: true` is watched: once the member has had no leader at three checks in a
 *   row, one election timeout apart, the stream is ended — Watch and LeaseKeepAlive with "etcdserver: no
 *   leader", the health service's Watch with Canceled "Stream has ended." (what each of etcd's handlers answers
 *   when the interceptor cancels its context); Snapshot never looks at its context in etcd and is left alone.
 */

/** CallRulesHost is what the rules read of the member. */
export interface CallRulesHost {
  hasLeader(): boolean;
  isLearner(): boolean;
}

/** MetadataLike is what the rules read of a call's metadata. */
type MetadataLike = Pick<grpc.Metadata, 'get'>;

/** HASLEADER is the metadata key clientv3's WithRequireLeader sets (to "true"). */
const HASLEADER = 'hasleader';

/** NO_LEADER_CHECKS is how many checks in a row must find no leader before watched streams end (etcd's maxNoLeaderCnt). */
const NO_LEADER_CHECKS = 3;

function requiresLeader(metadata: MetadataLike): boolean {
  return metadata.get(HASLEADER)[0] === 'true';
}

function statusOf(err: Error): UnaryError {
  const st = toGrpcError(err);
  return { code: st.code, details: st.details };
}

/** learnerServes says whether a learner answers this unary call: a serializable Range, or Status. */
function learnerServes(path: string, request: unknown): boolean {
  if (path === '/etcdserverpb.Maintenance/Status') return true;
  return path === '/etcdserverpb.KV/Range' && (request as { serializable?: boolean }).serializable === true;
}

/** clientApiVersion is the API version a client's metadata names (clientv3 sends `client-api-version`). */
function clientApiVersion(metadata: MetadataLike): string {
  const v = metadata.get('client-api-version')[0];
  return typeof v === 'string' ? v : 'unknown';
}

/**
 * unaryRefusal is the status a decoded unary call is refused with before its handler, or undefined to serve it.
 * counted is told of a call that passed the learner rule, with its client's API version ("unknown" when its
 * metadata names none): etcd counts client requests there, before the leader rule. So is streamRefusal's.
 */
export function unaryRefusal(host: CallRulesHost, path: string, request: unknown, metadata: MetadataLike, counted?: ClientRequests): UnaryError | undefined {
  if (host.isLearner() && !learnerServes(path, request)) return statusOf(new NotSupportedForLearnerError());
  counted?.('unary', clientApiVersion(metadata));
  if (requiresLeader(metadata) && !host.hasLeader()) return statusOf(new NoLeaderError());
  return undefined;
}

/** streamRefusal is the status a stream opened now with this metadata is refused with, or undefined to open it. */
export function streamRefusal(host: CallRulesHost, metadata: MetadataLike, counted?: ClientRequests): UnaryError | undefined {
  if (host.isLearner()) return statusOf(new NotSupportedForLearnerError());
  counted?.('stream', clientApiVersion(metadata));
  if (requiresLeader(metadata) && !host.hasLeader()) return statusOf(new NoLeaderError());
  return undefined;
}

/**
 * noLeaderStatus is what a watched stream of this method ends with when the member has been without a leader
 * too long, or undefined for a stream that goes on regardless.
 */
function noLeaderStatus(path: string): UnaryError | undefined {
  switch (path) {
    case '/etcdserverpb.Watch/Watch':
    case '/etcdserverpb.Lease/LeaseKeepAlive':
      return statusOf(new NoLeaderError());
    case '/grpc.health.v1.Health/Watch':
      return statusOf(new HealthWatchEndedError());
    default:
      return undefined;
  }
}

/**
 * LeaderMonitor ends the open `hasleader` streams once the member has found no leader at NO_LEADER_CHECKS
 * checks in a row, an election timeout apart: one timer for the member, as etcd's monitorLeader goroutine.
 */
export class LeaderMonitor {
  private readonly watched = new Set<() => void>();
  private timer: TimerHandle | undefined;
  private noLeaderChecks = 0;
  private stopped = false;

  constructor(
    private readonly hasLeader: () => boolean,
    private readonly clock: Clock,
    private readonly electionTimeoutMs: number,
  ) {}

  /**
   * watch registers an open stream: when it asked for a leader and its method ends without one, end is called
   * with the status once the member has been without a leader too long. It returns the unregister.
   */
  watch(path: string, metadata: MetadataLike, end: (status: UnaryError) => void): () => void {
    const status = noLeaderStatus(path);
    if (this.stopped || status === undefined || !requiresLeader(metadata)) return () => undefined;
    const entry = (): void => end(status);
    this.watched.add(entry);
    this.timer ??= this.clock.setInterval(() => this.check(), this.electionTimeoutMs);
    return () => {
      this.watched.delete(entry);
    };
  }

  /** stop stops the checks for good; streams still registered stay open. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.watched.clear();
  }

  private check(): void {
    this.noLeaderChecks = this.hasLeader() ? 0 : this.noLeaderChecks + 1;
    if (this.noLeaderChecks < NO_LEADER_CHECKS) return;
    const ends = [...this.watched];
    this.watched.clear();
    for (const end of ends) end();
  }
}
