/**
 * QuotaAdmission is kube-apiserver's ResourceQuota admission plugin for one replica: a namespaced object created (or
 * a Service updated) is judged against every quota of its namespace that applies to it (resource-quota.ts) — a pod
 * must state cpu and memory once a quota limits them (`failed quota: …: must specify …`), a quota the controller has
 * not yet counted refuses (`status unknown for quota: …`), and the use must stay within each hard limit (`exceeded
 * quota: q, requested: …, used: …, limited: …`), all 403 Forbidden. Admitted, its use is added to each quota's
 * status.used by a write guarded by the quota's revision, so that replicas charging at once are serialized by the
 * store; a quota written meanwhile is read again and judged again (three times, then 409 Conflict). Dry runs are
 * judged and not charged. A charge the request then does not use (its write fails) stays until the resourcequota
 * controller counts again, as with kube.
 *
 * Quotas are read from the replica's watch cache with its own writes; subresources and cluster-scoped objects are
 * not judged.
 */
import {
  addUsage,
  chargesUpdates,
  increase,
  maskUsage,
  missingContainerRequests,
  prettyPrint,
  quotaApplies,
  removeZeros,
  tracks,
  resourceListOf,
  usageOf,
  usageToList,
  type KubeObject,
  type Pod,
  type QuotaResource,
  type ResourceQuota,
  type Usage,
} from '../api/index.js';
import type { Clock } from '../util/clock.js';
import { admissionName, byName, type Admitter, type AdmissionPlugin } from './admission.js';
import { StatusError } from './errors.js';
import type { RequestInfo } from './request-info.js';
import { stampKind, type ResourceType } from './resource.js';
import type { ObjectStore } from './storage/object-store.js';
import type { WatchCache, WatchCaches } from './watch-cache.js';

/** MAX_QUOTA_RETRIES is how often quotas written meanwhile are read and judged again (kube's checkQuotas, 3). */
const MAX_QUOTA_RETRIES = 3;


/** QuotaAdmission: see the module comment. */
export class QuotaAdmission implements AdmissionPlugin {
  constructor(
    private readonly quotas: ResourceType,
    private readonly caches: Pick<WatchCaches, 'for'>,
    private readonly store: Pick<ObjectStore, 'key' | 'listPrefix' | 'list' | 'update'>,
    private readonly clock: Clock,
  ) {}

  /** admitterFor gives a namespaced create (or a Service update) its charge. */
  async admitterFor(r: ResourceType, info: RequestInfo, _body: KubeObject | undefined): Promise<Admitter | undefined> {
    if (info.subresource !== '' || !r.namespaced || info.namespace === '') return undefined;
    const qr: QuotaResource = { group: r.group, resource: r.resource };
    if (info.verb !== 'create' && !chargesUpdates(qr)) return undefined;
    const cache = await this.caches.for(this.quotas);
    return {
      mutate: () => undefined,
      validate: () => undefined,
      charge: (obj, old, dryRun) => this.charge(cache, r, qr, info, obj, old, dryRun),
    };
  }

  private async charge(cache: WatchCache, r: ResourceType, qr: QuotaResource, info: RequestInfo, obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<void> {
    const prefix = this.store.listPrefix(this.quotas.resource, info.namespace);
    let quotas = (cache.listWithOwnWrites(prefix) as ResourceQuota[]).sort(byName);
    if (quotas.length === 0) return;
    const now = this.clock.now();
    const next = removeZeros(usageOf(qr, obj, now));
    const delta = removeZeros(old === undefined ? next : increase(next, usageOf(qr, old, now)));
    const name = admissionName(info, obj);
    const forbidden = (why: string): StatusError => StatusError.forbidden({ group: r.group, resource: r.resource }, name, why);
    let pending: Set<string> | undefined;
    for (let attempt = 0; ; attempt++) {
      // As kube's checkRequest: every quota that applies is checked for its constraints and its count first, then
      // (if the object uses anything) for room.
      const applying = quotas.filter((q) => (pending === undefined || pending.has(q.metadata.name ?? '')) && quotaApplies(q, qr, obj));
      for (const quota of applying) {
        const quotaName = quota.metadata.name ?? '';
        const restricted = Object.keys(quota.status?.hard ?? {}).filter((k) => tracks(qr, k));
        if (qr.group === '' && qr.resource === 'pods') {
          const missing = missingContainerRequests(restricted, obj as Pod);
          if (missing !== undefined) throw forbidden(`failed quota: ${quotaName}: ${missing}`);
        }
        const used = quota.status?.used ?? {};
        if (restricted.some((k) => used[k] === undefined)) throw forbidden(`status unknown for quota: ${quotaName}, resources: ${restricted.sort().join(',')}`);
      }
      if (applying.length === 0 || delta.size === 0) return;
      const charges: { quota: ResourceQuota; used: Usage }[] = [];
      for (const quota of applying) {
        const quotaName = quota.metadata.name ?? '';
        const hard = resourceListOf(quota.status?.hard);
        const used = resourceListOf(quota.status?.used);
        const requested = maskUsage(delta, hard.keys());
        if (requested.size === 0) continue;
        const total = addUsage(used, requested);
        const exceeded = [...requested.keys()].filter((k) => total.get(k)!.cmp(hard.get(k)!) > 0);
        if (exceeded.length > 0) {
          throw forbidden(`exceeded quota: ${quotaName}, requested: ${prettyPrint(maskUsage(requested, exceeded))}, used: ${prettyPrint(maskUsage(used, exceeded))}, limited: ${prettyPrint(maskUsage(hard, exceeded))}`);
        }
        charges.push({ quota, used: maskUsage(total, hard.keys()) });
      }
      if (dryRun || charges.length === 0) return;
      const conflicted = new Set<string>();
      for (const c of charges) {
        const quotaName = c.quota.metadata.name ?? '';
        const key = this.store.key(this.quotas.resource, info.namespace, quotaName);
        const written = stampKind(this.quotas, { ...c.quota, status: { ...c.quota.status, used: usageToList(c.used) } } as KubeObject);
        const out = await this.store.update(key, written, Number(c.quota.metadata.resourceVersion));
        if (out.ok) cache.wrote(key, out.value);
        else conflicted.add(quotaName);
      }
      if (conflicted.size === 0) return;
      if (attempt >= MAX_QUOTA_RETRIES) throw StatusError.modified({ group: '', resource: this.quotas.resource }, [...conflicted][0]!);
      // Only the quotas written meanwhile are judged again, as they are now.
      pending = conflicted;
      quotas = (await this.store.list({ prefix })).items.map((v) => v.obj as ResourceQuota).sort(byName);
    }
  }
}
