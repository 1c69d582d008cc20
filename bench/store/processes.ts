/**
 * processes keeps track of every process the benchmark started (members, load workers, etcdctl) by PID, so
 * that they are stopped whatever way the run ends: normally (stopAll: SIGTERM, SIGKILL after a deadline), on
 * SIGINT/SIGTERM, on an uncaught error, or at the run deadline (killAll from the 'exit' hook: SIGKILL).
 * Processes are only ever signalled by the PIDs recorded here.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** isAlive reports whether pid exists (signal 0; EPERM still means it exists). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** waitGone polls until pid has exited, at most timeoutMs; it resolves to whether it is gone. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await delay(10);
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** ProcessRegistry is the set of live PIDs the run owns, with a label each for messages. */
export class ProcessRegistry {
  private readonly pids = new Map<number, string>();

  add(pid: number, label: string): void {
    this.pids.set(pid, label);
  }

  remove(pid: number): void {
    this.pids.delete(pid);
  }

  /** killAll SIGKILLs every registered PID synchronously (usable from an 'exit' hook). */
  killAll(): void {
    for (const pid of this.pids.keys()) signal(pid, 'SIGKILL');
    this.pids.clear();
  }

  /** stopAll sends SIGTERM to every registered PID, then SIGKILL to those still alive after graceMs. */
  async stopAll(graceMs: number): Promise<void> {
    const pids = [...this.pids.keys()];
    for (const pid of pids) signal(pid, 'SIGTERM');
    await Promise.all(
      pids.map(async (pid) => {
        if (!(await waitGone(pid, graceMs))) {
          signal(pid, 'SIGKILL');
          await waitGone(pid, 2_000);
        }
        this.pids.delete(pid);
      }),
    );
  }
}
