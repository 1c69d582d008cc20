/**
 * The StatefulSet controller's pure decisions, as kube's stateful_set_control_test: OrderedReady creates one
 * pod at a time in ordinal order and waits for each to be Running and Ready; scale-down deletes the highest
 * ordinal first once every other pod is healthy; Parallel does everything at once; a RollingUpdate deletes the
 * highest pod not at the update revision, one at a time, down to the partition; OnDelete leaves pods alone;
 * finished pods are deleted; the status counts pods per revision and makes the update revision current once
 * the rollout is done; revisions beyond the history limit go unless live.
 */
import { describe, expect, it } from 'vitest';
import { formatTime, type ControllerRevision, type Pod, type StatefulSet } from '../../../../src/api/index.js';
import { newRevision } from '../../../../src/components/controllers/workloads/controller-history.js';
import {
  STATEFUL_SET_KIND,
  identityMatches,
  liveRevisionsToDelete,
  newStatefulSetPod,
  planStatefulSet,
  revisionTemplate,
  type RevisionPair,
  type StatefulAction,
} from '../../../../src/components/controllers/workloads/stateful-set-sync.js';
import { T0 } from './fixtures.js';

const NOW = T0 + 60_000;

function statefulSet(o: { replicas?: number; image?: string; parallel?: boolean; partition?: number; onDelete?: boolean; start?: number; claims?: boolean } = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 3 },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      serviceName: 'web',
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: o.image ?? 'i:1' }] } },
      podManagementPolicy: o.parallel === true ? 'Parallel' : 'OrderedReady',
      updateStrategy: o.onDelete === true ? { type: 'OnDelete' } : { type: 'RollingUpdate', rollingUpdate: { partition: o.partition ?? 0 } },
      revisionHistoryLimit: 1,
      ...(o.start === undefined ? {} : { ordinals: { start: o.start } }),
      ...(o.claims === true ? { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } : {}),
    },
  };
}

const V1 = newRevision(statefulSet(), STATEFUL_SET_KIND, 1);
const V2 = newRevision(statefulSet({ image: 'i:2' }), STATEFUL_SET_KIND, 2);
const SAME: RevisionPair = { current: V1, update: V1 };
const ROLLING: RevisionPair = { current: V1, update: V2 };

/** member is pod ordinal of web at a revision, Running and Ready unless said. */
function member(ordinal: number, o: { revision?: ControllerRevision; ready?: boolean; phase?: 'Pending' | 'Running' | 'Failed' | 'Succeeded'; deleting?: boolean } = {}): Pod {
  const revision = o.revision ?? V1;
  const p = newStatefulSetPod(statefulSet(), revisionTemplate(revision), revision.metadata.name!, ordinal);
  p.metadata.uid = `uid-web-${ordinal}`;
  p.metadata.creationTimestamp = formatTime(T0);
  p.status = { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] };
  if (o.deleting === true) p.metadata.deletionTimestamp = formatTime(T0);
  return p;
}

const describeActions = (actions: readonly StatefulAction[]): string[] => actions.map((a) => `${a.kind} ${a.pod.metadata.name}${a.kind === 'delete' ? ` (${a.why})` : ''}`);

describe('planStatefulSet with OrderedReady', () => {
  it('creates web-0 first, then each next pod only once the one before is Running and Ready', () => {
    expect(describeActions(planStatefulSet(statefulSet(), [], SAME, 0, NOW).actions)).toEqual(['create web-0']);
    expect(planStatefulSet(statefulSet(), [member(0, { ready: false })], SAME, 0, NOW).actions).toEqual([]);
    expect(describeActions(planStatefulSet(statefulSet(), [member(0)], SAME, 0, NOW).actions)).toEqual(['create web-1']);
    expect(describeActions(planStatefulSet(statefulSet({ start: 5 }), [], SAME, 0, NOW).actions)).toEqual(['create web-5']);
  });

  it('gives each pod its identity: name, hostname, subdomain, labels, claims, owner', () => {
    const create = planStatefulSet(statefulSet({ claims: true }), [], SAME, 0, NOW).actions[0] as { pod: Pod };
    expect(create.pod.metadata).toMatchObject({
      name: 'web-0',
      labels: { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': V1.metadata.name },
      ownerReferences: [expect.objectContaining({ kind: 'StatefulSet', name: 'web', controller: true })],
    });
    expect(create.pod.spec).toMatchObject({ hostname: 'web-0', subdomain: 'web', volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }] });
    expect(identityMatches(statefulSet(), create.pod)).toBe(true);
  });

  it('scales down from the highest ordinal, one at a time, and only while every other pod is healthy', () => {
    const three = [member(0), member(1), member(2), member(3), member(4)];
    expect(describeActions(planStatefulSet(statefulSet({ replicas: 3 }), three, SAME, 0, NOW).actions)).toEqual(['delete web-4 (condemned)']);
    expect(planStatefulSet(statefulSet({ replicas: 3 }), [member(0), member(1, { ready: false }), member(2), member(3)], SAME, 0, NOW).actions).toEqual([]);
    // the highest one is going: wait until it is gone before the next
    expect(planStatefulSet(statefulSet({ replicas: 3 }), [member(0), member(1), member(2), member(3), member(4, { deleting: true })], SAME, 0, NOW).actions).toEqual([]);
  });

  it('deletes a failed pod (it is made again on a later sync) and repairs a pod whose identity labels drifted', () => {
    expect(describeActions(planStatefulSet(statefulSet(), [member(0), member(1, { phase: 'Failed' }), member(2)], SAME, 0, NOW).actions)).toEqual(['delete web-1 (finished)']);
    const drifted = member(1);
    delete drifted.metadata.labels!['statefulset.kubernetes.io/pod-name'];
    const plan = planStatefulSet(statefulSet(), [member(0), drifted, member(2)], SAME, 0, NOW);
    expect(describeActions(plan.actions)).toEqual(['update web-1']);
    expect((plan.actions[0] as { pod: Pod }).pod.metadata.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1' });
  });
});

describe('planStatefulSet with Parallel', () => {
  it('creates every missing pod and deletes every surplus one at once', () => {
    expect(describeActions(planStatefulSet(statefulSet({ parallel: true }), [member(1, { ready: false })], SAME, 0, NOW).actions)).toEqual(['create web-0', 'create web-2']);
    expect(describeActions(planStatefulSet(statefulSet({ parallel: true, replicas: 1 }), [member(0), member(1), member(2, { ready: false })], SAME, 0, NOW).actions)).toEqual([
      'delete web-2 (condemned)',
      'delete web-1 (condemned)',
    ]);
  });
});

describe('planStatefulSet rolling updates', () => {
  it('replaces the highest pod not at the update revision, one at a time, waiting for each to be healthy', () => {
    const old = [member(0), member(1), member(2)];
    const first = planStatefulSet(statefulSet({ image: 'i:2' }), old, ROLLING, 0, NOW);
    expect(describeActions(first.actions)).toEqual(['delete web-2 (update)']);
    expect(first.status).toMatchObject({ replicas: 3, currentReplicas: 2, updatedReplicas: 0, currentRevision: V1.metadata.name, updateRevision: V2.metadata.name });
    // web-2 is gone: it is made again, from the update revision
    const recreate = planStatefulSet(statefulSet({ image: 'i:2' }), old.slice(0, 2), ROLLING, 0, NOW).actions[0] as { pod: Pod };
    expect(recreate.pod.metadata.labels!['controller-revision-hash']).toBe(V2.metadata.name);
    expect(recreate.pod.spec!.containers[0]!.image).toBe('i:2');
    // web-2 updated but not ready: wait
    expect(planStatefulSet(statefulSet({ image: 'i:2' }), [member(0), member(1), member(2, { revision: V2, ready: false })], ROLLING, 0, NOW).actions).toEqual([]);
    expect(describeActions(planStatefulSet(statefulSet({ image: 'i:2' }), [member(0), member(1), member(2, { revision: V2 })], ROLLING, 0, NOW).actions)).toEqual(['delete web-1 (update)']);
  });

  it('stops at the partition, and makes the update revision current once every pod runs it', () => {
    const partitioned = planStatefulSet(statefulSet({ image: 'i:2', partition: 2 }), [member(0), member(1), member(2, { revision: V2 })], ROLLING, 0, NOW);
    expect(partitioned.actions).toEqual([]);
    expect(partitioned.status).toMatchObject({ currentRevision: V1.metadata.name, updatedReplicas: 1 });
    // a pod below the partition that is made again keeps the current revision
    const below = planStatefulSet(statefulSet({ image: 'i:2', partition: 2 }), [member(1), member(2, { revision: V2 })], ROLLING, 0, NOW).actions[0] as { pod: Pod };
    expect(below.pod.metadata.labels!['controller-revision-hash']).toBe(V1.metadata.name);
    const done = planStatefulSet(statefulSet({ image: 'i:2' }), [0, 1, 2].map((i) => member(i, { revision: V2 })), ROLLING, 0, NOW);
    expect(done.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: V2.metadata.name, updateRevision: V2.metadata.name, observedGeneration: 3 });
  });

  it('keeps the current revision while pods are missing, so the partition still holds for the pods made again', () => {
    // web-0 and web-1 (below the partition) were deleted by someone: only the updated web-2 is left
    const plan = planStatefulSet(statefulSet({ image: 'i:2', partition: 2 }), [member(2, { revision: V2 })], ROLLING, 0, NOW);
    expect(plan.status).toMatchObject({ replicas: 1, updatedReplicas: 1, currentRevision: V1.metadata.name });
    expect((plan.actions[0] as { pod: Pod }).pod.metadata.labels!['controller-revision-hash']).toBe(V1.metadata.name);
  });

  it('leaves old pods alone with OnDelete', () => {
    expect(planStatefulSet(statefulSet({ image: 'i:2', onDelete: true }), [member(0), member(1), member(2)], ROLLING, 0, NOW).actions).toEqual([]);
  });
});

describe('liveRevisionsToDelete', () => {
  it('keeps the current and update revisions and any a pod runs, and revisionHistoryLimit of the rest', () => {
    const V0 = { ...newRevision(statefulSet({ image: 'i:0' }), STATEFUL_SET_KIND, 0) };
    const Vx = { ...newRevision(statefulSet({ image: 'i:x' }), STATEFUL_SET_KIND, 3) };
    const all = [V0, V1, V2, Vx];
    expect(liveRevisionsToDelete(statefulSet(), [member(0, { revision: V1 })], all, { current: V2, update: V2 }).map((r) => r.metadata.name)).toEqual([V0.metadata.name]);
    expect(liveRevisionsToDelete(statefulSet(), [], all, { current: V1, update: V2 }).map((r) => r.metadata.name)).toEqual([V0.metadata.name]);
  });
});
