import { createHash } from 'node:crypto';
import type { ConfChange } from '../raft/index.js';
import { CapstanError } from '../util/errors.js';
import { Prefix, prefixed, prefixRange, type Backend, type BatchOp } from './backend.js';
import {
  MemberExistsError,
  MemberNotFoundError,
  MemberNotLearnerError,
  PeerURLExistsError,
  TooManyLearnersError,
} from './errors.js';

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

/** memberDeleteOp deletes a member record. */
export function memberDeleteOp(id: bigint): BatchOp {
  return { type: 'del', key: memberKey(id) };
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

// ------------------------------------------------------------------------------------ removed members

const REMOVED = 'removed/';
const REJECTED = 'confchange-rejected/';

/**
 * removedOp records that a member was removed (etcd's members_removed bucket): its ID can never come back,
 * and peers refuse its messages, so a removed member that restarts on its old data cannot rejoin.
 */
export function removedOp(id: bigint): BatchOp {
  return { type: 'put', key: prefixed(Prefix.meta, `${REMOVED}${id.toString(16)}`), value: Buffer.alloc(0) };
}

/**
 * rejectedConfChangeOp records that the conf change entry at index was refused when first applied, so that
 * replaying the log after a restart (or after a snapshot) refuses it again instead of re-validating it
 * against a membership that has moved on since.
 */
export function rejectedConfChangeOp(index: number): BatchOp {
  return { type: 'put', key: prefixed(Prefix.meta, `${REJECTED}${index}`), value: Buffer.alloc(0) };
}

/** loadRemovedAndRejected reads the removed member IDs and the refused conf change indexes back. */
export async function loadRemovedAndRejected(backend: Backend): Promise<{ removed: Set<bigint>; rejected: Set<number> }> {
  const removed = new Set<bigint>();
  const rejected = new Set<number>();
  const { gte, lt } = prefixRange(Prefix.meta);
  for await (const k of backend.db.keys({ gte, lt })) {
    const name = k.subarray(1).toString('latin1');
    if (name.startsWith(REMOVED)) removed.add(BigInt(`0x${name.slice(REMOVED.length)}`));
    else if (name.startsWith(REJECTED)) rejected.add(Number(name.slice(REJECTED.length)));
  }
  return { removed, rejected };
}

// ---------------------------------------------------------------------------------------- conf changes

/** MAX_LEARNERS is how many learners a cluster may have at once (etcd 3.4's maxLearners). */
export const MAX_LEARNERS = 1;

/** LEARNER_READY_FRACTION: a learner may be promoted once its log holds 90% of the leader's (etcd's readyPercent). */
export const LEARNER_READY_FRACTION = 0.9;

/**
 * MEMBER_REMOVED_MESSAGE is what a removed member is told by its former peers, and what it logs when it stops
 * (etcd rafthttp's errMemberRemoved).
 */
export const MEMBER_REMOVED_MESSAGE = 'the member has been permanently removed from the cluster';

/**
 * MemberRemovedError: this member was removed from the cluster and may not start or rejoin on its old data
 * (etcd stops such a member the same way). Not a gRPC status: it ends the process.
 */
export class MemberRemovedError extends CapstanError {
  readonly memberId: bigint;

  constructor(memberId: bigint, options?: ErrorOptions) {
    super(`${MEMBER_REMOVED_MESSAGE} (member ${memberId.toString(16)}); the data-dir used by this member must be removed`, 'MEMBER_REMOVED', false, options);
    this.memberId = memberId;
  }
}

/**
 * ConfChangeContext rides in a ConfChange's context (as etcd's confChangeContext does): the member the change
 * is about, whether an add is a promotion, and the proposer's request ID, so the proposer can be answered
 * when the entry is applied.
 */
export interface ConfChangeContext {
  requestId: string;
  member: MemberInfo;
  promote: boolean;
}

/** encodeConfChangeContext writes a ConfChangeContext as JSON bytes (IDs in hexadecimal). */
export function encodeConfChangeContext(c: ConfChangeContext): Uint8Array {
  const m = c.member;
  return Buffer.from(
    JSON.stringify({
      requestId: c.requestId,
      promote: c.promote,
      member: { id: m.id.toString(16), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner },
    }),
  );
}

/** decodeConfChangeContext reverses encodeConfChangeContext; a change without context is about nodeId alone. */
export function decodeConfChangeContext(cc: ConfChange): ConfChangeContext {
  if (cc.context.length === 0) {
    return { requestId: '0', promote: false, member: { id: cc.nodeId, name: '', peerURLs: [], clientURLs: [], isLearner: false } };
  }
  const o = JSON.parse(Buffer.from(cc.context).toString()) as { requestId: string; promote: boolean; member: Omit<MemberInfo, 'id'> & { id: string } };
  return { requestId: o.requestId, promote: o.promote, member: { ...o.member, id: BigInt(`0x${o.member.id}`) } };
}

/**
 * validateConfChange decides whether a membership change may be applied to the current membership, as etcd's
 * RaftCluster.ValidateConfigurationChange does, and returns the error to answer with if not. It runs where
 * the change is applied, on every member alike, so all of them take the same decision.
 */
export function validateConfChange(
  cc: ConfChange,
  ctx: ConfChangeContext,
  members: ReadonlyMap<bigint, MemberInfo>,
  removed: ReadonlySet<bigint>,
): CapstanError | undefined {
  const id = cc.nodeId;
  if (removed.has(id)) return new MemberNotFoundError(id);
  const existing = members.get(id);
  const urlsTaken = (): boolean => {
    const mine = new Set(ctx.member.peerURLs);
    for (const m of members.values()) if (m.id !== id && m.peerURLs.some((u) => mine.has(u))) return true;
    return false;
  };
  switch (cc.type) {
    case 'ConfChangeAddNode':
    case 'ConfChangeAddLearnerNode':
      if (ctx.promote) {
        if (existing === undefined) return new MemberNotFoundError(id);
        if (!existing.isLearner) return new MemberNotLearnerError();
        return undefined;
      }
      if (existing !== undefined) return new MemberExistsError();
      if (urlsTaken()) return new PeerURLExistsError();
      if (cc.type === 'ConfChangeAddLearnerNode' && [...members.values()].filter((m) => m.isLearner).length >= MAX_LEARNERS) {
        return new TooManyLearnersError();
      }
      return undefined;
    case 'ConfChangeRemoveNode':
      return existing === undefined ? new MemberNotFoundError(id) : undefined;
    case 'ConfChangeUpdateNode':
      if (existing === undefined) return new MemberNotFoundError(id);
      return urlsTaken() ? new PeerURLExistsError() : undefined;
  }
}

/** isLearnerReady reports whether a learner's log is close enough to the leader's to promote it (etcd's isLearnerReady). */
export function isLearnerReady(learnerMatch: number, leaderMatch: number): boolean {
  return learnerMatch >= leaderMatch * LEARNER_READY_FRACTION;
}

/** sameURLs reports whether two lists hold the same URLs, in any order. */
export function sameURLs(a: readonly string[], b: readonly string[]): boolean {
  const norm = (l: readonly string[]): string => [...l].map((u) => u.replace(/\/$/, '')).sort().join(',');
  return norm(a) === norm(b);
}
