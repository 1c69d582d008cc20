/**
 * planDeploymentSync driven to a fixed point against a simulated world: the planner's writes are applied to an
 * in-memory store, a simulated ReplicaSet controller makes each ReplicaSet's pods match its spec and reports
 * status (new pods become available one step later), and the rollout is checked at every step — pods within
 * spec.replicas + maxSurge, available pods at least spec.replicas - maxUnavailable — until it completes with the
 * conditions `kubectl rollout status` waits for.
 */
import { describe, expect, it } from 'vitest';
import type { Deployment, IntOrString, ReplicaSet } from '../../../../src/api/index.js';
import { planDeploymentSync } from '../../../../src/components/controllers/workloads/deployment-sync.js';
import { REVISION_ANNOTATION } from '../../../../src/components/controllers/workloads/deployment-util.js';
import { POD_TEMPLATE_HASH_LABEL } from '../../../../src/components/controllers/workloads/pod-template-hash.js';
import { T0, newDeployment } from './fixtures.js';

interface World {
  d: Deployment;
  rss: ReplicaSet[];
  /** pods per ReplicaSet name: how many exist and how many are available. */
  pods: Map<string, { count: number; available: number }>;
  now: number;
  uid: number;
}

function applyPlan(w: World): { writes: number; requeueAfterMs?: number } {
  const plan = planDeploymentSync({ deployment: w.d, replicaSets: w.rss, pods: [], now: w.now });
  for (const a of plan.actions) {
    switch (a.type) {
      case 'create-replica-set':
        w.rss.push({ ...structuredClone(a.replicaSet), metadata: { ...structuredClone(a.replicaSet.metadata), uid: `rs-${++w.uid}`, creationTimestamp: new Date(w.now).toISOString().replace(/\.\d+Z$/, 'Z'), generation: 1 }, status: { replicas: 0 } });
        break;
      case 'update-replica-set': {
        const i = w.rss.findIndex((r) => r.metadata.name === a.replicaSet.metadata.name);
        w.rss[i] = { ...structuredClone(a.replicaSet), status: w.rss[i]!.status, metadata: { ...structuredClone(a.replicaSet.metadata), generation: (w.rss[i]!.metadata.generation ?? 1) + 1 } };
        break;
      }
      case 'delete-replica-set':
        w.rss = w.rss.filter((r) => r.metadata.name !== a.replicaSet.metadata.name);
        break;
      case 'update-status':
        w.d = structuredClone(a.deployment);
        break;
    }
  }
  return { writes: plan.actions.length, ...(plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs }) };
}

/** replicaSetStep is the simulated ReplicaSet controller and kubelets: pods follow spec, the pods of the last step become available. */
function replicaSetStep(w: World, healthy: (rs: ReplicaSet) => boolean): boolean {
  let changed = false;
  for (const rs of w.rss) {
    const want = rs.spec?.replicas ?? 1;
    const p = w.pods.get(rs.metadata.name!) ?? { count: 0, available: 0 };
    // Pods that existed at the last step are available now (if healthy); pods created now are not yet.
    const next = { count: want, available: Math.min(want, healthy(rs) ? p.count : p.available) };
    const status = { replicas: next.count, readyReplicas: next.available, availableReplicas: next.available, observedGeneration: rs.metadata.generation ?? 1 };
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) changed = true;
    w.pods.set(rs.metadata.name!, next);
    rs.status = status;
  }
  return changed;
}

function livePods(w: World): { total: number; available: number } {
  let total = 0;
  let available = 0;
  for (const rs of w.rss) {
    const p = w.pods.get(rs.metadata.name!);
    total += p?.count ?? 0;
    available += p?.available ?? 0;
  }
  return { total, available };
}

function rollOut(w: World, bounds: { maxTotal: number; minAvailable: number } | undefined, healthy: (rs: ReplicaSet) => boolean = () => true, maxSteps = 200): number {
  for (let step = 0; step < maxSteps; step++) {
    const { writes } = applyPlan(w);
    const changed = replicaSetStep(w, healthy);
    w.now += 1000;
    if (bounds !== undefined) {
      const live = livePods(w);
      expect(live.total, `pods at step ${step}`).toBeLessThanOrEqual(bounds.maxTotal);
      expect(live.available, `available pods at step ${step}`).toBeGreaterThanOrEqual(bounds.minAvailable);
    }
    if (writes === 0 && !changed) return step;
  }
  throw new Error('no fixed point');
}

function world(replicas: number, surge: IntOrString, unavailable: IntOrString): World {
  const d = newDeployment('web', replicas, { maxSurge: surge, maxUnavailable: unavailable, revisionHistoryLimit: 2 });
  d.spec!.selector = { matchLabels: { app: 'web' } };
  d.spec!.template.metadata!.labels = { app: 'web' };
  return { d, rss: [], pods: new Map(), now: T0, uid: 0 };
}

function setImage(w: World, image: string): void {
  w.d.spec!.template.spec!.containers[0]!.image = image;
  w.d.metadata.generation = (w.d.metadata.generation ?? 1) + 1;
}

function progressing(w: World): string | undefined {
  return w.d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason;
}

describe('planDeploymentSync', () => {
  it('creates the first ReplicaSet at full size with revision 1, then reports NewReplicaSetAvailable', () => {
    const w = world(10, '25%', '25%');
    applyPlan(w);
    expect(w.rss).toHaveLength(1);
    const rs = w.rss[0]!;
    const hash = rs.metadata.labels![POD_TEMPLATE_HASH_LABEL]!;
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec).toMatchObject({ replicas: 10, selector: { matchLabels: { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash } } });
    expect(rs.spec!.template!.metadata!.labels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(rs.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    expect(rs.metadata.annotations).toMatchObject({ [REVISION_ANNOTATION]: '1', 'deployment.kubernetes.io/desired-replicas': '10', 'deployment.kubernetes.io/max-replicas': '13' });
    expect(w.d.metadata.annotations?.[REVISION_ANNOTATION]).toBe('1');
    expect(progressing(w)).toBe('NewReplicaSetCreated');
    rollOut(w, undefined);
    expect(w.d.status).toMatchObject({ observedGeneration: 1, replicas: 10, updatedReplicas: 10, readyReplicas: 10, availableReplicas: 10 });
    expect(w.d.status?.unavailableReplicas).toBeUndefined();
    expect(progressing(w)).toBe('NewReplicaSetAvailable');
    expect(w.d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
  });

  it.each<[number, IntOrString, IntOrString, number, number]>([
    [10, '25%', '25%', 13, 8],
    [10, 0, 1, 10, 9],
    [10, 1, 0, 11, 10],
    [3, '50%', 0, 5, 3],
    [30, 5, '10%', 35, 27],
  ])('rolls %i replicas (maxSurge %j, maxUnavailable %j) within %i pods and %i available at every step', (replicas, surge, unavailable, maxTotal, minAvailable) => {
    const w = world(replicas, surge, unavailable);
    rollOut(w, undefined);
    setImage(w, 'v2');
    rollOut(w, { maxTotal, minAvailable });
    expect(w.rss.map((r) => [r.metadata.annotations?.[REVISION_ANNOTATION], r.spec?.replicas])).toEqual([
      ['1', 0],
      ['2', replicas],
    ]);
    expect(w.d.status).toMatchObject({ replicas, updatedReplicas: replicas, availableReplicas: replicas, observedGeneration: 2 });
    expect(progressing(w)).toBe('NewReplicaSetAvailable');
    expect(w.d.metadata.annotations?.[REVISION_ANNOTATION]).toBe('2');
  });

  it('keeps revisionHistoryLimit old ReplicaSets and rolls back to an old template by raising its revision', () => {
    const w = world(4, 1, 1);
    rollOut(w, undefined);
    for (const image of ['v2', 'v3', 'v4']) {
      setImage(w, image);
      rollOut(w, { maxTotal: 5, minAvailable: 3 });
    }
    expect(w.rss.map((r) => r.metadata.annotations?.[REVISION_ANNOTATION]).sort()).toEqual(['2', '3', '4']);
    setImage(w, 'v2'); // kubectl rollout undo --to-revision=2 puts revision 2's template back
    rollOut(w, { maxTotal: 5, minAvailable: 3 });
    const back = w.rss.find((r) => r.spec?.template?.spec?.containers[0]?.image === 'v2')!;
    expect(back.metadata.annotations).toMatchObject({ [REVISION_ANNOTATION]: '5', 'deployment.kubernetes.io/revision-history': '2' });
    expect(back.spec?.replicas).toBe(4);
    expect(w.rss).toHaveLength(3);
  });

  it('scales proportionally during a rollout and completes at the new size', () => {
    const w = world(10, 3, 2);
    rollOut(w, undefined);
    setImage(w, 'v2');
    for (let i = 0; i < 3; i++) {
      applyPlan(w);
      replicaSetStep(w, () => true);
    }
    const before = w.rss.map((r) => r.spec!.replicas!);
    expect(before.every((n) => n > 0)).toBe(true);
    w.d.spec!.replicas = 20;
    w.d.metadata.generation! += 1;
    applyPlan(w);
    const after = w.rss.map((r) => r.spec!.replicas!);
    expect(after.reduce((a, b) => a + b, 0)).toBe(23); // 20 + maxSurge 3, split between both ReplicaSets
    expect(after.every((n, i) => n > before[i]!)).toBe(true);
    rollOut(w, { maxTotal: 23, minAvailable: 10 });
    expect(w.d.status).toMatchObject({ replicas: 20, updatedReplicas: 20, availableReplicas: 20 });
  });

  it('Recreate scales old ReplicaSets to zero before the new one appears', () => {
    const w = world(5, 0, 0);
    w.d.spec!.strategy = { type: 'Recreate' };
    rollOut(w, undefined);
    setImage(w, 'v2');
    applyPlan(w);
    expect(w.rss.map((r) => r.spec?.replicas)).toEqual([0]);
    replicaSetStep(w, () => true);
    applyPlan(w);
    expect(w.rss.map((r) => r.spec?.replicas)).toEqual([0, 5]);
    rollOut(w, undefined);
    expect(w.d.status).toMatchObject({ replicas: 5, updatedReplicas: 5, availableReplicas: 5 });
  });

  it('a paused Deployment does not roll out a new template, and says DeploymentPaused', () => {
    const w = world(3, 1, 0);
    rollOut(w, undefined);
    w.d.spec!.paused = true;
    setImage(w, 'v2');
    rollOut(w, undefined);
    expect(w.rss).toHaveLength(1);
    expect(w.d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused' });
    w.d.spec!.paused = false;
    rollOut(w, undefined);
    expect(w.rss).toHaveLength(2);
    expect(progressing(w)).toBe('NewReplicaSetAvailable');
  });

  it('reports ProgressDeadlineExceeded when new pods never become available, and asks to be requeued before that', () => {
    const w = world(2, 1, 0);
    w.d.spec!.progressDeadlineSeconds = 30;
    rollOut(w, undefined);
    setImage(w, 'v2');
    rollOut(w, { maxTotal: 3, minAvailable: 2 }, (rs) => rs.spec?.template?.spec?.containers[0]?.image !== 'v2');
    expect(progressing(w)).toBe('ReplicaSetUpdated');
    const { requeueAfterMs } = applyPlan(w);
    expect(requeueAfterMs).toBeGreaterThan(0);
    w.now += 31_000;
    applyPlan(w);
    expect(w.d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
  });

  it('an empty selector only records the generation', () => {
    const w = world(2, 1, 0);
    w.d.spec!.selector = {};
    w.d.metadata.generation = 3;
    const plan = planDeploymentSync({ deployment: w.d, replicaSets: [], pods: [], now: T0 });
    expect(plan.actions.map((a) => a.type)).toEqual(['update-status']);
    expect(plan.actions[0]!.type === 'update-status' && plan.actions[0]!.deployment.status).toEqual({ observedGeneration: 3 });
  });
});
