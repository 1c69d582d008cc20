import type { OpResult, Operation, Value } from '../../../src/chaos/history.js';
import type { Random } from '../../../src/util/random.js';

/** HistoryBuilder writes histories by hand: each call appends an operation with the next id. */
export class HistoryBuilder {
  readonly ops: Operation[] = [];

  write(process: number, value: Value, invoke: number, complete: number, result: OpResult = 'ok', key = 'x'): this {
    return this.push({ process, key, input: { kind: 'write', value }, output: undefined, invoke, complete, result });
  }

  read(process: number, value: Value, invoke: number, complete: number, key = 'x'): this {
    return this.push({ process, key, input: { kind: 'read' }, output: { value }, invoke, complete, result: 'ok' });
  }

  /** cas with succeeded true/false is ok; undefined makes it indeterminate (info). */
  cas(process: number, expected: Value, value: Value, succeeded: boolean | undefined, invoke: number, complete: number, key = 'x'): this {
    return this.push({
      process,
      key,
      input: { kind: 'cas', expected, value },
      output: succeeded === undefined ? undefined : { succeeded },
      invoke,
      complete,
      result: succeeded === undefined ? 'info' : 'ok',
    });
  }

  private push(op: Omit<Operation, 'id'>): this {
    this.ops.push({ id: this.ops.length, ...op });
    return this;
  }
}

/** GenOptions shape a generated history. */
export interface GenOptions {
  ops: number;
  keys: number;
  /** overlap is how far (in time units) an operation may start before and end after its linearization point. */
  overlap: number;
  /** infoRate is the fraction of mutations that end indeterminate (half of them took effect, half never). */
  infoRate: number;
  /** failRate is the fraction of operations that fail (certainly not applied). */
  failRate: number;
}

/**
 * linearizableHistory generates a history that is linearizable by construction: operations are applied one
 * at a time to a register per key at points 10 time units apart, and each operation's interval is stretched
 * around its point by up to `overlap` on either side, so that concurrent operations overlap while the
 * sequence stays a valid linearization. Values written are unique.
 */
export function linearizableHistory(rnd: Random, o: GenOptions): Operation[] {
  const state = new Map<string, Value>();
  const ops: Operation[] = [];
  let unique = 0;
  for (let i = 0; i < o.ops; i++) {
    const key = `k${rnd.int(o.keys)}`;
    const at = (i + 1) * 10;
    const invoke = at - rnd.int(o.overlap + 1);
    const complete = at + rnd.int(o.overlap + 1);
    const cur = state.get(key) ?? null;
    const base = { id: i, process: i, key, invoke, complete };
    const pick = rnd.float();
    if (rnd.float() < o.failRate) {
      ops.push({ ...base, input: { kind: 'write', value: `v${unique++}` }, output: undefined, result: 'fail' });
    } else if (pick < 0.4) {
      ops.push({ ...base, input: { kind: 'read' }, output: { value: cur }, result: 'ok' });
    } else {
      const value = rnd.float() < 0.1 ? null : `v${unique++}`;
      const isCas = pick >= 0.7;
      const expected = isCas ? (rnd.float() < 0.6 ? cur : `v${rnd.int(unique + 1)}`) : null;
      const input = isCas ? ({ kind: 'cas', expected, value } as const) : ({ kind: 'write', value } as const);
      const applies = !isCas || expected === cur;
      if (rnd.float() < o.infoRate) {
        const tookEffect = rnd.float() < 0.5;
        if (tookEffect && applies) state.set(key, value);
        // One that never took effect must not be a cas whose compare would hold at every later point; keeping
        // it a plain write with a fresh value is enough for it to be droppable.
        ops.push({ ...base, input: tookEffect ? input : { kind: 'write', value: `v${unique++}` }, output: undefined, result: 'info' });
      } else {
        if (applies) state.set(key, value);
        ops.push({ ...base, input, output: isCas ? { succeeded: applies } : undefined, result: 'ok' });
      }
    }
  }
  return ops;
}
