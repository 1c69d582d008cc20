/**
 * Terminal pods and the scheduler, as kube-scheduler's pod informer (field selector
 * status.phase!=Succeeded,status.phase!=Failed) sees them: a pod turning Succeeded or Failed is a deletion that
 * frees its node's room; after that its updates and its deletion are not seen at all.
 */
import { describe, expect, it } from 'vitest';
import type { DeepReadonly, Pod, PodPhase } from '../../../src/api/index.js';
import { SchedulerCache } from '../../../src/components/scheduler/scheduler-cache.js';
import { terminalPodEvent } from '../../../src/components/scheduler/scheduler.js';
import { node, pod } from './fixtures.js';

function inPhase(p: DeepReadonly<Pod>, phase: PodPhase): DeepReadonly<Pod> {
  return { ...p, status: { phase } };
}

describe('terminal pods', () => {
  const running = inPhase(pod('job-0', { cpu: '3', nodeName: 'n1' }), 'Running');

  it.each<[string, DeepReadonly<Pod>, DeepReadonly<Pod>, ReturnType<typeof terminalPodEvent>]>([
    ['Running → Succeeded is a deletion', running, inPhase(running, 'Succeeded'), 'delete'],
    ['Running → Failed is a deletion', running, inPhase(running, 'Failed'), 'delete'],
    ['bound and terminal in one update is a deletion', pod('job-0', { cpu: '3' }), inPhase(running, 'Failed'), 'delete'],
    ['an update of a Succeeded pod (finalizer removed) is not seen', inPhase(running, 'Succeeded'), { ...inPhase(running, 'Succeeded'), metadata: { ...running.metadata, finalizers: [] } }, 'none'],
    ['Pending → Running passes', inPhase(running, 'Pending'), running, 'pass'],
  ])('%s', (_, oldPod, newPod, want) => {
    expect(terminalPodEvent(oldPod, newPod)).toBe(want);
  });

  it("a terminated pod's removal frees its node's requests; removing it again reports nothing held", () => {
    const c = new SchedulerCache();
    c.addNode(node('n1', { cpu: '4' }));
    c.addPod(running);
    expect(c.snapshot().get('n1')!.requested.milliCPU).toBe(3000);
    expect(c.removePod('default/job-0')).toBe(true);
    expect(c.snapshot().get('n1')!.requested.milliCPU).toBe(0);
    expect(c.snapshot().get('n1')!.pods).toHaveLength(0);
    expect(c.removePod('default/job-0')).toBe(false);
  });
});
