/**
 * API discovery for the controllers that act on every kind (namespace deletion, garbage collection), as
 * client-go's discovery client serves kube-controller-manager: the preferred version of each group (/api,
 * /apis, then each group-version's APIResourceList), top-level resources only (no `pods/status`). A group-version
 * whose document cannot be read is reported as failed rather than failing the whole discovery, so the caller can
 * say so (NamespaceDeletionDiscoveryFailure) and work with the rest.
 */
import { parseGroupVersion, type APIGroupList, type APIResourceList, type APIVersions } from '../../api/index.js';
import type { ResourceDescriptor } from '../client/resource.js';
import type { RestClient } from '../client/rest-client.js';

/** DiscoveredResource is a resource with the verbs discovery lists for it. */
export interface DiscoveredResource extends ResourceDescriptor {
  readonly verbs: readonly string[];
}

/** Discovery is what discovery found: the resources, and the group-versions it could not read. */
export interface Discovery {
  readonly resources: readonly DiscoveredResource[];
  readonly failed: readonly { groupVersion: string; error: string }[];
}

/** resourcesOf turns one APIResourceList into descriptors, skipping subresources. */
export function resourcesOf(list: APIResourceList): DiscoveredResource[] {
  const { group, version } = parseGroupVersion(list.groupVersion);
  return list.resources
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: [...r.verbs] }));
}

/** discover reads the discovery documents through client. */
export async function discover(client: RestClient): Promise<Discovery> {
  const gvs: string[] = [];
  const core = await client.request<APIVersions>({ method: 'GET', path: '/api' });
  gvs.push(...core.versions.slice(0, 1));
  const groups = await client.request<APIGroupList>({ method: 'GET', path: '/apis' });
  for (const g of groups.groups) {
    const gv = g.preferredVersion?.groupVersion ?? g.versions[0]?.groupVersion;
    if (gv !== undefined) gvs.push(gv);
  }
  const resources: DiscoveredResource[] = [];
  const failed: { groupVersion: string; error: string }[] = [];
  await Promise.all(
    gvs.map(async (gv) => {
      try {
        const list = await client.request<APIResourceList>({ method: 'GET', path: gv.includes('/') ? `/apis/${gv}` : `/api/${gv}` });
        resources.push(...resourcesOf({ ...list, groupVersion: list.groupVersion || gv }));
      } catch (err) {
        failed.push({ groupVersion: gv, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  resources.sort((a, b) => `${a.group}/${a.resource}`.localeCompare(`${b.group}/${b.resource}`));
  return { resources, failed };
}
