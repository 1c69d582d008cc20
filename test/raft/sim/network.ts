import type { Message } from '../../../src/raft/index.js';
import type { SeededRandom } from '../../../src/util/random.js';

/**
 * NetworkFaults are the per-message faults of the simulated network. Loss is decided when a message is
 * sent; partitions are judged when it would be delivered, so a cut also swallows messages already in flight.
 */
export interface NetworkFaults {
  /** dropRate is the probability that a sent message is lost. */
  dropRate: number;
  /** duplicateRate is the probability that a sent message is delivered a second time (with its own delay). */
  duplicateRate: number;
  /**
   * reorderRate is the probability that a message ignores its link's order and may overtake earlier ones;
   * the others keep FIFO order per link, as the TCP streams of etcd's peer transport do.
   */
  reorderRate: number;
  /** maxDelay bounds the delay: each copy arrives 1..maxDelay ticks after it was sent (later, to keep FIFO). */
  maxDelay: number;
}

/** InFlight is one copy of a message travelling through the network. */
export interface InFlight {
  message: Message;
  deliverAt: number;
  /** senderIncarnation tells a report (snapshot status, unreachable) from reaching a restarted sender. */
  senderIncarnation: number;
}

/** NetworkCounts count the faults the network actually inflicted, so tests can check that seeds exercise each. */
export interface NetworkCounts {
  /** lost counts messages lost when sent (dropRate). */
  lost: number;
  /** duplicated counts extra copies delivered (duplicateRate). */
  duplicated: number;
  /** reordered counts messages allowed to overtake earlier ones on their link (reorderRate). */
  reordered: number;
  /** delayed counts copies that arrive later than the next tick. */
  delayed: number;
}

/** linkKey names the directed link from → to. */
function linkKey(from: bigint, to: bigint): string {
  return `${from}>${to}`;
}

/**
 * SimNetwork carries messages between simulated members with per-message delay in ticks, loss, duplication,
 * reordering (mostly FIFO per link, with some messages overtaking), and symmetric or asymmetric partitions
 * (a set of cut directed links). It draws only from the random source it is given, so a seed replays the
 * same deliveries.
 */
export class SimNetwork {
  private readonly buckets = new Map<number, InFlight[]>();
  private readonly cut = new Set<string>();
  /** lastArrival is, per directed link, the tick its latest FIFO message arrives. */
  private readonly lastArrival = new Map<string, number>();
  /** counts are the faults inflicted so far (they draw nothing, so a seed replays identically either way). */
  readonly counts: NetworkCounts = { lost: 0, duplicated: 0, reordered: 0, delayed: 0 };

  constructor(
    private readonly random: SeededRandom,
    /** faults are read on every send; the simulation swaps them when the network heals. */
    public faults: NetworkFaults,
  ) {}

  /** send puts a message on the wire at tick now and returns true, or false when it is lost; it may be duplicated. */
  send(message: Message, now: number, senderIncarnation: number): boolean {
    if (this.random.float() < this.faults.dropRate) {
      this.counts.lost++;
      return false;
    }
    const reorder = this.random.float() < this.faults.reorderRate;
    if (reorder) this.counts.reordered++;
    this.enqueue(cloneMessage(message), now, senderIncarnation, reorder);
    // A duplicate is a retransmission: it arrives whenever it arrives.
    if (this.random.float() < this.faults.duplicateRate) {
      this.counts.duplicated++;
      this.enqueue(cloneMessage(message), now, senderIncarnation, true);
    }
    return true;
  }

  /** due removes and returns the messages that arrive at tick now, in arrival order. */
  due(now: number): InFlight[] {
    const bucket = this.buckets.get(now);
    if (bucket === undefined) return [];
    this.buckets.delete(now);
    return bucket;
  }

  /** isCut reports whether messages from → to are currently swallowed by a partition. */
  isCut(from: bigint, to: bigint): boolean {
    return this.cut.size > 0 && this.cut.has(linkKey(from, to));
  }

  /** cutLink cuts the one direction from → to (an asymmetric partition). */
  cutLink(from: bigint, to: bigint): void {
    if (from !== to) this.cut.add(linkKey(from, to));
  }

  /** partition cuts every link, both ways, between members of different groups (a symmetric partition). */
  partition(groups: readonly (readonly bigint[])[]): void {
    for (let a = 0; a < groups.length; a++) {
      for (let b = 0; b < groups.length; b++) {
        if (a === b) continue;
        for (const from of groups[a]!) for (const to of groups[b]!) this.cutLink(from, to);
      }
    }
  }

  /** heal removes every partition. Messages already lost stay lost. */
  heal(): void {
    this.cut.clear();
  }

  private enqueue(message: Message, now: number, senderIncarnation: number, reorder: boolean): void {
    let deliverAt = now + 1 + this.random.int(Math.max(1, this.faults.maxDelay));
    if (!reorder) {
      const link = linkKey(message.from, message.to);
      deliverAt = Math.max(deliverAt, this.lastArrival.get(link) ?? 0);
      this.lastArrival.set(link, deliverAt);
    }
    if (deliverAt > now + 1) this.counts.delayed++;
    let bucket = this.buckets.get(deliverAt);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(deliverAt, bucket);
    }
    const f: InFlight = { message, deliverAt, senderIncarnation };
    if (reorder) bucket.splice(this.random.int(bucket.length + 1), 0, f);
    else bucket.push(f);
  }
}

/**
 * cloneMessage copies a message as a wire transport would (fresh objects, shared immutable payload bytes), so
 * that a receiver can never observe a sender mutating what it sent, nor two copies of a duplicate alias.
 */
function cloneMessage(m: Message): Message {
  return {
    ...m,
    entries: m.entries.map((e) => ({ ...e })),
    snapshot:
      m.snapshot === undefined
        ? undefined
        : {
            data: m.snapshot.data,
            metadata: {
              index: m.snapshot.metadata.index,
              term: m.snapshot.metadata.term,
              confState: {
                voters: [...m.snapshot.metadata.confState.voters],
                learners: [...m.snapshot.metadata.confState.learners],
              },
            },
          },
  };
}
