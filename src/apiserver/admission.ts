/**
 * The admission chain of a replica, as kube-apiserver's: each plugin that has something to say about a request gives
 * it an Admitter, whose phases the handlers run in order — mutate (after defaulting, before the strategy and
 * validation), validate (after validation), charge (last, before the write: a plugin that keeps account, the
 * ResourceQuota one, refuses or records the object's use there).
 */
import type { KubeObject } from '../api/index.js';
import type { RequestInfo } from './request-info.js';
import type { ResourceType } from './resource.js';

/** Admitter is the admission of one request, in kube's phases. */
export interface Admitter {
  /** mutate changes obj (old: the stored object of an update) after defaulting, before the strategy and validation. */
  mutate(obj: KubeObject, old: KubeObject | undefined): void;
  /** validate refuses obj (throwing a StatusError) after it passed validation, before it is written. */
  validate(obj: KubeObject, old: KubeObject | undefined): void;
  /**
   * charge, last, may refuse obj or record what it uses (a dry run is judged, never recorded): once per request,
   * and for an update once more per stored state it tries again against.
   */
  charge?(obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<void>;
}

/**
 * admissionName is the name kube's admission errors carry (admission.NewForbidden): the request's, else the
 * object's, else its generateName, else "Unknown".
 */
export function admissionName(info: RequestInfo, obj: KubeObject): string {
  return info.name || obj.metadata.name || obj.metadata.generateName || 'Unknown';
}

/** byName orders objects by name in byte order, as Go sorts strings. */
export function byName(a: KubeObject, b: KubeObject): number {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** AdmissionPlugin gives a request its Admitter, or undefined when it has nothing to say about it. */
export interface AdmissionPlugin {
  admitterFor(r: ResourceType, info: RequestInfo, body: KubeObject | undefined): Promise<Admitter | undefined>;
}

/** AdmissionChain runs its plugins in order, as one plugin. */
export class AdmissionChain implements AdmissionPlugin {
  constructor(private readonly plugins: readonly AdmissionPlugin[]) {}

  /** admitterFor combines the plugins' Admitters for the request (undefined when none has one). */
  async admitterFor(r: ResourceType, info: RequestInfo, body: KubeObject | undefined): Promise<Admitter | undefined> {
    const admitters: Admitter[] = [];
    for (const p of this.plugins) {
      const a = await p.admitterFor(r, info, body);
      if (a !== undefined) admitters.push(a);
    }
    if (admitters.length <= 1) return admitters[0];
    const chargers = admitters.filter((a) => a.charge !== undefined);
    return {
      mutate: (obj, old) => {
        for (const a of admitters) a.mutate(obj, old);
      },
      validate: (obj, old) => {
        for (const a of admitters) a.validate(obj, old);
      },
      ...(chargers.length === 0
        ? {}
        : {
            charge: async (obj, old, dryRun) => {
              for (const a of chargers) await a.charge!(obj, old, dryRun);
            },
          }),
    };
  }
}
