/**
 * Pod predicates the workload controllers share (kube's podutil and controller.FilterActivePods): whether a
 * pod counts as active, ready, and available for minReadySeconds. Instants are epoch milliseconds.
 */
import { isPodReady, parseTime, type DeepReadonly, type Pod, type PodCondition } from '../../../api/index.js';

type ReadonlyPod = Pod | DeepReadonly<Pod>;

/** podReadyCondition returns the pod's Ready condition, if any (podutil.GetPodReadyCondition). */
export function podReadyCondition(pod: ReadonlyPod): DeepReadonly<PodCondition> | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export { isPodReady };

/** podReadySince is when the pod's Ready condition last turned True (epoch ms), if it is ready and says so. */
export function podReadySince(pod: ReadonlyPod): number | undefined {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True' || typeof c.lastTransitionTime !== 'string') return undefined;
  try {
    return parseTime(c.lastTransitionTime);
  } catch {
    return undefined;
  }
}

/**
 * isPodAvailable reports whether the pod is ready and has been for at least minReadySeconds at now
 * (podutil.IsPodAvailable); a ready pod without a transition time counts as available only when
 * minReadySeconds is 0.
 */
export function isPodAvailable(pod: ReadonlyPod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

/** isPodTerminating reports whether deletion of the pod was requested (deletionTimestamp set). */
export function isPodTerminating(pod: ReadonlyPod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/**
 * isPodActive reports whether the pod still counts towards its controller's replicas: not Succeeded, not
 * Failed and not being deleted (controller.IsPodActive).
 */
export function isPodActive(pod: ReadonlyPod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !isPodTerminating(pod);
}
