/**
 * The ReplicaSet controller's decisions (kube's replica_set.go manageReplicas and replica_set_utils.go
 * calculateStatus), pure functions of a ReplicaSet, the active pods it owns and the time: how many pods to
 * create or which to delete, what a new pod looks like, and what the status should say.
 */
import {
  deepCopy,
  formatTime,
  labelSelectorAsSelector,
  newControllerRef,
  selectorFromSet,
  type DeepReadonly,
  type GroupVersionKind,
  type Pod,
  type ReplicaSet,
  type ReplicaSetCondition,
  type ReplicaSetStatus,
} from '../../../api/index.js';
import { podsToDelete } from './active-pods.js';
import { isPodAvailable, isPodReady } from './pod-conditions.js';

type ReadonlyPod = Pod | DeepReadonly<Pod>;
type ReadonlyReplicaSet = ReplicaSet | DeepReadonly<ReplicaSet>;

/** BURST_REPLICAS caps the pods one sync creates or deletes (kube-controller-manager's burstReplicas). */
export const BURST_REPLICAS = 500;

/** REPLICA_SET_KIND is the group, version and kind stamped on the ownerReferences of a ReplicaSet's pods. */
export const REPLICA_SET_KIND: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'ReplicaSet' };

/** ReplicaDecision is what a sync does to the pod count: nothing, create count pods, or delete the pods listed. */
export type ReplicaDecision<P> = { readonly kind: 'none' } | { readonly kind: 'create'; readonly count: number } | { readonly kind: 'delete'; readonly pods: readonly P[] };

/**
 * manageReplicas compares the active pods with spec.replicas: too few → create the difference, too many →
 * delete the lowest-ranked (active-pods.ts), each capped at burst.
 */
export function manageReplicas<P extends ReadonlyPod>(rs: ReadonlyReplicaSet, activePods: readonly P[], burst = BURST_REPLICAS): ReplicaDecision<P> {
  const diff = activePods.length - (rs.spec?.replicas ?? 1);
  if (diff < 0) return { kind: 'create', count: Math.min(-diff, burst) };
  if (diff > 0) return { kind: 'delete', pods: podsToDelete(activePods, Math.min(diff, burst)) };
  return { kind: 'none' };
}

/**
 * podFromTemplate is the pod a ReplicaSet creates (kube's GetPodFromTemplate): the template's labels,
 * annotations, finalizers and spec, generateName `<rs>-`, and the ReplicaSet as its controller
 * (controller and blockOwnerDeletion true).
 */
export function podFromTemplate(rs: ReadonlyReplicaSet): Pod {
  const template = deepCopy(rs.spec?.template ?? {}) as NonNullable<ReplicaSet['spec']>['template'] & object;
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name ?? ''}-`,
      namespace: rs.metadata.namespace ?? '',
      ...(meta.labels === undefined ? {} : { labels: meta.labels }),
      ...(meta.annotations === undefined ? {} : { annotations: meta.annotations }),
      ...(meta.finalizers === undefined ? {} : { finalizers: meta.finalizers }),
      ownerReferences: [newControllerRef(rs as ReplicaSet, REPLICA_SET_KIND)],
    },
    spec: template.spec ?? { containers: [] },
  };
  return pod;
}

function sameCondition(a: DeepReadonly<ReplicaSetCondition> | undefined, b: ReplicaSetCondition | undefined): boolean {
  return a?.type === b?.type && a?.status === b?.status && a?.reason === b?.reason && a?.message === b?.message;
}

/**
 * calculateReplicaSetStatus is the status a ReplicaSet should report for its active pods at now: replicas,
 * fullyLabeledReplicas (pods carrying every template label), readyReplicas, availableReplicas (ready for
 * minReadySeconds) and observedGeneration; a ReplicaFailure condition (FailedCreate / FailedDelete) is added
 * when manageError is given and removed once a sync succeeds.
 */
export function calculateReplicaSetStatus(rs: ReadonlyReplicaSet, activePods: readonly ReadonlyPod[], manageError: string | undefined, now: number): ReplicaSetStatus {
  const templateLabels = selectorFromSet(rs.spec?.template?.metadata?.labels ?? {});
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    if (templateLabels.matches(pod.metadata.labels)) fullyLabeled += 1;
    if (isPodReady(pod)) {
      ready += 1;
      if (isPodAvailable(pod, minReadySeconds, now)) available += 1;
    }
  }
  const conditions = (rs.status?.conditions ?? []).map((c) => deepCopy(c) as ReplicaSetCondition);
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  let next = conditions;
  if (manageError !== undefined && failure === undefined) {
    const diff = activePods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    next = [...conditions, { type: 'ReplicaFailure', status: 'True', lastTransitionTime: formatTime(now), reason, message: manageError }];
  } else if (manageError === undefined && failure !== undefined) {
    next = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  return {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 0,
    ...(next.length === 0 ? {} : { conditions: next }),
  };
}

/** replicaSetStatusEqual reports whether two statuses say the same (so no write is needed). */
export function replicaSetStatusEqual(a: DeepReadonly<ReplicaSetStatus> | undefined, b: ReplicaSetStatus): boolean {
  if (a === undefined) return false;
  if ((a.replicas ?? 0) !== b.replicas || (a.fullyLabeledReplicas ?? 0) !== b.fullyLabeledReplicas || (a.readyReplicas ?? 0) !== b.readyReplicas) return false;
  if ((a.availableReplicas ?? 0) !== b.availableReplicas || (a.observedGeneration ?? 0) !== b.observedGeneration) return false;
  const ca = a.conditions ?? [];
  const cb = b.conditions ?? [];
  return ca.length === cb.length && ca.every((c, i) => sameCondition(c, cb[i]));
}

/** replicaSetSelector is the ReplicaSet's selector (nothing matches a missing or invalid one). */
export function replicaSetSelector(rs: ReadonlyReplicaSet): ReturnType<typeof labelSelectorAsSelector> {
  try {
    return labelSelectorAsSelector(rs.spec?.selector as Parameters<typeof labelSelectorAsSelector>[0]);
  } catch {
    return labelSelectorAsSelector(undefined);
  }
}

/**
 * requeueForAvailabilityMs says when to look again so pods that are ready but not yet available for
 * minReadySeconds get counted (kube resyncs after minReadySeconds); undefined if no look is needed.
 */
export function requeueForAvailabilityMs(rs: ReadonlyReplicaSet, status: ReplicaSetStatus): number | undefined {
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  if (minReadySeconds <= 0) return undefined;
  if ((status.readyReplicas ?? 0) === (rs.spec?.replicas ?? 1) && (status.availableReplicas ?? 0) !== (rs.spec?.replicas ?? 1)) return minReadySeconds * 1000;
  return undefined;
}
