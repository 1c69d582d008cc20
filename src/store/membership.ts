import { createHash } from 'node:crypto';
import { Prefix, prefixed, prefixRange, type Backend, type BatchOp } from './backend.js';

/** MemberInfo is one member of the store cluster as the Cluster API reports it. */
export interface MemberInfo {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/**
 * memberIdFor derives a member's ID as etcd does (membership.NewMember): the first 8 bytes of the SHA-1 of its
 * sorted peer URLs, the cluster token and, for members added later, a timestamp. So a cluster bootstrapped
 * with the same flags gets the same IDs as etcd would give it.
 */
export function memberIdFor(peerURLs: string[], clusterToken: string, addedAtUnixSeconds?: number): bigint {
  const b = [...peerURLs].sort().join('') + clusterToken + (addedAtUnixSeconds === undefined ? '' : String(addedAtUnixSeconds));
  return createHash('sha1').update(b).digest().readBigUInt64BE(0);
}

/** clusterIdFor derives the cluster ID from the member IDs as etcd does (RaftCluster.genID). */
export function clusterIdFor(memberIds: bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const b = Buffer.allocUnsafe(8 * sorted.length);
  sorted.forEach((id, i) => b.writeBigUInt64BE(id, 8 * i));
  return createHash('sha1').update(b).digest().readBigUInt64BE(0);
}

/** parseInitialCluster reads etcd's --initial-cluster: `name=url,name=url2,other=url3`. */
export function parseInitialCluster(s: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of s.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`--initial-cluster: ${JSON.stringify(part)} is not name=url`);
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    try {
      new URL(url);
    } catch {
      throw new Error(`--initial-cluster: ${JSON.stringify(url)} (member ${name}) is not a URL`);
    }
    const list = out.get(name) ?? [];
    list.push(url);
    out.set(name, list);
  }
  return out;
}

/** memberKey is a member's backend key. */
export function memberKey(id: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(id);
  return prefixed(Prefix.member, b);
}

/** memberOp writes a member record (JSON: it is small and read only at start). */
export function memberOp(m: MemberInfo): BatchOp {
  const value = Buffer.from(JSON.stringify({ name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner }));
  return { type: 'put', key: memberKey(m.id), value };
}

/** loadMembers reads every member record back. */
export async function loadMembers(backend: Backend): Promise<Map<bigint, MemberInfo>> {
  const out = new Map<bigint, MemberInfo>();
  const { gte, lt } = prefixRange(Prefix.member);
  for await (const [k, v] of backend.db.iterator({ gte, lt })) {
    const id = k.readBigUInt64BE(1);
    const o = JSON.parse(v.toString()) as Omit<MemberInfo, 'id'>;
    out.set(id, { id, ...o });
  }
  return out;
}
