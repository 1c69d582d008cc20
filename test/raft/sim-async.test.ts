import { describe, expect, it } from 'vitest';
import { unexercised } from './sim/coverage.js';
import { sweep } from './sim/simulation.js';

/**
 * The deterministic simulation with asynchronous storage writes (Config.asyncStorageWrites): every member
 * runs the store's pipelined loop (test/raft/sim/node.ts), taking Readys while earlier writes are in flight,
 * sending a leader's appends before its own write, holding votes and acknowledgements until theirs is
 * durable, and losing in-flight writes when it crashes. Same faults and checks as sim.test.ts.
 */
describe('raft simulation, asynchronous storage writes', () => {
  for (const [members, seeds] of [
    [3, 200],
    [5, 80],
    [7, 50],
  ] as const) {
    it(`keeps every safety invariant with ${members} members, seeds 1..${seeds}`, () => {
      const r = sweep({ members, seedBase: 1, seeds, asyncStorageWrites: true });
      if (r.failure !== undefined) throw r.failure;
      expect(r.runs).toBe(seeds);
      if (members === 3) expect(unexercised(r.stats, true), `kinds no seed exercised; totals ${JSON.stringify(r.stats)}`).toEqual([]);
    });
  }

  it('keeps every safety invariant under leader churn, 3 members, seeds 1..100', () => {
    const r = sweep({ members: 3, seedBase: 1, seeds: 100, profile: 'churn', asyncStorageWrites: true });
    if (r.failure !== undefined) throw r.failure;
    expect(r.stats.pipelinedReadies).toBeGreaterThan(0);
  });
});
