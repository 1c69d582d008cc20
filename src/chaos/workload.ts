/**
 * The operations of a chaos run's clients (pure, seeded): reads, writes (a few of them deletes) and
 * compare-and-set on a small set of keys, as Jepsen's cas-register workload with independent keys.
 *
 * - Keys rotate: the run has `keys` slots; each slot's key is replaced by a fresh one (the slot's next
 *   generation) after `opsPerKey` operations were invoked on it, so each key's history stays small enough
 *   for the linearizability search however long the run (Jepsen's independent checker does the same).
 * - Every write writes a value no other write writes (`p<process>.<n>`), so a read names the write it saw.
 * - A cas expects the last value this workload saw for the key (an ok read, an ok write, a cas that took),
 *   so that cas succeed often enough to matter and fail when another client got there first.
 */
import type { OpInput, Operation, Value } from './history.js';
import type { Random } from '../util/random.js';

/** WorkloadOptions shape a workload; every field but prefix has a default. */
export interface WorkloadOptions {
  /** prefix is prepended to every key (a run's own namespace). */
  readonly prefix: string;
  /** keys is how many keys are in use at once; default 8. */
  readonly keys?: number;
  /** opsPerKey is how many operations a key gets before its slot moves to a fresh key; default 200. */
  readonly opsPerKey?: number;
  /** mix gives the weights of reads, writes (deletes included) and cas; default 50/30/20. */
  readonly mix?: { readonly read: number; readonly write: number; readonly cas: number };
  /** deleteRatio is the share of writes that delete; default 0.1. */
  readonly deleteRatio?: number;
}

/** NextOp is one operation to invoke: its key and what it asks. */
export interface NextOp {
  readonly key: string;
  readonly input: OpInput;
}

/** Workload hands out the next operation for a process and learns from completed ones. */
export class Workload {
  private readonly keys: number;
  private readonly opsPerKey: number;
  private readonly mix: { read: number; write: number; cas: number };
  private readonly deleteRatio: number;
  private readonly generation: number[];
  private readonly used: number[];
  private readonly seen = new Map<string, Value>();
  private readonly seq = new Map<number, number>();

  constructor(
    private readonly random: Random,
    private readonly options: WorkloadOptions,
  ) {
    this.keys = options.keys ?? 8;
    this.opsPerKey = options.opsPerKey ?? 200;
    this.mix = { read: 50, write: 30, cas: 20, ...options.mix };
    this.deleteRatio = options.deleteRatio ?? 0.1;
    if (!Number.isSafeInteger(this.keys) || this.keys < 1) throw new RangeError(`Workload: keys must be a positive integer, got ${this.keys}`);
    if (!Number.isSafeInteger(this.opsPerKey) || this.opsPerKey < 1) throw new RangeError(`Workload: opsPerKey must be a positive integer, got ${this.opsPerKey}`);
    if (!(this.mix.read >= 0 && this.mix.write >= 0 && this.mix.cas >= 0 && this.mix.read + this.mix.write + this.mix.cas > 0)) throw new RangeError('Workload: mix weights must be non-negative, not all zero');
    this.generation = new Array<number>(this.keys).fill(0);
    this.used = new Array<number>(this.keys).fill(0);
  }

  /** keyOf names a slot's key at a generation: `<prefix><slot>.<generation>`. */
  keyOf(slot: number, generation: number): string {
    return `${this.options.prefix}${slot}.${generation}`;
  }

  /** next returns process's next operation. */
  next(process: number): NextOp {
    const slot = this.random.int(this.keys);
    if (this.used[slot]! >= this.opsPerKey) {
      this.generation[slot]!++;
      this.used[slot] = 0;
    }
    this.used[slot]!++;
    const key = this.keyOf(slot, this.generation[slot]!);
    const total = this.mix.read + this.mix.write + this.mix.cas;
    const r = this.random.float() * total;
    if (r < this.mix.read) return { key, input: { kind: 'read' } };
    if (r < this.mix.read + this.mix.write) {
      return { key, input: { kind: 'write', value: this.random.float() < this.deleteRatio ? null : this.freshValue(process) } };
    }
    return { key, input: { kind: 'cas', expected: this.seen.get(key) ?? null, value: this.freshValue(process) } };
  }

  /** observe learns the key's value from a completed operation (what cas will expect next). */
  observe(op: Operation): void {
    if (op.result !== 'ok') return;
    const out = op.output;
    if (op.input.kind === 'read' && out !== undefined && 'value' in out) this.seen.set(op.key, out.value);
    else if (op.input.kind === 'write') this.seen.set(op.key, op.input.value);
    else if (op.input.kind === 'cas' && out !== undefined && 'succeeded' in out && out.succeeded) this.seen.set(op.key, op.input.value);
  }

  private freshValue(process: number): string {
    const n = (this.seq.get(process) ?? 0) + 1;
    this.seq.set(process, n);
    return `p${process}.${n}`;
  }
}
