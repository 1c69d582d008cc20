/**
 * core/v1 resources as kube-apiserver serves them: namespaces, nodes, pods (+status, +binding), services,
 * endpoints, events, configmaps, secrets, serviceaccounts (and resourcequotas and limitranges, in their own
 * modules) — scope, short names, selectable fields and the strategies (pkg/registry/core/*).
 */
import {
  FieldError,
  FieldPath,
  formatTime,
  podQOSClass,
  deepCopy,
  isConfigMapKey,
  isValidPortNum,
  jsonEqual,
  nameIsDNSLabel,
  type ConfigMap,
  type KubeObject,
  type Namespace,
  type Node,
  type Pod,
  type PodSpec,
  type Secret,
  type Service,
  type Event,
} from '../../api/index.js';
import type { ResourceType } from '../resource.js';
import { LIMIT_RANGES } from './limit-range.js';
import { RESOURCE_QUOTAS } from './resource-quota.js';
import { defineResource } from './generic.js';
import type { ServiceAllocator } from './service-allocation.js';
import { defaultPodRequests, defaultPodSpec, mergePodAffinityLabelKeys, validatePodSpec } from './pod-spec.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

/** podMutableSpec is the part of a pod spec an update may change (images, activeDeadlineSeconds, added tolerations). */
function podSpecMasked(pod: Pod): unknown {
  const spec = deepCopy(pod.spec ?? { containers: [] });
  for (const c of spec.containers ?? []) c.image = '';
  for (const c of spec.initContainers ?? []) c.image = '';
  delete spec.activeDeadlineSeconds;
  delete spec.tolerations;
  return spec;
}

const namespaces = defineResource({
  group: '',
  version: 'v1',
  kind: 'Namespace',
  resource: 'namespaces',
  namespaced: false,
  shortNames: ['ns'],
  hasStatus: true,
  validateName: nameIsDNSLabel,
  fields: { 'status.phase': (o) => (o as Namespace).status?.phase },
  defaults: (o) => {
    const ns = o as Namespace;
    ns.spec ??= {};
    ns.spec.finalizers ??= ['kubernetes'];
  },
  prepareForCreate: (o) => {
    const ns = o as Namespace;
    ns.status = { phase: 'Active' };
  },
  prepareForUpdate: (o, old) => {
    // Namespace finalizers change only through /finalize; status only through /status.
    const ns = o as Namespace;
    const prev = old as Namespace;
    ns.spec = deepCopy(prev.spec ?? {});
    ns.status = deepCopy(prev.status ?? { phase: 'Active' });
  },
  validateUpdate: (o) => {
    const ns = o as Namespace;
    const phase = ns.status?.phase ?? '';
    const path = FieldPath.root('status', 'phase');
    if (!ns.metadata.deletionTimestamp && phase !== 'Active') return [FieldError.invalid(path, phase, "may only be 'Active' if `deletionTimestamp` is empty")];
    if (ns.metadata.deletionTimestamp && phase !== 'Terminating') return [FieldError.invalid(path, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
    return [];
  },
  holdsDeletion: (o) => ((o as Namespace).spec?.finalizers ?? []).length > 0,
  beginDeletion: (o) => {
    const ns = o as Namespace;
    ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
  },
});

const nodes = defineResource({
  group: '',
  version: 'v1',
  kind: 'Node',
  resource: 'nodes',
  namespaced: false,
  shortNames: ['no'],
  hasStatus: true,
  allowCreateOnUpdate: false,
  fields: { 'spec.unschedulable': (o) => String((o as Node).spec?.unschedulable ?? false) },
  prepareForCreate: (o) => {
    // Nodes keep the status the agent registers them with (kubelet posts capacity on create).
    o.metadata.generation = undefined;
    delete o.metadata.generation;
  },
  prepareForUpdate: (o, old) => {
    const n = o as Node;
    const prev = old as Node;
    if (prev.status === undefined) delete n.status;
    else n.status = deepCopy(prev.status);
  },
});

/**
 * PodAdmissionOptions are the settings of the admission that runs on every new pod: DefaultTolerationSeconds'
 * --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds (300 each, as kube-apiserver).
 */
export interface PodAdmissionOptions {
  readonly notReadyTolerationSeconds: number;
  readonly unreachableTolerationSeconds: number;
}

/** DEFAULT_POD_ADMISSION is kube-apiserver's: five minutes on a not-ready or unreachable node. */
export const DEFAULT_POD_ADMISSION: PodAdmissionOptions = { notReadyTolerationSeconds: 300, unreachableTolerationSeconds: 300 };

function pods(admission: PodAdmissionOptions): ResourceType {
  return defineResource({
    group: '',
    version: 'v1',
    kind: 'Pod',
    resource: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    hasStatus: true,
    binding: true,
    eviction: true,
    fields: {
      'spec.nodeName': (o) => (o as Pod).spec?.nodeName,
      'spec.restartPolicy': (o) => (o as Pod).spec?.restartPolicy,
      'spec.schedulerName': (o) => (o as Pod).spec?.schedulerName,
      'spec.serviceAccountName': (o) => (o as Pod).spec?.serviceAccountName,
      'spec.hostNetwork': (o) => String((o as Pod).spec?.hostNetwork ?? false),
      'status.phase': (o) => (o as Pod).status?.phase,
      'status.podIP': (o) => (o as Pod).status?.podIP,
      'status.nominatedNodeName': (o) => (o as Pod).status?.nominatedNodeName,
    },
    defaults: (o) => {
      const pod = o as Pod;
      if (pod.spec === undefined) return;
      defaultPodSpec(pod.spec);
      defaultPodRequests(pod.spec);
    },
    prepareForCreate: (o) => {
      const pod = o as Pod;
      pod.status = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
      delete pod.metadata.generation;
      mergePodAffinityLabelKeys(pod.spec, pod.metadata.labels);
      if (pod.spec !== undefined) admitPodSpec(pod.spec, admission);
    },
    prepareForUpdate: (o, old) => {
      const pod = o as Pod;
      const prev = old as Pod;
      if (prev.status === undefined) delete pod.status;
      else pod.status = deepCopy(prev.status);
    },
    validate: (o) => validatePodSpec((o as Pod).spec, FieldPath.root('spec')),
    validateUpdate: (o, old) => {
      const errs: FieldError[] = [];
      if (!jsonEqual(podSpecMasked(o as Pod), podSpecMasked(old as Pod))) {
        errs.push(
          FieldError.forbidden(
            FieldPath.root('spec'),
            'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
          ),
        );
      }
      return errs;
    },
    // A status write keeps the stored spec (prepareStatusUpdate): neither check above can fail on it. As
    // before, the status itself is not validated (kube's ValidatePodStatusUpdate checks its IPs and conditions).
    validateStatusUpdate: () => [],
    gracePeriodSeconds: (o) => {
      const pod = o as Pod;
      // An unscheduled pod (or one that finished) has nothing running to stop: it goes at once.
      if ((pod.spec?.nodeName ?? '') === '') return undefined;
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
      const period = pod.spec?.terminationGracePeriodSeconds ?? 30;
      // kube's CheckGracefulDelete: a negative period is 1 s.
      return period < 0 ? 1 : period;
    },
  });
}

/**
 * admitPodSpec applies what kube-apiserver's default admission plugins add to a new pod: the `default`
 * service account (ServiceAccount), service links, and NoExecute tolerations of
 * not-ready and unreachable nodes for the configured seconds (DefaultTolerationSeconds), unless the pod already
 * tolerates those taints.
 */
function admitPodSpec(spec: PodSpec, admission: PodAdmissionOptions): void {
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.enableServiceLinks ??= true;
  const tolerations = spec.tolerations ?? [];
  const defaults: [string, number][] = [
    ['node.kubernetes.io/not-ready', admission.notReadyTolerationSeconds],
    ['node.kubernetes.io/unreachable', admission.unreachableTolerationSeconds],
  ];
  for (const [key, seconds] of defaults) {
    const tolerated = tolerations.some((t) => (t.key === key || (t.key ?? '') === '') && (t.effect === 'NoExecute' || (t.effect ?? '') === '') && (t.operator === 'Exists' || t.key === key));
    if (!tolerated) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  spec.tolerations = tolerations;
}

function validateServicePorts(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const spec = svc.spec ?? {};
  const path = FieldPath.root('spec', 'ports');
  const ports = spec.ports ?? [];
  if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && ports.length === 0) errs.push(FieldError.required(path, ''));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = path.index(i);
    if (ports.length > 1 && (p.name ?? '') === '') errs.push(FieldError.required(pp.child('name'), ''));
    if (p.name !== undefined && p.name !== '') {
      if (names.has(p.name)) errs.push(FieldError.duplicate(pp.child('name'), p.name));
      names.add(p.name);
    }
    for (const msg of isValidPortNum(p.port)) errs.push(FieldError.invalid(pp.child('port'), p.port, msg));
    if (typeof p.targetPort === 'number' && p.targetPort !== 0) {
      for (const msg of isValidPortNum(p.targetPort)) errs.push(FieldError.invalid(pp.child('targetPort'), p.targetPort, msg));
    }
  });
  if (spec.type !== undefined && !SERVICE_TYPES.includes(spec.type)) errs.push(FieldError.notSupported(FieldPath.root('spec', 'type'), spec.type, SERVICE_TYPES));
  return errs;
}

function services(allocator: ServiceAllocator): ResourceType {
  return defineResource({
    group: '',
    version: 'v1',
    kind: 'Service',
    resource: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    hasStatus: true,
    defaults: (o) => {
      const svc = o as Service;
      svc.spec ??= {};
      svc.spec.type ??= 'ClusterIP';
      svc.spec.sessionAffinity ??= 'None';
      for (const p of svc.spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
    },
    prepareForCreate: (o) => {
      const svc = o as Service;
      svc.status = { loadBalancer: {} };
      delete svc.metadata.generation;
    },
    prepareForUpdate: (o, old) => {
      const svc = o as Service;
      const prev = old as Service;
      svc.status = deepCopy(prev.status ?? { loadBalancer: {} });
      // clusterIP is allocated once and kept when an update leaves it out.
      if (svc.spec !== undefined && (svc.spec.clusterIP ?? '') === '' && prev.spec?.clusterIP !== undefined) {
        svc.spec.clusterIP = prev.spec.clusterIP;
        if (prev.spec.clusterIPs !== undefined) svc.spec.clusterIPs = [...prev.spec.clusterIPs];
      }
      // So is a port's nodePort, when the update names the same port without one (as `kubectl apply` does).
      for (const p of svc.spec?.ports ?? []) {
        if ((p.nodePort ?? 0) !== 0) continue;
        const before = prev.spec?.ports?.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (before?.nodePort !== undefined && (svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer')) p.nodePort = before.nodePort;
      }
    },
    validate: (o) => [...validateServicePorts(o as Service), ...allocator.validate(o)],
    validateUpdate: (o, old) => {
      const errs: FieldError[] = [];
      const ip = (o as Service).spec?.clusterIP ?? '';
      const oldIp = (old as Service).spec?.clusterIP ?? '';
      if (oldIp !== '' && ip !== oldIp) errs.push(FieldError.invalid(FieldPath.root('spec', 'clusterIP'), ip, 'field is immutable'));
      return errs;
    },
    claims: (o) => allocator.claims(o),
    allocate: (o, random, taken) => allocator.allocate(o, random, taken),
    claimPrefixes: ['serviceips/', 'servicenodeports/'],
    claimTaken: (claim) => allocator.claimTaken(claim),
  });
}

const endpoints = defineResource({
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  resource: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  allowCreateOnUpdate: true,
});

const events = defineResource({
  group: '',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  namespaced: true,
  shortNames: ['ev'],
  expires: true,
  fields: {
    'involvedObject.kind': (o) => (o as Event).involvedObject?.kind,
    'involvedObject.namespace': (o) => (o as Event).involvedObject?.namespace,
    'involvedObject.name': (o) => (o as Event).involvedObject?.name,
    'involvedObject.uid': (o) => (o as Event).involvedObject?.uid,
    'involvedObject.apiVersion': (o) => (o as Event).involvedObject?.apiVersion,
    'involvedObject.resourceVersion': (o) => (o as Event).involvedObject?.resourceVersion,
    'involvedObject.fieldPath': (o) => (o as Event).involvedObject?.fieldPath,
    reason: (o) => (o as Event).reason,
    reportingComponent: (o) => (o as Event).reportingComponent,
    source: (o) => (o as Event).source?.component,
    type: (o) => (o as Event).type,
  },
  validate: (o) => {
    const ev = o as Event;
    const errs: FieldError[] = [];
    if ((ev.involvedObject?.namespace ?? ev.metadata.namespace) !== ev.metadata.namespace) {
      errs.push(FieldError.invalid(FieldPath.root('involvedObject', 'namespace'), ev.involvedObject?.namespace, 'does not match event.namespace'));
    }
    return errs;
  },
  prepareForCreate: (o, ctx) => {
    const ev = o as Event;
    ev.firstTimestamp ??= formatTime(ctx.now);
    ev.lastTimestamp ??= ev.firstTimestamp;
    ev.count ??= 1;
  },
});

function validateDataKeys(data: Readonly<Record<string, unknown>> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(data ?? {})) for (const msg of isConfigMapKey(key)) errs.push(FieldError.invalid(path.key(key), key, msg));
  return errs;
}

const configmaps = defineResource({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespaced: true,
  shortNames: ['cm'],
  validate: (o) => {
    const cm = o as ConfigMap;
    return [...validateDataKeys(cm.data, FieldPath.root('data')), ...validateDataKeys(cm.binaryData, FieldPath.root('binaryData'))];
  },
  validateUpdate: (o, old) => {
    const errs: FieldError[] = [];
    if ((old as ConfigMap).immutable === true && !jsonEqual(stripMeta(o), stripMeta(old))) {
      errs.push(FieldError.forbidden(FieldPath.root('data'), 'field is immutable when `immutable` is set'));
    }
    return errs;
  },
});

const secrets = defineResource({
  group: '',
  version: 'v1',
  kind: 'Secret',
  resource: 'secrets',
  namespaced: true,
  fields: { type: (o) => (o as Secret).type },
  defaults: (o) => {
    const s = o as Secret;
    s.type ??= 'Opaque';
  },
  validate: (o) => {
    const s = o as Secret;
    const errs = validateDataKeys(s.data, FieldPath.root('data'));
    for (const [k, v] of Object.entries(s.data ?? {})) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
        errs.push(FieldError.invalid(FieldPath.root('data').key(k), '<secret contents redacted>', 'illegal base64 data'));
      }
    }
    return errs;
  },
  validateUpdate: (o, old) => {
    const errs: FieldError[] = [];
    if ((o as Secret).type !== (old as Secret).type) errs.push(FieldError.invalid(FieldPath.root('type'), (o as Secret).type, 'field is immutable'));
    return errs;
  },
});

const serviceaccounts = defineResource({
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  resource: 'serviceaccounts',
  namespaced: true,
  shortNames: ['sa'],
});

function stripMeta(o: KubeObject): unknown {
  const { metadata: _m, ...rest } = o;
  return rest;
}

/**
 * coreV1 lists the core/v1 resources capstan serves; Services draw cluster IPs and node ports from allocator,
 * new pods get the default tolerations of admission.
 */
export function coreV1(allocator: ServiceAllocator, admission: PodAdmissionOptions = DEFAULT_POD_ADMISSION): readonly ResourceType[] {
  return [namespaces, nodes, pods(admission), services(allocator), endpoints, events, configmaps, secrets, serviceaccounts, RESOURCE_QUOTAS, LIMIT_RANGES];
}
