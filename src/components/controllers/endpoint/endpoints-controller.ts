/**
 * The endpoint controller (kube-controller-manager's `endpoint`): one Endpoints object per Service with a
 * selector, named as the service, listing its pods' addresses (endpoint-subsets.ts decides what). Services,
 * pods and Endpoints only enqueue service keys; a worker syncs one service at a time and writes only when the
 * computed object differs from the cached one (journal `create-endpoints`, `update-endpoints`), and deletes the
 * Endpoints of a service that is gone (`delete-endpoints`).
 */
import type { DeepReadonly, Endpoints, Pod, Service } from '../../../api/index.js';
import { selectorFromSet } from '../../../api/index.js';
import { isAlreadyExists, isNotFound } from '../../client/errors.js';
import { NAMESPACE_INDEX, indexByNamespace } from '../../client/indexer.js';
import { tombstoneObject, type HandlerRegistration, type Informer } from '../../client/informer.js';
import { ENDPOINTS, PODS, SERVICES } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ComponentContext, Controller } from '../../runtime/controller.js';
import { actingWrite, cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import { desiredEndpoints, podEndpointChanged } from './endpoint-subsets.js';

/** LEADER_ANNOTATION marks an Endpoints object used as a leader-election lock, never a service's. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

/** EndpointsControllerOptions are the controller's flags. */
export interface EndpointsControllerOptions {
  /** workers is --concurrent-endpoint-syncs (default 5). */
  readonly workers: number;
}

/** endpointsController builds the controller. */
export function endpointsController(opts: EndpointsControllerOptions): Controller {
  return {
    name: 'endpoint',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      const services = ctx.informers.informerFor<Service>(SERVICES, { [NAMESPACE_INDEX]: indexByNamespace });
      const pods = ctx.informers.informerFor<Pod>(PODS, { [NAMESPACE_INDEX]: indexByNamespace });
      const endpoints = ctx.informers.informerFor<Endpoints>(ENDPOINTS);
      const queue = new WorkQueue<string>({ clock: ctx.clock });

      const regs = [
        ...enqueueServicesOnChange(services, pods, queue),
        endpoints.addEventHandler({
          onUpdate: (_o, e) => queue.add(cacheKey(e)),
          onDelete: (e) => queue.add(cacheKey(tombstoneObject(e))),
        }),
      ];

      const sync = async (key: string): Promise<void> => {
        const svc = services.cache.get(key);
        const current = endpoints.cache.get(key);
        if (svc === undefined) {
          if (current === undefined) return;
          try {
            await actingWrite(ctx, signal, 'delete-endpoints', key, () => ctx.client.delete(ENDPOINTS, current.metadata.namespace, current.metadata.name ?? ''));
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
          return;
        }
        if (svc.spec?.selector === undefined) return;
        const want = desiredEndpoints(svc, pods.cache.byIndex(NAMESPACE_INDEX, svc.metadata.namespace ?? ''), current);
        if (want === undefined) return;
        const detail = { addresses: want.subsets!.reduce((n, s) => n + (s.addresses?.length ?? 0), 0), notReady: want.subsets!.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0) };
        if (current === undefined) {
          try {
            await actingWrite(ctx, signal, 'create-endpoints', key, () => ctx.client.create(ENDPOINTS, want.metadata.namespace, want), detail);
          } catch (err) {
            // Created meanwhile (a previous leader, or an informer behind our own write): sync again from the cache.
            if (isAlreadyExists(err)) queue.addAfter(key, 100);
            else throw err;
          }
          return;
        }
        await actingWrite(ctx, signal, 'update-endpoints', key, () => ctx.client.update(ENDPOINTS, want), detail);
      };

      try {
        if (!(await syncInformers(ctx, signal))) return;
        // Endpoints of services that no longer exist (deleted while no controller ran) go too, except
        // leader-election records (checkLeftoverEndpoints).
        for (const e of endpoints.cache.list()) {
          if (services.cache.get(cacheKey(e)) === undefined && e.metadata.annotations?.[LEADER_ANNOTATION] === undefined) queue.add(cacheKey(e));
        }
        await runWorkers('endpoint', queue, opts.workers, sync, signal, ctx.log);
      } finally {
        for (const r of regs) r.remove();
      }
    },
  };
}

/**
 * enqueueServicesOnChange queues a Service's key when it changes and when a pod it selects comes, goes or
 * changes in a way that can change its endpoints (the endpoint and endpointslice controllers' handlers).
 */
export function enqueueServicesOnChange(services: Informer<Service>, pods: Informer<Pod>, queue: WorkQueue<string>): HandlerRegistration[] {
  const servicesOf = (pod: DeepReadonly<Pod>): void => {
    for (const svc of services.cache.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) {
      if (svc.spec?.selector !== undefined && selectorFromSet(svc.spec.selector).matches(pod.metadata.labels ?? {})) queue.add(cacheKey(svc));
    }
  };
  return [
    services.addEventHandler({
      onAdd: (s) => queue.add(cacheKey(s)),
      onUpdate: (_o, s) => queue.add(cacheKey(s)),
      onDelete: (s) => queue.add(cacheKey(tombstoneObject(s))),
    }),
    pods.addEventHandler({
      onAdd: (p) => servicesOf(p),
      onUpdate: (o, p) => {
        if (!podEndpointChanged(o, p)) return;
        servicesOf(o);
        servicesOf(p);
      },
      onDelete: (p) => servicesOf(tombstoneObject(p)),
    }),
  ];
}
