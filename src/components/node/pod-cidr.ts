/**
 * Addresses of hollow nodes and their pods, as the node IPAM controller and a CNI's host-local IPAM hand them
 * out: node i gets the i-th /24 of the cluster's pod range as spec.podCIDR, and its pods get addresses from
 * that /24 (the first host address is the bridge's, as kubenet's cbr0; pods start at the second). Nodes' own
 * InternalIPs come from 172.16.0.0/12, one per index.
 */
import { CapstanError } from '../../util/errors.js';

/** CIDRParseError is text that is not an IPv4 CIDR. */
export class CIDRParseError extends CapstanError {
  constructor(message: string) {
    super(message, 'INVALID_CIDR', false);
  }
}

/** CIDR is an IPv4 range: its network address (a uint32) and prefix length. */
export interface CIDR {
  readonly network: number;
  readonly prefix: number;
  /** text is the canonical form, e.g. 10.244.3.0/24. */
  readonly text: string;
}

/** NODE_CIDR_MASK_SIZE is the prefix length of each node's pod range (kube-controller-manager's --node-cidr-mask-size). */
export const NODE_CIDR_MASK_SIZE = 24;

/** NODE_IP_BASE is where nodes' InternalIPs come from: node i has the (i+1)-th address of 172.16.0.0/12. */
export const NODE_IP_BASE = 0xac100000;

/** formatIPv4 renders a uint32 as dotted quad. */
export function formatIPv4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

/** parseIPv4 reads a dotted quad into a uint32, or undefined when it is not one. */
export function parseIPv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function cidr(network: number, prefix: number): CIDR {
  return { network, prefix, text: `${formatIPv4(network)}/${prefix}` };
}

/** parseCIDR reads `a.b.c.d/n`; host bits must be zero, as Go's net.ParseCIDR callers in Kubernetes insist. */
export function parseCIDR(text: string): CIDR {
  const [addr, bits, ...rest] = text.split('/');
  const ip = parseIPv4(addr ?? '');
  const prefix = Number(bits);
  if (ip === undefined || rest.length > 0 || bits === undefined || !/^\d{1,2}$/.test(bits) || prefix > 32) throw new CIDRParseError(`${JSON.stringify(text)} is not an IPv4 CIDR such as 10.244.0.0/16`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((ip & ~mask) >>> 0 !== 0) throw new CIDRParseError(`${text} has host bits set; the network is ${formatIPv4((ip & mask) >>> 0)}/${prefix}`);
  return cidr(ip, prefix);
}

/** nodePodCIDR is node index's /24: the index-th one of base (the caller checked that base holds it). */
export function nodePodCIDR(base: CIDR, index: number): CIDR {
  return cidr((base.network + index * 2 ** (32 - NODE_CIDR_MASK_SIZE)) >>> 0, NODE_CIDR_MASK_SIZE);
}

/** nodeInternalIP is node index's InternalIP (and the hostIP of its pods). */
export function nodeInternalIP(index: number): string {
  return formatIPv4((NODE_IP_BASE + index + 1) >>> 0);
}

/** cidrContains reports whether ip (dotted quad) lies in range. */
export function cidrContains(range: CIDR, ip: string): boolean {
  const n = parseIPv4(ip);
  if (n === undefined) return false;
  const mask = range.prefix === 0 ? 0 : (0xffffffff << (32 - range.prefix)) >>> 0;
  return (n & mask) >>> 0 === range.network;
}

/**
 * PodIPAllocator hands out the pod addresses of one node's range, as host-local IPAM does: from the second
 * host address to the last before broadcast, continuing after the last one handed out (so a released address
 * is not reused at once), each to one owner (a pod UID) at a time.
 */
export class PodIPAllocator {
  private readonly owners = new Map<number, string>();
  private readonly byOwner = new Map<string, number>();
  private readonly first: number;
  private readonly last: number;
  private next: number;

  constructor(readonly range: CIDR) {
    const size = 2 ** (32 - range.prefix);
    this.first = range.network + 2;
    this.last = range.network + size - 2;
    this.next = this.first;
  }

  /** size is how many pod addresses the range has. */
  get size(): number {
    return Math.max(0, this.last - this.first + 1);
  }

  /** allocate returns owner's address, assigning a free one if it has none; undefined when the range is full. */
  allocate(owner: string): string | undefined {
    const have = this.byOwner.get(owner);
    if (have !== undefined) return formatIPv4(have >>> 0);
    for (let i = 0; i < this.size; i++) {
      const ip = this.next;
      this.next = ip >= this.last ? this.first : ip + 1;
      if (this.owners.has(ip)) continue;
      this.owners.set(ip, owner);
      this.byOwner.set(owner, ip);
      return formatIPv4(ip >>> 0);
    }
    return undefined;
  }

  /** reserve records that owner holds ip (a pod found running after a restart); false if ip is not ours or taken by another. */
  reserve(owner: string, ip: string): boolean {
    const n = parseIPv4(ip);
    if (n === undefined || n < this.first || n > this.last) return false;
    const holder = this.owners.get(n);
    if (holder !== undefined) return holder === owner;
    const had = this.byOwner.get(owner);
    if (had !== undefined) this.owners.delete(had);
    this.owners.set(n, owner);
    this.byOwner.set(owner, n);
    return true;
  }

  /** release frees owner's address, if it has one. */
  release(owner: string): void {
    const ip = this.byOwner.get(owner);
    if (ip === undefined) return;
    this.byOwner.delete(owner);
    this.owners.delete(ip);
  }

  /** inUse is how many addresses are handed out. */
  inUse(): number {
    return this.owners.size;
  }
}
