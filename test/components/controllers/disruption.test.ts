/**
 * The disruption controller: the pure computation (expected pods and desired healthy for minAvailable as a count or
 * a percentage and maxUnavailable, over the pods' controllers' summed scale; unmanaged pods; awaited, overdue and
 * expired evictions; healthy pods; when the status needs no write; the fail-safe status), and the controller
 * in-process against a real store and `capstan apiserver`: a budget over a ReplicaSet's ready pods gets its status,
 * an eviction through the API spends it and the controller settles it once the pod is going, and a budget whose
 * pods' owner has no scale fails safe with SyncFailed.
 */
import { describe, expect, it } from 'vitest';
import { deepFreeze, type DeepReadonly, type Pod, type PodDisruptionBudget, type ReplicaSet } from '../../../src/api/index.js';
import { STALE_DISRUPTION_MS, disruptionController, staleIn } from '../../../src/components/controllers/disruption/disruption-controller.js';
import { DELETION_TIMEOUT_MS, NoControllersError, countHealthy, disruptedPodMap, expectedCounts, failSafeStatus, nextStatus, type ScaleFinder } from '../../../src/components/controllers/disruption/disruption-status.js';
import { PDBS, PODS, REPLICA_SETS } from '../../../src/components/client/resource.js';
import { useApiServer } from '../../apiserver/helpers/apiserver.js';
import { rest } from '../../apiserver/helpers/rest.js';
import { useStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';
import { useInProcessController } from './helpers/in-process.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function pod(name: string, opts: { ready?: boolean; owner?: string; deleting?: boolean } = {}): DeepReadonly<Pod> {
  return deepFreeze<Pod>({
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'web' },
      ...(opts.owner === undefined ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.owner, uid: `uid-${opts.owner}`, controller: true }] }),
      ...(opts.deleting === true ? { deletionTimestamp: iso(T0) } : {}),
    },
    spec: { containers: [] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastProbeTime: null, lastTransitionTime: iso(T0) }] },
  });
}

function pdb(spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status'], generation = 1): DeepReadonly<PodDisruptionBudget> {
  return deepFreeze<PodDisruptionBudget>({ metadata: { name: 'web', namespace: 'default', generation }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, ...(status === undefined ? {} : { status }) });
}

const scales: ScaleFinder = (ref) => (ref.name === 'rs-a' ? { uid: 'uid-rs-a', scale: 4 } : ref.name === 'rs-b' ? { uid: 'uid-rs-b', scale: 2 } : undefined);

describe('expectedCounts', () => {
  const pods = [pod('a1', { owner: 'rs-a' }), pod('a2', { owner: 'rs-a' }), pod('b1', { owner: 'rs-b' })];

  it('takes an integer minAvailable as is, over the selected pods', () => {
    expect(expectedCounts(pdb({ minAvailable: 2 }), pods, scales)).toEqual({ expectedCount: 3, desiredHealthy: 2, unmanaged: [] });
  });

  it('reads a percentage minAvailable, rounded up, and maxUnavailable against the summed scale of the controllers', () => {
    expect(expectedCounts(pdb({ minAvailable: '50%' }), pods, scales)).toEqual({ expectedCount: 6, desiredHealthy: 3, unmanaged: [] });
    expect(expectedCounts(pdb({ maxUnavailable: '10%' }), pods, scales)).toEqual({ expectedCount: 6, desiredHealthy: 5, unmanaged: [] });
    expect(expectedCounts(pdb({ maxUnavailable: 9 }), pods, scales)).toEqual({ expectedCount: 6, desiredHealthy: 0, unmanaged: [] });
    expect(expectedCounts(pdb({}), pods, scales)).toEqual({ expectedCount: 0, desiredHealthy: 0, unmanaged: [] });
  });

  it('leaves pods without a controller out, and refuses a controller nothing finds', () => {
    expect(expectedCounts(pdb({ maxUnavailable: 1 }), [...pods, pod('loner')], scales).unmanaged).toEqual(['loner']);
    expect(() => expectedCounts(pdb({ maxUnavailable: 1 }), [pod('x1', { owner: 'gone' })], scales)).toThrow(new NoControllersError('found no controllers for pod "x1"'));
  });
});

describe('disrupted pods, healthy pods and the status', () => {
  it('keeps evictions still awaited, drops overdue ones and those of pods going or gone, and says when to look again', () => {
    const budget = pdb({ minAvailable: 1 }, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptedPods: { a1: iso(T0 - 30_000), a2: iso(T0 - DELETION_TIMEOUT_MS - 1000), a3: iso(T0), gone: iso(T0) } });
    const pods = [pod('a1'), pod('a2'), pod('a3', { deleting: true })];
    const got = disruptedPodMap(budget, pods, T0);
    expect(got.awaited).toEqual({ a1: iso(T0 - 30_000) });
    expect(got.recheckAt).toBe(T0 - 30_000 + DELETION_TIMEOUT_MS);
    expect(got.overdue.map((p) => p.metadata.name)).toEqual(['a2']);
    expect(countHealthy([...pods, pod('a4'), pod('a5', { ready: false })], got.awaited, T0)).toBe(2);
  });

  it('reads only recorded pods: a pod named like an Object member is not taken for one', () => {
    const budget = pdb({ minAvailable: 1 }, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptedPods: {} });
    const pods = [pod('constructor'), pod('toString')];
    expect(disruptedPodMap(budget, pods, T0)).toEqual({ awaited: {}, recheckAt: undefined, overdue: [] });
    expect(countHealthy(pods, {}, T0)).toBe(2);
  });

  it('writes a status only when it says something new; no disruption while nothing is expected; fails safe with the reason', () => {
    const budget = pdb({ minAvailable: 2 });
    const status = nextStatus(budget, 3, { expectedCount: 3, desiredHealthy: 2, unmanaged: [] }, {}, T0)!;
    expect(status).toEqual({
      observedGeneration: 1,
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: iso(T0) }],
    });
    const written = pdb({ minAvailable: 2 }, status);
    expect(nextStatus(written, 3, { expectedCount: 3, desiredHealthy: 2, unmanaged: [] }, {}, T0 + 1000)).toBeUndefined();
    expect(nextStatus(pdb({ minAvailable: 2 }, status, 2), 3, { expectedCount: 3, desiredHealthy: 2, unmanaged: [] }, {}, T0)?.observedGeneration).toBe(2);
    const none = nextStatus(written, 2, { expectedCount: 0, desiredHealthy: 0, unmanaged: [] }, {}, T0 + 5000)!;
    expect(none.disruptionsAllowed).toBe(0);
    expect(none.conditions).toEqual([{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: iso(T0 + 5000) }]);
    const safe = failSafeStatus(written, 'found no controllers for pod "x"', T0 + 9000);
    expect(safe).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 3, conditions: [{ status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "x"', lastTransitionTime: iso(T0 + 9000) }] });
  });
});

describe('stale DisruptionTarget conditions', () => {
  const marked = (extra: Partial<Pod['metadata']> = {}, reason = 'EvictionByEvictionAPI', phase: NonNullable<Pod['status']>['phase'] = 'Running'): DeepReadonly<Pod> =>
    deepFreeze<Pod>({
      metadata: { name: 'p', namespace: 'default', ...extra },
      spec: { containers: [] },
      status: { phase, conditions: [{ type: 'DisruptionTarget', status: 'True', reason, message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: iso(T0) }] },
    });

  it('counts down two minutes from the condition for a live pod; none for a terminating, terminal or kubelet-marked one', () => {
    expect(staleIn(marked(), T0 + 30_000)).toBe(STALE_DISRUPTION_MS - 30_000);
    expect(staleIn(marked(), T0 + STALE_DISRUPTION_MS + 5_000)).toBe(0);
    expect(staleIn(marked({ deletionTimestamp: iso(T0) }), T0)).toBeUndefined();
    expect(staleIn(marked({}, 'TerminationByKubelet'), T0)).toBeUndefined();
    expect(staleIn(marked({}, 'EvictionByEvictionAPI', 'Failed'), T0)).toBeUndefined();
    expect(staleIn(pod('unmarked'), T0)).toBeUndefined();
  });
});

describe('the disruption controller against a real store and API server', () => {
  const store = useStore({ name: 'disruption' });
  const api = useApiServer(store);
  const client = useInProcessController(api, disruptionController(), 'disruption-test');

  const readyPod = async (name: string, app: string, owner?: DeepReadonly<{ metadata: { name?: string; uid?: string } }>, kind = 'ReplicaSet'): Promise<void> => {
    const body: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels: { app },
        ...(owner === undefined ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true }] }),
      },
      spec: { containers: [{ name: 'c', image: 'pause' }], nodeName: 'node-1' },
    };
    const created = await client().create<Pod>(PODS, 'default', body);
    await client().updateStatus<Pod>(PODS, { ...(created as Pod), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: iso(Date.now()) }] } });
  };
  const statusOf = async (name: string): Promise<DeepReadonly<PodDisruptionBudget['status']>> => (await client().get<PodDisruptionBudget>(PDBS, 'default', name)).status;

  it('computes a budget over a ReplicaSet\'s ready pods, and settles an eviction once the pod is going', async () => {
    const rs = await client().create<ReplicaSet>(REPLICA_SETS, 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'pause' }] } } },
    });
    for (const name of ['web-1', 'web-2', 'web-3']) await readyPod(name, 'web', rs);
    await client().create<PodDisruptionBudget>(PDBS, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } } });
    // The controller may first count the pods before the last one's readiness reaches its informer.
    await waitFor(async () => ((await statusOf('web'))?.currentHealthy === 3 ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'the budget observed with 3 healthy pods' });
    expect(await statusOf('web')).toMatchObject({ expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1, conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' }] });
    const evicted = await rest(api().url, 'POST', '/api/v1/namespaces/default/pods/web-1/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1' } });
    expect(evicted.status).toBe(201);
    // web-1 is being deleted (no kubelet finishes it): the controller counts it out and forgets the eviction.
    await waitFor(async () => {
      const s = await statusOf('web');
      return s?.currentHealthy === 2 && s.disruptedPods === undefined ? s : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50, what: 'the eviction settled' });
    expect(await statusOf('web')).toMatchObject({ disruptionsAllowed: 0, conditions: [{ status: 'False', reason: 'InsufficientPods' }] });
  });

  it('fails safe when the pods\' owner has no scale subresource (SyncFailed, nothing allowed)', async () => {
    await readyPod('agent-1', 'agent', { metadata: { name: 'agent', uid: 'uid-agent' } }, 'DaemonSet');
    await client().create<PodDisruptionBudget>(PDBS, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'agent' }, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'agent' } } } });
    const status = await waitFor(async () => {
      const s = await statusOf('agent');
      return s?.conditions?.[0]?.reason === 'SyncFailed' ? s : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50, what: 'the budget failed safe' });
    expect(status).toMatchObject({ disruptionsAllowed: 0, conditions: [{ type: 'DisruptionAllowed', status: 'False', message: 'daemonsets.apps does not implement the scale subresource' }] });
  });
});
