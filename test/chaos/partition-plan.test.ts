import { describe, expect, it } from 'vitest';
import { BadPartitionShapeError, describePartition, memberDrops, partitionShape, splitMinority } from '../../src/chaos/partition-plan.js';

const five = ['s1', 's2', 's3', 's4', 's5'];

describe('partition plans', () => {
  it('isolates one member: every link to and from it is cut, at both ends', () => {
    const drops = memberDrops(partitionShape(['s1', 's2', 's3'], ['s2'], false));
    expect(Object.fromEntries(drops)).toEqual({
      s1: { dropTo: ['s2'], dropFrom: ['s2'] },
      s2: { dropTo: ['s1', 's3'], dropFrom: ['s1', 's3'] },
      s3: { dropTo: ['s2'], dropFrom: ['s2'] },
    });
  });

  it('a one-way partition loses only the minority\'s messages to the majority', () => {
    const shape = partitionShape(['s1', 's2', 's3'], ['s1'], true);
    expect(Object.fromEntries(memberDrops(shape))).toEqual({
      s1: { dropTo: ['s2', 's3'], dropFrom: [] },
      s2: { dropTo: [], dropFrom: ['s1'] },
      s3: { dropTo: [], dropFrom: ['s1'] },
    });
    expect(describePartition(shape)).toBe('s1 -/-> s2,s3 (one-way)');
  });

  it('splits five members 2 | 3 with the preferred member (the leader) in the minority', () => {
    expect(splitMinority(five, ['s4'])).toEqual(['s4', 's1']);
    expect(splitMinority(['s1', 's2', 's3'], ['s3'])).toEqual(['s3']);
    const shape = partitionShape(five, splitMinority(five, ['s4']), false);
    expect(shape).toEqual({ minority: ['s1', 's4'], majority: ['s2', 's3', 's5'], oneWay: false });
    expect(describePartition(shape)).toBe('s1,s4 | s2,s3,s5');
    // Members on the same side keep talking.
    expect(memberDrops(shape).get('s1')).toEqual({ dropTo: ['s2', 's3', 's5'], dropFrom: ['s2', 's3', 's5'] });
  });

  it('refuses unknown members and partitions with an empty side', () => {
    expect(() => partitionShape(['s1', 's2'], ['s9'], false)).toThrow(BadPartitionShapeError);
    expect(() => partitionShape(['s1', 's2'], [], false)).toThrow('at least one member on the minority side');
    expect(() => partitionShape(['s1', 's2'], ['s1', 's2'], false)).toThrow('the other side');
  });
});
