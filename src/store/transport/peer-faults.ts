/**
 * Fault injection on the peer links, for chaos testing only: a member told to drop messages to some peers
 * (outbound) and from some peers (inbound) behaves as if the network between them lost every packet. The
 * streams stay open and nothing is reported to the Raft core — a partition is silent, as on a real network:
 * the core learns of it only through missing answers (heartbeats unanswered, CheckQuorum, election timeouts).
 * Cutting both directions between two members is a symmetric partition; one direction alone is a one-way
 * partition (Jepsen's "asymmetric" nemesis).
 *
 * Only a member started with --experimental-enable-fault-injection exposes the switch (POST and DELETE on
 * /debug/faults/partition); without it the filter stays empty and costs one set lookup a message.
 */
import { CapstanError } from '../../util/errors.js';

/** PartitionSpec says which peers' messages a member drops: to dropTo (outbound), from dropFrom (inbound). */
export interface PartitionSpec {
  readonly dropTo: readonly bigint[];
  readonly dropFrom: readonly bigint[];
}

/** PartitionStatus is a member's partition as its admin endpoint reports it: IDs in hex, drops counted. */
export interface PartitionStatus {
  readonly dropTo: string[];
  readonly dropFrom: string[];
  /** dropped counts the messages dropped since the member started, outbound and inbound. */
  readonly dropped: { readonly outbound: number; readonly inbound: number };
}

/** BadPartitionError reports a partition request that cannot be understood (a malformed ID, a wrong shape). */
export class BadPartitionError extends CapstanError {
  constructor(message: string) {
    super(message, 'BAD_PARTITION', false);
  }
}

/**
 * PeerFaults is the member's partition switch: the transport asks it before sending (dropsTo) and the peer
 * service before stepping a received message (dropsFrom). set() replaces the partition, heal() lifts it.
 */
export class PeerFaults {
  private dropTo = new Set<bigint>();
  private dropFrom = new Set<bigint>();
  private outbound = 0;
  private inbound = 0;

  /** set replaces the partition with spec. */
  set(spec: PartitionSpec): void {
    this.dropTo = new Set(spec.dropTo);
    this.dropFrom = new Set(spec.dropFrom);
  }

  /** heal lifts the partition: every message goes through again. */
  heal(): void {
    this.dropTo = new Set();
    this.dropFrom = new Set();
  }

  /** active reports whether any link is cut. */
  get active(): boolean {
    return this.dropTo.size > 0 || this.dropFrom.size > 0;
  }

  /** dropsTo reports (and counts) whether a message to peer id is dropped. */
  dropsTo(id: bigint): boolean {
    if (this.dropTo.size === 0 || !this.dropTo.has(id)) return false;
    this.outbound++;
    return true;
  }

  /** dropsFrom reports (and counts) whether a message from peer id is dropped. */
  dropsFrom(id: bigint): boolean {
    if (this.dropFrom.size === 0 || !this.dropFrom.has(id)) return false;
    this.inbound++;
    return true;
  }

  /** status reports the partition and the drop counters. */
  status(): PartitionStatus {
    const hex = (s: Set<bigint>): string[] => [...s].map((id) => id.toString(16)).sort();
    return { dropTo: hex(this.dropTo), dropFrom: hex(this.dropFrom), dropped: { outbound: this.outbound, inbound: this.inbound } };
  }
}

/**
 * parsePartitionSpec reads the JSON body of POST /debug/faults/partition: `{"dropTo": [ids], "dropFrom":
 * [ids]}`, member IDs in hex as etcdctl prints them; either list may be left out.
 */
export function parsePartitionSpec(body: string): PartitionSpec {
  let doc: unknown;
  try {
    doc = JSON.parse(body === '' ? '{}' : body);
  } catch (err) {
    throw new BadPartitionError(`the body is not JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BadPartitionError('the body must be an object {dropTo, dropFrom}');
  const ids = (field: 'dropTo' | 'dropFrom'): bigint[] => {
    const v = (doc as Record<string, unknown>)[field];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new BadPartitionError(`${field} must be a list of member IDs in hex`);
    return v.map((x) => {
      if (typeof x !== 'string' || !/^[0-9a-fA-F]{1,16}$/.test(x)) throw new BadPartitionError(`${field}: ${JSON.stringify(x)} is not a member ID in hex`);
      return BigInt(`0x${x}`);
    });
  };
  return { dropTo: ids('dropTo'), dropFrom: ids('dropFrom') };
}
