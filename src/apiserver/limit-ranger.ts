/**
 * LimitRangerAdmission is kube-apiserver's LimitRanger admission plugin for one replica (pods only: capstan serves no
 * persistentvolumeclaims): a pod created gets its namespace's LimitRanges' container defaults where it states no
 * request or limit (mutate; the `kubernetes.io/limit-ranger` annotation says which), then is held to their bounds
 * (validate), refused with kube's 403 and messages — `pods "x" is forbidden: minimum cpu usage per Container is
 * 100m, but request is 50m`, several in brackets — at the first LimitRange it breaks. Pod updates are not judged, as
 * kube's. LimitRanges are read from the replica's watch cache with its own writes.
 */
import { aggregateMessages, defaultPodResources, podLimitViolations, type KubeObject, type LimitRange, type Pod } from '../api/index.js';
import { admissionName, byName, type Admitter, type AdmissionPlugin } from './admission.js';
import { StatusError } from './errors.js';
import type { RequestInfo } from './request-info.js';
import type { ResourceType } from './resource.js';
import type { ObjectStore } from './storage/object-store.js';
import type { WatchCaches } from './watch-cache.js';

/** LimitRangerAdmission: see the module comment. */
export class LimitRangerAdmission implements AdmissionPlugin {
  constructor(
    private readonly limitRanges: ResourceType,
    private readonly caches: Pick<WatchCaches, 'for'>,
    private readonly store: Pick<ObjectStore, 'listPrefix'>,
  ) {}

  /** admitterFor gives a pod created in a namespace with LimitRanges its defaults and bounds. */
  async admitterFor(r: ResourceType, info: RequestInfo, _body: KubeObject | undefined): Promise<Admitter | undefined> {
    if (info.subresource !== '' || info.verb !== 'create' || r.group !== '' || r.resource !== 'pods') return undefined;
    const cache = await this.caches.for(this.limitRanges);
    const ranges = (cache.listWithOwnWrites(this.store.listPrefix(this.limitRanges.resource, info.namespace)) as LimitRange[]).sort(byName);
    if (ranges.length === 0) return undefined;
    return {
      mutate: (obj) => defaultPodResources(obj as Pod, ranges),
      validate: (obj) => {
        for (const lr of ranges) {
          const violations = podLimitViolations(obj as Pod, lr);
          if (violations.length > 0) {
            throw StatusError.forbidden({ group: '', resource: 'pods' }, admissionName(info, obj), aggregateMessages(violations));
          }
        }
      },
    };
  }
}
