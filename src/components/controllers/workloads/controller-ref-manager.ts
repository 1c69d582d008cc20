/**
 * The controller reference manager (kube's controller.ClaimPods / ClaimReplicaSets): which of the objects in a
 * namespace a controller owns. An object it controls stays its own while its selector still matches and is
 * released (its ownerReference removed) when it no longer does; an orphan that matches is adopted (a
 * controller ownerReference added); objects controlled by someone else are never touched. A controller being
 * deleted neither adopts nor releases, and nothing adopts an object that is itself being deleted.
 *
 * claimDecisions is the pure part; adoptPatch and releasePatch are the JSON merge patches the shell sends.
 * Both carry the object's resourceVersion and uid, so a patch based on a stale cache fails with a conflict
 * instead of overwriting someone else's ownerReferences.
 */
import {
  controllerOf,
  newControllerRef,
  type DeepReadonly,
  type GroupVersionKind,
  type KubeObject,
  type OwnerReference,
  type Selector,
} from '../../../api/index.js';

type Obj = KubeObject | DeepReadonly<KubeObject>;

/** ClaimDecisions splits candidate objects by what the owner does with them. */
export interface ClaimDecisions<T> {
  /** owned are the objects the owner controls and keeps (its selector matches). */
  readonly owned: T[];
  /** adopt are orphans the owner should adopt; once adopted they are its own too. */
  readonly adopt: T[];
  /** release are objects the owner controls but whose labels no longer match. */
  readonly release: T[];
}

/**
 * claimDecisions decides, for each candidate in the owner's namespace, whether it is owned, to adopt or to release;
 * a candidate matches when the selector matches its labels and filter accepts it (kube's ClaimPods filters).
 */
export function claimDecisions<T extends Obj>(owner: Obj, selector: Selector, candidates: readonly T[], filter: (obj: T) => boolean = () => true): ClaimDecisions<T> {
  const owned: T[] = [];
  const adopt: T[] = [];
  const release: T[] = [];
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined && owner.metadata.deletionTimestamp !== null;
  for (const obj of candidates) {
    const matches = selector.matches(obj.metadata.labels) && filter(obj);
    const ref = controllerOf(obj as KubeObject);
    if (ref !== undefined) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches) owned.push(obj);
      else if (!ownerDeleting) release.push(obj);
      continue;
    }
    const deleting = obj.metadata.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
    if (ownerDeleting || !matches || deleting) continue;
    adopt.push(obj);
  }
  return { owned, adopt, release };
}

/**
 * adoptPatch is the merge patch that makes owner (of kind gvk) obj's controller, adding finalizer when given
 * (a Job's pods carry its tracking finalizer).
 */
export function adoptPatch(obj: Obj, owner: Obj, gvk: GroupVersionKind, finalizer?: string): unknown {
  const refs: OwnerReference[] = [...(obj.metadata.ownerReferences ?? []).map((r) => ({ ...r })), newControllerRef(owner as KubeObject, gvk)];
  const finalizers = obj.metadata.finalizers ?? [];
  const withFinalizer = finalizer === undefined || finalizers.includes(finalizer) ? {} : { finalizers: [...finalizers, finalizer] };
  return { metadata: { ownerReferences: refs, ...withFinalizer, resourceVersion: obj.metadata.resourceVersion, uid: obj.metadata.uid } };
}

/** releasePatch is the merge patch that removes owner's reference from obj, and finalizer when given. */
export function releasePatch(obj: Obj, owner: Obj, finalizer?: string): unknown {
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid).map((r) => ({ ...r }));
  const finalizers = obj.metadata.finalizers ?? [];
  const rest = finalizers.filter((f) => f !== finalizer);
  const withoutFinalizer = finalizer === undefined || rest.length === finalizers.length ? {} : { finalizers: rest.length === 0 ? null : rest };
  return { metadata: { ownerReferences: refs.length === 0 ? null : refs, ...withoutFinalizer, resourceVersion: obj.metadata.resourceVersion, uid: obj.metadata.uid } };
}
