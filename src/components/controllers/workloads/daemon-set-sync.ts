/**
 * The DaemonSet controller's decisions (kube's pkg/controller/daemon), pure functions of the cached DaemonSet,
 * nodes and pods so they can be tested without a cluster: which nodes should run the daemon pod
 * (nodeShouldRunDaemonPod: the template's node name, node selector and required node affinity, and the node's
 * taints against the template's tolerations plus the ones every daemon pod gets), what to create and delete on
 * each node (planManage: a missing pod, surplus or failed pods, pods on nodes that no longer want them), which
 * old pods a rolling update replaces (planRollingUpdate, within maxUnavailable, or maxSurge extra pods), the pod
 * to create for a node, and the status counted in nodes.
 */
import {
  deepCopy,
  newControllerRef,
  type DaemonSet,
  type DaemonSetStatus,
  type DeepReadonly,
  type GroupVersionKind,
  type Node,
  type Pod,
  type PodSpec,
  type Taint,
  type Toleration,
} from '../../../api/index.js';
import { RequiredNodeAffinity } from '../../scheduler/plugins/node-affinity.js';
import { tolerationsTolerateTaint } from '../../scheduler/plugins/taint-toleration.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './controller-history.js';
import { scaledValue } from './deployment-util.js';
import { isPodAvailable, isPodReady } from './pod-conditions.js';

type RoDaemonSet = DeepReadonly<DaemonSet>;
type RoNode = DeepReadonly<Node>;
type RoPod = DeepReadonly<Pod>;

/** DAEMON_SET_KIND is the controller reference kind of DaemonSet pods and revisions. */
export const DAEMON_SET_KIND: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'DaemonSet' };

/** POD_TEMPLATE_GENERATION_LABEL labels a daemon pod with the DaemonSet's template generation. */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** BURST_DAEMON_PODS caps the pods one sync creates or deletes (kube's BurstReplicas). */
export const BURST_DAEMON_PODS = 250;

/**
 * DAEMON_TOLERATIONS are added to every daemon pod (AddOrUpdateDaemonPodTolerations): it stays on a node that
 * is not ready or unreachable, and is placed on nodes under pressure or cordoned.
 */
const DAEMON_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

const NETWORK_UNAVAILABLE_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/** addDaemonTolerations adds (or replaces, by key and effect) the tolerations every daemon pod has. */
export function addDaemonTolerations(spec: PodSpec): void {
  const wanted = spec.hostNetwork === true ? [...DAEMON_TOLERATIONS, NETWORK_UNAVAILABLE_TOLERATION] : DAEMON_TOLERATIONS;
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of wanted) {
    const i = tolerations.findIndex((x) => x.key === t.key && x.effect === t.effect);
    if (i >= 0) tolerations[i] = { ...t };
    else tolerations.push({ ...t });
  }
  spec.tolerations = tolerations;
}

/** ShouldRun is nodeShouldRunDaemonPod's answer: place a pod on the node; keep one already there. */
export interface ShouldRun {
  readonly shouldRun: boolean;
  readonly shouldContinueRunning: boolean;
}

/** Placement answers nodeShouldRunDaemonPod for one DaemonSet, node after node. */
export type Placement = (node: RoNode) => ShouldRun;

const NEITHER: ShouldRun = { shouldRun: false, shouldContinueRunning: false };
const BOTH: ShouldRun = { shouldRun: true, shouldContinueRunning: true };

function untolerated(taints: readonly DeepReadonly<Taint>[], tolerations: readonly Toleration[], effects: readonly string[]): boolean {
  return taints.some((t) => effects.includes(t.effect) && !tolerationsTolerateTaint(tolerations, t));
}

/**
 * daemonPlacement is NodeShouldRunDaemonPod for ds, with the daemon pod's tolerations and required node
 * affinity worked out once for every node asked about: the template's nodeName, node selector and required
 * node affinity must allow the node; a NoSchedule or NoExecute taint the pod does not tolerate stops new pods,
 * and only an untolerated NoExecute one evicts a running pod.
 */
export function daemonPlacement(ds: RoDaemonSet): Placement {
  const template = ds.spec?.template?.spec;
  const templateNode = template?.nodeName ?? '';
  const withTolerations: PodSpec = { containers: [], ...(template?.hostNetwork === true ? { hostNetwork: true } : {}), tolerations: deepCopy(template?.tolerations ?? []) as Toleration[] };
  addDaemonTolerations(withTolerations);
  const tolerations = withTolerations.tolerations ?? [];
  const affinity = new RequiredNodeAffinity({ metadata: {}, spec: template ?? { containers: [] } } as DeepReadonly<Pod>);
  return (node) => {
    const name = node.metadata.name ?? '';
    if (templateNode !== '' && templateNode !== name) return NEITHER;
    if (!affinity.match({ name, labels: node.metadata.labels ?? {} })) return NEITHER;
    const taints = node.spec?.taints ?? [];
    if (untolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) return { shouldRun: false, shouldContinueRunning: !untolerated(taints, tolerations, ['NoExecute']) };
    return BOTH;
  };
}

/** nodeShouldRunDaemonPod says whether node should run ds's pod (see daemonPlacement, for many nodes). */
export function nodeShouldRunDaemonPod(node: RoNode, ds: RoDaemonSet): ShouldRun {
  return daemonPlacement(ds)(node);
}

/**
 * targetNodeName is the node a daemon pod is for (GetTargetNodeName): its nodeName once bound, before that the
 * single `metadata.name In [node]` term its node affinity was given; undefined for anything else.
 */
export function targetNodeName(pod: RoPod): string | undefined {
  if ((pod.spec?.nodeName ?? '') !== '') return pod.spec?.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length !== 1) return undefined;
  const fields = terms[0]?.matchFields ?? [];
  if (fields.length !== 1) return undefined;
  const f = fields[0]!;
  return f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1 ? f.values[0] : undefined;
}

/**
 * newDaemonPod is the pod ds creates for nodeName (CreatePodTemplate + ReplaceDaemonSetPodNodeNameNodeAffinity):
 * the template with the daemon tolerations, the revision hash and template generation labels, a required node
 * affinity of exactly that node (the scheduler binds it), generateName `<ds>-` and ds as its controller.
 */
export function newDaemonPod(ds: RoDaemonSet, nodeName: string, hash: string, generation: number): Pod {
  const template = deepCopy(ds.spec?.template ?? {}) as NonNullable<DaemonSet['spec']>['template'] & object;
  const meta = template.metadata ?? {};
  const spec = template.spec ?? { containers: [] };
  addDaemonTolerations(spec);
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: [nodeName] }] };
  spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity: { ...(spec.affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name ?? ''}-`,
      namespace: ds.metadata.namespace ?? '',
      labels: { ...(meta.labels ?? {}), [POD_TEMPLATE_GENERATION_LABEL]: String(generation), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(meta.annotations === undefined ? {} : { annotations: meta.annotations }),
      ...(meta.finalizers === undefined ? {} : { finalizers: meta.finalizers }),
      ownerReferences: [newControllerRef(ds as DaemonSet, DAEMON_SET_KIND)],
    },
    spec,
  };
}

/** isPodUpdated says pod runs ds's current template: its revision hash or its template generation matches. */
export function isPodUpdated(pod: RoPod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  const hashMatches = hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  const generationMatches = generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === String(generation);
  return hashMatches || generationMatches;
}

function created(p: RoPod): number {
  const t = Date.parse(p.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** byAge sorts a node's daemon pods scheduled first, then oldest first, then by name (podByCreationTimestampAndPhase). */
export function byAge(a: RoPod, b: RoPod): number {
  const scheduled = (p: RoPod): number => ((p.spec?.nodeName ?? '') !== '' ? 0 : 1);
  const s = scheduled(a) - scheduled(b);
  if (s !== 0) return s;
  const d = created(a) - created(b);
  if (d !== 0) return d;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** NodePods maps a node name to the daemon pods for it (claimed pods grouped by targetNodeName). */
export type NodePods = ReadonlyMap<string, readonly RoPod[]>;

/** groupByNode groups claimed daemon pods by their target node; pods without one are left out. */
export function groupByNode(pods: readonly RoPod[]): Map<string, RoPod[]> {
  const byNode = new Map<string, RoPod[]>();
  for (const pod of pods) {
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = byNode.get(node);
    if (list === undefined) byNode.set(node, [pod]);
    else list.push(pod);
  }
  return byNode;
}

/** allowsSurge says the rollout may run an old and a new pod on one node (maxSurge above zero). */
function allowsSurge(ds: RoDaemonSet): boolean {
  const ru = ds.spec?.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined;
  return ru?.maxSurge !== undefined && scaledValue(ru.maxSurge as string | number, 100, true) > 0;
}

/**
 * ManagePlan is what one sync creates (one pod per node name) and deletes; failed pods are deleted subject to
 * the controller's backoff, succeeded ones (also among delete) are reported.
 */
export interface ManagePlan {
  readonly create: readonly string[];
  readonly delete: readonly RoPod[];
  readonly failed: readonly RoPod[];
  readonly succeeded: readonly RoPod[];
}

/**
 * planManage is manage's decision (podsShouldBeOnNode for every node, then getUnscheduledPodsWithoutNode): a
 * pod for each node that should run one and has none; on a node that keeps its pods, failed and succeeded pods
 * go, and of several running pods the oldest stays (with surge, the oldest current pod, and the oldest old pod
 * until the current one is available; a node left with only pods being deleted gets a new one at once); every
 * pod on a node that must not keep them goes; and an unscheduled pod for a node that no longer exists goes.
 */
export function planManage(ds: RoDaemonSet, nodes: readonly RoNode[], byNode: NodePods, hash: string, now: number): ManagePlan {
  const create: string[] = [];
  const del: RoPod[] = [];
  const failed: RoPod[] = [];
  const succeeded: RoPod[] = [];
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const surge = allowsSurge(ds);
  const placement = daemonPlacement(ds);
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    const { shouldRun, shouldContinueRunning } = placement(node);
    const pods = byNode.get(name);
    if (shouldRun && pods === undefined) {
      create.push(name);
      continue;
    }
    if (pods === undefined) continue;
    if (!shouldContinueRunning) {
      for (const pod of pods) if (!pod.metadata.deletionTimestamp) del.push(pod);
      continue;
    }
    const running: RoPod[] = [];
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      if (pod.status?.phase === 'Failed') {
        failed.push(pod);
        continue;
      }
      if (pod.status?.phase === 'Succeeded') {
        succeeded.push(pod);
        del.push(pod);
        continue;
      }
      running.push(pod);
    }
    running.sort(byAge);
    if (!surge) {
      del.push(...running.slice(1));
      continue;
    }
    if (running.length <= 1) {
      if (running.length === 0 && shouldRun) create.push(name); // surging: a node needs one pod not being deleted
      continue;
    }
    let oldestNew: RoPod | undefined;
    let oldestOld: RoPod | undefined;
    for (const pod of running) {
      const current = (pod.metadata.labels ?? {})[CONTROLLER_REVISION_HASH_LABEL] === hash;
      if (current && oldestNew === undefined) oldestNew = pod;
      else if (!current && oldestOld === undefined) oldestOld = pod;
      else del.push(pod);
    }
    if (oldestNew !== undefined && oldestOld !== undefined && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReady, now))) del.push(oldestOld);
  }
  const nodeNames = new Set(nodes.map((n) => n.metadata.name ?? ''));
  for (const [name, pods] of byNode) {
    if (nodeNames.has(name)) continue;
    for (const pod of pods) if ((pod.spec?.nodeName ?? '') === '' && !pod.metadata.deletionTimestamp) del.push(pod);
  }
  return { create, delete: del, failed, succeeded };
}

/**
 * findUpdatedPodsOnNode splits a node's live daemon pods into its current and old pod; undefined when there
 * are two of either (the manage step must clean the node up first).
 */
function findUpdatedPodsOnNode(pods: readonly RoPod[], hash: string, generation: number): { cur?: RoPod; old?: RoPod } | undefined {
  let cur: RoPod | undefined;
  let old: RoPod | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (cur !== undefined) return undefined;
      cur = pod;
    } else {
      if (old !== undefined) return undefined;
      old = pod;
    }
  }
  return { ...(cur === undefined ? {} : { cur }), ...(old === undefined ? {} : { old }) };
}

/**
 * rolloutBounds resolves maxSurge and maxUnavailable against the nodes that should run the pod (both rounded
 * up; an impossible 0/0 means one unavailable, as kube's updatedDesiredNodeCounts); it also lists those nodes.
 */
export function rolloutBounds(ds: RoDaemonSet, nodes: readonly RoNode[], placement: Placement = daemonPlacement(ds)): { surge: number; unavailable: number; desired: string[] } {
  const desired = nodes.filter((n) => placement(n).shouldRun).map((n) => n.metadata.name ?? '');
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const unavailableSpec = ru?.maxUnavailable ?? 1;
  const surge = ru?.maxSurge === undefined ? 0 : scaledValue(ru.maxSurge as string | number, desired.length, true);
  let unavailable = scaledValue(unavailableSpec as string | number, desired.length, true);
  if (desired.length > 0 && unavailable === 0 && surge === 0) unavailable = 1;
  return { surge, unavailable, desired };
}

/** RolloutPlan is what a rolling update step deletes (old pods) and creates (surge pods, by node name). */
export interface RolloutPlan {
  readonly delete: readonly RoPod[];
  readonly create: readonly string[];
}

/**
 * planRollingUpdate is rollingUpdate's decision. Without surge it deletes old pods so that at most
 * maxUnavailable nodes lack an available pod (an old pod that is not available is replaced at once); with
 * surge it starts a new pod next to an old one on up to maxSurge nodes at a time (at once where the old one is
 * not available) and deletes the old pod once the new one is available.
 */
export function planRollingUpdate(ds: RoDaemonSet, nodes: readonly RoNode[], byNode: NodePods, hash: string, generation: number, now: number): RolloutPlan {
  const placement = daemonPlacement(ds);
  const { surge, unavailable, desired } = rolloutBounds(ds, nodes, placement);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const entries = new Map<string, readonly RoPod[]>(byNode);
  for (const name of desired) if (!entries.has(name)) entries.set(name, []);
  const names = [...entries.keys()].sort();
  if (surge === 0) {
    let numUnavailable = 0;
    const replace: RoPod[] = [];
    const candidates: RoPod[] = [];
    for (const name of names) {
      const found = findUpdatedPodsOnNode(entries.get(name)!, hash, generation);
      if (found === undefined || (found.cur === undefined) === (found.old === undefined)) {
        numUnavailable++;
        continue;
      }
      if (found.cur !== undefined) {
        if (!isPodAvailable(found.cur, minReady, now)) numUnavailable++;
        continue;
      }
      const old = found.old!;
      if (!isPodAvailable(old, minReady, now)) {
        replace.push(old);
        numUnavailable++;
      } else if (numUnavailable < unavailable) candidates.push(old);
    }
    const room = Math.min(Math.max(unavailable - numUnavailable, 0), candidates.length);
    return { delete: [...replace, ...candidates.slice(0, room)], create: [] };
  }
  let numSurge = 0;
  let numAvailable = 0;
  const allowed: string[] = [];
  const candidates: string[] = [];
  const oldToDelete: RoPod[] = [];
  const leaving: RoPod[] = [];
  const nodeByName = new Map(nodes.map((n) => [n.metadata.name ?? '', n]));
  const shouldRun = (name: string): boolean => {
    const node = nodeByName.get(name);
    return node !== undefined && placement(node).shouldRun;
  };
  for (const name of names) {
    const found = findUpdatedPodsOnNode(entries.get(name)!, hash, generation);
    if (found === undefined) {
      numSurge++;
      continue;
    }
    // Availability counts every node, those being left for scheduling constraints too.
    const counted = found.old ?? found.cur;
    if (counted !== undefined && isPodAvailable(counted, minReady, now)) numAvailable++;
    if (found.old === undefined) continue;
    if (found.cur === undefined) {
      if (!isPodAvailable(found.old, minReady, now)) {
        if (shouldRun(name)) allowed.push(name);
        else oldToDelete.push(found.old);
      } else if (!shouldRun(name)) leaving.push(found.old);
      else if (numSurge < surge) candidates.push(name);
      continue;
    }
    if (!isPodAvailable(found.cur, minReady, now)) {
      numSurge++;
      continue;
    }
    oldToDelete.push(found.old);
  }
  // With surge the owner expects full availability: a pod on a node that no longer wants it goes only once as
  // many pods are available elsewhere as the nodes that want one.
  const deletable = Math.min(Math.max(numAvailable - desired.length, 0), leaving.length);
  oldToDelete.push(...leaving.slice(0, deletable));
  const room = Math.min(Math.max(surge - numSurge, 0), candidates.length);
  return { delete: oldToDelete, create: [...allowed, ...candidates.slice(0, room)] };
}

/**
 * daemonSetStatus counts ds's nodes (updateDaemonSetStatus): those that should run the pod, run one, run a
 * ready one, an available one, a current one, and those running one they should not; observedGeneration only
 * when the controller acted on this generation.
 */
export function daemonSetStatus(ds: RoDaemonSet, nodes: readonly RoNode[], byNode: NodePods, hash: string, generation: number, now: number, observedGeneration: number | undefined): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const placement = daemonPlacement(ds);
  for (const node of nodes) {
    const pods = byNode.get(node.metadata.name ?? '') ?? [];
    const { shouldRun } = placement(node);
    if (!shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = [...pods].sort(byAge)[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
    if (isPodUpdated(pod, hash, generation)) updated++;
  }
  const status: DaemonSetStatus = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  const observed = observedGeneration ?? ds.status?.observedGeneration;
  if (observed !== undefined) status.observedGeneration = observed;
  if (ds.status?.collisionCount !== undefined) status.collisionCount = ds.status.collisionCount;
  if (ds.status?.conditions !== undefined) status.conditions = deepCopy(ds.status.conditions) as DaemonSetStatus['conditions'];
  return status;
}

/** daemonSetStatusEqual says two statuses report the same (the controller skips writing an unchanged one). */
export function daemonSetStatusEqual(a: DeepReadonly<DaemonSetStatus> | undefined, b: DaemonSetStatus): boolean {
  if (a === undefined) return false;
  const keys = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'observedGeneration', 'collisionCount'] as const;
  return keys.every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}
