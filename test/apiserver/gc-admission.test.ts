/**
 * What the API server does for the controller-manager: the DefaultTolerationSeconds admission with the
 * --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds flags, and the finalizers
 * of propagationPolicy as kube-apiserver's deletionFinalizersForGarbageCollection sets them (the policy asked
 * for replaces the other one's finalizer; Background clears both).
 */
import { describe, expect, it } from 'vitest';
import type { ConfigMap, Pod } from '../../src/api/index.js';
import { resolveApiServerFlags } from '../../src/apiserver/config.js';
import { useStore } from '../compat/helpers/store.js';
import { useApiServer } from './helpers/apiserver.js';
import { rest } from './helpers/rest.js';

const store = useStore({ name: 'apiserver-gc-admission' });
const api = useApiServer(store, ['--default-not-ready-toleration-seconds=7', '--default-unreachable-toleration-seconds=11']);

describe('DefaultTolerationSeconds admission', () => {
  it('adds the configured NoExecute tolerations, and none where the pod already tolerates the taint', async () => {
    const plain = await rest<Pod>(api().url, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    expect(plain.status).toBe(201);
    expect(plain.body.spec!.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 11 },
    ]);
    const own = await rest<Pod>(api().url, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'own' },
      spec: { containers: [{ name: 'c', image: 'i' }], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }] },
    });
    expect(own.body.spec!.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 },
    ]);
  });

  it('validates the flags', () => {
    const base = { etcdServers: 'http://127.0.0.1:2379', securePort: '0', insecurePort: '8080' };
    expect(resolveApiServerFlags(base).podAdmission).toEqual({ notReadyTolerationSeconds: 300, unreachableTolerationSeconds: 300 });
    expect(() => resolveApiServerFlags({ ...base, defaultUnreachableTolerationSeconds: '-1' })).toThrow(/default-unreachable-toleration-seconds/);
  });
});

describe('propagationPolicy finalizers', () => {
  it('a later delete with another policy swaps the finalizer; Background clears it and the object goes', async () => {
    const url = api().url;
    const path = '/api/v1/namespaces/default/configmaps';
    const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', finalizers: ['example.com/hold'] } };
    expect((await rest(url, 'POST', path, cm)).status).toBe(201);
    const fg = await rest<ConfigMap>(url, 'DELETE', `${path}/owner?propagationPolicy=Foreground`);
    expect(fg.body.metadata.finalizers).toEqual(['example.com/hold', 'foregroundDeletion']);
    const orphan = await rest<ConfigMap>(url, 'DELETE', `${path}/owner?propagationPolicy=Orphan`);
    expect(orphan.body.metadata.finalizers).toEqual(['example.com/hold', 'orphan']);
    const bg = await rest<ConfigMap>(url, 'DELETE', `${path}/owner?propagationPolicy=Background`);
    expect(bg.body.metadata.finalizers).toEqual(['example.com/hold']);
    const released = await rest<ConfigMap>(url, 'PATCH', `${path}/owner`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
    expect(released.status).toBe(200);
    expect((await rest(url, 'GET', `${path}/owner`)).status).toBe(404);
  });
});
