/**
 * PriorityAdmission is kube-apiserver's Priority admission plugin (plugin/pkg/admission/priority), for one replica:
 *
 * - a pod created resolves its spec.priorityClassName into spec.priority and spec.preemptionPolicy: the class named,
 *   or with none named the global default class (the lowest-valued one if several claim it; its name is then set),
 *   or priority 0 and PreemptLowerPriority when there is no default. A class that does not exist, or a priority or
 *   preemption policy the pod states that is not the class's, is 403 Forbidden in kube's words;
 * - a pod updated keeps the priority and preemption policy it has when the new object leaves them out;
 * - a class created or updated with globalDefault is 403 Forbidden while another class is the default.
 *
 * As kube's plugin reads an informer, this one reads the replica's watch cache of priority classes, with the classes
 * this replica wrote that its watch has not brought yet; a class named that the cache does not show (created a
 * moment ago through another replica) is read from the store.
 */
import type { KubeObject, Pod, PriorityClass } from '../api/index.js';
import { admissionName, type Admitter, type AdmissionPlugin } from './admission.js';
import { StatusError, type QualifiedResource } from './errors.js';
import type { RequestInfo } from './request-info.js';
import type { ResourceType } from './resource.js';
import type { ObjectStore } from './storage/object-store.js';
import type { WatchCache, WatchCaches } from './watch-cache.js';

const PODS: QualifiedResource = { group: '', resource: 'pods' };

/** defaultPriorityClass is the global default among classes: the lowest-valued one claiming it (getDefaultPriorityClass). */
export function defaultPriorityClass(classes: Iterable<PriorityClass>): PriorityClass | undefined {
  let found: PriorityClass | undefined;
  for (const pc of classes) if (pc.globalDefault === true && (found === undefined || found.value > pc.value)) found = pc;
  return found;
}

/**
 * admitPodPriority sets a new pod's priority and preemption policy from its class (resolved by the caller: pc is
 * the class it names or, when it names none, the default class, if any).
 */
export function admitPodPriority(pod: Pod, pc: PriorityClass | undefined, name: string): void {
  const spec = pod.spec;
  if (spec === undefined) return;
  if ((spec.priorityClassName ?? '') === '' && pc !== undefined) spec.priorityClassName = pc.metadata.name ?? '';
  const priority = pc?.value ?? 0;
  const policy = pc === undefined ? 'PreemptLowerPriority' : pc.preemptionPolicy;
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw StatusError.forbidden(PODS, name, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  spec.priority = priority;
  if (policy === undefined) return;
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy) {
    throw StatusError.forbidden(PODS, name, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
  }
  spec.preemptionPolicy = policy;
}

/**
 * PriorityAdmission gives the pods and priority classes of a request their admission (admitterFor): resolved
 * priorities for a new pod, kept ones for an updated pod, one global default among the classes.
 */
export class PriorityAdmission implements AdmissionPlugin {
  constructor(
    private readonly classes: ResourceType,
    private readonly caches: Pick<WatchCaches, 'for'>,
    private readonly store: Pick<ObjectStore, 'get' | 'key' | 'listPrefix'>,
  ) {}

  /** admitterFor returns a request's admission (body: undefined for a patch), or undefined when the plugin has none. */
  async admitterFor(r: ResourceType, info: RequestInfo, body: KubeObject | undefined): Promise<Admitter | undefined> {
    if (info.subresource !== '') return undefined;
    if (r.group === '' && r.resource === 'pods') return info.verb === 'create' ? this.podCreate(info, body as Pod | undefined) : POD_UPDATE;
    if (r.group === this.classes.group && r.resource === this.classes.resource) return this.classWrite(info);
    return undefined;
  }

  private async cache(): Promise<WatchCache> {
    return this.caches.for(this.classes);
  }

  private async podCreate(info: RequestInfo, body: Pod | undefined): Promise<Admitter> {
    const cache = await this.cache();
    const name = body?.spec?.priorityClassName ?? '';
    let pc: PriorityClass | undefined;
    if (name === '') {
      pc = defaultPriorityClass(cache.listWithOwnWrites(this.store.listPrefix(this.classes.resource)) as PriorityClass[]);
    } else {
      const key = this.store.key(this.classes.resource, undefined, name);
      pc = (cache.getWithOwnWrites(key) ?? (await this.store.get(key))?.obj) as PriorityClass | undefined;
      if (pc === undefined) throw StatusError.forbidden(PODS, admissionName(info, body ?? { metadata: {} }), `no PriorityClass with name ${name} was found`);
    }
    // As the request names it: kube's admission runs before a generateName is filled in.
    const requestName = admissionName(info, body ?? { metadata: {} });
    return {
      mutate: (obj) => admitPodPriority(obj as Pod, pc, requestName),
      validate: () => undefined,
    };
  }

  private async classWrite(info: RequestInfo): Promise<Admitter> {
    const cache = await this.cache();
    const qr = { group: this.classes.group, resource: this.classes.resource };
    return {
      mutate: () => undefined,
      validate: (obj) => {
        const pc = obj as PriorityClass;
        if (pc.globalDefault !== true) return;
        const current = defaultPriorityClass(cache.listWithOwnWrites(this.store.listPrefix(this.classes.resource)) as PriorityClass[]);
        if (current === undefined || (info.verb !== 'create' && current.metadata.name === pc.metadata.name)) return;
        throw StatusError.forbidden(qr, admissionName(info, obj), `PriorityClass ${current.metadata.name ?? ''} is already marked as default. Only one default can exist`);
      },
    };
  }
}

/** POD_UPDATE keeps a pod's priority and preemption policy when an update leaves them out. */
const POD_UPDATE: Admitter = {
  mutate: (obj, old) => {
    const spec = (obj as Pod).spec;
    const prev = (old as Pod | undefined)?.spec;
    if (spec === undefined || prev === undefined) return;
    if ((spec.priority === undefined || spec.priority === null) && prev.priority !== undefined) spec.priority = prev.priority;
    if ((spec.preemptionPolicy === undefined || spec.preemptionPolicy === null) && prev.preemptionPolicy !== undefined) spec.preemptionPolicy = prev.preemptionPolicy;
  },
  validate: () => undefined,
};
