import { describe, expect, it } from 'vitest';
import { BadFaultsError, describeStep, parseFaultKinds, planFaults } from '../../src/chaos/nemesis-schedule.js';
import { SeededRandom } from '../../src/util/random.js';

describe('the nemesis schedule', () => {
  it('parses --faults, refusing unknown kinds', () => {
    expect(parseFaultKinds('kill, pause,partition,kill')).toEqual(['kill', 'pause', 'partition']);
    expect(parseFaultKinds('none')).toEqual([]);
    expect(parseFaultKinds('')).toEqual([]);
    expect(() => parseFaultKinds('kill,clock')).toThrow(BadFaultsError);
  });

  it('is the same for the same seed and differs for another', () => {
    const o = { durationMs: 60_000, kinds: parseFaultKinds('kill,pause,partition'), members: 3 };
    expect(planFaults(new SeededRandom(7), o)).toEqual(planFaults(new SeededRandom(7), o));
    expect(planFaults(new SeededRandom(7), o)).not.toEqual(planFaults(new SeededRandom(8), o));
  });

  it('injects one fault at a time, each recovered before the next and before the end, every kind once before any twice', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const o = { durationMs: 20_000, kinds: parseFaultKinds('kill,pause,partition'), members: 5, recoveryMs: 2000 };
      const plan = planFaults(new SeededRandom(seed), o);
      const where = `seed ${seed}: ${plan.map((s) => describeStep(s, ['a', 'b', 'c', 'd', 'e'])).join('; ')}`;
      expect(plan.length, where).toBeGreaterThanOrEqual(2);
      for (let i = 0; i < plan.length; i++) {
        const s = plan[i]!;
        expect(s.at + s.holdMs + 2000, where).toBeLessThanOrEqual(o.durationMs);
        if (i > 0) expect(s.at, where).toBeGreaterThanOrEqual(plan[i - 1]!.at + plan[i - 1]!.holdMs + 2000);
        if ('member' in s.target) expect(s.target.member, where).toBeLessThan(5);
        expect(s.variant !== undefined, where).toBe(s.kind === 'partition');
      }
      const firstThree = new Set(plan.slice(0, 3).map((s) => s.kind));
      expect(firstThree.size, where).toBe(Math.min(3, plan.length));
    }
  });

  it('plans nothing without fault kinds, and describes a step for the log', () => {
    expect(planFaults(new SeededRandom(1), { durationMs: 60_000, kinds: [], members: 3 })).toEqual([]);
    expect(describeStep({ at: 3200, kind: 'partition', variant: 'split', target: { leader: true }, holdMs: 2500 }, ['a'])).toBe('+3.2s partition (split) the leader for 2.5s');
    expect(describeStep({ at: 0, kind: 'kill', target: { member: 1 }, holdMs: 1000 }, ['a', 'b'])).toBe('+0.0s kill b for 1.0s');
  });
});
