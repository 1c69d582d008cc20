/**
 * The resourcequota controller (kube-controller-manager's `resourcequota`, ResourceQuotaController): it keeps every
 * ResourceQuota's status — status.hard the spec's hard limits, status.used what its namespace's objects that the quota
 * applies to use now (resource-quota.ts: pods, Services, and object counts of the kinds it watches), for the hard
 * resources only; a hard resource nothing here counts keeps the use it had. The quota admission charges creates
 * between counts. A quota is counted when it appears or its hard limits change, when an object of its namespace
 * stops using what it held (deleted; a pod turning terminal or past its grace period: kube's replenishment), and
 * every resync period (`--resource-quota-sync-period`, 5m). The status is written only when it changes.
 */
import {
  isQuotaActivePod,
  jsonEqual,
  maskUsage,
  scopeRequirements,
  tracks,
  resourceListOf,
  usageOf,
  usageToList,
  addUsage,
  quotaApplies,
  Quantity,
  type DeepReadonly,
  type KubeObject,
  type Pod,
  type QuotaResource,
  type ResourceQuota,
  type Service,
  type Usage,
} from '../../../api/index.js';
import { NAMESPACE_INDEX, indexByNamespace } from '../../client/indexer.js';
import { tombstoneObject, type Informer } from '../../client/informer.js';
import {
  CONFIGMAPS,
  CRON_JOBS,
  DAEMON_SETS,
  DEPLOYMENTS,
  JOBS,
  PODS,
  REPLICA_SETS,
  RESOURCE_QUOTAS,
  SECRETS,
  SERVICE_ACCOUNTS,
  SERVICES,
  STATEFUL_SETS,
  type ResourceDescriptor,
} from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ComponentContext, Controller } from '../../runtime/controller.js';
import { actingWrite, cacheKey, runWorkers, syncInformers } from '../worker-loop.js';

/** ResourceQuotaControllerOptions are the controller's settings. */
export interface ResourceQuotaControllerOptions {
  /** workers is how many quotas are counted at once (--concurrent-resource-quota-syncs, 5). */
  readonly workers?: number;
  /** resyncPeriodMs is how often every quota is counted again (--resource-quota-sync-period, 5m). */
  readonly resyncPeriodMs?: number;
}

/** COUNTED are the kinds whose objects the controller counts (QUOTA_COUNTED_KINDS, with their Informers). */
export const COUNTED: readonly ResourceDescriptor[] = [PODS, SERVICES, CONFIGMAPS, SECRETS, RESOURCE_QUOTAS, SERVICE_ACCOUNTS, DEPLOYMENTS, REPLICA_SETS, STATEFUL_SETS, DAEMON_SETS, JOBS, CRON_JOBS];

/** quotaStatus is what a quota's status should be, given its namespace's counts per kind. */
function quotaStatus(quota: DeepReadonly<ResourceQuota>, counted: ReadonlyMap<string, Usage>): ResourceQuota['status'] {
  const hard = resourceListOf(quota.spec?.hard);
  // A hard resource nothing here counts keeps the use it had (or has none).
  let used: Usage = maskUsage(resourceListOf(quota.status?.used), hard.keys());
  for (const [, u] of counted) used = new Map([...used, ...maskUsage(u, hard.keys())]);
  return { hard: usageToList(hard), used: usageToList(used) };
}

/**
 * countNamespace is what the objects of one namespace that quota applies to use, per kind: for each counted kind
 * that tracks one of the quota's hard resources, the sum over its objects (every tracked resource at least 0).
 */
export function countNamespace(quota: DeepReadonly<ResourceQuota>, objectsOf: (r: ResourceDescriptor) => readonly DeepReadonly<KubeObject>[], now: number): Map<string, Usage> {
  const hardNames = Object.keys(quota.spec?.hard ?? {});
  // Judged by the spec's hard limits: the status may not have them yet.
  const judged: DeepReadonly<ResourceQuota> = { ...quota, status: { hard: quota.spec?.hard ?? {} } };
  const out = new Map<string, Usage>();
  for (const r of COUNTED) {
    const qr: QuotaResource = { group: r.group, resource: r.resource };
    const names = hardNames.filter((n) => tracks(qr, n));
    if (names.length === 0) continue;
    let sum: Usage = new Map(names.map((n) => [n, Quantity.zero()]));
    for (const obj of objectsOf(r)) {
      if (scopeRequirements(quota).length > 0 && !quotaApplies(judged, qr, obj)) continue;
      sum = addUsage(sum, maskUsage(usageOf(qr, obj, now), names));
    }
    out.set(`${r.group}/${r.resource}`, sum);
  }
  return out;
}

/** releases says an update of obj (of r) gives back quota it held: a pod that turned terminal or passed its grace. */
function releases(r: ResourceDescriptor, old: DeepReadonly<KubeObject>, next: DeepReadonly<KubeObject>, now: number): boolean {
  if (r === PODS) return isQuotaActivePod(old as DeepReadonly<Pod>, now) && !isQuotaActivePod(next as DeepReadonly<Pod>, now);
  if (r === SERVICES) return (old as DeepReadonly<Service>).spec?.type !== (next as DeepReadonly<Service>).spec?.type;
  return false;
}

/** resourceQuotaController builds the controller. */
export function resourceQuotaController(opts: ResourceQuotaControllerOptions = {}): Controller {
  return {
    name: 'resourcequota',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      const informers = new Map<ResourceDescriptor, Informer<KubeObject>>(COUNTED.map((r) => [r, ctx.informers.informerFor<KubeObject>(r, { [NAMESPACE_INDEX]: indexByNamespace })]));
      const quotas = informers.get(RESOURCE_QUOTAS)! as unknown as Informer<ResourceQuota>;
      const queue = new WorkQueue<string>({ clock: ctx.clock });
      const resyncMs = opts.resyncPeriodMs ?? 5 * 60_000;
      const enqueueNamespace = (namespace: string | undefined): void => {
        for (const q of quotas.cache.byIndex(NAMESPACE_INDEX, namespace ?? '')) queue.add(cacheKey(q));
      };
      const regs = [
        quotas.addEventHandler({
          onAdd: (q) => queue.add(cacheKey(q)),
          // Status writes (its own, the admission's charges) do not call for a count; new hard limits do.
          onUpdate: (o, q) => {
            if (!jsonEqual(o.spec, q.spec)) queue.add(cacheKey(q));
          },
          // A quota gone gives back its own count to the quotas left (count/resourcequotas).
          onDelete: (q) => enqueueNamespace(tombstoneObject(q).metadata.namespace),
        }),
        ...COUNTED.filter((r) => r !== RESOURCE_QUOTAS).map((r) =>
          informers.get(r)!.addEventHandler({
            onAdd: () => undefined,
            onUpdate: (o, n) => {
              if (releases(r, o, n, ctx.clock.now())) enqueueNamespace(n.metadata.namespace);
            },
            onDelete: (o) => enqueueNamespace(tombstoneObject(o).metadata.namespace),
          }),
        ),
      ];

      const sync = async (key: string): Promise<void> => {
        const quota = quotas.cache.get(key);
        if (quota === undefined) return;
        const namespace = quota.metadata.namespace ?? '';
        const counted = countNamespace(quota, (r) => informers.get(r)!.cache.byIndex(NAMESPACE_INDEX, namespace), ctx.clock.now());
        const status = quotaStatus(quota, counted);
        if (jsonEqual(status, quota.status)) return;
        await actingWrite(ctx, signal, 'update-quota-status', key, () => ctx.client.updateStatus<ResourceQuota>(RESOURCE_QUOTAS, { ...(quota as ResourceQuota), status }), {
          used: JSON.stringify(status?.used ?? {}),
        });
      };

      const resync = ctx.clock.setInterval(() => {
        for (const q of quotas.cache.list()) queue.add(cacheKey(q));
      }, resyncMs);
      try {
        if (!(await syncInformers(ctx, signal))) return;
        for (const q of quotas.cache.list()) queue.add(cacheKey(q));
        await runWorkers('resourcequota', queue, opts.workers ?? 5, sync, signal, ctx.log);
      } finally {
        resync.cancel();
        for (const r of regs) r.remove();
      }
    },
  };
}
