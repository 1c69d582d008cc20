import { describe, expect, it } from 'vitest';
import { sweep } from './sim/simulation.js';

/**
 * The deterministic simulation under the `churn` profile: nearly every new leader is cut off within a few
 * ticks and each MsgApp carries one entry, the conditions of Raft's Figure 8 (see sim.test.ts for the mix).
 */
describe('raft simulation, leader churn', () => {
  for (const members of [3, 5, 7]) {
    it(`keeps every safety invariant with ${members} members, seeds 1..100`, () => {
      const r = sweep({ members, seedBase: 1, seeds: 100, profile: 'churn' });
      if (r.failure !== undefined) throw r.failure;
      expect(r.runs).toBe(100);
    });
  }
});
