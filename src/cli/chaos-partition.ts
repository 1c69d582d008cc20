/**
 * `capstan chaos partition` and `heal` on the wire: each member of a cluster started by `capstan up` (which
 * runs them with --experimental-enable-fault-injection) is told, on its client URL's admin endpoint
 * (POST/DELETE /debug/faults/partition), which peers' messages to drop. Member IDs are derived from
 * cluster.json as the members derive them (peer URL and cluster token), so a member that is down still has
 * its links cut at the other end.
 */
import { describePartition, memberDrops, type PartitionShape } from '../chaos/partition-plan.js';
import { memberIdFor } from '../store/membership.js';
import type { ClusterFile, MemberRecord } from './launcher/cluster-file.js';
import { processState } from './chaos-targets.js';
import type { FaultRecord } from './chaos-faults.js';
import { CommandError } from './errors.js';

const PARTITION_PATH = '/debug/faults/partition';
const REQUEST_TIMEOUT_MS = 2000;

/** memberIdOf derives a member's ID from cluster.json, as the member derived it at bootstrap. */
export function memberIdOf(f: ClusterFile, m: MemberRecord): bigint {
  return memberIdFor([m.peerURL], f.store.clusterToken);
}

/** tell sends one admin request to a member; undefined when it answered, why not otherwise. */
async function tell(m: MemberRecord, method: 'POST' | 'DELETE', body?: object): Promise<string | undefined> {
  if (processState(m.pid) !== 'running') return processState(m.pid) === 'stopped' ? 'paused' : 'down';
  let r: Response;
  try {
    r = await fetch(new URL(PARTITION_PATH, m.clientURL), {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    return (err as Error).message;
  }
  if (r.status === 404) {
    throw new CommandError(`${m.name} does not accept fault injection (start the cluster again with this capstan's up, which enables it)`, 'NO_FAULT_INJECTION', 1);
  }
  if (r.status !== 200) throw new CommandError(`${m.name}: ${method} ${PARTITION_PATH} answered HTTP ${r.status}: ${await r.text()}`, 'FAULT_REFUSED', 1);
  return undefined;
}

/**
 * applyPartition tells every member its share of the partition (each cut link at both ends). A member that
 * cannot be told is listed as unreachable; if no member at all could be told, it fails.
 */
export async function applyPartition(f: ClusterFile, shape: PartitionShape, leaderTerm?: number): Promise<FaultRecord> {
  const byName = new Map(f.store.members.map((m) => [m.name, m]));
  const id = (name: string): string => memberIdOf(f, byName.get(name)!).toString(16);
  const drops = memberDrops(shape);
  const at = Date.now();
  const answers = await Promise.all(
    [...drops].map(async ([name, d]) => ({ name, why: await tell(byName.get(name)!, 'POST', { dropTo: d.dropTo.map(id), dropFrom: d.dropFrom.map(id) }) })),
  );
  const unreachable = answers.filter((a) => a.why !== undefined).map((a) => a.name);
  if (unreachable.length === answers.length) throw new CommandError(`no member could be told to partition (${describePartition(shape)})`, 'FAULT_REFUSED', 1);
  const first = byName.get(shape.minority[0]!)!;
  return {
    action: 'partition',
    component: 'store',
    name: shape.minority.join(','),
    pid: first.pid,
    at,
    partition: { minority: [...shape.minority], majority: [...shape.majority], oneWay: shape.oneWay },
    ...(leaderTerm === undefined ? {} : { leaderTerm }),
    ...(unreachable.length > 0 ? { unreachable } : {}),
  };
}

/** healPartition lifts every member's partition; members that cannot be told are listed as unreachable. */
export async function healPartition(f: ClusterFile): Promise<FaultRecord> {
  const at = Date.now();
  const answers = await Promise.all(f.store.members.map(async (m) => ({ name: m.name, why: await tell(m, 'DELETE') })));
  const unreachable = answers.filter((a) => a.why !== undefined).map((a) => a.name);
  return { action: 'heal', component: 'store', name: 'store', pid: 0, at, ...(unreachable.length > 0 ? { unreachable } : {}) };
}
