/** The RollingUpdate steps and proportional scaling, table by table as kube's rolling_test.go and sync_test.go. */
import { describe, expect, it } from 'vitest';
import type { IntOrString, ReplicaSet } from '../../../../src/api/index.js';
import { cleanupDeployment } from '../../../../src/components/controllers/workloads/deployment-history.js';
import { PlanRecorder } from '../../../../src/components/controllers/workloads/deployment-plan.js';
import { cleanupUnhealthyReplicas, reconcileNewReplicaSet, reconcileOldReplicaSets, scaleDownOldReplicaSetsForRollingUpdate } from '../../../../src/components/controllers/workloads/deployment-rolling.js';
import { scale } from '../../../../src/components/controllers/workloads/deployment-scale.js';
import { maxSurge, setReplicasAnnotations } from '../../../../src/components/controllers/workloads/deployment-util.js';
import { T0, newDeployment, rs } from './fixtures.js';

function updates(plan: PlanRecorder): Record<string, number> {
  return Object.fromEntries(plan.actions.flatMap((a) => (a.type === 'update-replica-set' ? [[a.replicaSet.metadata.name!, a.replicaSet.spec!.replicas!]] : [])));
}

describe('reconcileNewReplicaSet (TestDeploymentController_reconcileNewReplicaSet)', () => {
  it.each<[number, IntOrString, number, number, number | undefined]>([
    [10, 0, 10, 0, undefined],
    [10, 2, 10, 0, 2],
    [10, 2, 5, 0, 7],
    [10, 2, 10, 2, undefined],
    [10, 2, 2, 11, 10],
  ])('deployment %i, maxSurge %j, old %i, new %i → new scaled to %j', (replicas, surge, oldReplicas, newReplicas, expected) => {
    const d = newDeployment('foo', replicas, { maxSurge: surge, maxUnavailable: 0 });
    const newRS = rs('foo-v2', newReplicas);
    const oldRS = rs('foo-v1', oldReplicas);
    const plan = new PlanRecorder(d);
    const scaled = reconcileNewReplicaSet(plan, d, [newRS, oldRS], newRS);
    expect(scaled).toBe(expected !== undefined);
    expect(updates(plan)).toEqual(expected === undefined ? {} : { 'foo-v2': expected });
  });

  it('waits for old pods still reported by an old ReplicaSet before surging further (capstan guard)', () => {
    const d = newDeployment('foo', 10, { maxSurge: 3 });
    const newRS = rs('foo-v2', 3);
    const oldRS = rs('foo-v1', 5, T0, { replicas: 10, availableReplicas: 10 });
    const plan = new PlanRecorder(d);
    expect(reconcileNewReplicaSet(plan, d, [newRS, oldRS], newRS)).toBe(false);
    oldRS.status!.replicas = 7;
    expect(reconcileNewReplicaSet(plan, d, [newRS, oldRS], newRS)).toBe(true);
    expect(updates(plan)).toEqual({ 'foo-v2': 6 });
  });
});

describe('reconcileOldReplicaSets (TestDeploymentController_reconcileOldReplicaSets)', () => {
  it.each<[number, IntOrString, number, number, number, number, number | undefined]>([
    [10, 0, 10, 0, 10, 0, 9],
    [10, 2, 10, 0, 10, 0, 8],
    [10, 2, 10, 0, 8, 0, 8], // unhealthy old replicas cleaned up
    [10, 2, 10, 0, 9, 0, 8], // one unhealthy cleaned up, one ready scaled down
    [10, 2, 8, 2, 8, 0, undefined], // unavailable new pods do not let old ones go
  ])('deployment %i, maxUnavailable %j, old %i, new %i, ready old %i, ready new %i → old %j', (replicas, unavailable, oldReplicas, newReplicas, readyOld, readyNew, expected) => {
    const d = newDeployment('foo', replicas, { maxSurge: 0, maxUnavailable: unavailable });
    const newRS = rs('foo-new', newReplicas, T0 + 1000, { availableReplicas: readyNew });
    const oldRS = rs('foo-old', oldReplicas, T0, { availableReplicas: readyOld });
    const plan = new PlanRecorder(d);
    expect(reconcileOldReplicaSets(plan, d, [oldRS, newRS], [oldRS], newRS)).toBe(expected !== undefined);
    if (expected !== undefined) expect(updates(plan)['foo-old']).toBe(expected);
  });
});

describe('cleanupUnhealthyReplicas (TestDeploymentController_cleanupUnhealthyReplicas)', () => {
  it.each([
    [10, 8, 1, 1],
    [10, 8, 3, 2],
    [10, 8, 0, 0],
    [10, 10, 3, 0],
  ])('old %i with %i ready, maxCleanup %i → %i cleaned up', (oldReplicas, ready, maxCleanup, expected) => {
    const d = newDeployment('foo', 10, { maxSurge: 2, maxUnavailable: 2 });
    const plan = new PlanRecorder(d);
    expect(cleanupUnhealthyReplicas(plan, [rs('foo-v2', oldReplicas, T0, { availableReplicas: ready })], maxCleanup)).toBe(expected);
  });
});

describe('scaleDownOldReplicaSetsForRollingUpdate (TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate)', () => {
  it.each<[number, IntOrString, number, number, number | undefined]>([
    [10, 0, 10, 10, 9],
    [10, 2, 10, 10, 8],
    [10, 2, 8, 10, undefined],
    [10, 2, 10, 0, undefined],
    [10, 2, 1, 10, undefined],
  ])('deployment %i, maxUnavailable %j, ready %i, old %i → old %j', (replicas, unavailable, ready, oldReplicas, expected) => {
    const d = newDeployment('foo', replicas, { maxSurge: 0, maxUnavailable: unavailable });
    const oldRS = rs('foo-v2', oldReplicas, T0, { availableReplicas: ready });
    const plan = new PlanRecorder(d);
    const n = scaleDownOldReplicaSetsForRollingUpdate(plan, d, [oldRS], [oldRS]);
    expect(n > 0).toBe(expected !== undefined);
    if (expected !== undefined) expect(updates(plan)).toEqual({ 'foo-v2': expected });
  });
});

describe('scale (TestScale)', () => {
  const newer = T0 + 2 * 3600_000;
  const old = T0 + 3600_000;
  const older = T0;
  type Case = [string, number, number, IntOrString, IntOrString, [string, number, number] | undefined, [string, number, number][], Record<string, number>, number?];
  it.each<Case>([
    ['normal scaling event: 10 -> 12', 12, 10, 0, 0, ['foo-v1', 10, newer], [], { 'foo-v1': 12 }],
    ['normal scaling event: 10 -> 5', 5, 10, 0, 0, ['foo-v1', 10, newer], [], { 'foo-v1': 5 }],
    ['proportional scaling: 5 -> 10', 10, 5, 0, 0, ['foo-v2', 2, newer], [['foo-v1', 3, old]], { 'foo-v2': 4, 'foo-v1': 6 }],
    ['proportional scaling: 5 -> 3', 3, 5, 0, 0, ['foo-v2', 2, newer], [['foo-v1', 3, old]], { 'foo-v2': 1, 'foo-v1': 2 }],
    ['proportional scaling: 9 -> 4', 4, 9, 0, 0, ['foo-v2', 8, newer], [['foo-v1', 1, old]], { 'foo-v2': 4, 'foo-v1': 0 }],
    ['proportional scaling: 7 -> 10', 10, 7, 0, 0, ['foo-v3', 2, newer], [['foo-v2', 3, old], ['foo-v1', 2, older]], { 'foo-v3': 3, 'foo-v2': 4, 'foo-v1': 3 }],
    ['proportional scaling: 13 -> 8', 8, 13, 0, 0, ['foo-v3', 2, newer], [['foo-v2', 8, old], ['foo-v1', 3, older]], { 'foo-v3': 1, 'foo-v2': 5, 'foo-v1': 2 }],
    ['leftover distribution: 3 -> 4', 4, 3, 0, 0, ['foo-v3', 1, newer], [['foo-v2', 1, old], ['foo-v1', 1, older]], { 'foo-v3': 2, 'foo-v2': 1, 'foo-v1': 1 }],
    ['leftover distribution: 3 -> 2', 2, 3, 0, 0, ['foo-v3', 1, newer], [['foo-v2', 1, old], ['foo-v1', 1, older]], { 'foo-v3': 1, 'foo-v2': 1, 'foo-v1': 0 }],
    ['proportional scaling (no new rs): 4 -> 5', 5, 4, 0, 0, undefined, [['foo-v2', 2, old], ['foo-v1', 2, older]], { 'foo-v2': 3, 'foo-v1': 2 }],
    ['proportional scaling: 6 -> 0', 0, 6, 0, 0, ['foo-v3', 3, newer], [['foo-v2', 2, old], ['foo-v1', 1, older]], { 'foo-v3': 0, 'foo-v2': 0, 'foo-v1': 0 }],
    ['proportional scaling: 0 -> 6', 6, 6, 0, 0, ['foo-v3', 0, newer], [['foo-v2', 0, old], ['foo-v1', 0, older]], { 'foo-v3': 6, 'foo-v2': 0, 'foo-v1': 0 }],
    ['deployment with surge pods', 20, 10, 2, 2, ['foo-v2', 6, newer], [['foo-v1', 6, old]], { 'foo-v2': 11, 'foo-v1': 11 }],
    ['change both surge and size', 50, 10, 6, 3, ['foo-v2', 5, newer], [['foo-v1', 8, old]], { 'foo-v2': 22, 'foo-v1': 34 }],
  ])('%s', (_name, replicas, oldReplicas, surge, oldSurge, newSpec, oldSpecs, expected) => {
    const d = newDeployment('foo', replicas, { maxSurge: surge });
    const before = newDeployment('foo', oldReplicas, { maxSurge: oldSurge });
    const mk = ([name, n, at]: [string, number, number]): ReplicaSet => {
      const r = rs(name, n, at);
      setReplicasAnnotations(r, oldReplicas, oldReplicas + maxSurge(before));
      return r;
    };
    const newRS = newSpec === undefined ? undefined : mk(newSpec);
    const oldRSs = oldSpecs.map(mk);
    const plan = new PlanRecorder(d);
    scale(plan, d, newRS, oldRSs);
    const sizes = Object.fromEntries([newRS, ...oldRSs].flatMap((r) => (r === undefined ? [] : [[r.metadata.name!, r.spec!.replicas!]])));
    expect(sizes).toEqual(expected);
  });

  it('a saturated but broken new ReplicaSet leaves the old pods alone', () => {
    const d = newDeployment('foo', 2, { maxSurge: 1, maxUnavailable: 1 });
    const newRS = rs('foo-v2', 2, newer, { availableReplicas: 0 });
    const oldRS = rs('foo-v1', 1, old);
    for (const r of [newRS, oldRS]) setReplicasAnnotations(r, 2, 3);
    const plan = new PlanRecorder(d);
    scale(plan, d, newRS, [oldRS]);
    expect([newRS.spec!.replicas, oldRS.spec!.replicas]).toEqual([2, 1]);
  });
});

describe('cleanupDeployment (TestDeploymentController_cleanupDeployment)', () => {
  const withStatus = (name: string, specReplicas: number, statusReplicas: number, revision: number): ReplicaSet => {
    const r = rs(name, specReplicas, T0, { replicas: statusReplicas });
    r.metadata.annotations = { 'deployment.kubernetes.io/revision': String(revision) };
    return r;
  };
  it.each<[string, ReplicaSet[], number, number]>([
    ['keeps the newest revisionHistoryLimit', [withStatus('foo-1', 0, 0, 1), withStatus('foo-2', 0, 0, 2), withStatus('foo-3', 0, 0, 3)], 1, 2],
    ['deletes only empty ones', [withStatus('foo-1', 0, 0, 1), withStatus('foo-2', 0, 1, 2), withStatus('foo-3', 1, 0, 3), withStatus('foo-4', 1, 1, 4)], 0, 1],
    ['limit 0 deletes all empty ones', [withStatus('foo-1', 0, 0, 1), withStatus('foo-2', 0, 0, 2)], 0, 2],
    ['never ones with replicas', [withStatus('foo-1', 1, 1, 1), withStatus('foo-2', 1, 1, 2)], 0, 0],
    ['unlimited', [withStatus('foo-1', 0, 0, 1), withStatus('foo-2', 0, 0, 2), withStatus('foo-3', 0, 0, 3)], 2147483647, 0],
  ])('%s', (_name, olds, limit, deletions) => {
    const d = newDeployment('foo', 1, { revisionHistoryLimit: limit });
    const plan = new PlanRecorder(d);
    cleanupDeployment(plan, d, olds);
    expect(plan.actions.filter((a) => a.type === 'delete-replica-set')).toHaveLength(deletions);
  });

  it('skips one already being deleted and deletes the oldest revisions first', () => {
    const dying = withStatus('foo-1', 0, 0, 1);
    dying.metadata.deletionTimestamp = '2016-05-20T00:00:00Z';
    const d = newDeployment('foo', 1, { revisionHistoryLimit: 1 });
    const plan = new PlanRecorder(d);
    cleanupDeployment(plan, d, [withStatus('foo-9', 0, 0, 9), dying, withStatus('foo-3', 0, 0, 3)]);
    expect(plan.actions.map((a) => (a.type === 'delete-replica-set' ? a.replicaSet.metadata.name : a.type))).toEqual(['foo-3']);
  });
});
