/**
 * Text descriptions of the core's inputs and outputs for the interaction scripts. The shapes follow
 * etcd-io/raft's DescribeMessage / DescribeReady (`1->2 MsgApp Term:1 Log:1/3 Commit:3 Entries:[1/4 EntryNormal "foo"]`)
 * so a reader who knows etcd's testdata reads these the same way. Every function is pure and deterministic.
 */
import { decodeConfChange, type ConfChange, type ConfState, type Entry, type HardState, type Message, type ReadState, type Ready, type Snapshot, type SoftState } from '../../../src/raft/index.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** quoteBytes renders a payload as a double-quoted string, the way the scripts write proposals. */
export function quoteBytes(data: Uint8Array): string {
  return JSON.stringify(utf8.decode(data));
}

/** describeConfChange renders a single-member change in the scripts' short form: v4, l4, r4 or u4. */
export function describeConfChange(cc: ConfChange): string {
  switch (cc.type) {
    case 'ConfChangeAddNode':
      return `v${cc.nodeId}`;
    case 'ConfChangeAddLearnerNode':
      return `l${cc.nodeId}`;
    case 'ConfChangeRemoveNode':
      return `r${cc.nodeId}`;
    case 'ConfChangeUpdateNode':
      return `u${cc.nodeId}`;
  }
}

/** describeEntry renders `term/index Type payload`; conf changes are decoded, normal payloads quoted. */
export function describeEntry(e: Entry): string {
  if (e.type === 'EntryConfChange') {
    let payload: string;
    try {
      payload = describeConfChange(decodeConfChange(e.data));
    } catch {
      payload = `<undecodable ${Buffer.from(e.data).toString('hex')}>`;
    }
    return `${e.term}/${e.index} EntryConfChange ${payload}`;
  }
  return `${e.term}/${e.index} EntryNormal ${quoteBytes(e.data)}`;
}

/** describeIds renders a member list as `[1 2 3]`, sorted so the text does not depend on insertion order. */
export function describeIds(ids: readonly bigint[]): string {
  return `[${[...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(' ')}]`;
}

/** describeConfState renders `Voters:[1 2 3] Learners:[4]`. */
export function describeConfState(cs: ConfState): string {
  return `Voters:${describeIds(cs.voters)} Learners:${describeIds(cs.learners)}`;
}

/** describeSnapshot renders a snapshot's metadata (its data is opaque to the core and not shown). */
export function describeSnapshot(s: Snapshot): string {
  return `Index:${s.metadata.index} Term:${s.metadata.term} ConfState:${describeConfState(s.metadata.confState)}`;
}

/** describeHardState renders `Term:1 Vote:1 Commit:3`, leaving out a vote of NONE as etcd does. */
export function describeHardState(hs: HardState): string {
  const vote = hs.vote === 0n ? '' : ` Vote:${hs.vote}`;
  return `Term:${hs.term}${vote} Commit:${hs.commit}`;
}

/** describeSoftState renders `Lead:1 State:StateLeader`. */
export function describeSoftState(ss: SoftState): string {
  return `Lead:${ss.lead} State:${ss.raftState}`;
}

/** describeMessage renders one message on one line, printing only the fields its type uses. */
export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${m.type} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.entries.length > 0) s += ` Entries:[${m.entries.map(describeEntry).join(', ')}]`;
  if (m.context !== undefined && m.context.length > 0) s += ` Context:${quoteBytes(m.context)}`;
  if (m.snapshot !== undefined && m.snapshot.metadata.index !== 0) s += ` Snapshot: ${describeSnapshot(m.snapshot)}`;
  return s;
}

/** describeReadState renders one answered ReadIndex request. */
export function describeReadState(rs: ReadState): string {
  return `Index:${rs.index} Ctx:${quoteBytes(rs.requestCtx)}`;
}

/**
 * describeReady renders a Ready as lines, in the order the caller handles it: role, HardState, entries to
 * persist, snapshot, entries to apply, messages to send, answered reads. `annotate` may prefix a message
 * line (the harness marks messages the simulated network drops).
 */
export function describeReady(rd: Ready, annotate: (m: Message) => string = () => ''): string[] {
  const out = [`Ready MustSync=${rd.mustSync}:`];
  if (rd.softState !== undefined) out.push(describeSoftState(rd.softState));
  if (rd.hardState !== undefined) out.push(`HardState ${describeHardState(rd.hardState)}`);
  if (rd.entries.length > 0) {
    out.push('Entries:');
    for (const e of rd.entries) out.push(describeEntry(e));
  }
  if (rd.snapshot !== undefined && rd.snapshot.metadata.index !== 0) out.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.committedEntries.length > 0) {
    out.push('CommittedEntries:');
    for (const e of rd.committedEntries) out.push(describeEntry(e));
  }
  if (rd.messages.length > 0) {
    out.push('Messages:');
    for (const m of rd.messages) out.push(`${annotate(m)}${describeMessage(m)}`);
  }
  if (rd.readStates.length > 0) {
    out.push('ReadStates:');
    for (const rs of rd.readStates) out.push(describeReadState(rs));
  }
  return out;
}
