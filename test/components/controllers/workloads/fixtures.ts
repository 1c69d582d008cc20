/**
 * Fixtures for the workload controllers' unit tests, shaped like kube's test helpers (newDeployment, rs,
 * newRSWithStatus, newPod): a Deployment with a RollingUpdate strategy of maxSurge/maxUnavailable 0 unless
 * given, ReplicaSets with a creation time, pods with a phase and readiness.
 */
import type { Deployment, IntOrString, Pod, PodPhase, ReplicaSet } from '../../../../src/api/index.js';
import { formatTime } from '../../../../src/api/index.js';

/** T0 is the fixtures' reference instant (2016-05-20T00:00:00Z, as kube's TestScale). */
export const T0 = Date.UTC(2016, 4, 20, 0, 0, 0);

/** newDeployment is kube's newDeployment(name, replicas, revisionHistoryLimit, maxSurge, maxUnavailable, selector). */
export function newDeployment(name: string, replicas: number, opts: { revisionHistoryLimit?: number; maxSurge?: IntOrString; maxUnavailable?: IntOrString; selector?: Record<string, string> } = {}): Deployment {
  const selector = opts.selector ?? { foo: 'bar' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, annotations: {} },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: opts.maxSurge ?? 0, maxUnavailable: opts.maxUnavailable ?? 0 } },
      template: { metadata: { labels: { ...selector } }, spec: { containers: [{ name: 'c', image: 'foo/bar' }] } },
      ...(opts.revisionHistoryLimit === undefined ? {} : { revisionHistoryLimit: opts.revisionHistoryLimit }),
      progressDeadlineSeconds: 600,
    },
  };
}

/** rs is kube's rs(name, replicas, selector, timestamp), with optional status counts. */
export function rs(name: string, replicas: number, at = T0, status: Partial<NonNullable<ReplicaSet['status']>> = {}, template?: Deployment['spec']): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: formatTime(at), generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { foo: 'bar' } },
      template: template?.template ?? { metadata: { labels: { foo: 'bar', other: name } }, spec: { containers: [{ name: 'c', image: name }] } },
    },
    status: { replicas: 0, observedGeneration: 1, ...status },
  };
}

/** pod builds a pod with the given phase, readiness (and since when), node, restarts and creation time. */
export function pod(name: string, o: { phase?: PodPhase; ready?: boolean; readySince?: number; node?: string; restarts?: number; created?: number; labels?: Record<string, string>; owner?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: o.labels ?? { foo: 'bar' },
      ...(o.created === undefined ? {} : { creationTimestamp: formatTime(o.created) }),
      ...(o.owner === undefined ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true }] }),
    },
    spec: { containers: [{ name: 'c', image: 'i' }], ...(o.node === undefined ? {} : { nodeName: o.node }) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' : 'False', ...(o.readySince === undefined ? {} : { lastTransitionTime: formatTime(o.readySince) }) }],
      containerStatuses: [{ name: 'c', ready: o.ready ?? false, restartCount: o.restarts ?? 0, image: 'i', imageID: '' }],
    },
  };
}
