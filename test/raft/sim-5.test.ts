import { describe, expect, it } from 'vitest';
import { unexercised } from './sim/coverage.js';
import { sweep } from './sim/simulation.js';

/** The deterministic simulation of the raft core, part 2 of 3: 700 seeds of a 5-member cluster (see sim.test.ts). */
describe('raft simulation, 5 members', () => {
  it('keeps every safety invariant and recovers after healing, exercising every fault and workload kind, seeds 1..700', () => {
    const r = sweep({ members: 5, seedBase: 1, seeds: 700 });
    if (r.failure !== undefined) throw r.failure;
    expect(r.runs).toBe(700);
    expect(unexercised(r.stats), `fault or workload kinds no seed exercised; totals ${JSON.stringify(r.stats)}`).toEqual([]);
  });
});
