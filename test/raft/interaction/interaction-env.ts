/**
 * InteractionEnv is the world the interaction scripts drive: a set of RawNodes, each over its own
 * MemoryStorage, and a simulated network that holds every sent message until a script delivers it. Nothing
 * happens unless a command says so — no timers, no background delivery — so a script's output is a complete,
 * deterministic record of what the core did. It mirrors etcd-io/raft's rafttest.InteractionEnv.
 *
 * The caller loop is the one docs/raft-api-contract.md prescribes: for each Ready, persist the snapshot,
 * HardState and entries into the node's MemoryStorage, put the messages on the network, apply the committed
 * entries (calling applyConfChange for conf changes), then advance. MemoryStorage is the durable state: a
 * crashed node restarts from exactly what its Readys persisted. Every application is checked against what
 * any node applied at the same index before (State Machine Safety), so a script that breaks it fails even if
 * its recorded output says otherwise.
 *
 * Network faults: `partition (1) (2,3)` cuts every link between groups (nodes not named form one more
 * group) and the network drops a message on a cut link, or to a crashed node, when it is sent; each such
 * message is still printed in its Ready, prefixed `dropped (partition):` or `dropped (down):`.
 */
import {
  MemoryStorage,
  RaftError,
  RawNode,
  decodeConfChange,
  encodeConfChange,
  type ConfChange,
  type ConfChangeType,
  type ConfState,
  type Config,
  type Entry,
  type Message,
  type RaftLogger,
  type UnsafeBugs,
} from '../../../src/raft/index.js';
import { SeededRandom } from '../../../src/util/random.js';
import { CommandError, expectNamed, parseBool, parseCommand, parseCount, parseId, parseIdList, type ParsedCommand } from './command.js';
import { describeConfChange, describeConfState, describeEntry, describeHardState, describeMessage, describeReady } from './describe.js';

/** LogLevel selects which of the core's log lines the scripts show; `none` keeps output independent of log wording. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'none';

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, none: 3 };

/** NodeOptions are the per-node Config knobs a script can set with add-nodes. */
interface NodeOptions {
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxSizePerMsg: number | undefined;
  maxInflightMsgs: number | undefined;
  maxUncommittedEntriesSize: number | undefined;
}

/** InteractionNode is one member: its durable storage, its running RawNode (absent while crashed), and what it applied. */
interface InteractionNode {
  readonly id: bigint;
  readonly options: NodeOptions;
  readonly storage: MemoryStorage;
  rawNode: RawNode | undefined;
  /** applied is the index of the last entry (or snapshot) this node's state machine applied. */
  applied: number;
  /** confState is the membership as applied by this node's state machine. */
  confState: ConfState;
  /** confHistory records (index, membership) as applied, so compact can snapshot the right ConfState. */
  confHistory: { index: number; confState: ConfState }[];
  /** starts counts RawNode constructions; it seeds each incarnation's election-timeout randomness. */
  starts: number;
}

/** Output collects a command's text, indenting nested sections the way etcd's stabilize does. */
class Output {
  /** enabled is false after `output off`: setup blocks then print only "ok", as etcd's `log-level none` does. */
  enabled = true;
  private lines: string[] = [];
  private indent = '';

  line(s: string): void {
    if (this.enabled) this.lines.push(`${this.indent}${s}`);
  }

  /** error prints even while output is off: a refused call is never setup noise. */
  error(s: string): void {
    this.lines.push(`${this.indent}${s}`);
  }

  nest(fn: () => void): void {
    const prev = this.indent;
    this.indent += '  ';
    try {
      fn();
    } finally {
      this.indent = prev;
    }
  }

  take(): string[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }
}

const utf8 = new TextEncoder();

/** InteractionEnvOptions configures every node the environment creates. */
export interface InteractionEnvOptions {
  /** unsafeBugs switches on the core's deliberate bugs, to prove that the scripts catch them. */
  unsafeBugs?: UnsafeBugs;
}

/** InteractionEnv runs script commands against an in-process cluster; see the file comment for the model. */
export class InteractionEnv {
  constructor(private readonly opts: InteractionEnvOptions = {}) {}

  private readonly out = new Output();
  private readonly nodes = new Map<bigint, InteractionNode>();
  /** network holds sent, undelivered messages in send order. */
  private network: Message[] = [];
  private groups: bigint[][] | undefined;
  private logLevel: LogLevel = 'none';
  /**
   * appliedLog records, per index, the entry the first node to apply it applied. Every later application of
   * that index, on any node, must be the same entry: State Machine Safety (Raft §5.4.3), checked on every run.
   */
  private readonly appliedLog = new Map<number, { term: number; type: string; data: string; by: bigint }>();

  /** handle runs one command line and returns its output lines (none when it printed nothing). */
  handle(text: string): string[] {
    const cmd = parseCommand(text);
    switch (cmd.name) {
      case 'log-level':
        this.setLogLevel(cmd);
        break;
      case 'output':
        this.setOutput(cmd);
        break;
      case 'add-nodes':
        this.addNodes(cmd);
        break;
      case 'campaign':
        this.guard(() => this.running(this.soleId(cmd)).campaign());
        break;
      case 'propose':
        this.propose(cmd);
        break;
      case 'propose-conf-change':
        this.proposeConfChange(cmd);
        break;
      case 'read-index':
        this.readIndex(cmd);
        break;
      case 'transfer-leadership':
        this.transferLeadership(cmd);
        break;
      case 'tick-election':
        this.tickElection(this.soleId(cmd));
        break;
      case 'tick-heartbeat':
        this.tickHeartbeat(this.soleId(cmd));
        break;
      case 'process-ready':
        this.processReadyCmd(cmd);
        break;
      case 'deliver-msgs':
        this.deliverMsgsCmd(cmd);
        break;
      case 'stabilize':
        this.stabilize(cmd);
        break;
      case 'partition':
        this.partition(cmd);
        break;
      case 'heal':
        expectNamed(cmd, []);
        this.groups = undefined;
        break;
      case 'crash':
        this.crash(this.soleId(cmd));
        break;
      case 'restart':
        this.restart(this.soleId(cmd));
        break;
      case 'compact':
        this.compact(cmd);
        break;
      case 'status':
        this.status(this.soleId(cmd));
        break;
      case 'raft-log':
        this.raftLog(this.soleId(cmd));
        break;
      case 'raft-state':
        this.raftState();
        break;
      default:
        throw new CommandError(`unknown command ${cmd.name}`);
    }
    return this.out.take();
  }

  // --- commands -------------------------------------------------------------------------------------------

  private setLogLevel(cmd: ParsedCommand): void {
    expectNamed(cmd, []);
    const level = cmd.positional[0];
    if (cmd.positional.length !== 1 || (level !== 'debug' && level !== 'info' && level !== 'warn' && level !== 'none')) {
      throw new CommandError('log-level: want one of debug, info, warn, none');
    }
    this.logLevel = level;
  }

  /** output on|off turns all printing on or off (errors and "ok" aside), for setup the script does not discuss. */
  private setOutput(cmd: ParsedCommand): void {
    expectNamed(cmd, []);
    const v = cmd.positional[0];
    if (cmd.positional.length !== 1 || (v !== 'on' && v !== 'off')) throw new CommandError('output: want on or off');
    this.out.enabled = v === 'on';
  }

  /**
   * add-nodes N [voters=(…)] [learners=(…)] [index=K] [prevote=B] [checkquorum=B] [election-tick=T]
   * [heartbeat-tick=T] [max-size-per-msg=S] [max-inflight=M] [max-uncommitted-size=U]. New nodes take the next free IDs. With index=K
   * each starts from a snapshot at K (term 1) holding the membership; without it, MemoryStorage(voters)
   * bootstraps an empty log. PreVote and CheckQuorum default to off here (the core defaults them on) so
   * that each script opts into exactly the behaviour it demonstrates, as etcd's testdata does.
   */
  private addNodes(cmd: ParsedCommand): void {
    expectNamed(cmd, ['voters', 'learners', 'index', 'prevote', 'checkquorum', 'election-tick', 'heartbeat-tick', 'max-size-per-msg', 'max-inflight', 'max-uncommitted-size']);
    if (cmd.positional.length !== 1) throw new CommandError('add-nodes: want the number of nodes');
    const n = parseCount(cmd.positional[0]!, 'add-nodes');
    const voters = parseIdList(cmd.named.get('voters') ?? '()');
    const learners = parseIdList(cmd.named.get('learners') ?? '()');
    const index = parseCount(cmd.named.get('index') ?? '0', 'index');
    if (learners.length > 0 && index === 0) throw new CommandError('add-nodes: learners= needs index= (the membership lives in a snapshot)');
    const opt = (k: string): number | undefined => (cmd.named.has(k) ? parseCount(cmd.named.get(k)!, k) : undefined);
    const options: NodeOptions = {
      electionTick: opt('election-tick') ?? 3,
      heartbeatTick: opt('heartbeat-tick') ?? 1,
      preVote: parseBool(cmd.named.get('prevote') ?? 'false', 'prevote'),
      checkQuorum: parseBool(cmd.named.get('checkquorum') ?? 'false', 'checkquorum'),
      maxSizePerMsg: opt('max-size-per-msg'),
      maxInflightMsgs: opt('max-inflight'),
      maxUncommittedEntriesSize: opt('max-uncommitted-size'),
    };
    for (let k = 0; k < n; k++) {
      const id = BigInt(this.nodes.size + 1);
      let storage: MemoryStorage;
      if (index > 0) {
        storage = new MemoryStorage();
        storage.applySnapshot({ data: new Uint8Array(0), metadata: { index, term: 1, confState: { voters: [...voters], learners: [...learners] } } });
      } else {
        storage = new MemoryStorage(voters);
      }
      const confState = storage.initialState().confState;
      const node: InteractionNode = {
        id,
        options,
        storage,
        rawNode: undefined,
        applied: index,
        confState,
        confHistory: [{ index, confState }],
        starts: 0,
      };
      this.nodes.set(id, node);
      this.start(node);
    }
  }

  private propose(cmd: ParsedCommand): void {
    expectNamed(cmd, []);
    if (cmd.positional.length !== 2) throw new CommandError('propose: want ID DATA');
    const rn = this.running(parseId(cmd.positional[0]!));
    this.guard(() => rn.propose(utf8.encode(cmd.positional[1]!)));
  }

  /** propose-conf-change ID v4|l4|r4|u4: add voter (or promote learner), add learner, remove, update. */
  private proposeConfChange(cmd: ParsedCommand): void {
    expectNamed(cmd, []);
    if (cmd.positional.length !== 2) throw new CommandError('propose-conf-change: want ID CHANGE (v4, l4, r4 or u4)');
    const rn = this.running(parseId(cmd.positional[0]!));
    const spec = cmd.positional[1]!;
    const types: Record<string, ConfChangeType> = { v: 'ConfChangeAddNode', l: 'ConfChangeAddLearnerNode', r: 'ConfChangeRemoveNode', u: 'ConfChangeUpdateNode' };
    const type = types[spec[0] ?? ''];
    if (type === undefined) throw new CommandError(`propose-conf-change: bad change ${JSON.stringify(spec)}`);
    const cc: ConfChange = { type, nodeId: parseId(spec.slice(1)), context: new Uint8Array(0) };
    // Round-trip through the codec so the script exercises the bytes that go into the log.
    const decoded = decodeConfChange(encodeConfChange(cc));
    this.guard(() => rn.proposeConfChange(decoded));
  }

  private readIndex(cmd: ParsedCommand): void {
    expectNamed(cmd, []);
    if (cmd.positional.length !== 2) throw new CommandError('read-index: want ID CTX');
    const rn = this.running(parseId(cmd.positional[0]!));
    this.guard(() => rn.readIndex(utf8.encode(cmd.positional[1]!)));
  }

  private transferLeadership(cmd: ParsedCommand): void {
    expectNamed(cmd, ['from', 'to']);
    const from = cmd.named.get('from');
    const to = cmd.named.get('to');
    if (from === undefined || to === undefined || cmd.positional.length !== 0) throw new CommandError('transfer-leadership: want from=ID to=ID');
    const rn = this.running(parseId(from));
    this.guard(() => rn.transferLeader(parseId(to)));
  }

  /**
   * tickElection lets one election timeout pass. A leader is ticked electionTick times (exactly one
   * CheckQuorum period). Anyone else is ticked one tick at a time until its randomized timeout fires — its
   * role, term or leader changes, or it produces output — and at most 2*electionTick-1 ticks, the longest
   * timeout the core may draw.
   */
  private tickElection(id: bigint): void {
    const node = this.node(id);
    const rn = this.running(id);
    const before = rn.status();
    if (before.softState.raftState === 'StateLeader') {
      for (let i = 0; i < node.options.electionTick; i++) rn.tick();
      return;
    }
    const hadReady = rn.hasReady();
    for (let i = 0; i < 2 * node.options.electionTick - 1; i++) {
      rn.tick();
      const now = rn.status();
      const changed =
        now.softState.raftState !== before.softState.raftState ||
        now.softState.lead !== before.softState.lead ||
        now.hardState.term !== before.hardState.term;
      if (changed || (!hadReady && rn.hasReady())) return;
    }
  }

  private tickHeartbeat(id: bigint): void {
    const node = this.node(id);
    const rn = this.running(id);
    for (let i = 0; i < node.options.heartbeatTick; i++) rn.tick();
  }

  private processReadyCmd(cmd: ParsedCommand): void {
    expectNamed(cmd, []);
    const ids = cmd.positional.length === 0 ? this.upIds() : this.idsOrAll(cmd.positional);
    for (const id of ids) {
      if (ids.length === 1) this.processReady(id);
      else {
        this.out.line(`> ${id} handling Ready`);
        this.out.nest(() => this.processReady(id));
      }
    }
  }

  /**
   * deliver-msgs [drop=(…)] [type=MsgX] [ID…]: messages to nodes in drop= are discarded; then every
   * queued message (of type MsgX, if given) to each listed node is stepped, in send order. With neither IDs
   * nor drop=, every node receives.
   */
  private deliverMsgsCmd(cmd: ParsedCommand): void {
    expectNamed(cmd, ['drop', 'type']);
    const drop = parseIdList(cmd.named.get('drop') ?? '()');
    const type = cmd.named.get('type');
    const match = (m: Message): boolean => type === undefined || m.type === type;
    if (drop.length > 0) {
      const kept: Message[] = [];
      for (const m of this.network) {
        if (drop.includes(m.to) && match(m)) this.out.line(`dropped: ${describeMessage(m)}`);
        else kept.push(m);
      }
      this.network = kept;
    }
    const targets = cmd.positional.length === 0 && drop.length === 0 ? this.upIds() : cmd.positional.map(parseId);
    for (const id of targets) {
      if (targets.length === 1) this.deliverMsgs(id, match);
      else if (this.network.some((m) => m.to === id && match(m))) {
        this.out.line(`> ${id} receiving messages`);
        this.out.nest(() => this.deliverMsgs(id, match));
      }
    }
  }

  /**
   * stabilize [ID…] alternates "every node receives its messages" and "every node handles its Ready"
   * (as etcd's stabilize) until a round does nothing. Messages to nodes outside the list stay queued.
   */
  private stabilize(cmd: ParsedCommand): void {
    expectNamed(cmd, []);
    const ids = this.idsOrAll(cmd.positional);
    for (let round = 0; ; round++) {
      if (round > 1000) throw new Error('stabilize: no fixed point after 1000 rounds (livelock?)');
      let done = true;
      for (const id of ids) {
        if (this.node(id).rawNode === undefined) continue;
        if (this.network.some((m) => m.to === id)) {
          done = false;
          this.out.line(`> ${id} receiving messages`);
          this.out.nest(() => this.deliverMsgs(id, () => true));
        }
      }
      for (const id of ids) {
        const rn = this.node(id).rawNode;
        if (rn === undefined || !rn.hasReady()) continue;
        done = false;
        this.out.line(`> ${id} handling Ready`);
        this.out.nest(() => this.processReady(id));
      }
      if (done) return;
    }
  }

  private partition(cmd: ParsedCommand): void {
    expectNamed(cmd, []);
    if (cmd.positional.length < 2) throw new CommandError('partition: want at least two groups, e.g. partition (1) (2,3)');
    const groups = cmd.positional.map((g) => {
      if (!g.startsWith('(')) throw new CommandError(`partition: groups are parenthesised, got ${g}`);
      return parseIdList(g);
    });
    const seen = new Set<bigint>();
    for (const id of groups.flat()) {
      if (seen.has(id)) throw new CommandError(`partition: ${id} is in two groups`);
      seen.add(id);
    }
    this.groups = groups;
  }

  /** crash drops the RawNode (and the messages queued to it); its MemoryStorage survives as the disk would. */
  private crash(id: bigint): void {
    const node = this.node(id);
    if (node.rawNode === undefined) throw new CommandError(`crash: ${id} is already down`);
    node.rawNode = undefined;
    const kept: Message[] = [];
    for (const m of this.network) {
      if (m.to === id) this.out.line(`dropped: ${describeMessage(m)}`);
      else kept.push(m);
    }
    this.network = kept;
  }

  /**
   * restart builds a new RawNode over the crashed node's storage. The state machine is rebuilt from the
   * storage's snapshot, so entries committed after it are applied again from the log.
   */
  private restart(id: bigint): void {
    const node = this.node(id);
    if (node.rawNode !== undefined) throw new CommandError(`restart: ${id} is running; crash it first`);
    const snap = node.storage.snapshot();
    node.applied = snap.metadata.index;
    node.confState = node.storage.initialState().confState;
    node.confHistory = [{ index: node.applied, confState: node.confState }];
    this.start(node);
  }

  /** compact ID INDEX snapshots the node's state machine at INDEX (≤ applied) and discards the log up to it. */
  private compact(cmd: ParsedCommand): void {
    expectNamed(cmd, []);
    if (cmd.positional.length !== 2) throw new CommandError('compact: want ID INDEX');
    const node = this.node(parseId(cmd.positional[0]!));
    const index = parseCount(cmd.positional[1]!, 'compact');
    if (index > node.applied) throw new CommandError(`compact: index ${index} is past applied ${node.applied}`);
    let cs = node.confHistory[0]!.confState;
    for (const h of node.confHistory) if (h.index <= index) cs = h.confState;
    node.storage.createSnapshot(index, cs, new Uint8Array(0));
    node.storage.compact(index);
  }

  private status(id: bigint): void {
    const st = this.running(id).status();
    const transferee = st.leadTransferee === 0n ? '' : ` LeadTransferee:${st.leadTransferee}`;
    this.out.line(`${describeHardState(st.hardState)} Lead:${st.softState.lead} State:${st.softState.raftState} Applied:${st.applied}${transferee}`);
    if (st.progress === undefined) return;
    const ids = [...st.progress.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const p of ids) {
      const pr = st.progress.get(p)!;
      const learner = pr.isLearner ? ' learner' : '';
      const inflight = pr.inflight > 0 ? ` inflight=${pr.inflight}` : '';
      this.out.line(`${p}: ${pr.state} match=${pr.match} next=${pr.next}${inflight}${learner}`);
    }
  }

  private raftLog(id: bigint): void {
    const s = this.node(id).storage;
    const first = s.firstIndex();
    const last = s.lastIndex();
    if (last < first) {
      this.out.line(`log is empty: first index=${first}, last index=${last}`);
      return;
    }
    for (const e of s.entries(first, last + 1, Number.MAX_SAFE_INTEGER)) this.out.line(describeEntry(e));
  }

  private raftState(): void {
    for (const node of this.nodes.values()) {
      const cs = node.confState;
      const role = cs.voters.includes(node.id) ? 'Voter' : cs.learners.includes(node.id) ? 'Learner' : 'Non-Voter';
      if (node.rawNode === undefined) {
        this.out.line(`${node.id}: down (${role}) ${describeHardState(node.storage.initialState().hardState)}`);
        continue;
      }
      const st = node.rawNode.status();
      this.out.line(`${node.id}: ${st.softState.raftState} (${role}) Term:${st.hardState.term} Lead:${st.softState.lead}`);
    }
  }

  // --- the caller loop ------------------------------------------------------------------------------------

  /** processReady handles one Ready exactly as the contract's caller loop prescribes, printing it first. */
  private processReady(id: bigint): void {
    const node = this.node(id);
    const rn = this.running(id);
    const rd = rn.ready();
    for (const line of describeReady(rd, (m) => this.dropReason(m))) this.out.line(line);
    // (1)-(3): make the snapshot, HardState and entries durable before anything is sent.
    if (rd.snapshot !== undefined && rd.snapshot.metadata.index !== 0) {
      node.storage.applySnapshot(rd.snapshot);
      node.applied = rd.snapshot.metadata.index;
      node.confState = rd.snapshot.metadata.confState;
      node.confHistory.push({ index: node.applied, confState: node.confState });
    }
    if (rd.hardState !== undefined) node.storage.setHardState(rd.hardState);
    node.storage.append(rd.entries);
    // (4): send. The wire copies, so no two nodes ever share a message object.
    for (const m of rd.messages) {
      if (this.dropReason(m) === '') this.network.push(structuredClone(m));
    }
    // (5): apply.
    for (const e of rd.committedEntries) {
      if (e.index !== node.applied + 1) throw new Error(`node ${id}: committed entry ${e.index} does not follow applied index ${node.applied}`);
      this.checkStateMachineSafety(id, e);
      if (e.type === 'EntryConfChange') {
        const cc = decodeConfChange(e.data);
        node.confState = rn.applyConfChange(cc);
        node.confHistory.push({ index: e.index, confState: node.confState });
        this.out.line(`applied ${describeConfChange(cc)}: switched to ${describeConfState(node.confState)}`);
      }
      node.applied = e.index;
    }
    // (6)
    rn.advance(rd);
  }

  private checkStateMachineSafety(id: bigint, e: Entry): void {
    const data = Buffer.from(e.data).toString('hex');
    const prev = this.appliedLog.get(e.index);
    if (prev === undefined) {
      this.appliedLog.set(e.index, { term: e.term, type: e.type, data, by: id });
      return;
    }
    if (prev.term !== e.term || prev.type !== e.type || prev.data !== data) {
      throw new Error(
        `State Machine Safety violated: node ${id} applied ${describeEntry(e)} at index ${e.index}, node ${prev.by} applied term ${prev.term} there`,
      );
    }
  }

  /** deliverMsgs steps every queued message to id that passes match, in send order, printing each. */
  private deliverMsgs(id: bigint, match: (m: Message) => boolean): void {
    const mine: Message[] = [];
    const kept: Message[] = [];
    for (const m of this.network) (m.to === id && match(m) ? mine : kept).push(m);
    this.network = kept;
    const rn = this.node(id).rawNode;
    for (const m of mine) {
      if (rn === undefined) {
        this.out.line(`dropped (down): ${describeMessage(m)}`);
        continue;
      }
      this.out.line(describeMessage(m));
      this.guard(() => rn.step(m));
    }
  }

  /** dropReason says whether the network loses m when it is sent, as a prefix for its printed line. */
  private dropReason(m: Message): string {
    const to = this.nodes.get(m.to);
    if (to !== undefined && to.rawNode === undefined) return 'dropped (down): ';
    if (this.groups !== undefined && this.groupOf(m.from) !== this.groupOf(m.to)) return 'dropped (partition): ';
    return '';
  }

  private groupOf(id: bigint): number {
    const g = this.groups!.findIndex((members) => members.includes(id));
    return g === -1 ? this.groups!.length : g;
  }

  // --- helpers --------------------------------------------------------------------------------------------

  private start(node: InteractionNode): void {
    const config: Config = {
      id: node.id,
      electionTick: node.options.electionTick,
      heartbeatTick: node.options.heartbeatTick,
      storage: node.storage,
      // A fixed seed per node and incarnation: election timeouts are random yet identical on every run.
      random: new SeededRandom(Number(node.id) * 1000 + node.starts),
      applied: node.applied,
      preVote: node.options.preVote,
      checkQuorum: node.options.checkQuorum,
      logger: this.logger(node.id),
    };
    if (node.options.maxSizePerMsg !== undefined) config.maxSizePerMsg = node.options.maxSizePerMsg;
    if (node.options.maxInflightMsgs !== undefined) config.maxInflightMsgs = node.options.maxInflightMsgs;
    if (this.opts.unsafeBugs !== undefined) config.unsafeBugs = this.opts.unsafeBugs;
    if (node.options.maxUncommittedEntriesSize !== undefined) config.maxUncommittedEntriesSize = node.options.maxUncommittedEntriesSize;
    node.starts++;
    node.rawNode = new RawNode(config);
  }

  /** logger prints the core's log lines at or above the script's log level, with structured fields inline. */
  private logger(id: bigint): RaftLogger {
    const emit = (level: Exclude<LogLevel, 'none'>, obj: object, msg: string): void => {
      if (levelRank[level] < levelRank[this.logLevel]) return;
      const fields = Object.entries(obj)
        .filter(([k, v]) => !(k === 'id' && String(v) === String(id)))
        .map(([k, v]) => `${k}=${formatField(v)}`)
        .join(' ');
      this.out.line(`${level.toUpperCase()} ${id}: ${msg}${fields === '' ? '' : ` ${fields}`}`);
    };
    return {
      debug: (obj, msg) => emit('debug', obj, msg),
      info: (obj, msg) => emit('info', obj, msg),
      warn: (obj, msg) => emit('warn', obj, msg),
    };
  }

  /** guard runs a core call and prints a RaftError as an `error:` line; anything else is a bug and propagates. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
      this.out.error(`error: ${err.name}: ${err.message}`);
    }
  }

  private node(id: bigint): InteractionNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new CommandError(`no node ${id}`);
    return n;
  }

  private running(id: bigint): RawNode {
    const rn = this.node(id).rawNode;
    if (rn === undefined) throw new CommandError(`node ${id} is down`);
    return rn;
  }

  private soleId(cmd: ParsedCommand): bigint {
    expectNamed(cmd, []);
    if (cmd.positional.length !== 1) throw new CommandError(`${cmd.name}: want exactly one node ID`);
    return parseId(cmd.positional[0]!);
  }

  private upIds(): bigint[] {
    return [...this.nodes.values()].filter((n) => n.rawNode !== undefined).map((n) => n.id);
  }

  private idsOrAll(args: string[]): bigint[] {
    if (args.length === 0) return [...this.nodes.keys()];
    const ids = args.map(parseId);
    for (const id of ids) this.node(id);
    return ids;
  }
}

function formatField(v: unknown): string {
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return /^[\w./:-]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  if (v instanceof Uint8Array) return JSON.stringify(new TextDecoder().decode(v));
  if (v === undefined || v === null) return String(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? new TextDecoder().decode(x) : x));
}
