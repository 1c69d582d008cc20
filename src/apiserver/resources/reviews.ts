/**
 * The reviews: create-only resources that are answered, never stored. authorization.k8s.io/v1's
 * SelfSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`kubectl auth can-i --list`),
 * SubjectAccessReview and LocalSubjectAccessReview, and authentication.k8s.io/v1's SelfSubjectReview
 * (`kubectl auth whoami`), validated with Kubernetes' messages.
 *
 * Capstan authorizes every authenticated request (kube-apiserver's --authorization-mode=AlwaysAllow), so an
 * access review is allowed with no reason and a rules review lists `*` for every verb, group, resource and
 * non-resource URL, as kube's AlwaysAllow authorizer answers them.
 */
import {
  FieldError,
  FieldPath,
  formatTime,
  type KubeObject,
  type SelfSubjectAccessReview,
  type SelfSubjectReview,
  type SelfSubjectRulesReview,
  type SubjectAccessReview,
  type SubjectAccessReviewSpec,
} from '../../api/index.js';
import { StatusError } from '../errors.js';
import type { ResourceType, ReviewContext } from '../resource.js';
import { defineResource } from './generic.js';

/** present says a field is set: not absent and not JSON null. */
function present<T>(v: T | undefined | null): v is T {
  return v !== undefined && v !== null;
}

/** validateAccessSpec is ValidateSelfSubjectAccessReviewSpec: exactly one of the two kinds of attributes. */
function validateAccessSpec(spec: SubjectAccessReviewSpec | undefined): FieldError[] {
  const path = FieldPath.root('spec');
  const resource = spec?.resourceAttributes;
  const nonResource = spec?.nonResourceAttributes;
  if (present(resource) && present(nonResource)) {
    return [FieldError.invalid(path.child('nonResourceAttributes'), nonResource, 'cannot be specified in combination with resourceAttributes')];
  }
  if (!present(resource) && !present(nonResource)) {
    return [FieldError.invalid(path.child('resourceAttributes'), null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  }
  return [];
}

/** validateSubjectAccessSpec is ValidateSubjectAccessReviewSpec: the attributes, and a user or a group to ask for. */
function validateSubjectAccessSpec(spec: SubjectAccessReviewSpec | undefined): FieldError[] {
  const errs = validateAccessSpec(spec);
  if ((spec?.user ?? '') === '' && (spec?.groups ?? []).length === 0) errs.push(FieldError.invalid(FieldPath.root('spec', 'user'), spec?.user ?? '', 'at least one of user or group must be specified'));
  return errs;
}

/** metadataSet lists what a review's metadata sets beyond Kubernetes' empty ObjectMeta (and managedFields). */
function metadataSet(obj: KubeObject, except: readonly string[] = []): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj.metadata)) {
    if (k === 'managedFields' || except.includes(k) || v === undefined || v === null || v === '' || v === 0) continue;
    if ((Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) continue;
    set[k] = v;
  }
  return set;
}

function emptyMetadata(obj: KubeObject, detail: string, except: readonly string[] = []): FieldError[] {
  const set = metadataSet(obj, except);
  return Object.keys(set).length === 0 ? [] : [FieldError.invalid(FieldPath.root('metadata'), set, detail)];
}

/** allowed is what the AlwaysAllow authorizer answers an access review. */
function allowed<T extends SelfSubjectAccessReview | SubjectAccessReview>(review: T): T {
  review.status = { allowed: true };
  return review;
}

/** answered gives a review the metadata kube-apiserver answers with (none of the client's, no creation time). */
function answered<T extends KubeObject>(review: T, creationTimestamp?: string): T {
  review.metadata = { ...(review.metadata.namespace === undefined ? {} : { namespace: review.metadata.namespace }), creationTimestamp: creationTimestamp ?? null } as T['metadata'];
  return review;
}

const defineReview = (kind: string, resource: string, group: string, namespaced: boolean, spec: Partial<ResourceType>): ResourceType =>
  defineResource({ group, version: 'v1', kind, resource, namespaced, verbs: ['create'], ...spec });

const selfSubjectAccessReviews = defineReview('SelfSubjectAccessReview', 'selfsubjectaccessreviews', 'authorization.k8s.io', false, {
  validate: (o) => [...validateAccessSpec((o as SelfSubjectAccessReview).spec), ...emptyMetadata(o, 'must be empty')],
  review: (o) => answered(allowed(o as SelfSubjectAccessReview)),
});

const subjectAccessReviews = defineReview('SubjectAccessReview', 'subjectaccessreviews', 'authorization.k8s.io', false, {
  validate: (o) => [...validateSubjectAccessSpec((o as SubjectAccessReview).spec), ...emptyMetadata(o, 'must be empty')],
  review: (o) => answered(allowed(o as SubjectAccessReview)),
});

const localSubjectAccessReviews = defineReview('LocalSubjectAccessReview', 'localsubjectaccessreviews', 'authorization.k8s.io', true, {
  validate: (o) => {
    const sar = o as SubjectAccessReview;
    const spec = sar.spec;
    const errs = validateSubjectAccessSpec(spec);
    errs.push(...emptyMetadata(o, 'must be empty except for namespace', ['namespace']));
    const ns = spec?.resourceAttributes?.namespace ?? '';
    if (present(spec?.resourceAttributes) && ns !== (sar.metadata.namespace ?? '')) {
      errs.push(FieldError.invalid(FieldPath.root('spec', 'resourceAttributes', 'namespace'), ns, 'must match metadata.namespace'));
    }
    if (present(spec?.nonResourceAttributes)) {
      errs.push(FieldError.invalid(FieldPath.root('spec', 'nonResourceAttributes'), spec!.nonResourceAttributes, 'disallowed on this kind of request'));
    }
    return errs;
  },
  review: (o) => answered(allowed(o as SubjectAccessReview)),
});

const selfSubjectRulesReviews = defineReview('SelfSubjectRulesReview', 'selfsubjectrulesreviews', 'authorization.k8s.io', false, {
  review: (o) => {
    if (((o as SelfSubjectRulesReview).spec?.namespace ?? '') === '') throw StatusError.badRequest('no namespace on request');
    // A fresh review, as kube's REST answers it: the spec asked about is not echoed.
    const status = {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
    return answered<SelfSubjectRulesReview>({ metadata: {}, spec: {}, status });
  },
});

const selfSubjectReviews = defineReview('SelfSubjectReview', 'selfsubjectreviews', 'authentication.k8s.io', false, {
  review: (o, ctx: ReviewContext) => {
    const ssr = o as SelfSubjectReview;
    const user = ctx.user;
    ssr.status = {
      userInfo: {
        username: user.name,
        ...(user.uid === '' ? {} : { uid: user.uid }),
        ...(user.groups.length === 0 ? {} : { groups: [...user.groups] }),
        ...(user.extra === undefined ? {} : { extra: Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]])) }),
      },
    };
    return answered(ssr, formatTime(ctx.now));
  },
});

/** REVIEWS lists the review resources capstan serves. */
export const REVIEWS: readonly ResourceType[] = [selfSubjectAccessReviews, selfSubjectRulesReviews, subjectAccessReviews, localSubjectAccessReviews, selfSubjectReviews];
