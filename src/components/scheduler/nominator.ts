/**
 * Nominator remembers which node each pending pod is nominated to (kube-scheduler's nominator): the node a
 * preemption freed room on for it (status.nominatedNodeName), until it is scheduled, deleted or nominated
 * elsewhere. Filters count the nominated pods of at least a pod's priority on a node as already there
 * (RunFilterPluginsWithNominatedPods), so the room a preemption freed is not taken by a pod that did not earn it.
 */
import type { PodInfo } from './pod-info.js';

/** Nominator is the map of the module comment. */
export class Nominator {
  private readonly byPod = new Map<string, { readonly nodeName: string; readonly info: PodInfo }>();
  private readonly byNode = new Map<string, PodInfo[]>();

  /** size is the number of nominated pods. */
  get size(): number {
    return this.byPod.size;
  }

  /** nominate records info's pod as nominated to nodeName (replacing any nomination it had); '' removes it. */
  nominate(info: PodInfo, nodeName: string): void {
    this.remove(info.key);
    if (nodeName === '') return;
    this.byPod.set(info.key, { nodeName, info });
    const list = this.byNode.get(nodeName);
    if (list === undefined) this.byNode.set(nodeName, [info]);
    else list.push(info);
  }

  /** remove forgets the nomination of the pod of key, if any. */
  remove(key: string): void {
    const n = this.byPod.get(key);
    if (n === undefined) return;
    this.byPod.delete(key);
    const rest = (this.byNode.get(n.nodeName) ?? []).filter((p) => p.key !== key);
    if (rest.length === 0) this.byNode.delete(n.nodeName);
    else this.byNode.set(n.nodeName, rest);
  }

  /** nodeOf is the node the pod of key is nominated to, if any. */
  nodeOf(key: string): string | undefined {
    return this.byPod.get(key)?.nodeName;
  }

  /** podsOn lists the pods nominated to nodeName (shared: do not modify). */
  podsOn(nodeName: string): readonly PodInfo[] | undefined {
    return this.byNode.get(nodeName);
  }
}
