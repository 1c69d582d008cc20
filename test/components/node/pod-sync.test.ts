/**
 * The hollow kubelet's pod worker on a ManualClock: a pod is driven through its life the way the shell
 * drives it — each status syncPod asks for is "written" to the pod, and the clock moves to the requeue time.
 */
import { describe, expect, it } from 'vitest';
import { formatTime, type Pod, type PodStatus } from '../../../src/api/index.js';
import { pendingStatus, runningStatus, statusMatches, type PodRuntime } from '../../../src/components/node/pod-status.js';
import { syncPod, type PodSyncResult } from '../../../src/components/node/pod-sync.js';
import { ManualClock } from '../../../src/util/clock.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const TIMING = { podStartDelayMs: 1_000, podStopDelayMs: 2_000 };

function newPod(extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', resourceVersion: '1' },
    spec: { nodeName: 'hollow-node-1', containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis' }], ...extra },
    status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: formatTime(T0 - 5_000) }] },
  };
}

function runtime(clock: ManualClock): PodRuntime {
  return { uid: 'uid-1', node: 'hollow-node-1', admittedAt: clock.now(), podIP: '10.244.1.2', hostIP: '172.16.0.2' };
}

/** Kubelet is the shell in miniature: sync, write the status, remember the runtime. */
class Kubelet {
  deleted = false;
  writes: PodStatus[] = [];
  constructor(
    public pod: Pod,
    public rt: PodRuntime,
    private readonly clock: ManualClock,
  ) {}

  sync(): PodSyncResult {
    const r = syncPod(this.pod, this.rt, this.clock.now(), TIMING);
    this.rt = r.runtime;
    if (r.status !== undefined) {
      this.writes.push(r.status);
      this.pod = { ...this.pod, status: r.status };
    }
    if (r.delete) this.deleted = true;
    return r;
  }
}

describe('syncPod', () => {
  it('Pending with ContainerCreating, then Running with the pod IP after the start delay; nothing more to write', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(newPod(), runtime(clock), clock);

    const first = k.sync();
    expect(first.requeueAfterMs).toBe(1_000);
    expect(k.pod.status).toMatchObject({ phase: 'Pending', hostIP: '172.16.0.2', startTime: formatTime(T0), qosClass: 'BestEffort' });
    expect(k.pod.status?.podIP).toBeUndefined();
    expect(k.pod.status?.containerStatuses?.map((c) => [c.name, c.state, c.ready])).toEqual([
      ['a', { waiting: { reason: 'ContainerCreating' } }, false],
      ['b', { waiting: { reason: 'ContainerCreating' } }, false],
    ]);
    expect(k.pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [a b]' });
    expect(k.pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime).toBe(formatTime(T0 - 5_000));

    // A sync before the delay (an informer event) writes nothing and asks to come back when it falls due.
    clock.advance(400);
    expect(k.sync()).toMatchObject({ delete: false, requeueAfterMs: 600 });
    expect(k.writes).toHaveLength(1);

    clock.advance(600);
    const second = k.sync();
    expect(second.requeueAfterMs).toBeUndefined();
    expect(k.pod.status).toMatchObject({ phase: 'Running', podIP: '10.244.1.2', podIPs: [{ ip: '10.244.1.2' }], hostIPs: [{ ip: '172.16.0.2' }] });
    expect(Object.fromEntries((k.pod.status?.conditions ?? []).map((c) => [c.type, c.status]))).toEqual({ Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
    const a = k.pod.status!.containerStatuses![0]!;
    expect(a).toMatchObject({ name: 'a', ready: true, started: true, restartCount: 0, image: 'nginx', state: { running: { startedAt: formatTime(T0 + 1_000) } } });
    expect(a.containerID).toMatch(/^hollow:\/\/[0-9a-f]{64}$/);
    expect(a.imageID).toMatch(/^hollow:\/\/sha256:[0-9a-f]{64}$/);

    clock.advance(60_000);
    expect(k.sync()).toEqual({ runtime: k.rt, delete: false });
    expect(k.writes).toHaveLength(2);
  });

  it.each([
    ['the stop delay when the grace period is longer', 30, 2_000],
    ['the grace period when it is shorter', 1, 1_000],
    ['at once with grace 0', 0, 0],
  ])('a deleted pod stops after %s, then reports terminated containers and is deleted', (_, grace, stopMs) => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(newPod(), runtime(clock), clock);
    k.sync();
    clock.advance(1_000);
    k.sync();
    clock.advance(5_000);
    k.pod = { ...k.pod, metadata: { ...k.pod.metadata, deletionTimestamp: formatTime(clock.now() + grace * 1000), deletionGracePeriodSeconds: grace } };
    const seen = clock.now();
    const r = k.sync();
    if (stopMs > 0) {
      expect(r).toMatchObject({ delete: false, requeueAfterMs: stopMs });
      expect(k.rt.stoppingSince).toBe(seen);
      clock.advance(stopMs - 1);
      expect(k.sync()).toMatchObject({ delete: false, requeueAfterMs: 1 });
      clock.advance(1);
      k.sync();
    }
    expect(k.deleted).toBe(true);
    expect(k.pod.status?.phase).toBe('Succeeded');
    expect(k.pod.status?.containerStatuses?.map((c) => c.state?.terminated)).toEqual(
      ['a', 'b'].map(() => expect.objectContaining({ exitCode: 0, reason: 'Completed', startedAt: formatTime(T0 + 1_000), finishedAt: formatTime(seen + stopMs) })),
    );
    expect(k.pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });

  it('a pod deleted while its containers are being created reports them terminated without a start', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(newPod(), runtime(clock), clock);
    k.sync();
    k.pod = { ...k.pod, metadata: { ...k.pod.metadata, deletionTimestamp: formatTime(T0 + 30_000), deletionGracePeriodSeconds: 30 } };
    k.sync();
    clock.advance(2_000);
    k.sync();
    expect(k.deleted).toBe(true);
    expect(k.pod.status?.containerStatuses?.[0]?.state?.terminated?.startedAt).toBeUndefined();
    expect(k.pod.status?.podIP).toBeUndefined();
  });

  it('a rejected pod is reported Failed once, and deleted at once when it is deleted', () => {
    const clock = new ManualClock(T0);
    const rejected = { ...runtime(clock), podIP: '', rejected: { reason: 'OutOfcpu', message: 'Pod was rejected: …' } };
    const k = new Kubelet(newPod(), rejected, clock);
    expect(k.sync().requeueAfterMs).toBeUndefined();
    expect(k.pod.status).toMatchObject({ phase: 'Failed', reason: 'OutOfcpu', message: 'Pod was rejected: …', qosClass: 'BestEffort' });
    k.sync();
    expect(k.writes).toHaveLength(1);
    k.pod = { ...k.pod, metadata: { ...k.pod.metadata, deletionTimestamp: formatTime(T0), deletionGracePeriodSeconds: 0 } };
    expect(k.sync()).toMatchObject({ delete: true });
    expect(k.writes).toHaveLength(1);
  });

  it('init containers: PodInitializing while pending, Completed once running', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(newPod({ initContainers: [{ name: 'setup', image: 'busybox' }] }), runtime(clock), clock);
    k.sync();
    expect(k.pod.status?.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized' });
    expect(k.pod.status?.initContainerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
    clock.advance(1_000);
    k.sync();
    expect(k.pod.status?.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('statusMatches ignores how the server spells times and the order of conditions, not what changed', () => {
    const clock = new ManualClock(T0);
    const pod = newPod();
    const rt = runtime(clock);
    const running = runningStatus(pod, rt, T0 + 1_000);
    const reordered: PodStatus = { ...running, conditions: [...running.conditions!].reverse().map((c) => ({ ...c, lastTransitionTime: formatTime(T0 + 99_000) })) };
    expect(statusMatches(reordered, running)).toBe(true);
    expect(statusMatches(pendingStatus(pod, rt), running)).toBe(false);
    expect(statusMatches({ ...running, podIP: '10.244.1.3' }, running)).toBe(false);
    expect(statusMatches(undefined, running)).toBe(false);
  });
});
