import { describe, expect, it } from 'vitest';
import { BadPartitionError, PeerFaults, parsePartitionSpec } from '../../../src/store/transport/peer-faults.js';

describe('PeerFaults', () => {
  it('drops what the partition names, one direction at a time, counts the drops, and heals', () => {
    const f = new PeerFaults();
    expect(f.active).toBe(false);
    expect(f.dropsTo(1n)).toBe(false);
    f.set({ dropTo: [0xan], dropFrom: [0xbn] });
    expect(f.active).toBe(true);
    expect([f.dropsTo(0xan), f.dropsTo(0xbn), f.dropsFrom(0xan), f.dropsFrom(0xbn), f.dropsFrom(0xbn)]).toEqual([true, false, false, true, true]);
    expect(f.status()).toEqual({ dropTo: ['a'], dropFrom: ['b'], dropped: { outbound: 1, inbound: 2 } });
    f.heal();
    expect(f.dropsTo(0xan)).toBe(false);
    expect(f.status()).toEqual({ dropTo: [], dropFrom: [], dropped: { outbound: 1, inbound: 2 } });
  });

  it('parses the admin endpoint\'s body: hex member IDs, either list optional', () => {
    expect(parsePartitionSpec('{"dropTo":["8e9e05c52164694d"],"dropFrom":[]}')).toEqual({ dropTo: [0x8e9e05c52164694dn], dropFrom: [] });
    expect(parsePartitionSpec('')).toEqual({ dropTo: [], dropFrom: [] });
    expect(() => parsePartitionSpec('{"dropTo":"a"}')).toThrow(BadPartitionError);
    expect(() => parsePartitionSpec('{"dropTo":["zz"]}')).toThrow('is not a member ID in hex');
    expect(() => parsePartitionSpec('[1]')).toThrow('must be an object');
    expect(() => parsePartitionSpec('{')).toThrow('not JSON');
  });
});
