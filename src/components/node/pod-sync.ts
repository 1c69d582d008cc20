/**
 * syncPod is the hollow kubelet's pod worker as a pure function: from a pod as the informer holds it, what
 * the kubelet keeps of it (PodRuntime) and the time, it decides the status to write, whether to delete the
 * pod, and when to look again. The shell (node-agents.ts) admits pods and allocates their IPs before, and
 * performs the decision after.
 *
 * - A pod runs podStartDelayMs after admission: until then it is reported pending (ContainerCreating).
 * - Its containers then run, exit, back off and restart as container-run.ts says (the run-duration and
 *   exit-code annotations, --pod-run-duration, restartPolicy, the kubelet's CrashLoopBackOff); a pod whose
 *   containers exit for good turns Succeeded or Failed and its runtime is marked terminated. A pod whose
 *   status is already Succeeded or Failed is never started again (the kubelet refuses phase transitions out
 *   of a terminal phase), whatever the annotations and flags now say.
 * - A pod with a deletionTimestamp has its containers stopped: that takes min(its grace period,
 *   podStopDelayMs) from when the kubelet first saw the deletion; then its containers are reported terminated
 *   and it is deleted with gracePeriodSeconds 0 and its UID as precondition (the kubelet's status manager,
 *   once the pod is terminal). When no container runs at that moment (the pod is terminal, or backing off
 *   after an exit) there is nothing to stop: the pod is reported terminal with its last exit and deleted at once.
 * - A rejected pod is reported Failed and, once deleted, removed at once.
 */
import type { DeepReadonly, Pod, PodStatus } from '../../api/index.js';
import { containerRunAt, containerRunSpec, nextTransitionAt, type ContainerRun } from './container-run.js';
import { pendingStatus, rejectedStatus, startedStatus, statusMatches, stoppedStatus, type PodRuntime } from './pod-status.js';

/** PodTiming is how long simulated containers take to start and to stop, and how long they run by default. */
export interface PodTiming {
  readonly podStartDelayMs: number;
  readonly podStopDelayMs: number;
  /** podRunDurationMs is how long a pod with restartPolicy Never or OnFailure runs without the run-duration annotation. */
  readonly podRunDurationMs: number;
}

/** PodSyncResult is what syncPod decided. */
export interface PodSyncResult {
  /** runtime is the pod's runtime record after this sync (it changes when a stop begins or the pod terminates). */
  readonly runtime: PodRuntime;
  /** status, when set, is to be written through pods/status (it differs from what the server has). */
  readonly status?: PodStatus;
  /** delete says the pod is to be deleted now (grace 0, UID precondition), after writing status if any. */
  readonly delete: boolean;
  /** requeueAfterMs, when set, is when to sync again (a start, exit, restart or stop falls due). */
  readonly requeueAfterMs?: number;
}

/** DEFAULT_TERMINATION_GRACE_SECONDS is a pod's grace period when it names none (the API server's default, 30 s). */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** runningAt is when rt's containers first run (or ran). */
export function runningAt(rt: PodRuntime, timing: Pick<PodTiming, 'podStartDelayMs'>): number {
  return rt.admittedAt + timing.podStartDelayMs;
}

/** isTerminalPhase reports whether a pod phase is Succeeded or Failed (podutil.IsPodPhaseTerminal). */
export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** finalRun is run as it ends when the pod is deleted with nothing running: its last exit, not restarted. */
function finalRun(run: Exclude<ContainerRun, { kind: 'running' }>): ContainerRun {
  if (run.kind === 'exited') return run;
  return { kind: 'exited', restartCount: run.restartCount, exit: run.exit, ...(run.previous === undefined ? {} : { previous: run.previous }) };
}

/** syncPod decides what to do for pod at now; see the module comment. */
export function syncPod(pod: DeepReadonly<Pod>, rt: PodRuntime, now: number, timing: PodTiming): PodSyncResult {
  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  const write = (desired: PodStatus): PodStatus | undefined => (statusMatches(pod.status, desired) ? undefined : desired);
  const withStatus = (status: PodStatus | undefined): { status?: PodStatus } => (status === undefined ? {} : { status });
  const terminate = (r: PodRuntime): PodRuntime => (r.terminated === true ? r : { ...r, terminated: true });

  if (rt.rejected !== undefined) {
    if (deleting) return { runtime: rt, delete: true };
    return { runtime: rt, delete: false, ...withStatus(write(rejectedStatus(pod, rt.rejected))) };
  }

  // A terminal pod stays terminal: nothing runs, nothing to stop; deleted at once once it is deleted.
  if (rt.stoppingSince === undefined && isTerminalPhase(pod.status?.phase)) return { runtime: terminate(rt), delete: deleting };

  const runAt = runningAt(rt, timing);
  const spec = rt.runSpec ?? containerRunSpec(pod, timing.podRunDurationMs);
  if (deleting) {
    if (rt.stoppingSince === undefined && runAt <= now) {
      const run = containerRunAt(spec, runAt, now);
      if (run.kind !== 'running') return { runtime: terminate(rt), delete: true, ...withStatus(write(startedStatus(pod, rt, finalRun(run)))) };
    }
    const since = rt.stoppingSince ?? now;
    const runtime = rt.stoppingSince === undefined ? { ...rt, stoppingSince: since } : rt;
    const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS) * 1000;
    const stoppedAt = since + Math.min(graceMs, timing.podStopDelayMs);
    if (now < stoppedAt) return { runtime, delete: false, requeueAfterMs: stoppedAt - now };
    const run = runAt <= since ? containerRunAt(spec, runAt, since) : undefined;
    const status = run === undefined || run.kind === 'running' ? stoppedStatus(pod, runtime, run, stoppedAt) : startedStatus(pod, runtime, finalRun(run));
    return { runtime, delete: true, ...withStatus(write(status)) };
  }

  if (now < runAt) return { runtime: rt, delete: false, requeueAfterMs: runAt - now, ...withStatus(write(pendingStatus(pod, rt))) };
  const run = containerRunAt(spec, runAt, now);
  const next = nextTransitionAt(run);
  return {
    runtime: run.kind === 'exited' ? terminate(rt) : rt,
    delete: false,
    ...(next === undefined ? {} : { requeueAfterMs: next - now }),
    ...withStatus(write(startedStatus(pod, rt, run))),
  };
}
