/**
 * A linearizability checker for a history of registers (read, write, compare-and-set per key), after
 * Wing & Gong (1993) with Lowe's memoisation (2017), as porcupine and Knossos implement it.
 *
 * How it works:
 * - P-compositionality (Herlihy & Wing): a history is linearizable iff each key's sub-history is, so each
 *   key is searched on its own.
 * - For one key, invocations and completions go on a doubly linked list in time order (at equal times the
 *   invocation first, so the two operations count as concurrent). The search walks the list: at an
 *   invocation it tries to linearize that operation next (the register model must accept it), lifting its
 *   two entries out of the list; at a completion it has met an operation that had to be linearized before
 *   this point and was not, so it backtracks. All `ok` operations linearized means linearizable; backtracking
 *   past the first choice means not.
 * - Memoisation: a configuration is (the set of operations linearized, the register's value); one seen
 *   before is not explored again.
 * - Indeterminate (`info`) operations complete at +∞: they may take effect anywhere after their invocation,
 *   or never (the search stops as soon as every `ok` operation is linearized). `fail` operations and `info`
 *   reads are dropped: they changed and observed nothing. The search tries `ok` operations before `info`
 *   ones, and a configuration that has linearized the same `ok` operations and a superset of the `info`
 *   operations of one already seen, with the same value, has fewer ways forward and is pruned too.
 * - Values no operation observes (no read returns them, no cas compares against them) are one value to the
 *   search, and indeterminate writes of such values are interchangeable once invoked: they wait in a pool
 *   outside the entry list and only the next one is ever tried, so pending timeouts cost a counter, not a
 *   subset each.
 * - Cost: the linearized `ok` set is kept as "everything before base" plus a window of bits, so memoising a
 *   configuration costs the concurrency window, not the history's length. A history whose search succeeds
 *   costs about (operations × concurrency); proving a long history non-linearizable explores every
 *   reachable configuration, which indeterminate operations that stay pending (visible writes, deletes,
 *   cas) can multiply — keep keys' histories to a few thousand operations (rotate keys, as Jepsen's
 *   independent checker does) when a run has many timeouts.
 * - Budgets: a step budget per key and a time budget for the whole check turn a search that would run too
 *   long into an `unknown` verdict instead of a hang.
 * - On failure the key's sub-history is shrunk: the shortest failing prefix (in invocation order) by
 *   bisection, then chunks, single operations and observation chains (a mutation with everything that
 *   observes what it wrote) removed while it stays non-linearizable. A mutation is only removed when no
 *   remaining operation that may follow it observes its value (see orphans), so the witness never blames a
 *   read whose source was cut out.
 */
import { systemClock } from '../util/clock.js';
import { invariant } from '../util/errors.js';
import { formatOperation, opsByKey, type History, type Operation, type Value } from './history.js';

/** LinearizabilityOptions tune a check; every field has a default. */
export interface LinearizabilityOptions {
  /** initial gives a key's value before the history starts; default null (absent) for every key. */
  initial?: (key: string) => Value;
  /** maxSteps bounds the search steps spent on one key (the shrink has its own budget); default 20 million. */
  maxSteps?: number;
  /** timeoutMs bounds the time of the whole check, all keys, shrink excluded; default 60 s. */
  timeoutMs?: number;
  /** shrinkTimeoutMs bounds the time spent shrinking a failing key's sub-history; default 5 s. */
  shrinkTimeoutMs?: number;
  /** monotonic reads the time for the budgets; default the system clock's. */
  monotonic?: () => number;
}

/** KeyVerdict is the outcome of one key's search. */
export interface KeyVerdict {
  readonly key: string;
  readonly verdict: 'ok' | 'fail' | 'unknown';
  /** ops counts the operations searched (`fail` operations and `info` reads excluded). */
  readonly ops: number;
  /** steps counts the search steps spent. */
  readonly steps: number;
  /** reason says why the verdict is unknown: the step or the time budget ran out. */
  readonly reason?: 'steps' | 'time';
}

/** LinearizabilityFailure describes the first non-linearizable key and the smallest bad sub-history found. */
export interface LinearizabilityFailure {
  readonly key: string;
  /** subHistory is a non-linearizable sub-history of that key, in invocation order. */
  readonly subHistory: readonly Operation[];
  /** minimal is true when the shrink ran to its end (no single operation can go), false when its budget ran out. */
  readonly minimal: boolean;
}

/** LinearizabilityResult is the verdict on a history: ok, fail (with a witness) or unknown (a budget ran out). */
export interface LinearizabilityResult {
  readonly verdict: 'ok' | 'fail' | 'unknown';
  readonly keys: readonly KeyVerdict[];
  /** ops counts the operations of the history checked (every result). */
  readonly ops: number;
  readonly failure?: LinearizabilityFailure;
}

const DEFAULT_MAX_STEPS = 20_000_000;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_SHRINK_TIMEOUT_MS = 5_000;
/** SHRINK_MAX_STEPS bounds each search the shrink runs; a candidate that would need more counts as passing. */
const SHRINK_MAX_STEPS = 2_000_000;

/**
 * checkLinearizability judges a history of registers: `ok` when every key's sub-history is linearizable,
 * `fail` with the first bad key (in sorted order) and a shrunk witness, `unknown` when no key failed but one
 * ran out of budget. Every key is checked and has its verdict in `keys`; only the first failure is shrunk.
 */
export function checkLinearizability(history: History, options: LinearizabilityOptions = {}): LinearizabilityResult {
  const monotonic = options.monotonic ?? (() => systemClock.monotonic());
  const initial = options.initial ?? (() => null);
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  let deadline = monotonic() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const keys: KeyVerdict[] = [];
  let failure: LinearizabilityFailure | undefined;
  const groups = [...opsByKey(history)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, ops] of groups) {
    const search = new RegisterSearch(ops, initial(key));
    const outcome = search.run(maxSteps, deadline, monotonic);
    keys.push({ key, verdict: outcome === 'ok' ? 'ok' : outcome === 'fail' ? 'fail' : 'unknown', ops: search.size, steps: search.steps, ...(outcome === 'steps' || outcome === 'time' ? { reason: outcome } : {}) });
    if (outcome === 'fail' && failure === undefined) {
      // The shrink has its own budget: the search's deadline does not move.
      const shrinkStart = monotonic();
      const { ops: witness, minimal } = shrink(ops, initial(key), shrinkStart + (options.shrinkTimeoutMs ?? DEFAULT_SHRINK_TIMEOUT_MS), monotonic);
      deadline += monotonic() - shrinkStart;
      failure = { key, subHistory: witness, minimal };
    }
  }
  if (failure !== undefined) return { verdict: 'fail', keys, ops: history.length, failure };
  return { verdict: keys.some((k) => k.verdict === 'unknown') ? 'unknown' : 'ok', keys, ops: history.length };
}

/**
 * checkRegisterHistory searches one key's operations (all of the same key) from the initial value and
 * returns `ok`, `fail`, or which budget ran out.
 */
export function checkRegisterHistory(ops: readonly Operation[], initial: Value, maxSteps = DEFAULT_MAX_STEPS, deadline = Infinity, monotonic: () => number = () => systemClock.monotonic()): 'ok' | 'fail' | 'steps' | 'time' {
  return new RegisterSearch(ops, initial).run(maxSteps, deadline, monotonic);
}

/** formatFailure renders a failure for people: the key, then the witness, one operation a line. */
export function formatFailure(f: LinearizabilityFailure): string {
  return [`key ${JSON.stringify(f.key)}: not linearizable (${f.subHistory.length} operations${f.minimal ? '' : ', shrink budget ran out'}):`, ...f.subHistory.map((op) => `  ${formatOperation(op)}`)].join('\n');
}

const REJECT: unique symbol = Symbol('reject');
/** UNSEEN stands for every value that no operation of the key observes: they are interchangeable. */
const UNSEEN: unique symbol = Symbol('unseen');
type State = Value | typeof UNSEEN;

/**
 * applyOp is the register model: the state after op, or REJECT when op cannot take effect on state. written
 * is what op writes, as the search sees it (UNSEEN for a value nobody observes).
 */
function applyOp(state: State, op: Operation, written: State): State | typeof REJECT {
  const input = op.input;
  switch (input.kind) {
    case 'read':
      return op.output !== undefined && 'value' in op.output && op.output.value === state ? state : REJECT;
    case 'write':
      return written;
    case 'cas':
      if (op.result === 'info') return state === input.expected ? written : state;
      if (op.output !== undefined && 'succeeded' in op.output && op.output.succeeded) return state === input.expected ? written : REJECT;
      return state !== input.expected ? state : REJECT;
  }
}

/** relevant drops what cannot matter: `fail` operations (no effect) and `info` reads (no effect, nothing observed). */
function relevant(op: Operation): boolean {
  return op.result === 'ok' || (op.result === 'info' && op.input.kind !== 'read');
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function hashValue(v: State): number {
  if (v === null) return 0x9e3779b9;
  if (v === UNSEEN) return 0x2545f491;
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
  return mix32(h);
}

interface Seen {
  /** base, hi and window give the required set: every slot below base, and window's bits up to hi. */
  readonly base: number;
  readonly hi: number;
  readonly window: Uint32Array;
  readonly optional: Uint32Array;
  readonly poolUsed: number;
  readonly value: State;
}

/**
 * RegisterSearch is the WGL search over one key's operations. Entries 1..2m sit in a linked list behind the
 * head 0, in time order; entry e belongs to operation opOf[e]; a call entry knows its return entry (match).
 *
 * Indeterminate writes of values nobody observes are interchangeable once invoked (each leaves the register
 * holding "a value nobody reads", and they complete at +∞), so they stay out of the list: they form a pool
 * in invocation order, and the search only ever takes the first one not yet taken, so the ones taken are
 * always a prefix of the pool and a count says which.
 */
class RegisterSearch {
  readonly size: number;
  steps = 0;
  private readonly ops: Operation[];
  private readonly written: State[];
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly opOf: Int32Array;
  private readonly match: Int32Array;
  private readonly time: Float64Array;
  /** slot[o] is o's bit in the required (ok) or optional (info) bitset; isRequired says which. */
  private readonly slot: Int32Array;
  private readonly isRequired: Uint8Array;
  private readonly requiredCount: number;
  private readonly required: Uint32Array;
  private readonly optional: Uint32Array;
  private requiredHash = 0;
  /** base is the first required slot not linearized (required slots follow invocation order). */
  private base = 0;
  /** pool holds the invocation times of the interchangeable indeterminate writes, in order. */
  private readonly pool: number[];
  private readonly cache = new Map<number, Seen[]>();
  private readonly initial: State;

  constructor(all: readonly Operation[], initial: Value) {
    const ops = all.filter(relevant).sort((a, b) => a.invoke - b.invoke || a.id - b.id);
    this.size = ops.length;
    // A value no read returns and no cas compares against only ever makes reads and cas fail the same way.
    const visible = new Set<Value>();
    for (const op of ops) {
      if (op.input.kind === 'cas') visible.add(op.input.expected);
      else if (op.output !== undefined && 'value' in op.output) visible.add(op.output.value);
    }
    const canon = (v: Value): State => (visible.has(v) ? v : UNSEEN);
    this.initial = canon(initial);
    const interchangeable = (op: Operation): boolean => op.result === 'info' && op.input.kind === 'write' && !visible.has(op.input.value);
    this.pool = ops.filter(interchangeable).map((op) => op.invoke);
    this.ops = ops.filter((op) => !interchangeable(op));
    this.written = this.ops.map((op) => (op.input.kind === 'read' ? UNSEEN : canon(op.input.value)));
    const n = this.ops.length;
    this.slot = new Int32Array(n);
    this.isRequired = new Uint8Array(n);
    let req = 0;
    let opt = 0;
    for (let o = 0; o < n; o++) {
      if (this.ops[o]!.result === 'ok') {
        this.isRequired[o] = 1;
        this.slot[o] = req++;
      } else {
        this.slot[o] = opt++;
      }
    }
    this.requiredCount = req;
    this.required = new Uint32Array((req + 31) >>> 5);
    this.optional = new Uint32Array((opt + 31) >>> 5);

    const entries: { time: number; call: boolean; op: number }[] = [];
    for (let o = 0; o < n; o++) {
      const op = this.ops[o]!;
      entries.push({ time: op.invoke, call: true, op: o });
      entries.push({ time: op.result === 'info' ? Infinity : op.complete, call: false, op: o });
    }
    entries.sort((a, b) => a.time - b.time || (a.call === b.call ? a.op - b.op : a.call ? -1 : 1));
    const m = entries.length;
    this.next = new Int32Array(m + 1);
    this.prev = new Int32Array(m + 1);
    this.opOf = new Int32Array(m + 1);
    this.match = new Int32Array(m + 1);
    this.time = new Float64Array(m + 1);
    this.time[0] = Infinity;
    const callEntry = new Int32Array(n);
    for (let i = 0; i < m; i++) {
      const e = i + 1;
      const en = entries[i]!;
      this.opOf[e] = en.op;
      this.time[e] = en.time;
      this.prev[e] = e - 1;
      this.next[e] = i + 1 < m ? e + 1 : 0;
      if (en.call) callEntry[en.op] = e;
      else this.match[callEntry[en.op]!] = e;
    }
    this.next[0] = m > 0 ? 1 : 0;
    this.prev[0] = m;
  }

  /** run searches for a linearization: ok, fail, or which budget ran out first. */
  run(maxSteps: number, deadline: number, monotonic: () => number): 'ok' | 'fail' | 'steps' | 'time' {
    const { next, opOf, match, ops, isRequired, written, pool, slot } = this;
    const frames = this.size + 1;
    const stackEntry = new Int32Array(frames);
    const stackPhase = new Uint8Array(frames);
    const stackPool = new Uint8Array(frames);
    const stackHi = new Int32Array(frames);
    const stackValue: State[] = [];
    let depth = 0;
    let remaining = this.requiredCount;
    let value = this.initial;
    // hi is the highest required slot linearized (-1: none); poolUsed counts the pool's writes taken.
    let hi = -1;
    let poolUsed = 0;
    // The candidates at a point are the invocations before the first pending completion. Phase 0 tries the
    // ok operations among them, phase 1 the indeterminate ones, then the pool's next write: configurations
    // with fewer indeterminate operations linearized come first, so the ones with more (same ok set, same
    // value) are pruned. skipPool: the pool's write was already tried at this point.
    let phase = 0;
    let skipPool = false;
    let entry = next[0]!;
    for (;;) {
      if (remaining === 0) return 'ok';
      if (++this.steps > maxSteps) return 'steps';
      if ((this.steps & 1023) === 0 && monotonic() > deadline) return 'time';
      if (entry === 0 || match[entry]! === 0) {
        // The first pending completion (the list cannot end first: an ok operation is pending).
        invariant(entry !== 0, 'linearizability: the entry list ends before every ok operation is linearized');
        if (phase === 0) {
          phase = 1;
          entry = next[0]!;
          continue;
        }
        if (!skipPool && poolUsed < pool.length && pool[poolUsed]! <= this.time[entry]! && this.remember(UNSEEN, hi, poolUsed + 1)) {
          stackEntry[depth] = entry;
          stackPool[depth] = 1;
          stackValue[depth] = value;
          stackHi[depth] = hi;
          depth++;
          poolUsed++;
          value = UNSEEN;
          phase = 0;
          entry = next[0]!;
          continue;
        }
        // Nothing can go next: undo the last choice and try the candidates after it.
        if (depth === 0) return 'fail';
        depth--;
        value = stackValue[depth]!;
        hi = stackHi[depth]!;
        if (stackPool[depth] === 1) {
          stackPool[depth] = 0;
          poolUsed--;
          entry = stackEntry[depth]!;
          phase = 1;
          skipPool = true;
          continue;
        }
        const e = stackEntry[depth]!;
        phase = stackPhase[depth]!;
        skipPool = false;
        const u = opOf[e]!;
        this.toggle(u);
        if (isRequired[u] === 1) remaining++;
        this.unlift(e);
        entry = next[e]!;
        continue;
      }
      const o = opOf[entry]!;
      if (isRequired[o] === 1 - phase) {
        const after = applyOp(value, ops[o]!, written[o]!);
        if (after !== REJECT) {
          this.toggle(o);
          const newHi = isRequired[o] === 1 ? Math.max(hi, slot[o]!) : hi;
          if (this.remember(after, newHi, poolUsed)) {
            stackEntry[depth] = entry;
            stackPhase[depth] = phase;
            stackValue[depth] = value;
            stackHi[depth] = hi;
            depth++;
            value = after;
            hi = newHi;
            if (isRequired[o] === 1) remaining--;
            this.lift(entry);
            phase = 0;
            skipPool = false;
            entry = next[0]!;
            continue;
          }
          this.toggle(o);
        }
      }
      entry = next[entry]!;
    }
  }

  private toggle(o: number): void {
    const s = this.slot[o]!;
    if (this.isRequired[o] === 1) {
      const bit = 1 << (s & 31);
      this.required[s >>> 5]! ^= bit;
      this.requiredHash ^= mix32(s + 1);
      if ((this.required[s >>> 5]! & bit) !== 0) {
        if (s === this.base) {
          let b = s + 1;
          while (b < this.requiredCount && (this.required[b >>> 5]! & (1 << (b & 31))) !== 0) b++;
          this.base = b;
        }
      } else if (s < this.base) {
        this.base = s;
      }
    } else {
      this.optional[s >>> 5]! ^= 1 << (s & 31);
    }
  }

  /**
   * remember records the current configuration (required set, optional set, pool writes taken, value) and
   * reports whether it is new: false when the same required set with the same value was seen with a subset
   * of the optional set and no more of the pool.
   */
  private remember(value: State, hi: number, poolUsed: number): boolean {
    const h = (this.requiredHash ^ hashValue(value)) >>> 0;
    const from = this.base >>> 5;
    const to = hi < this.base ? from : (hi >>> 5) + 1;
    const bucket = this.cache.get(h);
    if (bucket !== undefined) {
      for (const seen of bucket) {
        if (
          seen.value === value &&
          seen.base === this.base &&
          seen.hi === hi &&
          seen.poolUsed <= poolUsed &&
          equalWindow(seen.window, this.required, from, to) &&
          subsetBits(seen.optional, this.optional)
        ) {
          return false;
        }
      }
    }
    const entry: Seen = { base: this.base, hi, window: this.required.slice(from, to), optional: this.optional.slice(), poolUsed, value };
    if (bucket === undefined) this.cache.set(h, [entry]);
    else bucket.push(entry);
    return true;
  }

  private lift(call: number): void {
    const { next, prev } = this;
    next[prev[call]!] = next[call]!;
    prev[next[call]!] = prev[call]!;
    const ret = this.match[call]!;
    next[prev[ret]!] = next[ret]!;
    prev[next[ret]!] = prev[ret]!;
  }

  private unlift(call: number): void {
    const { next, prev } = this;
    const ret = this.match[call]!;
    prev[next[ret]!] = ret;
    next[prev[ret]!] = ret;
    prev[next[call]!] = call;
    next[prev[call]!] = call;
  }
}

function equalWindow(window: Uint32Array, bits: Uint32Array, from: number, to: number): boolean {
  if (window.length !== to - from) return false;
  for (let i = 0; i < window.length; i++) if (window[i] !== bits[from + i]) return false;
  return true;
}

function subsetBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & ~b[i]!) !== 0) return false;
  return true;
}

/** writtenValue is the value a mutation may have left, or undefined for an operation that changes nothing. */
function writtenValue(op: Operation): Value | undefined {
  if (op.input.kind === 'write') return op.input.value;
  if (op.input.kind === 'cas' && (op.result === 'info' || (op.output !== undefined && 'succeeded' in op.output && op.output.succeeded))) return op.input.value;
  return undefined;
}

/**
 * observedValue is the value an operation needs to have seen: what an ok read returned, what a successful
 * cas found, what an indeterminate cas needs to find to take effect; undefined for others.
 */
function observedValue(op: Operation): Value | undefined {
  if (op.input.kind === 'cas' && op.result === 'info') return op.input.expected;
  if (op.result !== 'ok') return undefined;
  if (op.output !== undefined && 'value' in op.output) return op.output.value;
  if (op.input.kind === 'cas' && op.output !== undefined && 'succeeded' in op.output && op.output.succeeded) return op.input.expected;
  return undefined;
}

/**
 * orphans reports whether removing `removed` from a sub-history may leave an observation without its source:
 * a remaining operation that may follow a removed mutation and observes its value, or a failed cas that may
 * follow a removed mutation of another value than it expected with no remaining such mutation in between.
 */
function orphans(cand: readonly Operation[], removed: readonly Operation[]): boolean {
  const observers = new Map<Value, number[]>();
  for (const op of cand) {
    const o = observedValue(op);
    if (o !== undefined) observers.set(o, [...(observers.get(o) ?? []), op.complete]);
  }
  for (const op of removed) {
    const w = writtenValue(op);
    if (w !== undefined && (observers.get(w) ?? []).some((complete) => complete > op.invoke)) return true;
  }
  // A cas whose compare failed observed "not the expected value": the latest removed mutation of another
  // value that may precede it needs a remaining one of another value that may sit between them.
  for (const c of cand) {
    if (c.result !== 'ok' || c.input.kind !== 'cas' || c.output === undefined || !('succeeded' in c.output) || c.output.succeeded) continue;
    const e = c.input.expected;
    let latest = -Infinity;
    for (const op of removed) {
      const w = writtenValue(op);
      if (w !== undefined && w !== e && op.invoke < c.complete) latest = Math.max(latest, op.invoke);
    }
    if (latest === -Infinity) continue;
    const covered = cand.some((op) => {
      const w = writtenValue(op);
      return w !== undefined && w !== e && op.invoke >= latest && op.invoke < c.complete;
    });
    if (!covered) return true;
  }
  return false;
}

/**
 * shrink returns a small non-linearizable sub-history of ops (which must fail): the shortest failing prefix
 * in invocation order, then chunks, then single operations removed while the rest still fails, until no more
 * can go or the deadline passes.
 */
function shrink(all: readonly Operation[], initial: Value, deadline: number, monotonic: () => number): { ops: Operation[]; minimal: boolean } {
  let cur = all.filter(relevant).sort((a, b) => a.invoke - b.invoke || a.id - b.id);
  const fails = (cand: readonly Operation[], removed: readonly Operation[]): boolean => {
    if (orphans(cand, removed)) return false;
    return checkRegisterHistory(cand, initial, SHRINK_MAX_STEPS, deadline, monotonic) === 'fail';
  };
  // The shortest failing prefix: prefix(hi) fails, prefix(lo) does not (or is not allowed).
  let lo = 0;
  let hi = cur.length;
  while (hi - lo > 1 && monotonic() < deadline) {
    const mid = (lo + hi) >>> 1;
    if (fails(cur.slice(0, mid), cur.slice(mid))) hi = mid;
    else lo = mid;
  }
  cur = cur.slice(0, hi);
  // Then chunks of halving size, swept from the end (a later operation removed may free an earlier one whose
  // value it observed); below 4, windows of 3, 2 and 1 operations slide one step at a time (a cas chain goes
  // as a whole), until none can go.
  for (let chunk = Math.max(1, cur.length >>> 1); chunk > 3; chunk >>>= 1) {
    for (let i = Math.max(0, cur.length - chunk); ; i = Math.max(0, i - chunk)) {
      if (monotonic() >= deadline) return { ops: cur, minimal: false };
      const cand = [...cur.slice(0, i), ...cur.slice(i + chunk)];
      if (cand.length > 0 && cand.length < cur.length && fails(cand, cur.slice(i, i + chunk))) cur = cand;
      if (i === 0) break;
    }
  }
  for (let removed = true; removed; ) {
    removed = false;
    for (const width of [3, 2, 1]) {
      for (let i = cur.length - width; i >= 0; i--) {
        if (monotonic() >= deadline) return { ops: cur, minimal: false };
        const cand = [...cur.slice(0, i), ...cur.slice(i + width)];
        if (cand.length > 0 && fails(cand, cur.slice(i, i + width))) {
          cur = cand;
          removed = true;
          i = Math.min(i, cur.length - width + 1);
        }
      }
    }
    // A mutation whose value a later operation observes cannot go alone, nor that observer while its own
    // value is observed in turn: a chain of cas (nil→a, a→b, b→nil) interleaved with other operations is no
    // window. Each operation goes together with everything that observes what it (transitively) wrote.
    for (let i = cur.length - 1; i >= 0 && !removed; i--) {
      if (monotonic() >= deadline) return { ops: cur, minimal: false };
      const gone = observationClosure(cur, cur[i]!);
      if (gone.size === 1 || gone.size >= cur.length) continue;
      const cand = cur.filter((op) => !gone.has(op));
      if (fails(cand, [...gone])) {
        cur = cand;
        removed = true;
      }
    }
  }
  return { ops: cur, minimal: true };
}

/**
 * observationClosure is seed plus every operation of ops that may follow a member of the set and observes a
 * value that member wrote, repeated until nothing more joins.
 */
function observationClosure(ops: readonly Operation[], seed: Operation): Set<Operation> {
  const gone = new Set<Operation>([seed]);
  const queue = [seed];
  for (let op = queue.pop(); op !== undefined; op = queue.pop()) {
    const w = writtenValue(op);
    if (w === undefined) continue;
    for (const other of ops) {
      if (!gone.has(other) && observedValue(other) === w && other.complete > op.invoke) {
        gone.add(other);
        queue.push(other);
      }
    }
  }
  return gone;
}
