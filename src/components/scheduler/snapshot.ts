import type { NodeInfo } from './node-info.js';

/**
 * Snapshot is the scheduler cache at one moment (internalcache.Snapshot): every node that exists, in a stable
 * order, and a look-up by name. Scheduling decisions read only this; it never changes once taken, because
 * NodeInfos are immutable and the list is the snapshot's own copy.
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
  ) {
    this.indexByName = indexByName ?? new Map(nodeInfoList.map((n, i) => [n.name, i]));
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
