/**
 * core/v1 ResourceQuotas as kube-apiserver 1.32 serves them: validation in kube's words, the printer, protobuf, what
 * pods and Services use (resource-quota.ts), and the quota admission against a real store member and `capstan
 * apiserver` — a pod within the quota is admitted and charged to status.used, one beyond it is refused with kube's
 * `exceeded quota` message, a pod that does not state its cpu is refused (`must specify`), a quota not yet counted
 * refuses (`status unknown`), a dry run is judged and not charged, object counts (`count/configmaps`, `configmaps`)
 * and scopes (BestEffort) apply as kube's.
 */
import { describe, expect, it } from 'vitest';
import {
  missingContainerRequests,
  podQOSClass,
  podUsage,
  prettyPrint,
  quotaApplies,
  serviceUsage,
  type DeepReadonly,
  type KubeObject,
  type Pod,
  type ResourceQuota,
  type Status,
} from '../../src/api/index.js';
import { decodeProtobufObject, encodeProtobufObject } from '../../src/apiserver/protobuf/index.js';
import { RESOURCE_QUOTAS } from '../../src/apiserver/resources/resource-quota.js';
import { tableConvertorFor } from '../../src/apiserver/tables/convertors.js';
import { useStore } from '../compat/helpers/store.js';
import { useApiServer } from './helpers/apiserver.js';
import { rest } from './helpers/rest.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

function quota(name: string, spec: ResourceQuota['spec'], status?: ResourceQuota['status']): ResourceQuota {
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'default' }, spec, ...(status === undefined ? {} : { status }) };
}

function errorsOf(q: ResourceQuota): string[] {
  return RESOURCE_QUOTAS.validate(q).map((e) => e.toString());
}

function pod(name: string, containers: { name: string; requests?: Record<string, string>; limits?: Record<string, string> }[], extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: containers.map((c) => ({ name: c.name, image: 'pause', resources: { ...(c.requests === undefined ? {} : { requests: c.requests }), ...(c.limits === undefined ? {} : { limits: c.limits }) } })), ...extra },
  };
}

describe('ResourceQuota: validation, printer, protobuf', () => {
  it('checks resource names, quantities and scopes in kube\'s words', () => {
    expect(errorsOf(quota('ok', { hard: { pods: '10', 'requests.cpu': '4', 'count/deployments.apps': '3', 'limits.memory': '8Gi' } }))).toEqual([]);
    expect(errorsOf(quota('bad', { hard: { widgets: '1', pods: '-1', services: '1500m' } }))).toEqual([
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
      'spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.hard[services]: Invalid value: resource.Quantity{i:resource.int64Amount{value:1500, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"1500m", Format:"DecimalSI"}: must be an integer',
    ]);
    expect(errorsOf(quota('scoped', { hard: { pods: '1', 'requests.cpu': '1', services: '2' }, scopes: ['BestEffort'] }))).toEqual([
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
    ]);
    // PriorityClass scopes apply to pods and compute only, as the others.
    expect(errorsOf(quota('pc', { hard: { configmaps: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }))).toEqual([
      'spec.scopeSelector.matchExpressions: Invalid value: core.ScopeSelector: unsupported scope applied to resource',
    ]);
    expect(errorsOf(quota('conflict', { hard: { pods: '1' }, scopes: ['Terminating', 'NotTerminating', 'Sometimes'] }))).toEqual([
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating", "NotTerminating", "Sometimes"}: unsupported scope',
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating", "NotTerminating", "Sometimes"}: conflicting scopes',
    ]);
    expect(errorsOf(quota('sel', { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }, { scopeName: 'BestEffort', operator: 'In', values: ['x'] }] } }))).toEqual([
      "spec.scopeSelector.matchExpressions[0].values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
      "spec.scopeSelector.matchExpressions[1].operator: Invalid value: \"In\": must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
    ]);
    expect(RESOURCE_QUOTAS.validateUpdate(quota('q', { hard: { pods: '1' }, scopes: ['NotTerminating'] }), quota('q', { hard: { pods: '1' } })).map((e) => e.toString())).toEqual([
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"NotTerminating"}: field is immutable',
    ]);
  });

  it('prints NAME AGE REQUEST LIMIT, each enforced resource as used/hard', () => {
    const printer = tableConvertorFor('', 'resourcequotas');
    expect(printer.columns.map((c) => c.name)).toEqual(['Name', 'Age', 'Request', 'Limit']);
    const q = quota('compute', { hard: {} }, { hard: { pods: '10', 'requests.cpu': '4', 'limits.cpu': '8' }, used: { pods: '1', 'limits.cpu': '500m' } });
    q.metadata.creationTimestamp = '2026-01-10T11:00:00Z';
    expect(printer.row(q, NOW).cells).toEqual(['compute', '60m', 'pods: 1/10, requests.cpu: 0/4', 'limits.cpu: 500m/8']);
  });

  it('round-trips through protobuf', () => {
    const q = quota('p', { hard: { pods: '2' }, scopes: ['NotBestEffort'], scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }, { hard: { pods: '2' }, used: { pods: '0' } });
    q.metadata.creationTimestamp = '2026-01-10T10:00:00Z';
    expect(decodeProtobufObject(encodeProtobufObject(q as unknown as KubeObject))).toEqual(q);
  });
});

describe('what objects use (kube\'s evaluators)', () => {
  it('a pod: count/pods always; pods, requests and limits while active, init containers and overhead as kube', () => {
    const p = pod('p', [{ name: 'a', requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m' } }, { name: 'b', requests: { cpu: '150m' } }], {
      initContainers: [{ name: 'init', image: 'pause', resources: { requests: { cpu: '1' } } }],
      overhead: { cpu: '10m' },
    });
    expect(prettyPrint(podUsage(p, NOW))).toBe('count/pods=1,cpu=1010m,limits.cpu=210m,memory=64Mi,pods=1,requests.cpu=1010m,requests.memory=64Mi');
    const done = { ...p, status: { phase: 'Succeeded' } } as DeepReadonly<Pod>;
    expect(prettyPrint(podUsage(done, NOW))).toBe('count/pods=1');
    const pastGrace = { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-10T11:00:00Z', deletionGracePeriodSeconds: 30 } } as DeepReadonly<Pod>;
    expect(prettyPrint(podUsage(pastGrace, NOW))).toBe('count/pods=1');
  });

  it('a pod\'s QoS class counts positive cpu and memory only, as kube\'s GetPodQOS', () => {
    expect(podQOSClass(pod('s', [{ name: 'c', requests: { 'ephemeral-storage': '1Gi' } }]).spec)).toBe('BestEffort');
    expect(podQOSClass(pod('z', [{ name: 'c', requests: { cpu: '0' } }]).spec)).toBe('BestEffort');
    expect(podQOSClass(pod('g', [{ name: 'c', requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1000m', memory: '1Gi' } }]).spec)).toBe('Guaranteed');
    expect(podQOSClass(pod('b', [{ name: 'c', requests: { cpu: '1' }, limits: { cpu: '2', memory: '1Gi' } }]).spec)).toBe('Burstable');
  });

  it('a Service: itself, its node ports and its load balancer', () => {
    expect(prettyPrint(serviceUsage({ metadata: { name: 's' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] } }))).toBe('count/services=1,services=1,services.loadbalancers=1,services.nodeports=2');
    expect(prettyPrint(serviceUsage({ metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } }))).toBe('count/services=1,services=1');
  });

  it('applies by the enforced resources and every scope', () => {
    const pods = { group: '', resource: 'pods' };
    const bestEffort = pod('be', [{ name: 'c' }]);
    const burstable = pod('bu', [{ name: 'c', requests: { cpu: '1' } }]);
    const q = quota('be', { hard: { pods: '1' }, scopes: ['BestEffort'] }, { hard: { pods: '1' }, used: { pods: '0' } });
    expect([quotaApplies(q, pods, bestEffort), quotaApplies(q, pods, burstable)]).toEqual([true, false]);
    // Not counted yet (no status.hard): it applies to nothing.
    expect(quotaApplies(quota('new', { hard: { pods: '1' } }), pods, bestEffort)).toBe(false);
    // A scoped quota applies to pods only.
    expect(quotaApplies({ ...q, status: { hard: { 'count/configmaps': '1' }, used: {} } }, { group: '', resource: 'configmaps' }, {})).toBe(false);
    expect(missingContainerRequests(['requests.cpu', 'pods', 'limits.memory'], pod('x', [{ name: 'b', requests: { cpu: '1' } }, { name: 'a' }]))).toBe('must specify limits.memory for: a,b; requests.cpu for: a');
  });
});

describe('quota admission against a real store and API server', () => {
  const store = useStore({ name: 'quota' });
  const api = useApiServer(store);
  const ns = '/api/v1/namespaces/default';
  /** counted writes a quota's status as the resourcequota controller would. */
  const counted = async (name: string, used: Record<string, string>): Promise<ResourceQuota> => {
    const current = (await rest<ResourceQuota>(api().url, 'GET', `${ns}/resourcequotas/${name}`)).body;
    const res = await rest<ResourceQuota>(api().url, 'PUT', `${ns}/resourcequotas/${name}/status`, { ...current, status: { hard: current.spec?.hard, used } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const usedOf = async (name: string): Promise<Record<string, string> | undefined> => (await rest<ResourceQuota>(api().url, 'GET', `${ns}/resourcequotas/${name}`)).body.status?.used;

  it('admits and charges within the quota, refuses beyond it and pods that do not state cpu, in kube\'s words', async () => {
    const created = await rest<ResourceQuota>(api().url, 'POST', `${ns}/resourcequotas`, quota('compute', { hard: { pods: '2', 'requests.cpu': '1' } }, { hard: { pods: '9' }, used: { pods: '9' } }));
    expect([created.status, created.body.status]).toEqual([201, undefined]);
    // Not counted yet: the quota constrains nothing.
    expect((await rest(api().url, 'POST', `${ns}/pods`, pod('early', [{ name: 'c', requests: { cpu: '100m' } }]))).status).toBe(201);
    await counted('compute', { pods: '0', 'requests.cpu': '0' });

    expect((await rest(api().url, 'POST', `${ns}/pods`, pod('first', [{ name: 'c', requests: { cpu: '600m' } }]))).status).toBe(201);
    expect(await usedOf('compute')).toEqual({ pods: '1', 'requests.cpu': '600m' });
    const dry = await rest(api().url, 'POST', `${ns}/pods?dryRun=All`, pod('dry', [{ name: 'c', requests: { cpu: '100m' } }]));
    expect(dry.status).toBe(201);
    // A dry run is judged all the same.
    const dryOver = await rest<Status>(api().url, 'POST', `${ns}/pods?dryRun=All`, pod('dry-big', [{ name: 'c', requests: { cpu: '2' } }]));
    expect([dryOver.status, dryOver.body.message]).toEqual([403, 'pods "dry-big" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=600m, limited: requests.cpu=1']);
    expect(await usedOf('compute')).toEqual({ pods: '1', 'requests.cpu': '600m' });

    const over = await rest<Status>(api().url, 'POST', `${ns}/pods`, pod('second', [{ name: 'c', requests: { cpu: '500m' } }]));
    expect([over.status, over.body.reason, over.body.message]).toEqual([403, 'Forbidden', 'pods "second" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1']);
    const bare = await rest<Status>(api().url, 'POST', `${ns}/pods`, { ...pod('bare', [{ name: 'web' }, { name: 'side', requests: { cpu: '10m' } }]), metadata: { generateName: 'bare-', namespace: 'default' } });
    // Judged after the name is generated (kube's validating admission): the error names the pod.
    expect(bare.status).toBe(403);
    expect(bare.body.message).toMatch(/^pods "bare-[a-z0-9]{5}" is forbidden: failed quota: compute: must specify requests.cpu for: web$/);
    expect(await usedOf('compute')).toEqual({ pods: '1', 'requests.cpu': '600m' });
    expect((await rest(api().url, 'POST', `${ns}/pods`, pod('third', [{ name: 'c', requests: { cpu: '400m' } }]))).status).toBe(201);
    expect(await usedOf('compute')).toEqual({ pods: '2', 'requests.cpu': '1' });
    const full = await rest<Status>(api().url, 'POST', `${ns}/pods`, pod('fourth', [{ name: 'c', requests: { cpu: '0' } }]));
    expect(full.body.message).toBe('pods "fourth" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2');
  });

  it('refuses while a quota it applies to has not counted an enforced resource', async () => {
    const made = await rest(api().url, 'POST', `${ns}/resourcequotas`, quota('objects', { hard: { 'count/configmaps': '1', configmaps: '5' } }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    await counted('objects', { 'count/configmaps': '0' });
    const unknown = await rest<Status>(api().url, 'POST', `${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } });
    // kube names every resource the quota restricts for the kind, not only the one not counted.
    expect([unknown.status, unknown.body.message]).toEqual([403, 'configmaps "one" is forbidden: status unknown for quota: objects, resources: configmaps,count/configmaps']);
    await counted('objects', { 'count/configmaps': '0', configmaps: '0' });
    expect((await rest(api().url, 'POST', `${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } })).status).toBe(201);
    const two = await rest<Status>(api().url, 'POST', `${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two' } });
    expect(two.body.message).toBe('configmaps "two" is forbidden: exceeded quota: objects, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1');
  });

  it('charges a Service\'s update by what it adds, and leaves the counts of kinds it does not count alone', async () => {
    await rest(api().url, 'POST', `${ns}/resourcequotas`, quota('services', { hard: { 'services.loadbalancers': '1', 'count/leases.coordination.k8s.io': '0' } }));
    await counted('services', { 'services.loadbalancers': '0', 'count/leases.coordination.k8s.io': '0' });
    const svc = await rest<KubeObject>(api().url, 'POST', `${ns}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
    expect(svc.status).toBe(201);
    const lb = await rest(api().url, 'PATCH', `${ns}/services/web`, { spec: { type: 'LoadBalancer' } }, { 'content-type': 'application/merge-patch+json' });
    expect(lb.status).toBe(200);
    expect(await usedOf('services')).toEqual({ 'count/leases.coordination.k8s.io': '0', 'services.loadbalancers': '1' });
    const second = await rest<Status>(api().url, 'POST', `${ns}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    expect(second.body.message).toBe('services "api" is forbidden: exceeded quota: services, requested: services.loadbalancers=1, used: services.loadbalancers=1, limited: services.loadbalancers=1');
    // Leases are not a kind capstan's quota counts: a zero count/leases quota does not stop them.
    expect((await rest(api().url, 'POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: {} })).status).toBe(201);
  });
});
