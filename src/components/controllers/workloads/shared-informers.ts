/**
 * How the workload controllers reach the shared informers of their process: every controller of the
 * controller-manager asks the same InformerFactory for pods and ReplicaSets, and the first to ask decides the
 * informer's indexers. The workload controllers ask for the conventional by-namespace index and, if another
 * controller created the informer without it, list the cache and filter instead.
 */
import { metaNamespaceKey, type DeepReadonly, type KubeObject } from '../../../api/index.js';
import { IndexNotFoundError } from '../../client/errors.js';
import type { Informer } from '../../client/informer.js';
import { NAMESPACE_INDEX, indexByNamespace, type CacheReader } from '../../client/indexer.js';
import type { ResourceDescriptor } from '../../client/resource.js';
import type { InformerFactory } from '../../runtime/informer-factory.js';

/** namespacedInformer returns the factory's shared informer of r, with the by-namespace index when it can have one. */
export function namespacedInformer<T extends KubeObject>(factory: InformerFactory, r: ResourceDescriptor): Informer<T> {
  try {
    return factory.informerFor<T>(r, { [NAMESPACE_INDEX]: indexByNamespace });
  } catch {
    return factory.informerFor<T>(r);
  }
}

/** listInNamespace lists the cached objects of one namespace, through the namespace index when there is one. */
export function listInNamespace<T extends KubeObject>(cache: CacheReader<T>, namespace: string): DeepReadonly<T>[] {
  try {
    return cache.byIndex(NAMESPACE_INDEX, namespace);
  } catch (err) {
    if (!(err instanceof IndexNotFoundError)) throw err;
    return cache.list().filter((o) => ((o as DeepReadonly<KubeObject>).metadata.namespace ?? '') === namespace);
  }
}

/**
 * resolveControllerRef returns the owner of obj's controller reference if it is of kind and cached under the
 * same uid (a reference to a deleted-and-recreated owner of the same name resolves to nothing).
 */
export function resolveControllerRef<O extends KubeObject>(cache: CacheReader<O>, obj: DeepReadonly<KubeObject>, kind: string): DeepReadonly<O> | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  if (ref === undefined || ref.kind !== kind) return undefined;
  const owner = cache.get(metaNamespaceKey(obj.metadata.namespace, ref.name));
  return owner !== undefined && (owner as DeepReadonly<KubeObject>).metadata.uid === ref.uid ? owner : undefined;
}
