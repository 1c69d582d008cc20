/** The controller-manager's flags: --controllers as kube-controller-manager reads it, durations and counts. */
import { describe, expect, it } from 'vitest';
import { enabledControllers, missingServiceAccounts, resolveControllerManagerFlags } from '../../../src/components/controllers/index.js';
import { contentResources, finalizedSpec, isDone, namespaceConditions } from '../../../src/components/controllers/index.js';

describe('--controllers', () => {
  const known = ['a', 'b', 'c'];
  const cases: [string[], string[]][] = [
    [[], ['a', 'b', 'c']],
    [['*'], ['a', 'b', 'c']],
    [['*', '-b'], ['a', 'c']],
    [['-b', '*'], ['a', 'c']],
    [['b'], ['b']],
    [['b', '-b'], []],
    [['a', 'c'], ['a', 'c']],
  ];
  for (const [items, want] of cases) it(`${items.join(',') || '(none)'} → ${want.join(',')}`, () => expect(enabledControllers(items, known)).toEqual(want));
  it('refuses an unknown name', () => expect(() => enabledControllers(['nope'], known)).toThrow(/"nope" is not in the list of known controllers/));
  it('off-by-default controllers need naming', () => expect(enabledControllers(['*'], known, ['c'])).toEqual(['a', 'b']));
});

describe('resolveControllerManagerFlags', () => {
  it('has kube-controller-manager defaults', () => {
    expect(resolveControllerManagerFlags({})).toMatchObject({ nodeMonitorPeriodMs: 5000, nodeMonitorGracePeriodMs: 40_000, nodeStartupGracePeriodMs: 60_000, podEvictionTimeoutMs: 300_000, concurrentGcSyncs: 20, concurrentJobSyncs: 5, concurrentCronJobSyncs: 5, terminatedPodGcThreshold: 12_500 });
    expect(resolveControllerManagerFlags({}).controllers).toEqual(expect.arrayContaining(['job', 'cronjob', 'ttl-after-finished', 'podgc']));
    expect(resolveControllerManagerFlags({ terminatedPodGcThreshold: '0' }).terminatedPodGcThreshold).toBe(0);
  });
  it('refuses bad values', () => {
    expect(() => resolveControllerManagerFlags({ nodeMonitorGracePeriod: 'soon' })).toThrow(/node-monitor-grace-period/);
    expect(() => resolveControllerManagerFlags({ nodeMonitorGracePeriod: '1s', nodeMonitorPeriod: '2s' })).toThrow(/longer than/);
    expect(() => resolveControllerManagerFlags({ concurrentEndpointSyncs: '0' })).toThrow(/concurrent-endpoint-syncs/);
    expect(() => resolveControllerManagerFlags({ controllers: '*,-bogus' })).toThrow(/bogus/);
    expect(() => resolveControllerManagerFlags({ terminatedPodGcThreshold: '-1' })).toThrow(/terminated-pod-gc-threshold/);
  });
});

describe('namespace deletion decisions', () => {
  it('content is the namespaced resources that can be listed and deleted', () => {
    const r = (resource: string, namespaced: boolean, verbs: string[]) => ({ group: '', version: 'v1', resource, kind: resource, namespaced, verbs });
    expect(contentResources([r('pods', true, ['list', 'delete', 'deletecollection']), r('nodes', false, ['list', 'delete']), r('bindings', true, ['create'])]).map((x) => x.resource)).toEqual(['pods']);
  });
  it('conditions report what remains; done only when nothing does', () => {
    const ns = { metadata: { name: 'x', deletionTimestamp: '2024-01-01T00:00:00Z' }, spec: { finalizers: ['kubernetes', 'other'] } };
    const progress = { discoveryFailures: [], deleteFailures: [], remaining: { pods: 2 }, finalizers: { foregroundDeletion: 1 } };
    const c = namespaceConditions(ns, progress, 0);
    expect(c.find((x) => x.type === 'NamespaceContentRemaining')).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods has 2 resource instances' });
    expect(c.find((x) => x.type === 'NamespaceFinalizersRemaining')).toMatchObject({ status: 'True', message: 'Some content in the namespace has finalizers remaining: foregroundDeletion in 1 resource instances' });
    expect(isDone(progress)).toBe(false);
    expect(isDone({ ...progress, remaining: { pods: 0 } })).toBe(true);
    expect(finalizedSpec(ns)).toEqual(['other']);
  });
});

describe('service accounts', () => {
  it('an active namespace lacking default gets it; a terminating one does not', () => {
    expect(missingServiceAccounts({ metadata: { name: 'a' }, status: { phase: 'Active' } }, () => false, ['default'])).toEqual(['default']);
    expect(missingServiceAccounts({ metadata: { name: 'a' }, status: { phase: 'Active' } }, () => true, ['default'])).toEqual([]);
    expect(missingServiceAccounts({ metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z' }, status: { phase: 'Terminating' } }, () => false, ['default'])).toEqual([]);
  });
});
