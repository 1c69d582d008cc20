import { describe, expect, it } from 'vitest';
import { unexercised } from './sim/coverage.js';
import { sweep } from './sim/simulation.js';

/** The deterministic simulation of the raft core, part 3 of 3: 600 seeds of a 7-member cluster (see sim.test.ts). */
describe('raft simulation, 7 members', () => {
  it('keeps every safety invariant and recovers after healing, exercising every fault and workload kind, seeds 1..600', () => {
    const r = sweep({ members: 7, seedBase: 1, seeds: 600 });
    if (r.failure !== undefined) throw r.failure;
    expect(r.runs).toBe(600);
    expect(unexercised(r.stats), `fault or workload kinds no seed exercised; totals ${JSON.stringify(r.stats)}`).toEqual([]);
  });
});
