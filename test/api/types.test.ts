import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../src/api/apps-v1.js';
import type { Scale } from '../../src/api/autoscaling-v1.js';
import type { Lease } from '../../src/api/coordination-v1.js';
import { RESOURCE_CPU, RESOURCE_MEMORY, type Node, type Pod } from '../../src/api/core-v1.js';
import type { APIResourceList, Status, Table, WatchEvent } from '../../src/api/meta-v1.js';
import { labelSelectorAsSelector } from '../../src/api/label-selector.js';
import { parseQuantity } from '../../src/api/quantity.js';
import { formatMicroTime, parseMicroTime } from '../../src/api/time.js';

// These objects are written in the JSON shapes the Kubernetes API server emits; that they type-check is
// most of the test.
describe('wire types', () => {
  it('model a scheduled pod and its node', () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default', uid: 'u', resourceVersion: '42', creationTimestamp: '2024-05-01T12:00:00Z', labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { requests: { cpu: '250m', memory: '64Mi' } } }],
        nodeName: 'node-1',
        schedulerName: 'default-scheduler',
        tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
          },
        },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
      },
      status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }], podIP: '10.0.0.5', startTime: '2024-05-01T12:00:01Z' },
    };
    const node: Node = {
      metadata: { name: 'node-1', labels: { zone: 'a' } },
      spec: { podCIDR: '10.0.0.0/24', taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }] },
      status: {
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '3800m', memory: '7Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T12:00:00Z' }],
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      },
    };
    const requested = parseQuantity(pod.spec!.containers[0]!.resources!.requests![RESOURCE_CPU]!);
    const free = parseQuantity(node.status!.allocatable![RESOURCE_CPU]!).sub(requested);
    expect(free.toString()).toBe('3550m');
    expect(parseQuantity(node.status!.allocatable![RESOURCE_MEMORY]!).value()).toBe(7n * 2n ** 30n);
    expect(labelSelectorAsSelector(pod.spec!.topologySpreadConstraints![0]!.labelSelector).matches(pod.metadata.labels)).toBe(true);
  });

  it('model a deployment, its scale and a leader-election lease', () => {
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', generation: 2 },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        revisionHistoryLimit: 10,
      },
      status: { observedGeneration: 2, replicas: 3, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] },
    };
    const scale: Scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 3 }, status: { replicas: 3, selector: 'app=web' } };
    const now = Date.UTC(2024, 4, 1, 12) + 0.5;
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'kube-scheduler', namespace: 'kube-system' },
      spec: { holderIdentity: 'sched-1', leaseDurationSeconds: 15, acquireTime: formatMicroTime(now), renewTime: formatMicroTime(now), leaseTransitions: 0 },
    };
    expect(d.spec!.strategy!.rollingUpdate!.maxSurge).toBe('25%');
    expect(scale.status!.selector).toBe('app=web');
    expect(lease.spec!.renewTime).toBe('2024-05-01T12:00:00.000500Z');
    expect(parseMicroTime(lease.spec!.renewTime!)).toBe(now);
  });

  it('model API machinery documents', () => {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Pod "Web" is invalid: metadata.name: Invalid value: "Web": ...',
      reason: 'Invalid',
      details: { name: 'Web', kind: 'Pod', causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "Web": ...' }] },
      code: 422,
    };
    const gone: WatchEvent = { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 } };
    const table: Table = {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '7' },
      columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 }],
      rows: [{ cells: ['web-1'], object: { kind: 'PartialObjectMetadata', metadata: { name: 'web-1' } } }],
    };
    const discovery: APIResourceList = {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'coordination.k8s.io/v1',
      resources: [{ name: 'leases', singularName: 'lease', namespaced: true, kind: 'Lease', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }],
    };
    expect(JSON.parse(JSON.stringify(status))).toEqual(status);
    expect(gone.type).toBe('ERROR');
    expect(table.rows).toHaveLength(1);
    expect(discovery.resources[0]!.namespaced).toBe(true);
  });
});
