/**
 * The pod garbage collector's decisions (kube's pkg/controller/podgc), pure functions of the cached pods and
 * nodes: which terminated pods exceed `--terminated-pod-gc-threshold` (evicted ones first, then the oldest),
 * which pods wait on nodes that no longer exist (once a node has been missing for the quarantine time), which
 * terminating pods were never scheduled, and which terminating pods sit on a node that is not ready and tainted
 * `node.kubernetes.io/out-of-service`. Each is marked Failed (with a DisruptionTarget condition for an orphan)
 * and force-deleted by the shell.
 */
import { parseTime, type DeepReadonly, type Node, type Pod, type PodCondition } from '../../../api/index.js';

type RoPod = DeepReadonly<Pod>;
type RoNode = DeepReadonly<Node>;

/** DEFAULT_TERMINATED_POD_GC_THRESHOLD is --terminated-pod-gc-threshold's default (12,500). */
export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12_500;

/** GC_CHECK_PERIOD_MS is how often the collector looks (kube's gcCheckPeriod, 20 s). */
export const GC_CHECK_PERIOD_MS = 20_000;

/** QUARANTINE_MS is how long a node must be missing before its pods count as orphans (kube's quarantineTime, 40 s). */
export const QUARANTINE_MS = 40_000;

/** OUT_OF_SERVICE_TAINT marks a node an operator declared out of service (its pods may be force-deleted). */
export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

/** ORPHAN_CONDITION is the DisruptionTarget condition an orphaned pod gets before it is deleted. */
export const ORPHAN_CONDITION: Readonly<PodCondition> = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };

/** isPodTerminated reports a pod whose phase is neither Pending, Running nor Unknown (Succeeded, Failed). */
export function isPodTerminated(pod: RoPod): boolean {
  const phase = pod.status?.phase ?? 'Pending';
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

function created(pod: RoPod): number {
  return typeof pod.metadata.creationTimestamp === 'string' ? parseTime(pod.metadata.creationTimestamp) : 0;
}

/**
 * terminatedToDelete picks the terminated pods beyond threshold (gcTerminated): evicted pods first, then by
 * creation time, oldest first (byEvictionAndCreationTimestamp), then by name.
 */
export function terminatedToDelete(pods: readonly RoPod[], threshold: number): RoPod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isPodTerminated);
  const excess = terminated.length - threshold;
  if (excess <= 0) return [];
  const evicted = (p: RoPod): boolean => p.status?.reason === 'Evicted';
  return [...terminated]
    .sort((a, b) => {
      if (evicted(a) !== evicted(b)) return evicted(a) ? -1 : 1;
      const t = created(a) - created(b);
      if (t !== 0) return t;
      const na = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
      const nb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
      return na < nb ? -1 : na > nb ? 1 : 0;
    })
    .slice(0, excess);
}

/** unscheduledTerminating are pods being deleted that were never bound to a node (gcUnscheduledTerminating). */
export function unscheduledTerminating(pods: readonly RoPod[]): RoPod[] {
  return pods.filter((p) => p.metadata.deletionTimestamp && (p.spec?.nodeName ?? '') === '');
}

/**
 * terminatingOnOutOfServiceNodes are pods being deleted on a node that is not Ready and carries the
 * out-of-service taint (gcTerminating): the operator has declared the node gone, so they are forced out.
 */
export function terminatingOnOutOfServiceNodes(pods: readonly RoPod[], nodes: readonly RoNode[]): RoPod[] {
  const outOfService = new Set<string>();
  for (const n of nodes) {
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (!ready && (n.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT)) outOfService.add(n.metadata.name ?? '');
  }
  if (outOfService.size === 0) return [];
  return pods.filter((p) => p.metadata.deletionTimestamp && outOfService.has(p.spec?.nodeName ?? ''));
}

/**
 * MissingNodes remembers since when each node that pods name has been missing from the node cache (the
 * collector's quarantine): a node counts as deleted only once it has been missing for QUARANTINE_MS, and then
 * only if the API server confirms it (the shell asks).
 */
export class MissingNodes {
  private readonly since = new Map<string, number>();

  /** observe records the nodes pods are bound to that the cache lacks, forgets the ones that came back, and returns those past quarantine. */
  observe(pods: readonly RoPod[], nodes: readonly RoNode[], now: number, quarantineMs = QUARANTINE_MS): string[] {
    const existing = new Set(nodes.map((n) => n.metadata.name ?? ''));
    const missing = new Set<string>();
    for (const p of pods) {
      const node = p.spec?.nodeName ?? '';
      if (node !== '' && !existing.has(node)) missing.add(node);
    }
    for (const name of [...this.since.keys()]) if (!missing.has(name)) this.since.delete(name);
    const due: string[] = [];
    for (const name of missing) {
      const at = this.since.get(name);
      if (at === undefined) this.since.set(name, now);
      else if (now - at >= quarantineMs) due.push(name);
    }
    return due.sort();
  }

  /** forget drops a node that turned out to exist (the API server still has it). */
  forget(name: string): void {
    this.since.delete(name);
  }
}
