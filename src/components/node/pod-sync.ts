/**
 * syncPod is the hollow kubelet's pod worker as a pure function: from a pod as the informer holds it, what
 * the kubelet keeps of it (PodRuntime) and the time, it decides the status to write, whether to delete the
 * pod, and when to look again. The shell (node-agents.ts) admits pods and allocates their IPs before, and
 * performs the decision after.
 *
 * - A pod runs podStartDelayMs after admission: until then it is reported pending (ContainerCreating).
 * - A pod with a deletionTimestamp has its containers stopped: that takes min(its grace period,
 *   podStopDelayMs) from when the kubelet first saw the deletion; then its containers are reported terminated
 *   and it is deleted with gracePeriodSeconds 0 and its UID as precondition (the kubelet's status manager,
 *   once the pod is terminal).
 * - A rejected pod is reported Failed and, once deleted, removed at once.
 */
import type { DeepReadonly, Pod, PodStatus } from '../../api/index.js';
import { pendingStatus, rejectedStatus, runningStatus, statusMatches, stoppedStatus, type PodRuntime } from './pod-status.js';

/** PodTiming is how long simulated containers take to start and to stop. */
export interface PodTiming {
  readonly podStartDelayMs: number;
  readonly podStopDelayMs: number;
}

/** PodSyncResult is what syncPod decided. */
export interface PodSyncResult {
  /** runtime is the pod's runtime record after this sync (it changes when a stop begins). */
  readonly runtime: PodRuntime;
  /** status, when set, is to be written through pods/status (it differs from what the server has). */
  readonly status?: PodStatus;
  /** delete says the pod is to be deleted now (grace 0, UID precondition), after writing status if any. */
  readonly delete: boolean;
  /** requeueAfterMs, when set, is when to sync again (a start or stop falls due). */
  readonly requeueAfterMs?: number;
}

/** DEFAULT_TERMINATION_GRACE_SECONDS is a pod's grace period when it names none (the API server's default, 30 s). */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** runningAt is when rt's containers run (or ran). */
export function runningAt(rt: PodRuntime, timing: PodTiming): number {
  return rt.admittedAt + timing.podStartDelayMs;
}

/** syncPod decides what to do for pod at now; see the module comment. */
export function syncPod(pod: DeepReadonly<Pod>, rt: PodRuntime, now: number, timing: PodTiming): PodSyncResult {
  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  const write = (desired: PodStatus): PodStatus | undefined => (statusMatches(pod.status, desired) ? undefined : desired);

  if (rt.rejected !== undefined) {
    if (deleting) return { runtime: rt, delete: true };
    const status = write(rejectedStatus(pod, rt.rejected));
    return { runtime: rt, delete: false, ...(status === undefined ? {} : { status }) };
  }

  const runAt = runningAt(rt, timing);
  if (deleting) {
    const since = rt.stoppingSince ?? now;
    const runtime = rt.stoppingSince === undefined ? { ...rt, stoppingSince: since } : rt;
    const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS) * 1000;
    const stoppedAt = since + Math.min(graceMs, timing.podStopDelayMs);
    if (now < stoppedAt) return { runtime, delete: false, requeueAfterMs: stoppedAt - now };
    const status = write(stoppedStatus(pod, runtime, runAt <= since ? runAt : undefined, stoppedAt));
    return { runtime, delete: true, ...(status === undefined ? {} : { status }) };
  }

  if (now < runAt) {
    const status = write(pendingStatus(pod, rt));
    return { runtime: rt, delete: false, requeueAfterMs: runAt - now, ...(status === undefined ? {} : { status }) };
  }
  const status = write(runningStatus(pod, rt, runAt));
  return { runtime: rt, delete: false, ...(status === undefined ? {} : { status }) };
}
