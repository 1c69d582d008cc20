/**
 * The statuses a hollow kubelet writes for a pod it runs, as the kubelet's status manager would report
 * simulated containers (kubemark's fake runtime):
 *
 * - pending: phase Pending, every container waiting with reason ContainerCreating, hostIP and startTime set,
 *   PodScheduled and Initialized True, ContainersReady and Ready False (ContainersNotReady);
 * - running: phase Running with the pod's IP, every container running (ready, started, restartCount 0,
 *   imageID and a `hollow://` containerID), init containers terminated with Completed, every condition True;
 * - stopped: after a deletion, every container terminated with exit code 0 (Completed), phase Succeeded,
 *   Ready and ContainersReady False (PodCompleted);
 * - rejected: refused at admission, phase Failed with the rejection's reason and message.
 *
 * Every time in them comes from the pod's PodRuntime, so writing the same state twice gives the same status,
 * and statusMatches compares what the kubelet reports, not how the server spelled it.
 */
import { createHash } from 'node:crypto';
import { formatTime, parseTime, type Container, type ContainerState, type ContainerStatus, type DeepReadonly, type Pod, type PodCondition, type PodStatus } from '../../api/index.js';
import type { PodRejection } from './admission.js';

/**
 * PodRuntime is what a hollow kubelet keeps of a pod it admitted: when it started creating the sandbox, the
 * pod's IP, when it started stopping the containers after a deletion, or why it rejected the pod.
 */
export interface PodRuntime {
  readonly uid: string;
  readonly node: string;
  /** admittedAt is when the kubelet admitted the pod and began creating it (status.startTime), epoch ms. */
  readonly admittedAt: number;
  /** podIP is the pod's address in its node's range ('' for a rejected pod). */
  readonly podIP: string;
  /** hostIP is the node's InternalIP. */
  readonly hostIP: string;
  /** stoppingSince is when the kubelet saw the deletion and began stopping the containers, epoch ms. */
  readonly stoppingSince?: number;
  readonly rejected?: PodRejection;
}

/** containerID is the simulated runtime's ID of a pod's container: `hollow://` and 64 hex digits. */
export function containerID(uid: string, name: string): string {
  return `hollow://${createHash('sha256').update(`${uid}/${name}`).digest('hex')}`;
}

/** imageID is the simulated runtime's ID of an image. */
export function imageID(image: string): string {
  return `hollow://sha256:${createHash('sha256').update(image).digest('hex')}`;
}

/** containerStatus reports container c in state; a container that was created has its IDs. */
function containerStatus(rt: PodRuntime, c: DeepReadonly<Container>, state: ContainerState, flags: { ready: boolean; started: boolean; created: boolean }): ContainerStatus {
  const image = c.image ?? '';
  return {
    name: c.name,
    state,
    ready: flags.ready,
    restartCount: 0,
    image,
    imageID: flags.created ? imageID(image) : '',
    ...(flags.created ? { containerID: containerID(rt.uid, c.name) } : {}),
    started: flags.started,
  };
}

const NOT_CREATED = { ready: false, started: false, created: false };

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

/** pendingStatus is the pod while its containers are being created. */
export function pendingStatus(pod: DeepReadonly<Pod>, rt: PodRuntime): PodStatus {
  const containers = pod.spec?.containers ?? [];
  const unready = `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`;
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

/** runningStatus is the pod once its containers run, from runningAt (epoch ms). */
export function runningStatus(pod: DeepReadonly<Pod>, rt: PodRuntime, runningAt: number): PodStatus {
  const inits = pod.spec?.initContainers ?? [];
  return {
    ...base(pod, rt),
    phase: 'Running',
    podIP: rt.podIP,
    podIPs: [{ ip: rt.podIP }],
    conditions: [condition('Initialized', true, rt.admittedAt), condition('Ready', true, runningAt), condition('ContainersReady', true, runningAt), condition('PodScheduled', true, scheduledAt(pod, rt))],
    ...(inits.length === 0
      ? {}
      : {
          initContainerStatuses: inits.map((c) =>
            containerStatus(rt, c, { terminated: { exitCode: 0, reason: 'Completed', startedAt: formatTime(rt.admittedAt), finishedAt: formatTime(rt.admittedAt), containerID: containerID(rt.uid, c.name) } }, { ready: true, started: false, created: true }),
          ),
        }),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => containerStatus(rt, c, { running: { startedAt: formatTime(runningAt) } }, { ready: true, started: true, created: true })),
  };
}

/** stoppedStatus is the pod once its containers stopped at stoppedAt; runningAt is undefined if they never ran. */
export function stoppedStatus(pod: DeepReadonly<Pod>, rt: PodRuntime, runningAt: number | undefined, stoppedAt: number): PodStatus {
  return {
    ...base(pod, rt),
    phase: 'Succeeded',
    ...(rt.podIP === '' || runningAt === undefined ? {} : { podIP: rt.podIP, podIPs: [{ ip: rt.podIP }] }),
    conditions: [
      condition('Initialized', true, rt.admittedAt, 'PodCompleted'),
      condition('Ready', false, stoppedAt, 'PodCompleted'),
      condition('ContainersReady', false, stoppedAt, 'PodCompleted'),
      condition('PodScheduled', true, scheduledAt(pod, rt)),
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) =>
      containerStatus(
        rt,
        c,
        {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            ...(runningAt === undefined ? {} : { startedAt: formatTime(runningAt), containerID: containerID(rt.uid, c.name) }),
            finishedAt: formatTime(stoppedAt),
          },
        },
        { ready: false, started: false, created: runningAt !== undefined },
      ),
    ),
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

function stateOf(c: DeepReadonly<ContainerStatus>): string {
  if (c.state?.running !== undefined) return 'running';
  if (c.state?.terminated !== undefined) return `terminated/${c.state.terminated.exitCode}`;
  return `waiting/${c.state?.waiting?.reason ?? ''}`;
}

function summary(s: DeepReadonly<PodStatus> | undefined): string {
  if (s === undefined) return '';
  const conditions = [...(s.conditions ?? [])].map((c) => `${c.type}=${c.status}`).sort();
  const containers = (s.containerStatuses ?? []).map((c) => `${c.name}:${stateOf(c)}:${String(c.ready)}:${c.containerID ?? ''}`);
  const inits = (s.initContainerStatuses ?? []).map((c) => `${c.name}:${stateOf(c)}`);
  return JSON.stringify([s.phase ?? '', s.reason ?? '', s.podIP ?? '', s.hostIP ?? '', s.startTime ?? '', conditions, containers, inits]);
}

/** statusMatches reports whether current already says what desired says: phase, addresses, conditions and container states. */
export function statusMatches(current: DeepReadonly<PodStatus> | undefined, desired: DeepReadonly<PodStatus>): boolean {
  return summary(current) === summary(desired);
}
