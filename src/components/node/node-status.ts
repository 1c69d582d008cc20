/**
 * The Node object of a hollow kubelet and its status, as the kubelet's registerWithAPIServer and its node
 * status setters build them: the well-known labels (kubernetes.io/hostname, os, arch, instance type),
 * capacity and allocatable, the conditions MemoryPressure, DiskPressure, PIDPressure and Ready with the
 * kubelet's reasons and messages, InternalIP and Hostname addresses, the kubelet endpoint and nodeInfo.
 *
 * With node Leases the kubelet posts its status only when it changed (nodeStatusHasChanged: heartbeat times
 * aside) or when the report frequency has passed since the last post; shouldPostNodeStatus decides that.
 */
import { createHash } from 'node:crypto';
import { formatTime, jsonEqual, type DeepReadonly, type Node, type NodeCondition, type NodeStatus, type ResourceList } from '../../api/index.js';

/** HollowNodeSpec is what one hollow node is: its name, index and what it reports. */
export interface HollowNodeSpec {
  readonly name: string;
  readonly index: number;
  /** labels are the extra labels of --node-labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: Readonly<ResourceList>;
  /** podCIDR is the node's pod range (spec.podCIDR). */
  readonly podCIDR: string;
  /** internalIP is the node's address and its pods' hostIP. */
  readonly internalIP: string;
  readonly kubeletVersion: string;
}

/** KUBELET_PORT is the kubelet's API port, reported as status.daemonEndpoints.kubeletEndpoint. */
export const KUBELET_PORT = 10250;

/** INSTANCE_TYPE_HOLLOW is the value of node.kubernetes.io/instance-type on hollow nodes. */
export const INSTANCE_TYPE_HOLLOW = 'hollow';

/** nodeLabels are the labels the kubelet puts on its Node, then the operator's. */
export function nodeLabels(spec: HollowNodeSpec): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': spec.name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': INSTANCE_TYPE_HOLLOW,
    ...spec.labels,
  };
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** NODE_CONDITION_TYPES lists the conditions a hollow node reports, in the kubelet's order. */
export const NODE_CONDITION_TYPES = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'] as const;

/** healthyConditions are the kubelet's conditions of a healthy node, without times. */
const HEALTHY: Readonly<Record<(typeof NODE_CONDITION_TYPES)[number], Pick<NodeCondition, 'status' | 'reason' | 'message'>>> = {
  MemoryPressure: { status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  DiskPressure: { status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  PIDPressure: { status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  Ready: { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
};

/**
 * desiredNodeStatus is the status a hollow node reports at now: healthy conditions heartbeating now, each
 * keeping its lastTransitionTime from current while its status stays the same.
 */
export function desiredNodeStatus(spec: HollowNodeSpec, now: number, current?: DeepReadonly<NodeStatus>): NodeStatus {
  const conditions = NODE_CONDITION_TYPES.map((type): NodeCondition => {
    const want = HEALTHY[type];
    const had = current?.conditions?.find((c) => c.type === type);
    const since = had !== undefined && had.status === want.status && had.lastTransitionTime !== undefined ? had.lastTransitionTime : formatTime(now);
    return { type, ...want, lastHeartbeatTime: formatTime(now), lastTransitionTime: since };
  });
  const machine = uuidFrom(`machine/${spec.name}`).replaceAll('-', '');
  return {
    capacity: { ...spec.capacity },
    allocatable: { ...spec.capacity },
    conditions,
    addresses: [
      { type: 'InternalIP', address: spec.internalIP },
      { type: 'Hostname', address: spec.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
    nodeInfo: {
      machineID: machine,
      systemUUID: uuidFrom(`system/${spec.name}`),
      bootID: uuidFrom(`boot/${spec.name}`),
      kernelVersion: '6.1.0-hollow',
      osImage: 'capstan hollow node',
      containerRuntimeVersion: 'hollow://1.0.0',
      kubeletVersion: spec.kubeletVersion,
      kubeProxyVersion: spec.kubeletVersion,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** newNode is the Node a hollow kubelet registers: labels, kubelet annotations, podCIDR and its first status. */
export function newNode(spec: HollowNodeSpec, now: number): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: nodeLabels(spec),
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: spec.podCIDR, podCIDRs: [spec.podCIDR] },
    status: desiredNodeStatus(spec, now),
  };
}

/** comparable is a status without heartbeat times, as JSON would carry it (undefined fields dropped). */
function comparable(status: DeepReadonly<NodeStatus> | undefined): unknown {
  if (status === undefined) return undefined;
  const copy = JSON.parse(JSON.stringify(status)) as NodeStatus;
  for (const c of copy.conditions ?? []) delete c.lastHeartbeatTime;
  return copy;
}

/** nodeStatusChanged reports whether desired differs from current other than in heartbeat times (nodeStatusHasChanged). */
export function nodeStatusChanged(current: DeepReadonly<NodeStatus> | undefined, desired: DeepReadonly<NodeStatus>): boolean {
  return !jsonEqual(comparable(current), comparable(desired));
}

/**
 * shouldPostNodeStatus is the kubelet's rule with node Leases: post when the status changed, or when
 * reportFrequencyMs have passed since the last post (lastReportAt, monotonic ms; undefined: never posted).
 */
export function shouldPostNodeStatus(current: DeepReadonly<NodeStatus> | undefined, desired: DeepReadonly<NodeStatus>, now: number, lastReportAt: number | undefined, reportFrequencyMs: number): boolean {
  if (lastReportAt === undefined || now - lastReportAt >= reportFrequencyMs) return true;
  return nodeStatusChanged(current, desired);
}

/** nodeLabelsMissing reports whether node lacks one of the labels spec wants (then the kubelet adds them on re-registration). */
export function nodeLabelsMissing(node: DeepReadonly<Node>, spec: HollowNodeSpec): boolean {
  const have = node.metadata.labels ?? {};
  return Object.entries(nodeLabels(spec)).some(([k, v]) => have[k] !== v);
}
