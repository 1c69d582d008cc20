import { describe, expect, it } from 'vitest';
import type { Node, NodeStatus, NodeSystemInfo } from '../../../src/api/core-v1.js';
import { findNodeRoles, nodeTableConvertor } from '../../../src/apiserver/tables/printer-node.js';
import { DAY, NOW, ago } from './fixtures.js';

function node(name: string, status: NodeStatus = {}, unschedulable = false, labels?: Record<string, string>): Node {
  return { metadata: { name, ...(labels ? { labels } : {}) }, spec: unschedulable ? { unschedulable } : {}, status };
}

const ready = (s: 'True' | 'False') => ({ conditions: [{ type: 'Ready', status: s }] }) as NodeStatus;

// Cases and expected cells from TestPrintNodeStatus, TestPrintNodeRole, TestPrintNodeOSImage,
// TestPrintNodeExternalIP and TestPrintNodeInternalIP in Kubernetes' printers_test.go.
describe('node printer', () => {
  it.each<[Node, unknown[]]>([
    [node('foo1', ready('True')), ['foo1', 'Ready', '<none>', '<unknown>', '']],
    [node('foo2', ready('True'), true), ['foo2', 'Ready,SchedulingDisabled', '<none>', '<unknown>', '']],
    [node('foo3', { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Ready', status: 'True' }] }), ['foo3', 'Ready', '<none>', '<unknown>', '']],
    [node('foo4', ready('False')), ['foo4', 'NotReady', '<none>', '<unknown>', '']],
    [node('foo5', ready('False'), true), ['foo5', 'NotReady,SchedulingDisabled', '<none>', '<unknown>', '']],
    [node('foo6', { conditions: [{ type: 'InvalidValue', status: 'True' }] }), ['foo6', 'Unknown', '<none>', '<unknown>', '']],
    [node('foo8', { conditions: [{ type: 'InvalidValue', status: 'True' }] }, true), ['foo8', 'Unknown,SchedulingDisabled', '<none>', '<unknown>', '']],
    [node('foo9'), ['foo9', 'Unknown', '<none>', '<unknown>', '']],
    [
      node('foo10', {}, false, { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/proxy': '', 'kubernetes.io/role': 'node' }),
      ['foo10', 'Unknown', 'control-plane,master,node,proxy', '<unknown>', ''],
    ],
    [node('foo11', {}, false, { 'kubernetes.io/role': 'node' }), ['foo11', 'Unknown', 'node', '<unknown>', '']],
    [node('127.0.0.1'), ['127.0.0.1', 'Unknown', '<none>', '<unknown>', '']],
  ])('%# prints %j', (n, want) => {
    expect(nodeTableConvertor.row(n, NOW).cells.slice(0, 5)).toEqual(want);
  });

  const info = (i: Partial<NodeSystemInfo>) => i as NodeSystemInfo;
  const ext = (a: string) => ({ type: 'ExternalIP' as const, address: a });
  const int = (a: string) => ({ type: 'InternalIP' as const, address: a });

  it.each<[Node, unknown[]]>([
    [node('foo1', { nodeInfo: info({ osImage: 'fake-os-image' }), addresses: [ext('1.1.1.1')] }), ['foo1', 'Unknown', '<none>', '<unknown>', '', '<none>', '1.1.1.1', 'fake-os-image', '<unknown>', '<unknown>']],
    [node('foo2', { nodeInfo: info({ kernelVersion: 'fake-kernel-version' }), addresses: [ext('1.1.1.1')] }), ['foo2', 'Unknown', '<none>', '<unknown>', '', '<none>', '1.1.1.1', '<unknown>', 'fake-kernel-version', '<unknown>']],
    [node('foo1', { nodeInfo: info({ containerRuntimeVersion: 'foo://1.2.3' }), addresses: [ext('1.1.1.1')] }), ['foo1', 'Unknown', '<none>', '<unknown>', '', '<none>', '1.1.1.1', '<unknown>', '<unknown>', 'foo://1.2.3']],
    [node('foo2', { addresses: [int('1.1.1.1')] }), ['foo2', 'Unknown', '<none>', '<unknown>', '', '1.1.1.1', '<none>', '<unknown>', '<unknown>', '<unknown>']],
    [node('foo3', { addresses: [ext('2.2.2.2'), int('3.3.3.3'), ext('4.4.4.4')] }), ['foo3', 'Unknown', '<none>', '<unknown>', '', '3.3.3.3', '2.2.2.2', '<unknown>', '<unknown>', '<unknown>']],
    [node('foo3', { addresses: [int('2.2.2.2'), ext('3.3.3.3'), int('4.4.4.4')] }), ['foo3', 'Unknown', '<none>', '<unknown>', '', '2.2.2.2', '3.3.3.3', '<unknown>', '<unknown>', '<unknown>']],
  ])('wide %# prints %j', (n, want) => {
    expect(nodeTableConvertor.row(n, NOW).cells).toEqual(want);
  });

  it('prints a hollow node as kubectl shows a kubelet', () => {
    const n = node(
      'hollow-1',
      {
        conditions: [{ type: 'Ready', status: 'True' }],
        nodeInfo: info({ kubeletVersion: 'v1.32.0-capstan', osImage: 'capstan hollow node', kernelVersion: '6.1.0', containerRuntimeVersion: 'capstan://0.1.0' }),
        addresses: [int('127.0.0.1'), { type: 'Hostname', address: 'hollow-1' }],
      },
      false,
      { 'node-role.kubernetes.io/worker': '' },
    );
    n.metadata.creationTimestamp = ago(2 * DAY + 3 * 3600 * 1000);
    expect(nodeTableConvertor.row(n, NOW).cells).toEqual([
      'hollow-1', 'Ready', 'worker', '2d3h', 'v1.32.0-capstan', '127.0.0.1', '<none>', 'capstan hollow node', '6.1.0', 'capstan://0.1.0',
    ]);
    expect(findNodeRoles(n)).toEqual(['worker']);
  });

  it('defines NAME STATUS ROLES AGE VERSION and five wide columns', () => {
    expect(nodeTableConvertor.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Name:0', 'Status:0', 'Roles:0', 'Age:0', 'Version:0', 'Internal-IP:1', 'External-IP:1', 'OS-Image:1', 'Kernel-Version:1', 'Container-Runtime:1',
    ]);
  });
});
