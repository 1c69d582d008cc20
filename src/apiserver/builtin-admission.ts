/**
 * builtinAdmission is the admission chain of a replica serving the built-in registry, in kube-apiserver's order:
 * LimitRanger, Priority, ResourceQuota — each present when its resource is served.
 */
import type { Clock } from '../util/clock.js';
import { SCHEDULING_GROUP } from '../api/index.js';
import { AdmissionChain, type AdmissionPlugin } from './admission.js';
import { LimitRangerAdmission } from './limit-ranger.js';
import { PriorityAdmission } from './priority-admission.js';
import { QuotaAdmission } from './quota-admission.js';
import type { ResourceRegistry } from './registry.js';
import type { ObjectStore } from './storage/object-store.js';
import type { WatchCaches } from './watch-cache.js';

/** builtinAdmission builds the chain of the module comment over a replica's store and watch caches. */
export function builtinAdmission(registry: ResourceRegistry, caches: WatchCaches, store: ObjectStore, clock: Clock): AdmissionPlugin {
  const limitRanges = registry.lookup('', 'v1', 'limitranges');
  const priorityClasses = registry.lookup(SCHEDULING_GROUP, 'v1', 'priorityclasses');
  const quotas = registry.lookup('', 'v1', 'resourcequotas');
  return new AdmissionChain([
    ...(limitRanges === undefined ? [] : [new LimitRangerAdmission(limitRanges, caches, store)]),
    ...(priorityClasses === undefined ? [] : [new PriorityAdmission(priorityClasses, caches, store)]),
    ...(quotas === undefined ? [] : [new QuotaAdmission(quotas, caches, store, clock)]),
  ]);
}
