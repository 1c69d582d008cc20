/**
 * Choosing what `capstan chaos` acts on: a process of a cluster started by `capstan up`, named in
 * cluster.json, or the store's current leader as the members report it (Maintenance.Status, as
 * `etcdctl endpoint status` finds it).
 */
import { readFileSync } from 'node:fs';
import { toBigInt } from '../store/grpc/types.js';
import type { ClusterFile, MemberRecord, ProcessRecord } from './launcher/cluster-file.js';
import { memberStatus } from './launcher/store-status.js';
import { CommandError } from './errors.js';

/** ChaosComponent names the kind of process a fault is aimed at. */
export type ChaosComponent = 'store' | 'apiserver' | 'lb' | 'scheduler' | 'controller-manager' | 'node';

/** CHAOS_COMPONENTS lists the components `--component` accepts. */
export const CHAOS_COMPONENTS: readonly ChaosComponent[] = ['store', 'apiserver', 'lb', 'scheduler', 'controller-manager', 'node'];

/** LEADER_ELECTED are the components whose replicas elect a leader through a Lease. */
export const LEADER_ELECTED: readonly ChaosComponent[] = ['scheduler', 'controller-manager'];

/** ChaosTarget is one process chosen for a fault, with what is known of its role. */
export interface ChaosTarget {
  readonly component: ChaosComponent;
  readonly name: string;
  readonly pid: number;
  /** member is the store member's record (component store only). */
  readonly member?: MemberRecord;
  /** leaderTerm is set when the target was chosen as the store's leader: the term it leads. */
  readonly leaderTerm?: number;
  /** leadingSince is set when the target was chosen as a component's leader: when its term began. */
  readonly leadingSince?: string;
}

/** ProcessState is what /proc says of a PID: running (or sleeping), stopped (SIGSTOP), or gone (or a zombie). */
export type ProcessState = 'running' | 'stopped' | 'gone';

/** processState reads a process's state from /proc/<pid>/stat (Linux). */
export function processState(pid: number): ProcessState {
  if (pid <= 0) return 'gone';
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 'gone';
  }
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  if (state === 'Z' || state === 'X' || state === 'x') return 'gone';
  return state === 'T' || state === 't' ? 'stopped' : 'running';
}

/** componentProcesses lists a component's processes in cluster.json, with their records. */
export function componentProcesses(f: ClusterFile, component: ChaosComponent): ChaosTarget[] {
  switch (component) {
    case 'store':
      return f.store.members.map((m) => ({ component, name: m.name, pid: m.pid, member: m }));
    case 'apiserver':
      return (f.apiserver?.replicas ?? []).map((r: ProcessRecord) => ({ component, name: r.name, pid: r.pid }));
    case 'lb':
      return f.apiserver === undefined ? [] : [{ component, name: f.apiserver.lb.name, pid: f.apiserver.lb.pid }];
    case 'scheduler':
      return (f.components?.schedulers ?? []).map((r) => ({ component, name: r.name, pid: r.pid }));
    case 'controller-manager':
      return (f.components?.controllerManagers ?? []).map((r) => ({ component, name: r.name, pid: r.pid }));
    case 'node':
      return (f.components?.nodes ?? []).map((r) => ({ component, name: r.name, pid: r.pid }));
  }
}

/**
 * findComponentLeader returns the scheduler or controller-manager replica whose /leaderz says it leads,
 * polling every 100 ms until one does or waitMs passes (a takeover may be in progress).
 */
export async function findComponentLeader(f: ClusterFile, component: 'scheduler' | 'controller-manager', waitMs: number): Promise<ChaosTarget> {
  const records = component === 'scheduler' ? (f.components?.schedulers ?? []) : (f.components?.controllerManagers ?? []);
  if (records.length === 0) throw new CommandError(`no ${component} in ${f.dir}`, 'NO_TARGET', 1);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const answers = await Promise.all(
      records
        .filter((r) => processState(r.pid) === 'running')
        .map(async (r) => {
          try {
            const res = await fetch(`${r.healthURL}/leaderz`, { signal: AbortSignal.timeout(1000) });
            const l = (await res.json()) as { leading: boolean; leadingSince: string | null };
            return l.leading ? { r, since: l.leadingSince ?? '' } : undefined;
          } catch {
            return undefined;
          }
        }),
    );
    const lead = answers.find((a) => a !== undefined);
    if (lead !== undefined) return { component, name: lead.r.name, pid: lead.r.pid, leadingSince: lead.since };
    if (Date.now() >= deadline) throw new CommandError(`no ${component} replica leads after ${waitMs} ms`, 'NO_LEADER', 1);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** targetByName finds a component's process by its name in cluster.json, or fails listing the names there are. */
export function targetByName(f: ClusterFile, component: ChaosComponent, name: string): ChaosTarget {
  const all = componentProcesses(f, component);
  const t = all.find((p) => p.name === name);
  if (t === undefined) {
    throw new CommandError(`no ${component} process named ${name} in ${f.dir} (there are: ${all.map((p) => p.name).join(', ') || 'none'})`, 'NO_TARGET', 1);
  }
  return t;
}

/**
 * findLeader asks every running store member for its status and returns the member that reports itself
 * leader at the highest term. It polls (every 100 ms) until one does or waitMs passes, so that it can follow
 * an election in progress; paused or dead members are skipped.
 */
export async function findLeader(f: ClusterFile, waitMs: number, statusTimeoutMs = 1000): Promise<ChaosTarget> {
  const deadline = Date.now() + waitMs;
  let why = 'no member answered';
  for (;;) {
    const answers = await Promise.all(
      f.store.members
        .filter((m) => processState(m.pid) === 'running')
        .map(async (m) => {
          try {
            const st = await memberStatus(m.clientURL, statusTimeoutMs);
            return { m, id: toBigInt(st.header?.memberId), leader: toBigInt(st.leader), term: Number(st.raftTerm) };
          } catch {
            return undefined;
          }
        }),
    );
    const self = answers.filter((a) => a !== undefined && a.leader !== 0n && a.leader === a.id).sort((a, b) => b!.term - a!.term)[0];
    if (self !== undefined) return { component: 'store', name: self.m.name, pid: self.m.pid, member: self.m, leaderTerm: self.term };
    const known = answers.find((a) => a !== undefined && a.leader !== 0n);
    why = known === undefined ? (answers.some((a) => a !== undefined) ? 'no member knows a leader' : 'no member answered') : `the leader ${known.leader.toString(16)} did not answer (paused?)`;
    if (Date.now() >= deadline) throw new CommandError(`no store leader found in ${waitMs} ms: ${why}`, 'NO_LEADER', 1);
    await new Promise((r) => setTimeout(r, 100));
  }
}
