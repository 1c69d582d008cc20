/**
 * policy/v1 as kube-apiserver 1.32 serves it: PodDisruptionBudgets (discovery, validation of the spec and of a
 * status write in kube's words, the printer, protobuf) and the pods/eviction subresource against a real store
 * member and `capstan apiserver` — a pod without a budget is marked DisruptionTarget and deleted gracefully; a budget
 * whose status is behind refuses with 429 and Retry-After 10; a budget allowing one disruption spends it and records
 * the pod, then refuses the next eviction with kube's cause; a pod not ready goes without spending a budget that is
 * met; two budgets are a 500; pending pods, dry runs, name mismatches and policy/v1beta1 Evictions as kube.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod, PodDisruptionBudget, Status } from '../../src/api/index.js';
import { decodeProtobufObject, encodeProtobufObject } from '../../src/apiserver/protobuf/index.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import { POLICY_V1 } from '../../src/apiserver/resources/policy-v1.js';
import { tableConvertorFor } from '../../src/apiserver/tables/convertors.js';
import { useStore } from '../compat/helpers/store.js';
import { useApiServer } from './helpers/apiserver.js';
import { rest } from './helpers/rest.js';

const pdbs = POLICY_V1[0]!;

function budget(spec: PodDisruptionBudget['spec'], name = 'web'): PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, ...(spec === undefined ? {} : { spec }) };
}

function errorsOf(obj: PodDisruptionBudget): string[] {
  pdbs.defaults(obj);
  pdbs.prepareForCreate(obj, { now: 0 });
  return pdbs.validate(obj).map((e) => e.toString());
}

describe('policy/v1 poddisruptionbudgets: discovery, validation, printer, protobuf', () => {
  it('is discovered as kube-apiserver lists it, and pods/eviction as a policy/v1 Eviction subresource of pods', () => {
    const registry = builtinRegistry();
    expect(registry.apiGroup('policy')).toMatchObject({ name: 'policy', preferredVersion: { groupVersion: 'policy/v1', version: 'v1' } });
    const list = registry.apiResourceList('policy', 'v1')!;
    expect(list.resources.map((r) => [r.name, r.kind, r.namespaced, r.shortNames])).toEqual([
      ['poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb']],
      ['poddisruptionbudgets/status', 'PodDisruptionBudget', true, undefined],
    ]);
    const eviction = registry.apiResourceList('', 'v1')!.resources.find((r) => r.name === 'pods/eviction');
    expect(eviction).toEqual({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  });

  it('refuses both bounds, bad counts and percentages, bad selectors and policies, in kube\'s words', () => {
    expect(errorsOf(budget({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } }))).toEqual([]);
    expect(errorsOf(budget({ maxUnavailable: '25%', selector: {}, unhealthyPodEvictionPolicy: 'AlwaysAllow' }))).toEqual([]);
    expect(errorsOf(budget({ minAvailable: 1, maxUnavailable: 1 }))).toEqual([
      'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000010000), Selector:(*v1.LabelSelector)(nil), MaxUnavailable:(*intstr.IntOrString)(0xc000010000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set',
    ]);
    expect(errorsOf(budget({ minAvailable: -1 }))).toEqual(['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
    expect(errorsOf(budget({ maxUnavailable: '120%' }))).toEqual(['spec.maxUnavailable: Invalid value: "120%": must not be greater than 100%']);
    expect(errorsOf(budget({ minAvailable: 'half' }))).toEqual([
      "spec.minAvailable: Invalid value: \"half\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ]);
    expect(errorsOf(budget({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }))).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]);
    expect(errorsOf(budget({ unhealthyPodEvictionPolicy: 'Sometimes' as 'AlwaysAllow' }))).toEqual([
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"',
    ]);
  });

  it('validates a status write: counts not below zero, conditions as metav1 conditions', () => {
    const obj = budget({ minAvailable: 1 });
    obj.status = {
      disruptionsAllowed: -1,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
      conditions: [
        { type: 'DisruptionAllowed', status: 'Maybe' as 'True', lastTransitionTime: '', reason: 'bad reason', message: '' },
        { type: 'DisruptionAllowed', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SufficientPods', message: '' },
      ],
    };
    expect(pdbs.validateStatusUpdate!(obj, budget({ minAvailable: 1 })).map((e) => e.toString())).toEqual([
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'status.conditions[0].lastTransitionTime: Required value: must be set',
      "status.conditions[0].reason: Invalid value: \"bad reason\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
      'status.conditions[1].type: Duplicate value: "DisruptionAllowed"',
      'status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('prints NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE, an unset bound as N/A', () => {
    const printer = tableConvertorFor('policy', 'poddisruptionbudgets');
    expect(printer.columns.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Min Available', 'string'],
      ['Max Unavailable', 'string'],
      ['Allowed Disruptions', 'integer'],
      ['Age', 'string'],
    ]);
    const obj = budget({ maxUnavailable: '25%' });
    obj.metadata.creationTimestamp = '2026-01-10T11:00:00Z';
    obj.status = { disruptionsAllowed: 2, currentHealthy: 4, desiredHealthy: 2, expectedPods: 4 };
    expect(printer.row(obj, Date.UTC(2026, 0, 10, 12, 0, 0)).cells).toEqual(['web', 'N/A', '25%', 2, '60m']);
  });

  it('round-trips through protobuf with 1.32\'s field numbers, counts present when zero', () => {
    const obj = budget({ minAvailable: '50%', selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: 'IfHealthyBudget' });
    obj.metadata.creationTimestamp = '2026-01-10T10:00:00Z';
    obj.status = { observedGeneration: 1, disruptedPods: { 'web-1': '2026-01-10T11:00:00Z' }, disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    expect(decodeProtobufObject(encodeProtobufObject(obj as unknown as KubeObject))).toEqual(obj);
  });
});

describe('pods/eviction against a real store and API server', () => {
  const store = useStore({ name: 'eviction' });
  const api = useApiServer(store);
  const ns = '/api/v1/namespaces/default';
  const budgets = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';

  const runningPod = async (name: string, labels: Record<string, string>, ready = true): Promise<Pod> => {
    const created = await rest<Pod>(api().url, 'POST', `${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'pause' }], nodeName: 'node-1' } });
    expect(created.status).toBe(201);
    const pod = created.body;
    pod.status = { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: '2026-01-10T11:00:00Z' }] };
    const updated = await rest<Pod>(api().url, 'PUT', `${ns}/pods/${name}/status`, pod);
    expect(updated.status).toBe(200);
    return updated.body;
  };
  const evict = (name: string, extra: Record<string, unknown> = {}, query = ''): Promise<{ status: number; body: Status; headers: Headers }> =>
    rest<Status>(api().url, 'POST', `${ns}/pods/${name}/eviction${query}`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...extra });
  const getPod = (name: string) => rest<Pod>(api().url, 'GET', `${ns}/pods/${name}`);
  /** setStatus writes a budget's status as the disruption controller would. */
  const setStatus = async (name: string, status: PodDisruptionBudget['status']): Promise<PodDisruptionBudget> => {
    const current = (await rest<PodDisruptionBudget>(api().url, 'GET', `${budgets}/${name}`)).body;
    const res = await rest<PodDisruptionBudget>(api().url, 'PUT', `${budgets}/${name}/status`, { ...current, status });
    expect(res.status).toBe(200);
    return res.body;
  };

  it('refuses a PUT of a budget or its status without a resourceVersion, as kube (no unconditional update)', async () => {
    expect((await rest(api().url, 'POST', budgets, budget({ minAvailable: 1 }, 'strict'))).status).toBe(201);
    for (const path of [`${budgets}/strict`, `${budgets}/strict/status`]) {
      const res = await rest<Status>(api().url, 'PUT', path, budget({ minAvailable: 2 }, 'strict'));
      expect(res.status).toBe(422);
      expect(res.body.message).toBe('poddisruptionbudgets.policy "strict" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    }
    expect((await rest(api().url, 'DELETE', `${budgets}/strict`)).status).toBe(200);
  });

  it('marks and gracefully deletes a pod no budget selects, answering 201 Success', async () => {
    await runningPod('loner', { app: 'loner' });
    const res = await evict('loner');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    const pod = (await getPod('loner')).body;
    expect(pod.metadata.deletionTimestamp).toBeDefined();
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
  });

  it('refuses while the budget has not observed its generation (429, Retry-After 10), then spends its one disruption', async () => {
    for (const name of ['web-1', 'web-2', 'web-3']) await runningPod(name, { app: 'web' });
    expect((await rest(api().url, 'POST', budgets, budget({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } }))).status).toBe(201);
    const early = await evict('web-1');
    expect(early.status).toBe(429);
    expect(early.headers.get('retry-after')).toBe('10');
    expect(early.body).toMatchObject({
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }] },
    });
    await setStatus('web', { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
    const dry = await evict('web-1', {}, '?dryRun=All');
    expect(dry.status).toBe(201);
    expect((await getPod('web-1')).body.metadata.deletionTimestamp).toBeUndefined();
    const ok = await evict('web-1');
    expect(ok.status).toBe(201);
    const after = (await rest<PodDisruptionBudget>(api().url, 'GET', `${budgets}/web`)).body;
    expect(after.status).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 2 });
    expect(Object.keys(after.status?.disruptedPods ?? {})).toEqual(['web-1']);
    expect(after.status?.conditions).toMatchObject([{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }]);
    expect((await getPod('web-1')).body.metadata.deletionTimestamp).toBeDefined();
    const refused = await evict('web-2');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.body.details?.causes).toEqual([{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 3 currently' }]);
    expect((await getPod('web-2')).body.metadata.deletionTimestamp).toBeUndefined();
  });

  it('lets a pod that is not ready go without spending a budget that is met, and refuses one selected by two budgets', async () => {
    await runningPod('api-1', { app: 'api' }, false);
    await runningPod('api-2', { app: 'api' });
    expect((await rest(api().url, 'POST', budgets, budget({ maxUnavailable: 0, selector: { matchLabels: { app: 'api' } } }, 'api'))).status).toBe(201);
    await setStatus('api', { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 2 });
    expect((await evict('api-1')).status).toBe(201);
    expect((await rest<PodDisruptionBudget>(api().url, 'GET', `${budgets}/api`)).body.status?.disruptedPods).toBeUndefined();
    expect((await evict('api-2')).status).toBe(429);
    expect((await rest(api().url, 'POST', budgets, budget({ selector: {} }, 'everything'))).status).toBe(201);
    const two = await evict('api-2');
    expect(two.status).toBe(500);
    expect(two.body).toMatchObject({ status: 'Failure', code: 500, message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' });
    expect((await rest(api().url, 'DELETE', `${budgets}/everything`)).status).toBe(200);
  });

  it('deletes a pending pod without asking its budget; refuses a name mismatch and clashing dry runs; takes a policy/v1beta1 Eviction', async () => {
    const created = await rest<Pod>(api().url, 'POST', `${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-pending', labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'pause' }] } });
    expect(created.status).toBe(201);
    expect((await evict('api-pending', { apiVersion: 'policy/v1beta1' })).status).toBe(201);
    expect((await getPod('api-pending')).status).toBe(404);
    const mismatch = await rest<Status>(api().url, 'POST', `${ns}/pods/api-2/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toBe('name in URL does not match name in Eviction object');
    const clash = await evict('api-2', { deleteOptions: { dryRun: ['All', 'All'] } }, '?dryRun=All');
    expect(clash.status).toBe(500);
    expect(clash.body.reason).toBeUndefined();
    expect(clash.body.message).toBe('Non-matching dry-run options in request and content: [All] and [All All]');
    const elsewhere = await rest<Status>(api().url, 'POST', `${ns}/pods/api-2/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'api-2', namespace: 'other' } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
    expect((await evict('nobody')).status).toBe(404);
  });

  it('honours a UID precondition in the Eviction\'s deleteOptions (409 with kube\'s message)', async () => {
    const pod = await runningPod('pinned', { app: 'pinned' });
    const res = await evict('pinned', { deleteOptions: { preconditions: { uid: 'not-the-uid' } } });
    expect(res.status).toBe(409);
    expect(res.body.message).toBe(`Operation cannot be fulfilled on Pod "pinned": the UID in the precondition (not-the-uid) does not match the UID in record (${pod.metadata.uid!}). The object might have been deleted and then recreated`);
    expect((await evict('pinned', { deleteOptions: { preconditions: { uid: pod.metadata.uid } } })).status).toBe(201);
  });
});
