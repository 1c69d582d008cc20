/** The ReplicaSet controller's pure decisions: diff to creations or ranked deletions, the pod it stamps out, its status. */
import { describe, expect, it } from 'vitest';
import type { ReplicaSet } from '../../../../src/api/index.js';
import { BURST_REPLICAS, calculateReplicaSetStatus, manageReplicas, podFromTemplate, replicaSetStatusEqual, requeueForAvailabilityMs } from '../../../../src/components/controllers/workloads/replica-set-sync.js';
import { claimDecisions, adoptPatch, releasePatch } from '../../../../src/components/controllers/workloads/controller-ref-manager.js';
import { labelSelectorAsSelector } from '../../../../src/api/index.js';
import { T0, pod, rs } from './fixtures.js';

function replicaSet(replicas: number, minReadySeconds = 0): ReplicaSet {
  const r = rs('web', replicas);
  r.spec!.template = { metadata: { labels: { foo: 'bar' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  if (minReadySeconds > 0) r.spec!.minReadySeconds = minReadySeconds;
  return r;
}

describe('manageReplicas', () => {
  it.each([
    ['creates the missing pods', 3, 1, { kind: 'create', count: 2 }],
    ['does nothing at the desired count', 2, 2, { kind: 'none' }],
    ['caps creations at burstReplicas', 2000, 0, { kind: 'create', count: BURST_REPLICAS }],
  ])('%s', (_name, replicas, have, expected) => {
    const pods = Array.from({ length: have }, (_, i) => pod(`p${i}`, { node: 'n', ready: true }));
    expect(manageReplicas(replicaSet(replicas), pods)).toEqual(expected);
  });

  it('deletes the lowest-ranked surplus pods', () => {
    const pods = [pod('ready', { node: 'n', ready: true }), pod('unscheduled', { phase: 'Pending' }), pod('not-ready', { node: 'n', ready: false })];
    const d = manageReplicas(replicaSet(1), pods);
    expect(d.kind).toBe('delete');
    expect(d.kind === 'delete' ? d.pods.map((p) => p.metadata.name) : []).toEqual(['unscheduled', 'not-ready']);
    const capped = manageReplicas(replicaSet(0), pods, 1);
    expect(capped.kind === 'delete' ? capped.pods.map((p) => p.metadata.name) : []).toEqual(['unscheduled']);
  });
});

describe('podFromTemplate', () => {
  it('stamps the template with generateName <rs>- and the ReplicaSet as controller', () => {
    const p = podFromTemplate(replicaSet(1));
    expect(p.metadata).toEqual({
      generateName: 'web-',
      namespace: 'default',
      labels: { foo: 'bar' },
      annotations: { a: 'b' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec?.containers[0]?.image).toBe('nginx');
  });
});

describe('calculateReplicaSetStatus', () => {
  it('counts replicas, fully labeled, ready and available (minReadySeconds) pods', () => {
    const r = replicaSet(4, 10);
    const pods = [
      pod('a', { node: 'n', ready: true, readySince: T0 - 20_000 }),
      pod('b', { node: 'n', ready: true, readySince: T0 - 5_000 }),
      pod('c', { node: 'n', ready: false }),
      pod('d', { node: 'n', ready: true, readySince: T0 - 60_000, labels: { foo: 'bar', extra: 'x' } }),
      pod('e', { node: 'n', labels: { foo: 'other' } }),
    ];
    const s = calculateReplicaSetStatus(r, pods, undefined, T0);
    expect(s).toEqual({ replicas: 5, fullyLabeledReplicas: 4, readyReplicas: 3, availableReplicas: 2, observedGeneration: 1 });
    expect(requeueForAvailabilityMs(r, { ...s, replicas: 4, readyReplicas: 4 })).toBe(10_000);
    expect(requeueForAvailabilityMs(replicaSet(4), s)).toBeUndefined();
  });

  it('adds ReplicaFailure (FailedCreate / FailedDelete) on a failed sync and removes it after a good one', () => {
    const failed = calculateReplicaSetStatus(replicaSet(3), [pod('a')], 'pods "x" is forbidden: quota', T0);
    expect(failed.conditions).toEqual([{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: '2016-05-20T00:00:00Z', reason: 'FailedCreate', message: 'pods "x" is forbidden: quota' }]);
    const tooMany = calculateReplicaSetStatus(replicaSet(0), [pod('a')], 'boom', T0);
    expect(tooMany.conditions?.[0]?.reason).toBe('FailedDelete');
    const withFailure = { ...replicaSet(1), status: failed };
    expect(calculateReplicaSetStatus(withFailure, [pod('a')], undefined, T0).conditions).toBeUndefined();
    expect(replicaSetStatusEqual(failed, calculateReplicaSetStatus(replicaSet(3), [pod('a')], 'pods "x" is forbidden: quota', T0 + 5000))).toBe(true);
  });
});

describe('claimDecisions (controller ref manager)', () => {
  const owner = replicaSet(3);
  const selector = labelSelectorAsSelector(owner.spec!.selector);
  it('keeps owned matches, adopts matching orphans, releases owned non-matches, ignores others', () => {
    const owned = pod('owned', { owner: 'web' });
    const orphan = pod('orphan');
    const strayed = pod('strayed', { owner: 'web', labels: { foo: 'baz' } });
    const foreign = pod('foreign', { owner: 'other' });
    const orphanNoMatch = pod('orphan-no-match', { labels: { foo: 'baz' } });
    const deletingOrphan = pod('deleting-orphan');
    deletingOrphan.metadata.deletionTimestamp = '2016-05-20T00:00:00Z';
    const d = claimDecisions(owner, selector, [owned, orphan, strayed, foreign, orphanNoMatch, deletingOrphan]);
    expect([d.owned, d.adopt, d.release].map((l) => l.map((p) => p.metadata.name))).toEqual([['owned'], ['orphan'], ['strayed']]);
  });

  it('an owner being deleted neither adopts nor releases', () => {
    const dying = { ...owner, metadata: { ...owner.metadata, deletionTimestamp: '2016-05-20T00:00:00Z' } };
    const d = claimDecisions(dying, selector, [pod('owned', { owner: 'web' }), pod('orphan'), pod('strayed', { owner: 'web', labels: { foo: 'baz' } })]);
    expect([d.owned.length, d.adopt.length, d.release.length]).toEqual([1, 0, 0]);
  });

  it('patches carry the resourceVersion and uid, add or drop only the owner reference', () => {
    const orphan = pod('orphan');
    orphan.metadata.resourceVersion = '7';
    orphan.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'uid-x' }];
    expect(adoptPatch(orphan, owner, { group: 'apps', version: 'v1', kind: 'ReplicaSet' })).toEqual({
      metadata: {
        resourceVersion: '7',
        uid: 'uid-orphan',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'uid-x' },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true },
        ],
      },
    });
    const owned = pod('owned', { owner: 'web' });
    expect(releasePatch(owned, owner)).toEqual({ metadata: { ownerReferences: null, resourceVersion: undefined, uid: 'uid-owned' } });
  });
});
