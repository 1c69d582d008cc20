/**
 * ResourceType describes one served resource as kube-apiserver's registry does (a REST storage plus its
 * RESTCreateStrategy/RESTUpdateStrategy/RESTDeleteStrategy): where it lives in the API (group, version,
 * plural, scope), what discovery says of it, and the strategy hooks the generic handlers call on create,
 * update and delete. Strategies are pure: the handler passes in the time, and they mutate only the fresh
 * copy they are given.
 */
import { groupVersionString, type FieldError, type FieldGetters, type KubeObject, type ValidateNameFunc } from '../api/index.js';
import type { Random } from '../util/random.js';
import type { UserInfo } from './authn.js';

/** Verb is a Kubernetes API verb as discovery lists it. */
export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** ALL_VERBS is every verb, for resources that support the full set. */
export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** ScaleSubresource says where a resource keeps what `/scale` reads and writes. */
export interface ScaleSubresource {
  /** specReplicas reads spec.replicas (default 1 when absent, as the defaulted object would have it). */
  specReplicas(obj: KubeObject): number;
  /** setSpecReplicas writes spec.replicas. */
  setSpecReplicas(obj: KubeObject, replicas: number): void;
  /** statusReplicas reads status.replicas. */
  statusReplicas(obj: KubeObject): number;
  /** selector renders the label selector of the pods it scales, as Scale.status.selector. */
  selector(obj: KubeObject): string;
}

/** StrategyContext is what a strategy may depend on besides the objects: the request's time. */
export interface StrategyContext {
  /** now is the request's time, epoch milliseconds. */
  readonly now: number;
}

/** ReviewContext is what answering a review may depend on: who asks, and when. */
export interface ReviewContext {
  readonly user: UserInfo;
  /** now is the request's time, epoch milliseconds. */
  readonly now: number;
}

/** ResourceType is one served resource (see the module comment). */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** resource is the plural, lower-case name in paths: `pods`. */
  readonly resource: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly namespaced: boolean;
  readonly verbs: readonly Verb[];
  /** hasStatus says the object has a status that only the /status subresource writes. */
  readonly hasStatus: boolean;
  /** statusWritableMetadata are the metadata fields a /status write may change (none by default). */
  readonly statusWritableMetadata?: readonly StatusWritableMetadata[];
  readonly scale?: ScaleSubresource;
  /** binding says pods/binding is served. */
  readonly binding?: boolean;
  /** eviction says pods/eviction (policy/v1 Eviction, within the pod's disruption budget) is served. */
  readonly eviction?: boolean;
  /** allowCreateOnUpdate says PUT of a missing object creates it (leases, endpoints, nodes, as Kubernetes). */
  readonly allowCreateOnUpdate: boolean;
  /**
   * allowUnconditionalUpdate false makes a PUT (of the object or its status) without a resourceVersion invalid,
   * as kube's strategies that refuse unconditional updates (PodDisruptionBudgets); absent or true, such a PUT
   * replaces the current object.
   */
  readonly allowUnconditionalUpdate?: boolean;
  /** validateName is the name rule of the kind. */
  readonly validateName: ValidateNameFunc;
  /** fields are the selectable fields beyond metadata.name and metadata.namespace. */
  readonly fields: FieldGetters<KubeObject>;
  /** defaults fills in defaulted fields (SetDefaults_*) on every write. */
  defaults(obj: KubeObject): void;
  /** prepareForCreate clears what a client may not set on create (status, generation …). */
  prepareForCreate(obj: KubeObject, ctx: StrategyContext): void;
  /** prepareForUpdate carries over what a client may not change through this endpoint. */
  prepareForUpdate(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** validate checks an object to create; metadata is validated by the caller. */
  validate(obj: KubeObject): FieldError[];
  /**
   * validateUpdate checks what only an update can break (immutable fields …); the caller also runs validate (unless
   * revalidatesOnUpdate is false) and the metadata checks.
   */
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * validateStatusUpdate, where a kind has it, checks a /status write in place of validate and validateUpdate
   * (kube's status strategies, e.g. ValidatePodStatusUpdate): the spec was carried over from the stored
   * object, so checking it again could only cost time. The caller still runs the metadata checks.
   */
  validateStatusUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * gracePeriodSeconds is the default grace period of a delete (pods: their terminationGracePeriodSeconds,
   * when bound to a node); undefined means the object is removed at once unless finalizers hold it.
   */
  gracePeriodSeconds?(obj: KubeObject): number | undefined;
  /**
   * holdsDeletion says an object whose deletionTimestamp is set must stay although no metadata finalizer is
   * left (a namespace until its spec.finalizers are done).
   */
  holdsDeletion?(obj: KubeObject): boolean;
  /**
   * revalidatesOnUpdate false says an update is checked by validateUpdate alone (kube's ValidatePriorityClassUpdate,
   * which does not run the create checks again); absent or true, validate runs too.
   */
  readonly revalidatesOnUpdate?: boolean;
  /** deletionForbidden, where a kind has objects that cannot be deleted (the system priority classes), says why for name. */
  deletionForbidden?(name: string): string | undefined;
  /** beginDeletion marks an object held by holdsDeletion as being deleted (a namespace's Terminating phase). */
  beginDeletion?(obj: KubeObject): void;
  /**
   * orphansByDefault, set for a kind whose served version orphans its dependents when a delete names no policy
   * (kube's DefaultGarbageCollectionPolicy OrphanDependents: batch/v1 Jobs, for backward compatibility), holds
   * the warning such a delete answers with.
   */
  readonly orphansByDefault?: { readonly warning: string };
  /**
   * claims lists the unique values obj holds while it exists (a Service's cluster IPs and node ports), which
   * the store takes and releases with the object (storage/object-store.ts ClaimChange).
   */
  claims?(obj: KubeObject): string[];
  /**
   * allocate fills in the unique values the client left out (a cluster IP, node ports) by drawing from random,
   * avoiding the claims in taken (those known to be held); the store's claims decide whether the draw was
   * free, and a taken draw is redrawn knowing every claim held.
   */
  allocate?(obj: KubeObject, random: Random, taken?: ReadonlySet<string>): void;
  /** claimPrefixes are the claim families allocate draws from (for listing the claims held). */
  readonly claimPrefixes?: readonly string[];
  /** expires says objects of this kind are written under a lease and expire (events: --event-ttl). */
  readonly expires?: boolean;
  /** claimTaken is the 422 field error for a claim the client chose that another object holds. */
  claimTaken?(claim: string): FieldError;
  /**
   * review makes the resource a review (resources/reviews.ts): created objects are validated (validate only:
   * no name is needed) and answered with what review returns, 201 Created, and never stored.
   */
  review?(obj: KubeObject, ctx: ReviewContext): KubeObject;
}

/** StatusWritableMetadata names metadata a resource may let its /status writers change. */
export type StatusWritableMetadata = 'annotations' | 'finalizers' | 'ownerReferences';

/** SpecStatusObject is an object with a spec and a status, the shape the generic strategies handle. */
export interface SpecStatusObject extends KubeObject {
  spec?: unknown;
  status?: unknown;
}

/** apiVersionOf is the apiVersion objects of r carry: `v1`, `apps/v1`. */
export function apiVersionOf(r: Pick<ResourceType, 'group' | 'version'>): string {
  return groupVersionString(r);
}

/** stampKind sets obj's apiVersion and kind to r's (stored objects carry them, but a client's body may not) and returns it. */
export function stampKind<T extends KubeObject>(r: ResourceType, obj: T): T {
  obj.apiVersion = apiVersionOf(r);
  obj.kind = r.kind;
  return obj;
}
