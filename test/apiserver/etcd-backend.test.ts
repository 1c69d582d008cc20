/**
 * The API server over real etcd 3.4 (Debian's etcd-server), whatever CAPSTAN_COMPAT_TARGET says: it reaches
 * the store only through the etcd v3 API, so everything it does over capstan store it must do over etcd —
 * CRUD with optimistic concurrency, selectors and pagination, watch from a resourceVersion, the watch cache,
 * and 410 Expired after a compaction. (`CAPSTAN_COMPAT_TARGET=etcd` runs the whole REST suite over etcd.)
 */
import { describe, expect, it } from 'vitest';
import type { ConfigMap, KubeList, KubeObject, Status } from '../../src/api/index.js';
import { EtcdClient } from '../../src/store/client/index.js';
import { useStore } from '../compat/helpers/store.js';
import { compatRequired, findOnPath } from '../compat/helpers/tools.js';
import { useApiServer } from './helpers/apiserver.js';
import { openWatch, rest } from './helpers/rest.js';

const etcdInstalled = findOnPath('etcd') !== undefined;

it.runIf(compatRequired())('apiserver over etcd: etcd is installed (CAPSTAN_COMPAT=required)', () => {
  expect(etcdInstalled, 'etcd on PATH (Debian package etcd-server)').toBe(true);
});

describe.runIf(etcdInstalled)('capstan apiserver over etcd 3.4', () => {
  const store = useStore({ name: 'apiserver-etcd', target: 'etcd' });
  const api = useApiServer(store);

  const cm = (name: string, labels: Record<string, string> = {}): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { k: name } });

  it('creates, conflicts, lists with selectors and pages, watches, and answers 410 after compaction', async () => {
    const base = api().url;
    expect((await rest(base, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'on-etcd' } })).status).toBe(201);
    const start = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/on-etcd/configmaps');
    const w = await openWatch(base, `/api/v1/namespaces/on-etcd/configmaps?watch=1&resourceVersion=${start.body.metadata.resourceVersion!}`);
    const created: ConfigMap[] = [];
    try {
      for (let i = 0; i < 5; i++) created.push((await rest<ConfigMap>(base, 'POST', '/api/v1/namespaces/on-etcd/configmaps', cm(`c-${i}`, { odd: String(i % 2) }))).body);
      const updated = await rest<ConfigMap>(base, 'PUT', '/api/v1/namespaces/on-etcd/configmaps/c-0', { ...created[0], data: { k: 'v2' } });
      expect(updated.status).toBe(200);
      const stale = await rest<Status>(base, 'PUT', '/api/v1/namespaces/on-etcd/configmaps/c-0', { ...created[0], data: { k: 'v3' } });
      expect(stale.status).toBe(409);
      expect(stale.body.reason).toBe('Conflict');
      const odd = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/on-etcd/configmaps?labelSelector=odd%3D1');
      expect(odd.body.items.map((c) => c.metadata.name)).toEqual(['c-1', 'c-3']);
      const page = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/on-etcd/configmaps?limit=2');
      expect(page.body.items).toHaveLength(2);
      const next = await rest<KubeList<ConfigMap>>(base, 'GET', `/api/v1/namespaces/on-etcd/configmaps?limit=10&continue=${encodeURIComponent(page.body.metadata.continue!)}`);
      expect(next.body.items.map((c) => c.metadata.name)).toEqual(['c-2', 'c-3', 'c-4']);
      const events = await w.events.take(6, 10_000, 'watch events over etcd');
      expect(events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name ?? ''}`)).toEqual(['ADDED c-0', 'ADDED c-1', 'ADDED c-2', 'ADDED c-3', 'ADDED c-4', 'MODIFIED c-0']);
      const cached = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/on-etcd/configmaps?resourceVersion=0');
      expect(cached.body.items).toHaveLength(5);
    } finally {
      w.close();
    }
    const etcd = new EtcdClient({ endpoints: [store().endpoint] });
    try {
      // etcd sends a watch catching up on history in batches whose header carries the current revision: a
      // watch from 1,100 changes back must still deliver all of them (and so must the watch cache).
      const before = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/on-etcd/configmaps');
      const N = 1100;
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (;;) {
            const i = next++;
            if (i >= N) return;
            await etcd.put(`/registry/configmaps/on-etcd/bulk-${String(i).padStart(5, '0')}`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bulk-${i}`, namespace: 'on-etcd' } }));
          }
        }),
      );
      for (const rv of [before.body.metadata.resourceVersion!]) {
        const catchUp = await openWatch(base, `/api/v1/namespaces/on-etcd/configmaps?watch=1&resourceVersion=${rv}`);
        try {
          const got = await catchUp.events.take(N, 30_000, `all ${N} changes since ${rv}`);
          expect(new Set(got.map((e) => (e.object as KubeObject).metadata.name)).size).toBe(N);
        } finally {
          catchUp.close();
        }
      }
      const latest = await rest<KubeList<ConfigMap>>(base, 'GET', '/api/v1/namespaces/on-etcd/configmaps');
      await etcd.compact(Number(latest.body.metadata.resourceVersion), true);
      const old = await rest<Status>(base, 'GET', `/api/v1/namespaces/on-etcd/configmaps?resourceVersion=${start.body.metadata.resourceVersion!}&resourceVersionMatch=Exact`);
      expect(old.status).toBe(410);
      expect(old.body.reason).toBe('Expired');
    } finally {
      etcd.close();
    }
  });
});
