import { newSimStats, type SimStats } from './simulation.js';

/**
 * unexercised lists what a range of seeds never did: each fault (message loss, duplication, reordering,
 * delay, symmetric and one-way partitions, crashes losing a Ready, unsynced writes or — with asynchronous
 * storage writes — writes still in flight, restarts) and each kind
 * of workload (proposals, refused proposals, ReadIndex reads checked, snapshots sent, voters added directly,
 * learners added, promoted and removed members, leadership transfers requested and completed) must have
 * happened at least once, or the sweep's "every invariant held" proves nothing about it. Empty means full
 * coverage.
 */
export function unexercised(stats: SimStats, asyncStorageWrites = false): (keyof SimStats)[] {
  // Writes are in flight across a crash only when the loop is pipelined.
  const kinds = (Object.keys(newSimStats()) as (keyof SimStats)[]).filter(
    (k) => asyncStorageWrites || (k !== 'inflightWritesLost' && k !== 'pipelinedReadies'),
  );
  return kinds.filter((k) => !(stats[k] > 0));
}
