import { describe, expect, it } from 'vitest';
import { formatMicroTime, formatTime, type Lease, type NodeStatus } from '../../../src/api/index.js';
import { newNodeLease, renewedLease } from '../../../src/components/node/node-lease.js';
import { desiredNodeStatus, newNode, nodeLabelsMissing, nodeStatusChanged, shouldPostNodeStatus, type HollowNodeSpec } from '../../../src/components/node/node-status.js';
import { renewalLag } from '../../../src/components/node/hollow-node.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const SPEC: HollowNodeSpec = { name: 'hollow-node-2', index: 2, labels: { zone: 'a' }, capacity: { cpu: '4', memory: '16Gi', pods: '110' }, podCIDR: '10.244.2.0/24', internalIP: '172.16.0.3', kubeletVersion: 'v1.32.0-capstan' };

describe('node status', () => {
  it('newNode carries the kubelet labels, podCIDR, capacity, addresses and the four healthy conditions', () => {
    const n = newNode(SPEC, T0);
    expect(n.metadata.labels).toEqual({
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'hollow-node-2',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'hollow',
      zone: 'a',
    });
    expect(n.spec).toEqual({ podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] });
    expect(n.status?.allocatable).toEqual(SPEC.capacity);
    expect(n.status?.addresses).toEqual([{ type: 'InternalIP', address: '172.16.0.3' }, { type: 'Hostname', address: 'hollow-node-2' }]);
    expect(n.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    expect(n.status?.nodeInfo).toMatchObject({ kubeletVersion: 'v1.32.0-capstan', operatingSystem: 'linux', architecture: 'amd64' });
    expect(newNode(SPEC, T0 + 5)).toEqual(n);
  });

  it('heartbeats move, transition times stay while the status does', () => {
    const first = desiredNodeStatus(SPEC, T0);
    const later = desiredNodeStatus(SPEC, T0 + 10_000, first);
    const ready = later.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready.lastHeartbeatTime).toBe(formatTime(T0 + 10_000));
    expect(ready.lastTransitionTime).toBe(formatTime(T0));
    expect(nodeStatusChanged(first, later)).toBe(false);
  });

  it('a Ready condition the node lifecycle controller set to Unknown transitions back, and counts as a change', () => {
    const first = desiredNodeStatus(SPEC, T0);
    const unknown: NodeStatus = { ...first, conditions: first.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: formatTime(T0 + 40_000) } : c)) };
    const desired = desiredNodeStatus(SPEC, T0 + 60_000, unknown);
    expect(desired.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: formatTime(T0 + 60_000) });
    expect(nodeStatusChanged(unknown, desired)).toBe(true);
  });

  it.each<[string, NodeStatus | undefined, number, number | undefined, boolean]>([
    ['never posted', undefined, 0, undefined, true],
    ['unchanged within the report period', desiredNodeStatus(SPEC, T0), 60_000, 0, false],
    ['unchanged once the report period passed', desiredNodeStatus(SPEC, T0), 300_000, 0, true],
    ['not in the cache yet', undefined, 60_000, 0, true],
    ['capacity changed', { ...desiredNodeStatus(SPEC, T0), capacity: { cpu: '2' } }, 60_000, 0, true],
  ])('shouldPostNodeStatus: %s', (_, current, now, lastReportAt, want) => {
    const desired = desiredNodeStatus(SPEC, T0 + now, current);
    expect(shouldPostNodeStatus(current, desired, now, lastReportAt, 300_000)).toBe(want);
  });

  it('nodeLabelsMissing', () => {
    const n = newNode(SPEC, T0);
    expect(nodeLabelsMissing(n, SPEC)).toBe(false);
    expect(nodeLabelsMissing({ ...n, metadata: { ...n.metadata, labels: { 'kubernetes.io/hostname': 'hollow-node-2' } } }, SPEC)).toBe(true);
  });
});

describe('node lease', () => {
  const node = { metadata: { name: 'hollow-node-2', uid: 'uid-a' } };

  it('newNodeLease: in kube-node-lease, held by the node, owned by its Node', () => {
    expect(newNodeLease(node, 40, T0 + 0.5)).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'hollow-node-2', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'hollow-node-2', uid: 'uid-a' }] },
      spec: { holderIdentity: 'hollow-node-2', leaseDurationSeconds: 40, renewTime: formatMicroTime(T0 + 0.5) },
    });
  });

  it('renewedLease moves renewTime, keeps the resourceVersion and re-points the owner at a re-registered Node', () => {
    const lease: Lease = { ...newNodeLease(node, 40, T0), metadata: { ...newNodeLease(node, 40, T0).metadata, resourceVersion: '7' } };
    const renewed = renewedLease(lease, node, 40, T0 + 10_000);
    expect(renewed.spec?.renewTime).toBe(formatMicroTime(T0 + 10_000));
    expect(renewed.metadata.resourceVersion).toBe('7');
    expect(renewed.metadata.ownerReferences).toEqual(lease.metadata.ownerReferences);
    const again = renewedLease(lease, { metadata: { name: 'hollow-node-2', uid: 'uid-b' } }, 40, T0 + 20_000);
    expect(again.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'hollow-node-2', uid: 'uid-b' }]);
    expect(lease.spec?.renewTime).toBe(formatMicroTime(T0));
  });

  it('renewalLag counts the nodes past the threshold and names the stalest', () => {
    const nodes = [{ name: 'a', lastRenewAt: 100 }, { name: 'b', lastRenewAt: 50 }, { name: 'c', lastRenewAt: 105 }];
    expect(renewalLag(nodes, 120, 20)).toEqual({ behind: 1, stalest: { name: 'b', ageMs: 70 } });
    expect(renewalLag(nodes, 120, 100)).toEqual({ behind: 0, stalest: { name: 'b', ageMs: 70 } });
    expect(renewalLag([], 120, 20)).toEqual({ behind: 0 });
  });
});
