import type { DeepReadonly, Node } from '../../api/index.js';
import { invariant } from '../../util/errors.js';
import type { HostPort, PodInfo } from './pod-info.js';
import { allocatableOf, ZERO_RESOURCE, type Allocatable, type Resource } from './resources.js';

function add(a: Resource, b: Resource, sign: 1 | -1): Resource {
  return { milliCPU: a.milliCPU + sign * b.milliCPU, memory: a.memory + sign * b.memory };
}

/**
 * NodeInfo is what the scheduler knows of one node (framework.NodeInfo): the Node, the pods on it (bound and
 * assumed), the sum of their requests (exact and non-zero), and the host ports they use. It is immutable:
 * withPod, withoutPod and withNode return a new NodeInfo, so a snapshot handed to a scheduling decision never
 * changes under it.
 */
export class NodeInfo {
  /** allocatable is the node's status.allocatable in numbers. */
  readonly allocatable: Allocatable;

  private constructor(
    readonly name: string,
    /** node is undefined while pods are known on a node the informer has not delivered yet. */
    readonly node: DeepReadonly<Node> | undefined,
    readonly pods: readonly PodInfo[],
    readonly requested: Resource,
    readonly nonZeroRequested: Resource,
    readonly usedPorts: readonly HostPort[],
    /** podsWithAffinity counts its pods with inter-pod affinity or anti-affinity (PodsWithAffinity). */
    readonly podsWithAffinity: number = 0,
    /** podsWithRequiredAntiAffinity counts its pods with required anti-affinity terms (PodsWithRequiredAntiAffinity). */
    readonly podsWithRequiredAntiAffinity: number = 0,
  ) {
    this.allocatable = allocatableOf(node?.status?.allocatable, node?.status?.capacity);
  }

  /** of builds the NodeInfo of node with the given pods. */
  static of(name: string, node: DeepReadonly<Node> | undefined, pods: readonly PodInfo[] = []): NodeInfo {
    let ni = new NodeInfo(name, node, [], ZERO_RESOURCE, ZERO_RESOURCE, []);
    for (const p of pods) ni = ni.withPod(p);
    return ni;
  }

  /** labels are the node's labels. */
  get labels(): Readonly<Record<string, string>> {
    return this.node?.metadata.labels ?? {};
  }

  /** withNode returns this NodeInfo for a new version of the Node. */
  withNode(node: DeepReadonly<Node> | undefined): NodeInfo {
    return new NodeInfo(this.name, node, this.pods, this.requested, this.nonZeroRequested, this.usedPorts, this.podsWithAffinity, this.podsWithRequiredAntiAffinity);
  }

  /** withPod returns this NodeInfo with p added (p must not already be there). */
  withPod(p: PodInfo): NodeInfo {
    invariant(!this.pods.some((q) => q.key === p.key), () => `NodeInfo ${this.name}: pod ${p.key} added twice`);
    return new NodeInfo(
      this.name,
      this.node,
      [...this.pods, p],
      add(this.requested, p.requests, 1),
      add(this.nonZeroRequested, p.nonZeroRequests, 1),
      p.hostPorts.length === 0 ? this.usedPorts : [...this.usedPorts, ...p.hostPorts],
      this.podsWithAffinity + (p.affinity === undefined ? 0 : 1),
      this.podsWithRequiredAntiAffinity + ((p.affinity?.requiredAnti.length ?? 0) > 0 ? 1 : 0),
    );
  }

  /** withoutPod returns this NodeInfo without the pod of key (itself if the pod is not there). */
  withoutPod(key: string): NodeInfo {
    const i = this.pods.findIndex((q) => q.key === key);
    if (i < 0) return this;
    const p = this.pods[i]!;
    const pods = [...this.pods.slice(0, i), ...this.pods.slice(i + 1)];
    const usedPorts = p.hostPorts.length === 0 ? this.usedPorts : pods.flatMap((q) => q.hostPorts);
    return new NodeInfo(
      this.name,
      this.node,
      pods,
      add(this.requested, p.requests, -1),
      add(this.nonZeroRequested, p.nonZeroRequests, -1),
      usedPorts,
      this.podsWithAffinity - (p.affinity === undefined ? 0 : 1),
      this.podsWithRequiredAntiAffinity - ((p.affinity?.requiredAnti.length ?? 0) > 0 ? 1 : 0),
    );
  }

  /** hasPod reports whether the pod of key is on this node. */
  hasPod(key: string): boolean {
    return this.pods.some((q) => q.key === key);
  }
}
