/**
 * Partitions as sets of cut links, and what each member must drop to make them (pure).
 *
 * A partition cuts directed links `from → to`: messages `from` sends to `to` are lost. Each cut is made at
 * both of its ends — the sender drops it outbound (dropTo) and the receiver inbound (dropFrom) — so the
 * partition holds even when one end cannot be told (paused, or down and restarted later).
 * - isolate one member, or split into a minority and a majority: every link between the sides, both ways;
 * - one-way: only the minority's messages to the majority are lost; the minority still hears the majority.
 *   A leader in such a minority keeps receiving its followers' messages but is never heard: the majority
 *   elects a new leader, whose heartbeats then reach the old one (Jepsen's asymmetric partitions).
 */
import { CapstanError } from '../util/errors.js';

/** PartitionShape is a partition by sides: the minority, the majority, and whether only minority → majority is cut. */
export interface PartitionShape {
  readonly minority: readonly string[];
  readonly majority: readonly string[];
  readonly oneWay: boolean;
}

/** MemberDrops is what one member drops: messages to dropTo, from dropFrom (member names). */
export interface MemberDrops {
  readonly dropTo: readonly string[];
  readonly dropFrom: readonly string[];
}

/** BadPartitionShapeError reports a partition that cannot be made of these members. */
export class BadPartitionShapeError extends CapstanError {
  constructor(message: string) {
    super(message, 'BAD_PARTITION', false);
  }
}

/**
 * partitionShape splits members into minority (the names given, in members' order) and majority (the rest).
 * The minority must be non-empty and leave at least one member on the other side; it need not be smaller
 * than half (a "minority" of two out of three leaves the single member in the "majority", which is allowed
 * as an experiment, if an odd one).
 */
export function partitionShape(members: readonly string[], minority: readonly string[], oneWay: boolean): PartitionShape {
  for (const m of minority) if (!members.includes(m)) throw new BadPartitionShapeError(`no member named ${m} (there are: ${members.join(', ')})`);
  const min = members.filter((m) => minority.includes(m));
  const maj = members.filter((m) => !minority.includes(m));
  if (min.length === 0) throw new BadPartitionShapeError('a partition needs at least one member on the minority side');
  if (maj.length === 0) throw new BadPartitionShapeError('a partition needs at least one member on the other side');
  return { minority: min, majority: maj, oneWay };
}

/**
 * splitMinority picks a minority of floor(n/2) members (at least one): the preferred names first (the
 * leader, for example), then members in order.
 */
export function splitMinority(members: readonly string[], preferred: readonly string[]): string[] {
  const size = Math.max(1, Math.floor(members.length / 2));
  const order = [...preferred.filter((p) => members.includes(p)), ...members.filter((m) => !preferred.includes(m))];
  return order.slice(0, size);
}

/** memberDrops is each member's share of a partition: every cut link is dropped at both its ends. */
export function memberDrops(shape: PartitionShape): Map<string, MemberDrops> {
  const cuts: [string, string][] = [];
  for (const a of shape.minority) {
    for (const b of shape.majority) {
      cuts.push([a, b]);
      if (!shape.oneWay) cuts.push([b, a]);
    }
  }
  const out = new Map<string, { dropTo: string[]; dropFrom: string[] }>();
  for (const m of [...shape.minority, ...shape.majority]) out.set(m, { dropTo: [], dropFrom: [] });
  for (const [from, to] of cuts) {
    out.get(from)!.dropTo.push(to);
    out.get(to)!.dropFrom.push(from);
  }
  return out;
}

/** describePartition renders a partition as `a,b | c,d,e` (symmetric) or `a,b → c,d,e cut` (one-way). */
export function describePartition(shape: PartitionShape): string {
  return shape.oneWay ? `${shape.minority.join(',')} -/-> ${shape.majority.join(',')} (one-way)` : `${shape.minority.join(',')} | ${shape.majority.join(',')}`;
}
