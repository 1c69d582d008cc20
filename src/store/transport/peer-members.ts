import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { CapstanError } from '../../util/errors.js';
import { PROTO_DIR } from '../grpc/proto.js';
import type { MemberInfo } from '../membership.js';

/**
 * The member-list exchange of the peer protocol (capstanpb.Raft/Members): how a member started with
 * --initial-cluster-state existing learns, from the peers named in --initial-cluster, the cluster ID and its
 * own member ID (etcd's GetClusterFromRemotePeers, which asks the peers' /members).
 */

/** MEMBERS_METHOD is the peer RPC's path. */
export const MEMBERS_METHOD = '/capstanpb.Raft/Members';

/** ClusterView is what a member answers: its cluster ID, the members and the removed IDs. */
export interface ClusterView {
  clusterId: bigint;
  members: MemberInfo[];
  removed: bigint[];
}

/** JoinClusterError: no peer named in --initial-cluster answered with the cluster's members. */
export class JoinClusterError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'JOIN_CLUSTER', false, options);
  }
}

let responseType: protobuf.Type | undefined;

function membersResponse(): protobuf.Type {
  if (responseType !== undefined) return responseType;
  const root = new protobuf.Root();
  root.resolvePath = (_o, t) => (path.isAbsolute(t) ? t : path.join(PROTO_DIR, t));
  root.loadSync('capstanpb/raft.proto', { keepCase: false });
  root.resolveAll();
  responseType = root.lookupType('capstanpb.MembersResponse');
  return responseType;
}

interface WireMember {
  id: string;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/** encodeMembersResponse writes a ClusterView as capstanpb.MembersResponse bytes. */
export function encodeMembersResponse(v: ClusterView): Buffer {
  const t = membersResponse();
  const msg = t.fromObject({
    clusterId: v.clusterId.toString(),
    members: v.members.map((m) => ({ id: m.id.toString(), name: m.name, peerUrls: m.peerURLs, clientUrls: m.clientURLs, isLearner: m.isLearner })),
    removed: v.removed.map(String),
  });
  return Buffer.from(t.encode(msg).finish());
}

/** decodeMembersResponse reverses encodeMembersResponse. */
export function decodeMembersResponse(bytes: Buffer): ClusterView {
  const t = membersResponse();
  const o = t.toObject(t.decode(bytes), { longs: String, defaults: true, arrays: true }) as { clusterId: string; members: WireMember[]; removed: string[] };
  return {
    clusterId: BigInt(o.clusterId),
    members: o.members.map((m) => ({ id: BigInt(m.id), name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: m.isLearner })),
    removed: o.removed.map((r) => BigInt(r)),
  };
}

const identity = (b: Buffer): Buffer => b;

function askMembers(url: string, timeoutMs: number): Promise<ClusterView> {
  const u = new URL(url);
  const client = new grpc.Client(`${u.hostname}:${u.port}`, grpc.credentials.createInsecure());
  return new Promise<ClusterView>((resolve, reject) => {
    client.makeUnaryRequest<Buffer, Buffer>(MEMBERS_METHOD, identity, identity, Buffer.alloc(0), { deadline: Date.now() + timeoutMs }, (err, resp) => {
      if (err !== null) reject(err);
      else resolve(decodeMembersResponse(resp!));
    });
  }).finally(() => client.close());
}

/**
 * fetchClusterView asks the peers at urls, in order, for their cluster's members and resolves with the first
 * answer; it fails with every peer's error when none answers within timeoutMs.
 */
export async function fetchClusterView(urls: readonly string[], timeoutMs: number): Promise<ClusterView> {
  const errors: string[] = [];
  for (const url of urls) {
    try {
      return await askMembers(url, timeoutMs);
    } catch (err) {
      errors.push(`${url}: ${(err as { details?: string; message?: string }).details ?? (err as Error).message}`);
    }
  }
  throw new JoinClusterError(
    `could not retrieve the cluster's members from the peers in --initial-cluster (${errors.join('; ') || 'no other member is listed'}); ` +
      'a member started with --initial-cluster-state existing needs a running cluster that lists it (etcdctl member add)',
  );
}
