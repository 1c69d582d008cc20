/** The ReplicaSet's deletion ranking, case by case as kube's TestSortingActivePods orders them. */
import { describe, expect, it } from 'vitest';
import { compareActivePods, podsToDelete } from '../../../../src/components/controllers/workloads/active-pods.js';
import { T0, pod } from './fixtures.js';

describe('compareActivePods (kube ActivePods)', () => {
  it('orders pods from the one to delete first to the one to keep longest', () => {
    // kube's TestSortingActivePods, in its expected order.
    const ordered = [
      pod('unscheduled', { phase: 'Pending' }),
      pod('scheduled-pending', { phase: 'Pending', node: 'n' }),
      pod('unknown', { phase: 'Unknown', node: 'n' }),
      pod('running-not-ready', { phase: 'Running', node: 'n', ready: false }),
      pod('ready-recently', { phase: 'Running', node: 'n', ready: true, readySince: T0 + 10_000 }),
      pod('ready-long-many-restarts', { phase: 'Running', node: 'n', ready: true, readySince: T0, restarts: 3 }),
      pod('ready-long-newer', { phase: 'Running', node: 'n', ready: true, readySince: T0, created: T0 + 1000 }),
      pod('ready-long-older', { phase: 'Running', node: 'n', ready: true, readySince: T0, created: T0 }),
    ];
    for (let shift = 0; shift < ordered.length; shift++) {
      const shuffled = [...ordered.slice(shift), ...ordered.slice(0, shift)].reverse();
      expect(shuffled.sort(compareActivePods).map((p) => p.metadata.name)).toEqual(ordered.map((p) => p.metadata.name));
    }
  });

  it.each([
    ['unassigned before assigned', pod('a', { phase: 'Running', ready: true }), pod('b', { phase: 'Pending', node: 'n' })],
    ['pending before running', pod('a', { phase: 'Pending', node: 'n' }), pod('b', { phase: 'Running', node: 'n' })],
    ['not ready before ready', pod('a', { node: 'n', ready: false }), pod('b', { node: 'n', ready: true })],
    ['no ready time before a ready time', pod('a', { node: 'n', ready: true }), pod('b', { node: 'n', ready: true, readySince: T0 })],
    ['more restarts first', pod('a', { node: 'n', restarts: 5 }), pod('b', { node: 'n', restarts: 1 })],
    ['no creation time before one', pod('a', { node: 'n' }), pod('b', { node: 'n', created: T0 })],
    ['newer before older', pod('a', { node: 'n', created: T0 + 1 }), pod('b', { node: 'n', created: T0 - 1000 })],
  ])('%s', (_name, first, second) => {
    expect(compareActivePods(first, second)).toBeLessThan(0);
    expect(compareActivePods(second, first)).toBeGreaterThan(0);
  });

  it('podsToDelete takes the lowest-ranked diff pods, or all of them', () => {
    const pods = [pod('ready', { node: 'n', ready: true }), pod('pending', { phase: 'Pending' }), pod('not-ready', { node: 'n', ready: false })];
    expect(podsToDelete(pods, 2).map((p) => p.metadata.name)).toEqual(['pending', 'not-ready']);
    expect(podsToDelete(pods, 5)).toHaveLength(3);
  });
});
