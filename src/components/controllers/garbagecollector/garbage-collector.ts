/**
 * The garbage collector (kube-controller-manager's `garbagecollector`), the shell around owner-graph: it
 * discovers every resource that can be listed, watched and deleted (except events, as kube ignores them),
 * watches them all through the term's shared informers, keeps the OwnerGraph in step from their events, and
 * queues object uids to decide about: an object whose owner references changed, the dependents of an object that
 * went away, and an object deleted with the `orphan` or `foregroundDeletion` finalizer. Before it deletes an
 * object or drops a reference because an owner is absent, it confirms the absence with a live read (kube's
 * absent-owner check), so an informer that is behind can never cause a deletion. Writes are journaled:
 * `gc-delete`, `gc-orphan` (a reference taken out of a dependent), `gc-remove-owner-refs`, `gc-remove-finalizer`.
 * Resources added to the API after the term started are not watched until the next term.
 */
import type { DeepReadonly, KubeObject, OwnerReference } from '../../../api/index.js';
import { parseGroupVersion } from '../../../api/index.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import { tombstoneObject } from '../../client/informer.js';
import type { ResourceDescriptor } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ComponentContext, Controller } from '../../runtime/controller.js';
import { discover, type DiscoveredResource } from '../discovery.js';
import { actingWrite, runWorkers, syncInformers } from '../worker-loop.js';
import { decide, OwnerGraph, type GraphNode } from './owner-graph.js';

/** GarbageCollectorOptions are the controller's flags. */
export interface GarbageCollectorOptions {
  /** workers is --concurrent-gc-syncs (default 20). */
  readonly workers: number;
  /** ignoredResources are `resource.group` names never watched (default events and events.events.k8s.io). */
  readonly ignoredResources?: readonly string[];
}

/** gcResources picks the discovered resources the collector watches. */
export function gcResources(resources: readonly DiscoveredResource[], ignored: readonly string[]): DiscoveredResource[] {
  return resources.filter((r) => ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v)) && !ignored.includes(r.group === '' ? r.resource : `${r.resource}.${r.group}`));
}

function toNode(r: ResourceDescriptor, o: DeepReadonly<KubeObject>): GraphNode {
  return {
    uid: o.metadata.uid ?? '',
    resource: r,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name ?? '',
    owners: (o.metadata.ownerReferences ?? []).map((ref) => ({ ...ref })),
    beingDeleted: !!o.metadata.deletionTimestamp,
    finalizers: [...(o.metadata.finalizers ?? [])],
    resourceVersion: o.metadata.resourceVersion ?? '',
  };
}

function ownersKey(n: GraphNode | undefined): string {
  return n === undefined ? '' : n.owners.map((o) => `${o.uid}:${String(o.blockOwnerDeletion ?? false)}`).join(',');
}

function deletionKey(n: GraphNode | undefined): string {
  return n === undefined ? '' : `${String(n.beingDeleted)}:${n.finalizers.join(',')}`;
}

/** garbageCollector builds the controller. */
export function garbageCollector(opts: GarbageCollectorOptions): Controller {
  const ignored = opts.ignoredResources ?? ['events', 'events.events.k8s.io'];
  return {
    name: 'garbagecollector',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      let discovered: DiscoveredResource[] = [];
      while (!signal.aborted) {
        try {
          discovered = gcResources((await discover(ctx.client)).resources, ignored);
          break;
        } catch (err) {
          ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'garbage collector: discovery failed; retrying');
          await new Promise<void>((resolve) => ctx.clock.setTimeout(resolve, 1000));
        }
      }
      if (signal.aborted) return;
      const byKind = new Map<string, DiscoveredResource>(discovered.map((r) => [`${r.group}/${r.kind}`, r]));
      const graph = new OwnerGraph();
      const queue = new WorkQueue<string>({ clock: ctx.clock });
      let synced = false;
      const regs = discovered.map((r) =>
        ctx.informers.informerFor<KubeObject>(r).addEventHandler({
          onAdd: (o) => {
            const n = toNode(r, o);
            graph.upsert(n);
            if (synced && (n.owners.length > 0 || n.beingDeleted)) queue.add(n.uid);
          },
          onUpdate: (_o, o) => {
            const n = toNode(r, o);
            const old = graph.upsert(n);
            if (!synced) return;
            if (ownersKey(old) !== ownersKey(n)) {
              queue.add(n.uid);
              // An owner this object no longer names may be waiting for exactly that (orphaning, foreground).
              for (const o of old?.owners ?? []) if (!n.owners.some((x) => x.uid === o.uid)) queue.add(o.uid);
            }
            if (deletionKey(old) !== deletionKey(n)) {
              queue.add(n.uid);
              for (const d of graph.dependentsOf(n.uid)) queue.add(d.uid);
            }
          },
          onDelete: (o) => {
            const obj = tombstoneObject(o);
            const uid = obj.metadata.uid ?? '';
            const dependents = graph.dependentsOf(uid);
            const old = graph.remove(uid);
            if (!synced) return;
            for (const d of dependents) queue.add(d.uid);
            for (const owner of old?.owners ?? []) queue.add(owner.uid);
          },
        }),
      );

      /** ownerExists reads an owner live: true when an object of that kind and name has the referenced uid. */
      const ownerExists = async (item: GraphNode, ref: OwnerReference): Promise<boolean> => {
        const { group } = parseGroupVersion(ref.apiVersion);
        const r = byKind.get(`${group}/${ref.kind}`);
        // A kind the API does not serve cannot be checked: never delete on its account.
        if (r === undefined) return true;
        try {
          const owner = await ctx.client.get<KubeObject>(r, r.namespaced ? item.namespace : undefined, ref.name);
          return owner.metadata.uid === ref.uid;
        } catch (err) {
          if (isNotFound(err)) return false;
          throw err;
        }
      };

      const patchMeta = (n: GraphNode, action: string, meta: Record<string, unknown>, detail: Record<string, string>): Promise<unknown> =>
        actingWrite(ctx, signal, action, n.namespace === '' ? n.name : `${n.namespace}/${n.name}`, () => ctx.client.patch(n.resource, n.namespace || undefined, n.name, 'merge', { metadata: { ...meta, uid: n.uid, resourceVersion: n.resourceVersion } }), {
          resource: n.resource.resource,
          ...detail,
        });

      const sync = async (uid: string): Promise<void> => {
        const item = graph.get(uid);
        if (item === undefined) return;
        const action = decide(graph, uid);
        try {
          switch (action.kind) {
            case 'none':
              return;
            case 'orphan':
              for (const d of action.dependents) {
                const owners = d.owners.filter((o) => o.uid !== uid);
                await patchMeta(d, 'gc-orphan', { ownerReferences: owners.length === 0 ? null : owners }, { owner: uid });
              }
              // The informers bring the patched dependents; the owner is looked at again then.
              queue.addAfter(uid, 200);
              return;
            case 'foreground':
              for (const d of action.enqueue) queue.add(d.uid);
              if (action.blocking > 0) return;
              await patchMeta(item, 'gc-remove-finalizer', { finalizers: remainingFinalizers(item, 'foregroundDeletion') }, { finalizer: 'foregroundDeletion' });
              return;
            case 'removeFinalizer':
              await patchMeta(item, 'gc-remove-finalizer', { finalizers: remainingFinalizers(item, action.finalizer) }, { finalizer: action.finalizer });
              return;
            case 'removeOwnerRefs':
            case 'delete': {
              for (const ref of action.dangling) {
                if (await ownerExists(item, ref)) {
                  // The owner exists: our caches are behind. Look again once they caught up.
                  queue.addAfter(uid, 1000);
                  return;
                }
              }
              if (action.kind === 'removeOwnerRefs') {
                const owners = item.owners.filter((o) => !action.uids.includes(o.uid));
                await patchMeta(item, 'gc-remove-owner-refs', { ownerReferences: owners.length === 0 ? null : owners }, { removed: action.uids.join(',') });
                return;
              }
              await actingWrite(ctx, signal, 'gc-delete', item.namespace === '' ? item.name : `${item.namespace}/${item.name}`, () => ctx.client.delete(item.resource, item.namespace || undefined, item.name, { preconditions: { uid }, propagationPolicy: action.policy }), {
                resource: item.resource.resource,
                policy: action.policy,
              });
              return;
            }
          }
        } catch (err) {
          // Gone meanwhile, or changed meanwhile (the informer brings the change and requeues it).
          if (isNotFound(err)) return;
          if (isConflict(err)) {
            queue.addAfter(uid, 200);
            return;
          }
          throw err;
        }
      };

      try {
        if (!(await syncInformers(ctx, signal))) return;
        synced = true;
        for (const uid of graph.uids()) {
          const n = graph.get(uid)!;
          if (n.owners.length > 0 || n.beingDeleted) queue.add(uid);
        }
        ctx.log.info({ resources: discovered.length, objects: graph.size }, 'garbage collector synced');
        await runWorkers('garbagecollector', queue, opts.workers, sync, signal, ctx.log);
      } finally {
        for (const r of regs) r.remove();
      }
    },
  };
}

function remainingFinalizers(n: GraphNode, finalizer: string): string[] | null {
  const rest = n.finalizers.filter((f) => f !== finalizer);
  return rest.length === 0 ? null : rest;
}
