import { RaftError } from './errors.js';
import type { ConfChange, ConfChangeType } from './types.js';

/**
 * Membership changes in capstan are single-member changes (Raft thesis §4.1), as etcd 3.4 makes them:
 * add a voter, add a learner, promote a learner (add it as a voter), remove a member, update a member's
 * context. Any two majorities of configurations that differ by one voter overlap, so one change at a time
 * needs no joint phase; the leader refuses a second change while one is committed but not yet applied
 * (pendingConfIndex), and a new leader refuses changes until it has applied an entry of its own term —
 * the fix for the single-server-change bug Ongaro described in 2015. Joint consensus would let an
 * operator replace several members at once, which etcd's API never offered; we keep the simpler rule.
 *
 * A change takes effect when its entry is applied (applyConfChange), on every member alike.
 */

const typeCodes: Record<ConfChangeType, number> = {
  ConfChangeAddNode: 0,
  ConfChangeRemoveNode: 1,
  ConfChangeUpdateNode: 2,
  ConfChangeAddLearnerNode: 3,
};
const codeTypes: ConfChangeType[] = ['ConfChangeAddNode', 'ConfChangeRemoveNode', 'ConfChangeUpdateNode', 'ConfChangeAddLearnerNode'];

/** ConfChangeDecodeError: an EntryConfChange whose bytes are not a ConfChange (a corrupt log). */
export class ConfChangeDecodeError extends RaftError {
  constructor(reason: string) {
    super(`raft: malformed conf change entry: ${reason}`, 'CONF_CHANGE_DECODE', false);
  }
}

/** encodeConfChange lays out a ConfChange as [type:1][nodeId:8 big-endian][context…]. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const out = new Uint8Array(9 + cc.context.length);
  const view = new DataView(out.buffer);
  out[0] = typeCodes[cc.type];
  view.setBigUint64(1, cc.nodeId);
  out.set(cc.context, 9);
  return out;
}

/** decodeConfChange reverses encodeConfChange. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < 9) throw new ConfChangeDecodeError(`${data.length} bytes, want at least 9`);
  const type = codeTypes[data[0]!];
  if (type === undefined) throw new ConfChangeDecodeError(`unknown type ${data[0]}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { type, nodeId: view.getBigUint64(1), context: data.slice(9) };
}
