/**
 * apps/v1 resources: deployments and replicasets (+status, +scale), with apps/v1's defaults (one replica,
 * RollingUpdate 25%/25%, ten revisions kept, a 600 s progress deadline) and validation (a selector that
 * matches the template's labels and never changes).
 */
import {
  FieldError,
  FieldPath,
  jsonEqual,
  labelSelectorAsSelector,
  validateLabels,
  type Deployment,
  type KubeObject,
  type LabelSelector,
  type PodTemplateSpec,
  type ReplicaSet,
} from '../../api/index.js';
import type { ResourceType, ScaleSubresource } from '../resource.js';
import { defineResource } from './generic.js';
import { defaultPodSpec, validatePodSpec } from './pod-spec.js';

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
  const spec = FieldPath.root('spec');
  const replicas = r.spec?.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 0) errs.push(FieldError.invalid(spec.child('replicas'), replicas, 'must be greater than or equal to 0'));
  const selector = r.spec?.selector;
  const hasSelector = selector !== undefined && (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0);
  if (!hasSelector) {
    errs.push(selector === undefined ? FieldError.required(spec.child('selector'), '') : FieldError.invalid(spec.child('selector'), selector, 'empty selector is invalid for deployment'));
  }
  const template = r.spec?.template;
  if (template === undefined) {
    if (templateRequired) errs.push(FieldError.required(spec.child('template'), ''));
    return errs;
  }
  const labels = template.metadata?.labels ?? {};
  errs.push(...validateLabels(labels, spec.child('template', 'metadata', 'labels')));
  if (hasSelector) {
    try {
      if (!labelSelectorAsSelector(selector).matches(labels)) {
        errs.push(FieldError.invalid(spec.child('template', 'metadata', 'labels'), labels, '`selector` does not match template `labels`'));
      }
    } catch (err) {
      errs.push(FieldError.invalid(spec.child('selector'), selector, (err as Error).message));
    }
  }
  errs.push(...validatePodSpec(template.spec, spec.child('template', 'spec')));
  if (template.spec?.restartPolicy !== undefined && template.spec.restartPolicy !== 'Always') {
    errs.push(FieldError.notSupported(spec.child('template', 'spec', 'restartPolicy'), template.spec.restartPolicy, ['Always']));
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
  if (r.spec.template?.spec !== undefined) defaultPodSpec(r.spec.template.spec);
  if (r.spec.template !== undefined) r.spec.template.metadata ??= {};
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

/** APPS_V1 lists the apps/v1 resources capstan serves. */
export const APPS_V1: readonly ResourceType[] = [deployments, replicasets];
