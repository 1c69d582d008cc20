/**
 * defaultSpreadSelector is kube-scheduler's helper.DefaultSelector: the selector that stands for "the pods of the
 * same workload" when a pod names no topology spread constraints of its own — the merged selectors of the
 * Services of its namespace that select it, and the selector of the ReplicaSet or StatefulSet that controls it.
 * PodTopologySpread's system-default constraints spread by it (an empty one: the pod is not spread).
 */
import {
  controllerOf,
  labelSelectorAsSelector,
  selectorFromSet,
  type DeepReadonly,
  type LabelSelector,
  type Pod,
  type ReplicaSet,
  type Selector,
  type Service,
  type StatefulSet,
} from '../../api/index.js';

/** SpreadSources reads what the default selector is made of (the scheduler's informers). */
export interface SpreadSources {
  /** services lists the Services of a namespace. */
  services(namespace: string): readonly DeepReadonly<Service>[];
  /** replicaSet looks a ReplicaSet up by namespace and name. */
  replicaSet(namespace: string, name: string): DeepReadonly<ReplicaSet> | undefined;
  /** statefulSet looks a StatefulSet up by namespace and name. */
  statefulSet(namespace: string, name: string): DeepReadonly<StatefulSet> | undefined;
}

/** defaultSpreadSelector computes pod's default selector from sources; see the module comment. */
export function defaultSpreadSelector(pod: DeepReadonly<Pod>, sources: SpreadSources): Selector {
  const namespace = pod.metadata.namespace ?? '';
  const labels = pod.metadata.labels ?? {};
  let set: Record<string, string> = {};
  for (const svc of sources.services(namespace)) {
    const sel = svc.spec?.selector;
    if (sel === undefined || sel === null) continue;
    // Later Services win a key both name, as labels.Merge does.
    if (selectorFromSet(sel).matches(labels)) set = { ...set, ...sel };
  }
  let selector = selectorFromSet(set);
  const owner = controllerOf(pod as Pod);
  if (owner?.apiVersion !== 'apps/v1') return selector;
  const controller = owner.kind === 'ReplicaSet' ? sources.replicaSet(namespace, owner.name) : owner.kind === 'StatefulSet' ? sources.statefulSet(namespace, owner.name) : undefined;
  if (controller === undefined) return selector;
  try {
    const { requirements, selectable } = labelSelectorAsSelector(controller.spec?.selector as LabelSelector | undefined).requirements();
    if (selectable) selector = selector.add(...requirements);
  } catch {
    // A selector that does not parse adds nothing, as kube's.
  }
  return selector;
}
