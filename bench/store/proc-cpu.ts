/**
 * proc-cpu reads how much CPU time processes have used, from /proc/<pid>/stat (utime + stime, all threads;
 * Linux only). The benchmark samples the member processes and its own load workers before and after each
 * measured window and reports the difference.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** clockTicksPerSecond is the kernel's USER_HZ (`getconf CLK_TCK`), 100 where getconf is missing. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** cpuSeconds is utime + stime of pid in seconds, or undefined when the process is gone. */
export function cpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is parenthesised and may contain spaces; the fields after it are fixed.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so utime (field 14) is rest[11] and stime (field 15) rest[12].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / clockTicksPerSecond();
}

/** CpuSample is the CPU time of a set of processes at one moment; missing lists PIDs that were gone. */
export interface CpuSample {
  byPid: Map<number, number>;
  missing: number[];
}

/** sampleCpu reads cpuSeconds for every pid. */
export function sampleCpu(pids: readonly number[]): CpuSample {
  const byPid = new Map<number, number>();
  const missing: number[] = [];
  for (const pid of pids) {
    const s = cpuSeconds(pid);
    if (s === undefined) missing.push(pid);
    else byPid.set(pid, s);
  }
  return { byPid, missing };
}

/**
 * cpuDelta is the CPU seconds the processes of `before` used until `after`; a PID missing from either
 * sample (it exited or was replaced) is left out and named in `lost`.
 */
export function cpuDelta(before: CpuSample, after: CpuSample): { seconds: number; lost: number[] } {
  let seconds = 0;
  const lost: number[] = [...before.missing];
  for (const [pid, s0] of before.byPid) {
    const s1 = after.byPid.get(pid);
    if (s1 === undefined) lost.push(pid);
    else seconds += s1 - s0;
  }
  return { seconds, lost };
}

/** MachineCpu is the whole machine's CPU time from /proc/stat, in seconds summed over all CPUs. */
export interface MachineCpu {
  busy: number;
  total: number;
}

/** machineCpu reads the aggregate `cpu` line of /proc/stat (busy excludes idle and iowait). */
export function machineCpu(): MachineCpu {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return { busy: 0, total: 0 };
  }
  const fields = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / clockTicksPerSecond(), total: (busy + idle + iowait) / clockTicksPerSecond() };
}
