/** Deployment helpers, with cases from kube's deployment_util_test.go and hash_test.go. */
import { describe, expect, it } from 'vitest';
import type { IntOrString } from '../../../../src/api/index.js';
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  InvalidIntOrPercentError,
  maxRevision,
  newRSNewReplicas,
  resolveFenceposts,
  setNewReplicaSetAnnotations,
  findNewReplicaSet,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
} from '../../../../src/components/controllers/workloads/deployment-util.js';
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from '../../../../src/components/controllers/workloads/pod-template-hash.js';
import { T0, newDeployment, rs } from './fixtures.js';

describe('resolveFenceposts (TestResolveFenceposts)', () => {
  it.each<[IntOrString | undefined, IntOrString | undefined, number, number, number]>([
    [0, 0, 0, 0, 1],
    ['39%', '39%', 10, 4, 3],
    [undefined, '39%', 10, 0, 3],
    ['39%', undefined, 10, 4, 0],
    [undefined, undefined, 10, 0, 1],
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 1, 1, 0],
    [2, '50%', 3, 2, 1],
  ])('maxSurge %j, maxUnavailable %j, desired %i → surge %i, unavailable %i', (surge, unavailable, desired, es, eu) => {
    expect(resolveFenceposts(surge, unavailable, desired)).toEqual({ surge: es, unavailable: eu });
  });

  it.each([['oops', '39%'], ['55%', 'urg']])('rejects %j / %j', (surge, unavailable) => {
    expect(() => resolveFenceposts(surge, unavailable, 10)).toThrow(InvalidIntOrPercentError);
  });
});

describe('newRSNewReplicas (TestNewRSNewReplicas)', () => {
  it.each<[string, 'RollingUpdate' | 'Recreate', number, number, number, number, number]>([
    ['can not scale up - to newRSReplicas', 'RollingUpdate', 1, 5, 1, 5, 5],
    ['scale up - to depReplicas', 'RollingUpdate', 6, 2, 10, 4, 6],
    ['recreate - to depReplicas', 'Recreate', 3, 1, 1, 1, 3],
    ['scale up within surge', 'RollingUpdate', 10, 0, 3, 10, 3],
    ['no room left', 'RollingUpdate', 10, 3, 3, 10, 3],
  ])('%s', (_name, strategy, depReplicas, newReplicas, surge, oldReplicas, expected) => {
    const d = newDeployment('foo', depReplicas, { maxSurge: surge });
    d.spec!.strategy = strategy === 'Recreate' ? { type: 'Recreate' } : d.spec!.strategy;
    const newRS = rs('foo-new', newReplicas);
    const oldRS = rs('foo-old', oldReplicas);
    expect(newRSNewReplicas(d, [newRS, oldRS], newRS)).toBe(expected);
  });
});

describe('revisions and annotations', () => {
  it('a new ReplicaSet gets revision max+1, desired and max replicas, and the Deployment\'s own annotations', () => {
    const d = newDeployment('foo', 10, { maxSurge: 3 });
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'kubectl set image', [REVISION_ANNOTATION]: '7', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const olds = [rs('a', 0), rs('b', 0)];
    olds[0]!.metadata.annotations = { [REVISION_ANNOTATION]: '2' };
    olds[1]!.metadata.annotations = { [REVISION_ANNOTATION]: '5' };
    const fresh = rs('new', 0);
    expect(setNewReplicaSetAnnotations(d, fresh, maxRevision(olds) + 1, false)).toBe(true);
    expect(fresh.metadata.annotations).toEqual({
      'kubernetes.io/change-cause': 'kubectl set image',
      [REVISION_ANNOTATION]: '6',
      'deployment.kubernetes.io/desired-replicas': '10',
      'deployment.kubernetes.io/max-replicas': '13',
    });
  });

  it('rolling back to an old ReplicaSet raises its revision and keeps the old one in revision-history', () => {
    const d = newDeployment('foo', 1);
    const back = rs('old', 1);
    back.metadata.annotations = { [REVISION_ANNOTATION]: '1' };
    expect(setNewReplicaSetAnnotations(d, back, 4, true)).toBe(true);
    expect(back.metadata.annotations).toMatchObject({ [REVISION_ANNOTATION]: '4', [REVISION_HISTORY_ANNOTATION]: '1' });
    expect(setNewReplicaSetAnnotations(d, back, 4, true)).toBe(false);
  });
});

describe('pod-template-hash', () => {
  it('is stable, ignores key order and the hash label, and changes with the template or the collision count', () => {
    const d = newDeployment('foo', 1);
    const t = d.spec!.template;
    const h = computeHash(t);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(computeHash({ spec: t.spec, metadata: { labels: { ...t.metadata!.labels, [POD_TEMPLATE_HASH_LABEL]: 'zzz' } } })).toBe(h);
    expect(computeHash({ ...t, spec: { containers: [{ name: 'c', image: 'foo/baz' }] } })).not.toBe(h);
    expect(computeHash(t, 1)).not.toBe(h);
    expect(computeHash(t, 1)).toBe(computeHash(t, 1));
  });

  it('findNewReplicaSet picks the oldest ReplicaSet whose template equals the Deployment\'s, ignoring the hash label', () => {
    const d = newDeployment('foo', 1);
    const same = (name: string, at: number) => {
      const r = rs(name, 1, at);
      r.spec!.template = structuredClone(d.spec!.template);
      r.spec!.template.metadata!.labels![POD_TEMPLATE_HASH_LABEL] = name;
      return r;
    };
    const other = rs('other', 1, T0 - 10_000);
    expect(findNewReplicaSet(d, [same('newer', T0 + 1000), other, same('older', T0)])?.metadata.name).toBe('older');
    expect(equalIgnoreHash(other.spec!.template, d.spec!.template)).toBe(false);
  });
});

describe('rollout predicates', () => {
  it('deploymentComplete needs every replica updated, enough available and the generation observed', () => {
    const d = newDeployment('foo', 5, { maxUnavailable: 1 });
    expect(deploymentComplete(d, { replicas: 5, updatedReplicas: 5, availableReplicas: 4, observedGeneration: 1 })).toBe(true);
    expect(deploymentComplete(d, { replicas: 6, updatedReplicas: 5, availableReplicas: 5, observedGeneration: 1 })).toBe(false);
    expect(deploymentComplete(d, { replicas: 5, updatedReplicas: 5, availableReplicas: 3, observedGeneration: 1 })).toBe(false);
    expect(deploymentComplete(d, { replicas: 5, updatedReplicas: 5, availableReplicas: 5, observedGeneration: 0 })).toBe(false);
  });

  it('deploymentProgressing sees more updated or available replicas, or fewer old ones', () => {
    const d = newDeployment('foo', 5);
    d.status = { replicas: 6, updatedReplicas: 2, availableReplicas: 4 };
    expect(deploymentProgressing(d, { replicas: 6, updatedReplicas: 3, availableReplicas: 4 })).toBe(true);
    expect(deploymentProgressing(d, { replicas: 5, updatedReplicas: 2, availableReplicas: 4 })).toBe(true);
    expect(deploymentProgressing(d, { replicas: 6, updatedReplicas: 2, availableReplicas: 5 })).toBe(true);
    expect(deploymentProgressing(d, { replicas: 6, updatedReplicas: 2, availableReplicas: 4 })).toBe(false);
  });

  it('deploymentTimedOut compares the Progressing condition\'s lastUpdateTime with progressDeadlineSeconds', () => {
    const d = newDeployment('foo', 1);
    d.spec!.progressDeadlineSeconds = 10;
    const status = { conditions: [{ type: 'Progressing' as const, status: 'True' as const, reason: 'ReplicaSetUpdated', lastUpdateTime: '2016-05-20T00:00:00Z' }] };
    expect(deploymentTimedOut(d, status, T0 + 10_000)).toBe(false);
    expect(deploymentTimedOut(d, status, T0 + 11_000)).toBe(true);
    expect(deploymentTimedOut(d, { conditions: [{ ...status.conditions[0]!, reason: 'ProgressDeadlineExceeded' }] }, T0)).toBe(true);
    expect(deploymentTimedOut(d, {}, T0 + 100_000)).toBe(false);
  });
});
