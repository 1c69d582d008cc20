/**
 * A chaos run's verdict (pure): the checkers' results put together, counted and rendered.
 *
 * A run passes when every check passes:
 * - linearizability: every key's history of reads, writes and cas is linearizable (linearizability.ts);
 * - watches: every watcher saw the store's changes ordered, unique, gap-free and ending at the final state
 *   (watch-checker.ts);
 * - acknowledged writes: every write the store acknowledged (an ok put, a cas that took) is among the
 *   store's changes at the end — with unique values, a lost write has nowhere to hide;
 * - replicas: every member reports the same HashKV at the same revision once the cluster is whole again.
 * A search that ran out of budget without finding a violation makes the verdict `unknown`, not `ok`.
 */
import { formatOperation, type History, type Operation } from './history.js';
import { formatFailure, type LinearizabilityResult } from './linearizability.js';
import { formatWatchViolation, type StoreEvent, type WatchCheckResult } from './watch-checker.js';

/** MemberHash is one member's HashKV answer, or why it gave none. */
export interface MemberHash {
  readonly member: string;
  readonly revision: number;
  readonly hash?: number;
  readonly error?: string;
}

/** RunChecks is everything a verdict is assembled from. */
export interface RunChecks {
  readonly seed: number;
  readonly history: History;
  readonly linearizability: LinearizabilityResult;
  readonly watches: WatchCheckResult;
  readonly storeEvents: readonly StoreEvent[];
  readonly hashes: readonly MemberHash[];
  /** faults lists what the nemesis did, by action (kill, restart, pause, resume, partition, heal). */
  readonly faults: readonly { readonly action: string }[];
  /** problems are failures of the run itself (the nemesis could not act, the cluster did not converge). */
  readonly problems: readonly string[];
}

/** OpCounts counts a history's operations by kind and outcome (cas ok split into taken and not). */
export type OpCounts = Record<'read' | 'write' | 'cas', { ok: number; fail: number; info: number }> & { casTaken: number };

/** Verdict is the run's outcome with what supports it. */
export interface Verdict {
  readonly result: 'ok' | 'fail' | 'unknown';
  readonly seed: number;
  readonly ops: OpCounts;
  readonly faults: Record<string, number>;
  readonly lostWrites: readonly Operation[];
  /** failures are the reasons the run failed, one line each (details follow in report()). */
  readonly failures: readonly string[];
  readonly checks: RunChecks;
}

/** countOps counts a history by kind and outcome. */
export function countOps(history: History): OpCounts {
  const c: OpCounts = { read: { ok: 0, fail: 0, info: 0 }, write: { ok: 0, fail: 0, info: 0 }, cas: { ok: 0, fail: 0, info: 0 }, casTaken: 0 };
  for (const op of history) {
    c[op.input.kind][op.result]++;
    if (op.input.kind === 'cas' && op.result === 'ok' && op.output !== undefined && 'succeeded' in op.output && op.output.succeeded) c.casTaken++;
  }
  return c;
}

/**
 * lostWrites lists the acknowledged writes of a value (ok puts, cas that took) that the store's changes do
 * not contain: the same key put to the same value at some revision.
 */
export function lostWrites(history: History, storeEvents: readonly StoreEvent[]): Operation[] {
  const made = new Set<string>();
  for (const ev of storeEvents) if (ev.type === 'put') made.add(`${ev.key}\u0000${ev.value ?? ''}`);
  const lost: Operation[] = [];
  for (const op of history) {
    if (op.result !== 'ok') continue;
    if (op.input.kind === 'read' || op.input.value === null) continue;
    const taken = op.input.kind === 'write' || (op.output !== undefined && 'succeeded' in op.output && op.output.succeeded);
    if (!taken) continue;
    if (!made.has(`${op.key}\u0000${op.input.value}`)) lost.push(op);
  }
  return lost;
}

/** hashDisagreement says why the members' hashes do not prove the replicas equal, or undefined when they do. */
export function hashDisagreement(hashes: readonly MemberHash[]): string | undefined {
  if (hashes.length === 0) return 'no member reported a hash';
  const failed = hashes.filter((h) => h.hash === undefined);
  if (failed.length > 0) return `no hash from ${failed.map((h) => `${h.member} (${h.error ?? 'no answer'})`).join(', ')}`;
  const revisions = new Set(hashes.map((h) => h.revision));
  if (revisions.size > 1) return `members hashed different revisions: ${hashes.map((h) => `${h.member}@${h.revision}`).join(', ')}`;
  const values = new Set(hashes.map((h) => h.hash));
  if (values.size > 1) return `HashKV differs at revision ${hashes[0]!.revision}: ${hashes.map((h) => `${h.member}=${h.hash!.toString(16)}`).join(', ')}`;
  return undefined;
}

/** assembleVerdict judges a run from its checks. */
export function assembleVerdict(checks: RunChecks): Verdict {
  const failures: string[] = [...checks.problems];
  if (checks.linearizability.verdict === 'fail') failures.push(`not linearizable: key ${JSON.stringify(checks.linearizability.failure?.key ?? '?')}`);
  if (!checks.watches.ok) failures.push(`watch guarantees broken: ${checks.watches.violations.length} violation(s)`);
  const lost = lostWrites(checks.history, checks.storeEvents);
  if (lost.length > 0) failures.push(`${lost.length} acknowledged write(s) missing from the store`);
  const hash = hashDisagreement(checks.hashes);
  if (hash !== undefined) failures.push(`replicas disagree: ${hash}`);
  const faults: Record<string, number> = {};
  for (const f of checks.faults) faults[f.action] = (faults[f.action] ?? 0) + 1;
  const result = failures.length > 0 ? 'fail' : checks.linearizability.verdict === 'unknown' ? 'unknown' : 'ok';
  return { result, seed: checks.seed, ops: countOps(checks.history), faults, lostWrites: lost, failures, checks };
}

/** report renders a verdict for people: the verdict line, the counts, then the evidence of each failure. */
export function report(v: Verdict): string {
  const c = v.ops;
  const lin = v.checks.linearizability;
  const unknownKeys = lin.keys.filter((k) => k.verdict === 'unknown');
  const lines = [
    `verdict: ${v.result.toUpperCase()} (seed ${v.seed})`,
    `operations: ${v.checks.history.length} — read ok ${c.read.ok} fail ${c.read.fail} info ${c.read.info}; ` +
      `write ok ${c.write.ok} fail ${c.write.fail} info ${c.write.info}; ` +
      `cas ok ${c.cas.ok} (took ${c.casTaken}) fail ${c.cas.fail} info ${c.cas.info}`,
    `faults: ${Object.keys(v.faults).length === 0 ? 'none' : Object.entries(v.faults).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `linearizability: ${lin.verdict} over ${lin.keys.length} keys${unknownKeys.length > 0 ? ` (${unknownKeys.length} out of budget: ${unknownKeys.map((k) => k.key).join(', ')})` : ''}`,
    `watches: ${v.checks.watches.ok ? 'ok' : 'FAIL'} — ${v.checks.watches.watchers} watchers, ${v.checks.watches.events} events; store changes: ${v.checks.storeEvents.length}`,
    `acknowledged writes: ${v.lostWrites.length === 0 ? 'all present' : `${v.lostWrites.length} missing`}`,
    `replicas: ${hashDisagreement(v.checks.hashes) ?? `HashKV agrees on ${v.checks.hashes.length} members at revision ${v.checks.hashes[0]?.revision ?? 0}`}`,
  ];
  for (const f of v.failures) lines.push(`FAIL: ${f}`);
  if (lin.failure !== undefined) lines.push('smallest non-linearizable sub-history found:', formatFailure(lin.failure));
  for (const w of v.checks.watches.violations.slice(0, 20)) lines.push(`  ${formatWatchViolation(w)}`);
  for (const op of v.lostWrites.slice(0, 20)) lines.push(`  lost: ${formatOperation(op)}`);
  return `${lines.join('\n')}\n`;
}
