/**
 * The node lifecycle controller's pure decisions, table-driven: node health from heartbeats and Lease renewals
 * on the controller's own clock, the condition taints, toleration matching, and the taint manager's eviction
 * time.
 */
import { describe, expect, it } from 'vitest';
import { formatTime, type Lease, type Node, type Pod, type Taint, type Toleration } from '../../../src/api/index.js';
import { conditionTaints, podEviction, reconcileNodeTaints, toleratesTaint, tryUpdateNodeHealth, type NodeHealth } from '../../../src/components/controllers/index.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const OPTS = { gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 };

function node(ready?: 'True' | 'False' | 'Unknown', heartbeat = formatTime(T0), extra: Partial<Node> = {}): Node {
  return {
    metadata: { name: 'n1', creationTimestamp: formatTime(T0 - 1000) },
    ...(ready === undefined ? {} : { status: { conditions: [{ type: 'Ready', status: ready, lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat, reason: 'KubeletReady' }, { type: 'MemoryPressure', status: 'False' }] } }),
    ...extra,
  };
}

function lease(renew: string): Lease {
  return { metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', renewTime: renew } };
}

describe('tryUpdateNodeHealth', () => {
  const saved: NodeHealth = { probeTimestamp: T0, heartbeat: formatTime(T0), leaseRenewTime: '2024-01-01T00:00:00.000000Z' };
  const cases: { name: string; saved: NodeHealth | undefined; node: Node; lease?: Lease; now: number; probe: number; marked?: { status: string; reason: string } }[] = [
    { name: 'first sight takes now as the probe', saved: undefined, node: node('True'), now: T0 + 100_000, probe: T0 + 100_000 },
    { name: 'quiet within the grace period', saved, node: node('True'), lease: lease('2024-01-01T00:00:00.000000Z'), now: T0 + 40_000, probe: T0 },
    { name: 'quiet past the grace period: Unknown', saved, node: node('True'), lease: lease('2024-01-01T00:00:00.000000Z'), now: T0 + 40_001, probe: T0, marked: { status: 'Unknown', reason: 'NodeStatusUnknown' } },
    { name: 'a lease renewal counts as a heartbeat', saved, node: node('True'), lease: lease('2024-01-01T00:00:30.000000Z'), now: T0 + 50_000, probe: T0 + 50_000 },
    { name: 'an older renewTime does not', saved, node: node('True'), lease: lease('2023-12-31T23:59:00.000000Z'), now: T0 + 50_000, probe: T0, marked: { status: 'Unknown', reason: 'NodeStatusUnknown' } },
    { name: 'a new heartbeat in the status counts', saved, node: node('True', formatTime(T0 + 10_000)), now: T0 + 50_000, probe: T0 + 50_000 },
    { name: 'already Unknown: nothing to write', saved, node: { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'Unknown', lastHeartbeatTime: formatTime(T0) }] } }, now: T0 + 100_000, probe: T0 },
    { name: 'never posted: startup grace then NeverUpdated', saved: { probeTimestamp: T0, heartbeat: undefined, leaseRenewTime: undefined }, node: node(), now: T0 + 60_001, probe: T0, marked: { status: 'Unknown', reason: 'NodeStatusNeverUpdated' } },
    { name: 'never posted, within startup grace', saved: { probeTimestamp: T0, heartbeat: undefined, leaseRenewTime: undefined }, node: node(), now: T0 + 50_000, probe: T0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = tryUpdateNodeHealth(c.saved, c.node, c.lease, c.now, OPTS);
      expect(r.health.probeTimestamp).toBe(c.probe);
      if (c.marked === undefined) {
        expect(r.conditions).toBeUndefined();
        return;
      }
      const ready = r.conditions!.find((x) => x.type === 'Ready')!;
      expect(ready).toMatchObject({ status: c.marked.status, reason: c.marked.reason, lastTransitionTime: formatTime(c.now) });
      if (c.marked.reason === 'NodeStatusUnknown') {
        expect(ready.message).toBe('Kubelet stopped posting node status.');
        expect(ready.lastHeartbeatTime).toBe(c.node.status!.conditions![0]!.lastHeartbeatTime);
        expect(r.conditions!.find((x) => x.type === 'MemoryPressure')!.status).toBe('Unknown');
      }
    });
  }
});

describe('condition taints', () => {
  const cases: { name: string; node: Node; want: string[] }[] = [
    { name: 'Ready', node: node('True'), want: [] },
    { name: 'NotReady', node: node('False'), want: ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule'] },
    { name: 'Unknown', node: node('Unknown'), want: ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'] },
    { name: 'cordoned', node: node('True', formatTime(T0), { spec: { unschedulable: true } }), want: ['node.kubernetes.io/unschedulable:NoSchedule'] },
  ];
  for (const c of cases) it(c.name, () => expect(conditionTaints(c.node).map((t) => `${t.key}:${t.effect}`)).toEqual(c.want));

  it('reconciles: swaps not-ready for unreachable, keeps foreign taints and timeAdded, no-op when in step', () => {
    const foreign: Taint = { key: 'example.com/x', effect: 'NoSchedule' };
    const old: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: formatTime(T0) };
    const n = node('Unknown', formatTime(T0), { spec: { taints: [foreign, old] } });
    const ch = reconcileNodeTaints(n, T0 + 5000)!;
    expect(ch.removed).toEqual([old]);
    expect(ch.added.map((t) => `${t.key}:${t.effect}:${t.timeAdded!}`)).toEqual([
      `node.kubernetes.io/unreachable:NoExecute:${formatTime(T0 + 5000)}`,
      `node.kubernetes.io/unreachable:NoSchedule:${formatTime(T0 + 5000)}`,
    ]);
    expect(ch.taints[0]).toEqual(foreign);
    expect(reconcileNodeTaints({ ...n, spec: { taints: ch.taints } }, T0 + 9000)).toBeUndefined();
    const back = reconcileNodeTaints(node('True', formatTime(T0), { spec: { taints: ch.taints } }), T0 + 9000)!;
    expect(back.taints).toEqual([foreign]);
    expect(back.added).toEqual([]);
  });
});

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  const cases: [Toleration, boolean][] = [
    [{ key: 'k', operator: 'Exists' }, true],
    [{ key: 'k', operator: 'Equal', value: 'v' }, true],
    [{ key: 'k', value: 'v' }, true],
    [{ key: 'k', operator: 'Equal', value: 'w' }, false],
    [{ operator: 'Exists' }, true],
    [{ operator: 'Exists', effect: 'NoSchedule' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }, true],
  ];
  for (const [t, want] of cases) it(`${JSON.stringify(t)} → ${String(want)}`, () => expect(toleratesTaint(t, taint)).toBe(want));
});

describe('podEviction', () => {
  const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: formatTime(T0) };
  const pod = (tolerations: Toleration[], extra: Partial<Pod['metadata']> = {}): Pod => ({ metadata: { name: 'p', namespace: 'ns', ...extra }, spec: { containers: [], tolerations } });
  const cases: { name: string; pod: Pod; taints: Taint[]; now: number; want: string }[] = [
    { name: 'no taints', pod: pod([]), taints: [], now: T0, want: 'keep' },
    { name: 'NoSchedule only', pod: pod([]), taints: [{ key: 'x', effect: 'NoSchedule' }], now: T0, want: 'keep' },
    { name: 'not tolerated: at once', pod: pod([]), taints: [unreachable], now: T0, want: 'evict' },
    { name: 'tolerated for 300 s: waits', pod: pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), taints: [unreachable], now: T0 + 1000, want: `wait@${String(T0 + 300_000)}` },
    { name: 'tolerated for 300 s: due', pod: pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), taints: [unreachable], now: T0 + 300_000, want: 'evict' },
    { name: 'tolerated forever', pod: pod([{ operator: 'Exists' }]), taints: [unreachable], now: T0 + 10_000_000, want: 'keep' },
    { name: 'negative seconds: at once', pod: pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: -5 }]), taints: [unreachable], now: T0, want: 'evict' },
    { name: 'already terminating', pod: pod([], { deletionTimestamp: formatTime(T0) }), taints: [unreachable], now: T0, want: 'keep' },
    {
      name: 'smallest of the tolerations used',
      pod: pod([
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 60 },
        { key: 'b', operator: 'Exists', tolerationSeconds: 10 },
      ]),
      taints: [unreachable, { key: 'b', effect: 'NoExecute', timeAdded: formatTime(T0 + 20_000) }],
      now: T0 + 20_000,
      want: `wait@${String(T0 + 30_000)}`,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = podEviction(c.pod, c.taints, c.now);
      expect(d.kind === 'wait' ? `wait@${String(d.at)}` : d.kind).toBe(c.want);
    });
  }
});
