/**
 * The StatefulSet controller's decisions (kube's pkg/controller/statefulset: stateful_set_control.go and
 * stateful_set_utils.go), a pure function of the StatefulSet, its pods and its current and update revisions:
 * pod `<set>-<ordinal>` for every ordinal in [start, start + replicas), made from the current revision below
 * the partition and from the update revision above it; with OrderedReady one step per sync in ordinal order
 * (create, or wait until the pod is Running, Ready and available), pods beyond the replicas deleted highest
 * first once every lower one is healthy, then a RollingUpdate deleting the highest pod not at the update
 * revision, one at a time; with Parallel every create and delete at once. Failed and succeeded pods are
 * deleted (and made again on a later sync); a pod whose identity drifted is updated back.
 */
import {
  deepCopy,
  newControllerRef,
  type ControllerRevision,
  type DeepReadonly,
  type GroupVersionKind,
  type Pod,
  type PodTemplateSpec,
  type StatefulSet,
  type StatefulSetStatus,
} from '../../../api/index.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './controller-history.js';
import { isPodAvailable, isPodReady } from './pod-conditions.js';

type RoSet = DeepReadonly<StatefulSet>;
type RoPod = DeepReadonly<Pod>;
type RoRevision = DeepReadonly<ControllerRevision>;

/** STATEFUL_SET_KIND is the controller reference kind of StatefulSet pods and revisions. */
export const STATEFUL_SET_KIND: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'StatefulSet' };

/** POD_NAME_LABEL labels a StatefulSet pod with its own name (a Service can select one pod). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

/** POD_INDEX_LABEL labels a StatefulSet pod with its ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const ORDINAL = /^(.*)-([0-9]+)$/;

/** MAX_ORDINAL is the largest ordinal a name may carry (kube parses it as a 32-bit integer). */
const MAX_ORDINAL = 2 ** 31 - 1;

/** parentAndOrdinal splits a pod name `<parent>-<ordinal>`; ordinal -1 when it does not parse. */
export function parentAndOrdinal(pod: RoPod): { parent: string; ordinal: number } {
  const m = ORDINAL.exec(pod.metadata.name ?? '');
  if (m === null) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return n <= MAX_ORDINAL ? { parent: m[1]!, ordinal: n } : { parent: '', ordinal: -1 };
}

/** isMemberOf says pod is named as one of set's pods (isMemberOf). */
export function isMemberOf(set: RoSet, pod: RoPod): boolean {
  return parentAndOrdinal(pod).parent === set.metadata.name;
}

function startOrdinal(set: RoSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

function replicasOf(set: RoSet): number {
  return set.spec?.replicas ?? 1;
}

/** podRevision is the revision a pod was made from (its controller-revision-hash label: the revision's name). */
export function podRevision(pod: RoPod): string {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
}

/** revisionTemplate is the pod template a revision holds (ApplyRevision: its replace patch of spec.template). */
export function revisionTemplate(revision: RoRevision): PodTemplateSpec {
  const data = revision.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const { $patch: _patch, ...template } = deepCopy(data?.spec?.template ?? {});
  return template as PodTemplateSpec;
}

/** claimName is the PersistentVolumeClaim a pod's claim template names: `<template>-<pod>`. */
function claimName(template: string, podName: string): string {
  return `${template}-${podName}`;
}

/**
 * newStatefulSetPod is the pod for ordinal made from template (newStatefulSetPod + setPodRevision): name
 * `<set>-<ordinal>`, hostname the name, subdomain the serviceName, the pod-name, pod-index and revision labels,
 * a volume per claim template, the set as controller.
 */
export function newStatefulSetPod(set: RoSet, template: DeepReadonly<PodTemplateSpec>, revisionName: string, ordinal: number): Pod {
  const t = deepCopy(template) as PodTemplateSpec;
  const name = `${set.metadata.name ?? ''}-${ordinal}`;
  const meta = t.metadata ?? {};
  const spec = t.spec ?? { containers: [] };
  spec.hostname = name;
  if ((set.spec?.serviceName ?? '') !== '') spec.subdomain = set.spec!.serviceName!;
  const claims = set.spec?.volumeClaimTemplates ?? [];
  if (claims.length > 0) {
    // As updateStorage: the claims' volumes first, then the template's others (a claim wins over a namesake).
    const names = new Set(claims.map((c) => c.metadata?.name ?? ''));
    spec.volumes = [
      ...claims.map((c) => ({ name: c.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(c.metadata?.name ?? '', name) } })),
      ...(spec.volumes ?? []).filter((v) => !names.has(v.name)),
    ];
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace ?? '',
      labels: { ...(meta.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revisionName },
      ...(meta.annotations === undefined ? {} : { annotations: meta.annotations }),
      ...(meta.finalizers === undefined ? {} : { finalizers: meta.finalizers }),
      ownerReferences: [newControllerRef(set as StatefulSet, STATEFUL_SET_KIND)],
    },
    spec,
  };
}

/** identityMatches says a pod still has its ordinal's identity: its exact name, namespace and pod-name label. */
export function identityMatches(set: RoSet, pod: RoPod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.name === `${set.metadata.name ?? ''}-${ordinal}` &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name
  );
}

const isCreated = (p: RoPod): boolean => (p.status?.phase ?? '') !== '';
const isTerminating = (p: RoPod): boolean => p.metadata.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null;
const isRunningAndReady = (p: RoPod): boolean => p.status?.phase === 'Running' && isPodReady(p);
const isHealthy = (p: RoPod): boolean => isRunningAndReady(p) && !isTerminating(p);
const isFinished = (p: RoPod): boolean => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';

/** StatefulAction is one write of a sync, in the order it is made. */
export type StatefulAction =
  | { readonly kind: 'create'; readonly pod: Pod }
  | { readonly kind: 'delete'; readonly pod: RoPod; readonly why: 'finished' | 'condemned' | 'update' }
  | { readonly kind: 'update'; readonly pod: Pod };

/** StatefulPlan is a sync's writes and the status the set reports for the pods it saw. */
export interface StatefulPlan {
  readonly actions: readonly StatefulAction[];
  readonly status: StatefulSetStatus;
}

/** RevisionPair are the set's current and update revisions (they are one revision when nothing is rolling). */
export interface RevisionPair {
  readonly current: RoRevision;
  readonly update: RoRevision;
}

function repairedIdentity(pod: RoPod): Pod {
  const { ordinal } = parentAndOrdinal(pod);
  const p = deepCopy(pod) as Pod;
  p.metadata.labels = { ...(p.metadata.labels ?? {}), [POD_NAME_LABEL]: p.metadata.name ?? '', [POD_INDEX_LABEL]: String(ordinal) };
  return p;
}

/**
 * planStatefulSet is updateStatefulSet: what to write this sync, and the status to report (counted on the
 * pods before the writes, as kube counts them, with the rolling update's deletion taken off currentReplicas).
 */
export function planStatefulSet(set: RoSet, pods: readonly RoPod[], revisions: RevisionPair, collisionCount: number, now: number): StatefulPlan {
  const start = startOrdinal(set);
  const count = replicasOf(set);
  const minReady = set.spec?.minReadySeconds ?? 0;
  const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition;
  const currentTemplate = revisionTemplate(revisions.current);
  const updateTemplate = revisionTemplate(revisions.update);

  const replicas: RoPod[] = new Array<RoPod>(count);
  const condemned: RoPod[] = [];
  for (const pod of pods) {
    const { ordinal } = parentAndOrdinal(pod);
    if (ordinal >= start && ordinal < start + count) replicas[ordinal - start] = pod;
    else if (ordinal >= 0) condemned.push(pod);
  }
  for (let i = 0; i < count; i++) {
    if (replicas[i] !== undefined) continue;
    const ordinal = start + i;
    const rolling = set.spec?.updateStrategy?.type === 'RollingUpdate';
    const belowPartition = partition !== undefined ? ordinal < start + partition : rolling && ordinal < start + (set.status?.currentReplicas ?? 0);
    replicas[i] = belowPartition ? newStatefulSetPod(set, currentTemplate, revisions.current.metadata.name ?? '', ordinal) : newStatefulSetPod(set, updateTemplate, revisions.update.metadata.name ?? '', ordinal);
  }
  condemned.sort((a, b) => parentAndOrdinal(b).ordinal - parentAndOrdinal(a).ordinal);
  const firstUnhealthy = replicas.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));

  const status = countStatus(set, [...replicas, ...condemned], revisions, collisionCount, minReady, now);
  const actions: StatefulAction[] = [];
  const done = (): StatefulPlan => ({ actions, status: completeRollingUpdate(set, status) });
  if (set.metadata.deletionTimestamp) return done();

  for (const pod of replicas) {
    if (isFinished(pod)) {
      if (!isTerminating(pod)) actions.push({ kind: 'delete', pod, why: 'finished' });
      if (monotonic) return done();
      continue;
    }
    if (!isCreated(pod)) {
      actions.push({ kind: 'create', pod: pod as Pod });
      if (monotonic) return done();
      continue;
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isPodAvailable(pod, minReady, now))) return done();
    if (!identityMatches(set, pod)) actions.push({ kind: 'update', pod: repairedIdentity(pod) });
  }
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return done();
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isPodAvailable(pod, minReady, now))) return done();
    actions.push({ kind: 'delete', pod, why: 'condemned' });
    if (monotonic) return done();
  }
  if (set.spec?.updateStrategy?.type === 'OnDelete') return done();
  const updateMin = partition ?? 0;
  const updateName = revisions.update.metadata.name ?? '';
  for (let target = replicas.length - 1; target >= updateMin; target--) {
    const pod = replicas[target]!;
    if (podRevision(pod) !== updateName && !isTerminating(pod)) {
      actions.push({ kind: 'delete', pod, why: 'update' });
      status.currentReplicas = (status.currentReplicas ?? 0) - 1;
      return done();
    }
    if (!isHealthy(pod)) return done();
  }
  return done();
}

/** countStatus is updateStatus / computeReplicaStatus plus the revisions and generation syncStatefulSet adds. */
function countStatus(set: RoSet, pods: readonly RoPod[], revisions: RevisionPair, collisionCount: number, minReady: number, now: number): StatefulSetStatus {
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  const currentName = revisions.current.metadata.name ?? '';
  const updateName = revisions.update.metadata.name ?? '';
  for (const pod of pods) {
    if (isCreated(pod)) replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      if (podRevision(pod) === currentName) current++;
      if (podRevision(pod) === updateName) updated++;
    }
  }
  const status: StatefulSetStatus = {
    replicas,
    readyReplicas: ready,
    currentReplicas: current,
    updatedReplicas: updated,
    currentRevision: currentName,
    updateRevision: updateName,
    collisionCount,
    availableReplicas: available,
  };
  if (set.metadata.generation !== undefined) status.observedGeneration = set.metadata.generation;
  if (set.status?.conditions !== undefined) status.conditions = deepCopy(set.status.conditions) as StatefulSetStatus['conditions'];
  return status;
}

/** completeRollingUpdate makes the update revision current once all spec.replicas pods exist, run it and are ready. */
function completeRollingUpdate(set: RoSet, status: StatefulSetStatus): StatefulSetStatus {
  const want = replicasOf(set);
  if (set.spec?.updateStrategy?.type === 'RollingUpdate' && status.replicas === want && status.updatedReplicas === want && status.readyReplicas === want) {
    return { ...status, currentReplicas: status.updatedReplicas, currentRevision: status.updateRevision };
  }
  return status;
}

/** statefulSetStatusEqual says two statuses report the same (the controller skips writing an unchanged one). */
export function statefulSetStatusEqual(a: DeepReadonly<StatefulSetStatus> | undefined, b: StatefulSetStatus): boolean {
  if (a === undefined) return false;
  const keys = ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision', 'collisionCount', 'availableReplicas'] as const;
  return keys.every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

/**
 * liveRevisionsToDelete is truncateHistory: the revisions neither current, nor the update, nor run by a pod,
 * oldest first, beyond revisionHistoryLimit.
 */
export function liveRevisionsToDelete(set: RoSet, pods: readonly RoPod[], revisions: readonly RoRevision[], pair: RevisionPair): RoRevision[] {
  const live = new Set<string>([pair.current.metadata.name ?? '', pair.update.metadata.name ?? '', ...pods.map(podRevision)]);
  const history = [...revisions].filter((r) => !live.has(r.metadata.name ?? '')).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const limit = set.spec?.revisionHistoryLimit ?? 10;
  return history.length <= limit ? [] : history.slice(0, history.length - limit);
}
