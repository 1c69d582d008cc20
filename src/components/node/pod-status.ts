/**
 * The statuses a hollow kubelet writes for a pod it runs, as the kubelet's status manager would report
 * simulated containers (kubemark's fake runtime; kubelet_pods.go generateAPIPodStatus, getPhase and
 * convertToAPIContainerStatuses, status/generate.go for the conditions):
 *
 * - pending: phase Pending, every container waiting with reason ContainerCreating, hostIP and startTime set,
 *   PodScheduled and Initialized True, ContainersReady and Ready False (ContainersNotReady);
 * - started (startedStatus), from a ContainerRun:
 *   - running: phase Running with the pod's IP, every container running (ready, started, restartCount, imageID
 *     and a `hollow://` containerID per attempt, lastState the run before if any), init containers terminated
 *     with Completed, every condition True;
 *   - backOff: phase Running, every container waiting with reason CrashLoopBackOff and the kubelet's message
 *     `back-off 10s restarting failed container=C pod=NAME_NS(UID)`, lastState the exited run (exit code, reason
 *     Completed for 0 and Error otherwise, as containerd reports them), Ready and ContainersReady False
 *     (ContainersNotReady);
 *   - exited: phase Succeeded when the exit code is 0, Failed otherwise, every container terminated, Ready and
 *     ContainersReady False with reason PodCompleted or PodFailed, Initialized True (reason PodCompleted when
 *     Succeeded); the pod's IP is kept;
 * - stopped: after a deletion, every running container killed (exit code 137, Error; one never started:
 *   ContainerStatusUnknown), phase Failed, Ready and ContainersReady False (PodFailed) — so a Job counts a
 *   deleted pod as failed, never as a success;
 * - rejected: refused at admission, phase Failed with the rejection's reason and message.
 *
 * Every time in them comes from the pod's PodRuntime and ContainerRun, so writing the same state twice gives
 * the same status, and statusMatches compares what the kubelet reports, not how the server spelled it.
 */
import { createHash } from 'node:crypto';
import { formatTime, parseTime, type Container, type ContainerState, type ContainerStateTerminated, type ContainerStatus, type DeepReadonly, type Pod, type PodCondition, type PodStatus } from '../../api/index.js';
import type { PodRejection } from './admission.js';
import { formatBackOff, type ContainerExit, type ContainerRun, type ContainerRunSpec } from './container-run.js';

/**
 * PodRuntime is what a hollow kubelet keeps of a pod it admitted: when it started creating the sandbox, the
 * pod's IP, when it started stopping the containers after a deletion, whether the pod has terminated, or why
 * it rejected the pod.
 */
export interface PodRuntime {
  readonly uid: string;
  readonly node: string;
  /** admittedAt is when the kubelet admitted the pod and began creating it (status.startTime), epoch ms. */
  readonly admittedAt: number;
  /** podIP is the pod's address in its node's range ('' for a rejected pod); a terminated pod still reports it. */
  readonly podIP: string;
  /** hostIP is the node's InternalIP. */
  readonly hostIP: string;
  /** stoppingSince is when the kubelet saw the deletion and began stopping the containers, epoch ms. */
  readonly stoppingSince?: number;
  /**
   * terminated says the pod's containers exited for good (phase Succeeded or Failed): its sandbox is gone, so
   * it no longer holds its IP nor counts against the node's resources.
   */
  readonly terminated?: boolean;
  readonly rejected?: PodRejection;
  /**
   * runSpec is how the containers run, read from the pod when it was admitted (or adopted after a restart):
   * changing its annotations later does not rewrite what already ran, as a real container's fate is not changed
   * by editing its pod's annotations.
   */
  readonly runSpec?: ContainerRunSpec;
}

/**
 * containerID is the simulated runtime's ID of a container's run attempt (its restartCount): `hollow://` and 64
 * hex digits, new for every restart as the runtime's are.
 */
export function containerID(uid: string, name: string, attempt = 0): string {
  return `hollow://${createHash('sha256').update(attempt === 0 ? `${uid}/${name}` : `${uid}/${name}/${attempt}`).digest('hex')}`;
}

/** imageID is the simulated runtime's ID of an image. */
export function imageID(image: string): string {
  return `hollow://sha256:${createHash('sha256').update(image).digest('hex')}`;
}

/** exitReason is the reason the runtime gives an exit (containerd's CRI: Completed for 0, Error otherwise). */
export function exitReason(exitCode: number): string {
  return exitCode === 0 ? 'Completed' : 'Error';
}

/** podDesc names a pod as the kubelet's format.Pod does: `name_namespace(uid)`. */
export function podDesc(pod: DeepReadonly<Pod>): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

interface ContainerFlags {
  readonly ready: boolean;
  readonly started: boolean;
  /** attempt is the run whose IDs the status carries; undefined when no container was created. */
  readonly attempt: number | undefined;
  readonly restartCount?: number;
  readonly lastState?: ContainerState;
}

/** containerStatus reports container c in state; a container that was created has its IDs. */
function containerStatus(rt: PodRuntime, c: DeepReadonly<Container>, state: ContainerState, flags: ContainerFlags): ContainerStatus {
  const image = c.image ?? '';
  const created = flags.attempt !== undefined;
  return {
    name: c.name,
    state,
    ...(flags.lastState === undefined ? {} : { lastState: flags.lastState }),
    ready: flags.ready,
    restartCount: flags.restartCount ?? 0,
    image,
    imageID: created ? imageID(image) : '',
    ...(created ? { containerID: containerID(rt.uid, c.name, flags.attempt) } : {}),
    started: flags.started,
  };
}

const NOT_CREATED: ContainerFlags = { ready: false, started: false, attempt: undefined };

/** terminated is the state of container name after exit. */
function terminated(rt: PodRuntime, name: string, exit: ContainerExit): { terminated: ContainerStateTerminated } {
  return {
    terminated: {
      exitCode: exit.exitCode,
      reason: exitReason(exit.exitCode),
      startedAt: formatTime(exit.startedAt),
      finishedAt: formatTime(exit.finishedAt),
      containerID: containerID(rt.uid, name, exit.attempt),
    },
  };
}

function condition(type: string, ok: boolean, at: number, reason?: string, message?: string): PodCondition {
  return { type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: formatTime(at), ...(reason === undefined ? {} : { reason }), ...(message === undefined ? {} : { message }) };
}

function base(pod: DeepReadonly<Pod>, rt: PodRuntime): PodStatus {
  return {
    hostIP: rt.hostIP,
    hostIPs: [{ ip: rt.hostIP }],
    startTime: formatTime(rt.admittedAt),
    ...(pod.status?.qosClass === undefined ? {} : { qosClass: pod.status.qosClass }),
  };
}

function scheduledAt(pod: DeepReadonly<Pod>, rt: PodRuntime): number {
  const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
  return c?.lastTransitionTime === undefined || c.lastTransitionTime === null ? rt.admittedAt : parseTime(c.lastTransitionTime);
}

function unreadyMessage(pod: DeepReadonly<Pod>): string {
  return `containers with unready status: [${(pod.spec?.containers ?? []).map((c) => c.name).join(' ')}]`;
}

/** pendingStatus is the pod while its containers are being created. */
export function pendingStatus(pod: DeepReadonly<Pod>, rt: PodRuntime): PodStatus {
  const containers = pod.spec?.containers ?? [];
  const unready = unreadyMessage(pod);
  const inits = pod.spec?.initContainers ?? [];
  return {
    ...base(pod, rt),
    phase: 'Pending',
    conditions: [
      inits.length === 0 ? condition('Initialized', true, rt.admittedAt) : condition('Initialized', false, rt.admittedAt, 'ContainersNotInitialized', `containers with incomplete status: [${inits.map((c) => c.name).join(' ')}]`),
      condition('Ready', false, rt.admittedAt, 'ContainersNotReady', unready),
      condition('ContainersReady', false, rt.admittedAt, 'ContainersNotReady', unready),
      condition('PodScheduled', true, scheduledAt(pod, rt)),
    ],
    ...(inits.length === 0 ? {} : { initContainerStatuses: inits.map((c) => containerStatus(rt, c, { waiting: { reason: 'PodInitializing' } }, NOT_CREATED)) }),
    containerStatuses: containers.map((c) => containerStatus(rt, c, { waiting: { reason: inits.length === 0 ? 'ContainerCreating' : 'PodInitializing' } }, NOT_CREATED)),
  };
}

/** completedInits are the init containers, each terminated with Completed when the pod was admitted. */
function completedInits(pod: DeepReadonly<Pod>, rt: PodRuntime): Pick<PodStatus, 'initContainerStatuses'> {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return {};
  return {
    initContainerStatuses: inits.map((c) =>
      containerStatus(rt, c, { terminated: { exitCode: 0, reason: 'Completed', startedAt: formatTime(rt.admittedAt), finishedAt: formatTime(rt.admittedAt), containerID: containerID(rt.uid, c.name) } }, { ready: true, started: false, attempt: 0 }),
    ),
  };
}

/** startedStatus is the pod once its containers have started: running, backing off after an exit, or exited for good. */
export function startedStatus(pod: DeepReadonly<Pod>, rt: PodRuntime, run: ContainerRun): PodStatus {
  const containers = pod.spec?.containers ?? [];
  const scheduled = condition('PodScheduled', true, scheduledAt(pod, rt));
  const ip = { podIP: rt.podIP, podIPs: [{ ip: rt.podIP }] };
  switch (run.kind) {
    case 'running':
      return {
        ...base(pod, rt),
        phase: 'Running',
        ...ip,
        conditions: [condition('Initialized', true, rt.admittedAt), condition('Ready', true, run.startedAt), condition('ContainersReady', true, run.startedAt), scheduled],
        ...completedInits(pod, rt),
        containerStatuses: containers.map((c) =>
          containerStatus(rt, c, { running: { startedAt: formatTime(run.startedAt) } }, {
            ready: true,
            started: true,
            attempt: run.restartCount,
            restartCount: run.restartCount,
            ...(run.previous === undefined ? {} : { lastState: terminated(rt, c.name, run.previous) }),
          }),
        ),
      };
    case 'backOff': {
      const unready = unreadyMessage(pod);
      const backOff = formatBackOff(run.backOffMs);
      return {
        ...base(pod, rt),
        phase: 'Running',
        ...ip,
        conditions: [
          condition('Initialized', true, rt.admittedAt),
          condition('Ready', false, run.exit.finishedAt, 'ContainersNotReady', unready),
          condition('ContainersReady', false, run.exit.finishedAt, 'ContainersNotReady', unready),
          scheduled,
        ],
        ...completedInits(pod, rt),
        containerStatuses: containers.map((c) =>
          containerStatus(rt, c, { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${backOff} restarting failed container=${c.name} pod=${podDesc(pod)}` } }, {
            ready: false,
            started: false,
            attempt: run.restartCount,
            restartCount: run.restartCount,
            lastState: terminated(rt, c.name, run.exit),
          }),
        ),
      };
    }
    case 'exited': {
      const succeeded = run.exit.exitCode === 0;
      const reason = succeeded ? 'PodCompleted' : 'PodFailed';
      return {
        ...base(pod, rt),
        phase: succeeded ? 'Succeeded' : 'Failed',
        ...ip,
        conditions: [
          succeeded ? condition('Initialized', true, rt.admittedAt, 'PodCompleted') : condition('Initialized', true, rt.admittedAt),
          condition('Ready', false, run.exit.finishedAt, reason),
          condition('ContainersReady', false, run.exit.finishedAt, reason),
          scheduled,
        ],
        ...completedInits(pod, rt),
        containerStatuses: containers.map((c) =>
          containerStatus(rt, c, terminated(rt, c.name, run.exit), {
            ready: false,
            started: false,
            attempt: run.restartCount,
            restartCount: run.restartCount,
            ...(run.previous === undefined ? {} : { lastState: terminated(rt, c.name, run.previous) }),
          }),
        ),
      };
    }
  }
}

/**
 * stoppedStatus is the pod once its containers were stopped at stoppedAt for a deletion; run is what was
 * running when the stop began, undefined if the containers never ran.
 */
export function stoppedStatus(pod: DeepReadonly<Pod>, rt: PodRuntime, run: Extract<ContainerRun, { kind: 'running' }> | undefined, stoppedAt: number): PodStatus {
  return {
    ...base(pod, rt),
    phase: 'Failed',
    ...(rt.podIP === '' || run === undefined ? {} : { podIP: rt.podIP, podIPs: [{ ip: rt.podIP }] }),
    conditions: [
      condition('Initialized', true, rt.admittedAt),
      condition('Ready', false, stoppedAt, 'PodFailed'),
      condition('ContainersReady', false, stoppedAt, 'PodFailed'),
      condition('PodScheduled', true, scheduledAt(pod, rt)),
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) =>
      containerStatus(
        rt,
        c,
        {
          terminated:
            run === undefined
              ? { exitCode: KILLED_EXIT_CODE, reason: 'ContainerStatusUnknown', message: NEVER_STARTED_MESSAGE, finishedAt: formatTime(stoppedAt) }
              : { exitCode: KILLED_EXIT_CODE, reason: 'Error', startedAt: formatTime(run.startedAt), containerID: containerID(rt.uid, c.name, run.restartCount), finishedAt: formatTime(stoppedAt) },
        },
        {
          ready: false,
          started: false,
          attempt: run?.restartCount,
          ...(run === undefined ? {} : { restartCount: run.restartCount }),
          ...(run?.previous === undefined ? {} : { lastState: terminated(rt, c.name, run.previous) }),
        },
      ),
    ),
  };
}

/** KILLED_EXIT_CODE is a container's exit code once the kubelet killed it for a deletion (128 + SIGKILL). */
const KILLED_EXIT_CODE = 137;

/** NEVER_STARTED_MESSAGE is the kubelet's word for a container that was never started when its pod was deleted. */
const NEVER_STARTED_MESSAGE = 'The container could not be located when the pod was terminated';

/**
 * abandonedStatus is a pod deleted before this kubelet ever started it, as the kubelet makes it terminal
 * before removing it: phase Failed, every container terminated with 137 (ContainerStatusUnknown).
 */
export function abandonedStatus(pod: DeepReadonly<Pod>, at: number): PodStatus {
  return {
    ...(pod.status?.qosClass === undefined ? {} : { qosClass: pod.status.qosClass }),
    ...(pod.status?.conditions === undefined ? {} : { conditions: JSON.parse(JSON.stringify(pod.status.conditions)) as PodCondition[] }),
    phase: 'Failed',
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      state: { terminated: { exitCode: KILLED_EXIT_CODE, reason: 'ContainerStatusUnknown', message: NEVER_STARTED_MESSAGE, finishedAt: formatTime(at) } },
      ready: false,
      restartCount: 0,
      image: c.image ?? '',
      imageID: '',
      started: false,
    })),
  };
}

/** rejectedStatus is the pod refused at admission (kubelet's rejectPod). */
export function rejectedStatus(pod: DeepReadonly<Pod>, rejection: PodRejection): PodStatus {
  return {
    ...(pod.status?.qosClass === undefined ? {} : { qosClass: pod.status.qosClass }),
    ...(pod.status?.conditions === undefined ? {} : { conditions: JSON.parse(JSON.stringify(pod.status.conditions)) as PodCondition[] }),
    phase: 'Failed',
    reason: rejection.reason,
    message: rejection.message,
  };
}

function stateOf(s: DeepReadonly<ContainerState> | undefined): string {
  if (s?.running !== undefined) return 'running';
  if (s?.terminated !== undefined) return `terminated/${s.terminated.exitCode}`;
  if (s?.waiting !== undefined) return `waiting/${s.waiting.reason ?? ''}`;
  return '';
}

function summary(s: DeepReadonly<PodStatus> | undefined): string {
  if (s === undefined) return '';
  const conditions = [...(s.conditions ?? [])].map((c) => `${c.type}=${c.status}`).sort();
  const containers = (s.containerStatuses ?? []).map((c) => `${c.name}:${stateOf(c.state)}:${String(c.ready)}:${c.containerID ?? ''}:${c.restartCount}:${stateOf(c.lastState)}`);
  const inits = (s.initContainerStatuses ?? []).map((c) => `${c.name}:${stateOf(c.state)}`);
  return JSON.stringify([s.phase ?? '', s.reason ?? '', s.podIP ?? '', s.hostIP ?? '', s.startTime ?? '', conditions, containers, inits]);
}

/**
 * statusMatches reports whether current already says what desired says: phase, addresses, conditions, and
 * each container's state, exit code, restartCount and last state.
 */
export function statusMatches(current: DeepReadonly<PodStatus> | undefined, desired: DeepReadonly<PodStatus>): boolean {
  return summary(current) === summary(desired);
}
