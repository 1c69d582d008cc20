import type { ConfState, Entry, Snapshot } from '../../../src/raft/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** KvValue is a key's value and the log index of the write that set it (its modRevision, in etcd's terms). */
export interface KvValue {
  value: string;
  index: number;
}

/** Put is the one command of the simulated application: set key to value. */
export interface Put {
  key: string;
  value: string;
}

/** encodePut serialises a Put as an entry's data. */
export function encodePut(put: Put): Uint8Array {
  return encoder.encode(`${put.key}\u0000${put.value}`);
}

/** decodePut parses an entry's data written by encodePut. */
function decodePut(data: Uint8Array): Put {
  const text = decoder.decode(data);
  const sep = text.indexOf('\u0000');
  if (sep < 0) throw new Error(`decodePut: not a put: ${JSON.stringify(text)}`);
  return { key: text.slice(0, sep), value: text.slice(sep + 1) };
}

/** FNV_OFFSET is the FNV-1a 32-bit offset basis, the digest of an empty log. */
const FNV_OFFSET = 0x811c9dc5;

function fnvByte(h: number, b: number): number {
  return Math.imul(h ^ (b & 0xff), 0x01000193) >>> 0;
}

function fnvNumber(h: number, n: number): number {
  let x = h;
  let v = n;
  for (let i = 0; i < 7; i++) {
    x = fnvByte(x, v & 0xff);
    v = Math.floor(v / 256);
  }
  return x;
}

/** entryDigest hashes an entry's identity and payload (index, term, type, data). */
export function entryDigest(e: Entry): number {
  let h = fnvNumber(FNV_OFFSET, e.index);
  h = fnvNumber(h, e.term);
  h = fnvByte(h, e.type === 'EntryNormal' ? 1 : 2);
  for (const b of e.data) h = fnvByte(h, b);
  return h;
}

/** chainDigest extends the digest of a log prefix by one entry, so equal digests mean equal applied prefixes. */
function chainDigest(prev: number, e: Entry): number {
  return fnvNumber(fnvNumber(prev, entryDigest(e)), e.index);
}

/** SnapshotBody is what a snapshot's data holds. */
interface SnapshotBody {
  applied: number;
  digest: number;
  kv: [string, string, number][];
}

/**
 * KvStateMachine is the simulated application: a key-value map plus a rolling digest of every applied entry.
 * Two members whose digests agree at an index applied the same entries up to it (state-machine safety).
 */
export class KvStateMachine {
  applied = 0;
  digest = FNV_OFFSET;
  confState: ConfState;
  readonly kv = new Map<string, KvValue>();

  constructor(confState: ConfState) {
    this.confState = { voters: [...confState.voters], learners: [...confState.learners] };
  }

  /** restore rebuilds a state machine from a snapshot (Raft §7). */
  static restore(snapshot: Snapshot): KvStateMachine {
    const sm = new KvStateMachine(snapshot.metadata.confState);
    if (snapshot.metadata.index === 0) return sm;
    const body = JSON.parse(decoder.decode(snapshot.data)) as SnapshotBody;
    if (body.applied !== snapshot.metadata.index) {
      throw new Error(`KvStateMachine.restore: snapshot data at ${body.applied} but metadata at ${snapshot.metadata.index}`);
    }
    sm.applied = body.applied;
    sm.digest = body.digest;
    for (const [key, value, index] of body.kv) sm.kv.set(key, { value, index });
    return sm;
  }

  /** apply applies one committed entry; it returns the Put for a data entry, undefined otherwise. */
  apply(e: Entry): Put | undefined {
    this.applied = e.index;
    this.digest = chainDigest(this.digest, e);
    if (e.type !== 'EntryNormal' || e.data.byteLength === 0) return undefined;
    const put = decodePut(e.data);
    this.kv.set(put.key, { value: put.value, index: e.index });
    return put;
  }

  /** snapshotData serialises the state at the applied index. */
  snapshotData(): Uint8Array {
    const body: SnapshotBody = {
      applied: this.applied,
      digest: this.digest,
      kv: [...this.kv].map(([key, v]) => [key, v.value, v.index]),
    };
    return encoder.encode(JSON.stringify(body));
  }
}
