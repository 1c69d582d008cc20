/**
 * The process faults of `capstan chaos`: SIGKILL (a crash: no shutdown, no flush beyond what was fsynced),
 * SIGSTOP and SIGCONT (a process that hangs, then wakes up with stale timers and connections, as a long GC
 * pause or a frozen VM would), and a restart of a killed process with its data and flags, as `capstan up`
 * started it. Each returns a FaultRecord, so that a chaos run can log what it injected and when.
 */
import type { ClusterFile } from './launcher/cluster-file.js';
import { writeClusterFile } from './launcher/cluster-file.js';
import { spawnApiServer, spawnLb, spawnStoreMember } from './launcher/control-plane.js';
import { spawnControllerManager, spawnNodeAgent, spawnScheduler } from './launcher/components.js';
import { waitHealthy, waitReady } from './launcher/processes.js';
import { processState, type ChaosTarget, type ProcessState } from './chaos-targets.js';
import { CommandError } from './errors.js';

/** FaultAction names what was done to a process (or, for partition and heal, to the store's peer links). */
export type FaultAction = 'kill' | 'pause' | 'resume' | 'restart' | 'partition' | 'heal';

/** FaultRecord says what a fault did: to which process, when (wall time, ms), and what it found. */
export interface FaultRecord {
  readonly action: FaultAction;
  readonly component: ChaosTarget['component'];
  readonly name: string;
  /** pid is the process acted on; for restart, the new process. */
  readonly pid: number;
  readonly at: number;
  /** leaderTerm is set when the target was the store's leader. */
  readonly leaderTerm?: number;
  /** leadingSince is set when the target was a scheduler's or controller-manager's leader: when it began leading. */
  readonly leadingSince?: string;
  /** noop is set when there was nothing to do (already paused, not paused), with why. */
  readonly noop?: string;
  /** readyMs is, for a restart that waited, how long the process took to be healthy. */
  readonly readyMs?: number;
  /** partition is, for a partition, its sides (member names) and whether it is one-way. */
  readonly partition?: { readonly minority: readonly string[]; readonly majority: readonly string[]; readonly oneWay: boolean };
  /** unreachable names the members a partition or heal could not tell (paused or down); the other ends still cut. */
  readonly unreachable?: readonly string[];
}

const SETTLE_MS = 5_000;

/** waitState polls a process's state every 10 ms until it is one of want or the deadline passes. */
async function waitState(pid: number, want: readonly ProcessState[], ms: number): Promise<ProcessState> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = processState(pid);
    if (want.includes(s) || Date.now() >= deadline) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
}

function signal(t: ChaosTarget, sig: NodeJS.Signals): void {
  try {
    process.kill(t.pid, sig);
  } catch (err) {
    throw new CommandError(`${t.name} (pid ${t.pid}): ${sig} failed: ${(err as Error).message}`, 'SIGNAL_FAILED', 1, { cause: err });
  }
}

function record(action: FaultAction, t: ChaosTarget, extra: Partial<FaultRecord> = {}): FaultRecord {
  return { action, component: t.component, name: t.name, pid: t.pid, at: Date.now(), ...(t.leaderTerm === undefined ? {} : { leaderTerm: t.leaderTerm }), ...(t.leadingSince === undefined ? {} : { leadingSince: t.leadingSince }), ...extra };
}

/** killProcess SIGKILLs the target and waits until it is gone. */
export async function killProcess(t: ChaosTarget): Promise<FaultRecord> {
  if (processState(t.pid) === 'gone') throw new CommandError(`${t.name} (pid ${t.pid}) is not running`, 'NOT_RUNNING', 1);
  signal(t, 'SIGKILL');
  const at = Date.now();
  if ((await waitState(t.pid, ['gone'], SETTLE_MS)) !== 'gone') throw new CommandError(`${t.name} (pid ${t.pid}) still runs ${SETTLE_MS} ms after SIGKILL`, 'SIGNAL_FAILED', 1);
  return record('kill', t, { at });
}

/** pauseProcess SIGSTOPs the target and waits until the kernel reports it stopped. */
export async function pauseProcess(t: ChaosTarget): Promise<FaultRecord> {
  const s = processState(t.pid);
  if (s === 'gone') throw new CommandError(`${t.name} (pid ${t.pid}) is not running`, 'NOT_RUNNING', 1);
  if (s === 'stopped') return record('pause', t, { noop: 'already paused' });
  signal(t, 'SIGSTOP');
  const at = Date.now();
  if ((await waitState(t.pid, ['stopped', 'gone'], SETTLE_MS)) !== 'stopped') throw new CommandError(`${t.name} (pid ${t.pid}) did not stop after SIGSTOP`, 'SIGNAL_FAILED', 1);
  return record('pause', t, { at });
}

/** resumeProcess SIGCONTs a paused target and waits until it runs again. */
export async function resumeProcess(t: ChaosTarget): Promise<FaultRecord> {
  const s = processState(t.pid);
  if (s === 'gone') throw new CommandError(`${t.name} (pid ${t.pid}) is not running`, 'NOT_RUNNING', 1);
  if (s === 'running') return record('resume', t, { noop: 'not paused' });
  signal(t, 'SIGCONT');
  const at = Date.now();
  if ((await waitState(t.pid, ['running', 'gone'], SETTLE_MS)) !== 'running') throw new CommandError(`${t.name} (pid ${t.pid}) did not run again after SIGCONT`, 'SIGNAL_FAILED', 1);
  return record('resume', t, { at });
}


/**
 * restartProcess starts a killed process again with its data and flags, records its new PID in
 * cluster.json, and (unless waitMs is 0) waits until it is healthy (a store member) or ready.
 */
export async function restartProcess(f: ClusterFile, t: ChaosTarget, waitMs: number): Promise<FaultRecord> {
  if (processState(t.pid) !== 'gone') throw new CommandError(`${t.name} (pid ${t.pid}) is still running: kill it first`, 'RUNNING', 1);
  let pid: number;
  let ready: () => Promise<void>;
  switch (t.component) {
    case 'store': {
      const m = f.store.members.find((x) => x.name === t.name)!;
      spawnStoreMember(m, f.store.members, f.store.clusterToken, f.store.extraFlags);
      pid = m.pid;
      ready = () => waitHealthy(m.clientURL, waitMs, pid);
      break;
    }
    case 'apiserver': {
      const r = f.apiserver!.replicas.find((x) => x.name === t.name)!;
      spawnApiServer(f.dir, r, f.store.endpoints);
      pid = r.pid;
      ready = () => waitReady(`${r.insecureURL}/readyz`, waitMs, pid);
      break;
    }
    case 'lb': {
      const lb = f.apiserver!.lb;
      spawnLb(lb, f.apiserver!.replicas);
      pid = lb.pid;
      ready = () => waitReady(`${lb.adminURL}/readyz`, waitMs, pid);
      break;
    }
    case 'scheduler':
    case 'controller-manager':
    case 'node': {
      const c = f.components!;
      const r = [...c.schedulers, ...c.controllerManagers, ...c.nodes].find((x) => x.name === t.name)!;
      if (t.component === 'scheduler') spawnScheduler(r, f.kubeconfig!, c);
      else if (t.component === 'controller-manager') spawnControllerManager(r, f.kubeconfig!, c);
      else spawnNodeAgent(c.nodes.find((x) => x.name === t.name)!, f.kubeconfig!, c);
      pid = r.pid;
      ready = () => waitReady(`${r.healthURL}/healthz`, waitMs, pid);
      break;
    }
  }
  writeClusterFile(f.dir, f);
  const at = Date.now();
  if (waitMs > 0) {
    try {
      await ready();
    } catch (err) {
      throw new CommandError(`${t.name} restarted as pid ${pid} but is not ready: ${(err as Error).message}`, 'NOT_READY', 1, { cause: err });
    }
    return { ...record('restart', t, { at }), pid, readyMs: Date.now() - at };
  }
  return { ...record('restart', t, { at }), pid };
}

/** describeFault renders a FaultRecord as the one line `capstan chaos` prints. */
export function describeFault(r: FaultRecord): string {
  const role = r.leaderTerm !== undefined ? `, leader at term ${r.leaderTerm}` : r.leadingSince !== undefined ? `, leader since ${r.leadingSince}` : '';
  const who = `${r.name} (pid ${r.pid}${role})`;
  if (r.noop !== undefined) return `${who}: nothing to do, ${r.noop}`;
  switch (r.action) {
    case 'kill':
      return `killed ${who} with SIGKILL`;
    case 'pause':
      return `paused ${who} with SIGSTOP`;
    case 'resume':
      return `resumed ${who} with SIGCONT`;
    case 'restart':
      return `restarted ${who}${r.readyMs === undefined ? '' : `, ${r.component === 'store' ? 'healthy' : 'ready'} after ${r.readyMs} ms`}`;
    case 'partition': {
      const p = r.partition;
      const sides = p === undefined ? r.name : p.oneWay ? `${p.minority.join(',')} -/-> ${p.majority.join(',')} (one-way: the minority is not heard)` : `${p.minority.join(',')} | ${p.majority.join(',')}`;
      return `partitioned the store: ${sides}${r.leaderTerm === undefined ? '' : ` (leader ${p?.minority[0] ?? r.name} at term ${r.leaderTerm} in the minority)`}${unreachable(r)}`;
    }
    case 'heal':
      return `healed every peer link of the store${unreachable(r)}`;
  }
}

function unreachable(r: FaultRecord): string {
  return r.unreachable === undefined || r.unreachable.length === 0 ? '' : `; not told (paused or down): ${r.unreachable.join(', ')}`;
}
