/**
 * The hollow kubelet's pod worker on a ManualClock: a pod is driven through its life the way the shell
 * drives it — each status syncPod asks for is "written" to the pod, and the clock moves to the requeue time.
 * Containers that exit: Never and OnFailure pods finish Succeeded or Failed, failed OnFailure and annotated
 * Always pods crash-loop with the kubelet's back-off, terminal pods are deleted at once.
 */
import { describe, expect, it } from 'vitest';
import { formatTime, type Pod, type PodStatus, type RestartPolicy } from '../../../src/api/index.js';
import { HOLLOW_EXIT_CODE_ANNOTATION, HOLLOW_RUN_DURATION_ANNOTATION, containerRunSpec } from '../../../src/components/node/container-run.js';
import { containerID, pendingStatus, startedStatus, statusMatches, type PodRuntime } from '../../../src/components/node/pod-status.js';
import { syncPod, type PodSyncResult } from '../../../src/components/node/pod-sync.js';
import { ManualClock } from '../../../src/util/clock.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const TIMING = { podStartDelayMs: 1_000, podStopDelayMs: 2_000, podRunDurationMs: 5_000 };

function newPod(extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', resourceVersion: '1' },
    spec: { nodeName: 'hollow-node-1', containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis' }], ...extra },
    status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: formatTime(T0 - 5_000) }] },
  };
}

/** batchPod is newPod with a restartPolicy and the hollow annotations (run duration, exit code) when given. */
function batchPod(restartPolicy: RestartPolicy, run?: string, exitCode?: string): Pod {
  const pod = newPod({ restartPolicy });
  const annotations = { ...(run === undefined ? {} : { [HOLLOW_RUN_DURATION_ANNOTATION]: run }), ...(exitCode === undefined ? {} : { [HOLLOW_EXIT_CODE_ANNOTATION]: exitCode }) };
  return { ...pod, metadata: { ...pod.metadata, annotations } };
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
    expect(r.requeueAfterMs === undefined || r.requeueAfterMs > 0, 'requeue in the future').toBe(true);
    this.rt = r.runtime;
    if (r.status !== undefined) {
      this.writes.push(r.status);
      this.pod = { ...this.pod, status: r.status };
    }
    if (r.delete) this.deleted = true;
    return r;
  }

  /** drive syncs at each requeue until untilMs after T0 (or no requeue), returning one line per status written. */
  drive(untilMs: number): string[] {
    const lines: string[] = [];
    for (;;) {
      const before = this.writes.length;
      const r = this.sync();
      if (this.writes.length > before) lines.push(`${this.clock.now() - T0} ${describeStatus(this.pod.status!)}`);
      if (r.requeueAfterMs === undefined || this.clock.now() - T0 + r.requeueAfterMs > untilMs) return lines;
      this.clock.advance(r.requeueAfterMs);
    }
  }

  deleteWithGrace(grace: number): void {
    this.pod = { ...this.pod, metadata: { ...this.pod.metadata, deletionTimestamp: formatTime(this.clock.now() + grace * 1000), deletionGracePeriodSeconds: grace } };
  }
}

/** describeStatus is one line for a status: phase, Ready (reason), and container a's state, restarts and last state. */
function describeStatus(s: PodStatus): string {
  const ready = s.conditions?.find((c) => c.type === 'Ready');
  const a = s.containerStatuses?.[0];
  const state = a?.state?.running !== undefined ? 'running' : a?.state?.terminated !== undefined ? `terminated(${a.state.terminated.exitCode} ${a.state.terminated.reason ?? ''})` : `waiting(${a?.state?.waiting?.reason ?? ''})`;
  const last = a?.lastState?.terminated === undefined ? '' : ` last=${a.lastState.terminated.exitCode}/${a.lastState.terminated.reason ?? ''}`;
  return `${s.phase ?? ''} Ready=${ready?.status ?? ''}${ready?.reason === undefined ? '' : `(${ready.reason})`} a=${state} restarts=${a?.restartCount ?? 0}${last}`;
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
    // Killed for the deletion: exit 137, so a Job counts the pod as failed, never as a success.
    expect(k.pod.status?.phase).toBe('Failed');
    expect(k.pod.status?.containerStatuses?.map((c) => c.state?.terminated)).toEqual(
      ['a', 'b'].map(() => expect.objectContaining({ exitCode: 137, reason: 'Error', startedAt: formatTime(T0 + 1_000), finishedAt: formatTime(seen + stopMs) })),
    );
    expect(k.pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodFailed' });
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
    expect(k.pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'ContainerStatusUnknown' });
    expect(k.pod.status?.containerStatuses?.[0]?.state?.terminated?.startedAt).toBeUndefined();
    expect(k.pod.status?.phase).toBe('Failed');
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
    const running = startedStatus(pod, rt, { kind: 'running', restartCount: 0, startedAt: T0 + 1_000 });
    const reordered: PodStatus = { ...running, conditions: [...running.conditions!].reverse().map((c) => ({ ...c, lastTransitionTime: formatTime(T0 + 99_000) })) };
    expect(statusMatches(reordered, running)).toBe(true);
    expect(statusMatches(pendingStatus(pod, rt), running)).toBe(false);
    expect(statusMatches({ ...running, podIP: '10.244.1.3' }, running)).toBe(false);
    expect(statusMatches(undefined, running)).toBe(false);
  });
});

describe('syncPod: containers that exit', () => {
  it.each<[string, Pod, string[]]>([
    ['Never, exit 0: Succeeded', batchPod('Never', '3s'), ['0 Pending Ready=False(ContainersNotReady) a=waiting(ContainerCreating) restarts=0', '1000 Running Ready=True a=running restarts=0', '4000 Succeeded Ready=False(PodCompleted) a=terminated(0 Completed) restarts=0']],
    ['Never, exit 3: Failed', batchPod('Never', '3s', '3'), ['0 Pending Ready=False(ContainersNotReady) a=waiting(ContainerCreating) restarts=0', '1000 Running Ready=True a=running restarts=0', '4000 Failed Ready=False(PodFailed) a=terminated(3 Error) restarts=0']],
    ['OnFailure, exit 0: Succeeded after the default run (5 s)', batchPod('OnFailure'), ['0 Pending Ready=False(ContainersNotReady) a=waiting(ContainerCreating) restarts=0', '1000 Running Ready=True a=running restarts=0', '6000 Succeeded Ready=False(PodCompleted) a=terminated(0 Completed) restarts=0']],
    ['Never, 0s: exits as it starts', batchPod('Never', '0s', '1'), ['0 Pending Ready=False(ContainersNotReady) a=waiting(ContainerCreating) restarts=0', '1000 Failed Ready=False(PodFailed) a=terminated(1 Error) restarts=0']],
    ['Never, invalid annotations: the default run, exit 0', batchPod('Never', 'a while', 'x'), ['0 Pending Ready=False(ContainersNotReady) a=waiting(ContainerCreating) restarts=0', '1000 Running Ready=True a=running restarts=0', '6000 Succeeded Ready=False(PodCompleted) a=terminated(0 Completed) restarts=0']],
    ['Always without a run duration: runs until deleted', batchPod('Always', undefined, '1'), ['0 Pending Ready=False(ContainersNotReady) a=waiting(ContainerCreating) restarts=0', '1000 Running Ready=True a=running restarts=0']],
  ])('%s', (_, pod, want) => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(pod, runtime(clock), clock);
    expect(k.drive(3_600_000)).toEqual(want);
    const terminal = k.pod.status?.phase === 'Succeeded' || k.pod.status?.phase === 'Failed';
    expect(k.rt.terminated === true).toBe(terminal);
    if (!terminal) return;
    // Exited for good: nothing more to do, ever; the pod keeps its IP in its status.
    clock.advance(86_400_000);
    expect(k.sync()).toEqual({ runtime: k.rt, delete: false });
    expect(k.pod.status).toMatchObject({ podIP: '10.244.1.2', podIPs: [{ ip: '10.244.1.2' }] });
    expect(k.pod.status?.conditions?.find((c) => c.type === 'ContainersReady')).toMatchObject({ status: 'False', reason: k.pod.status?.phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed' });
    expect(k.pod.status?.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'True', ...(k.pod.status?.phase === 'Succeeded' ? { reason: 'PodCompleted' } : {}) });
  });

  it('Never: the terminated containers carry exit code, reason, start, finish and container ID', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('Never', '1m30s', '42'), runtime(clock), clock);
    k.drive(3_600_000);
    expect(k.pod.status?.containerStatuses?.map((c) => c.state?.terminated)).toEqual(
      ['a', 'b'].map((name) => ({ exitCode: 42, reason: 'Error', startedAt: formatTime(T0 + 1_000), finishedAt: formatTime(T0 + 91_000), containerID: containerID('uid-1', name) })),
    );
    expect(k.pod.status?.containerStatuses?.[1]).toMatchObject({ name: 'b', ready: false, started: false, restartCount: 0, containerID: containerID('uid-1', 'b') });
    expect(k.pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(formatTime(T0 + 91_000));
  });

  it('OnFailure, exit 1: restarts at once, then CrashLoopBackOff 10 s, 20 s, … 5m0s; phase Running throughout', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('OnFailure', '3s', '1'), runtime(clock), clock);
    expect(k.drive(700_000)).toEqual([
      '0 Pending Ready=False(ContainersNotReady) a=waiting(ContainerCreating) restarts=0',
      '1000 Running Ready=True a=running restarts=0',
      '4000 Running Ready=True a=running restarts=1 last=1/Error',
      '7000 Running Ready=False(ContainersNotReady) a=waiting(CrashLoopBackOff) restarts=1 last=1/Error',
      '17000 Running Ready=True a=running restarts=2 last=1/Error',
      '20000 Running Ready=False(ContainersNotReady) a=waiting(CrashLoopBackOff) restarts=2 last=1/Error',
      '40000 Running Ready=True a=running restarts=3 last=1/Error',
      '43000 Running Ready=False(ContainersNotReady) a=waiting(CrashLoopBackOff) restarts=3 last=1/Error',
      '83000 Running Ready=True a=running restarts=4 last=1/Error',
      '86000 Running Ready=False(ContainersNotReady) a=waiting(CrashLoopBackOff) restarts=4 last=1/Error',
      '166000 Running Ready=True a=running restarts=5 last=1/Error',
      '169000 Running Ready=False(ContainersNotReady) a=waiting(CrashLoopBackOff) restarts=5 last=1/Error',
      '329000 Running Ready=True a=running restarts=6 last=1/Error',
      '332000 Running Ready=False(ContainersNotReady) a=waiting(CrashLoopBackOff) restarts=6 last=1/Error',
      '632000 Running Ready=True a=running restarts=7 last=1/Error',
      '635000 Running Ready=False(ContainersNotReady) a=waiting(CrashLoopBackOff) restarts=7 last=1/Error',
    ]);
    expect(k.rt.terminated).toBeUndefined();
    const a = k.pod.status!.containerStatuses![0]!;
    expect(a.state?.waiting).toEqual({ reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=a pod=web_default(uid-1)' });
    expect(a.lastState?.terminated).toEqual({ exitCode: 1, reason: 'Error', startedAt: formatTime(T0 + 632_000), finishedAt: formatTime(T0 + 635_000), containerID: containerID('uid-1', 'a', 7) });
    expect(a).toMatchObject({ ready: false, started: false, containerID: containerID('uid-1', 'a', 7) });
    expect(k.pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ message: 'containers with unready status: [a b]', lastTransitionTime: formatTime(T0 + 635_000) });
  });

  it('OnFailure: the first back-off says 10s, and each restart is a new container', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('OnFailure', '3s', '2'), runtime(clock), clock);
    k.drive(7_000);
    const a = k.pod.status!.containerStatuses![0]!;
    expect(a.state?.waiting?.message).toBe('back-off 10s restarting failed container=a pod=web_default(uid-1)');
    expect(a.restartCount).toBe(1);
    expect(a.lastState?.terminated).toMatchObject({ exitCode: 2, startedAt: formatTime(T0 + 4_000), finishedAt: formatTime(T0 + 7_000), containerID: containerID('uid-1', 'a', 1) });
    expect(new Set([0, 1, 2].map((n) => containerID('uid-1', 'a', n))).size).toBe(3);
  });

  it('Always with a run duration: every exit, 0 included, is restarted with back-off (Completed, CrashLoopBackOff)', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('Always', '5s'), runtime(clock), clock);
    expect(k.drive(40_000)).toEqual([
      '0 Pending Ready=False(ContainersNotReady) a=waiting(ContainerCreating) restarts=0',
      '1000 Running Ready=True a=running restarts=0',
      '6000 Running Ready=True a=running restarts=1 last=0/Completed',
      '11000 Running Ready=False(ContainersNotReady) a=waiting(CrashLoopBackOff) restarts=1 last=0/Completed',
      '21000 Running Ready=True a=running restarts=2 last=0/Completed',
      '26000 Running Ready=False(ContainersNotReady) a=waiting(CrashLoopBackOff) restarts=2 last=0/Completed',
    ]);
  });

  it('a sync between transitions writes nothing and comes back at the next one', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('OnFailure', '3s', '1'), runtime(clock), clock);
    k.drive(7_000);
    expect(k.writes).toHaveLength(4);
    clock.advance(4_000);
    expect(k.sync()).toMatchObject({ delete: false, requeueAfterMs: 6_000 });
    expect(k.writes).toHaveLength(4);
  });

  it('a terminal pod that is deleted is deleted at once: nothing to stop, no stop begun', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('Never', '3s', '1'), runtime(clock), clock);
    k.drive(3_600_000);
    const writes = k.writes.length;
    k.deleteWithGrace(30);
    expect(k.sync()).toEqual({ runtime: k.rt, delete: true });
    expect(k.rt.stoppingSince).toBeUndefined();
    expect(k.writes).toHaveLength(writes);
  });

  it('a pod deleted when its exit is due but not yet reported: the exit is written, then it is deleted at once', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('Never', '3s'), runtime(clock), clock);
    k.drive(1_000);
    clock.advance(10_000);
    k.deleteWithGrace(30);
    expect(k.sync()).toMatchObject({ delete: true });
    expect(k.rt).toMatchObject({ terminated: true });
    expect(k.rt.stoppingSince).toBeUndefined();
    expect(describeStatus(k.pod.status!)).toBe('Succeeded Ready=False(PodCompleted) a=terminated(0 Completed) restarts=0');
  });

  it('a pod deleted while backing off is reported with its last exit and deleted at once', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('OnFailure', '3s', '1'), runtime(clock), clock);
    k.drive(7_000);
    clock.advance(2_000);
    k.deleteWithGrace(30);
    expect(k.sync()).toMatchObject({ delete: true });
    expect(k.rt.stoppingSince).toBeUndefined();
    expect(describeStatus(k.pod.status!)).toBe('Failed Ready=False(PodFailed) a=terminated(1 Error) restarts=1 last=1/Error');
    expect(k.pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ startedAt: formatTime(T0 + 4_000), finishedAt: formatTime(T0 + 7_000) });
  });

  it('annotations edited after admission do not change how the containers run', () => {
    const clock = new ManualClock(T0);
    const pod = batchPod('OnFailure', '3s', '1');
    const k = new Kubelet(pod, { ...runtime(clock), runSpec: containerRunSpec(pod, TIMING.podRunDurationMs) }, clock);
    k.drive(7_000);
    expect(describeStatus(k.pod.status!)).toContain('restarts=1');
    k.pod = { ...k.pod, metadata: { ...k.pod.metadata, annotations: { [HOLLOW_RUN_DURATION_ANNOTATION]: '3s', [HOLLOW_EXIT_CODE_ANNOTATION]: '0' } } };
    k.sync();
    expect(k.pod.status?.phase).toBe('Running');
    expect(describeStatus(k.pod.status!)).toContain('restarts=1');
  });

  it('a pod deleted while running after restarts is stopped as any other, keeping its restart count', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('OnFailure', '3s', '1'), runtime(clock), clock);
    k.drive(17_000);
    clock.advance(1_000);
    k.deleteWithGrace(30);
    expect(k.sync()).toMatchObject({ delete: false, requeueAfterMs: 2_000 });
    expect(k.rt.stoppingSince).toBe(T0 + 18_000);
    // Its run would end meanwhile: the stop wins, as the kubelet has killed the container.
    clock.advance(2_000);
    expect(k.sync()).toMatchObject({ delete: true });
    expect(describeStatus(k.pod.status!)).toBe('Failed Ready=False(PodFailed) a=terminated(137 Error) restarts=2 last=1/Error');
    expect(k.pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ startedAt: formatTime(T0 + 17_000), finishedAt: formatTime(T0 + 20_000), containerID: containerID('uid-1', 'a', 2) });
  });

  it('a terminal pod is never restarted, whatever its annotations and the flags now say', () => {
    const clock = new ManualClock(T0);
    const k = new Kubelet(batchPod('Never', '3s'), runtime(clock), clock);
    k.drive(3_600_000);
    // After an upgrade or a restart with other settings, the same pod would now be running.
    k.pod = { ...k.pod, metadata: { ...k.pod.metadata, annotations: {} }, spec: { ...k.pod.spec!, restartPolicy: 'Always' } };
    const r = syncPod(k.pod, { ...k.rt, terminated: undefined }, clock.now(), TIMING);
    expect(r).toEqual({ runtime: k.rt, delete: false });
  });

  it('statusMatches sees a restart and a different exit code', () => {
    const clock = new ManualClock(T0);
    const pod = batchPod('OnFailure', '3s', '1');
    const rt = runtime(clock);
    const exit = { attempt: 1, startedAt: T0 + 4_000, finishedAt: T0 + 7_000, exitCode: 1 };
    const backOff = startedStatus(pod, rt, { kind: 'backOff', restartCount: 1, exit, backOffMs: 10_000, restartsAt: T0 + 17_000 });
    expect(statusMatches(backOff, startedStatus(pod, rt, { kind: 'backOff', restartCount: 1, exit, backOffMs: 10_000, restartsAt: T0 + 17_000 }))).toBe(true);
    expect(statusMatches(backOff, startedStatus(pod, rt, { kind: 'backOff', restartCount: 2, exit: { ...exit, attempt: 2 }, backOffMs: 20_000, restartsAt: T0 + 40_000 }))).toBe(false);
    expect(statusMatches(backOff, startedStatus(pod, rt, { kind: 'backOff', restartCount: 1, exit: { ...exit, exitCode: 2 }, backOffMs: 10_000, restartsAt: T0 + 17_000 }))).toBe(false);
    const running = (restartCount: number): PodStatus => startedStatus(pod, rt, { kind: 'running', restartCount, startedAt: T0 + 1_000 });
    expect(statusMatches(running(0), { ...running(0), containerStatuses: running(0).containerStatuses!.map((c) => ({ ...c, containerID: containerID('uid-1', c.name, 0), restartCount: 1 })) })).toBe(false);
    // The API server's empty lastState ({}) says what an absent one says.
    expect(statusMatches({ ...running(0), containerStatuses: running(0).containerStatuses!.map((c) => ({ ...c, lastState: {} })) }, running(0))).toBe(true);
  });
});
