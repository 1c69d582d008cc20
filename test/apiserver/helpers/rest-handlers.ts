/**
 * useRestHandlers runs the API server's REST handlers in-process over a real store member (useStore), with the
 * built-in registry, watch caches and admission chain, and the system namespaces and priority classes in place
 * (as a server has them) — for suites that call the handlers
 * directly instead of through HTTP. It returns a getter valid inside tests and hooks.
 */
import { afterAll, beforeAll } from 'vitest';
import { builtinAdmission } from '../../../src/apiserver/builtin-admission.js';
import { RestHandlers } from '../../../src/apiserver/handlers.js';
import { builtinRegistry, type ResourceRegistry } from '../../../src/apiserver/registry.js';
import { ObjectStore } from '../../../src/apiserver/storage/object-store.js';
import { WatchCaches } from '../../../src/apiserver/watch-cache.js';
import { EtcdClient } from '../../../src/store/client/index.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { SeededRandom } from '../../../src/util/random.js';

/** RestHarness is what useRestHandlers provides. */
export interface RestHarness {
  readonly handlers: RestHandlers;
  readonly registry: ResourceRegistry;
}

/** useRestHandlers sets the handlers up before the suite and closes them after; seed seeds their randomness. */
export function useRestHandlers(store: () => { readonly endpoint: string }, seed: number, registry: ResourceRegistry = builtinRegistry()): () => RestHarness {
  let client: EtcdClient | undefined;
  let caches: WatchCaches | undefined;
  let harness: RestHarness | undefined;
  beforeAll(async () => {
    client = new EtcdClient({ endpoints: [store().endpoint] });
    const objects = new ObjectStore(client, '/registry');
    caches = new WatchCaches(objects, silentLogger(), 100, systemClock);
    const handlers = new RestHandlers(objects, caches, systemClock, new SeededRandom(seed), registry.lookup('', 'v1', 'namespaces'), undefined, builtinAdmission(registry, caches, objects, systemClock));
    await handlers.ensureSystemObjects(registry);
    harness = { handlers, registry };
  });
  afterAll(() => {
    caches?.close();
    client?.close();
  });
  return () => {
    if (harness === undefined) throw new Error('useRestHandlers: used outside the suite');
    return harness;
  };
}
