import { afterEach, describe, expect, it } from 'vitest';
import { SchedulingQueue, type QueuedPodInfo } from '../../../src/components/scheduler/scheduling-queue.js';
import { ManualClock } from '../../../src/util/clock.js';
import { pod } from './fixtures.js';

const queues: SchedulingQueue[] = [];
function newQueue(clock: ManualClock, o: { podMaxInUnschedulableMs?: number } = {}): SchedulingQueue {
  const q = new SchedulingQueue({ clock, podInitialBackoffMs: 1000, podMaxBackoffMs: 10_000, ...o });
  queues.push(q);
  return q;
}
afterEach(() => {
  for (const q of queues.splice(0)) q.close();
});

async function popNow(q: SchedulingQueue): Promise<QueuedPodInfo | undefined> {
  let got: QueuedPodInfo | undefined | 'none' = 'none';
  void q.pop().then((v) => (got = v));
  await Promise.resolve();
  await Promise.resolve();
  return got === 'none' ? undefined : got;
}

describe('SchedulingQueue', () => {
  it('pops by priority, then creation time, then arrival', async () => {
    const q = newQueue(new ManualClock());
    q.add(pod('late', { creationTimestamp: '2026-01-01T00:00:05Z' }));
    q.add(pod('early', { creationTimestamp: '2026-01-01T00:00:01Z' }));
    q.add(pod('high', { priority: 1000, creationTimestamp: '2026-01-01T00:00:09Z' }));
    q.add(pod('same1', { creationTimestamp: '2026-01-01T00:00:03Z' }));
    q.add(pod('same2', { creationTimestamp: '2026-01-01T00:00:03Z' }));
    const order: string[] = [];
    for (let i = 0; i < 5; i++) order.push((await q.pop())!.key);
    expect(order).toEqual(['default/high', 'default/early', 'default/same1', 'default/same2', 'default/late']);
  });

  it('pop waits for a pod and resolves undefined on close', async () => {
    const q = newQueue(new ManualClock());
    const waiting = q.pop();
    q.add(pod('a'));
    expect((await waiting)!.key).toBe('default/a');
    const after = q.pop();
    q.close();
    expect(await after).toBeUndefined();
  });

  it('backoff doubles per attempt from 1 s, capped at 10 s', () => {
    const q = newQueue(new ManualClock());
    const info = { attempts: 0 } as QueuedPodInfo;
    const durations = [1, 2, 3, 4, 5, 6].map((a) => q.backoffDurationMs({ ...info, attempts: a }));
    expect(durations).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('unschedulable pods wait for a cluster event, then go to backoff or active', async () => {
    const clock = new ManualClock();
    const q = newQueue(clock);
    q.add(pod('a'));
    const a = (await q.pop())!;
    q.addUnschedulableIfNotPresent(a, q.schedulingCycle);
    expect(q.pending()).toEqual({ active: 0, backoff: 0, unschedulable: 1 });
    clock.advance(500);
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    expect(q.pending()).toEqual({ active: 0, backoff: 1, unschedulable: 0 }); // still backing off (1 s)
    clock.advance(499);
    expect(q.pending().active).toBe(0);
    clock.advance(1);
    expect(q.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
    const again = (await q.pop())!;
    expect(again.attempts).toBe(2);
    q.addUnschedulableIfNotPresent(again, q.schedulingCycle);
    clock.advance(5000);
    q.moveAllToActiveOrBackoffQueue('NodeUpdate');
    expect(q.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 }); // backoff of 2 s is over
  });

  it('a move request during the attempt sends the failed pod to backoff, not unschedulable', async () => {
    const clock = new ManualClock();
    const q = newQueue(clock);
    q.add(pod('a'));
    const a = (await q.pop())!;
    const cycle = q.schedulingCycle;
    q.moveAllToActiveOrBackoffQueue('NodeAdd'); // a node appeared while a was being scheduled
    q.addUnschedulableIfNotPresent(a, cycle);
    expect(q.pending()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
    clock.advance(1000);
    expect(q.pending().active).toBe(1);
  });

  it('unschedulable pods are flushed after podMaxInUnschedulable', async () => {
    const clock = new ManualClock();
    const q = newQueue(clock, { podMaxInUnschedulableMs: 60_000 });
    q.add(pod('a'));
    q.addUnschedulableIfNotPresent((await q.pop())!, q.schedulingCycle);
    clock.advance(45_000);
    expect(q.pending().unschedulable).toBe(1);
    clock.advance(15_000);
    expect(q.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it("a pod's own spec or label update moves it out of unschedulable; a status update does not", async () => {
    const clock = new ManualClock();
    const q = newQueue(clock);
    const p = pod('a', { labels: { v: '1' } });
    q.add(p);
    q.addUnschedulableIfNotPresent((await q.pop())!, q.schedulingCycle);
    clock.advance(2000);
    q.update(p, { ...p, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } });
    expect(q.pending().unschedulable).toBe(1);
    q.update(p, pod('a', { labels: { v: '2' } }));
    expect(q.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it('only pods rejected by the named plugins move when a filter is given', async () => {
    const q = newQueue(new ManualClock());
    q.add(pod('a'));
    q.add(pod('b'));
    const a = (await q.pop())!;
    const b = (await q.pop())!;
    a.unschedulablePlugins = new Set(['PodTopologySpread']);
    b.unschedulablePlugins = new Set(['NodeResourcesFit']);
    const cycle = q.schedulingCycle;
    q.addUnschedulableIfNotPresent(a, cycle);
    q.addUnschedulableIfNotPresent(b, cycle);
    q.moveAllToActiveOrBackoffQueue('AssignedPodAdd', (p) => p.has('PodTopologySpread'));
    expect(q.pending()).toEqual({ active: 0, backoff: 1, unschedulable: 1 });
  });

  it('delete removes a pod from every set; errors go to backoff', async () => {
    const clock = new ManualClock();
    const q = newQueue(clock);
    q.add(pod('a'));
    q.add(pod('b'));
    q.delete('default/b');
    const a = (await q.pop())!;
    expect(await popNow(q)).toBeUndefined();
    q.addUnschedulableIfNotPresent(a, q.schedulingCycle, true);
    expect(q.pending().backoff).toBe(1);
    q.delete('default/a');
    expect(q.pending()).toEqual({ active: 0, backoff: 0, unschedulable: 0 });
    clock.advance(5000);
    expect(q.pending().active).toBe(0);
  });

  it('adding a pod that already waits updates it in place', () => {
    const q = newQueue(new ManualClock());
    q.add(pod('a', { labels: { v: '1' } }));
    q.add(pod('a', { labels: { v: '2' } }));
    expect(q.pending().active).toBe(1);
  });
});
