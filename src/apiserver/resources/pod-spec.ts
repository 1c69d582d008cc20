/**
 * Defaulting and validation of pod specs, shared by pods and the pod templates of Deployments and
 * ReplicaSets (k8s.io/kubernetes pkg/apis/core/v1/defaults.go and pkg/apis/core/validation). capstan checks
 * the fields it models: containers (names, images, ports, pull policy), restart and DNS policy, grace period, and
 * the scheduling fields — nodeSelector, node and inter-pod affinity (with the create-time merge of pod affinity
 * terms' matchLabelKeys and mismatchLabelKeys), tolerations, topology spread constraints.
 */
import {
  FieldError,
  FieldPath,
  isDNS1123Label,
  isValidLabelValue,
  isValidPortNum,
  nameIsDNSSubdomain,
  validateLabelName,
  validateLabels,
  validateLabelSelector,
  type Container,
  type NodeAffinity,
  type NodeSelectorRequirement,
  type NodeSelectorTerm,
  type PodAffinityTerm,
  type PodSpec,
  type PodTemplateSpec,
  type Toleration,
  type TopologySpreadConstraint,
  type WeightedPodAffinityTerm,
} from '../../api/index.js';

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

/**
 * defaultPodRequests sets a pod's containers' missing requests to their limits (SetDefaults_Pod: for pods only, not
 * for templates).
 */
export function defaultPodRequests(spec: PodSpec): void {
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const limits = c.resources?.limits;
    if (limits === undefined || limits === null) continue;
    const missing = Object.entries(limits).filter(([k]) => c.resources?.requests?.[k] === undefined);
    if (missing.length > 0) c.resources!.requests = { ...c.resources!.requests, ...Object.fromEntries(missing) };
  }
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
  // A negative terminationGracePeriodSeconds is accepted, as kube accepts it: a deletion then waits 1 s.
  errs.push(...validateLabels(spec.nodeSelector, path.child('nodeSelector')));
  const nodeAffinity = spec.affinity?.nodeAffinity;
  if (nodeAffinity !== undefined && nodeAffinity !== null) errs.push(...validateNodeAffinity(nodeAffinity, path.child('affinity', 'nodeAffinity')));
  errs.push(...validatePodAffinities(spec, path.child('affinity')));
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, path.child('topologySpreadConstraints')));
  errs.push(...validateTolerations(spec.tolerations, path.child('tolerations')));
  errs.push(...validatePreemptionPolicy(spec.preemptionPolicy, path.child('preemptionPolicy')));
  return errs;
}

const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

/** validatePreemptionPolicy is kube's ValidatePreemptionPolicy (pods and priority classes share it). */
export function validatePreemptionPolicy(policy: string | undefined, path: FieldPath): FieldError[] {
  if (policy === undefined) return [];
  if (policy === '') return [FieldError.required(path, '')];
  return PREEMPTION_POLICIES.includes(policy) ? [] : [FieldError.notSupported(path, policy, PREEMPTION_POLICIES)];
}

/** validateNodeSelectorRequirement is kube's ValidateNodeSelectorRequirement (a matchExpressions entry). */
function validateNodeSelectorRequirement(rq: NodeSelectorRequirement, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const values = rq.values ?? [];
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(FieldError.required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(FieldError.forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(FieldError.required(path.child('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(FieldError.invalid(path.child('operator'), rq.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(rq.key ?? '', path.child('key')));
  return errs;
}

/** validateNodeFieldSelectorRequirement is kube's ValidateNodeFieldSelectorRequirement (matchFields: metadata.name only). */
function validateNodeFieldSelectorRequirement(rq: NodeSelectorRequirement, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const values = rq.values ?? [];
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if (values.length !== 1) errs.push(FieldError.required(path.child('values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else errs.push(FieldError.invalid(path.child('operator'), rq.operator ?? '', 'not a valid selector operator'));
  if (rq.key !== 'metadata.name') errs.push(FieldError.invalid(path.child('key'), rq.key ?? '', 'not a valid field selector key'));
  else values.forEach((v, i) => nameIsDNSSubdomain(v, false).forEach((msg) => errs.push(FieldError.invalid(path.child('values').index(i), v, msg))));
  return errs;
}

function validateNodeSelectorTerm(term: NodeSelectorTerm | undefined, path: FieldPath): FieldError[] {
  return [
    ...(term?.matchExpressions ?? []).flatMap((rq, j) => validateNodeSelectorRequirement(rq, path.child('matchExpressions').index(j))),
    ...(term?.matchFields ?? []).flatMap((rq, j) => validateNodeFieldSelectorRequirement(rq, path.child('matchFields').index(j))),
  ];
}

/** validateNodeAffinity is kube's validateNodeAffinity: at least one required term, preferred weights 1-100. */
function validateNodeAffinity(na: NodeAffinity, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const required = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (required !== undefined && required !== null) {
    const termsPath = path.child('requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms');
    const terms = required.nodeSelectorTerms ?? [];
    if (terms.length === 0) errs.push(FieldError.required(termsPath, 'must have at least one node selector term'));
    else terms.forEach((t, i) => errs.push(...validateNodeSelectorTerm(t, termsPath.index(i))));
  }
  (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
    const at = path.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
    if (!(t.weight > 0 && t.weight <= 100)) errs.push(FieldError.invalid(at.child('weight'), t.weight ?? 0, 'must be in the range 1-100'));
    errs.push(...validateNodeSelectorTerm(t.preference, at.child('preference')));
  });
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** validateTolerations is kube's ValidateTolerations. */
function validateTolerations(tolerations: readonly Toleration[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const at = path.index(i);
    const key = t.key ?? '';
    const operator = t.operator ?? '';
    if (key !== '') errs.push(...validateLabelName(key, at.child('key')));
    if (key === '' && operator !== 'Exists') errs.push(FieldError.invalid(at.child('operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(FieldError.invalid(at.child('effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const problems = isValidLabelValue(t.value ?? '');
      if (problems.length > 0) errs.push(FieldError.invalid(at.child('operator'), t.value ?? '', problems.join(';')));
    } else if (operator === 'Exists') {
      if ((t.value ?? '') !== '') errs.push(FieldError.invalid(at.child('operator'), t.value, "value must be empty when `operator` is 'Exists'"));
    } else errs.push(FieldError.notSupported(at.child('operator'), operator, ['Equal', 'Exists']));
    if ((t.effect ?? '') !== '' && !TAINT_EFFECTS.includes(t.effect!)) errs.push(FieldError.notSupported(at.child('effect'), t.effect, TAINT_EFFECTS));
  });
  return errs;
}

/** validateTopologySpreadConstraints is kube's validateTopologySpreadConstraints. */
function validateTopologySpreadConstraints(constraints: readonly TopologySpreadConstraint[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const list = constraints ?? [];
  list.forEach((c, i) => {
    const at = path.index(i);
    if (!((c.maxSkew ?? 0) > 0)) errs.push(FieldError.invalid(at.child('maxSkew'), c.maxSkew ?? 0, 'must be greater than zero'));
    if ((c.topologyKey ?? '') === '') errs.push(FieldError.required(at.child('topologyKey'), 'can not be empty'));
    const action = c.whenUnsatisfiable ?? '';
    if (action !== 'DoNotSchedule' && action !== 'ScheduleAnyway') errs.push(FieldError.notSupported(at.child('whenUnsatisfiable'), action, ['DoNotSchedule', 'ScheduleAnyway']));
    if (list.slice(i + 1).some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable)) {
      errs.push(FieldError.duplicate(at.child('{topologyKey, whenUnsatisfiable}'), `{${c.topologyKey ?? ''}, ${action}}`));
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      if (c.minDomains <= 0) errs.push(FieldError.invalid(at.child('minDomains'), c.minDomains, 'must be greater than zero'));
      if (action !== 'DoNotSchedule') errs.push(FieldError.invalid(at.child('minDomains'), c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`));
    }
    for (const field of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const policy = c[field];
      if (policy !== undefined && policy !== null && policy !== 'Honor' && policy !== 'Ignore') errs.push(FieldError.notSupported(at.child(field), policy, ['Honor', 'Ignore']));
    }
    const keys = c.matchLabelKeys ?? [];
    if (keys.length > 0) {
      const selected = new Set([...Object.keys(c.labelSelector?.matchLabels ?? {}), ...(c.labelSelector?.matchExpressions ?? []).map((e) => e.key)]);
      if (c.labelSelector === undefined || c.labelSelector === null) errs.push(FieldError.forbidden(at.child('matchLabelKeys'), 'must not be specified when labelSelector is not set'));
      keys.forEach((k, j) => {
        errs.push(...validateLabelName(k, at.child('matchLabelKeys').index(j)));
        if (selected.has(k)) errs.push(FieldError.invalid(at.child('matchLabelKeys').index(j), k, 'exists in both matchLabelKeys and labelSelector'));
      });
    }
    errs.push(...validateLabelSelector(c.labelSelector, at.child('labelSelector')));
  });
  return errs;
}

/** validateLabelKeys is kube's validateLabelKeys of a term's matchLabelKeys or mismatchLabelKeys. */
function validateLabelKeys(path: FieldPath, keys: readonly string[] | undefined, selector: PodAffinityTerm['labelSelector']): FieldError[] {
  if (keys === undefined || keys.length === 0) return [];
  if (selector === undefined || selector === null) return [FieldError.forbidden(path, 'must not be specified when labelSelector is not set')];
  return keys.flatMap((k, i) => validateLabelName(k, path.index(i)));
}

/** validatePodAffinityTerm is kube's validatePodAffinityTerm. */
function validatePodAffinityTerm(t: PodAffinityTerm | undefined, path: FieldPath): FieldError[] {
  const term = t ?? ({ topologyKey: '' } as PodAffinityTerm);
  const errs = [...validateLabelSelector(term.labelSelector, path.child('labelSelector')), ...validateLabelSelector(term.namespaceSelector, path.child('namespaceSelector'))];
  for (const name of term.namespaces ?? []) for (const msg of isDNS1123Label(name)) errs.push(FieldError.invalid(path.child('namespace'), name, msg));
  errs.push(...validateLabelKeys(path.child('matchLabelKeys'), term.matchLabelKeys, term.labelSelector));
  errs.push(...validateLabelKeys(path.child('mismatchLabelKeys'), term.mismatchLabelKeys, term.labelSelector));
  // A matchLabelKeys key the selector already had before the creation-time merge (kube's path: the term's, indexed).
  const selector = term.labelSelector;
  if (selector !== undefined && selector !== null && (term.matchLabelKeys ?? []).length > 0) {
    const keyIndex = new Map<string, number>();
    (term.matchLabelKeys ?? []).forEach((k, i) => keyIndex.set(k, i));
    const seen = new Set(Object.keys(selector.matchLabels ?? {}));
    for (const expr of selector.matchExpressions ?? []) {
      const i = keyIndex.get(expr.key);
      if (i !== undefined && seen.has(expr.key)) errs.push(FieldError.invalid(path.index(i), expr.key, 'exists in both matchLabelKeys and labelSelector'));
      seen.add(expr.key);
    }
  }
  const mismatching = new Set(term.mismatchLabelKeys ?? []);
  (term.matchLabelKeys ?? []).forEach((k, i) => {
    if (mismatching.has(k)) errs.push(FieldError.invalid(path.child('matchLabelKeys').index(i), k, 'exists in both matchLabelKeys and mismatchLabelKeys'));
  });
  const key = term.topologyKey ?? '';
  if (key === '') errs.push(FieldError.required(path.child('topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(key, path.child('topologyKey')));
  return errs;
}

function validateTerms(terms: readonly PodAffinityTerm[] | undefined, path: FieldPath): FieldError[] {
  return (terms ?? []).flatMap((t, i) => validatePodAffinityTerm(t, path.index(i)));
}

function validateWeightedTerms(terms: readonly WeightedPodAffinityTerm[] | undefined, path: FieldPath): FieldError[] {
  return (terms ?? []).flatMap((w, j) => {
    const errs: FieldError[] = [];
    if (!(w.weight > 0 && w.weight <= 100)) errs.push(FieldError.invalid(path.index(j).child('weight'), w.weight ?? 0, 'must be in the range 1-100'));
    return [...errs, ...validatePodAffinityTerm(w.podAffinityTerm, path.index(j).child('podAffinityTerm'))];
  });
}

/** validatePodAffinities is the podAffinity and podAntiAffinity part of kube's ValidateAffinity. */
function validatePodAffinities(spec: PodSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [field, value] of [['podAffinity', spec.affinity?.podAffinity], ['podAntiAffinity', spec.affinity?.podAntiAffinity]] as const) {
    if (value === undefined || value === null) continue;
    errs.push(...validateTerms(value.requiredDuringSchedulingIgnoredDuringExecution, path.child(field, 'requiredDuringSchedulingIgnoredDuringExecution')));
    errs.push(...validateWeightedTerms(value.preferredDuringSchedulingIgnoredDuringExecution, path.child(field, 'preferredDuringSchedulingIgnoredDuringExecution')));
  }
  return errs;
}

/**
 * mergePodAffinityLabelKeys is kube 1.32's mutatePodAffinity, on a pod's creation: each term with a label selector
 * gets `key In (value)` for its matchLabelKeys and `key NotIn (value)` for its mismatchLabelKeys that the pod has
 * as labels.
 */
export function mergePodAffinityLabelKeys(spec: PodSpec | undefined, labels: Readonly<Record<string, string>> | undefined): void {
  const affinity = spec?.affinity;
  if (affinity === undefined || affinity === null) return;
  const apply = (t: PodAffinityTerm | undefined): void => {
    if (t === undefined || t.labelSelector === undefined || t.labelSelector === null) return;
    if ((t.matchLabelKeys ?? []).length === 0 && (t.mismatchLabelKeys ?? []).length === 0) return;
    const exprs = [...(t.labelSelector.matchExpressions ?? [])];
    // Own labels only: a key named like an Object member (constructor) is not a label the pod has.
    const has = (k: string): boolean => labels !== undefined && Object.hasOwn(labels, k);
    for (const k of t.matchLabelKeys ?? []) if (has(k)) exprs.push({ key: k, operator: 'In', values: [labels![k]!] });
    for (const k of t.mismatchLabelKeys ?? []) if (has(k)) exprs.push({ key: k, operator: 'NotIn', values: [labels![k]!] });
    if (exprs.length > (t.labelSelector.matchExpressions ?? []).length) t.labelSelector = { ...t.labelSelector, matchExpressions: exprs };
  };
  for (const group of [affinity.podAffinity, affinity.podAntiAffinity]) {
    if (group === undefined || group === null) continue;
    for (const t of group.requiredDuringSchedulingIgnoredDuringExecution ?? []) apply(t);
    for (const w of group.preferredDuringSchedulingIgnoredDuringExecution ?? []) apply(w.podAffinityTerm);
  }
}

