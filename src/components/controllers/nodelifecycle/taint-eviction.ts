/**
 * The NoExecute taint manager's decision for one pod (pkg/controller/nodelifecycle/scheduler/taint_manager.go,
 * processPodOnNode): a pod on a node with NoExecute taints it does not all tolerate is evicted at once; one that
 * tolerates them all for a while (the smallest tolerationSeconds of the tolerations used) is evicted when that
 * time has passed since the taint was added; one that tolerates them forever stays. The clock starts at the
 * taints' timeAdded (the latest one) rather than at the moment this replica noticed, so a controller-manager that
 * takes over keeps the same deadline; a taint without timeAdded counts from `observedAt`.
 */
import { parseTime, type DeepReadonly, type Pod, type PodCondition, type Taint } from '../../../api/index.js';
import { matchingTolerations } from './taints.js';

/** TAINT_EVICTION_CONDITION is the DisruptionTarget condition a pod gets before the taint manager deletes it. */
export const TAINT_EVICTION_CONDITION: Pick<PodCondition, 'type' | 'status' | 'reason' | 'message'> = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'DeletionByTaintManager',
  message: 'Taint manager: deleting due to NoExecute taint',
};

/** EvictionDecision says what to do with a pod now. */
export type EvictionDecision = { readonly kind: 'keep' } | { readonly kind: 'evict'; readonly reason: string } | { readonly kind: 'wait'; readonly at: number };

/** podEviction decides for pod on a node with taints, at now (ms since the epoch). */
export function podEviction(pod: DeepReadonly<Pod>, taints: readonly DeepReadonly<Taint>[], now: number, observedAt: number = now): EvictionDecision {
  if (pod.metadata.deletionTimestamp) return { kind: 'keep' };
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return { kind: 'keep' };
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { kind: 'keep' };
  const { allTolerated, used } = matchingTolerations(noExecute, pod.spec?.tolerations ?? []);
  if (!allTolerated) return { kind: 'evict', reason: `not tolerating ${noExecute.map((t) => t.key).join(', ')}` };
  const bounded = used.filter((t) => t.tolerationSeconds !== undefined && t.tolerationSeconds !== null).map((t) => Math.max(0, t.tolerationSeconds!));
  if (bounded.length === 0) return { kind: 'keep' };
  const seconds = Math.min(...bounded);
  const since = Math.max(...noExecute.map((t) => (t.timeAdded ? parseTime(t.timeAdded) : observedAt)));
  const at = since + seconds * 1000;
  return at <= now ? { kind: 'evict', reason: `tolerationSeconds ${String(seconds)} passed` } : { kind: 'wait', at };
}
