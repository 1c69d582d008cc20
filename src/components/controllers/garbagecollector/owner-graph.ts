/**
 * The garbage collector's dependency graph and its decisions (pkg/controller/garbagecollector: graph.go,
 * garbagecollector.go's attemptToDeleteItem, processDeletingDependentsItem and orphanDependents), as pure code
 * over a snapshot of every watched object's identity, owner references and deletion state.
 *
 * For one object `decide` answers:
 * - an owner being deleted with the `orphan` finalizer: take its reference out of every dependent, then drop the
 *   finalizer;
 * - an owner being deleted with `foregroundDeletion`: its dependents are to be deleted (each decides for itself,
 *   finding its owner "waiting for dependents deletion"), and once no dependent that blocks owner deletion
 *   (blockOwnerDeletion) is left, drop the finalizer;
 * - a dependent: owner references are solid (owner present), dangling (owner absent: the shell confirms with a
 *   live read before acting) or waiting (owner deleting in the foreground). With a solid owner, dangling and
 *   waiting references are removed; with none, the object is deleted — in the foreground when a waiting owner
 *   waits for it and it has dependents of its own, otherwise with the propagation its own finalizers ask for.
 */
import { FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS, type DeletionPropagation, type OwnerReference } from '../../../api/index.js';
import type { ResourceDescriptor } from '../../client/resource.js';

/** GraphNode is what the graph keeps of one object. */
export interface GraphNode {
  readonly uid: string;
  readonly resource: ResourceDescriptor;
  readonly namespace: string;
  readonly name: string;
  readonly owners: readonly OwnerReference[];
  readonly beingDeleted: boolean;
  readonly finalizers: readonly string[];
  readonly resourceVersion: string;
}

/** OwnerGraph indexes objects by uid and owners to their dependents. */
export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  /** get returns the node of uid. */
  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** size is the number of objects in the graph. */
  get size(): number {
    return this.nodes.size;
  }

  /** uids lists every object's uid. */
  uids(): string[] {
    return [...this.nodes.keys()];
  }

  /** upsert adds or replaces a node and returns the node it replaced. */
  upsert(node: GraphNode): GraphNode | undefined {
    const old = this.nodes.get(node.uid);
    if (old !== undefined) for (const o of old.owners) this.dependents.get(o.uid)?.delete(old.uid);
    this.nodes.set(node.uid, node);
    for (const o of node.owners) {
      let set = this.dependents.get(o.uid);
      if (set === undefined) this.dependents.set(o.uid, (set = new Set()));
      set.add(node.uid);
    }
    return old;
  }

  /** remove drops the node of uid (its dependents keep their references, now dangling) and returns it. */
  remove(uid: string): GraphNode | undefined {
    const old = this.nodes.get(uid);
    if (old === undefined) return undefined;
    for (const o of old.owners) {
      const set = this.dependents.get(o.uid);
      set?.delete(uid);
      if (set?.size === 0) this.dependents.delete(o.uid);
    }
    this.nodes.delete(uid);
    return old;
  }

  /** dependentsOf lists the objects that name uid among their owners. */
  dependentsOf(uid: string): GraphNode[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is GraphNode => n !== undefined);
  }
}

/** isDeletingDependents reports an owner deleting in the foreground (waiting for its dependents). */
export function isDeletingDependents(n: GraphNode): boolean {
  return n.beingDeleted && n.finalizers.includes(FINALIZER_DELETE_DEPENDENTS);
}

/** GCAction is what the garbage collector does about one object. */
export type GCAction =
  | { readonly kind: 'none' }
  /** orphan: remove the owner's reference from these dependents, then its `orphan` finalizer. */
  | { readonly kind: 'orphan'; readonly dependents: readonly GraphNode[] }
  /** foreground: delete (enqueue) these dependents; when `blocking` is 0, remove `foregroundDeletion`. */
  | { readonly kind: 'foreground'; readonly enqueue: readonly GraphNode[]; readonly blocking: number }
  /** removeFinalizer: drop a finalizer of this object whose work is done. */
  | { readonly kind: 'removeFinalizer'; readonly finalizer: string }
  /** removeOwnerRefs: the object keeps a solid owner; drop these references (dangling ones once confirmed absent). */
  | { readonly kind: 'removeOwnerRefs'; readonly uids: readonly string[]; readonly dangling: readonly OwnerReference[] }
  /** delete: no owner is left; delete the object with policy, once the dangling owners are confirmed absent. */
  | { readonly kind: 'delete'; readonly policy: DeletionPropagation; readonly dangling: readonly OwnerReference[] };

/** decide returns the action for the object uid in graph. */
export function decide(graph: OwnerGraph, uid: string): GCAction {
  const item = graph.get(uid);
  if (item === undefined) return { kind: 'none' };
  if (item.beingDeleted) {
    if (item.finalizers.includes(FINALIZER_ORPHAN_DEPENDENTS)) {
      const dependents = graph.dependentsOf(uid);
      return dependents.length > 0 ? { kind: 'orphan', dependents } : { kind: 'removeFinalizer', finalizer: FINALIZER_ORPHAN_DEPENDENTS };
    }
    if (item.finalizers.includes(FINALIZER_DELETE_DEPENDENTS)) {
      const dependents = graph.dependentsOf(uid);
      const blocking = dependents.filter((d) => d.owners.some((o) => o.uid === uid && o.blockOwnerDeletion === true)).length;
      const enqueue = dependents.filter((d) => !d.beingDeleted);
      if (blocking === 0 && enqueue.length === 0) return { kind: 'removeFinalizer', finalizer: FINALIZER_DELETE_DEPENDENTS };
      return { kind: 'foreground', enqueue, blocking };
    }
    return { kind: 'none' };
  }
  if (item.owners.length === 0) return { kind: 'none' };
  const solid: OwnerReference[] = [];
  const dangling: OwnerReference[] = [];
  const waiting: OwnerReference[] = [];
  for (const ref of item.owners) {
    const owner = graph.get(ref.uid);
    if (owner === undefined) dangling.push(ref);
    else if (isDeletingDependents(owner)) waiting.push(ref);
    else solid.push(ref);
  }
  if (solid.length > 0) {
    if (dangling.length === 0 && waiting.length === 0) return { kind: 'none' };
    return { kind: 'removeOwnerRefs', uids: [...dangling, ...waiting].map((r) => r.uid), dangling };
  }
  let policy: DeletionPropagation = 'Background';
  if (waiting.length > 0 && graph.dependentsOf(uid).length > 0) policy = 'Foreground';
  else if (item.finalizers.includes(FINALIZER_ORPHAN_DEPENDENTS)) policy = 'Orphan';
  else if (item.finalizers.includes(FINALIZER_DELETE_DEPENDENTS)) policy = 'Foreground';
  return { kind: 'delete', policy, dangling };
}
