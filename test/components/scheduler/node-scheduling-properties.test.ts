import { describe, expect, it } from 'vitest';
import { nodeSchedulingPropertiesChanged } from '../../../src/components/scheduler/scheduler.js';
import { node } from './fixtures.js';

describe('nodeSchedulingPropertiesChanged (which node updates move unschedulable pods)', () => {
  const base = node('n', { cpu: '4', labels: { zone: 'a' } });
  it.each([
    { name: 'heartbeat only', next: { ...base, status: { ...base.status, conditions: [{ type: 'Ready', status: 'True' as const }] } }, want: false },
    { name: 'allocatable', next: node('n', { cpu: '8', labels: { zone: 'a' } }), want: true },
    { name: 'labels', next: node('n', { cpu: '4', labels: { zone: 'b' } }), want: true },
    { name: 'taints', next: node('n', { cpu: '4', labels: { zone: 'a' }, taints: [{ key: 'k', effect: 'NoSchedule' }] }), want: true },
    { name: 'unschedulable', next: node('n', { cpu: '4', labels: { zone: 'a' }, unschedulable: true }), want: true },
  ])('$name → $want', ({ next, want }) => {
    expect(nodeSchedulingPropertiesChanged(base, next)).toBe(want);
  });
});
