/**
 * ResourceRegistry is the set of resources one API server serves, looked up by group, version and plural
 * name, and the discovery documents that describe them (/api, /apis, each group-version's APIResourceList),
 * as kube-apiserver's discovery endpoints answer.
 */
import { groupVersionString, type APIGroup, type APIGroupList, type APIResourceList, type APIVersions } from '../api/index.js';
import type { ResourceType } from './resource.js';
import { APPS_V1 } from './resources/apps-v1.js';
import { BATCH_V1 } from './resources/batch-v1.js';
import { COORDINATION_V1 } from './resources/coordination-v1.js';
import { DISCOVERY_V1 } from './resources/discovery-v1.js';
import { POLICY_V1 } from './resources/policy-v1.js';
import { SCHEDULING_V1 } from './resources/scheduling-v1.js';
import { RBAC_V1 } from './resources/rbac-v1.js';
import { REVIEWS } from './resources/reviews.js';
import { coreV1, DEFAULT_POD_ADMISSION, type PodAdmissionOptions } from './resources/core-v1.js';
import { DEFAULT_SERVICE_RANGES, ServiceAllocator, type ServiceRanges } from './resources/service-allocation.js';

/** ResourceRegistry: see the module comment. */
export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceType>();
  private readonly groups = new Map<string, string[]>();

  constructor(readonly resources: readonly ResourceType[]) {
    for (const r of resources) {
      const key = ResourceRegistry.key(r.group, r.version, r.resource);
      if (this.byPath.has(key)) throw new Error(`resource ${key} registered twice`);
      this.byPath.set(key, r);
      const versions = this.groups.get(r.group) ?? [];
      if (!versions.includes(r.version)) versions.push(r.version);
      this.groups.set(r.group, versions);
    }
  }

  private static key(group: string, version: string, resource: string): string {
    return `${group}/${version}/${resource}`;
  }

  /** lookup finds a served resource, or undefined. */
  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byPath.get(ResourceRegistry.key(group, version, resource));
  }

  /** servesGroupVersion says whether any resource is served under group/version. */
  servesGroupVersion(group: string, version: string): boolean {
    return this.groups.get(group)?.includes(version) ?? false;
  }

  /** byKind finds the resource of a kind in a group-version (for a body's apiVersion and kind). */
  byKind(group: string, version: string, kind: string): ResourceType | undefined {
    return this.resources.find((r) => r.group === group && r.version === version && r.kind === kind);
  }

  /** apiVersions is GET /api. */
  apiVersions(serverAddress: string): APIVersions {
    return {
      kind: 'APIVersions',
      versions: this.groups.get('') ?? [],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  /** apiGroup is GET /apis/<group>, or undefined for a group not served. */
  apiGroup(group: string): APIGroup | undefined {
    const versions = this.groups.get(group);
    if (group === '' || versions === undefined) return undefined;
    const gvs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
    return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: gvs, preferredVersion: gvs[0]! };
  }

  /** apiGroupList is GET /apis. */
  apiGroupList(): APIGroupList {
    const groups: APIGroup[] = [];
    for (const g of this.groups.keys()) {
      const group = this.apiGroup(g);
      if (group !== undefined) {
        const { kind: _k, apiVersion: _a, ...rest } = group;
        groups.push(rest as APIGroup);
      }
    }
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  /** apiResourceList is GET /api/v1 or /apis/<group>/<version>: every resource and subresource with its verbs. */
  apiResourceList(group: string, version: string): APIResourceList | undefined {
    if (!this.servesGroupVersion(group, version)) return undefined;
    const list: APIResourceList['resources'] = [];
    for (const r of this.resources) {
      if (r.group !== group || r.version !== version) continue;
      list.push({
        name: r.resource,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: [...r.verbs],
        ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
        ...(r.categories.length > 0 ? { categories: [...r.categories] } : {}),
        // Reviews are never stored, so they have no storage version (as kube-apiserver's discovery).
        ...(r.review === undefined ? { storageVersionHash: storageVersionHash(r) } : {}),
      });
      if (r.hasStatus) list.push({ name: `${r.resource}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
      if (r.scale !== undefined) {
        list.push({ name: `${r.resource}/scale`, singularName: '', namespaced: r.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      }
      if (r.binding === true) list.push({ name: `${r.resource}/binding`, singularName: '', namespaced: r.namespaced, kind: 'Binding', verbs: ['create'] });
      if (r.eviction === true) {
        list.push({ name: `${r.resource}/eviction`, singularName: '', namespaced: r.namespaced, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
      }
      if (r.resource === 'namespaces') list.push({ name: 'namespaces/finalize', singularName: '', namespaced: false, kind: 'Namespace', verbs: ['update'] });
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersionString({ group, version }), resources: list };
  }
}

/** storageVersionHash is a stable short hash of group, version and kind, as discovery publishes it. */
function storageVersionHash(r: ResourceType): string {
  let h = 2166136261;
  for (const ch of `${r.group}/${r.version}/${r.kind}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Buffer.from(h.toString(16).padStart(8, '0'), 'hex').toString('base64').slice(0, 11);
}

/** builtinRegistry is the registry of every resource capstan serves, Services allocating from ranges, pods admitted with admission. */
export function builtinRegistry(ranges: ServiceRanges = DEFAULT_SERVICE_RANGES, admission: PodAdmissionOptions = DEFAULT_POD_ADMISSION): ResourceRegistry {
  return new ResourceRegistry([...coreV1(new ServiceAllocator(ranges), admission), ...APPS_V1, ...BATCH_V1, ...COORDINATION_V1, ...DISCOVERY_V1, ...POLICY_V1, ...RBAC_V1, ...SCHEDULING_V1, ...REVIEWS]);
}
