/**
 * SchedulerCache is the scheduler's view of the cluster (kube-scheduler's internalcache.Cache), fed by the node
 * and pod informers and by the scheduler's own decisions:
 *
 * - nodes, and the pods with spec.nodeName set (all namespaces, terminated pods left out);
 * - assumed pods: assumePod puts a pod on its node the moment the decision is taken, so the next decision
 *   already sees the room it takes, while the binding is still in flight; forgetPod takes it off again when
 *   binding fails; when the informer reports the pod bound (addPod), the assumed pod is confirmed and from
 *   then on is an ordinary one. finishBinding marks that the bind call returned (kube then starts an expiry
 *   timer; as in kube ≥ 1.29, capstan never expires assumed pods: the informer confirms or deletes them).
 *
 * snapshot() hands out an immutable Snapshot of the nodes; NodeInfos are copy-on-write, so taking one costs a
 * copy of the node list only.
 */
import type { DeepReadonly, Node, Pod } from '../../api/index.js';
import { invariant } from '../../util/errors.js';
import { NodeInfo } from './node-info.js';
import { podInfoOf, type PodInfo } from './pod-info.js';
import type { NamespaceLabels } from './affinity-terms.js';
import { Snapshot, type SpreadSelector } from './snapshot.js';

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
}

/** SchedulerCache is the cache of the module comment. */
export class SchedulerCache {
  /** nodeInfos holds every node known by its Node or by a pod on it. */
  private readonly nodeInfos = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, PodState>();
  /** list holds the NodeInfos that have a Node, in the order the nodes were added. */
  private list: NodeInfo[] = [];
  private indexByName = new Map<string, number>();
  private withAffinity = 0;
  private withRequiredAntiAffinity = 0;

  /** addNode adds or updates a Node. */
  addNode(node: DeepReadonly<Node>): void {
    const name = node.metadata.name ?? '';
    const current = this.nodeInfos.get(name);
    const next = current === undefined ? NodeInfo.of(name, node) : current.withNode(node);
    this.nodeInfos.set(name, next);
    const i = this.indexByName.get(name);
    if (i !== undefined) {
      this.list[i] = next;
      return;
    }
    this.list = [...this.list, next];
    this.indexByName = new Map(this.indexByName).set(name, this.list.length - 1);
  }

  /** updateNode is addNode. */
  updateNode(node: DeepReadonly<Node>): void {
    this.addNode(node);
  }

  /** removeNode forgets a Node; its pods stay known until they are deleted (kube keeps such "ghost" nodes). */
  removeNode(name: string): void {
    const current = this.nodeInfos.get(name);
    if (current === undefined) return;
    if (current.pods.length === 0) this.nodeInfos.delete(name);
    else this.nodeInfos.set(name, current.withNode(undefined));
    if (!this.indexByName.has(name)) return;
    this.list = this.list.filter((n) => n.name !== name);
    this.indexByName = new Map(this.list.map((n, i) => [n.name, i]));
  }

  /** assumePod places pod on nodeName before it is bound. */
  assumePod(pod: DeepReadonly<Pod>, nodeName: string): void {
    const base = podInfoOf(pod);
    invariant(!this.pods.has(base.key), () => `SchedulerCache.assumePod: pod ${base.key} is already in the cache`);
    const info: PodInfo = { ...base, pod: { ...pod, spec: { ...(pod.spec ?? { containers: [] }), nodeName } } as DeepReadonly<Pod> };
    this.pods.set(info.key, { info, nodeName, assumed: true, bindingFinished: false });
    this.place(info, nodeName);
  }

  /** finishBinding records that the bind call for an assumed pod returned. */
  finishBinding(key: string): void {
    const s = this.pods.get(key);
    if (s !== undefined && s.assumed) s.bindingFinished = true;
  }

  /** forgetPod takes an assumed pod off its node (its binding failed). */
  forgetPod(key: string): void {
    const s = this.pods.get(key);
    if (s === undefined || !s.assumed) return;
    this.pods.delete(key);
    this.unplace(key, s.nodeName);
  }

  /** isAssumed reports whether the pod of key is assumed and not yet confirmed. */
  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  /** addPod records a pod the informer reports bound; an assumed pod is confirmed (on the node it really got). */
  addPod(pod: DeepReadonly<Pod>): void {
    const info = podInfoOf(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    invariant(nodeName !== '', () => `SchedulerCache.addPod: pod ${info.key} has no nodeName`);
    const s = this.pods.get(info.key);
    if (s !== undefined) this.unplace(info.key, s.nodeName);
    this.pods.set(info.key, { info, nodeName, assumed: false, bindingFinished: false });
    this.place(info, nodeName);
  }

  /** updatePod is addPod for a new version of a bound pod. */
  updatePod(pod: DeepReadonly<Pod>): void {
    this.addPod(pod);
  }

  /** removePod forgets a pod (deleted, or terminated), assumed or not; it reports whether the cache held it. */
  removePod(key: string): boolean {
    const s = this.pods.get(key);
    if (s === undefined) return false;
    this.pods.delete(key);
    this.unplace(key, s.nodeName);
    return true;
  }

  /** snapshot returns the nodes as they are now. */
  snapshot(): Snapshot {
    return new Snapshot(this.list.slice(), this.indexByName, this.namespaceLabels, { withAffinity: this.withAffinity, withRequiredAntiAffinity: this.withRequiredAntiAffinity }, this.spreadSelector);
  }

  /** namespaceLabels reads a namespace's labels for the snapshots (the scheduler sets it to its namespace informer). */
  namespaceLabels: NamespaceLabels = () => undefined;

  /** spreadSelector gives the snapshots pods' default spreading selectors (the scheduler sets it to its informers). */
  spreadSelector: SpreadSelector = () => undefined;

  /** nodeInfo returns a node's NodeInfo (tests, debugging). */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodeInfos.get(name);
  }

  /** podCount is the number of pods in the cache, assumed ones included. */
  get podCount(): number {
    return this.pods.size;
  }

  /** assumedCount is the number of assumed, unconfirmed pods. */
  get assumedCount(): number {
    let n = 0;
    for (const s of this.pods.values()) if (s.assumed) n++;
    return n;
  }

  private place(info: PodInfo, nodeName: string): void {
    const current = this.nodeInfos.get(nodeName) ?? NodeInfo.of(nodeName, undefined);
    const next = current.withPod(info);
    this.count(info, 1);
    this.store(nodeName, next);
  }

  private unplace(key: string, nodeName: string): void {
    const current = this.nodeInfos.get(nodeName);
    if (current === undefined) return;
    const leaving = current.pods.find((q) => q.key === key);
    if (leaving !== undefined) this.count(leaving, -1);
    const next = current.withoutPod(key);
    if (next.node === undefined && next.pods.length === 0) {
      this.nodeInfos.delete(nodeName);
      return;
    }
    this.store(nodeName, next);
  }

  /** count keeps the totals of placed pods with inter-pod affinity, which let a snapshot's plugins skip at once. */
  private count(info: PodInfo, by: 1 | -1): void {
    if (info.affinity === undefined) return;
    this.withAffinity += by;
    if (info.affinity.requiredAnti.length > 0) this.withRequiredAntiAffinity += by;
  }

  private store(name: string, ni: NodeInfo): void {
    this.nodeInfos.set(name, ni);
    const i = this.indexByName.get(name);
    if (i !== undefined) this.list[i] = ni;
  }
}
