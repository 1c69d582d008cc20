/**
 * The API server's REST semantics over a real store process, through HTTP: discovery, the verbs and their
 * status codes and messages (Kubernetes' own), optimistic concurrency, selectors, pagination, watch,
 * subresources, deletion with finalizers and grace periods, and bad input — each answered with a Status,
 * after which the replica keeps serving. The store is capstan's by default, etcd 3.4 with
 * CAPSTAN_COMPAT_TARGET=etcd: the API server speaks only the etcd v3 API, so both must behave the same.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGroupList, APIResourceList, APIVersions, ConfigMap, Deployment, KubeList, KubeObject, Namespace, Pod, ReplicaSet, Scale, Service, Status } from '../../src/api/index.js';
import { EtcdClient } from '../../src/store/client/index.js';
import { useStore } from '../compat/helpers/store.js';
import { waitFor } from '../compat/helpers/wait.js';
import { startApiServer, type ApiServerProcess } from './helpers/apiserver.js';
import { openWatch, rest } from './helpers/rest.js';

const store = useStore({ name: 'apiserver-rest' });
let api: ApiServerProcess;
let base: string;

beforeAll(async () => {
  api = await startApiServer([store().endpoint], ['--watch-bookmark-interval=200ms', '--default-watch-cache-size=20', '--service-cluster-ip-range=10.0.0.0/27', '--event-ttl=2s']);
  base = api.url;
}, 60_000);

afterAll(async () => {
  await api?.stop();
});

function configMap(name: string, data: Record<string, string> = { a: '1' }, labels: Record<string, string> = {}): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}

function pod(name: string, labels: Record<string, string> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };
}

function deployment(name: string, replicas = 2): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
    },
  };
}

async function createNamespace(name: string): Promise<void> {
  const r = await rest(base, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  expect(r.status).toBe(201);
}

describe('discovery', () => {
  it('serves /api, /apis and each group-version with verbs, short names and subresources', async () => {
    const api = await rest<APIVersions>(base, 'GET', '/api');
    expect(api.body.versions).toEqual(['v1']);
    const groups = await rest<APIGroupList>(base, 'GET', '/apis');
    expect(groups.body.groups.map((g) => g.name).sort()).toEqual(['apps', 'authentication.k8s.io', 'authorization.k8s.io', 'batch', 'coordination.k8s.io', 'discovery.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'scheduling.k8s.io']);
    // The reviews are create-only and, never stored, have no storage version hash.
    const authz = await rest<APIResourceList>(base, 'GET', '/apis/authorization.k8s.io/v1');
    expect(authz.body.resources.find((r) => r.name === 'selfsubjectaccessreviews')).toEqual({ name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] });
    const core = await rest<APIResourceList>(base, 'GET', '/api/v1');
    const pods = core.body.resources.find((r) => r.name === 'pods')!;
    expect(pods).toMatchObject({ namespaced: true, kind: 'Pod', shortNames: ['po'] });
    expect(pods.verbs.sort()).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    expect(core.body.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['pods/status', 'pods/binding', 'pods/eviction', 'nodes', 'namespaces', 'services', 'endpoints', 'events', 'configmaps', 'secrets', 'serviceaccounts']));
    const apps = await rest<APIResourceList>(base, 'GET', '/apis/apps/v1');
    expect(apps.body.resources.find((r) => r.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect((await rest(base, 'GET', '/apis/nope/v1')).status).toBe(404);
  });

  it('creates the system namespaces at start and reports a version', async () => {
    const list = await rest<KubeList<Namespace>>(base, 'GET', '/api/v1/namespaces');
    expect(list.body.items.map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
    const version = await rest<{ major: string; minor: string }>(base, 'GET', '/version');
    expect(version.body).toMatchObject({ major: '1', minor: '32' });
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const h = await rest<string>(base, 'GET', path);
      expect([path, h.status, h.body]).toEqual([path, 200, 'ok']);
    }
  });
});

describe('create, get, update, delete', () => {
  it('creates with uid and creationTimestamp, reads back the same resourceVersion, and answers 409 AlreadyExists with Kubernetes\' message', async () => {
    const created = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/default/configmaps', configMap('crud-1'));
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'crud-1', namespace: 'default' });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const got = await rest<ConfigMap>(base, 'GET', '/api/v1/namespaces/default/configmaps/crud-1');
    expect(got.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
    const again = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/configmaps', configMap('crud-1'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409, message: 'configmaps "crud-1" already exists' });
  });

  it('answers 404 NotFound with Kubernetes\' message for a missing object and for a missing namespace', async () => {
    const missing = await rest<Status>(base, 'GET', '/api/v1/namespaces/default/configmaps/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'configmaps "nope" not found', details: { name: 'nope', kind: 'configmaps' } });
    const noNs = await rest<Status>(base, 'POST', '/api/v1/namespaces/ghost/configmaps', configMap('x'));
    expect(noNs.status).toBe(404);
    expect(noNs.body.message).toBe('namespaces "ghost" not found');
  });

  it('update with a stale resourceVersion is a 409 Conflict; with the current one it succeeds and moves resourceVersion', async () => {
    const created = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/default/configmaps', configMap('occ-1'));
    const first = { ...created.body, data: { a: '2' } };
    const updated = await rest<ConfigMap>(base, 'PUT', '/api/v1/namespaces/default/configmaps/occ-1', first);
    expect(updated.status).toBe(200);
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.body.metadata.resourceVersion));
    const stale = await rest<Status>(base, 'PUT', '/api/v1/namespaces/default/configmaps/occ-1', { ...created.body, data: { a: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "occ-1": the object has been modified; please apply your changes to the latest version and try again',
    });
    const got = await rest<ConfigMap>(base, 'GET', '/api/v1/namespaces/default/configmaps/occ-1');
    expect(got.body.data).toEqual({ a: '2' });
  });

  it('an update that changes nothing is not written', async () => {
    const created = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/default/configmaps', configMap('noop-1'));
    const same = await rest<ConfigMap>(base, 'PUT', '/api/v1/namespaces/default/configmaps/noop-1', created.body);
    expect(same.status).toBe(200);
    expect(same.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
  });

  it('generateName picks a unique name with five random characters', async () => {
    const a = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/default/configmaps', { ...configMap(''), metadata: { generateName: 'gen-' } });
    const b = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/default/configmaps', { ...configMap(''), metadata: { generateName: 'gen-' } });
    expect(a.status).toBe(201);
    expect(a.body.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(b.body.metadata.name).not.toBe(a.body.metadata.name);
  });

  it('refuses an invalid object with 422 Invalid, field causes and Kubernetes\' message', async () => {
    const bad = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/configmaps', configMap('Bad_Name'));
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
    expect(bad.body.details).toMatchObject({ name: 'Bad_Name', kind: 'ConfigMap', causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }] });
    const noImage = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/pods', { ...pod('p'), spec: { containers: [{ name: 'c' }] } });
    expect(noImage.status).toBe(422);
    expect(noImage.body.message).toBe('Pod "p" is invalid: spec.containers[0].image: Required value');
    const selector = deployment('mismatch');
    selector.spec!.template.metadata!.labels = { app: 'other' };
    const mismatch = await rest<Status>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', selector);
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.message).toContain('spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`');
  });

  it('defaults what kube-apiserver defaults', async () => {
    const d = await rest<Deployment>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('defaults'));
    expect(d.body.spec).toMatchObject({ revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
    expect(d.body.spec!.template.spec!).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
    expect(d.body.metadata.generation).toBe(1);
    const p = await rest<Pod>(base, 'POST', '/api/v1/namespaces/default/pods', pod('defaults'));
    expect(p.body.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(p.body.spec!.serviceAccountName).toBe('default');
    expect(p.body.spec!.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });
});

describe('list', () => {
  beforeAll(async () => {
    await createNamespace('list-ns');
    for (let i = 0; i < 7; i++) {
      const labels: Record<string, string> = { tier: i % 2 === 0 ? 'web' : 'db', idx: String(i) };
      if (i < 3) labels['canary'] = 'yes';
      const r = await rest(base, 'POST', '/api/v1/namespaces/list-ns/configmaps', configMap(`cm-${i}`, { i: String(i) }, labels));
      expect(r.status).toBe(201);
    }
  });

  async function names(query: string): Promise<string[]> {
    const r = await rest<KubeList<ConfigMap>>(base, 'GET', `/api/v1/namespaces/list-ns/configmaps?${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.items.map((c) => c.metadata.name!);
  }

  it('filters by label selector: =, ==, !=, in, notin, exists, !exists', async () => {
    expect(await names('labelSelector=tier%3Dweb')).toEqual(['cm-0', 'cm-2', 'cm-4', 'cm-6']);
    expect(await names('labelSelector=tier%3D%3Ddb')).toEqual(['cm-1', 'cm-3', 'cm-5']);
    expect(await names('labelSelector=tier!%3Dweb')).toEqual(['cm-1', 'cm-3', 'cm-5']);
    expect(await names(`labelSelector=${encodeURIComponent('idx in (1,2)')}`)).toEqual(['cm-1', 'cm-2']);
    expect(await names(`labelSelector=${encodeURIComponent('idx notin (0,1,2,3)')}`)).toEqual(['cm-4', 'cm-5', 'cm-6']);
    expect(await names('labelSelector=canary')).toEqual(['cm-0', 'cm-1', 'cm-2']);
    expect(await names(`labelSelector=${encodeURIComponent('!canary,tier=web')}`)).toEqual(['cm-4', 'cm-6']);
  });

  it('filters by field selector, and refuses an unsupported field with 400', async () => {
    expect(await names('fieldSelector=metadata.name%3Dcm-3')).toEqual(['cm-3']);
    expect(await names('fieldSelector=metadata.name!%3Dcm-3,metadata.namespace%3Dlist-ns')).toHaveLength(6);
    const bad = await rest<Status>(base, 'GET', '/api/v1/namespaces/list-ns/configmaps?fieldSelector=spec.nodeName%3Dx');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('field label not supported: spec.nodeName');
    const badLabel = await rest<Status>(base, 'GET', `/api/v1/namespaces/list-ns/configmaps?labelSelector=${encodeURIComponent('a in (')}`);
    expect(badLabel.status).toBe(400);
  });

  it('pages with limit and continue at one consistent resourceVersion, with remainingItemCount', async () => {
    const first = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/list-ns/configmaps?limit=3');
    expect(first.body.items.map((c) => c.metadata.name)).toEqual(['cm-0', 'cm-1', 'cm-2']);
    expect(first.body.metadata.remainingItemCount).toBe(4);
    const token = first.body.metadata.continue!;
    expect(token).not.toBe('');
    // A write between pages is not seen by the rest of the paginated list.
    await rest(base, 'POST', '/api/v1/namespaces/list-ns/configmaps', configMap('cm-9'));
    const second = await rest<KubeList<ConfigMap>>(base, 'GET', `/api/v1/namespaces/list-ns/configmaps?limit=3&continue=${encodeURIComponent(token)}`);
    expect(second.body.items.map((c) => c.metadata.name)).toEqual(['cm-3', 'cm-4', 'cm-5']);
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    const third = await rest<KubeList<ConfigMap>>(base, 'GET', `/api/v1/namespaces/list-ns/configmaps?limit=3&continue=${encodeURIComponent(second.body.metadata.continue!)}`);
    expect(third.body.items.map((c) => c.metadata.name)).toEqual(['cm-6']);
    expect(third.body.metadata.continue ?? '').toBe('');
    await rest(base, 'DELETE', '/api/v1/namespaces/list-ns/configmaps/cm-9');
    const filtered = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/list-ns/configmaps?limit=2&labelSelector=tier%3Ddb');
    expect(filtered.body.items.map((c) => c.metadata.name)).toEqual(['cm-1', 'cm-3']);
    const rest2 = await rest<KubeList<ConfigMap>>(base, 'GET', `/api/v1/namespaces/list-ns/configmaps?limit=2&labelSelector=tier%3Ddb&continue=${encodeURIComponent(filtered.body.metadata.continue!)}`);
    expect(rest2.body.items.map((c) => c.metadata.name)).toEqual(['cm-5']);
    const bogus = await rest<Status>(base, 'GET', '/api/v1/namespaces/list-ns/configmaps?limit=2&continue=notatoken');
    expect(bogus.status).toBe(400);
  });

  it('lists across all namespaces, and reads at an exact resourceVersion', async () => {
    const all = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/configmaps?labelSelector=tier');
    expect(all.body.items.every((c) => c.metadata.namespace === 'list-ns')).toBe(true);
    expect(all.body.items).toHaveLength(7);
    const rv = all.body.metadata.resourceVersion!;
    await rest(base, 'DELETE', '/api/v1/namespaces/list-ns/configmaps/cm-6');
    const exact = await rest<KubeList<ConfigMap>>(base, 'GET', `/api/v1/configmaps?labelSelector=tier&resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(exact.body.items).toHaveLength(7);
    expect(exact.body.metadata.resourceVersion).toBe(rv);
    const now = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/configmaps?labelSelector=tier');
    expect(now.body.items).toHaveLength(6);
  });
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED after a resourceVersion, in order, with selector transitions', async () => {
    await createNamespace('watch-ns');
    const start = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/watch-ns/configmaps');
    const w = await openWatch(base, `/api/v1/namespaces/watch-ns/configmaps?watch=1&resourceVersion=${start.body.metadata.resourceVersion!}&labelSelector=keep%3Dyes`);
    try {
      expect(w.status).toBe(200);
      const a = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/watch-ns/configmaps', configMap('w-1', { v: '1' }, { keep: 'yes' }));
      await rest(base, 'POST', '/api/v1/namespaces/watch-ns/configmaps', configMap('w-other', { v: '1' }, { keep: 'no' }));
      const b = await rest<ConfigMap>(base, 'PUT', '/api/v1/namespaces/watch-ns/configmaps/w-1', { ...a.body, data: { v: '2' } });
      const c = await rest<ConfigMap>(base, 'PUT', '/api/v1/namespaces/watch-ns/configmaps/w-1', { ...b.body, metadata: { ...b.body.metadata, labels: { keep: 'no' } } });
      const d = await rest<ConfigMap>(base, 'PUT', '/api/v1/namespaces/watch-ns/configmaps/w-1', { ...c.body, metadata: { ...c.body.metadata, labels: { keep: 'yes' } } });
      const del = await rest<ConfigMap>(base, 'DELETE', '/api/v1/namespaces/watch-ns/configmaps/w-1');
      const events = await w.events.take(5, 10_000, 'watch events');
      expect(events.map((e) => [e.type, (e.object as KubeObject).metadata.resourceVersion])).toEqual([
        ['ADDED', a.body.metadata.resourceVersion],
        ['MODIFIED', b.body.metadata.resourceVersion],
        ['DELETED', c.body.metadata.resourceVersion],
        ['ADDED', d.body.metadata.resourceVersion],
        ['DELETED', del.body.metadata.resourceVersion],
      ]);
      expect((events[1]!.object as ConfigMap).data).toEqual({ v: '2' });
      expect((events[1]!.object as KubeObject).kind).toBe('ConfigMap');
    } finally {
      w.close();
    }
  });

  it('without a resourceVersion starts with the current state as ADDED events', async () => {
    await createNamespace('watch-initial');
    await rest(base, 'POST', '/api/v1/namespaces/watch-initial/configmaps', configMap('i-1'));
    await rest(base, 'POST', '/api/v1/namespaces/watch-initial/configmaps', configMap('i-2'));
    const w = await openWatch(base, '/api/v1/namespaces/watch-initial/configmaps?watch=true');
    try {
      const initial = await w.events.take(2, 10_000, 'initial events');
      expect(initial.map((e) => [e.type, (e.object as KubeObject).metadata.name])).toEqual([
        ['ADDED', 'i-1'],
        ['ADDED', 'i-2'],
      ]);
      await rest(base, 'POST', '/api/v1/namespaces/watch-initial/configmaps', configMap('i-3'));
      const next = await w.events.shift(10_000, 'the next event');
      expect([next.type, (next.object as KubeObject).metadata.name]).toEqual(['ADDED', 'i-3']);
    } finally {
      w.close();
    }
  });

  it('sends BOOKMARK events when allowed, and ends the stream after timeoutSeconds', async () => {
    await createNamespace('watch-bookmarks');
    const created = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/watch-bookmarks/configmaps', configMap('b-1'));
    const rv = Number(created.body.metadata.resourceVersion) - 1;
    const w = await openWatch(base, `/api/v1/namespaces/watch-bookmarks/configmaps?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=3`);
    const added = await w.events.shift(10_000, 'ADDED');
    expect(added.type).toBe('ADDED');
    const bookmark = await w.events.shift(10_000, 'BOOKMARK');
    expect(bookmark.type).toBe('BOOKMARK');
    expect(Number((bookmark.object as KubeObject).metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.body.metadata.resourceVersion));
    await w.ended;
  });

  it('a watch from before the cache window is served by etcd, and one from before etcd\'s compaction is answered 410 Expired', async () => {
    const client = new EtcdClient({ endpoints: [store().endpoint] });
    try {
      await createNamespace('watch-compacted');
      const sa = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
      const first = await rest<KubeObject>(base, 'POST', '/api/v1/namespaces/watch-compacted/serviceaccounts', sa('s-0'));
      const before = Number(first.body.metadata.resourceVersion) - 1;
      // Start the cache, then push more changes through it than its window (20) holds.
      const warm = await openWatch(base, `/api/v1/namespaces/watch-compacted/serviceaccounts?watch=1&resourceVersion=${first.body.metadata.resourceVersion!}`);
      warm.close();
      for (let i = 1; i <= 25; i++) await rest(base, 'POST', '/api/v1/namespaces/watch-compacted/serviceaccounts', sa(`s-${i}`));
      const fromEtcd = await openWatch(base, `/api/v1/namespaces/watch-compacted/serviceaccounts?watch=1&resourceVersion=${before}`);
      try {
        const evs = await fromEtcd.events.take(26, 10_000, 'every change since before the window');
        expect(evs.map((e) => (e.object as KubeObject).metadata.name)).toEqual(Array.from({ length: 26 }, (_, i) => `s-${i}`));
      } finally {
        fromEtcd.close();
      }
      const latest = await rest<KubeList<KubeObject>>(base, 'GET', '/api/v1/namespaces/watch-compacted/serviceaccounts');
      await client.compact(Number(latest.body.metadata.resourceVersion), true);
      const w = await openWatch(base, `/api/v1/namespaces/watch-compacted/serviceaccounts?watch=1&resourceVersion=${before}`);
      const ev = await w.events.shift(10_000, 'ERROR event');
      expect(ev.type).toBe('ERROR');
      expect(ev.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
      expect((ev.object as Status).message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
      await w.ended;
      const list = await rest<Status>(base, 'GET', `/api/v1/namespaces/watch-compacted/serviceaccounts?resourceVersion=${before}&resourceVersionMatch=Exact`);
      expect(list.status).toBe(410);
      expect(list.body.reason).toBe('Expired');
    } finally {
      client.close();
    }
  });
});

describe('watch cache', () => {
  async function storeWatchers(): Promise<number> {
    const text = await (await fetch(`${store().endpoint}/metrics`)).text();
    const m = /^etcd_debugging_mvcc_watcher_total (\d+)/m.exec(text);
    if (m === null) throw new Error('the store reports no etcd_debugging_mvcc_watcher_total');
    return Number(m[1]);
  }

  it('serves many watches of one resource from one etcd watch, each with every event in order', async () => {
    await createNamespace('fanout');
    const start = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/fanout/configmaps');
    const rv = start.body.metadata.resourceVersion!;
    // Start the cache with a first watch, then count the store's watchers while twenty more are open.
    const first = await openWatch(base, `/api/v1/namespaces/fanout/configmaps?watch=1&resourceVersion=${rv}`);
    const before = await storeWatchers();
    const watches = [first];
    try {
      for (let i = 0; i < 20; i++) watches.push(await openWatch(base, `/api/v1/namespaces/fanout/configmaps?watch=1&resourceVersion=${rv}`));
      expect(await storeWatchers()).toBe(before);
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/fanout/configmaps', configMap(`f-${i}`))).body.metadata.resourceVersion!);
      for (const w of watches) {
        const evs = await w.events.take(5, 10_000, 'fan-out events');
        expect(evs.map((e) => [e.type, (e.object as KubeObject).metadata.resourceVersion])).toEqual(created.map((c) => ['ADDED', c]));
      }
    } finally {
      for (const w of watches) w.close();
    }
  });

  it('a cache started by a watch from a past resourceVersion starts there: that watch and the next are served from its one etcd watch', async () => {
    // Secrets: no other test here watches or caches them, so the first watch starts their cache.
    await createNamespace('cache-start');
    const listed = await rest<KubeList<KubeObject>>(base, 'GET', '/api/v1/namespaces/cache-start/secrets');
    const rv = listed.body.metadata.resourceVersion!;
    // Writes between the list and the watch, as many node agents registering at once make them.
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await rest<KubeObject>(base, 'POST', '/api/v1/namespaces/cache-start/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${i}` }, data: {} });
      created.push(r.body.metadata.resourceVersion!);
    }
    const before = await storeWatchers();
    const watches = [await openWatch(base, `/api/v1/namespaces/cache-start/secrets?watch=1&resourceVersion=${rv}`)];
    try {
      watches.push(await openWatch(base, `/api/v1/namespaces/cache-start/secrets?watch=1&resourceVersion=${rv}`));
      // The cache's own watch, and nothing for either client (started at the latest revision, the cache's
      // window would begin after rv and each watch would get an etcd watch of its own: 3).
      expect(await storeWatchers()).toBe(before + 1);
      for (const w of watches) {
        const evs = await w.events.take(5, 10_000, 'the creates after the list');
        expect(evs.map((e) => [e.type, (e.object as KubeObject).metadata.resourceVersion])).toEqual(created.map((c) => ['ADDED', c]));
      }
    } finally {
      for (const w of watches) w.close();
    }
  });

  it('ends a watch whose client does not read once 16 MiB wait unread; what was written before reaches the client in order', async () => {
    await createNamespace('unread');
    const rv = (await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/unread/configmaps')).body.metadata.resourceVersion!;
    const watching = async (): Promise<number> => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const m = /^apiserver_longrunning_requests\{[^}]*resource="configmaps"[^}]*\} (\d+)/m.exec(text);
      return m === null ? 0 : Number(m[1]);
    };
    const before = await watching();
    // A raw request whose response is never read: what the server writes piles up behind the socket.
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    socket.pause();
    socket.write(`GET /api/v1/namespaces/unread/configmaps?watch=1&resourceVersion=${rv} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n`);
    try {
      await waitFor(async () => ((await watching()) === before + 1 ? true : undefined), { timeoutMs: 10_000, what: 'the watch to be open' });
      // 40 ConfigMaps of 900 KiB: about 36 MiB of events, more than the socket buffers and the 16 MiB allowance.
      const big = 'x'.repeat(900 * 1024);
      const created: string[] = [];
      for (let i = 0; i < 40; i++) created.push((await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/unread/configmaps', configMap(`u-${i}`, { big }))).body.metadata.name!);
      await waitFor(async () => ((await watching()) === before ? true : undefined), { timeoutMs: 20_000, what: 'the replica to end the unread watch' });
      // Read it all now: a prefix of the creates, in order, then the end of the chunked response.
      const text = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => {
          chunks.push(c);
          if (Buffer.concat(chunks).includes('\r\n0\r\n\r\n')) resolve(Buffer.concat(chunks).toString('utf8'));
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.resume();
      });
      expect(text.endsWith('\r\n0\r\n\r\n')).toBe(true);
      const names = [...text.matchAll(/"name":"(u-\d+)"/g)].map((m) => m[1]);
      expect(names.length).toBeGreaterThan(0);
      expect(names.length).toBeLessThan(created.length);
      expect(names).toEqual(created.slice(0, names.length));
      expect((await rest(base, 'GET', '/api/v1/namespaces/unread/configmaps/u-0')).status).toBe(200);
    } finally {
      socket.destroy();
    }
  }, 60_000);

  it('lists at resourceVersion 0 from the cache, and replays a watch from a past resourceVersion', async () => {
    await createNamespace('cached');
    const a = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/cached/configmaps', configMap('c-a', {}, { keep: 'yes' }));
    const b = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/cached/configmaps', configMap('c-b', {}, { keep: 'no' }));
    const listed = await waitFor(
      async () => {
        const r = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/cached/configmaps?resourceVersion=0&labelSelector=keep%3Dyes');
        return Number(r.body.metadata.resourceVersion) >= Number(b.body.metadata.resourceVersion) ? r : undefined;
      },
      { timeoutMs: 10_000, what: 'the cache to reach the second create' },
    );
    expect(listed.body.items.map((c) => c.metadata.name)).toEqual(['c-a']);
    const replay = await openWatch(base, `/api/v1/namespaces/cached/configmaps?watch=1&resourceVersion=${Number(a.body.metadata.resourceVersion) - 1}`);
    try {
      const evs = await replay.events.take(2, 10_000, 'replayed events');
      expect(evs.map((e) => (e.object as KubeObject).metadata.name)).toEqual(['c-a', 'c-b']);
    } finally {
      replay.close();
    }
    const exact0 = await rest<Status>(base, 'GET', '/api/v1/namespaces/cached/configmaps?resourceVersion=0&resourceVersionMatch=Exact');
    expect(exact0.status).toBe(400);
  });
});

describe('subresources', () => {
  it('status is written only through /status, and generation counts spec changes', async () => {
    const d = await rest<Deployment>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('status-1'));
    const withStatus = await rest<Deployment>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/status-1/status', { ...d.body, status: { replicas: 2, observedGeneration: 1 } });
    expect(withStatus.status).toBe(200);
    expect(withStatus.body.status).toEqual({ replicas: 2, observedGeneration: 1 });
    expect(withStatus.body.metadata.generation).toBe(1);
    const ignored = await rest<Deployment>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/status-1', { ...withStatus.body, status: { replicas: 99 } });
    expect(ignored.body.status).toEqual({ replicas: 2, observedGeneration: 1 });
    expect(ignored.body.metadata.generation).toBe(1);
    const spec = structuredClone(ignored.body);
    spec.spec!.template.spec!.containers[0]!.image = 'nginx:1.26';
    const bumped = await rest<Deployment>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/status-1', spec);
    expect(bumped.body.metadata.generation).toBe(2);
  });

  it('a Deployment /status write may set annotations (kube\'s deploymentStatusStrategy), a ReplicaSet one may not; metadata changes leave generation alone', async () => {
    const d = await rest<Deployment>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('status-annotations'));
    const viaStatus = await rest<Deployment>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/status-annotations/status', {
      ...d.body,
      metadata: { ...d.body.metadata, labels: { x: 'y' }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
      status: { observedGeneration: 1 },
    });
    expect(viaStatus.body.metadata.annotations).toEqual({ 'deployment.kubernetes.io/revision': '1' });
    expect(viaStatus.body.metadata.labels).toBeUndefined();
    expect(viaStatus.body.metadata.generation).toBe(1);
    const relabeled = await rest<Deployment>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/status-annotations', { ...viaStatus.body, metadata: { ...viaStatus.body.metadata, labels: { x: 'y' } } });
    expect(relabeled.body.metadata.labels).toEqual({ x: 'y' });
    expect(relabeled.body.metadata.generation).toBe(1);

    const rsBody: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'status-annotations' }, spec: structuredClone(deployment('status-annotations').spec!) as ReplicaSet['spec'] };
    const rs = await rest<ReplicaSet>(base, 'POST', '/apis/apps/v1/namespaces/default/replicasets', rsBody);
    expect(rs.body.metadata.generation).toBe(1);
    const rsStatus = await rest<ReplicaSet>(base, 'PUT', '/apis/apps/v1/namespaces/default/replicasets/status-annotations/status', { ...rs.body, metadata: { ...rs.body.metadata, annotations: { a: 'b' } }, status: { replicas: 2, observedGeneration: 1 } });
    expect(rsStatus.body.metadata.annotations).toBeUndefined();
    expect(rsStatus.body.metadata.generation).toBe(1);
    const rsLabeled = await rest<ReplicaSet>(base, 'PUT', '/apis/apps/v1/namespaces/default/replicasets/status-annotations', { ...rsStatus.body, metadata: { ...rsStatus.body.metadata, annotations: { a: 'b' } } });
    expect(rsLabeled.body.metadata.generation).toBe(1);
    const rsScaled = await rest<ReplicaSet>(base, 'PUT', '/apis/apps/v1/namespaces/default/replicasets/status-annotations', { ...rsLabeled.body, spec: { ...rsLabeled.body.spec!, replicas: 3 } });
    expect(rsScaled.body.metadata.generation).toBe(2);
    expect(rsScaled.body.status).toEqual({ replicas: 2, observedGeneration: 1 });
  });

  it('scale reads and writes spec.replicas as an autoscaling/v1 Scale', async () => {
    await rest(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('scale-1', 3));
    const s = await rest<Scale>(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/scale-1/scale');
    expect(s.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'scale-1' }, spec: { replicas: 3 }, status: { replicas: 0, selector: 'app=scale-1' } });
    const put = await rest<Scale>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/scale-1/scale', { ...s.body, spec: { replicas: 5 } });
    expect(put.body.spec).toEqual({ replicas: 5 });
    const d = await rest<Deployment>(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/scale-1');
    expect(d.body.spec!.replicas).toBe(5);
    expect(d.body.metadata.generation).toBe(2);
  });

  it('binding assigns a node once; a second binding is a 409', async () => {
    await rest(base, 'POST', '/api/v1/namespaces/default/pods', pod('bind-1'));
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-1' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' } };
    const first = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/pods/bind-1/binding', binding);
    expect(first.status).toBe(201);
    const p = await rest<Pod>(base, 'GET', '/api/v1/namespaces/default/pods/bind-1');
    expect(p.body.spec!.nodeName).toBe('node-a');
    expect(p.body.status!.conditions).toEqual([expect.objectContaining({ type: 'PodScheduled', status: 'True' })]);
    const second = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/pods/bind-1/binding', { ...binding, target: { ...binding.target, name: 'node-b' } });
    expect(second.status).toBe(409);
    expect(second.body.message).toBe('Operation cannot be fulfilled on pods/binding "bind-1": pod bind-1 is already assigned to node "node-a"');
    const byNode = await rest<KubeList<Pod>>(base, 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a');
    expect(byNode.body.items.map((x) => x.metadata.name)).toEqual(['bind-1']);
    const pendingOnA = await rest<KubeList<Pod>>(base, 'GET', '/api/v1/namespaces/default/pods?fieldSelector=status.phase%3DPending,spec.nodeName%3Dnode-a');
    expect(pendingOnA.body.items.map((x) => x.metadata.name)).toEqual(['bind-1']);
    const running = await rest<KubeList<Pod>>(base, 'GET', '/api/v1/namespaces/default/pods?fieldSelector=status.phase%3DRunning');
    expect(running.body.items).toEqual([]);
  });
});

describe('services', () => {
  function svc(name: string, extra: Partial<NonNullable<Service['spec']>> = {}): Service {
    return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...extra } };
  }

  it('get a cluster IP from the range, NodePort services a node port; an IP another Service holds is refused until it is released', async () => {
    await createNamespace('svc');
    const a = await rest<Service>(base, 'POST', '/api/v1/namespaces/svc/services', svc('a'));
    expect(a.status).toBe(201);
    expect(a.body.spec).toMatchObject({ type: 'ClusterIP', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] });
    expect(a.body.spec!.clusterIP).toMatch(/^10\.0\.0\.(\d+)$/);
    expect(a.body.spec!.clusterIPs).toEqual([a.body.spec!.clusterIP]);
    const last = Number(a.body.spec!.clusterIP!.split('.')[3]);
    expect(last).toBeGreaterThanOrEqual(2);
    expect(last).toBeLessThanOrEqual(30);
    const np = await rest<Service>(base, 'POST', '/api/v1/namespaces/svc/services', svc('np', { type: 'NodePort' }));
    expect(np.body.spec!.ports![0]!.nodePort).toBeGreaterThanOrEqual(30000);
    expect(np.body.spec!.ports![0]!.nodePort).toBeLessThanOrEqual(32767);
    const taken = await rest<Status>(base, 'POST', '/api/v1/namespaces/svc/services', svc('b', { clusterIP: a.body.spec!.clusterIP! }));
    expect(taken.status).toBe(422);
    expect(taken.body.message).toBe(`Service "b" is invalid: spec.clusterIPs[0]: Invalid value: "${a.body.spec!.clusterIP!}": failed to allocate IP ${a.body.spec!.clusterIP!}: provided IP is already allocated`);
    const outside = await rest<Status>(base, 'POST', '/api/v1/namespaces/svc/services', svc('c', { clusterIP: '10.1.0.5' }));
    expect(outside.status).toBe(422);
    // An update that leaves the IP out keeps it; deleting the Service releases it.
    const kept = await rest<Service>(base, 'PUT', '/api/v1/namespaces/svc/services/a', { ...a.body, spec: { ...a.body.spec, clusterIP: undefined, clusterIPs: undefined, ports: [{ port: 8080 }] } });
    expect(kept.status).toBe(200);
    expect(kept.body.spec!.clusterIP).toBe(a.body.spec!.clusterIP);
    expect((await rest(base, 'DELETE', '/api/v1/namespaces/svc/services/a')).status).toBe(200);
    const reused = await rest<Service>(base, 'POST', '/api/v1/namespaces/svc/services', svc('b', { clusterIP: a.body.spec!.clusterIP! }));
    expect(reused.status).toBe(201);
    const headless = await rest<Service>(base, 'POST', '/api/v1/namespaces/svc/services', svc('headless', { clusterIP: 'None' }));
    expect(headless.body.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
  });

  it('concurrent creates never share a cluster IP (a /27 has 29 to give)', async () => {
    await createNamespace('svc-many');
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => rest<Service>(base, 'POST', '/api/v1/namespaces/svc-many/services', svc(`s-${i}`))));
    for (const c of created) expect(c.status).toBe(201);
    const ips = created.map((c) => c.body.spec!.clusterIP);
    expect(new Set(ips).size).toBe(20);
    // Fill the range: the last create is kube-apiserver's 500 `range is full`.
    let full: Status | undefined;
    for (let i = 20; i < 40 && full === undefined; i++) {
      const r = await rest<Status>(base, 'POST', '/api/v1/namespaces/svc-many/services', svc(`s-${i}`));
      if (r.status !== 201) {
        expect(r.status).toBe(500);
        full = r.body;
      }
    }
    expect(full?.message).toBe('Internal error occurred: failed to allocate a serviceIP: range is full');
    const all = await rest<KubeList<Service>>(base, 'GET', '/api/v1/services');
    const held = all.body.items.map((x) => x.spec!.clusterIP).filter((ip) => ip !== 'None');
    expect(held).toHaveLength(29);
    expect(new Set(held).size).toBe(29);
  });
});

describe('events', () => {
  it('expire after --event-ttl (written under a store lease), and can be selected by involvedObject', async () => {
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'Scheduled',
      message: 'assigned',
      type: 'Normal',
    };
    const created = await rest<KubeObject & { count?: number; firstTimestamp?: string }>(base, 'POST', '/api/v1/namespaces/default/events', ev);
    expect(created.status).toBe(201);
    expect(created.body.count).toBe(1);
    expect(created.body.firstTimestamp).toBeTruthy();
    const selected = await rest<KubeList<KubeObject>>(base, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb,involvedObject.kind%3DPod');
    expect(selected.body.items.map((e) => e.metadata.name)).toEqual(['web.1']);
    await waitFor(async () => ((await rest(base, 'GET', '/api/v1/namespaces/default/events/web.1')).status === 404 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the event to expire',
    });
  });
});

describe('reviews', () => {
  const AUTHZ = '/apis/authorization.k8s.io/v1';
  const ssar = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata, spec });

  it('answer an access review allowed (AlwaysAllow), 201 Created, echoing the spec and storing nothing', async () => {
    const spec = { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } };
    const r = await rest<KubeObject & { spec: unknown; status: unknown }>(base, 'POST', `${AUTHZ}/selfsubjectaccessreviews`, ssar(spec));
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null }, spec, status: { allowed: true } });
    expect((await rest<Status>(base, 'GET', `${AUTHZ}/selfsubjectaccessreviews`)).status).toBe(405);
    const sar = await rest<KubeObject & { status: unknown }>(base, 'POST', `${AUTHZ}/subjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'jane', nonResourceAttributes: { path: '/healthz', verb: 'get' } } });
    expect([sar.status, sar.body.status]).toEqual([201, { allowed: true }]);
  });

  it('refuse an access review without exactly one kind of attributes, or with metadata, as 422 with kube\'s messages', async () => {
    const none = await rest<Status>(base, 'POST', `${AUTHZ}/selfsubjectaccessreviews`, ssar({}));
    expect(none.status).toBe(422);
    expect(none.body.message).toBe('SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
    const both = await rest<Status>(base, 'POST', `${AUTHZ}/selfsubjectaccessreviews`, ssar({ resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/' } }));
    expect(both.body.details?.causes?.map((c) => [c.field, c.message])).toEqual([['spec.nonResourceAttributes', expect.stringMatching(/cannot be specified in combination with resourceAttributes$/)]]);
    const named = await rest<Status>(base, 'POST', `${AUTHZ}/selfsubjectaccessreviews`, ssar({ resourceAttributes: { verb: 'get' } }, { name: 'x' }));
    expect(named.body.details?.causes?.map((c) => [c.field, c.message])).toEqual([['metadata', expect.stringMatching(/must be empty$/)]]);
    const nobody = await rest<Status>(base, 'POST', `${AUTHZ}/subjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get' } } });
    expect(nobody.body.details?.causes?.map((c) => c.field)).toEqual(['spec.user']);
    const local = await rest<Status>(base, 'POST', `${AUTHZ}/namespaces/default/localsubjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'jane', resourceAttributes: { namespace: 'other', verb: 'get' } } });
    expect(local.body.details?.causes?.map((c) => [c.field, c.message])).toEqual([['spec.resourceAttributes.namespace', expect.stringMatching(/must match metadata\.namespace$/)]]);
    const localPath = await rest<Status>(base, 'POST', `${AUTHZ}/namespaces/default/localsubjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'jane', nonResourceAttributes: { path: '/healthz', verb: 'get' } } });
    expect(localPath.body.details?.causes?.map((c) => [c.field, c.message])).toEqual([['spec.nonResourceAttributes', expect.stringMatching(/disallowed on this kind of request$/)]]);
    // Unnamed: the details carry no name (omitempty).
    expect(none.body.details).toEqual({ group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview', causes: [expect.objectContaining({ field: 'spec.resourceAttributes' })] });
  });

  it('answer a local access review in the namespace of its path', async () => {
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { groups: ['devs'], resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } } };
    const r = await rest<KubeObject & { status: unknown }>(base, 'POST', `${AUTHZ}/namespaces/default/localsubjectaccessreviews`, body);
    expect(r.status).toBe(201);
    expect(r.body.metadata).toEqual({ namespace: 'default', creationTimestamp: null });
    expect(r.body.status).toEqual({ allowed: true });
  });

  it('list every action in a rules review, which needs a namespace; whoami names the insecure port\'s superuser', async () => {
    const rules = await rest<KubeObject & { status: unknown }>(base, 'POST', `${AUTHZ}/selfsubjectrulesreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
    expect(rules.status).toBe(201);
    // A fresh review, as kube answers it: the namespace asked about is not echoed.
    expect((rules.body as unknown as { spec: unknown }).spec).toEqual({});
    expect(rules.body.status).toEqual({ resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false });
    const noNamespace = await rest<Status>(base, 'POST', `${AUTHZ}/selfsubjectrulesreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: {} });
    expect([noNamespace.status, noNamespace.body.message]).toEqual([400, 'no namespace on request']);
    const who = await rest<KubeObject & { status: unknown }>(base, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(who.status).toBe(201);
    expect(who.body.status).toEqual({ userInfo: { username: 'system:unsecured', groups: ['system:masters', 'system:authenticated'] } });
    expect(who.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('delete', () => {
  it('finalizers hold an object with a deletionTimestamp until the last one is removed', async () => {
    const cm = configMap('fin-1');
    cm.metadata.finalizers = ['example.com/hold'];
    await rest(base, 'POST', '/api/v1/namespaces/default/configmaps', cm);
    const del = await rest<ConfigMap>(base, 'DELETE', '/api/v1/namespaces/default/configmaps/fin-1');
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeTruthy();
    const held = await rest<ConfigMap>(base, 'GET', '/api/v1/namespaces/default/configmaps/fin-1');
    expect(held.status).toBe(200);
    const released = await rest<ConfigMap>(base, 'PUT', '/api/v1/namespaces/default/configmaps/fin-1', { ...held.body, metadata: { ...held.body.metadata, finalizers: [] } });
    expect(released.status).toBe(200);
    expect((await rest(base, 'GET', '/api/v1/namespaces/default/configmaps/fin-1')).status).toBe(404);
  });

  it('a pod bound to a node is deleted gracefully; gracePeriodSeconds=0 removes it', async () => {
    await rest(base, 'POST', '/api/v1/namespaces/default/pods', pod('grace-1'));
    await rest(base, 'POST', '/api/v1/namespaces/default/pods/grace-1/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'grace-1' }, target: { name: 'node-a' } });
    const del = await rest<Pod>(base, 'DELETE', '/api/v1/namespaces/default/pods/grace-1');
    expect(del.body.metadata.deletionGracePeriodSeconds).toBe(30);
    expect((await rest(base, 'GET', '/api/v1/namespaces/default/pods/grace-1')).status).toBe(200);
    const now = await rest<Pod>(base, 'DELETE', '/api/v1/namespaces/default/pods/grace-1', { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 });
    expect(now.status).toBe(200);
    expect((await rest(base, 'GET', '/api/v1/namespaces/default/pods/grace-1')).status).toBe(404);
    await rest(base, 'POST', '/api/v1/namespaces/default/pods', pod('grace-2'));
    expect((await rest(base, 'DELETE', '/api/v1/namespaces/default/pods/grace-2')).status).toBe(200);
    expect((await rest(base, 'GET', '/api/v1/namespaces/default/pods/grace-2')).status).toBe(404);
  });

  it('checks preconditions, and deletecollection deletes what the selector selects', async () => {
    await createNamespace('del-ns');
    const a = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/del-ns/configmaps', configMap('pre-1'));
    const wrong = await rest<Status>(base, 'DELETE', '/api/v1/namespaces/del-ns/configmaps/pre-1', { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-it' } });
    expect(wrong.status).toBe(409);
    expect(wrong.body.message).toBe(`Operation cannot be fulfilled on configmaps "pre-1": Precondition failed: UID in precondition: not-it, UID in object meta: ${a.body.metadata.uid!}`);
    for (const n of ['dc-1', 'dc-2']) await rest(base, 'POST', '/api/v1/namespaces/del-ns/configmaps', configMap(n, {}, { group: 'dc' }));
    const dc = await rest<KubeList<ConfigMap>>(base, 'DELETE', '/api/v1/namespaces/del-ns/configmaps?labelSelector=group%3Ddc');
    expect(dc.status).toBe(200);
    const left = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/del-ns/configmaps');
    expect(left.body.items.map((c) => c.metadata.name)).toEqual(['pre-1']);
  });

  it('propagationPolicy Foreground and Orphan hold the object with their finalizers; Background deletes at once', async () => {
    for (const name of ['fg', 'orphan', 'bg']) await rest(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment(name));
    const fg = await rest<Deployment>(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/fg', { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
    expect(fg.status).toBe(200);
    expect(fg.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(fg.body.metadata.deletionTimestamp).toBeTruthy();
    const orphan = await rest<Deployment>(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/orphan?propagationPolicy=Orphan');
    expect(orphan.body.metadata.finalizers).toEqual(['orphan']);
    expect((await rest(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/orphan')).status).toBe(200);
    const bg = await rest<Deployment>(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/bg?propagationPolicy=Background');
    expect(bg.status).toBe(200);
    expect((await rest(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/bg')).status).toBe(404);
    const bad = await rest<Status>(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/fg?propagationPolicy=Sometimes');
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"');
  });

  it('orphanDependents, the deprecated form of propagationPolicy, is honoured, and refused together with it', async () => {
    for (const name of ['od-true', 'od-false']) await rest(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment(name));
    const both = await rest<Status>(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/od-true', { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: true, propagationPolicy: 'Background' });
    expect(both.status).toBe(422);
    expect(both.body.message).toBe('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Background": orphanDependents and deletionPropagation cannot be both set');
    const notBool = await rest<Status>(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/od-true', { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: 'false' });
    expect(notBool.status).toBe(400);
    expect(notBool.body.message).toBe('json: cannot unmarshal string into Go struct field DeleteOptions.orphanDependents of type bool');
    // With a body, the query is not read (kube's DELETE handler): a null member is unset.
    const bodyWins = await rest<Status>(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/od-true?orphanDependents=true', { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: null, propagationPolicy: 'Sometimes' });
    expect(bodyWins.status).toBe(422);
    expect(bodyWins.body.message).toContain('propagationPolicy: Unsupported value: "Sometimes"');
    const orphaned = await rest<Deployment>(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/od-true?orphanDependents=true');
    expect(orphaned.body.metadata.finalizers).toEqual(['orphan']);
    const gone = await rest<Deployment>(base, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/od-false', { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: false });
    expect(gone.status).toBe(200);
    expect((await rest(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/od-false')).status).toBe(404);
  });

  it('a batch/v1 Job deleted without a policy orphans its pods, with kube\'s warning; an explicit policy is not warned about', async () => {
    const job = (name: string): unknown => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    for (const name of ['j-default', 'j-background']) expect((await rest(base, 'POST', '/apis/batch/v1/namespaces/default/jobs', job(name))).status).toBe(201);
    const warning =
      '299 - "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"';
    const orphaned = await rest<KubeObject>(base, 'DELETE', '/apis/batch/v1/namespaces/default/jobs/j-default');
    expect(orphaned.status).toBe(200);
    expect(orphaned.headers.get('warning')).toBe(warning);
    expect(orphaned.body.metadata.finalizers).toEqual(['orphan']);
    expect(orphaned.body.metadata.deletionTimestamp).toBeTruthy();
    const background = await rest<KubeObject>(base, 'DELETE', '/apis/batch/v1/namespaces/default/jobs/j-background?propagationPolicy=Background');
    expect(background.status).toBe(200);
    expect(background.headers.get('warning')).toBeNull();
    expect((await rest(base, 'GET', '/apis/batch/v1/namespaces/default/jobs/j-background')).status).toBe(404);
  });

  it('a deleted namespace is Terminating and refuses new content with 403', async () => {
    await createNamespace('doomed');
    const del = await rest<Namespace>(base, 'DELETE', '/api/v1/namespaces/doomed');
    expect(del.status).toBe(200);
    expect(del.body.status?.phase).toBe('Terminating');
    // Admission reads namespaces from the replica's cache, which follows the store within moments (as
    // kube-apiserver's NamespaceLifecycle does): creates are refused once it has seen the deletion.
    const refused = await waitFor(
      async () => {
        const r = await rest<Status>(base, 'POST', '/api/v1/namespaces/doomed/configmaps', { ...configMap(''), metadata: { generateName: 'late-' } });
        return r.status === 201 ? undefined : r;
      },
      { timeoutMs: 10_000, what: 'creates in the terminating namespace to be refused' },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('configmaps "" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    // the cause kube's controllers check before reporting a failed create (apierrors.HasStatusCause)
    expect(refused.body.details?.causes).toEqual([{ reason: 'NamespaceTerminating', message: 'namespace doomed is being terminated', field: 'metadata.namespace' }]);
    const fin = await rest<Namespace>(base, 'PUT', '/api/v1/namespaces/doomed/finalize', { ...del.body, spec: { finalizers: [] } });
    // (Content that got in before the deletion was seen is the namespace controller's to remove.)
    expect(fin.status).toBe(200);
    expect((await rest(base, 'GET', '/api/v1/namespaces/doomed')).status).toBe(404);
  });
});

describe('hardening (review findings)', () => {
  function rawRequest(text: string): Promise<string> {
    const u = new URL(base);
    return new Promise((resolve, reject) => {
      const sock = connect(Number(u.port), u.hostname, () => sock.end(text));
      let out = '';
      sock.on('data', (d: Buffer) => (out += d.toString('utf8')));
      sock.on('end', () => resolve(out));
      sock.on('error', reject);
    });
  }

  it('a request line that is not a URL is a 400, and the replica keeps serving', async () => {
    const answer = await rawRequest('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await rest(base, 'GET', '/readyz')).status).toBe(200);
  });

  it('routes methods as kube-apiserver: 405 for what a path does not serve, 404 for empty segments', async () => {
    expect((await rest(base, 'DELETE', '/api/v1/configmaps')).status).toBe(405);
    expect((await rest(base, 'POST', '/api/v1/namespaces/default/configmaps/named', configMap('named'))).status).toBe(405);
    expect((await rest(base, 'PATCH', '/api/v1/namespaces/default/configmaps', '{}', { 'content-type': 'application/merge-patch+json' })).status).toBe(405);
    expect((await rest(base, 'OPTIONS', '/api/v1/namespaces/default/configmaps')).status).toBe(405);
    expect((await rest(base, 'DELETE', '/api/v1/namespaces//pods')).status).toBe(404);
    expect((await rest(base, 'GET', '/api/v1/namespaces/default/configmaps/%E0%A4%A')).status).toBe(400);
  });

  it('dryRun=All validates and answers without writing', async () => {
    const created = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/default/configmaps?dryRun=All', configMap('dry'));
    expect(created.status).toBe(201);
    expect(created.body.metadata.uid).toBeTruthy();
    expect((await rest(base, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404);
    await rest(base, 'POST', '/api/v1/namespaces/default/configmaps', configMap('dry'));
    const patched = await rest<ConfigMap>(base, 'PATCH', '/api/v1/namespaces/default/configmaps/dry?dryRun=All', '{"data":{"a":"2"}}', { 'content-type': 'application/merge-patch+json' });
    expect(patched.body.data).toEqual({ a: '2' });
    expect((await rest<ConfigMap>(base, 'GET', '/api/v1/namespaces/default/configmaps/dry')).body.data).toEqual({ a: '1' });
    expect((await rest(base, 'DELETE', '/api/v1/namespaces/default/configmaps/dry?dryRun=All')).status).toBe(200);
    expect((await rest(base, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(200);
    const bad = await rest<Status>(base, 'DELETE', '/api/v1/namespaces/default/configmaps/dry?dryRun=Some');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('dryRun: Unsupported value: "Some": supported values: "All"');
  });

  it('a /status write cannot change labels or finalizers; a PUT with another uid is a 409; generation is the server\'s', async () => {
    const d = await rest<Deployment>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment('hard-1'));
    const viaStatus = await rest<Deployment>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/hard-1/status', {
      ...d.body,
      metadata: { ...d.body.metadata, labels: { sneaky: 'yes' }, finalizers: ['x.io/f'] },
      status: { replicas: 1 },
    });
    expect(viaStatus.body.metadata.labels).toBeUndefined();
    expect(viaStatus.body.metadata.finalizers).toBeUndefined();
    expect(viaStatus.body.status).toEqual({ replicas: 1 });
    const otherUid = await rest<Status>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/hard-1', { ...viaStatus.body, metadata: { ...viaStatus.body.metadata, uid: 'not-it' } });
    expect(otherUid.status).toBe(409);
    const gen = await rest<Deployment>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/hard-1', { ...viaStatus.body, metadata: { ...viaStatus.body.metadata, generation: 42 } });
    expect(gen.body.metadata.generation).toBe(1);
    // A stale resourceVersion is a 409 even when the body would not validate (the client must refetch).
    const staleInvalid = await rest<Status>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/hard-1', { ...d.body, spec: { ...d.body.spec, replicas: -1 } });
    expect(staleInvalid.status).toBe(409);
  });

  it('a continue token or DELETE body of null is a 400, not a 500', async () => {
    const nullToken = Buffer.from('null').toString('base64url');
    expect((await rest(base, 'GET', `/api/v1/namespaces/default/configmaps?limit=1&continue=${nullToken}`)).status).toBe(400);
    await rest(base, 'POST', '/api/v1/namespaces/default/configmaps', configMap('null-body'));
    expect((await rest(base, 'DELETE', '/api/v1/namespaces/default/configmaps/null-body', 'null')).status).toBe(400);
  });

  it('a watch whose object cannot be printed ends that watch, not the replica', async () => {
    await rest(base, 'POST', '/api/v1/namespaces/default/pods', pod('odd-status'));
    const p = await rest<Pod>(base, 'GET', '/api/v1/namespaces/default/pods/odd-status');
    // The API refuses such a status (a list that is a number) as Go's decoder would...
    const odd = await rest<Status>(base, 'PUT', '/api/v1/namespaces/default/pods/odd-status/status', { ...p.body, status: { conditions: 5 } });
    expect(odd.status).toBe(400);
    expect(odd.body.message).toBe('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field PodStatus.status.conditions of type []v1.PodCondition');
    // ...but the store may hold one (written by an older capstan, or by hand).
    const etcd = new EtcdClient({ endpoints: [store().endpoint] });
    try {
      const { resourceVersion: _rv, ...meta } = p.body.metadata;
      await etcd.put('/registry/pods/default/odd-status', JSON.stringify({ ...p.body, metadata: meta, status: { conditions: 5 } }));
    } finally {
      etcd.close();
    }
    const res = await fetch(`${base}/api/v1/namespaces/default/pods?watch=1&resourceVersion=0`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    await res.text();
    expect((await rest(base, 'GET', '/readyz')).status).toBe(200);
    expect(api.running).toBe(true);
  });
});

describe('field validation', () => {
  const bad = (name: string): string =>
    `{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "${name}"}, "spec": {"bogus": 1, "replicas": 1, "replicas": 2, ` +
    `"selector": {"matchLabels": {"app": "fv"}}, "template": {"metadata": {"labels": {"app": "fv"}}, ` +
    `"spec": {"containers": [{"name": "c", "image": "nginx", "imagePullPolicyy": "Always"}]}}}}`;
  const problems = ['unknown field "spec.bogus"', 'unknown field "spec.template.spec.containers[0].imagePullPolicyy"', 'duplicate field "spec.replicas"'];
  const warnings = (r: { headers: Headers }): string | null => r.headers.get('warning');

  it('by default (Warn) a create drops the fields the kind does not have, keeps the last of a repeated key, and warns of each', async () => {
    const r = await rest<Deployment>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', bad('fv-warn'));
    expect(r.status).toBe(201);
    expect(warnings(r)).toBe(problems.map((p) => `299 - ${JSON.stringify(p)}`).join(', '));
    const stored = await rest<Deployment & { spec: Record<string, unknown> }>(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/fv-warn');
    expect(stored.body.spec.bogus).toBeUndefined();
    expect(stored.body.spec.replicas).toBe(2);
    expect(stored.body.spec.template.spec!.containers[0]).not.toHaveProperty('imagePullPolicyy');
  });

  it('Strict refuses the create with kube\'s 400 and writes nothing; Ignore drops the fields without a word', async () => {
    const strict = await rest<Status>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict', bad('fv-strict'));
    expect(strict.status).toBe(400);
    expect(strict.body).toMatchObject({ reason: 'BadRequest', message: `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${problems.join(', ')}` });
    expect((await rest(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/fv-strict')).status).toBe(404);
    const ignore = await rest<Deployment>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments?fieldValidation=Ignore', bad('fv-ignore'));
    expect(ignore.status).toBe(201);
    expect(warnings(ignore)).toBeNull();
    expect(ignore.body.spec).not.toHaveProperty('bogus');
    const unknown = await rest<Status>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments?fieldValidation=Loose', bad('fv-loose'));
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"');
  });

  it('an update, a status update and a YAML body are checked the same way', async () => {
    const current = await rest<Deployment>(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/fv-warn');
    const body = { ...current.body, spec: { ...current.body.spec, paused: true, bogus: 1 } };
    const strict = await rest<Status>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/fv-warn?fieldValidation=Strict', body);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogus"');
    const warn = await rest<Deployment>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/fv-warn', body);
    expect(warn.status).toBe(200);
    expect(warnings(warn)).toBe('299 - "unknown field \\"spec.bogus\\""');
    expect(warn.body.spec).toMatchObject({ paused: true });
    expect(warn.body.spec).not.toHaveProperty('bogus');
    const status = await rest<Deployment>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/fv-warn/status', { ...warn.body, status: { replicas: 0, nope: 1 } });
    expect(status.status).toBe(200);
    expect(warnings(status)).toBe('299 - "unknown field \\"status.nope\\""');
    const yaml = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fv-yaml\ndata:\n  k: a\n  k: b\nbinaryDatta: {}\n', { 'content-type': 'application/yaml' });
    expect(yaml.status).toBe(201);
    expect(yaml.body.data).toEqual({ k: 'b' });
    expect(warnings(yaml)).toBe('299 - "line 7: key \\"k\\" already set in map", 299 - "unknown field \\"binaryDatta\\""');
  });

  it('warnings travel in UTF-8, with a refusal too; scale and JSON patch bodies are checked', async () => {
    const utf8 = await fetch(`${base}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fv-utf8' }, 名前: 1 }) });
    expect(utf8.status).toBe(201);
    // fetch reads header bytes as Latin-1; the bytes are UTF-8, as kube-apiserver sends them.
    expect(Buffer.from(utf8.headers.get('warning')!, 'latin1').toString('utf8')).toBe('299 - "unknown field \\"名前\\""');
    const refused = await rest<Status>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments', { ...deployment('fv-refused'), spec: { ...deployment('fv-refused').spec, replicas: -1, bogus: 1 } });
    expect(refused.status).toBe(422);
    expect(warnings(refused)).toBe('299 - "unknown field \\"spec.bogus\\""');
    const scale = await rest<Status>(base, 'PUT', '/apis/apps/v1/namespaces/default/deployments/fv-warn/scale?fieldValidation=Strict', { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'fv-warn', namespace: 'default' }, spec: { replicas: 1, replica: 2 } });
    expect(scale.status).toBe(400);
    expect(scale.body.message).toBe('Scale in version "v1" cannot be handled as a Scale: strict decoding error: unknown field "spec.replica"');
    const jsonPatch = await rest<Deployment>(base, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/fv-warn', '[{"op": "replace", "path": "/spec/paused", "value": true, "valeu": 1}]', { 'content-type': 'application/json-patch+json' });
    expect(jsonPatch.status).toBe(200);
    expect(warnings(jsonPatch)).toBe('299 - "json patch unknown field \\"[0].valeu\\""');
  });

  it('a value of the wrong type is refused as Go\'s decoder words it, whatever the directive, and nothing is written', async () => {
    const body = bad('fv-type').replace('"replicas": 1, "replicas": 2', '"replicas": "2"');
    const r = await rest<Status>(base, 'POST', '/apis/apps/v1/namespaces/default/deployments?fieldValidation=Ignore', body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ reason: 'BadRequest', message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32' });
    expect((await rest(base, 'GET', '/apis/apps/v1/namespaces/default/deployments/fv-type')).status).toBe(404);
    // A null list is Go's nil list: the pod has no containers, which validation refuses (not a 500).
    const nullContainers = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/pods', { ...pod('fv-null'), spec: { containers: null } });
    expect(nullContainers.status).toBe(422);
    expect(nullContainers.body.message).toContain('spec.containers: Required value');
    const nullItem = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/pods', { ...pod('fv-null'), spec: { containers: [null] } });
    expect(nullItem.status).toBe(422);
    const labels = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fv-labels', labels: { n: 1 } } });
    expect(labels.status).toBe(400);
    expect(labels.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
    const patch = await rest<Status>(base, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/fv-warn', '{"spec": {"paused": "yes"}}', { 'content-type': 'application/merge-patch+json' });
    expect(patch.status).toBe(422);
    expect(patch.body.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.paused of type bool$/);
  });

  it('a patch is checked after it applies: Strict is kube\'s 422 on "patch", Warn prunes and warns', async () => {
    const path = '/apis/apps/v1/namespaces/default/deployments/fv-warn';
    const merge = { 'content-type': 'application/merge-patch+json' };
    const strict = await rest<Status>(base, 'PATCH', `${path}?fieldValidation=Strict`, '{"spec": {"bogus": 1}}', merge);
    expect(strict.status).toBe(422);
    expect(strict.body.message).toMatch(/^ "" is invalid: patch: Invalid value: "\{.*\\"bogus\\":1.*\}": strict decoding error: unknown field "spec\.bogus"$/);
    const smp = await rest<Status>(base, 'PATCH', `${path}?fieldValidation=Strict`, '{"spec": {"paused": false, "paused": true, "nope": 1}}', { 'content-type': 'application/strategic-merge-patch+json' });
    expect(smp.status).toBe(422);
    expect(smp.body.message).toBe(' "" is invalid: patch: Invalid value: "map[spec:map[nope:1 paused:true]]": strict decoding error: duplicate field "spec.paused", unknown field "spec.nope"');
    const warn = await rest<Deployment>(base, 'PATCH', path, '{"spec": {"bogus": 1, "paused": false}}', merge);
    expect(warn.status).toBe(200);
    expect(warnings(warn)).toBe('299 - "unknown field \\"spec.bogus\\""');
    expect(warn.body.spec).toMatchObject({ paused: false });
    expect(warn.body.spec).not.toHaveProperty('bogus');
    expect((await rest(base, 'GET', '/readyz')).status).toBe(200);
  });
});

describe('bad input', () => {
  it('answers malformed, mismatched, oversized and unknown requests with a Status, and keeps serving', async () => {
    const malformed = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/configmaps', '{"kind": ', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    const wrongNs = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/configmaps', { ...configMap('x'), metadata: { name: 'x', namespace: 'kube-system' } });
    expect(wrongNs.status).toBe(400);
    expect(wrongNs.body.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
    const wrongKind = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/configmaps', { ...configMap('x'), kind: 'Secret' });
    expect(wrongKind.status).toBe(400);
    const huge = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/configmaps', configMap('huge', { big: 'x'.repeat(4 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.body.reason).toBe('RequestEntityTooLarge');
    const unknown = await rest<Status>(base, 'GET', '/api/v1/namespaces/default/widgets');
    expect(unknown.status).toBe(404);
    expect(unknown.body.reason).toBe('NotFound');
    const badYaml = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n', { 'content-type': 'application/yaml' });
    expect(badYaml.status).toBe(400);
    expect(badYaml.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    const unknownType = await rest<Status>(base, 'POST', '/api/v1/namespaces/default/configmaps', 'k=v', { 'content-type': 'text/csv' });
    expect(unknownType.status).toBe(415);
    expect(unknownType.body.reason).toBe('UnsupportedMediaType');
    const yaml = await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', { 'content-type': 'application/yaml' });
    expect(yaml.status).toBe(201);
    expect(yaml.body.data).toEqual({ k: 'v' });
    expect((await rest(base, 'GET', '/readyz')).status).toBe(200);
    expect(api.running).toBe(true);
  });

  it('answers an Accept header it cannot serve with 406, and Table options it does not know with 400', async () => {
    const html = await rest<Status>(base, 'GET', '/api/v1/namespaces/default/configmaps', undefined, { accept: 'text/html' });
    expect(html.status).toBe(406);
    expect(html.body).toMatchObject({ reason: 'NotAcceptable', message: 'only the following media types are accepted: application/json, application/vnd.kubernetes.protobuf' });
    const table = await rest<Status>(base, 'GET', '/api/v1/namespaces/default/configmaps?includeObject=All', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.status).toBe(400);
    expect(table.body.message).toBe('Unable to convert to Table as requested: includeObject: Unsupported value: "All": supported values: "Metadata", "None", "Object"');
  });

  it('serves Prometheus metrics with kube-apiserver\'s names', async () => {
    const m = await rest<string>(base, 'GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/apiserver_request_total\{verb="POST",group="",version="v1",resource="configmaps",subresource="",code="201"\} \d+/);
    expect(m.body).toContain('apiserver_request_duration_seconds_bucket');
  });
});
