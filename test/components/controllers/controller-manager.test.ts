/**
 * `capstan controller-manager` against a real store and API server, every controller at work on short timings
 * (node monitor period 200 ms, grace period 2 s; the API server gives pods 2 s default NoExecute tolerations):
 * the default ServiceAccount appears in every namespace; Endpoints and EndpointSlices follow a Service's pods; a deleted
 * namespace is emptied and removed; the garbage collector deletes in the background, in the foreground and
 * orphans; a node whose Lease stops being renewed goes Unknown, is tainted, its pods are marked not ready and
 * evicted by their tolerations (each with kube's Event), and is untainted once it reports Ready again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, EndpointSlice, Endpoints, Event, KubeList, Lease, Namespace, Node, Pod, Service, ServiceAccount } from '../../../src/api/index.js';
import { formatMicroTime, formatTime } from '../../../src/api/index.js';
import { useApiServer } from '../../apiserver/helpers/apiserver.js';
import { rest } from '../../apiserver/helpers/rest.js';
import { useStore } from '../../compat/helpers/store.js';
import { waitFor } from '../../compat/helpers/wait.js';
import { startControllerManager, type ControllerManagerProcess } from './helpers/controller-manager.js';

const store = useStore({ name: 'controller-manager' });
const api = useApiServer(store, ['--default-not-ready-toleration-seconds=2', '--default-unreachable-toleration-seconds=2']);
let cm: ControllerManagerProcess;

beforeAll(async () => {
  cm = await startControllerManager(api().url, 'cm-solo', [
    '--leader-elect-lease-duration=2s',
    '--leader-elect-renew-deadline=1500ms',
    '--leader-elect-retry-period=300ms',
    '--node-monitor-period=200ms',
    '--node-monitor-grace-period=2s',
    '--node-startup-grace-period=3s',
  ]);
  await waitFor(async () => ((await cm.leaderz())?.leading === true ? true : undefined), { timeoutMs: 15_000, what: 'the controller-manager to lead' });
}, 60_000);

afterAll(async () => {
  await cm?.dispose();
});

const url = (): string => api().url;
const MERGE = { 'content-type': 'application/merge-patch+json' };

async function createNamespace(name: string): Promise<void> {
  expect((await rest(url(), 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })).status).toBe(201);
}

async function createPod(ns: string, name: string, labels: Record<string, string>, extra: Partial<NonNullable<Pod['spec']>> = {}): Promise<Pod> {
  const r = await rest<Pod>(url(), 'POST', `/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ name: 'web', containerPort: 8080 }] }], ...extra } });
  expect(r.status).toBe(201);
  return r.body;
}

async function setPodStatus(ns: string, name: string, ip: string, ready: boolean): Promise<void> {
  const cur = (await rest<Pod>(url(), 'GET', `/api/v1/namespaces/${ns}/pods/${name}`)).body;
  cur.status = { ...cur.status, phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  const r = await rest(url(), 'PUT', `/api/v1/namespaces/${ns}/pods/${name}/status`, cur);
  expect(r.status).toBe(200);
}

async function get<T>(path: string): Promise<T | undefined> {
  const r = await rest<T>(url(), 'GET', path);
  return r.status === 200 ? r.body : undefined;
}

describe('serviceaccount', () => {
  it('a new namespace gets a default ServiceAccount, re-created when deleted', async () => {
    await createNamespace('sa-test');
    const sa = await waitFor(() => get<ServiceAccount>('/api/v1/namespaces/sa-test/serviceaccounts/default'), { timeoutMs: 10_000, what: 'the default ServiceAccount' });
    expect((await rest(url(), 'DELETE', '/api/v1/namespaces/sa-test/serviceaccounts/default')).status).toBe(200);
    const again = await waitFor(async () => {
      const s = await get<ServiceAccount>('/api/v1/namespaces/sa-test/serviceaccounts/default');
      return s !== undefined && s.metadata.uid !== sa.metadata.uid ? s : undefined;
    }, { timeoutMs: 10_000, what: 'the default ServiceAccount re-created' });
    expect(again.metadata.name).toBe('default');
  });
});

describe('endpoint', () => {
  it('Endpoints follow the ready pods of a Service and go with it', async () => {
    await createNamespace('ep-test');
    const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] } };
    expect((await rest(url(), 'POST', '/api/v1/namespaces/ep-test/services', svc)).status).toBe(201);
    await createPod('ep-test', 'a', { app: 'web' });
    await createPod('ep-test', 'b', { app: 'web' });
    await createPod('ep-test', 'other', { app: 'db' });
    await setPodStatus('ep-test', 'a', '10.1.0.1', true);
    await setPodStatus('ep-test', 'b', '10.1.0.2', false);
    await setPodStatus('ep-test', 'other', '10.1.0.3', true);
    const ep = await waitFor(async () => {
      const e = await get<Endpoints>('/api/v1/namespaces/ep-test/endpoints/web');
      return e?.subsets?.[0]?.addresses?.length === 1 && e.subsets[0].notReadyAddresses?.length === 1 ? e : undefined;
    }, { timeoutMs: 10_000, what: 'Endpoints with a ready and a not-ready address' });
    expect(ep.subsets).toEqual([
      {
        addresses: [expect.objectContaining({ ip: '10.1.0.1', targetRef: expect.objectContaining({ kind: 'Pod', name: 'a' }) })],
        notReadyAddresses: [expect.objectContaining({ ip: '10.1.0.2' })],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
    await setPodStatus('ep-test', 'b', '10.1.0.2', true);
    await waitFor(async () => ((await get<Endpoints>('/api/v1/namespaces/ep-test/endpoints/web'))?.subsets?.[0]?.addresses?.length === 2 ? true : undefined), { timeoutMs: 10_000, what: 'both addresses ready' });
    const rv = (await get<Endpoints>('/api/v1/namespaces/ep-test/endpoints/web'))!.metadata.resourceVersion;
    // An unrelated change to a selected pod writes nothing.
    await rest(url(), 'PATCH', '/api/v1/namespaces/ep-test/pods/a', { metadata: { annotations: { touched: 'yes' } } }, MERGE);
    await rest(url(), 'DELETE', '/api/v1/namespaces/ep-test/pods/other');
    await waitFor(async () => ((await cm.journal()).some((j) => j.object === 'ep-test/web' && j.action === 'update-endpoints') ? true : undefined), { what: 'the update in the journal' });
    expect((await get<Endpoints>('/api/v1/namespaces/ep-test/endpoints/web'))!.metadata.resourceVersion).toBe(rv);
    expect((await rest(url(), 'DELETE', '/api/v1/namespaces/ep-test/services/web')).status).toBe(200);
    await waitFor(async () => ((await rest(url(), 'GET', '/api/v1/namespaces/ep-test/endpoints/web')).status === 404 ? true : undefined), { timeoutMs: 10_000, what: 'the Endpoints deleted with the Service' });
  });
});

describe('endpointslice', () => {
  const slicesOf = async (ns: string, svc: string): Promise<EndpointSlice[]> =>
    (await get<KubeList<EndpointSlice>>(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D${svc}`))?.items ?? [];

  it('EndpointSlices follow the pods of a Service (conditions, owner, one slice rewritten per change) and go with it', async () => {
    await createNamespace('eps-test');
    const created = await rest<Service>(url(), 'POST', '/api/v1/namespaces/eps-test/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] } });
    // Nothing selected yet: one empty placeholder slice.
    const placeholder = await waitFor(async () => ((await slicesOf('eps-test', 'web')).length === 1 ? (await slicesOf('eps-test', 'web'))[0] : undefined), { timeoutMs: 10_000, what: 'the placeholder slice' });
    expect([placeholder.endpoints, placeholder.ports, placeholder.metadata.name?.startsWith('web-')]).toEqual([[], [], true]);
    expect(placeholder.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: created.body.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    await createPod('eps-test', 'a', { app: 'web' });
    await createPod('eps-test', 'b', { app: 'web' });
    await setPodStatus('eps-test', 'a', '10.2.0.1', true);
    await setPodStatus('eps-test', 'b', '10.2.0.2', false);
    const slice = await waitFor(async () => {
      const all = await slicesOf('eps-test', 'web');
      return all.length === 1 && all[0]!.endpoints?.length === 2 ? all[0] : undefined;
    }, { timeoutMs: 10_000, what: 'one slice with both pods' });
    // The placeholder was reused for the pods' port set: still one slice, now with the resolved port.
    expect(slice.metadata.name).toBe(placeholder.metadata.name);
    expect(slice.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
    expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice.endpoints?.map((e) => [e.addresses[0], e.conditions, e.targetRef?.name])).toEqual([
      ['10.2.0.1', { ready: true, serving: true, terminating: false }, 'a'],
      ['10.2.0.2', { ready: false, serving: false, terminating: false }, 'b'],
    ]);
    // kubectl reads them: `get endpointslices` columns.
    const table = await rest<{ rows: { cells: unknown[] }[] }>(url(), 'GET', '/apis/discovery.k8s.io/v1/namespaces/eps-test/endpointslices', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.rows.map((r) => r.cells.slice(0, 4))).toEqual([[slice.metadata.name, 'IPv4', '8080', '10.2.0.1,10.2.0.2']]);
    expect((await rest(url(), 'DELETE', '/api/v1/namespaces/eps-test/services/web')).status).toBe(200);
    await waitFor(async () => ((await slicesOf('eps-test', 'web')).length === 0 ? true : undefined), { timeoutMs: 10_000, what: 'the slices deleted with the Service' });
    // Each write was one create, updates and one delete: never a second slice for one port set.
    const actions = (await cm.journal()).filter((j) => j.action.endsWith('-endpointslice') && j.object.startsWith('eps-test/')).map((j) => j.action);
    expect(actions.filter((a) => a === 'create-endpointslice')).toHaveLength(1);
  });
});

describe('namespace', () => {
  it('a deleted namespace is emptied, then removed', async () => {
    await createNamespace('doomed');
    for (let i = 0; i < 3; i++) await rest(url(), 'POST', '/api/v1/namespaces/doomed/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i)}` } });
    await createPod('doomed', 'p', { app: 'x' });
    await rest(url(), 'POST', '/apis/apps/v1/namespaces/doomed/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    expect((await rest(url(), 'DELETE', '/api/v1/namespaces/doomed')).status).toBe(200);
    await waitFor(async () => ((await rest(url(), 'GET', '/api/v1/namespaces/doomed')).status === 404 ? true : undefined), { timeoutMs: 20_000, what: 'the namespace to go' });
    const cms = await rest<KubeList<ConfigMap>>(url(), 'GET', '/api/v1/namespaces/doomed/configmaps');
    expect(cms.body.items ?? []).toEqual([]);
    const j = await cm.journal();
    expect(j.some((e) => e.action === 'delete-collection' && e.object === 'doomed/configmaps')).toBe(true);
    expect(j.some((e) => e.action === 'finalize-namespace' && e.object === 'doomed')).toBe(true);
  });
});

describe('garbagecollector', () => {
  beforeAll(async () => {
    await createNamespace('gc');
  });

  async function owner(name: string): Promise<ConfigMap> {
    const r = await rest<ConfigMap>(url(), 'POST', '/api/v1/namespaces/gc/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    expect(r.status).toBe(201);
    return r.body;
  }

  async function dependents(o: ConfigMap, n: number): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `${o.metadata.name!}-dep-${String(i)}`;
      const r = await rest(url(), 'POST', '/api/v1/namespaces/gc/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true }] },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      });
      expect(r.status).toBe(201);
      names.push(name);
    }
    return names;
  }

  const gone = (path: string) => async () => ((await rest(url(), 'GET', path)).status === 404 ? true : undefined);

  it('background: dependents of a deleted owner are deleted', async () => {
    const o = await owner('bg');
    const deps = await dependents(o, 3);
    expect((await rest(url(), 'DELETE', '/api/v1/namespaces/gc/configmaps/bg')).status).toBe(200);
    for (const d of deps) await waitFor(gone(`/api/v1/namespaces/gc/pods/${d}`), { timeoutMs: 15_000, what: `${d} collected` });
  });

  it('foreground: the owner waits, with its finalizer, until its dependents are gone', async () => {
    const o = await owner('fg');
    const deps = await dependents(o, 2);
    // A finalizer of our own holds one dependent, so the owner must wait for it.
    await rest(url(), 'PATCH', `/api/v1/namespaces/gc/pods/${deps[0]!}`, { metadata: { finalizers: ['example.com/hold'] } }, MERGE);
    const del = await rest<ConfigMap>(url(), 'DELETE', '/api/v1/namespaces/gc/configmaps/fg?propagationPolicy=Foreground');
    expect(del.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    await waitFor(gone(`/api/v1/namespaces/gc/pods/${deps[1]!}`), { timeoutMs: 15_000, what: 'the free dependent collected' });
    await waitFor(async () => ((await get<Pod>(`/api/v1/namespaces/gc/pods/${deps[0]!}`))?.metadata.deletionTimestamp ? true : undefined), { timeoutMs: 15_000, what: 'the held dependent terminating' });
    const waiting = await get<ConfigMap>('/api/v1/namespaces/gc/configmaps/fg');
    expect(waiting?.metadata.finalizers).toEqual(['foregroundDeletion']);
    await rest(url(), 'PATCH', `/api/v1/namespaces/gc/pods/${deps[0]!}`, { metadata: { finalizers: null } }, MERGE);
    await waitFor(gone('/api/v1/namespaces/gc/configmaps/fg'), { timeoutMs: 15_000, what: 'the owner gone after its dependents' });
  });

  it('orphan: the dependents stay, without the owner reference', async () => {
    const o = await owner('orph');
    const deps = await dependents(o, 2);
    expect((await rest(url(), 'DELETE', '/api/v1/namespaces/gc/configmaps/orph?propagationPolicy=Orphan')).status).toBe(200);
    await waitFor(gone('/api/v1/namespaces/gc/configmaps/orph'), { timeoutMs: 15_000, what: 'the orphaning owner gone' });
    for (const d of deps) {
      const p = await get<Pod>(`/api/v1/namespaces/gc/pods/${d}`);
      expect(p?.metadata.deletionTimestamp).toBeUndefined();
      expect(p?.metadata.ownerReferences ?? []).toEqual([]);
    }
  });
});

describe('nodelifecycle', () => {
  it('a node whose Lease stops is marked Unknown and tainted, its pods marked not ready and evicted by their tolerations; Ready again clears the taints', async () => {
    const now = Date.now();
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'hollow-1' },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: formatTime(now), lastTransitionTime: formatTime(now) }] },
    };
    expect((await rest(url(), 'POST', '/api/v1/nodes', node)).status).toBe(201);
    const lease: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'hollow-1' }, spec: { holderIdentity: 'hollow-1', leaseDurationSeconds: 40, renewTime: formatMicroTime(now) } };
    expect((await rest(url(), 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease)).status).toBe(201);
    let renewing = true;
    const renew = setInterval(() => {
      if (!renewing) return;
      void rest(url(), 'PATCH', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/hollow-1', { spec: { renewTime: formatMicroTime(Date.now()) } }, MERGE);
    }, 300);
    try {
      await createNamespace('nl');
      await createPod('nl', 'default-tol', {}, { nodeName: 'hollow-1' });
      await createPod('nl', 'forever', {}, { nodeName: 'hollow-1', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }] });
      await createPod('nl', 'at-once', {}, { nodeName: 'hollow-1', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }] });
      for (const [p, ip] of [['default-tol', '10.2.0.1'], ['forever', '10.2.0.2'], ['at-once', '10.2.0.3']] as const) await setPodStatus('nl', p, ip, true);

      // Renewed: after three grace periods the node is still Ready (its status heartbeat is old; the Lease counts).
      const until = Date.now() + 6_000;
      await waitFor(() => (Date.now() > until ? true : undefined), { timeoutMs: 10_000, intervalMs: 500, what: 'three grace periods' });
      let n = (await get<Node>('/api/v1/nodes/hollow-1'))!;
      expect(n.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
      expect(n.spec?.taints ?? []).toEqual([]);

      renewing = false;
      const stoppedAt = Date.now();
      n = await waitFor(async () => {
        const x = await get<Node>('/api/v1/nodes/hollow-1');
        return x?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' ? x : undefined;
      }, { timeoutMs: 10_000, intervalMs: 100, what: 'the node Unknown' });
      const markedAfter = Date.now() - stoppedAt;
      expect(n.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      n = await waitFor(async () => {
        const x = await get<Node>('/api/v1/nodes/hollow-1');
        return (x?.spec?.taints ?? []).length === 2 ? x : undefined;
      }, { timeoutMs: 5_000, what: 'the unreachable taints' });
      expect(n.spec!.taints!.map((t) => `${t.key}:${t.effect}`).sort()).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);

      const terminating = (p: string) => async () => ((await get<Pod>(`/api/v1/namespaces/nl/pods/${p}`))?.metadata.deletionTimestamp ? true : undefined);
      await waitFor(terminating('at-once'), { timeoutMs: 5_000, what: 'the intolerant pod evicted' });
      await waitFor(terminating('default-tol'), { timeoutMs: 8_000, what: 'the 2 s pod evicted' });
      // Marked DisruptionTarget before the deletion, as kube 1.26+'s taint eviction.
      for (const p of ['at-once', 'default-tol']) {
        expect((await get<Pod>(`/api/v1/namespaces/nl/pods/${p}`))!.status!.conditions!.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
          status: 'True',
          reason: 'DeletionByTaintManager',
          message: 'Taint manager: deleting due to NoExecute taint',
        });
      }
      const forever = (await get<Pod>('/api/v1/namespaces/nl/pods/forever'))!;
      expect(forever.metadata.deletionTimestamp).toBeUndefined();
      expect(forever.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('False');
      const journal = await cm.journal();
      for (const action of ['node-status', 'taint-node', 'evict-pod', 'mark-pod-not-ready']) expect(journal.some((j) => j.action === action)).toBe(true);
      expect(journal.filter((j) => j.action === 'evict-pod').map((j) => j.object).sort()).toEqual(['nl/at-once', 'nl/default-tol']);
      // Each evicted pod was marked (a write that met a concurrent status write is journalled again when retried).
      expect([...new Set(journal.filter((j) => j.action === 'mark-pod-disruption-target').map((j) => j.object))].sort()).toEqual(['nl/at-once', 'nl/default-tol']);

      // kube's Events: the node's status change, the pods marked not ready and the evictions
      const eventsOf = async (ns: string, name: string, reason: string): Promise<Event[]> => {
        const selector = encodeURIComponent(`involvedObject.name=${name},reason=${reason}`);
        return (await get<KubeList<Event>>(`/api/v1/namespaces/${ns}/events?fieldSelector=${selector}`))?.items ?? [];
      };
      const one = (ns: string, name: string, reason: string): Promise<Event> =>
        waitFor(async () => (await eventsOf(ns, name, reason))[0], { timeoutMs: 5_000, what: `a ${reason} event for ${name}` });
      expect(await one('default', 'hollow-1', 'NodeNotReady')).toMatchObject({
        type: 'Normal',
        message: 'Node hollow-1 status is now: NodeNotReady',
        source: { component: 'node-controller' },
        involvedObject: { kind: 'Node', apiVersion: 'v1', name: 'hollow-1', uid: n.metadata.uid },
      });
      expect((await one('default', 'hollow-1', 'NodeNotReady')).involvedObject.namespace).toBeUndefined();
      expect(await one('default', 'hollow-1', 'RegisteredNode')).toMatchObject({ type: 'Normal', count: 1, message: 'Node hollow-1 event: Registered Node hollow-1 in Controller', source: { component: 'node-controller' } });
      expect(await one('nl', 'forever', 'NodeNotReady')).toMatchObject({ type: 'Warning', message: 'Node is not ready', involvedObject: { kind: 'Pod', namespace: 'nl', name: 'forever' } });
      for (const p of ['at-once', 'default-tol']) {
        expect(await one('nl', p, 'TaintManagerEviction')).toMatchObject({ type: 'Normal', count: 1, message: `Marking for deletion Pod nl/${p}`, source: { component: 'taint-eviction-controller' } });
      }
      expect(await eventsOf('nl', 'forever', 'TaintManagerEviction')).toEqual([]);

      // The agent is back: Lease renewed and Ready posted again.
      renewing = true;
      const back = (await get<Node>('/api/v1/nodes/hollow-1'))!;
      back.status!.conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: formatTime(Date.now()), lastTransitionTime: formatTime(Date.now()) }];
      expect((await rest(url(), 'PUT', '/api/v1/nodes/hollow-1/status', back)).status).toBe(200);
      await waitFor(async () => (((await get<Node>('/api/v1/nodes/hollow-1'))?.spec?.taints ?? []).length === 0 ? true : undefined), { timeoutMs: 5_000, what: 'the taints removed' });
      expect((await cm.journal()).some((j) => j.action === 'untaint-node' && j.object === 'hollow-1')).toBe(true);
      expect(markedAfter).toBeLessThan(2_000 + 200 + 1_500);
    } finally {
      clearInterval(renew);
    }
  }, 60_000);
});

describe('namespace status', () => {
  it('the system namespaces are Active and have their default ServiceAccount', async () => {
    for (const ns of ['default', 'kube-system']) {
      expect((await get<Namespace>(`/api/v1/namespaces/${ns}`))?.status?.phase).toBe('Active');
      await waitFor(() => get<ServiceAccount>(`/api/v1/namespaces/${ns}/serviceaccounts/default`), { timeoutMs: 10_000, what: `${ns}/default` });
    }
  });
});
