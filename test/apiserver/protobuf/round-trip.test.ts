/**
 * JSON → protobuf → JSON is the identity for every kind capstan serves, on realistic objects in the form
 * kube-apiserver prints them (Go's JSON: value structs present, zero times null, omitempty fields absent).
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/index.js';
import { messageForKind } from '../../../src/apiserver/protobuf/kinds.js';
import { decodeProtobufObject, decodeProtobufWatchEvent, encodeProtobufObject, encodeProtobufWatchFrame } from '../../../src/apiserver/protobuf/index.js';

const T1 = '2024-05-01T12:00:00Z';
const T2 = '2024-05-01T12:05:30Z';

const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  ...(namespace === undefined ? {} : { namespace }),
  uid: '6f1c2a4e-8d7b-4c1e-9f3a-2b5d7e9c1a03',
  resourceVersion: '4711',
  creationTimestamp: T1,
  ...extra,
});

const podSpec = {
  volumes: [
    { name: 'config', configMap: { name: 'web-config', items: [{ key: 'nginx.conf', path: 'nginx.conf', mode: 420 }], defaultMode: 420 } },
    { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
    {
      name: 'kube-api-access-x7k2p',
      projected: {
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
        defaultMode: 420,
      },
    },
  ],
  initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'], resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }],
  containers: [
    {
      name: 'nginx',
      image: 'nginx:1.25',
      args: ['-g', 'daemon off;'],
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
      env: [
        { name: 'MODE', value: 'production' },
        { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password', optional: false } } },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'level' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { containerName: 'nginx', resource: 'limits.memory', divisor: '1Mi' } } },
      ],
      envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'web-config' } }],
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
      volumeMounts: [
        { name: 'config', readOnly: true, mountPath: '/etc/nginx' },
        { name: 'kube-api-access-x7k2p', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
      ],
      livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
      lifecycle: { preStop: { exec: { command: ['nginx', '-s', 'quit'] } } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
      securityContext: { capabilities: { drop: ['ALL'] }, runAsNonRoot: true, allowPrivilegeEscalation: false },
    },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  serviceAccountName: 'default',
  serviceAccount: 'default',
  nodeName: 'node-1',
  securityContext: { runAsUser: 1000, fsGroup: 2000, supplementalGroups: [3000, 4000] },
  imagePullSecrets: [{ name: 'registry' }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-9'] }] } }],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['pod-template-hash'] } },
      ],
    },
  },
  schedulerName: 'default-scheduler',
  tolerations: [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
  ],
  priorityClassName: 'high',
  priority: 1000,
  enableServiceLinks: true,
  preemptionPolicy: 'PreemptLowerPriority',
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, minDomains: 2 }],
};

/** AnyObject is an object of any kind, with the fields of its kind. */
type AnyObject = KubeObject & Record<string, unknown>;

const OBJECTS: readonly AnyObject[] = [
  {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: meta('team-a', undefined, { labels: { 'kubernetes.io/metadata.name': 'team-a' } }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  },
  {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: meta('leaving', undefined, { deletionTimestamp: T2, deletionGracePeriodSeconds: 0 }),
    spec: {},
    status: { phase: 'Terminating', conditions: [{ type: 'NamespaceDeletionContentFailure', status: 'False', lastTransitionTime: T2, reason: 'ContentDeleted', message: 'All content successfully deleted' }] },
  },
  {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: meta('node-1', undefined, { labels: { 'kubernetes.io/hostname': 'node-1' }, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } }),
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: T2 }, { key: 'dedicated', value: 'web', effect: 'NoSchedule' }] },
    status: {
      capacity: { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      allocatable: { cpu: '3800m', memory: '15Gi', pods: '110', 'ephemeral-storage': '95Gi' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: T2, lastTransitionTime: T1, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: T2, lastTransitionTime: T1, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [
        { type: 'InternalIP', address: '192.0.2.10' },
        { type: 'Hostname', address: 'node-1' },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'm-1',
        systemUUID: 'u-1',
        bootID: 'b-1',
        kernelVersion: '6.1.0',
        osImage: 'capstan hollow node',
        containerRuntimeVersion: 'capstan://1.0',
        kubeletVersion: 'v1.32.0-capstan',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [{ names: ['nginx:1.25'], sizeBytes: 70_000_000 }],
    },
  },
  {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: meta('web-7d9f8c6b5-x2k4q', 'team-a', {
      generateName: 'web-7d9f8c6b5-',
      labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8c6b5', uid: '0a1b2c3d-0000-4000-8000-000000000001', controller: true, blockOwnerDeletion: true }],
      finalizers: ['example.com/cleanup'],
      generation: 1,
    }),
    spec: podSpec,
    status: {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: T1 },
        { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: T2, reason: 'ContainersNotReady', message: 'containers with unready status: [nginx]' },
      ],
      hostIP: '192.0.2.10',
      hostIPs: [{ ip: '192.0.2.10' }],
      podIP: '10.244.1.7',
      podIPs: [{ ip: '10.244.1.7' }],
      startTime: T1,
      initContainerStatuses: [
        {
          name: 'init',
          state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: T1, finishedAt: T1, containerID: 'capstan://init' } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: 'busybox:1.36',
          imageID: 'capstan://busybox',
          containerID: 'capstan://init',
          started: false,
        },
      ],
      containerStatuses: [
        {
          name: 'nginx',
          state: { running: { startedAt: T2 } },
          lastState: { terminated: { exitCode: 137, signal: 9, reason: 'OOMKilled', startedAt: T1, finishedAt: T2 } },
          ready: false,
          restartCount: 3,
          image: 'nginx:1.25',
          imageID: 'capstan://nginx',
          containerID: 'capstan://nginx',
          started: true,
        },
      ],
      qosClass: 'Burstable',
    },
  },
  {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: meta('pending', 'team-a'),
    spec: { containers: [{ name: 'c', image: 'pause', resources: {} }], schedulerName: 'default-scheduler' },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: T1, reason: 'Unschedulable', message: '0/3 nodes are available' }], nominatedNodeName: 'node-2', qosClass: 'BestEffort' },
  },
  {
    kind: 'Binding',
    apiVersion: 'v1',
    metadata: { name: 'pending', namespace: 'team-a', creationTimestamp: null },
    target: { kind: 'Node', name: 'node-2', apiVersion: 'v1' },
  },
  {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: meta('web', 'team-a'),
    spec: {
      ports: [
        { name: 'http', protocol: 'TCP', appProtocol: 'http', port: 80, targetPort: 'http', nodePort: 30080 },
        { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
      ],
      selector: { app: 'web' },
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20'],
      type: 'NodePort',
      sessionAffinity: 'ClientIP',
      externalTrafficPolicy: 'Cluster',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  },
  {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: meta('lb', 'team-a'),
    spec: { ports: [{ protocol: 'TCP', port: 443, targetPort: 8443 }], type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, publishNotReadyAddresses: true },
    status: {
      loadBalancer: { ingress: [{ ip: '198.51.100.7', ipMode: 'VIP', ports: [{ port: 443, protocol: 'TCP' }] }] },
      conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2, lastTransitionTime: T2, reason: 'Provisioned', message: '' }],
    },
  },
  {
    kind: 'Endpoints',
    apiVersion: 'v1',
    metadata: meta('web', 'team-a', { labels: { app: 'web' } }),
    subsets: [
      {
        addresses: [{ ip: '10.244.1.7', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'team-a', name: 'web-7d9f8c6b5-x2k4q', uid: 'u-7' } }],
        notReadyAddresses: [{ ip: '10.244.2.3', hostname: 'web-1' }],
        ports: [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'http' }],
      },
    ],
  },
  {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: meta('web.17c3a1', 'team-a'),
    involvedObject: { kind: 'Pod', namespace: 'team-a', name: 'web-7d9f8c6b5-x2k4q', uid: 'u-7', apiVersion: 'v1', resourceVersion: '4700', fieldPath: 'spec.containers{nginx}' },
    reason: 'Started',
    message: 'Started container nginx',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: T1,
    lastTimestamp: T2,
    count: 2,
    type: 'Normal',
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  },
  {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: meta('sched.17c3a2', 'team-a'),
    involvedObject: { kind: 'Pod', namespace: 'team-a', name: 'pending' },
    reason: 'FailedScheduling',
    message: '0/3 nodes are available',
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    type: 'Warning',
    eventTime: '2024-05-01T12:00:00.123456Z',
    series: { count: 4, lastObservedTime: '2024-05-01T12:04:59.000001Z' },
    action: 'Scheduling',
    related: { kind: 'Node', name: 'node-2' },
    reportingComponent: 'default-scheduler',
    reportingInstance: 'default-scheduler-capstan-1',
  },
  {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: meta('web-config', 'team-a', { annotations: { note: 'a "quoted" ünïcode value' } }),
    immutable: true,
    data: { 'nginx.conf': 'server { listen 80; }\n', level: 'info', empty: '' },
    binaryData: { 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]).toString('base64') },
  },
  {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: meta('db', 'team-a'),
    data: { password: Buffer.from('s3cr3t\u0000\u00ff').toString('base64'), user: Buffer.from('admin').toString('base64'), empty: '' },
    type: 'Opaque',
  },
  {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name: 'tls', namespace: 'team-a', creationTimestamp: null },
    immutable: false,
    stringData: { 'tls.crt': '-----BEGIN CERTIFICATE-----', 'tls.key': '-----BEGIN KEY-----' },
    type: 'kubernetes.io/tls',
  },
  {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: meta('default', 'team-a'),
    secrets: [{ name: 'default-token-abcde' }],
    imagePullSecrets: [{ name: 'registry' }],
    automountServiceAccountToken: false,
  },
  {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: meta('web', 'team-a', { generation: 3, labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '2' } }),
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: podSpec },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
      minReadySeconds: 5,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 3,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 1,
      conditions: [
        { type: 'Available', status: 'False', lastUpdateTime: T2, lastTransitionTime: T2, reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
        { type: 'Progressing', status: 'True', lastUpdateTime: T2, lastTransitionTime: T1, reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-7d9f8c6b5" is progressing.' },
      ],
      collisionCount: 1,
    },
  },
  {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: meta('paused', 'team-a'),
    spec: { replicas: 0, selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: null } }, strategy: { type: 'Recreate' }, paused: true },
    status: {},
  },
  {
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: meta('web-7d9f8c6b5', 'team-a', {
      generation: 1,
      labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-d', controller: true, blockOwnerDeletion: true }],
    }),
    spec: { replicas: 3, minReadySeconds: 5, selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' } }, template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: podSpec } },
    status: {
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
      terminatingReplicas: 1,
      observedGeneration: 1,
      conditions: [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: T2, reason: 'FailedCreate', message: 'exceeded quota' }],
    },
  },
  {
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: meta('scaled-down', 'team-a'),
    spec: { replicas: 0, selector: { matchLabels: { app: 'x' } }, template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'x', resources: {} }] } } },
    status: { replicas: 0 },
  },
  {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: meta('pi', 'team-a', {
      generation: 1,
      labels: { 'batch.kubernetes.io/controller-uid': 'u-j', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-j', 'job-name': 'pi' },
    }),
    spec: {
      parallelism: 2,
      completions: 4,
      activeDeadlineSeconds: 600,
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42, 43] }, onPodConditions: null },
          { action: 'Ignore', onExitCodes: null, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'Count', onExitCodes: { containerName: null, operator: 'NotIn', values: [1] }, onPodConditions: null },
        ],
      },
      backoffLimit: 6,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-j' } },
      manualSelector: false,
      template: { metadata: { creationTimestamp: null, labels: { 'batch.kubernetes.io/controller-uid': 'u-j', 'job-name': 'pi' } }, spec: podSpec },
      ttlSecondsAfterFinished: 100,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'Failed',
    },
    status: {
      conditions: [
        { type: 'Suspended', status: 'False', lastProbeTime: null, lastTransitionTime: T1, reason: 'JobResumed', message: 'Job resumed' },
        { type: 'Complete', status: 'True', lastProbeTime: T2, lastTransitionTime: T2, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      ],
      startTime: T1,
      completionTime: T2,
      succeeded: 4,
      failed: 1,
      terminating: 0,
      uncountedTerminatedPods: {},
      ready: 0,
    },
  },
  {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: meta('indexed', 'team-a', { generation: 2 }),
    spec: {
      parallelism: 3,
      completions: 5,
      successPolicy: { rules: [{ succeededIndexes: '0-2', succeededCount: 2 }, { succeededCount: 4 }] },
      backoffLimit: 2147483647,
      backoffLimitPerIndex: 1,
      maxFailedIndexes: 2,
      selector: { matchLabels: { app: 'indexed' } },
      manualSelector: true,
      template: { metadata: { creationTimestamp: null, labels: { app: 'indexed' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: {} }], restartPolicy: 'Never' } },
      completionMode: 'Indexed',
      suspend: true,
      podReplacementPolicy: 'TerminatingOrFailed',
      managedBy: 'kueue.x-k8s.io/multikueue',
    },
    status: {
      conditions: [{ type: 'Suspended', status: 'True', lastProbeTime: T1, lastTransitionTime: T1, reason: 'JobSuspended', message: 'Job suspended' }],
      active: 2,
      completedIndexes: '0,2',
      failedIndexes: '1',
      uncountedTerminatedPods: { succeeded: ['u-p1'], failed: ['u-p2', 'u-p3'] },
      ready: 1,
    },
  },
  {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { name: 'bare', namespace: 'team-a', creationTimestamp: null },
    spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: null } } },
    status: {},
  },
  {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: meta('backup', 'team-a', { generation: 3 }),
    spec: {
      schedule: '*/5 * * * *',
      timeZone: 'Europe/Berlin',
      startingDeadlineSeconds: 200,
      concurrencyPolicy: 'Forbid',
      suspend: false,
      jobTemplate: {
        metadata: { creationTimestamp: null, labels: { app: 'backup' } },
        spec: { backoffLimit: 2, template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'backup:1', resources: {} }], restartPolicy: 'OnFailure' } } },
      },
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    },
    status: {
      active: [{ kind: 'Job', namespace: 'team-a', name: 'backup-29000000', uid: 'u-b', apiVersion: 'batch/v1', resourceVersion: '4700' }],
      lastScheduleTime: T1,
      lastSuccessfulTime: T2,
    },
  },
  {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: meta('nightly', 'team-a'),
    spec: { schedule: '', jobTemplate: { metadata: { creationTimestamp: null }, spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: null } } } } },
    status: {},
  },
  {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: meta('web', 'team-a'),
    spec: { replicas: 5 },
    status: { replicas: 3, selector: 'app=web' },
  },
  {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: meta('idle', 'team-a'),
    spec: {},
    status: { replicas: 0 },
  },
  {
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    metadata: meta('kube-scheduler', 'kube-system'),
    spec: {
      holderIdentity: 'capstan-1_6b2f',
      leaseDurationSeconds: 15,
      acquireTime: '2024-05-01T12:00:00.000000Z',
      renewTime: '2024-05-01T12:05:29.987654Z',
      leaseTransitions: 4,
    },
  },
  {
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    metadata: meta('node-1', 'kube-node-lease', { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'u-n' }] }),
    spec: { holderIdentity: '', leaseDurationSeconds: 40, renewTime: '1970-01-01T00:00:00.000000Z', strategy: 'OldestEmulationVersion', preferredHolder: 'capstan-2' },
  },
  {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: meta('web-x7k2p', 'default', { labels: { 'kubernetes.io/service-name': 'web' }, generateName: 'web-' }),
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u-1' }, nodeName: 'node-1', zone: 'zone-a' },
      { addresses: ['10.0.0.2'], conditions: { ready: false }, hostname: 'web-2' },
    ],
    ports: [{ name: 'http', protocol: 'TCP', port: 8080, appProtocol: 'http' }, { name: '', protocol: 'UDP', port: 53 }],
  },
  {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: meta('web-empty', 'default'),
    addressType: 'IPv4',
    endpoints: null,
    ports: null,
  },
  {
    kind: 'SubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: {
      resourceAttributes: {
        namespace: 'default',
        verb: 'list',
        resource: 'pods',
        fieldSelector: { requirements: [{ key: 'spec.nodeName', operator: 'In', values: ['node-1'] }] },
        labelSelector: { rawSelector: 'app=web' },
      },
      user: 'jane',
      groups: ['devs'],
      extra: { 'scopes.example.com': ['read', 'write'], empty: null },
      uid: 'u-jane',
    },
    status: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "devs"' },
  },
  {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: {},
    status: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], incomplete: false },
  },
  {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: T1 },
    status: { userInfo: { username: 'jane', uid: 'u-jane', groups: ['devs', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['JTI=abc'] } } },
  },
];

describe('protobuf round trip', () => {
  it.each(OBJECTS.map((o) => ({ label: `${o.kind} ${o.metadata.name ?? ''}`, obj: o })))('$label survives JSON → protobuf → JSON', ({ obj }) => {
    expect(decodeProtobufObject(encodeProtobufObject(obj))).toEqual(obj);
  });

  it.each(OBJECTS.map((o) => ({ label: `${o.kind} ${o.metadata.name ?? ''}`, obj: o })))(
    '$label is well-formed protobuf: protobufjs reads it and writes back the same bytes',
    ({ obj }) => {
      const body = encodeProtobufObject(obj);
      const env = protobuf.Reader.create(body.subarray(4));
      let raw: Uint8Array | undefined;
      while (env.pos < env.len) {
        const tag = env.uint32();
        if (tag === 0x12) raw = env.bytes();
        else env.skipType(tag & 7);
      }
      const type = messageForKind(obj.apiVersion!, obj.kind!)!.type;
      const reread = type.encode(type.decode(raw!)).finish();
      expect(Buffer.from(reread).toString('hex')).toBe(Buffer.from(raw!).toString('hex'));
    },
  );

  it('lists keep their metadata and items (whose kind and apiVersion are not part of the message)', () => {
    const list = {
      kind: 'ConfigMapList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '4800', continue: 'eyJydiI6NDgwMH0', remainingItemCount: 12 },
      items: OBJECTS.filter((o) => o.kind === 'ConfigMap').map((o) => ({ ...o, kind: 'ConfigMap', apiVersion: 'v1' })),
    };
    const back = decodeProtobufObject(encodeProtobufObject(list)) as unknown as typeof list;
    expect(back.metadata).toEqual(list.metadata);
    expect(back.items).toEqual(list.items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest));
    for (const [kind, apiVersion] of [
      ['NamespaceList', 'v1'],
      ['PodList', 'v1'],
      ['DeploymentList', 'apps/v1'],
      ['JobList', 'batch/v1'],
      ['CronJobList', 'batch/v1'],
      ['LeaseList', 'coordination.k8s.io/v1'],
    ] as const) {
      const items = OBJECTS.filter((o) => `${o.kind}List` === kind).map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
      const list: Record<string, unknown> = { kind, apiVersion, metadata: { resourceVersion: '9' }, items };
      expect(decodeProtobufObject(encodeProtobufObject(list))).toEqual(list);
    }
  });

  it('Status and DeleteOptions round-trip', () => {
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Pod "web" is invalid: spec.containers[0].image: Required value',
      reason: 'Invalid',
      details: { name: 'web', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }], retryAfterSeconds: 1 },
      code: 422,
    };
    expect(decodeProtobufObject(encodeProtobufObject(status))).toEqual(status);
    const opts = { kind: 'DeleteOptions', apiVersion: 'apps/v1', gracePeriodSeconds: 0, preconditions: { uid: 'u-1', resourceVersion: '42' }, propagationPolicy: 'Foreground', dryRun: ['All'] };
    expect(decodeProtobufObject(encodeProtobufObject(opts))).toEqual(opts);
  });

  it('watch frames carry a length, the event type, and the enveloped object', () => {
    const obj = OBJECTS.find((o) => o.kind === 'Pod')!;
    const frame = encodeProtobufWatchFrame({ type: 'MODIFIED', object: obj });
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    expect(decodeProtobufWatchEvent(frame.subarray(4))).toEqual({ type: 'MODIFIED', object: obj });
    const gone = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (4711)', reason: 'Expired', code: 410 };
    const errFrame = encodeProtobufWatchFrame({ type: 'ERROR', object: gone });
    expect(decodeProtobufWatchEvent(errFrame.subarray(4))).toEqual({ type: 'ERROR', object: gone });
  });
});

describe('protobuf normalization to Go JSON', () => {
  it('fills what Go always writes and drops what it omits', () => {
    const sparse = { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'd', labels: {}, finalizers: [] }, spec: { template: { spec: { containers: [{ name: 'c', ports: [] }] } } } };
    expect(decodeProtobufObject(encodeProtobufObject(sparse))).toEqual({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'd', creationTimestamp: null },
      spec: { selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', resources: {} }] } }, strategy: {} },
      status: {},
    });
    const node = { kind: 'Node', apiVersion: 'v1', metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    expect(decodeProtobufObject(encodeProtobufObject(node))).toEqual({
      kind: 'Node',
      apiVersion: 'v1',
      metadata: { name: 'n', creationTimestamp: null },
      spec: {},
      status: {
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: null, lastTransitionTime: null }],
        daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
        nodeInfo: { machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '', kubeletVersion: '', kubeProxyVersion: '', operatingSystem: '', architecture: '' },
      },
    });
  });

  it('orders map keys by their UTF-8 bytes, as Go does', () => {
    const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', annotations: { '\u{1F600}': '1', '\uFF5A': '2', b: '3', A: '4' } } };
    const back = decodeProtobufObject(encodeProtobufObject(cm));
    expect(Object.keys(back.metadata.annotations!)).toEqual(['A', 'b', '\uFF5A', '\u{1F600}']);
  });

  it('writes times in UTC: Time to the second, MicroTime to the microsecond', () => {
    const lease = {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { name: 'l', creationTimestamp: '2024-05-01T14:00:00.987+02:00' },
      spec: { renewTime: '2024-05-01T14:00:00.1234567+02:00' },
    };
    const back = decodeProtobufObject(encodeProtobufObject(lease)) as unknown as typeof lease;
    expect(back.metadata.creationTimestamp).toBe('2024-05-01T12:00:00Z');
    expect(back.spec.renewTime).toBe('2024-05-01T12:00:00.123456Z');
  });
});
