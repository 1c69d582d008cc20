/**
 * Resource names as kube's validation knows them (pkg/apis/core/helper, validation.go): the standard resources, the
 * container resources, huge pages, and the name checks quota and limit-range items share.
 */
import { FieldError, isQualifiedName, type FieldPath } from '../../api/index.js';

/** STANDARD_RESOURCES are kube's standardResources (IsStandardResourceName), hugepages- aside. */
export const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);

/** CONTAINER_RESOURCES are the resources a container may name without a domain (IsStandardContainerResourceName). */
const CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** isHugePages says name is a huge-pages resource (`hugepages-…`, or its `requests.` form). */
export function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}

/** validateResourceName is kube's validateResourceName: a qualified name, and without a domain a standard resource. */
export function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => FieldError.invalid(path, name, msg));
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !STANDARD_RESOURCES.has(name) && !isHugePages(name)) errs.push(FieldError.invalid(path, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

/** validateContainerResourceName is kube's validateContainerResourceName (a Pod or Container item's resource names). */
export function validateContainerResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) errs.push(FieldError.invalid(path, name, 'must be a standard resource for containers'));
  } else if (!name.includes('kubernetes.io/')) {
    // IsExtendedResourceName: not native, not a `requests.` name, and a qualified name with that prefix.
    if (name.startsWith('requests.') || isQualifiedName(`requests.${name}`).length > 0) errs.push(FieldError.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}
