/**
 * A checker for watchers that reconnect from their last revision, as kube-apiserver's watch cache and
 * etcd's robustness tests (`validateWatch`) expect of an etcd watch:
 * - ordered: a watcher's events never go back in revision; several keys may share one revision (one Txn);
 * - unique: no (revision, key) is delivered twice (a reconnect from last revision + 1 must not replay);
 * - faithful: every event is one the store made, with its type and value;
 * - complete: no event of the watched range between the watcher's start revision and the revision it is
 *   judged up to is missing (a reconnect must not skip);
 * - converged: for every watched key the watcher saw change, its last value is the key's value at the end.
 *
 * The store's history is the list of every put and delete with its revision (for example read back with a
 * watch from revision 1 before compaction, or recorded by a checker that applies the same writes). The final
 * state, when given (a Range read at the end), is also checked against that history.
 */
import type { Value } from './history.js';

/** StoreEvent is one change the store made: a put or a delete of key at main revision `revision`. */
export interface StoreEvent {
  readonly revision: number;
  readonly key: string;
  readonly type: 'put' | 'delete';
  /** value is the value put, null for a delete. */
  readonly value: Value;
}

/** WatchRange is what a watcher watches: one key, or keys in [key, rangeEnd) as etcd's range_end says. */
export interface WatchRange {
  readonly key: string;
  /** rangeEnd is exclusive; undefined watches `key` alone. Use prefixEnd(prefix) for a prefix watch. */
  readonly rangeEnd?: string;
}

/** WatcherHistory is what one watcher saw, across all its reconnects, in the order it saw it. */
export interface WatcherHistory {
  readonly id: string;
  readonly range: WatchRange;
  /** startRevision is the revision the first watch asked to start from (events at it are included). */
  readonly startRevision: number;
  /** endRevision is the revision the watcher must have caught up to; default the store history's last. */
  readonly endRevision?: number;
  readonly events: readonly StoreEvent[];
}

/** WatchViolationKind names what went wrong. */
export type WatchViolationKind = 'reorder' | 'duplicate' | 'phantom' | 'mismatch' | 'gap' | 'final-value' | 'final-state';

/** WatchViolation is one broken guarantee, with where it happened. */
export interface WatchViolation {
  readonly kind: WatchViolationKind;
  /** watcher is the watcher's id, undefined for a disagreement between the store history and the final state. */
  readonly watcher?: string;
  readonly key: string;
  readonly revision: number;
  readonly detail: string;
}

/** WatchCheckResult is the verdict: ok when there are no violations. */
export interface WatchCheckResult {
  readonly ok: boolean;
  readonly violations: readonly WatchViolation[];
  readonly watchers: number;
  /** events counts the events the watchers delivered. */
  readonly events: number;
}

/** WatchCheckInput is what the checker judges. */
export interface WatchCheckInput {
  /** history is every put and delete the store made, in any order. */
  readonly history: readonly StoreEvent[];
  readonly watchers: readonly WatcherHistory[];
  /** finalState, when given, is every key's value at the end (absent keys may be left out). */
  readonly finalState?: ReadonlyMap<string, Value>;
  /** initial gives a key's value before the history starts; default null (absent). */
  readonly initial?: (key: string) => Value;
  /** maxViolations stops each watcher's report after this many; default 20. */
  readonly maxViolations?: number;
}

/** inRange reports whether key is in a watch range (byte order, as etcd compares keys). */
export function inRange(key: string, range: WatchRange): boolean {
  if (range.rangeEnd === undefined) return key === range.key;
  if (Buffer.compare(Buffer.from(key), Buffer.from(range.key)) < 0) return false;
  // etcd's "\0" range end means every key from `key` on.
  if (range.rangeEnd === '\0') return true;
  return Buffer.compare(Buffer.from(key), Buffer.from(range.rangeEnd)) < 0;
}

const show = (v: Value): string => (v === null ? 'nil' : JSON.stringify(v));
const eventId = (revision: number, key: string): string => `${revision}\u0000${key}`;

/** checkWatches judges every watcher against the store's history (and the final state, when given). */
export function checkWatches(input: WatchCheckInput): WatchCheckResult {
  const initial = input.initial ?? (() => null);
  const limit = input.maxViolations ?? 20;
  const violations: WatchViolation[] = [];
  const history = [...input.history].sort((a, b) => a.revision - b.revision);
  const byId = new Map<string, StoreEvent>();
  for (const ev of history) byId.set(eventId(ev.revision, ev.key), ev);
  const lastRevision = history.length === 0 ? 0 : history[history.length - 1]!.revision;

  if (input.finalState !== undefined) {
    const fromHistory = new Map<string, Value>();
    for (const ev of history) fromHistory.set(ev.key, ev.value);
    const keys = new Set([...fromHistory.keys(), ...input.finalState.keys()]);
    for (const key of [...keys].sort()) {
      const want = fromHistory.has(key) ? fromHistory.get(key)! : initial(key);
      const got = input.finalState.get(key) ?? null;
      if (want !== got) {
        violations.push({ kind: 'final-state', key, revision: lastRevision, detail: `the history leaves ${show(want)}, the final state has ${show(got)}` });
      }
    }
  }

  let delivered = 0;
  for (const w of input.watchers) {
    const mine: WatchViolation[] = [];
    const report = (kind: WatchViolationKind, key: string, revision: number, detail: string): void => {
      if (mine.length < limit) mine.push({ kind, watcher: w.id, key, revision, detail });
    };
    const end = w.endRevision ?? lastRevision;
    const seen = new Set<string>();
    const last = new Map<string, Value>();
    let maxRevision = 0;
    delivered += w.events.length;
    for (const ev of w.events) {
      const id = eventId(ev.revision, ev.key);
      if (seen.has(id)) {
        report('duplicate', ev.key, ev.revision, `delivered again after revision ${maxRevision}`);
        // A replayed event overwrites what the watcher holds, as it would in a cache built from the stream.
        if (ev.revision <= end) last.set(ev.key, ev.value);
        continue;
      }
      seen.add(id);
      if (ev.revision < maxRevision) report('reorder', ev.key, ev.revision, `delivered after revision ${maxRevision}`);
      maxRevision = Math.max(maxRevision, ev.revision);
      const truth = byId.get(id);
      if (truth === undefined || !inRange(ev.key, w.range) || ev.revision < w.startRevision) {
        report('phantom', ev.key, ev.revision, truth === undefined ? 'the store made no such change' : 'outside what the watcher asked for');
        continue;
      }
      if (truth.type !== ev.type || truth.value !== ev.value) {
        report('mismatch', ev.key, ev.revision, `delivered ${ev.type} ${show(ev.value)}, the store made ${truth.type} ${show(truth.value)}`);
      }
      if (ev.revision <= end) last.set(ev.key, ev.value);
    }
    const expected = new Map<string, Value>();
    for (const ev of history) {
      if (ev.revision < w.startRevision || ev.revision > end || !inRange(ev.key, w.range)) continue;
      expected.set(ev.key, ev.value);
      if (!seen.has(eventId(ev.revision, ev.key))) report('gap', ev.key, ev.revision, `${ev.type} ${show(ev.value)} was never delivered`);
    }
    for (const [key, want] of expected) {
      if (!last.has(key)) continue; // every change of this key was missed: reported as gaps
      const got = last.get(key)!;
      if (got !== want) report('final-value', key, end, `the watcher's last value is ${show(got)}, the key's is ${show(want)}`);
    }
    violations.push(...mine);
  }
  return { ok: violations.length === 0, violations, watchers: input.watchers.length, events: delivered };
}

/** formatWatchViolation renders a violation on one line. */
export function formatWatchViolation(v: WatchViolation): string {
  return `${v.kind}${v.watcher === undefined ? '' : ` (watcher ${v.watcher})`}: key ${JSON.stringify(v.key)} at revision ${v.revision}: ${v.detail}`;
}
