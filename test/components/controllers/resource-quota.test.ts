/**
 * The resourcequota controller: its count of a namespace (pure: the objects a quota applies to, every tracked hard
 * resource at least 0, scoped quotas counting pods only) and, in-process against a real store and API server, a
 * quota's status filled in (hard from the spec, used from the namespace's pods, Services and ConfigMaps), then given
 * back what a deleted pod and a pod that finished held, and the hard limits followed when the spec changes.
 */
import { describe, expect, it } from 'vitest';
import { deepFreeze, prettyPrint, QUOTA_COUNTED_KINDS, type DeepReadonly, type KubeObject, type Pod, type ResourceQuota } from '../../../src/api/index.js';
import { CONFIGMAPS, PODS, type ResourceDescriptor } from '../../../src/components/client/resource.js';
import { COUNTED, countNamespace, resourceQuotaController } from '../../../src/components/controllers/resourcequota/resource-quota-controller.js';
import { useApiServer } from '../../apiserver/helpers/apiserver.js';
import { rest } from '../../apiserver/helpers/rest.js';
import { useStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';
import { useInProcessController } from './helpers/in-process.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

function pod(name: string, cpu: string | undefined, phase = 'Running'): DeepReadonly<Pod> {
  return deepFreeze<Pod>({
    metadata: { name, namespace: 'team' },
    spec: { containers: [{ name: 'c', image: 'pause', ...(cpu === undefined ? {} : { resources: { requests: { cpu } } }) }] },
    status: { phase: phase as 'Running' },
  });
}

describe('countNamespace', () => {
  const objects = (pods: DeepReadonly<Pod>[], configmaps = 0) => (r: ResourceDescriptor): readonly DeepReadonly<KubeObject>[] => {
    if (r === PODS) return pods;
    if (r === CONFIGMAPS) return Array.from({ length: configmaps }, (_, i) => ({ metadata: { name: `cm-${i}`, namespace: 'team' } }));
    return [];
  };
  it('sums the tracked hard resources per kind, each at least 0; finished pods hold no compute', () => {
    const q: ResourceQuota = { metadata: { name: 'q', namespace: 'team' }, spec: { hard: { pods: '5', 'requests.cpu': '2', 'count/configmaps': '3', services: '1', 'example.com/widgets': '1' } } };
    const counted = countNamespace(q, objects([pod('a', '500m'), pod('b', '250m'), pod('done', '1', 'Succeeded')], 2), NOW);
    expect(Object.fromEntries([...counted].map(([k, u]) => [k, prettyPrint(u)]))).toEqual({
      '/pods': 'pods=2,requests.cpu=750m',
      '/services': 'services=0',
      '/configmaps': 'count/configmaps=2',
    });
    // example.com/widgets is counted by no kind: nothing here says what it uses (the status keeps what it had).
    expect([...counted.values()].some((u) => u.has('example.com/widgets'))).toBe(false);
  });
  it('watches every kind the admission charges object counts for (else a quota on it would never be counted)', () => {
    expect(COUNTED.map((r) => `${r.group}/${r.resource}`).sort()).toEqual(QUOTA_COUNTED_KINDS.map((r) => `${r.group}/${r.resource}`).sort());
  });
  it('a scoped quota counts only the pods in its scope', () => {
    const q: ResourceQuota = { metadata: { name: 'be', namespace: 'team' }, spec: { hard: { pods: '5' }, scopes: ['BestEffort'] } };
    expect(prettyPrint(countNamespace(q, objects([pod('a', '500m'), pod('b', undefined), pod('c', undefined)]), NOW).get('/pods')!)).toBe('pods=2');
  });
});

describe('the resourcequota controller against a real store and API server', () => {
  const store = useStore({ name: 'resourcequota' });
  const api = useApiServer(store);
  useInProcessController(api, resourceQuotaController({ workers: 2 }), 'resourcequota-test');
  const ns = '/api/v1/namespaces/team';
  const statusOf = async (): Promise<ResourceQuota['status']> => (await rest<ResourceQuota>(api().url, 'GET', `${ns}/resourcequotas/compute`)).body.status;
  const usedOf = async (): Promise<Record<string, string> | undefined> => (await statusOf())?.used;
  const waitUsed = (want: Record<string, string>, what: string) =>
    waitFor(async () => (JSON.stringify(await usedOf()) === JSON.stringify(want) ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, what });

  it('fills in a quota\'s status, gives back what deleted and finished pods held, and follows new hard limits', async () => {
    expect((await rest(api().url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } })).status).toBe(201);
    for (const [name, cpu] of [['a', '500m'], ['b', '250m']] as const) {
      expect((await rest(api().url, 'POST', `${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu } } }] } })).status).toBe(201);
    }
    expect((await rest(api().url, 'POST', `${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } })).status).toBe(201);
    const hard = { pods: '5', 'requests.cpu': '2', 'count/configmaps': '3' };
    expect((await rest(api().url, 'POST', `${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'compute' }, spec: { hard } })).status).toBe(201);
    await waitUsed({ 'count/configmaps': '1', pods: '2', 'requests.cpu': '750m' }, 'the quota counted');
    expect((await statusOf())?.hard).toEqual(hard);

    // A deleted pod gives back what it held.
    expect((await rest(api().url, 'DELETE', `${ns}/pods/a`)).status).toBe(200);
    await waitUsed({ 'count/configmaps': '1', pods: '1', 'requests.cpu': '250m' }, 'pod a given back');

    // A pod that finishes gives back its compute.
    const b = (await rest<Pod>(api().url, 'GET', `${ns}/pods/b`)).body;
    expect((await rest(api().url, 'PUT', `${ns}/pods/b/status`, { ...b, status: { ...b.status, phase: 'Succeeded' } })).status).toBe(200);
    await waitUsed({ 'count/configmaps': '1', pods: '0', 'requests.cpu': '0' }, 'pod b finished');

    // New hard limits are counted at once.
    const current = (await rest<ResourceQuota>(api().url, 'GET', `${ns}/resourcequotas/compute`)).body;
    expect((await rest(api().url, 'PUT', `${ns}/resourcequotas/compute`, { ...current, spec: { hard: { ...hard, 'count/pods': '10' } } })).status).toBe(200);
    await waitUsed({ 'count/configmaps': '1', 'count/pods': '1', pods: '0', 'requests.cpu': '0' }, 'count/pods counted');
  }, 60_000);
});
