/**
 * The endpointslice controller (kube-controller-manager's `endpointslice`): the EndpointSlices of every Service
 * with a selector (endpointslice-reconcile.ts decides them). Services, pods and the slices it manages enqueue
 * service keys; a worker syncs one service at a time and writes only what changed (journal
 * `create-endpointslice`, `update-endpointslice`, `delete-endpointslice`).
 *
 * Its informer may lag behind its own writes, and a sync on a stale cache would create a slice twice: as kube's
 * EndpointSliceTracker, it remembers the resourceVersion each write left (or that a slice was deleted) and
 * puts a service back in the queue until the cache has caught up with them; a slice deleted by anyone ends its
 * wait, and a write the cache never shows is given up after 10 s. Slices of a service that is gone are the
 * garbage collector's (their owner reference), as in kube.
 */
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, splitObjectKey, type DeepReadonly, type EndpointSlice, type Node, type Pod, type Service } from '../../../api/index.js';
import { isNamespaceTerminating, isNotFound } from '../../client/errors.js';
import { NAMESPACE_INDEX, indexByNamespace } from '../../client/indexer.js';
import { tombstoneObject } from '../../client/informer.js';
import { ENDPOINT_SLICES, NODES, PODS, SERVICES } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ComponentContext, Controller } from '../../runtime/controller.js';
import { enqueueServicesOnChange } from '../endpoint/endpoints-controller.js';
import { actingWrite, runWorkers, syncInformers } from '../worker-loop.js';
import { CONTROLLER_NAME, reconcileSlices } from './endpointslice-reconcile.js';

/** SERVICE_INDEX files the slices this controller manages under their service's key. */
const SERVICE_INDEX = 'service';

/** LABEL_TOPOLOGY_ZONE is the node label an endpoint's zone comes from. */
const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** STALE_RETRY_MS is how soon a service whose slices the cache does not show yet as written is synced again. */
const STALE_RETRY_MS = 100;

/** WRITTEN_TTL_MS is how long a write the cache does not show holds its service back at most. */
const WRITTEN_TTL_MS = 10_000;

/** EndpointSliceControllerOptions are the controller's flags. */
export interface EndpointSliceControllerOptions {
  /** workers is --concurrent-service-endpoint-syncs (default 5). */
  readonly workers: number;
  /** maxEndpointsPerSlice is --max-endpoints-per-slice (default 100). */
  readonly maxEndpointsPerSlice: number;
}

function sliceServiceKey(s: DeepReadonly<EndpointSlice>): string | undefined {
  const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
  if (svc === undefined || s.metadata.labels?.[LABEL_MANAGED_BY] !== CONTROLLER_NAME) return undefined;
  return `${s.metadata.namespace ?? ''}/${svc}`;
}

/** endpointSliceController builds the controller. */
export function endpointSliceController(opts: EndpointSliceControllerOptions): Controller {
  return {
    name: 'endpointslice',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      const services = ctx.informers.informerFor<Service>(SERVICES, { [NAMESPACE_INDEX]: indexByNamespace });
      const pods = ctx.informers.informerFor<Pod>(PODS, { [NAMESPACE_INDEX]: indexByNamespace });
      const nodes = ctx.informers.informerFor<Node>(NODES);
      const slices = ctx.informers.informerFor<EndpointSlice>(ENDPOINT_SLICES, {
        [SERVICE_INDEX]: (s) => {
          const key = sliceServiceKey(s);
          return key === undefined ? [] : [key];
        },
      });
      const queue = new WorkQueue<string>({ clock: ctx.clock });
      // The resourceVersion each of this term's writes left, by service key and slice name (-1: deleted), and when.
      const written = new Map<string, Map<string, { rv: number; at: number }>>();

      const ofSlice = (s: DeepReadonly<EndpointSlice>): void => {
        const key = sliceServiceKey(s);
        if (key !== undefined) queue.add(key);
      };
      const regs = [
        ...enqueueServicesOnChange(services, pods, queue),
        slices.addEventHandler({
          onAdd: ofSlice,
          // A relabelled slice concerns the service it left too.
          onUpdate: (o, s) => {
            ofSlice(o);
            ofSlice(s);
          },
          onDelete: (obj) => {
            const s = tombstoneObject(obj);
            // Deleted by anyone (kubectl, the garbage collector): no write of ours to wait for (HandleDeletion).
            const key = sliceServiceKey(s);
            if (key !== undefined) written.get(key)?.delete(s.metadata.name ?? '');
            ofSlice(s);
          },
        }),
      ];

      /** cacheBehind reports whether the slice cache has not yet seen every write this term made for key. */
      const cacheBehind = (key: string, namespace: string): boolean => {
        const mine = written.get(key);
        if (mine === undefined) return false;
        for (const [name, { rv, at }] of mine) {
          const cached = slices.cache.get(`${namespace}/${name}`);
          const seen = rv === -1 ? cached === undefined : cached !== undefined && Number(cached.metadata.resourceVersion) >= rv;
          if (seen) continue;
          // A write the cache never shows (its slice went before the watch brought it) is given up after a while.
          if (ctx.clock.monotonic() - at > WRITTEN_TTL_MS) {
            ctx.log.warn({ service: key, slice: name }, 'endpointslice: the cache never showed a write; syncing without it');
            mine.delete(name);
            continue;
          }
          return true;
        }
        written.delete(key);
        return false;
      };
      const remember = (key: string, name: string, rv: number): void => {
        let mine = written.get(key);
        if (mine === undefined) written.set(key, (mine = new Map()));
        mine.set(name, { rv, at: ctx.clock.monotonic() });
      };
      const zoneOf = (node: string): string | undefined => nodes.cache.get(node)?.metadata.labels?.[LABEL_TOPOLOGY_ZONE];

      const sync = async (key: string): Promise<void> => {
        const { namespace } = splitObjectKey(key);
        if (cacheBehind(key, namespace)) {
          queue.addAfter(key, STALE_RETRY_MS);
          return;
        }
        const svc = services.cache.get(key);
        const existing = slices.cache.byIndex(SERVICE_INDEX, key);
        const changes = reconcileSlices(svc, pods.cache.byIndex(NAMESPACE_INDEX, namespace), zoneOf, existing, opts.maxEndpointsPerSlice);
        // Creates and updates first, deletes last (kube's order): clients never see fewer endpoints in between.
        for (const s of changes.create) {
          const detail = { endpoints: s.endpoints?.length ?? 0 };
          let out: EndpointSlice;
          try {
            out = await actingWrite(ctx, signal, 'create-endpointslice', key, () => ctx.client.create(ENDPOINT_SLICES, namespace, s), detail);
          } catch (err) {
            // A namespace being deleted takes no new objects: nothing to retry (kube drops the service too).
            if (isNamespaceTerminating(err)) return;
            throw err;
          }
          remember(key, out.metadata.name ?? '', Number(out.metadata.resourceVersion));
        }
        for (const s of changes.update) {
          const detail = { endpoints: s.endpoints?.length ?? 0 };
          const out = await actingWrite(ctx, signal, 'update-endpointslice', `${namespace}/${s.metadata.name ?? ''}`, () => ctx.client.update(ENDPOINT_SLICES, s), detail);
          remember(key, out.metadata.name ?? '', Number(out.metadata.resourceVersion));
        }
        for (const s of changes.delete) {
          const name = s.metadata.name ?? '';
          try {
            await actingWrite(ctx, signal, 'delete-endpointslice', `${namespace}/${name}`, () => ctx.client.delete(ENDPOINT_SLICES, namespace, name));
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
          remember(key, name, -1);
        }
      };

      try {
        if (!(await syncInformers(ctx, signal))) return;
        await runWorkers('endpointslice', queue, opts.workers, sync, signal, ctx.log);
      } finally {
        for (const r of regs) r.remove();
      }
    },
  };
}
