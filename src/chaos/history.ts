/**
 * The history of a Jepsen-style run: what concurrent clients asked of the store and what they were told.
 *
 * Model (as Jepsen's and porcupine's): each client is a process that runs one operation at a time. An
 * operation is recorded when it is invoked and when it completes, with monotonic times, and ends one of
 * three ways:
 * - `ok`: the store answered; the output is what it said (the value read, whether a compare-and-set took).
 * - `fail`: the operation certainly had no effect (refused before it reached a leader, for example).
 * - `info`: indeterminate — a timeout or a lost connection. The operation may or may not have taken effect,
 *   at any moment after its invocation, even long after the client gave up on it.
 *
 * Each key is a register holding a string or nothing (`null`: absent or deleted). A write of `null` is a
 * delete. A `cas` is an etcd Txn `value(key) == expected → put(key, value)` (with `expected === null`
 * meaning "the key does not exist", `create_revision == 0`); its output says whether the compare held.
 * A cas whose compare failed is `ok` with `succeeded: false`: it observed the key, and changed nothing.
 */
import { CapstanError } from '../util/errors.js';

/** Value is a register's content: a string, or null when the key is absent. */
export type Value = string | null;

/** OpKind names what an operation does to its key's register. */
export type OpKind = 'read' | 'write' | 'cas';

/** OpResult is how an operation ended: `ok`, `fail` (certainly not applied) or `info` (indeterminate). */
export type OpResult = 'ok' | 'fail' | 'info';

/** OpInput is what an operation asked for, by kind. */
export type OpInput =
  | { readonly kind: 'read' }
  | { readonly kind: 'write'; readonly value: Value }
  | { readonly kind: 'cas'; readonly expected: Value; readonly value: Value };

/** OpOutput is what the store answered, for `ok` operations: the value read, or whether a cas took. */
export type OpOutput = { readonly value: Value } | { readonly succeeded: boolean } | undefined;

/** Operation is one completed entry of a history: an invocation paired with its completion. */
export interface Operation {
  /** id identifies the operation within its history (unique; the order of invocation is a good choice). */
  readonly id: number;
  /** process is the client that ran it; a process runs one operation at a time. */
  readonly process: number;
  readonly key: string;
  readonly input: OpInput;
  /** output is set for `ok` reads (`{ value }`) and `ok` cas (`{ succeeded }`), undefined otherwise. */
  readonly output: OpOutput;
  /** invoke is the monotonic time (ms) the client sent it. */
  readonly invoke: number;
  /** complete is the monotonic time (ms) the client got its answer or gave up (≥ invoke). */
  readonly complete: number;
  readonly result: OpResult;
}

/** History is a whole run's operations, in any order. */
export type History = readonly Operation[];

/** HistoryError reports a history that cannot be judged (an input problem, not a verdict). */
export class HistoryError extends CapstanError {
  constructor(message: string) {
    super(message, 'BAD_HISTORY', false);
  }
}

/**
 * validateHistory throws a HistoryError naming the first malformed operation: duplicate ids, completion
 * before invocation, an `ok` read or cas without its output, or one process running two operations at once.
 */
export function validateHistory(history: History): void {
  const ids = new Set<number>();
  const byProcess = new Map<number, Operation[]>();
  for (const op of history) {
    if (ids.has(op.id)) throw new HistoryError(`operation ${op.id}: duplicate id`);
    ids.add(op.id);
    if (!(op.complete >= op.invoke)) throw new HistoryError(`operation ${op.id}: completes (${op.complete}) before it is invoked (${op.invoke})`);
    if (op.result === 'ok') {
      if (op.input.kind === 'read' && (op.output === undefined || !('value' in op.output))) {
        throw new HistoryError(`operation ${op.id}: an ok read needs output { value }`);
      }
      if (op.input.kind === 'cas' && (op.output === undefined || !('succeeded' in op.output))) {
        throw new HistoryError(`operation ${op.id}: an ok cas needs output { succeeded }`);
      }
    }
    const list = byProcess.get(op.process) ?? [];
    list.push(op);
    byProcess.set(op.process, list);
  }
  for (const [proc, ops] of byProcess) {
    ops.sort((a, b) => a.invoke - b.invoke);
    for (let i = 1; i < ops.length; i++) {
      const prev = ops[i - 1]!;
      // An indeterminate operation's client gives up on it, so the process may go on (Jepsen starts a new one).
      if (prev.result !== 'info' && ops[i]!.invoke < prev.complete) {
        throw new HistoryError(`process ${proc}: operation ${ops[i]!.id} is invoked before operation ${prev.id} completes`);
      }
    }
  }
}

/** formatOperation renders an operation on one line, as the checkers report them. */
export function formatOperation(op: Operation): string {
  const show = (v: Value): string => (v === null ? 'nil' : JSON.stringify(v));
  let what: string;
  switch (op.input.kind) {
    case 'read':
      what = `read ${op.key}${op.output !== undefined && 'value' in op.output ? ` → ${show(op.output.value)}` : ''}`;
      break;
    case 'write':
      what = `write ${op.key} ${show(op.input.value)}`;
      break;
    case 'cas':
      what =
        `cas ${op.key} ${show(op.input.expected)}→${show(op.input.value)}` +
        (op.output !== undefined && 'succeeded' in op.output ? (op.output.succeeded ? ' ✓' : ' ✗') : '');
      break;
  }
  return `#${op.id} p${op.process} [${op.invoke.toFixed(1)}, ${op.result === 'info' ? '∞' : op.complete.toFixed(1)}] ${op.result} ${what}`;
}

/** opsByKey groups a history by key (P-compositionality: linearizability is checked per key). */
export function opsByKey(history: History): Map<string, Operation[]> {
  const out = new Map<string, Operation[]>();
  for (const op of history) {
    const list = out.get(op.key);
    if (list === undefined) out.set(op.key, [op]);
    else list.push(op);
  }
  return out;
}

/** PendingOp is an invoked operation waiting for its completion: exactly one of ok, fail or info ends it. */
export interface PendingOp {
  /** ok records the store's answer: `{ value }` for a read, `{ succeeded }` for a cas, nothing for a write. */
  ok(output?: OpOutput): Operation;
  /** fail records that the operation certainly had no effect. */
  fail(): Operation;
  /** info records that the outcome is unknown (timeout, lost connection). */
  info(): Operation;
}

/**
 * HistoryRecorder collects a run's history as clients go: invoke() stamps the invocation with the monotonic
 * time it is given and an id in invocation order, and the returned PendingOp stamps the completion. Ending
 * an operation twice is a bug and throws. history() returns what completed so far; operations still pending
 * when the run ends are recorded by endPending() as indeterminate.
 */
export class HistoryRecorder {
  private readonly ops: Operation[] = [];
  private readonly pending = new Map<number, () => Operation>();
  private nextId = 0;

  constructor(private readonly monotonic: () => number) {}

  /** invoke starts an operation of process on key. */
  invoke(process: number, key: string, input: OpInput): PendingOp {
    const id = this.nextId++;
    const invoke = this.monotonic();
    const end = (result: OpResult, output: OpOutput): Operation => {
      if (!this.pending.delete(id)) throw new HistoryError(`operation ${id}: completed twice`);
      const op: Operation = { id, process, key, input, output: result === 'ok' ? output : undefined, invoke, complete: this.monotonic(), result };
      this.ops.push(op);
      return op;
    };
    this.pending.set(id, () => end('info', undefined));
    return { ok: (output) => end('ok', output), fail: () => end('fail', undefined), info: () => end('info', undefined) };
  }

  /** endPending records every operation still pending as indeterminate. */
  endPending(): void {
    for (const end of [...this.pending.values()]) end();
  }

  /** history returns the completed operations, in completion order. */
  history(): History {
    return [...this.ops];
  }
}
