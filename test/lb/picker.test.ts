import { describe, expect, it } from 'vitest';
import { LeastConnPicker, RoundRobinPicker, createPicker, type PickCandidate } from '../../src/lb/picker.js';

const none = new Set<string>();
const c = (backend: string, up = true, active = 0): PickCandidate => ({ backend, up, active });

describe('RoundRobinPicker', () => {
  it('hands out the up backends in turn', () => {
    const p = new RoundRobinPicker();
    const all = [c('a'), c('b'), c('c')];
    expect(Array.from({ length: 7 }, () => p.pick(all, none))).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('skips backends that are down or excluded, and continues the rotation when one comes back', () => {
    const p = new RoundRobinPicker();
    expect(p.pick([c('a'), c('b', false), c('c')], none)).toBe('a');
    expect(p.pick([c('a'), c('b', false), c('c')], none)).toBe('c');
    expect(p.pick([c('a'), c('b', false), c('c')], new Set(['a']))).toBe('c');
    expect(p.pick([c('a'), c('b'), c('c')], none)).toBe('a');
    expect(p.pick([c('a'), c('b'), c('c')], none)).toBe('b');
  });

  it('returns undefined when nothing is eligible', () => {
    const p = new RoundRobinPicker();
    expect(p.pick([], none)).toBeUndefined();
    expect(p.pick([c('a', false), c('b', false)], none)).toBeUndefined();
    expect(p.pick([c('a'), c('b')], new Set(['a', 'b']))).toBeUndefined();
  });
});

describe('LeastConnPicker', () => {
  it('picks the up backend with the fewest active connections', () => {
    const p = new LeastConnPicker();
    expect(p.pick([c('a', true, 5), c('b', true, 2), c('c', false, 0)], none)).toBe('b');
    expect(p.pick([c('a', true, 5), c('b', true, 2), c('c', true, 3)], new Set(['b']))).toBe('c');
  });

  it('goes round-robin among equals', () => {
    const p = new LeastConnPicker();
    const idle = [c('a'), c('b'), c('c')];
    expect(Array.from({ length: 4 }, () => p.pick(idle, none))).toEqual(['a', 'b', 'c', 'a']);
  });

  it('returns undefined when nothing is eligible', () => {
    expect(new LeastConnPicker().pick([c('a', false)], none)).toBeUndefined();
  });
});

describe('createPicker', () => {
  it('maps haproxy balance names to pickers', () => {
    expect(createPicker('roundrobin')).toBeInstanceOf(RoundRobinPicker);
    expect(createPicker('leastconn')).toBeInstanceOf(LeastConnPicker);
  });
});
