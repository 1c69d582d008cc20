import { describe, expect, it } from 'vitest';
import { SchedulerCache } from '../../../src/components/scheduler/scheduler-cache.js';
import { node, pod } from './fixtures.js';

describe('SchedulerCache', () => {
  it('counts bound pods on their nodes', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    c.addPod(pod('a', { cpu: '1', memory: '1Gi', nodeName: 'n1' }));
    const ni = c.snapshot().get('n1')!;
    expect(ni.requested).toEqual({ milliCPU: 1000, memory: 1024 ** 3 });
    expect(ni.pods.map((p) => p.key)).toEqual(['default/a']);
  });

  it('assume puts the pod on the node at once; forget takes it off', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    const before = c.snapshot();
    c.assumePod(pod('a', { cpu: '500m' }), 'n1');
    expect(c.isAssumed('default/a')).toBe(true);
    expect(c.snapshot().get('n1')!.requested.milliCPU).toBe(500);
    expect(c.snapshot().get('n1')!.pods[0]!.pod.spec?.nodeName).toBe('n1');
    expect(before.get('n1')!.pods).toHaveLength(0); // an earlier snapshot does not change
    c.forgetPod('default/a');
    expect(c.isAssumed('default/a')).toBe(false);
    expect(c.snapshot().get('n1')!.requested.milliCPU).toBe(0);
    expect(c.podCount).toBe(0);
  });

  it('the informer confirms an assumed pod, on the node it really got', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    c.addNode(node('n2'));
    c.assumePod(pod('a', { cpu: '500m' }), 'n1');
    c.finishBinding('default/a');
    c.addPod(pod('a', { cpu: '500m', nodeName: 'n2' }));
    expect(c.isAssumed('default/a')).toBe(false);
    expect(c.assumedCount).toBe(0);
    expect(c.snapshot().get('n1')!.pods).toHaveLength(0);
    expect(c.snapshot().get('n2')!.pods).toHaveLength(1);
    c.forgetPod('default/a'); // confirmed pods are not forgotten
    expect(c.snapshot().get('n2')!.pods).toHaveLength(1);
  });

  it('removePod forgets deleted pods, assumed or bound', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1'));
    c.addPod(pod('a', { cpu: '1', nodeName: 'n1' }));
    c.assumePod(pod('b', { cpu: '1' }), 'n1');
    c.removePod('default/a');
    c.removePod('default/b');
    expect(c.snapshot().get('n1')!.requested.milliCPU).toBe(0);
    expect(c.podCount).toBe(0);
  });

  it('pods may arrive before their node; removed nodes leave the snapshot', () => {
    const c = new SchedulerCache();
    c.addPod(pod('a', { cpu: '1', nodeName: 'n1' }));
    expect(c.snapshot().numNodes).toBe(0);
    c.addNode(node('n1'));
    expect(c.snapshot().get('n1')!.requested.milliCPU).toBe(1000);
    c.addNode(node('n2'));
    c.removeNode('n1');
    const s = c.snapshot();
    expect(s.numNodes).toBe(1);
    expect(s.get('n1')).toBeUndefined();
    expect(s.get('n2')).toBeDefined();
    expect(c.nodeInfo('n1')!.pods).toHaveLength(1); // kept until its pods go
    c.removePod('default/a');
    expect(c.nodeInfo('n1')).toBeUndefined();
  });

  it('a node update keeps its pods', () => {
    const c = new SchedulerCache();
    c.addNode(node('n1', { cpu: '2' }));
    c.addPod(pod('a', { cpu: '1', nodeName: 'n1' }));
    c.updateNode(node('n1', { cpu: '4' }));
    const ni = c.snapshot().get('n1')!;
    expect(ni.allocatable.milliCPU).toBe(4000);
    expect(ni.requested.milliCPU).toBe(1000);
  });
});
