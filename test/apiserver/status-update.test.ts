/**
 * A pod's /status write is checked as kube's pod status strategy checks it (ValidatePodStatusUpdate): the
 * spec is the stored one, so the spec checks of a full update are not run again; a full update still runs
 * them. The pods resource here counts its spec checks; the store is a real member.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../src/api/index.js';
import type { RestHandlers } from '../../src/apiserver/handlers.js';
import { builtinRegistry } from '../../src/apiserver/registry.js';
import type { RequestInfo } from '../../src/apiserver/request-info.js';
import type { ResourceType } from '../../src/apiserver/resource.js';
import { useStore } from '../compat/helpers/store.js';
import { useRestHandlers } from './helpers/rest-handlers.js';

describe('pod status writes', () => {
  const store = useStore({ name: 'status-update' });
  const registry = builtinRegistry();
  const builtinPods = registry.lookup('', 'v1', 'pods')!;
  let specChecks = 0;
  const pods: ResourceType = {
    ...builtinPods,
    validate: (o) => {
      specChecks++;
      return builtinPods.validate(o);
    },
    validateUpdate: (o, old) => {
      specChecks++;
      return builtinPods.validateUpdate(o, old);
    },
  };
  const rest = useRestHandlers(store, 3, registry);
  let handlers: RestHandlers;
  beforeAll(() => {
    handlers = rest().handlers;
  });

  const info = (name: string, subresource = '', verb: RequestInfo['verb'] = 'update'): RequestInfo => ({ verb, group: '', version: 'v1', namespace: 'default', resource: 'pods', subresource, name });

  it('run no spec checks and keep the stored spec, while a full update runs them', async () => {
    const created = (await handlers.create(pods, info('', '', 'create'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'su-1' }, spec: { containers: [{ name: 'c', image: 'pause' }] } } as Pod)).body as Pod;
    const before = specChecks;
    // The body's spec would be refused by a full update (no containers); a status write ignores it.
    const body = { ...created, spec: { containers: [] }, status: { phase: 'Running', podIP: '10.0.0.7' } } as KubeObject;
    const out = (await handlers.update(pods, info('su-1', 'status'), body)).body as Pod;
    expect(specChecks).toBe(before);
    expect(out.status).toMatchObject({ phase: 'Running', podIP: '10.0.0.7' });
    expect(out.spec?.containers?.map((c) => c.image)).toEqual(['pause']);
    const image = { ...out, spec: { ...out.spec!, containers: [{ ...out.spec!.containers![0]!, image: 'pause:2' }] } } as KubeObject;
    await handlers.update(pods, info('su-1'), image);
    expect(specChecks).toBe(before + 2);
  });
});
