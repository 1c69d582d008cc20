/**
 * Group, version, kind and resource names (apimachinery's runtime/schema): `apps/v1` is group `apps`,
 * version `v1`; the legacy core group is the empty string, so `v1` alone is group `` version `v1`.
 */
import { InvalidGroupVersionError } from './errors.js';

/** GroupVersion is an API group and version, e.g. {group: 'apps', version: 'v1'}. */
export interface GroupVersion {
  group: string;
  version: string;
}

/** GroupVersionKind identifies a kind within a group version. */
export interface GroupVersionKind extends GroupVersion {
  kind: string;
}

/** GroupVersionResource identifies a resource (plural, lower case) within a group version. */
export interface GroupVersionResource extends GroupVersion {
  resource: string;
}

/**
 * parseGroupVersion splits an apiVersion: `v1` → core group, `apps/v1` → apps. Empty and `/` give the empty
 * GroupVersion; more than one '/' throws InvalidGroupVersionError (schema.ParseGroupVersion).
 */
export function parseGroupVersion(gv: string): GroupVersion {
  if (gv.length === 0 || gv === '/') return { group: '', version: '' };
  const parts = gv.split('/');
  switch (parts.length) {
    case 1:
      return { group: '', version: gv };
    case 2:
      return { group: parts[0]!, version: parts[1]! };
    default:
      throw new InvalidGroupVersionError(`unexpected GroupVersion string: ${gv}`);
  }
}

/** groupVersionString renders a GroupVersion as an apiVersion: `apps/v1`, or just `v1` for the core group. */
export function groupVersionString(gv: GroupVersion): string {
  return gv.group.length > 0 ? `${gv.group}/${gv.version}` : gv.version;
}

/**
 * gvkFromAPIVersionAndKind combines an object's apiVersion and kind; an unparseable apiVersion leaves group
 * and version empty (schema.FromAPIVersionAndKind).
 */
export function gvkFromAPIVersionAndKind(apiVersion: string, kind: string): GroupVersionKind {
  try {
    return { ...parseGroupVersion(apiVersion), kind };
  } catch (err) {
    if (err instanceof InvalidGroupVersionError) return { group: '', version: '', kind };
    throw err;
  }
}

/** gvkString renders a GroupVersionKind as Go does: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
export function gvkString(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}, Kind=${gvk.kind}`;
}
