import type { DeepReadonly, Pod, Selector } from '../../api/index.js';
import type { NamespaceLabels } from './affinity-terms.js';
import type { NodeInfo } from './node-info.js';

/** SpreadSelector is a pod's default spreading selector, or undefined when the scheduler has none to offer. */
export type SpreadSelector = (pod: DeepReadonly<Pod>) => Selector | undefined;

/**
 * Snapshot is the scheduler cache at one moment (internalcache.Snapshot): every node that exists, in a stable
 * order, and a look-up by name. Scheduling decisions read only this; its nodes never change once taken, because
 * NodeInfos are immutable and the list is the snapshot's own copy. Two look-ups read live informers, as kube's
 * plugins read listers: namespaceLabels, namespaces' labels (for inter-pod affinity terms' namespace selectors), and
 * spreadSelector, a pod's default spreading selector (default-selector.ts), from the Services, ReplicaSets and
 * StatefulSets.
 */
export class Snapshot {
  private readonly indexByName: ReadonlyMap<string, number>;

  /**
   * The constructor takes the nodes and, optionally, a name → position map of exactly that list (the cache
   * shares one between snapshots while the set of nodes does not change).
   */
  constructor(
    /** nodeInfoList holds the nodes in a stable order (the round-robin start index walks it). */
    readonly nodeInfoList: readonly NodeInfo[],
    indexByName?: ReadonlyMap<string, number>,
    readonly namespaceLabels: NamespaceLabels = () => undefined,
    /** affinityCounts are the cache's counts of pods with inter-pod affinity (computed from the list when absent). */
    private affinityCounts?: { readonly withAffinity: number; readonly withRequiredAntiAffinity: number },
    readonly spreadSelector: SpreadSelector = () => undefined,
  ) {
    this.indexByName = indexByName ?? new Map(nodeInfoList.map((n, i) => [n.name, i]));
  }

  /** podsWithAffinity counts the placed pods with inter-pod affinity or anti-affinity (0: InterPodAffinity skips). */
  get podsWithAffinity(): number {
    return this.counts().withAffinity;
  }

  /** podsWithRequiredAntiAffinity counts the placed pods with required anti-affinity terms. */
  get podsWithRequiredAntiAffinity(): number {
    return this.counts().withRequiredAntiAffinity;
  }

  private counts(): { readonly withAffinity: number; readonly withRequiredAntiAffinity: number } {
    this.affinityCounts ??= {
      withAffinity: this.nodeInfoList.reduce((n, ni) => n + ni.podsWithAffinity, 0),
      withRequiredAntiAffinity: this.nodeInfoList.reduce((n, ni) => n + ni.podsWithRequiredAntiAffinity, 0),
    };
    return this.affinityCounts;
  }

  /** withNodeInfo returns this snapshot with ni in place of its node's NodeInfo (a preemption's what-if). */
  withNodeInfo(ni: NodeInfo): Snapshot {
    const i = this.indexByName.get(ni.name);
    if (i === undefined) return this;
    const list = this.nodeInfoList.slice();
    const old = list[i]!;
    list[i] = ni;
    const c = this.counts();
    const counts = {
      withAffinity: c.withAffinity - old.podsWithAffinity + ni.podsWithAffinity,
      withRequiredAntiAffinity: c.withRequiredAntiAffinity - old.podsWithRequiredAntiAffinity + ni.podsWithRequiredAntiAffinity,
    };
    return new Snapshot(list, this.indexByName, this.namespaceLabels, counts, this.spreadSelector);
  }

  /** get returns the NodeInfo of a node. */
  get(name: string): NodeInfo | undefined {
    const i = this.indexByName.get(name);
    return i === undefined ? undefined : this.nodeInfoList[i];
  }

  /** numNodes is the number of nodes. */
  get numNodes(): number {
    return this.nodeInfoList.length;
  }
}
