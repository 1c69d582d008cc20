/**
 * The Events a hollow kubelet writes, as the kubelet words them (pure: the shell records them through an
 * EventRecorder with component `kubelet` and the node as source host):
 *
 * - on the node when its agent registers it: `Starting` "Starting kubelet." and `NodeAllocatableEnforced`
 *   "Updated Node Allocatable limit across pods" (once per process, as a kubelet starts once) and, for a Node it
 *   created, the condition events "Node N status is now: NodeHasSufficientMemory" (and NodeHasNoDiskPressure,
 *   NodeHasSufficientPID, NodeReady); the involved object is the node by name, with the name as UID, as the
 *   kubelet's nodeRef;
 * - on each container when the pod's simulated containers start, and again at every restart (a new container
 *   ID in the status written): `Pulled` "Container image "I" already present on machine", `Created` "Created
 *   container C", `Started` "Started container C"; when the kubelet backs off restarting it after an exit
 *   (kuberuntime doBackOff, once per back-off here where the kubelet repeats it at each sync): the warning
 *   `BackOff` "Back-off restarting failed container C in pod NAME_NS(UID)"; when they are stopped for a
 *   deletion: `Killing` "Stopping container C" (involvedObject.fieldPath `spec.containers{C}`);
 * - on a pod refused at admission: a warning with the rejection's reason (`OutOfcpu` …) and message.
 */
import { goQuote, type ContainerStatus, type DeepReadonly, type EventType, type Pod, type PodStatus } from '../../api/index.js';
import { podDesc } from './pod-status.js';

/** KubeletEvent is one event to record: on the pod (or node), maybe on one of its containers. */
export interface KubeletEvent {
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  /** fieldPath names the container (`spec.containers{c}`), when the event is about one. */
  readonly fieldPath?: string;
}

/**
 * nodeEvents are the events of a node's registration: the kubelet's start when this process has not reported
 * it yet (starting), the condition events when the agent created the Node (not a restart reusing it).
 */
export function nodeEvents(node: string, at: { readonly starting: boolean; readonly created: boolean }): KubeletEvent[] {
  const status = (s: string): KubeletEvent => ({ type: 'Normal', reason: s, message: `Node ${node} status is now: ${s}` });
  return [
    ...(at.starting
      ? [
          { type: 'Normal' as const, reason: 'Starting', message: 'Starting kubelet.' },
          { type: 'Normal' as const, reason: 'NodeAllocatableEnforced', message: 'Updated Node Allocatable limit across pods' },
        ]
      : []),
    ...(at.created ? ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady'].map(status) : []),
  ];
}

function containers(pod: DeepReadonly<Pod>): readonly { readonly name: string; readonly image?: string | undefined }[] {
  return pod.spec?.containers ?? [];
}

function containerStartedEvents(c: { readonly name: string; readonly image?: string | undefined }): KubeletEvent[] {
  const fieldPath = `spec.containers{${c.name}}`;
  return [
    { type: 'Normal', reason: 'Pulled', message: `Container image ${goQuote(c.image ?? '')} already present on machine`, fieldPath },
    { type: 'Normal', reason: 'Created', message: `Created container ${c.name}`, fieldPath },
    { type: 'Normal', reason: 'Started', message: `Started container ${c.name}`, fieldPath },
  ];
}

/** containersStartedEvents are the events of a pod whose containers have just started. */
export function containersStartedEvents(pod: DeepReadonly<Pod>): KubeletEvent[] {
  return containers(pod).flatMap(containerStartedEvents);
}

/**
 * containerStatusEvents are the events of a pod whose status goes from before to after: each container whose
 * container ID is new was started (Pulled, Created, Started), each that newly waits in CrashLoopBackOff gets
 * the BackOff warning.
 */
export function containerStatusEvents(pod: DeepReadonly<Pod>, before: DeepReadonly<PodStatus> | undefined, after: DeepReadonly<PodStatus>): KubeletEvent[] {
  const find = (s: DeepReadonly<PodStatus> | undefined, name: string): DeepReadonly<ContainerStatus> | undefined => s?.containerStatuses?.find((x) => x.name === name);
  return containers(pod).flatMap((c) => {
    const was = find(before, c.name);
    const now = find(after, c.name);
    if (now === undefined) return [];
    const events: KubeletEvent[] = [];
    if (now.containerID !== undefined && now.containerID !== '' && now.containerID !== was?.containerID) events.push(...containerStartedEvents(c));
    const backingOff = (s: DeepReadonly<ContainerStatus> | undefined): boolean => s?.state?.waiting?.reason === 'CrashLoopBackOff';
    if (backingOff(now) && !(backingOff(was) && was?.containerID === now.containerID)) {
      events.push({ type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${podDesc(pod)}`, fieldPath: `spec.containers{${c.name}}` });
    }
    return events;
  });
}

/** containersStoppingEvents are the events of a pod whose containers are being stopped for its deletion. */
export function containersStoppingEvents(pod: DeepReadonly<Pod>): KubeletEvent[] {
  return containers(pod).map((c) => ({ type: 'Normal', reason: 'Killing', message: `Stopping container ${c.name}`, fieldPath: `spec.containers{${c.name}}` }));
}

/** rejectedEvents is the warning of a pod refused at admission. */
export function rejectedEvents(rejection: { readonly reason: string; readonly message: string }): KubeletEvent[] {
  return [{ type: 'Warning', reason: rejection.reason, message: rejection.message }];
}
