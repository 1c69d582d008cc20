/**
 * The namespace controller (kube-controller-manager's `namespace`): a namespace whose deletion has begun
 * (deletionTimestamp set, phase Terminating, `kubernetes` still in spec.finalizers) is emptied — every
 * namespaced resource that discovery lists is deleted by collection with background propagation (journal
 * `delete-collection`), progress is reported in the namespace's conditions (journal `namespace-status`) — and
 * once nothing is left the `kubernetes` finalizer is removed through namespaces/NAME/finalize (journal
 * `finalize-namespace`), upon which the API server removes the namespace. While content remains (pods a node
 * agent still stops, objects held by finalizers) the namespace is looked at again after --namespace-sync-retry.
 */
import type { DeepReadonly, KubeList, KubeObject, Namespace } from '../../../api/index.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import { NAMESPACES, resourcePath } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ComponentContext, Controller } from '../../runtime/controller.js';
import { discover, type DiscoveredResource } from '../discovery.js';
import { actingWrite, runWorkers, syncInformers } from '../worker-loop.js';
import { conditionsChanged, contentResources, finalizedSpec, isDone, namespaceConditions, needsFinalizing, type DeletionProgress } from './namespace-deletion.js';

/** NamespaceControllerOptions are the controller's flags. */
export interface NamespaceControllerOptions {
  /** workers is --concurrent-namespace-syncs (default 10). */
  readonly workers: number;
  /** retryMs is how soon a namespace with content left is looked at again (default 2 s). */
  readonly retryMs: number;
}

/** namespaceController builds the controller. */
export function namespaceController(opts: NamespaceControllerOptions): Controller {
  return {
    name: 'namespace',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      const namespaces = ctx.informers.informerFor<Namespace>(NAMESPACES);
      const queue = new WorkQueue<string>({ clock: ctx.clock });
      const enqueue = (ns: DeepReadonly<Namespace>): void => {
        if (needsFinalizing(ns)) queue.add(ns.metadata.name ?? '');
      };
      const reg = namespaces.addEventHandler({ onAdd: enqueue, onUpdate: (_o, ns) => enqueue(ns) });

      const deleteContent = async (name: string, resources: readonly DiscoveredResource[]): Promise<Pick<DeletionProgress, 'deleteFailures' | 'remaining' | 'finalizers'>> => {
        const deleteFailures: string[] = [];
        const remaining: Record<string, number> = {};
        const finalizers: Record<string, number> = {};
        for (const r of resources) {
          const label = r.group === '' ? r.resource : `${r.resource}.${r.group}`;
          try {
            const path = resourcePath(r, name);
            let list = await ctx.client.request<KubeList<KubeObject>>({ method: 'GET', path });
            const live = list.items.filter((o) => !o.metadata.deletionTimestamp);
            if (live.length > 0) {
              if (r.verbs.includes('deletecollection')) {
                await actingWrite(ctx, signal, 'delete-collection', `${name}/${label}`, () => ctx.client.request({ method: 'DELETE', path, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } }), { items: live.length });
              } else {
                for (const o of live) {
                  try {
                    await actingWrite(ctx, signal, 'delete', `${name}/${o.metadata.name ?? ''}`, () => ctx.client.delete(r, name, o.metadata.name ?? '', { propagationPolicy: 'Background' }), { resource: label });
                  } catch (err) {
                    if (!isNotFound(err)) throw err;
                  }
                }
              }
              list = await ctx.client.request<KubeList<KubeObject>>({ method: 'GET', path });
            }
            if (list.items.length > 0) remaining[label] = list.items.length;
            for (const o of list.items) for (const f of o.metadata.finalizers ?? []) finalizers[f] = (finalizers[f] ?? 0) + 1;
          } catch (err) {
            if (signal.aborted) throw err;
            if (isNotFound(err)) continue;
            deleteFailures.push(`${label}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        return { deleteFailures, remaining, finalizers };
      };

      const sync = async (name: string): Promise<void> => {
        const ns = namespaces.cache.get(name);
        if (!needsFinalizing(ns)) return;
        const discovery = await discover(ctx.client);
        const content = await deleteContent(name, contentResources(discovery.resources));
        const progress: DeletionProgress = { discoveryFailures: discovery.failed.map((f) => f.groupVersion), ...content };
        const latest = namespaces.cache.get(name) ?? ns!;
        const conditions = namespaceConditions(latest, progress, ctx.clock.now());
        if (conditionsChanged(latest, conditions)) {
          const next = JSON.parse(JSON.stringify(latest)) as Namespace;
          next.status = { ...(next.status ?? {}), conditions };
          try {
            await actingWrite(ctx, signal, 'namespace-status', name, () => ctx.client.updateStatus(NAMESPACES, next));
          } catch (err) {
            if (isNotFound(err)) return;
            if (!isConflict(err)) throw err;
          }
        }
        if (!isDone(progress)) {
          queue.addAfter(name, opts.retryMs);
          return;
        }
        const fresh = await ctx.client.get<Namespace>(NAMESPACES, undefined, name);
        if (!needsFinalizing(fresh)) return;
        const body: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: fresh.metadata.resourceVersion ?? '' }, spec: { finalizers: finalizedSpec(fresh) } };
        try {
          await actingWrite(ctx, signal, 'finalize-namespace', name, () => ctx.client.update(NAMESPACES, body, { subresource: 'finalize' }));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      };

      try {
        if (!(await syncInformers(ctx, signal))) return;
        await runWorkers('namespace', queue, opts.workers, sync, signal, ctx.log);
      } finally {
        reg.remove();
      }
    },
  };
}
