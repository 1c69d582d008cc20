/**
 * The pod garbage collector's decisions, as kube's gc_controller_test: terminated pods beyond the threshold go,
 * evicted first and then the oldest; terminating pods never scheduled go; terminating pods on a not-ready node
 * tainted out-of-service go; a node missing from the cache counts as gone only after the quarantine, and one that
 * comes back is forgotten.
 */
import { describe, expect, it } from 'vitest';
import { formatTime, type Node, type Pod } from '../../../../src/api/index.js';
import {
  MissingNodes,
  OUT_OF_SERVICE_TAINT,
  QUARANTINE_MS,
  isPodTerminated,
  terminatedToDelete,
  terminatingOnOutOfServiceNodes,
  unscheduledTerminating,
} from '../../../../src/components/controllers/podgc/pod-gc.js';

const T0 = Date.UTC(2026, 11, 4);

function pod(name: string, o: { phase?: string; created?: number; evicted?: boolean; node?: string; deleting?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: formatTime(o.created ?? T0), ...(o.deleting === true ? { deletionTimestamp: formatTime(T0) } : {}) },
    spec: { containers: [{ name: 'c', image: 'i' }], ...(o.node === undefined ? {} : { nodeName: o.node }) },
    status: { phase: (o.phase ?? 'Running') as 'Running', ...(o.evicted === true ? { reason: 'Evicted' } : {}) },
  };
}

function node(name: string, o: { ready?: boolean; outOfService?: boolean } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: o.outOfService === true ? { taints: [{ key: OUT_OF_SERVICE_TAINT, value: 'nodeshutdown', effect: 'NoExecute' }] } : {},
    status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

describe('pod GC decisions', () => {
  it('counts Succeeded and Failed pods as terminated, not Pending, Running or Unknown', () => {
    expect(['Succeeded', 'Failed', 'Pending', 'Running', 'Unknown'].map((phase) => isPodTerminated(pod('p', { phase })))).toEqual([true, true, false, false, false]);
  });

  it('deletes the terminated pods beyond the threshold: evicted first, then the oldest', () => {
    const pods = [
      pod('new', { phase: 'Succeeded', created: T0 + 3_000 }),
      pod('old', { phase: 'Failed', created: T0 + 1_000 }),
      pod('evicted', { phase: 'Failed', created: T0 + 9_000, evicted: true }),
      pod('mid', { phase: 'Succeeded', created: T0 + 2_000 }),
      pod('running', { created: T0 }),
    ];
    expect(terminatedToDelete(pods, 2).map((p) => p.metadata.name)).toEqual(['evicted', 'old']);
    expect(terminatedToDelete(pods, 4)).toEqual([]);
    expect(terminatedToDelete(pods, 0)).toEqual([]);
  });

  it('deletes terminating pods that were never scheduled, and those on an out-of-service node that is not ready', () => {
    const pods = [pod('a', { deleting: true }), pod('b', { deleting: true, node: 'n1' }), pod('c', { node: 'n2' }), pod('d', { deleting: true, node: 'n2' }), pod('e', { deleting: true, node: 'n3' })];
    expect(unscheduledTerminating(pods).map((p) => p.metadata.name)).toEqual(['a']);
    const nodes = [node('n1'), node('n2', { ready: false, outOfService: true }), node('n3', { outOfService: true })];
    expect(terminatingOnOutOfServiceNodes(pods, nodes).map((p) => p.metadata.name)).toEqual(['d']);
  });

  it('a node missing from the cache is gone only after the quarantine, and forgotten when it comes back', () => {
    const missing = new MissingNodes();
    const pods = [pod('a', { node: 'gone' }), pod('b', { node: 'here' }), pod('c', { node: 'back' })];
    expect(missing.observe(pods, [node('here')], 0)).toEqual([]);
    expect(missing.observe(pods, [node('here')], QUARANTINE_MS - 1)).toEqual([]);
    expect(missing.observe(pods, [node('here'), node('back')], QUARANTINE_MS)).toEqual(['gone']);
    // 'back' returned: its clock starts again if it goes missing later.
    expect(missing.observe(pods, [node('here')], QUARANTINE_MS + 1)).toEqual(['gone']);
    expect(missing.observe(pods, [node('here')], 2 * QUARANTINE_MS)).toEqual(['gone']);
    expect(missing.observe(pods, [node('here')], 2 * QUARANTINE_MS + 2)).toEqual(['back', 'gone']);
  });
});
