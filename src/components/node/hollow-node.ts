/**
 * HollowNode is what one hollow kubelet of a node-agent process knows of itself between syncs: its spec
 * (name, addresses, capacity), the addresses its pods hold, whether its Node is registered and under which
 * UID, the last Lease it wrote and when, and the keys of the pods it runs. The process's workers (node-agents.ts)
 * read and update it; nothing here talks to the API server.
 */
import type { Lease } from '../../api/index.js';
import type { NodeAgentConfig } from './config.js';
import type { HollowNodeSpec } from './node-status.js';
import { nodeInternalIP, nodePodCIDR, parseCIDR, PodIPAllocator } from './pod-cidr.js';

/** HollowNode is the state of one hollow node; see the module comment. */
export class HollowNode {
  readonly ips: PodIPAllocator;
  /** uid is the UID of the registered Node; undefined until registered, and again once it is deleted. */
  uid: string | undefined;
  /** lease is the Lease as last written (renewals PUT on it; undefined: fetch it first). */
  lease: Lease | undefined;
  /** lastRenewAt is when the Lease was last renewed (monotonic ms); before the first renewal, when the node registered. */
  lastRenewAt: number;
  /** renewals counts successful Lease writes. */
  renewals = 0;
  /** renewFailures counts Lease writes failed since the last success (for the retry backoff). */
  renewFailures = 0;
  /** lastReportAt is when the status was last posted (monotonic ms); undefined: never since the start. */
  lastReportAt: number | undefined;
  /** pods holds the keys of the pods admitted (or rejected) here. */
  readonly pods = new Set<string>();

  constructor(
    readonly spec: HollowNodeSpec,
    startedAt: number,
  ) {
    this.ips = new PodIPAllocator(parseCIDR(spec.podCIDR));
    this.lastRenewAt = startedAt;
  }

  /** name is the node's name. */
  get name(): string {
    return this.spec.name;
  }

  /** registered reports whether the Node is known to exist. */
  get registered(): boolean {
    return this.uid !== undefined;
  }
}

/** hollowNodeSpecs are the specs of the config's nodes, by index. */
export function hollowNodeSpecs(config: NodeAgentConfig): HollowNodeSpec[] {
  return Array.from({ length: config.count }, (_, i) => config.indexOffset + i).map((index) => ({
    name: `${config.namePrefix}${index}`,
    index,
    labels: config.labels,
    capacity: config.capacity,
    podCIDR: nodePodCIDR(config.podCIDRBase, index).text,
    internalIP: nodeInternalIP(index),
    kubeletVersion: config.kubeletVersion,
  }));
}

/** RenewalLag says which nodes have not renewed their Lease for too long. */
export interface RenewalLag {
  /** behind is how many nodes are past the threshold. */
  readonly behind: number;
  /** stalest is the node that renewed longest ago, and how long ago (ms). */
  readonly stalest?: { readonly name: string; readonly ageMs: number };
}

/** renewalLag measures, at now (monotonic ms), how far nodes' Lease renewals have fallen behind thresholdMs. */
export function renewalLag(nodes: Iterable<Pick<HollowNode, 'name' | 'lastRenewAt'>>, now: number, thresholdMs: number): RenewalLag {
  let behind = 0;
  let stalest: { name: string; ageMs: number } | undefined;
  for (const n of nodes) {
    const ageMs = now - n.lastRenewAt;
    if (ageMs > thresholdMs) behind++;
    if (stalest === undefined || ageMs > stalest.ageMs) stalest = { name: n.name, ageMs };
  }
  return { behind, ...(stalest === undefined ? {} : { stalest }) };
}
