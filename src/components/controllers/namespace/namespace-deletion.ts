/**
 * The decisions of namespace deletion (pkg/controller/namespace/deletion/namespaced_resources_deleter.go): which
 * discovered resources hold namespace content, the status conditions that report progress, and the finalizer
 * list once the content is gone. Kubernetes' condition types, reasons and messages.
 */
import { formatTime, type DeepReadonly, type Namespace, type NamespaceCondition } from '../../../api/index.js';
import type { DiscoveredResource } from '../discovery.js';

/** FINALIZER_KUBERNETES is the namespace finalizer the namespace controller owns. */
export const FINALIZER_KUBERNETES = 'kubernetes';

/** contentResources are the namespaced resources that can be listed and deleted: what a namespace may hold. */
export function contentResources(resources: readonly DiscoveredResource[]): DiscoveredResource[] {
  return resources.filter((r) => r.namespaced && r.verbs.includes('list') && (r.verbs.includes('delete') || r.verbs.includes('deletecollection')));
}

/** DeletionProgress is what one pass over a terminating namespace found. */
export interface DeletionProgress {
  /** discoveryFailures are group-versions whose discovery failed. */
  readonly discoveryFailures: readonly string[];
  /** deleteFailures are `resource: error` lines for resources whose content could not be deleted. */
  readonly deleteFailures: readonly string[];
  /** remaining counts the objects left, per `resource.group`. */
  readonly remaining: Readonly<Record<string, number>>;
  /** finalizers counts the remaining objects per finalizer they carry. */
  readonly finalizers: Readonly<Record<string, number>>;
}

function cond(type: string, failed: boolean, reasons: [string, string], message: string, now: number, prev: readonly DeepReadonly<NamespaceCondition>[]): NamespaceCondition {
  const status = failed ? 'True' : 'False';
  const before = prev.find((c) => c.type === type);
  const reason = failed ? reasons[0] : reasons[1];
  const lastTransitionTime = before !== undefined && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : formatTime(now);
  return { type, status, lastTransitionTime, reason, message };
}

/** namespaceConditions are the five deletion conditions kube sets on a terminating namespace, from progress. */
export function namespaceConditions(ns: DeepReadonly<Namespace>, p: DeletionProgress, now: number): NamespaceCondition[] {
  const prev = ns.status?.conditions ?? [];
  const remaining = Object.entries(p.remaining).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b));
  const finalizers = Object.entries(p.finalizers).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b));
  return [
    cond('NamespaceDeletionDiscoveryFailure', p.discoveryFailures.length > 0, ['DiscoveryFailed', 'ResourcesDiscovered'], p.discoveryFailures.length > 0 ? `Discovery failed for some groups, ${String(p.discoveryFailures.length)} failing: ${p.discoveryFailures.join(', ')}` : 'All resources successfully discovered', now, prev),
    cond('NamespaceDeletionGroupVersionParsingFailure', false, ['GroupVersionParsingFailed', 'ParsedGroupVersions'], 'All legacy kube types successfully parsed', now, prev),
    cond('NamespaceDeletionContentFailure', p.deleteFailures.length > 0, ['ContentDeletionFailed', 'ContentDeleted'], p.deleteFailures.length > 0 ? `Failed to delete all resource types, ${String(p.deleteFailures.length)} remaining: ${p.deleteFailures.join(', ')}` : 'All content successfully deleted, may be waiting on finalization', now, prev),
    cond('NamespaceContentRemaining', remaining.length > 0, ['SomeResourcesRemain', 'ContentRemoved'], remaining.length > 0 ? `Some resources are remaining: ${remaining.map(([r, n]) => `${r} has ${String(n)} resource instances`).join(', ')}` : 'All content successfully removed', now, prev),
    cond('NamespaceFinalizersRemaining', finalizers.length > 0, ['SomeFinalizersRemain', 'ContentHasNoFinalizers'], finalizers.length > 0 ? `Some content in the namespace has finalizers remaining: ${finalizers.map(([f, n]) => `${f} in ${String(n)} resource instances`).join(', ')}` : 'All content-preserving finalizers finished', now, prev),
  ];
}

/** conditionsChanged says whether writing next over ns's conditions changes anything. */
export function conditionsChanged(ns: DeepReadonly<Namespace>, next: readonly NamespaceCondition[]): boolean {
  const prev = ns.status?.conditions ?? [];
  if (prev.length !== next.length) return true;
  return next.some((c) => {
    const p = prev.find((q) => q.type === c.type);
    return p === undefined || p.status !== c.status || p.reason !== c.reason || p.message !== c.message;
  });
}

/** isDone reports that nothing is left in the namespace. */
export function isDone(p: DeletionProgress): boolean {
  return p.discoveryFailures.length === 0 && p.deleteFailures.length === 0 && Object.values(p.remaining).every((n) => n === 0);
}

/** needsFinalizing says whether ns is terminating and still carries the `kubernetes` finalizer. */
export function needsFinalizing(ns: DeepReadonly<Namespace> | undefined): boolean {
  return ns !== undefined && !!ns.metadata.deletionTimestamp && (ns.spec?.finalizers ?? []).includes(FINALIZER_KUBERNETES);
}

/** finalizedSpec is ns's spec.finalizers without `kubernetes`. */
export function finalizedSpec(ns: DeepReadonly<Namespace>): string[] {
  return (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES);
}
