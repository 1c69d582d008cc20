import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../../src/components/scheduler/default-profile.js';
import { fitErrorMessage } from '../../../src/components/scheduler/fit-error.js';
import { numFeasibleNodesToFind, schedulePod, selectHost } from '../../../src/components/scheduler/schedule-pod.js';
import { Snapshot } from '../../../src/components/scheduler/snapshot.js';
import { SeededRandom } from '../../../src/util/random.js';
import { info, node, nodeInfo, pod, snapshot } from './fixtures.js';

const opts = (seed = 1) => ({ profile: DEFAULT_PROFILE, random: new SeededRandom(seed) });

describe('fitErrorMessage', () => {
  it("renders kube-scheduler's format, reasons sorted", () => {
    const reasons = new Map([
      ['Insufficient cpu', 2],
      ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }', 1],
    ]);
    expect(fitErrorMessage(3, reasons)).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu.');
  });
  it('no nodes', () => {
    expect(fitErrorMessage(0, new Map())).toBe('no nodes available to schedule pods');
  });
});

describe('numFeasibleNodesToFind', () => {
  it.each([
    { nodes: 50, pct: 0, want: 50 },
    { nodes: 99, pct: 0, want: 99 },
    { nodes: 100, pct: 0, want: 50 > 100 ? 50 : 100 },
    { nodes: 1000, pct: 0, want: 420 }, // 50 - 8 = 42 %
    { nodes: 5000, pct: 0, want: 500 }, // 50 - 40 = 10 %
    { nodes: 10000, pct: 0, want: 500 }, // 50 - 80 < 5 → 5 %
    { nodes: 1000, pct: 5, want: 100 }, // 50, floored at 100
    { nodes: 1000, pct: 100, want: 1000 },
  ])('$nodes nodes at $pct % → $want', ({ nodes, pct, want }) => {
    expect(numFeasibleNodesToFind(nodes, pct)).toBe(want);
  });
});

describe('selectHost', () => {
  it('picks the best score', () => {
    const nodes = [nodeInfo(node('a')), nodeInfo(node('b')), nodeInfo(node('c'))];
    expect(selectHost(nodes, [5, 9, 7], new SeededRandom(1))).toBe(1);
  });
  it('breaks ties uniformly (reservoir sampling)', () => {
    const nodes = [nodeInfo(node('a')), nodeInfo(node('b')), nodeInfo(node('c')), nodeInfo(node('d'))];
    const counts = [0, 0, 0, 0];
    const r = new SeededRandom(7);
    for (let i = 0; i < 4000; i++) counts[selectHost(nodes, [1, 3, 3, 3], r)]!++;
    expect(counts[0]).toBe(0);
    for (const c of counts.slice(1)) expect(c).toBeGreaterThan(1200);
  });
});

describe('schedulePod', () => {
  it('no nodes: unschedulable with "no nodes available"', () => {
    const r = schedulePod(info(pod('p')), snapshot(), opts());
    expect(r.kind).toBe('unschedulable');
    if (r.kind === 'unschedulable') expect(r.error.message).toBe('no nodes available to schedule pods');
  });

  it('reports every node\'s first failing filter', () => {
    const nodes = [
      nodeInfo(node('tainted', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] })),
      nodeInfo(node('small1', { cpu: '1' })),
      nodeInfo(node('small2', { cpu: '1' })),
    ];
    const r = schedulePod(info(pod('p', { cpu: '2' })), snapshot(...nodes), opts());
    expect(r.kind).toBe('unschedulable');
    if (r.kind !== 'unschedulable') return;
    expect(r.error.message).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu.');
    expect([...r.error.unschedulablePlugins].sort()).toEqual(['NodeResourcesFit', 'TaintToleration']);
  });

  it('a single feasible node is chosen without scoring', () => {
    const nodes = [nodeInfo(node('a', { cpu: '1' })), nodeInfo(node('b', { cpu: '8' }))];
    const r = schedulePod(info(pod('p', { cpu: '2' })), snapshot(...nodes), opts());
    expect(r).toMatchObject({ kind: 'scheduled', nodeName: 'b', feasibleNodes: 1 });
  });

  it('least allocated: the emptier node wins', () => {
    const busy = nodeInfo(node('busy'), [pod('x', { cpu: '3', memory: '6Gi', nodeName: 'busy' })]);
    const idle = nodeInfo(node('idle'));
    const r = schedulePod(info(pod('p', { cpu: '100m', memory: '100Mi' })), snapshot(busy, idle), opts());
    expect(r).toMatchObject({ kind: 'scheduled', nodeName: 'idle', feasibleNodes: 2 });
  });

  it('preferred affinity outweighs a small resource difference', () => {
    const a = nodeInfo(node('a', { labels: { disk: 'ssd' } }), [pod('x', { cpu: '500m', nodeName: 'a' })]);
    const b = nodeInfo(node('b'));
    const p = pod('p', { cpu: '100m', spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } } } });
    expect(schedulePod(info(p), snapshot(a, b), opts())).toMatchObject({ kind: 'scheduled', nodeName: 'a' });
  });

  it('PreferNoSchedule taints push pods elsewhere', () => {
    const a = nodeInfo(node('a', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }));
    const b = nodeInfo(node('b'), [pod('x', { cpu: '1', nodeName: 'b' })]);
    expect(schedulePod(info(pod('p', { cpu: '100m' })), snapshot(a, b), opts())).toMatchObject({ kind: 'scheduled', nodeName: 'b' });
  });

  it('is deterministic for a seed and spreads ties across equal nodes', () => {
    const nodes = Array.from({ length: 5 }, (_, i) => nodeInfo(node(`n${i}`)));
    const snap = snapshot(...nodes);
    const p = info(pod('p', { cpu: '100m' }));
    const pick = (seed: number) => (schedulePod(p, snap, opts(seed)) as { nodeName: string }).nodeName;
    expect(pick(3)).toBe(pick(3));
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(pick)).size).toBeGreaterThan(1);
  });

  it('samples large clusters and walks round-robin from startIndex', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => nodeInfo(node(`n${String(i).padStart(4, '0')}`)));
    const snap = new Snapshot(nodes);
    const p = info(pod('p', { cpu: '100m' }));
    const r1 = schedulePod(p, snap, { ...opts(), startIndex: 0 });
    expect(r1).toMatchObject({ kind: 'scheduled', evaluatedNodes: 420, feasibleNodes: 420, nextStartIndex: 420 });
    const r2 = schedulePod(p, snap, { ...opts(), startIndex: 900 });
    expect(r2).toMatchObject({ evaluatedNodes: 420, nextStartIndex: 320 });
    const all = schedulePod(p, snap, { ...opts(), percentageOfNodesToScore: 100 });
    expect(all).toMatchObject({ feasibleNodes: 1000, nextStartIndex: 0 });
  });

  it('an unschedulable pod in a large cluster evaluates every node', () => {
    const nodes = Array.from({ length: 300 }, (_, i) => nodeInfo(node(`n${i}`, { cpu: '1' })));
    const r = schedulePod(info(pod('p', { cpu: '2' })), new Snapshot(nodes), { ...opts(), startIndex: 17 });
    expect(r.kind).toBe('unschedulable');
    if (r.kind === 'unschedulable') expect(r.error.message).toBe('0/300 nodes are available: 300 Insufficient cpu.');
  });

  it('does not mutate the snapshot', () => {
    const nodes = [nodeInfo(node('a')), nodeInfo(node('b'))];
    const snap = snapshot(...nodes);
    schedulePod(info(pod('p', { cpu: '1' })), snap, opts());
    expect(snap.get('a')).toBe(nodes[0]);
    expect(snap.get('a')!.pods).toHaveLength(0);
  });
});
