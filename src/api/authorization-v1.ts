/**
 * authorization.k8s.io/v1: the access reviews, which ask the API server whether a user may do something
 * (SelfSubjectAccessReview — `kubectl auth can-i`; SubjectAccessReview, LocalSubjectAccessReview) or what a
 * user may do in a namespace (SelfSubjectRulesReview — `kubectl auth can-i --list`). They are answered, never
 * stored. Field names and JSON as k8s.io/api/authorization/v1.
 */
import type { KubeObject } from './meta-v1.js';

/** ResourceAttributes describe a resource request (`""` and `"*"` as Kubernetes reads them). */
export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** fieldSelector and labelSelector limit a list or watch (kube 1.31+, alpha: carried, not judged). */
  fieldSelector?: { rawSelector?: string; requirements?: { key: string; operator: string; values?: string[] }[] };
  labelSelector?: { rawSelector?: string; requirements?: { key: string; operator: string; values?: string[] }[] };
}

/** NonResourceAttributes describe a request to a path outside the resource tree (`/healthz`). */
export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

/** SubjectAccessReviewStatus is the answer: allowed, or denied (both false: no opinion). */
export interface SubjectAccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** SelfSubjectAccessReviewSpec holds exactly one of the two kinds of attributes. */
export interface SelfSubjectAccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
}

/** SelfSubjectAccessReview asks whether the requesting user may do something. */
export interface SelfSubjectAccessReview extends KubeObject {
  spec: SelfSubjectAccessReviewSpec;
  status?: SubjectAccessReviewStatus;
}

/** SubjectAccessReviewSpec asks for a given user and groups. */
export interface SubjectAccessReviewSpec extends SelfSubjectAccessReviewSpec {
  user?: string;
  groups?: string[];
  extra?: Record<string, string[] | null>;
  uid?: string;
}

/** SubjectAccessReview (and LocalSubjectAccessReview, namespaced) asks whether a given user may do something. */
export interface SubjectAccessReview extends KubeObject {
  spec: SubjectAccessReviewSpec;
  status?: SubjectAccessReviewStatus;
}

/** ResourceRule is what a user may do to resources (`*` for all). */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** NonResourceRule is what a user may do to non-resource paths. */
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** SubjectRulesReviewStatus lists the rules; incomplete when an authorizer cannot enumerate its own. */
export interface SubjectRulesReviewStatus {
  resourceRules: ResourceRule[] | null;
  nonResourceRules: NonResourceRule[] | null;
  incomplete: boolean;
  evaluationError?: string;
}

/** SelfSubjectRulesReview asks what the requesting user may do in spec.namespace. */
export interface SelfSubjectRulesReview extends KubeObject {
  spec: { namespace?: string };
  status?: SubjectRulesReviewStatus;
}
