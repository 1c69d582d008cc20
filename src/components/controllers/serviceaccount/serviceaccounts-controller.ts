/**
 * The service account controller (kube-controller-manager's `serviceaccount`, ServiceAccountsController): every
 * active namespace has the service accounts it should (`default`); one that is missing — never made, or
 * deleted — is created (journal `create-serviceaccount`). A terminating namespace is left alone.
 */
import type { DeepReadonly, Namespace, ServiceAccount } from '../../../api/index.js';
import { isAlreadyExists, isForbidden, isNotFound } from '../../client/errors.js';
import { tombstoneObject } from '../../client/informer.js';
import { NAMESPACES, SERVICE_ACCOUNTS } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ComponentContext, Controller } from '../../runtime/controller.js';
import { actingWrite, runWorkers, syncInformers } from '../worker-loop.js';

/** ServiceAccountsOptions are the controller's settings. */
export interface ServiceAccountsOptions {
  /** names are the service accounts every namespace gets (default ['default']). */
  readonly names?: readonly string[];
  /** workers is how many namespaces are synced at once (kube runs 1). */
  readonly workers: number;
}

/** missingServiceAccounts lists the names a namespace should have and lacks; none for a terminating one. */
export function missingServiceAccounts(ns: DeepReadonly<Namespace> | undefined, have: (name: string) => boolean, names: readonly string[]): string[] {
  if (ns === undefined || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return [];
  return names.filter((n) => !have(n));
}

/** serviceAccountsController builds the controller. */
export function serviceAccountsController(opts: ServiceAccountsOptions): Controller {
  const names = opts.names ?? ['default'];
  return {
    name: 'serviceaccount',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      const namespaces = ctx.informers.informerFor<Namespace>(NAMESPACES);
      const accounts = ctx.informers.informerFor<ServiceAccount>(SERVICE_ACCOUNTS);
      const queue = new WorkQueue<string>({ clock: ctx.clock });
      const regs = [
        namespaces.addEventHandler({ onAdd: (ns) => queue.add(ns.metadata.name ?? ''), onUpdate: (_o, ns) => queue.add(ns.metadata.name ?? '') }),
        accounts.addEventHandler({
          onDelete: (sa) => {
            const obj = tombstoneObject(sa);
            if (names.includes(obj.metadata.name ?? '')) queue.add(obj.metadata.namespace ?? '');
          },
        }),
      ];
      const sync = async (ns: string): Promise<void> => {
        const missing = missingServiceAccounts(namespaces.cache.get(ns), (n) => accounts.cache.get(`${ns}/${n}`) !== undefined, names);
        for (const name of missing) {
          const sa: ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } };
          try {
            await actingWrite(ctx, signal, 'create-serviceaccount', `${ns}/${name}`, () => ctx.client.create(SERVICE_ACCOUNTS, ns, sa));
          } catch (err) {
            // Already there (the cache was behind), or the namespace went or began terminating meanwhile.
            if (!isAlreadyExists(err) && !isNotFound(err) && !isForbidden(err)) throw err;
          }
        }
      };
      try {
        if (!(await syncInformers(ctx, signal))) return;
        await runWorkers('serviceaccount', queue, opts.workers, sync, signal, ctx.log);
      } finally {
        for (const r of regs) r.remove();
      }
    },
  };
}
