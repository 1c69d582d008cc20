/** Builders of Nodes, Pods and NodeInfos for the scheduler's unit tests. */
import { deepFreeze, type DeepReadonly, type Node, type Pod, type PodSpec, type Taint } from '../../../src/api/index.js';
import { NodeInfo } from '../../../src/components/scheduler/node-info.js';
import { podInfoOf, type PodInfo } from '../../../src/components/scheduler/pod-info.js';
import { Snapshot } from '../../../src/components/scheduler/snapshot.js';

/** NodeSpecLite describes a test node. */
export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

/** node builds a frozen Node (defaults: 4 cpu, 8Gi, 110 pods). */
export function node(name: string, o: NodeOpts = {}): DeepReadonly<Node> {
  return deepFreeze<Node>({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints === undefined ? {} : { taints: o.taints }), ...(o.unschedulable === undefined ? {} : { unschedulable: o.unschedulable }) },
    status: { allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' } },
  });
}

/** PodOpts describes a test pod. */
export interface PodOpts {
  namespace?: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  priority?: number;
  creationTimestamp?: string;
  spec?: Partial<PodSpec>;
}

/** pod builds a frozen Pod with one container requesting cpu/memory (if given). */
export function pod(name: string, o: PodOpts = {}): DeepReadonly<Pod> {
  const requests: Record<string, string> = {};
  if (o.cpu !== undefined) requests['cpu'] = o.cpu;
  if (o.memory !== undefined) requests['memory'] = o.memory;
  return deepFreeze<Pod>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}`, labels: o.labels ?? {}, ...(o.creationTimestamp === undefined ? {} : { creationTimestamp: o.creationTimestamp }) },
    spec: {
      containers: [{ name: 'c', image: 'pause', resources: { requests } }],
      ...(o.nodeName === undefined ? {} : { nodeName: o.nodeName }),
      ...(o.priority === undefined ? {} : { priority: o.priority }),
      ...o.spec,
    },
  });
}

/** info is podInfoOf. */
export function info(p: DeepReadonly<Pod>): PodInfo {
  return podInfoOf(p);
}

/** nodeInfo builds a NodeInfo of a node with pods on it. */
export function nodeInfo(n: DeepReadonly<Node>, pods: readonly DeepReadonly<Pod>[] = []): NodeInfo {
  return NodeInfo.of(n.metadata.name!, n, pods.map(podInfoOf));
}

/** snapshot builds a Snapshot of node infos. */
export function snapshot(...nodes: NodeInfo[]): Snapshot {
  return new Snapshot(nodes);
}
