import {
  MemoryStorage,
  RawNode,
  decodeConfChange,
  type Config,
  type Message,
  type MessageType,
  type ReadState,
} from '../../../src/raft/index.js';
import { SeededRandom } from '../../../src/util/random.js';

/** TestMember is one RawNode with its MemoryStorage and what it applied. */
export interface TestMember {
  id: bigint;
  node: RawNode;
  storage: MemoryStorage;
  applied: string[];
  readStates: ReadState[];
}

/**
 * TestCluster drives RawNodes over an in-memory network for unit tests: deliver() runs every member's Ready
 * loop and carries messages until nothing moves, with optional filters that drop messages (partitions).
 */
export class TestCluster {
  readonly members = new Map<bigint, TestMember>();
  /** drop returns true for messages the network should lose. */
  drop: (m: Message) => boolean = () => false;
  /** sent records every message put on the wire, in order. */
  readonly sent: Message[] = [];

  constructor(
    voters: bigint[],
    overrides: Partial<Config> = {},
    learners: bigint[] = [],
  ) {
    for (const id of [...voters, ...learners]) this.add(id, voters, learners, overrides);
  }

  /** add creates a member whose storage knows the given membership. */
  add(id: bigint, voters: bigint[], learners: bigint[] = [], overrides: Partial<Config> = {}): TestMember {
    const storage = new MemoryStorage(voters, learners);
    const node = new RawNode({
      id,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      random: new SeededRandom(Number(id)),
      ...overrides,
    });
    const m: TestMember = { id, node, storage, applied: [], readStates: [] };
    this.members.set(id, m);
    return m;
  }

  get(id: bigint): TestMember {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  /** processReady handles one member's Ready as a real caller would, returning its messages. */
  processReady(id: bigint): Message[] {
    const m = this.get(id);
    const out: Message[] = [];
    while (m.node.hasReady()) {
      const rd = m.node.ready();
      if (rd.snapshot !== undefined) {
        m.storage.applySnapshot(rd.snapshot);
        m.applied = JSON.parse(new TextDecoder().decode(rd.snapshot.data)) as string[];
      }
      if (rd.hardState !== undefined) m.storage.setHardState(rd.hardState);
      m.storage.append(rd.entries);
      out.push(...rd.messages);
      for (const e of rd.committedEntries) {
        if (e.type === 'EntryConfChange') m.node.applyConfChange(decodeConfChange(e.data));
        else if (e.data.length > 0) m.applied.push(new TextDecoder().decode(e.data));
      }
      m.readStates.push(...rd.readStates);
      m.node.advance(rd);
    }
    return out;
  }

  /** deliver runs Ready loops and carries messages until the cluster is quiet. */
  deliver(): void {
    for (let round = 0; round < 10_000; round++) {
      let msgs: Message[] = [];
      for (const id of this.members.keys()) msgs = msgs.concat(this.processReady(id));
      if (msgs.length === 0) return;
      for (const msg of msgs) {
        this.sent.push(msg);
        if (this.drop(msg)) continue;
        const to = this.members.get(msg.to);
        if (to !== undefined) to.node.step(msg);
      }
    }
    throw new Error('cluster did not quiesce in 10,000 rounds');
  }

  /** tick ticks every member n times, delivering after each tick. */
  tick(n: number, only?: bigint[]): void {
    for (let i = 0; i < n; i++) {
      for (const [id, m] of this.members) if (only === undefined || only.includes(id)) m.node.tick();
      this.deliver();
    }
  }

  /** isolate drops every message to or from id. */
  isolate(id: bigint): void {
    this.drop = (m) => m.from === id || m.to === id;
  }

  heal(): void {
    this.drop = () => false;
  }

  /** leader returns the one member in StateLeader, if any. */
  leaders(): bigint[] {
    return [...this.members.values()].filter((m) => m.node.isLeader()).map((m) => m.id);
  }

  /** sentOfType filters recorded messages by type. */
  sentOfType(t: MessageType): Message[] {
    return this.sent.filter((m) => m.type === t);
  }

  /** snapshotAt makes member id snapshot its applied list at its applied index and compact the log. */
  snapshotAndCompact(id: bigint): void {
    const m = this.get(id);
    const st = m.node.status();
    const data = new TextEncoder().encode(JSON.stringify(m.applied));
    m.storage.createSnapshot(st.applied, st.config, data);
    m.storage.compact(st.applied);
  }
}

/** enc turns a string into entry data. */
export function enc(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
