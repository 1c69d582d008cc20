import { describe, expect, it } from 'vitest';
import type { InvariantName } from './sim/checker.js';
import { sweep, type Profile, type UnsafeBugName } from './sim/simulation.js';

/**
 * The simulation can fail: with each of the core's deliberate bugs switched on, a bounded search over seeds
 * must find a run the checker rejects, and the rejection must name the invariant that bug breaks. Figure 8
 * (committing an earlier term's entry by counting replicas) needs three leaders in a row cut short at the
 * right moments, which the mixed profile reaches about once in 4,000 seeds, so that search uses the churn
 * profile (about once in 70). The searches are deterministic, so they stop at the same seed every run.
 */
const cases: { bug: UnsafeBugName; invariant: InvariantName; profile: Profile; maxSeeds: number }[] = [
  { bug: 'voteWithoutLogCheck', invariant: 'leader-completeness', profile: 'mixed', maxSeeds: 200 },
  { bug: 'commitPreviousTermByCounting', invariant: 'leader-completeness', profile: 'churn', maxSeeds: 1500 },
  { bug: 'readIndexWithoutQuorum', invariant: 'linearizable-read', profile: 'mixed', maxSeeds: 200 },
];

describe('raft simulation catches deliberate core bugs', () => {
  for (const c of cases) {
    it(`${c.bug} is caught as ${c.invariant} within ${c.maxSeeds} seeds`, () => {
      const r = sweep({ members: 3, seedBase: 1, seeds: c.maxSeeds, bugs: [c.bug], profile: c.profile });
      expect(r.failure, `no seed in 1..${c.maxSeeds} exposed ${c.bug}`).toBeDefined();
      expect(r.failure?.kind, r.failure?.message).toBe(c.invariant);
      expect(r.failure?.message).toContain(`--bug ${c.bug}`);
      expect(r.failure?.message).toContain(`--seed-base ${r.failure?.options.seed}`);
    });
  }
});
