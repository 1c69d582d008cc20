/**
 * The npm @kubernetes/client-node (1.4) against capstan apiserver over a capstan store: typed CRUD with
 * Kubernetes' errors, a raw watch, and an informer that relists after its watch is answered 410 Gone
 * (its resourceVersion fell behind a compaction) and ends up with exactly the objects the server holds.
 */
import { ApiException, CoreV1Api, KubeConfig, Watch, makeInformer, type V1ConfigMap, type V1Status } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient } from '../../src/store/client/index.js';
import { useStore } from './helpers/store.js';
import { AsyncQueue, waitFor } from './helpers/wait.js';
import { startApiServer, type ApiServerProcess } from '../apiserver/helpers/apiserver.js';

const store = useStore({ name: 'client-node' });
let api: ApiServerProcess;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  // Watches end after 1–2 s, so that an informer re-watches from its resourceVersion during the test; the
  // watch cache keeps only 3 changes, so that a re-watch from before them goes to etcd.
  api = await startApiServer([store().endpoint], ['--min-request-timeout=1', '--default-watch-cache-size=3']);
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'capstan', server: api.url, skipTLSVerify: true }],
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'capstan', cluster: 'capstan', user: 'anonymous' }],
    currentContext: 'capstan',
  });
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'client-node' } } });
}, 60_000);

afterAll(async () => {
  await api?.stop();
});

function cm(name: string, labels: Record<string, string> = {}): V1ConfigMap {
  return { metadata: { name, labels }, data: { k: name } };
}

async function apiError(p: Promise<unknown>): Promise<ApiException<unknown>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) return err;
    throw err;
  }
  throw new Error('the call succeeded');
}

describe('@kubernetes/client-node', () => {
  it('creates, reads, lists, replaces and deletes, and surfaces Kubernetes errors', async () => {
    const namespace = 'client-node';
    const created = await core.createNamespacedConfigMap({ namespace, body: cm('crud', { app: 'x' }) });
    expect(created.metadata?.uid).toBeTruthy();
    const read = await core.readNamespacedConfigMap({ namespace, name: 'crud' });
    expect(read.data).toEqual({ k: 'crud' });
    const list = await core.listNamespacedConfigMap({ namespace, labelSelector: 'app=x' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['crud']);
    const replaced = await core.replaceNamespacedConfigMap({ namespace, name: 'crud', body: { ...read, data: { k: 'v2' } } });
    expect(replaced.data).toEqual({ k: 'v2' });
    const conflict = await apiError(core.replaceNamespacedConfigMap({ namespace, name: 'crud', body: { ...read, data: { k: 'v3' } } }));
    expect(conflict.code).toBe(409);
    expect(JSON.parse(String(conflict.body)) as V1Status).toMatchObject({ reason: 'Conflict' });
    const dup = await apiError(core.createNamespacedConfigMap({ namespace, body: cm('crud') }));
    expect(dup.code).toBe(409);
    await core.deleteNamespacedConfigMap({ namespace, name: 'crud' });
    const gone = await apiError(core.readNamespacedConfigMap({ namespace, name: 'crud' }));
    expect(gone.code).toBe(404);
  });

  it('watches a collection from a resourceVersion', async () => {
    const namespace = 'client-node';
    const start = await core.listNamespacedConfigMap({ namespace });
    const events = new AsyncQueue<string>((items) => items.join('\n'));
    const abort = await new Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { resourceVersion: start.metadata?.resourceVersion },
      (type: string, obj: V1ConfigMap) => events.push(`${type} ${obj.metadata?.name ?? ''}`),
      () => events.end(new Error('watch ended')),
    );
    try {
      await core.createNamespacedConfigMap({ namespace, body: cm('w1') });
      await core.deleteNamespacedConfigMap({ namespace, name: 'w1' });
      expect(await events.take(2, 10_000, 'watch events')).toEqual(['ADDED w1', 'DELETED w1']);
    } finally {
      abort.abort();
    }
  });

  it('an informer relists after a 410 and converges on the server\'s objects', async () => {
    const namespace = 'client-node';
    let lists = 0;
    const informer = makeInformer(
      kc,
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => {
        lists++;
        return core.listNamespacedConfigMap({ namespace, labelSelector: 'team=a' });
      },
      'team=a',
    );
    const errors: unknown[] = [];
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    const etcd = new EtcdClient({ endpoints: [store().endpoint] });
    try {
      await core.createNamespacedConfigMap({ namespace, body: cm('a1', { team: 'a' }) });
      await waitFor(() => (informer.get('a1', namespace) !== undefined ? true : undefined), { timeoutMs: 10_000, what: 'the informer to see a1' });
      expect(lists).toBe(1);
      // Writes the informer does not select move the store past its resourceVersion (and out of the watch
      // cache's window); compacting there makes its next watch (it re-watches when the server ends the
      // stream) a 410.
      for (let i = 0; i < 5; i++) await core.createNamespacedConfigMap({ namespace, body: cm(`b${i}`, { team: 'b' }) });
      const latest = await core.listNamespacedConfigMap({ namespace });
      await etcd.compact(Number(latest.metadata?.resourceVersion), true);
      await waitFor(() => (lists >= 2 ? true : undefined), { timeoutMs: 20_000, what: 'the informer to relist after 410' });
      await core.createNamespacedConfigMap({ namespace, body: cm('a2', { team: 'a' }) });
      await core.deleteNamespacedConfigMap({ namespace, name: 'a1' });
      await waitFor(
        () => {
          const names = informer.list(namespace).map((o) => o.metadata?.name).sort();
          return names.length === 1 && names[0] === 'a2' ? true : undefined;
        },
        { timeoutMs: 20_000, what: 'the informer cache to hold exactly a2' },
      );
      expect(errors).toEqual([]);
    } finally {
      etcd.close();
      await informer.stop();
    }
  });
});
