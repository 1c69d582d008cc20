/**
 * Defaulting and validation of pod specs, shared by pods and the pod templates of Deployments and
 * ReplicaSets (k8s.io/kubernetes pkg/apis/core/v1/defaults.go and pkg/apis/core/validation). capstan checks
 * the fields it models: containers (names, images, ports, pull policy), restart and DNS policy, grace period.
 */
import { FieldError, FieldPath, isDNS1123Label, isValidPortNum, type Container, type PodQOSClass, type PodSpec, type PodTemplateSpec } from '../../api/index.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** defaultContainer fills a container's defaults (SetDefaults_Container). */
function defaultContainer(c: Container): void {
  if (c.imagePullPolicy === undefined) {
    // `:latest` or no tag pulls every time; a tag or digest pulls once (as SetDefaults_Container).
    const image = c.image ?? '';
    const lastSlash = image.lastIndexOf('/');
    const tail = image.slice(lastSlash + 1);
    const tagged = tail.includes('@') || (tail.includes(':') && !tail.endsWith(':latest'));
    c.imagePullPolicy = tagged ? 'IfNotPresent' : 'Always';
  }
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
}

/** defaultPodSpec fills a pod spec's defaults (SetDefaults_PodSpec and its containers'). */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  if (spec.serviceAccountName !== undefined && spec.serviceAccount === undefined) spec.serviceAccount = spec.serviceAccountName;
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers ?? []) defaultContainer(c);
}

/** defaultPodTemplate fills a workload's pod template as kube's decoder defaults it: its pod spec, and metadata. */
export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (template === undefined) return;
  if (template.spec !== undefined) defaultPodSpec(template.spec);
  template.metadata ??= {};
}

function validateContainers(containers: readonly Container[] | undefined, path: FieldPath, names: Set<string>, required: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (containers === undefined || containers.length === 0) {
    if (required) errs.push(FieldError.required(path, ''));
    return errs;
  }
  containers.forEach((c, i) => {
    const p = path.index(i);
    const name = c.name ?? '';
    if (name === '') errs.push(FieldError.required(p.child('name'), ''));
    else {
      for (const msg of isDNS1123Label(name)) errs.push(FieldError.invalid(p.child('name'), name, msg));
      if (names.has(name)) errs.push(FieldError.duplicate(p.child('name'), name));
      names.add(name);
    }
    if ((c.image ?? '').trim() === '') errs.push(FieldError.required(p.child('image'), ''));
    if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) {
      errs.push(FieldError.notSupported(p.child('imagePullPolicy'), c.imagePullPolicy, PULL_POLICIES));
    }
    (c.ports ?? []).forEach((port, j) => {
      const pp = p.child('ports').index(j);
      for (const msg of isValidPortNum(port.containerPort)) errs.push(FieldError.invalid(pp.child('containerPort'), port.containerPort, msg));
      if (port.hostPort !== undefined && port.hostPort !== 0) {
        for (const msg of isValidPortNum(port.hostPort)) errs.push(FieldError.invalid(pp.child('hostPort'), port.hostPort, msg));
      }
      if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) errs.push(FieldError.notSupported(pp.child('protocol'), port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

/** validatePodSpec validates a (defaulted) pod spec at path. */
export function validatePodSpec(spec: PodSpec | undefined, path: FieldPath): FieldError[] {
  if (spec === undefined) return [FieldError.required(path, '')];
  const names = new Set<string>();
  const errs = [
    ...validateContainers(spec.initContainers, path.child('initContainers'), names, false),
    ...validateContainers(spec.containers, path.child('containers'), names, true),
  ];
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(spec.restartPolicy)) {
    errs.push(FieldError.notSupported(path.child('restartPolicy'), spec.restartPolicy, RESTART_POLICIES));
  }
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(spec.dnsPolicy)) errs.push(FieldError.notSupported(path.child('dnsPolicy'), spec.dnsPolicy, DNS_POLICIES));
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0) {
    errs.push(FieldError.invalid(path.child('terminationGracePeriodSeconds'), spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  return errs;
}

/**
 * podQOSClass derives a pod's QoS class (qos.GetPodQOS): BestEffort without any request or limit,
 * Guaranteed when every container limits cpu and memory and requests equal limits, Burstable otherwise.
 */
export function podQOSClass(spec: PodSpec | undefined): PodQOSClass {
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (Object.keys(requests).length + Object.keys(limits).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      const limit = limits[r];
      const request = requests[r] ?? limit;
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
