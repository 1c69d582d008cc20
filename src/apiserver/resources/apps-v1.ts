/**
 * apps/v1 resources: deployments, replicasets and statefulsets (+status, +scale), daemonsets (+status) and
 * controllerrevisions, with apps/v1's defaults (one replica; a Deployment RollingUpdate 25%/25%, a DaemonSet
 * RollingUpdate of one unavailable node and no surge; ten revisions kept; a 600 s progress deadline) and
 * validation (a selector that matches the template's labels and never changes; a revision's data never
 * changes). A DaemonSet counts its template's changes in the `deprecated.daemonset.template.generation`
 * annotation, as kube-apiserver's apps/v1 conversion of spec.templateGeneration keeps it.
 */
import {
  FieldError,
  FieldPath,
  jsonEqual,
  labelSelectorAsSelector,
  nameIsDNSLabel,
  templateGeneration,
  TEMPLATE_GENERATION_ANNOTATION,
  validateLabels,
  validateNonnegativeField,
  type ControllerRevision,
  type DaemonSet,
  type Deployment,
  type IntOrString,
  type KubeObject,
  type LabelSelector,
  type PodTemplateSpec,
  type ReplicaSet,
  type StatefulSet,
} from '../../api/index.js';
import type { ResourceType, ScaleSubresource } from '../resource.js';
import { defineResource, prepareSpecStatusForCreate, prepareSpecStatusForUpdate } from './generic.js';
import { defaultPodTemplate, validatePodSpec } from './pod-spec.js';

interface Replicated extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplateSpec };
  status?: { replicas?: number };
}

const scale: ScaleSubresource = {
  specReplicas: (o) => (o as Replicated).spec?.replicas ?? 1,
  setSpecReplicas: (o, replicas) => {
    const r = o as Replicated;
    r.spec = { ...(r.spec ?? {}), replicas };
  },
  statusReplicas: (o) => (o as Replicated).status?.replicas ?? 0,
  selector: (o) => {
    try {
      return labelSelectorAsSelector((o as Replicated).spec?.selector).toString();
    } catch {
      return '';
    }
  },
};

function validateReplicated(o: KubeObject, templateRequired: boolean): FieldError[] {
  const r = o as Replicated;
  const errs: FieldError[] = [];
  const replicas = r.spec?.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 0) errs.push(FieldError.invalid(FieldPath.root('spec', 'replicas'), replicas, 'must be greater than or equal to 0'));
  errs.push(...validateSelectorAndTemplate(r.spec, 'deployment', templateRequired));
  return errs;
}

/**
 * validateSelectorAndTemplate checks what every pod-template workload shares: a non-empty selector (kube's
 * message names the noun: ReplicaSets say `deployment` too) that matches the template's labels, and a valid
 * template that restarts Always.
 */
function validateSelectorAndTemplate(spec: { selector?: LabelSelector; template?: PodTemplateSpec } | undefined, noun: string, templateRequired: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const path = FieldPath.root('spec');
  const selector = spec?.selector;
  const hasSelector = selector !== undefined && (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0);
  if (!hasSelector) {
    errs.push(selector === undefined ? FieldError.required(path.child('selector'), '') : FieldError.invalid(path.child('selector'), selector, `empty selector is invalid for ${noun}`));
  }
  const template = spec?.template;
  if (template === undefined) {
    if (templateRequired) errs.push(FieldError.required(path.child('template'), ''));
    return errs;
  }
  const labels = template.metadata?.labels ?? {};
  errs.push(...validateLabels(labels, path.child('template', 'metadata', 'labels')));
  if (hasSelector) {
    try {
      if (!labelSelectorAsSelector(selector).matches(labels)) {
        errs.push(FieldError.invalid(path.child('template', 'metadata', 'labels'), labels, '`selector` does not match template `labels`'));
      }
    } catch (err) {
      errs.push(FieldError.invalid(path.child('selector'), selector, (err as Error).message));
    }
  }
  errs.push(...validatePodSpec(template.spec, path.child('template', 'spec')));
  if (template.spec?.restartPolicy !== undefined && template.spec.restartPolicy !== 'Always') {
    errs.push(FieldError.notSupported(path.child('template', 'spec', 'restartPolicy'), template.spec.restartPolicy, ['Always']));
  }
  return errs;
}

function validateSelectorUnchanged(o: KubeObject, old: KubeObject): FieldError[] {
  const sel = (o as Replicated).spec?.selector;
  if (jsonEqual(sel, (old as Replicated).spec?.selector)) return [];
  return [FieldError.invalid(FieldPath.root('spec', 'selector'), sel, 'field is immutable')];
}

function defaultTemplate(o: KubeObject): void {
  const r = o as Replicated;
  if (r.spec === undefined) return;
  r.spec.replicas ??= 1;
  defaultPodTemplate(r.spec.template);
}

const deployments = defineResource({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  resource: 'deployments',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  hasStatus: true,
  // kube's deploymentStatusStrategy lets /status write annotations: the controller records the revision there.
  statusWritableMetadata: ['annotations'],
  scale,
  defaults: (o) => {
    defaultTemplate(o);
    const d = o as Deployment;
    if (d.spec === undefined) return;
    d.spec.strategy ??= {};
    d.spec.strategy.type ??= 'RollingUpdate';
    if (d.spec.strategy.type === 'RollingUpdate') {
      d.spec.strategy.rollingUpdate ??= {};
      d.spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
      d.spec.strategy.rollingUpdate.maxSurge ??= '25%';
    }
    d.spec.revisionHistoryLimit ??= 10;
    d.spec.progressDeadlineSeconds ??= 600;
  },
  validate: (o) => validateReplicated(o, true),
  validateUpdate: validateSelectorUnchanged,
});

const replicasets = defineResource({
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  resource: 'replicasets',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  hasStatus: true,
  scale,
  defaults: defaultTemplate,
  validate: (o) => validateReplicated(o as ReplicaSet, false),
  validateUpdate: validateSelectorUnchanged,
});

/** PERCENT is validation.IsValidPercent's pattern. */
const PERCENT = /^[0-9]+%$/;

/** PERCENT_MESSAGE is IsValidPercent's message (RegexError with kube's examples, its double space included). */
const PERCENT_MESSAGE = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/**
 * validatePositiveIntOrPercent is ValidatePositiveIntOrPercent plus IsNotMoreThan100Percent: a non-negative
 * integer or a percentage of at most 100 %; it returns whether the value is non-zero (getIntOrPercentValue).
 */
export function validatePositiveIntOrPercent(v: IntOrString | undefined, path: FieldPath, errs: FieldError[]): boolean {
  if (v === undefined) return false;
  if (typeof v === 'string') {
    if (!PERCENT.test(v)) {
      errs.push(FieldError.invalid(path, v, PERCENT_MESSAGE));
      return false;
    }
    const percent = Number(v.slice(0, -1));
    if (percent > 100) errs.push(FieldError.invalid(path, v, 'must not be greater than 100%'));
    return percent !== 0;
  }
  if (v < 0) errs.push(FieldError.invalid(path, v, 'must be greater than or equal to 0'));
  return v !== 0;
}

const DAEMON_SET_STATUS_COUNTS = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'observedGeneration',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
  'collisionCount',
] as const;

/** validateDaemonSetStatusUpdate is ValidateDaemonSetStatusUpdate: counts at least 0, a collision count never decremented. */
function validateDaemonSetStatusUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const status = (o as DaemonSet).status;
  const errs: FieldError[] = [];
  for (const field of DAEMON_SET_STATUS_COUNTS) {
    const v = status?.[field];
    if (v !== undefined && v < 0) errs.push(FieldError.invalid(FieldPath.root('status', field), v, 'must be greater than or equal to 0'));
  }
  const before = (old as DaemonSet).status?.collisionCount;
  if (before !== undefined && (status?.collisionCount ?? 0) < before) {
    errs.push(FieldError.invalid(FieldPath.root('status', 'collisionCount'), status?.collisionCount ?? 0, 'cannot be decremented'));
  }
  return errs;
}

function validateDaemonSet(o: KubeObject): FieldError[] {
  const ds = o as DaemonSet;
  const spec = FieldPath.root('spec');
  const errs = validateSelectorAndTemplate(ds.spec, 'daemonset', true);
  if (ds.spec?.template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(FieldError.forbidden(spec.child('template', 'spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  const minReady = ds.spec?.minReadySeconds ?? 0;
  if (minReady < 0) errs.push(FieldError.invalid(spec.child('minReadySeconds'), minReady, 'must be greater than or equal to 0'));
  const strategy = ds.spec?.updateStrategy;
  const strategyPath = spec.child('updateStrategy');
  if (strategy?.type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate;
    if (ru === undefined) errs.push(FieldError.required(strategyPath.child('rollingUpdate'), ''));
    else {
      const rollingPath = strategyPath.child('rollingUpdate');
      const unavailable = validatePositiveIntOrPercent(ru.maxUnavailable, rollingPath.child('maxUnavailable'), errs);
      const surge = validatePositiveIntOrPercent(ru.maxSurge, rollingPath.child('maxSurge'), errs);
      if (unavailable && surge) errs.push(FieldError.invalid(rollingPath.child('maxSurge'), ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      if (!unavailable && !surge) errs.push(FieldError.required(rollingPath.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
    }
  } else if (strategy?.type !== 'OnDelete') {
    errs.push(FieldError.notSupported(strategyPath, strategy ?? {}, ['RollingUpdate', 'OnDelete']));
  }
  const limit = ds.spec?.revisionHistoryLimit;
  if (limit !== undefined && limit < 0) errs.push(FieldError.invalid(spec.child('revisionHistoryLimit'), limit, 'must be greater than or equal to 0'));
  return errs;
}

function setTemplateGeneration(ds: KubeObject, generation: number): void {
  ds.metadata.annotations = { ...(ds.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

const daemonsets = defineResource({
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  resource: 'daemonsets',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  hasStatus: true,
  defaults: (o) => {
    const ds = o as DaemonSet;
    if (ds.spec === undefined) return;
    defaultPodTemplate(ds.spec.template);
    ds.spec.updateStrategy ??= {};
    ds.spec.updateStrategy.type ??= 'RollingUpdate';
    if (ds.spec.updateStrategy.type === 'RollingUpdate') {
      ds.spec.updateStrategy.rollingUpdate ??= {};
      ds.spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      ds.spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
    }
    ds.spec.revisionHistoryLimit ??= 10;
  },
  prepareForCreate: (o) => {
    prepareSpecStatusForCreate(o);
    setTemplateGeneration(o, templateGeneration(o));
  },
  // As kube's daemonSetStrategy: the template generation moves only with the template, whatever the client sent.
  prepareForUpdate: (o, old) => {
    prepareSpecStatusForUpdate(o, old);
    const previous = templateGeneration(old);
    const changed = !jsonEqual((o as DaemonSet).spec?.template, (old as DaemonSet).spec?.template);
    setTemplateGeneration(o, changed ? previous + 1 : previous);
  },
  validate: validateDaemonSet,
  validateUpdate: validateSelectorUnchanged,
  validateStatusUpdate: validateDaemonSetStatusUpdate,
});

const controllerrevisions = defineResource({
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  resource: 'controllerrevisions',
  namespaced: true,
  validate: (o) => {
    const cr = o as ControllerRevision;
    const errs: FieldError[] = [];
    if (cr.data === undefined || cr.data === null) errs.push(FieldError.required(FieldPath.root('data'), 'data is mandatory'));
    const revision = cr.revision ?? 0;
    if (revision < 0) errs.push(FieldError.invalid(FieldPath.root('revision'), revision, 'must be greater than or equal to 0'));
    return errs;
  },
  validateUpdate: (o, old) => (jsonEqual((o as ControllerRevision).data, (old as ControllerRevision).data) ? [] : [FieldError.invalid(FieldPath.root('data'), (o as ControllerRevision).data, 'field is immutable')]),
});

/** nonNegative adds kube's ValidateNonnegativeField error for each named count below 0. */
function nonNegative(errs: FieldError[], path: FieldPath, values: Readonly<Record<string, number | undefined>>): void {
  for (const [field, v] of Object.entries(values)) if (v !== undefined) errs.push(...validateNonnegativeField(v, path.child(field)));
}

function validateStatefulSet(o: KubeObject): FieldError[] {
  const sts = o as StatefulSet;
  const spec = FieldPath.root('spec');
  const errs: FieldError[] = [];
  const policy = sts.spec?.podManagementPolicy ?? '';
  if (policy === '') errs.push(FieldError.required(spec.child('podManagementPolicy'), ''));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') errs.push(FieldError.invalid(spec.child('podManagementPolicy'), policy, "must be 'OrderedReady' or 'Parallel'"));
  const strategy = sts.spec?.updateStrategy;
  const strategyPath = spec.child('updateStrategy');
  switch (strategy?.type ?? '') {
    case '':
      errs.push(FieldError.required(strategyPath, ''));
      break;
    case 'RollingUpdate':
      nonNegative(errs, strategyPath.child('rollingUpdate'), { partition: strategy?.rollingUpdate?.partition });
      break;
    case 'OnDelete':
      if (strategy?.rollingUpdate !== undefined) errs.push(FieldError.invalid(strategyPath.child('rollingUpdate'), strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    default:
      errs.push(FieldError.invalid(strategyPath, strategy, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  nonNegative(errs, spec, { replicas: sts.spec?.replicas, minReadySeconds: sts.spec?.minReadySeconds });
  const retention = sts.spec?.persistentVolumeClaimRetentionPolicy;
  const retentionPath = spec.child('persistentVolumeClaimRetentionPolicy');
  for (const field of ['whenDeleted', 'whenScaled'] as const) {
    const v = retention?.[field];
    if (v !== undefined && v !== 'Retain' && v !== 'Delete') errs.push(FieldError.notSupported(retentionPath.child(field), v, ['Retain', 'Delete']));
  }
  nonNegative(errs, spec.child('ordinals'), { start: sts.spec?.ordinals?.start });
  errs.push(...validateSelectorAndTemplate(sts.spec, 'statefulset', true));
  if (sts.spec?.template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(FieldError.forbidden(spec.child('template', 'spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

/** STATEFUL_SET_MUTABLE are the spec fields an update may change (Kubernetes 1.32's ValidateStatefulSetUpdate). */
const STATEFUL_SET_MUTABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'] as const;

function validateStatefulSetUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const strip = (x: KubeObject): Record<string, unknown> => {
    const spec: Record<string, unknown> = { ...((x as StatefulSet).spec ?? {}) };
    for (const f of STATEFUL_SET_MUTABLE) delete spec[f];
    return spec;
  };
  if (jsonEqual(strip(o), strip(old))) return [];
  return [
    FieldError.forbidden(
      FieldPath.root('spec'),
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

/** validateStatefulSetStatusUpdate is ValidateStatefulSetStatusUpdate: counts at least 0, a collision count never decremented. */
function validateStatefulSetStatusUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const status = (o as StatefulSet).status;
  const errs: FieldError[] = [];
  nonNegative(errs, FieldPath.root('status'), {
    replicas: status?.replicas,
    readyReplicas: status?.readyReplicas,
    currentReplicas: status?.currentReplicas,
    updatedReplicas: status?.updatedReplicas,
    availableReplicas: status?.availableReplicas,
    observedGeneration: status?.observedGeneration,
    collisionCount: status?.collisionCount,
  });
  const path = FieldPath.root('status');
  const replicas = status?.replicas ?? 0;
  for (const field of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'] as const) {
    const v = status?.[field] ?? 0;
    if (v > replicas) errs.push(FieldError.invalid(path.child(field), v, 'cannot be greater than status.replicas'));
  }
  if ((status?.availableReplicas ?? 0) > (status?.readyReplicas ?? 0)) {
    errs.push(FieldError.invalid(path.child('availableReplicas'), status?.availableReplicas ?? 0, 'cannot be greater than status.readyReplicas'));
  }
  const before = (old as StatefulSet).status?.collisionCount;
  if (before !== undefined && (status?.collisionCount ?? 0) < before) {
    errs.push(FieldError.invalid(FieldPath.root('status', 'collisionCount'), status?.collisionCount ?? 0, 'cannot be decremented'));
  }
  return errs;
}

/**
 * dropDisabledRollingFields drops rollingUpdate.maxUnavailable, which Kubernetes 1.32 serves only behind the
 * MaxUnavailableStatefulSet gate (off by default), unless the stored object already uses it.
 */
function dropDisabledRollingFields(o: KubeObject, old?: KubeObject): void {
  const ru = (o as StatefulSet).spec?.updateStrategy?.rollingUpdate;
  if (ru === undefined || ru.maxUnavailable === undefined) return;
  if (old !== undefined && (old as StatefulSet).spec?.updateStrategy?.rollingUpdate?.maxUnavailable !== undefined) return;
  delete ru.maxUnavailable;
}

const statefulsets = defineResource({
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  resource: 'statefulsets',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  hasStatus: true,
  scale,
  // Pod names are `<set>-<ordinal>` and their hostnames: the set's name must be a DNS label.
  validateName: nameIsDNSLabel,
  prepareForCreate: (o) => {
    prepareSpecStatusForCreate(o);
    dropDisabledRollingFields(o);
  },
  prepareForUpdate: (o, old) => {
    prepareSpecStatusForUpdate(o, old);
    dropDisabledRollingFields(o, old);
  },
  defaults: (o) => {
    defaultTemplate(o);
    const sts = o as StatefulSet;
    if (sts.spec === undefined) return;
    sts.spec.podManagementPolicy ??= 'OrderedReady';
    sts.spec.updateStrategy ??= {};
    if (sts.spec.updateStrategy.type === undefined) {
      sts.spec.updateStrategy.type = 'RollingUpdate';
      sts.spec.updateStrategy.rollingUpdate ??= {};
    }
    if (sts.spec.updateStrategy.type === 'RollingUpdate' && sts.spec.updateStrategy.rollingUpdate !== undefined) sts.spec.updateStrategy.rollingUpdate.partition ??= 0;
    sts.spec.persistentVolumeClaimRetentionPolicy ??= {};
    sts.spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
    sts.spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
    sts.spec.revisionHistoryLimit ??= 10;
    for (const claim of sts.spec.volumeClaimTemplates ?? []) {
      // As kube's apps/v1 conversion: every claim template says what it is.
      claim.apiVersion = 'v1';
      claim.kind = 'PersistentVolumeClaim';
      claim.spec ??= {};
      claim.spec['volumeMode'] ??= 'Filesystem';
      claim.status ??= {};
      claim.status['phase'] ??= 'Pending';
    }
  },
  validate: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
  validateStatusUpdate: validateStatefulSetStatusUpdate,
});

/** APPS_V1 lists the apps/v1 resources capstan serves. */
export const APPS_V1: readonly ResourceType[] = [deployments, replicasets, daemonsets, statefulsets, controllerrevisions];
