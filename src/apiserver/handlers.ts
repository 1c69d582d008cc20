/**
 * RestHandlers implement the verbs on every served resource over the ObjectStore, with kube-apiserver's
 * semantics (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go and the endpoint
 * handlers):
 *
 * - create: generateName, uid, creationTimestamp, defaults, the strategy, validation (422 Invalid),
 *   namespace lifecycle (no objects in a missing or terminating namespace), AlreadyExists (409);
 * - update (PUT) and patch: optimistic concurrency — a client's resourceVersion must still be current
 *   (409 Conflict); without one the handler retries against fresh reads; a write that changes nothing is
 *   not written; PUT of a missing object creates it where the kind allows (leases, endpoints);
 * - delete: preconditions, graceful deletion (deletionTimestamp, pods bound to a node), finalizers and
 *   propagationPolicy (orphan / foregroundDeletion finalizers); an object whose deletionTimestamp is set
 *   goes away when its last finalizer is removed;
 * - subresources: status, scale (autoscaling/v1 Scale), pods/binding, namespaces/finalize.
 *
 * Handlers take parsed requests and return objects; the HTTP shell (server.ts) does the I/O.
 */
import {
  FieldError,
  FieldPath,
  GoRendered,
  formatTime,
  deepCopy,
  jsonEqual,
  generateName,
  validateObjectMeta,
  validateObjectMetaUpdate,
  FINALIZER_DELETE_DEPENDENTS,
  FINALIZER_ORPHAN_DEPENDENTS,
  NAMESPACE_TERMINATING_CAUSE,
  DISRUPTION_TARGET_CONDITION,
  SCHEDULING_GROUP,
  SYSTEM_PRIORITY_CLASSES,
  budgetsSelecting,
  withPodCondition,
  type Binding,
  type DeleteOptions,
  type Eviction,
  type KubeList,
  type KubeObject,
  type Namespace,
  type Pod,
  type PodDisruptionBudget,
  type Scale,
} from '../api/index.js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import type { UserInfo } from './authn.js';
import { StatusError, type QualifiedResource } from './errors.js';
import { budgetBeingProcessed, canIgnoreBudget, enforcesResourceVersion, evictionDeleteOptions, MULTIPLE_BUDGETS, spendDisruption, unreadyMayGo } from './eviction.js';
import type { AdmissionPlugin, Admitter } from './admission.js';
import type { ResourceRegistry } from './registry.js';
import type { RequestInfo } from './request-info.js';
import { apiVersionOf, stampKind, type ResourceType, type StrategyContext } from './resource.js';
import { prepareStatusUpdate } from './resources/generic.js';
import { parseSelection } from './selection.js';
import type { ObjectStore, Versioned } from './storage/object-store.js';
import type { WatchCaches } from './watch-cache.js';
import type { LeaseManager } from './storage/lease-manager.js';
import { decodeContinue, encodeContinue } from './storage/continue-token.js';

/** MAX_UPDATE_RETRIES bounds the re-reads of an update without a client resourceVersion. */
const MAX_UPDATE_RETRIES = 8;
/** MAX_GENERATE_NAME_RETRIES bounds the retries of a generated name that collided. */
const MAX_GENERATE_NAME_RETRIES = 8;

/** Answer is a handler's result: the HTTP code and the body. */
export interface Answer {
  readonly code: number;
  readonly body: unknown;
}

/** SYSTEM_NAMESPACES exist in every cluster; the API server creates them at start. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function qr(r: ResourceType): QualifiedResource {
  return { group: r.group, resource: r.resource };
}

/** comparable is obj as r's kind without its resourceVersion, for telling a no-op update (obj is not modified). */
function comparable(r: ResourceType, obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return { ...obj, apiVersion: apiVersionOf(r), kind: r.kind, metadata: meta };
}

/** rvNumber is rv as a number, or undefined when it is absent or not one. */
function rvNumber(rv: string | undefined): number | undefined {
  return rv !== undefined && /^\d+$/.test(rv) ? Number(rv) : undefined;
}

function parseRV(rv: string | undefined, what = 'resourceVersion'): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  const n = rvNumber(rv);
  if (n === undefined) throw StatusError.badRequest(`invalid ${what}: ${rv}`);
  return n;
}

function uuid(random: Random): string {
  // A version 4 UUID from 128 random bits (two draws of 64), as RFC 4122 lays it out.
  const h = (random.uint64().toString(16).padStart(16, '0') + random.uint64().toString(16).padStart(16, '0')).split('');
  h[12] = '4';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** RestHandlers: see the module comment. */
export class RestHandlers {
  constructor(
    private readonly store: ObjectStore,
    private readonly caches: Pick<WatchCaches, 'for' | 'existing' | 'warm'>,
    private readonly clock: Clock,
    private readonly random: Random,
    /** namespaces is the namespaces resource, whose cache namespace lifecycle checks consult. */
    private readonly namespaces?: ResourceType,
    /** expiring gives the lease and TTL under which objects of expiring kinds (events) are written. */
    private readonly expiring?: { readonly leases: LeaseManager; readonly ttlSeconds: number },
    /** admission runs the plugins that read other objects (LimitRanger, Priority, ResourceQuota); none when undefined. */
    private readonly admission?: AdmissionPlugin,
  ) {}

  private ctx(): StrategyContext {
    return { now: this.clock.now() };
  }

  private keyOf(r: ResourceType, info: RequestInfo, name = info.name): string {
    return this.store.key(r.resource, r.namespaced ? info.namespace : undefined, name);
  }

  private stamp(r: ResourceType, obj: KubeObject): KubeObject {
    return stampKind(r, obj);
  }

  /** get reads one object (404 NotFound when absent). */
  async get(r: ResourceType, info: RequestInfo, query: URLSearchParams): Promise<Answer> {
    const v = await this.store.get(this.keyOf(r, info), query.get('resourceVersion') === '0');
    if (v === undefined) throw StatusError.notFound(qr(r), info.name);
    return { code: 200, body: this.stamp(r, v.obj) };
  }

  /**
   * list reads a collection (all namespaces when the request names none), filtered by selectors, at the
   * latest revision, at an exact one (resourceVersionMatch=Exact, or a continue token), paginated by limit.
   */
  async list(r: ResourceType, info: RequestInfo, query: URLSearchParams): Promise<Answer> {
    const selection = parseSelection(r, query);
    const limit = query.has('limit') ? Number(query.get('limit')) : 0;
    if (!Number.isSafeInteger(limit) || limit < 0) throw StatusError.badRequest(`invalid limit: ${query.get('limit') ?? ''}`);
    const rv = query.get('resourceVersion') ?? '';
    const match = query.get('resourceVersionMatch') ?? '';
    if (match !== '' && match !== 'Exact' && match !== 'NotOlderThan') throw StatusError.badRequest(`resourceVersionMatch: Unsupported value: "${match}"`);
    if (match !== '' && rv === '') throw StatusError.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (match === 'Exact' && rv === '0') throw StatusError.badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
    const prefix = this.store.listPrefix(r.resource, r.namespaced ? info.namespace : undefined);
    const token = query.get('continue') ?? '';
    const cacheable = token === '' && match !== 'Exact' && (rv === '0' || (/^\d+$/.test(rv) && limit === 0));
    const cache = cacheable ? await this.caches.for(r) : undefined;
    if (cache !== undefined && (rv === '0' || cache.revision >= Number(rv))) {
      // resourceVersion "0" (any) or N (not older than N) with the cache already at N: served from this
      // replica's watch cache, whole (as kube-apiserver, which ignores limit for resourceVersion "0").
      const listed = cache.list(prefix, (o) => selection.matches(o));
      const body: KubeList<KubeObject> = { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(listed.revision) }, items: listed.items };
      return { code: 200, body };
    }
    let revision = 0;
    let startKey: string | undefined;
    if (token !== '') {
      if (rv !== '' && rv !== '0') throw StatusError.badRequest('specifying resource version is not allowed when using continue');
      const c = decodeContinue(token, prefix);
      revision = c.revision;
      startKey = c.startKey;
    } else if (rv !== '' && rv !== '0') {
      const n = parseRV(rv)!;
      // An exact read, or (legacy) a paginated read at a resourceVersion, is served at that revision.
      if (match === 'Exact' || (match === '' && limit > 0)) revision = n;
    }
    const page = await this.store.list({
      prefix,
      revision,
      limit,
      ...(startKey === undefined ? {} : { startKey }),
      ...(selection.everything ? {} : { filter: (o: KubeObject) => selection.matches(o) }),
    });
    if (rv !== '' && rv !== '0' && match !== 'Exact' && revision === 0 && page.revision < parseRV(rv)!) {
      throw StatusError.timeout(`Too large resource version: ${rv}, current: ${page.revision}`);
    }
    const list: KubeList<KubeObject> = {
      kind: `${r.kind}List`,
      apiVersion: apiVersionOf(r),
      metadata: {
        resourceVersion: String(page.revision),
        ...(page.nextKey === undefined ? {} : { continue: encodeContinue(page.revision, page.nextKey, prefix) }),
        ...(page.remaining === undefined ? {} : { remainingItemCount: page.remaining }),
      },
      items: page.items.map((v) => this.stamp(r, v.obj)),
    };
    return { code: 200, body: list };
  }

  /**
   * checkNamespace refuses objects in a missing or terminating namespace (NamespaceLifecycle admission). As
   * kube-apiserver's admission, it looks in the replica's cache of namespaces first and reads the store only
   * when the cache does not have it (a namespace created a moment ago through another replica).
   */
  private async checkNamespace(r: ResourceType, namespace: string, namespaces: ResourceType | undefined): Promise<void> {
    if (!r.namespaced) return;
    const nsType = { group: '', resource: 'namespaces' };
    const key = this.store.key('namespaces', undefined, namespace);
    const cached = namespaces === undefined ? undefined : (await this.caches.for(namespaces)).get(key);
    const ns = cached ?? (await this.store.get(key))?.obj;
    if (ns === undefined) throw StatusError.notFound(nsType, namespace);
    if ((ns as Namespace).status?.phase === 'Terminating' || ns.metadata.deletionTimestamp) {
      // as kube's NamespaceLifecycle admission, with the cause that tells controllers not to report it as a failure
      throw StatusError.forbidden(qr(r), '', `unable to create new content in namespace ${namespace} because it is being terminated`, [
        { reason: NAMESPACE_TERMINATING_CAUSE, message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  }

  private checkBodyIdentity(r: ResourceType, info: RequestInfo, obj: KubeObject): void {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw StatusError.badRequest('the body of the request is not a JSON object');
    obj.metadata ??= {};
    if (typeof obj.metadata !== 'object' || obj.metadata === null) throw StatusError.badRequest('metadata must be an object');
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== r.kind) {
      throw StatusError.badRequest(`the API version in the data (${obj.apiVersion ?? ''}) does not match the expected API version (${apiVersionOf(r)})`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== apiVersionOf(r)) {
      throw StatusError.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(r)})`);
    }
    if (r.namespaced) {
      const ns = obj.metadata.namespace ?? '';
      if (ns !== '' && ns !== info.namespace) throw StatusError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = info.namespace;
    } else if ((obj.metadata.namespace ?? '') !== '') {
      delete obj.metadata.namespace;
    }
  }

  /** review answers a review (ResourceType.review): validated, answered 201 Created, never stored. */
  review(r: ResourceType, info: RequestInfo, body: KubeObject, user: UserInfo): Answer {
    this.checkBodyIdentity(r, info, body);
    const errs = r.validate(body);
    if (errs.length > 0) throw StatusError.invalid(r.group, r.kind, '', errs);
    return { code: 201, body: stampKind(r, r.review!(body, { user, now: this.clock.now() })) };
  }

  /** create makes a new object (201 Created). */
  async create(r: ResourceType, info: RequestInfo, body: KubeObject): Promise<Answer> {
    this.checkBodyIdentity(r, info, body);
    if (info.namespace === '' && r.namespaced) throw StatusError.notFoundPath();
    await this.checkNamespace(r, info.namespace, this.namespaces);
    const admitter = await this.admission?.admitterFor(r, info, body);
    const ctx = this.ctx();
    let taken: ReadonlySet<string> | undefined;
    for (let attempt = 0; ; attempt++) {
      const obj = deepCopy(body);
      const meta = obj.metadata;
      const generated = (meta.name ?? '') === '' && (meta.generateName ?? '') !== '';
      if (generated) meta.name = generateName(meta.generateName!, this.random);
      this.prepareCreateMeta(obj, ctx);
      r.defaults(obj);
      admitter?.mutate(obj, undefined);
      r.prepareForCreate(obj, ctx);
      this.validateCreate(r, obj);
      admitter?.validate(obj, undefined);
      const clientClaims = r.claims?.(obj) ?? [];
      r.allocate?.(obj, this.random, taken);
      // Charged once: a retry for a generated name or a drawn claim uses no more than the first try.
      if (attempt === 0) await admitter?.charge?.(obj, undefined, info.dryRun === true);
      // A dry run does everything but the write (allocated values included, held by nothing).
      if (info.dryRun === true) return { code: 201, body: this.stamp(r, obj) };
      const lease = r.expires === true && this.expiring !== undefined ? await this.expiring.leases.lease(this.expiring.ttlSeconds) : undefined;
      const key = this.keyOf(r, info, meta.name!);
      const out = await this.store.create(key, this.stamp(r, obj), r.claims?.(obj) ?? [], lease);
      if (out.ok) return this.answerWritten(r, key, out.value, 201);
      if (out.takenClaim !== undefined) {
        // Another object holds the value: the client's own choice is a 422; a drawn one is drawn again.
        if (clientClaims.includes(out.takenClaim) || attempt >= MAX_GENERATE_NAME_RETRIES) this.claimTaken(r, meta.name!, out.takenClaim);
        taken = await this.store.heldClaims(r.claimPrefixes ?? []);
        continue;
      }
      if (!generated || attempt >= MAX_GENERATE_NAME_RETRIES) throw StatusError.alreadyExists(qr(r), meta.name!);
    }
  }

  private prepareCreateMeta(obj: KubeObject, ctx: StrategyContext): void {
    const meta = obj.metadata;
    meta.uid = uuid(this.random);
    meta.creationTimestamp = formatTime(ctx.now);
    delete meta.resourceVersion;
    delete meta.selfLink;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.generation;
  }

  private claimTaken(r: ResourceType, name: string, claim: string): never {
    const err = r.claimTaken?.(claim) ?? FieldError.invalid(undefined, claim, 'already allocated');
    throw StatusError.invalid(r.group, r.kind, name, [err]);
  }

  private validateCreate(r: ResourceType, obj: KubeObject): void {
    const errs = [...validateObjectMeta(obj.metadata, r.namespaced, r.validateName), ...r.validate(obj)];
    if (errs.length > 0) throw StatusError.invalid(r.group, r.kind, obj.metadata.name ?? '', errs);
  }

  private validateUpdate(r: ResourceType, obj: KubeObject, old: KubeObject, status: boolean): void {
    const own =
      status && r.validateStatusUpdate !== undefined ? r.validateStatusUpdate(obj, old) : [...(r.revalidatesOnUpdate === false ? [] : r.validate(obj)), ...r.validateUpdate(obj, old)];
    const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...own];
    if (errs.length > 0) throw StatusError.invalid(r.group, r.kind, obj.metadata.name ?? '', errs);
  }

  /**
   * guaranteedUpdate applies tryUpdate to the stored object and writes the result guarded by the mod revision
   * it read. When the client named a resourceVersion it must match (else Conflict); otherwise a guard that
   * failed because someone else wrote meanwhile is retried against what they wrote.
   *
   * As kube-apiserver's GuaranteedUpdate with a cached existing object, the first try starts from this
   * replica's watch cache when it holds the object, which saves a store read per update. That state may be
   * stale, so nothing is decided on it alone: a write guarded by a stale revision fails and brings back the
   * current state; a refusal (tryUpdate throwing, a resourceVersion mismatch) or a no-op is only answered
   * after the state is re-read from the store. The cache offers what this replica itself wrote ahead of its
   * watch (WatchCache.wrote), so an agent writing again right after its own write through the same replica
   * starts from that write; a client that names a resourceVersion newer than the cache's guess (its first
   * write went through another replica) skips the cache: the guess is known to be stale.
   */
  private async guaranteedUpdate(
    r: ResourceType,
    info: RequestInfo,
    tryUpdate: (current: Versioned) => { obj: KubeObject; clientRV: number | undefined },
    createIfMissing?: () => Promise<Answer>,
    rvHint?: number,
    /** charge is the admission's last word on the object about to be written (Admitter.charge). */
    charge?: Admitter['charge'],
  ): Promise<Answer> {
    const key = this.keyOf(r, info);
    const cached = info.dryRun === true ? undefined : this.caches.warm(r)?.suggestion(key);
    const suggested = cached !== undefined && (rvHint === undefined || rvHint <= cached.modRevision) ? cached : undefined;
    let current = suggested ?? (await this.store.get(key));
    let authoritative = suggested === undefined;
    const reread = async (): Promise<void> => {
      current = await this.store.get(key);
      authoritative = true;
    };
    let taken: ReadonlySet<string> | undefined;
    let chargedAt: number | undefined;
    for (let attempt = 0; ; attempt++) {
      if (current === undefined) {
        if (createIfMissing !== undefined) return createIfMissing();
        throw StatusError.notFound(qr(r), info.name);
      }
      let tried: { obj: KubeObject; clientRV: number | undefined };
      try {
        tried = tryUpdate(current);
      } catch (err) {
        if (authoritative) throw err;
        await reread();
        continue;
      }
      const { clientRV } = tried;
      // Stored objects carry their kind, as kube-apiserver stores them.
      const obj = this.stamp(r, tried.obj);
      if (clientRV !== undefined && clientRV !== current.modRevision) {
        if (authoritative) throw StatusError.modified(qr(r), info.name);
        await reread();
        continue;
      }
      const clientClaims = r.claims?.(obj) ?? [];
      r.allocate?.(obj, this.random, taken);
      if (jsonEqual(comparable(r, obj), comparable(r, current.obj))) {
        if (authoritative) return { code: 200, body: current.obj };
        await reread();
        continue;
      }
      if (charge !== undefined) {
        // Admission's accounting is judged only against the stored state, never against the cache's guess.
        if (!authoritative) {
          await reread();
          continue;
        }
        // Once per stored state tried against: a retry for a drawn claim uses no more than the first try.
        if (chargedAt !== current.modRevision) await charge(obj, current.obj, info.dryRun === true);
        chargedAt = current.modRevision;
      }
      if (info.dryRun === true) return { code: 200, body: this.stamp(r, { ...obj, metadata: { ...obj.metadata, resourceVersion: current.obj.metadata.resourceVersion } }) };
      const finalize = obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0 && !this.graceRemaining(obj) && r.holdsDeletion?.(obj) !== true;
      const held = r.claims?.(current.obj) ?? [];
      const wanted = finalize ? [] : (r.claims?.(obj) ?? []);
      const claims = { take: wanted.filter((c) => !held.includes(c)), release: held.filter((c) => !wanted.includes(c)) };
      // An expiring object (an event) lives for the TTL after its last write, as kube-apiserver re-leases it.
      const lease = !finalize && r.expires === true && this.expiring !== undefined ? await this.expiring.leases.lease(this.expiring.ttlSeconds) : undefined;
      const out = finalize ? await this.store.delete(key, current.modRevision, held) : await this.store.update(key, obj, current.modRevision, claims, lease);
      if (out.ok) return this.answerWritten(r, key, out.value, 200, finalize === true);
      if (out.takenClaim !== undefined) {
        if (clientClaims.includes(out.takenClaim) || attempt >= MAX_UPDATE_RETRIES) this.claimTaken(r, info.name, out.takenClaim);
        taken = await this.store.heldClaims(r.claimPrefixes ?? []);
        continue;
      }
      const stale = !authoritative;
      current = out.current;
      authoritative = true;
      // A guard that failed on the cache's guess is the expected way a stale guess ends: not a retry used.
      if (stale) {
        attempt--;
        continue;
      }
      if (clientRV !== undefined || attempt >= MAX_UPDATE_RETRIES) {
        if (current === undefined) throw StatusError.notFound(qr(r), info.name);
        throw StatusError.modified(qr(r), info.name);
      }
    }
  }

  /**
   * answerWritten answers with what the store acknowledged under key (stamped with its kind), and tells r's
   * watch cache (if it runs) about it — or, when it was deleted, that it is gone — so that the next update of
   * the object can start from it before the cache's watch brings it.
   */
  private answerWritten(r: ResourceType, key: string, written: Versioned, code: 200 | 201, deleted = false): Answer {
    this.stamp(r, written.obj);
    this.caches.existing(r)?.wrote(key, written, deleted);
    return { code, body: written.obj };
  }

  /** graceRemaining says an object under graceful deletion still waits for its agent (a bound pod). */
  private graceRemaining(obj: KubeObject): boolean {
    return (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0;
  }

  /** update replaces an object (PUT) or its status. */
  async update(r: ResourceType, info: RequestInfo, body: KubeObject): Promise<Answer> {
    this.checkBodyIdentity(r, info, body);
    if ((body.metadata.name ?? '') !== info.name) {
      throw StatusError.badRequest(`the name of the object (${body.metadata.name ?? ''}) does not match the name on the URL (${info.name})`);
    }
    const ctx = this.ctx();
    const status = info.subresource === 'status';
    const admitter = await this.admission?.admitterFor(r, info, body);
    // Only a hint for where to read the current state: the resourceVersion is judged against that state below.
    const rvHint = rvNumber(body.metadata.resourceVersion);
    const createIfMissing =
      r.allowCreateOnUpdate && !status
        ? async (): Promise<Answer> => this.create(r, { ...info, verb: 'create' }, body)
        : undefined;
    return this.guaranteedUpdate(
      r,
      info,
      (current) => {
        const obj = deepCopy(body);
        const clientRV = parseRV(body.metadata.resourceVersion);
        if (clientRV === undefined && r.allowUnconditionalUpdate === false) {
          // kube's Store.Update names the resource where the kind goes (its TODO), and prints the uint64 0 as Go's %#v.
          throw StatusError.invalid(r.group, r.resource, info.name, [FieldError.invalid(FieldPath.root('metadata', 'resourceVersion'), new GoRendered('0x0'), 'must be specified for an update')]);
        }
        this.checkPreconditions(r, info, current, clientRV, body.metadata.uid);
        return { obj: this.prepareUpdate(r, obj, current.obj, status, ctx, admitter), clientRV };
      },
      createIfMissing,
      rvHint,
      admitter?.charge?.bind(admitter),
    );
  }

  /** prepareUpdate carries over what the client may not change and validates; it returns obj. */
  /**
   * checkPreconditions applies what a client's object asserts before anything is validated (so a stale
   * client gets the 409 that makes it refetch, not a 422): its resourceVersion and its uid must be the stored
   * object's.
   */
  private checkPreconditions(r: ResourceType, info: RequestInfo, current: Versioned, clientRV: number | undefined, uid: string | undefined): void {
    if (clientRV !== undefined && clientRV !== current.modRevision) throw StatusError.modified(qr(r), info.name);
    const stored = current.obj.metadata.uid ?? '';
    if (uid !== undefined && uid !== '' && uid !== stored) {
      throw StatusError.conflict(qr(r), info.name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stored}`);
    }
  }

  private prepareUpdate(r: ResourceType, obj: KubeObject, old: KubeObject, status: boolean, ctx: StrategyContext, admitter: Admitter | undefined): KubeObject {
    const meta = obj.metadata;
    const oldMeta = old.metadata;
    // Only the strategy moves generation: a client's value is never taken.
    if (oldMeta.generation === undefined) delete meta.generation;
    else meta.generation = oldMeta.generation;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
    else meta.deletionTimestamp = oldMeta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
    else meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    r.defaults(obj);
    admitter?.mutate(obj, old);
    if (status) prepareStatusUpdate(obj, old, r.statusWritableMetadata);
    else r.prepareForUpdate(obj, old, ctx);
    // The resourceVersion was checked against the stored one; validation sees the stored one.
    meta.resourceVersion = oldMeta.resourceVersion;
    this.validateUpdate(r, obj, old, status);
    admitter?.validate(obj, old);
    return obj;
  }

  /**
   * patch applies a patch to the stored object (or its status) and writes it as an update. The patch
   * function (patch/, which also guards name, namespace and uid) is retried against fresh reads unless the
   * patch itself carries a resourceVersion.
   */
  async patch(r: ResourceType, info: RequestInfo, applyPatch: (current: KubeObject) => KubeObject): Promise<Answer> {
    const ctx = this.ctx();
    const status = info.subresource === 'status';
    const admitter = await this.admission?.admitterFor(r, info, undefined);
    return this.guaranteedUpdate(r, info, (current) => {
      const patched = applyPatch(this.stamp(r, deepCopy(current.obj)));
      if (typeof patched !== 'object' || patched === null || typeof patched.metadata !== 'object' || patched.metadata === null) {
        throw StatusError.badRequest('the patched object is not a valid object');
      }
      const rv = patched.metadata.resourceVersion;
      const clientRV = rv !== undefined && rv !== current.obj.metadata.resourceVersion ? parseRV(rv) : undefined;
      this.checkPreconditions(r, info, current, clientRV, patched.metadata.uid);
      this.checkBodyIdentity(r, info, patched);
      return { obj: this.prepareUpdate(r, patched, current.obj, status, ctx, admitter), clientRV };
    }, undefined, undefined, admitter?.charge?.bind(admitter));
  }

  /** delete deletes one object, gracefully or held by finalizers as Kubernetes does. */
  async delete(r: ResourceType, info: RequestInfo, options: DeleteOptions): Promise<Answer> {
    // As kube's REST.Delete of such a kind, before anything is read; its collection delete does not ask (deleteOne).
    const forbidden = r.deletionForbidden?.(info.name);
    if (forbidden !== undefined) throw StatusError.forbidden(qr(r), info.name, forbidden);
    return this.deleteOne(r, info, options);
  }

  /** deleteOne deletes one object as delete does, without the kind's refusals of single deletes. */
  private async deleteOne(r: ResourceType, info: RequestInfo, options: DeleteOptions): Promise<Answer> {
    const key = this.keyOf(r, info);
    const ctx = this.ctx();
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(key);
      if (current === undefined) throw StatusError.notFound(qr(r), info.name);
      const meta = current.obj.metadata;
      const pre = options.preconditions;
      if (pre?.uid !== undefined && pre.uid !== meta.uid) {
        throw StatusError.conflict(qr(r), info.name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
      }
      if (pre?.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
        throw StatusError.conflict(qr(r), info.name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`);
      }
      const next = deepCopy(current.obj);
      const finalizers = new Set(next.metadata.finalizers ?? []);
      // As kube-apiserver's deletionFinalizersForGarbageCollection: the policy asked for replaces the other
      // one's finalizer (Background clears both), so the garbage collector sees one consistent request. With
      // none asked for, a garbage-collection finalizer the object has stays; without one, a kind whose served
      // version orphans by default (batch/v1 Jobs) is orphaned.
      const policy = deletionPolicy(options, finalizers, r.orphansByDefault !== undefined);
      if (policy === 'Orphan') {
        finalizers.add(FINALIZER_ORPHAN_DEPENDENTS);
        finalizers.delete(FINALIZER_DELETE_DEPENDENTS);
      } else if (policy === 'Foreground') {
        finalizers.add(FINALIZER_DELETE_DEPENDENTS);
        finalizers.delete(FINALIZER_ORPHAN_DEPENDENTS);
      } else if (policy === 'Background') {
        finalizers.delete(FINALIZER_ORPHAN_DEPENDENTS);
        finalizers.delete(FINALIZER_DELETE_DEPENDENTS);
      }
      const grace = options.gracePeriodSeconds ?? r.gracePeriodSeconds?.(current.obj);
      const graceful = grace !== undefined && grace > 0 && r.gracePeriodSeconds?.(current.obj) !== undefined;
      const held = r.holdsDeletion?.(current.obj) === true;
      let out;
      const deleted = finalizers.size === 0 && !graceful && !held;
      if (deleted) {
        if (info.dryRun === true) return { code: 200, body: this.stamp(r, current.obj) };
        out = await this.store.delete(key, current.modRevision, r.claims?.(current.obj) ?? []);
      } else {
        if (finalizers.size > 0) next.metadata.finalizers = [...finalizers];
        else delete next.metadata.finalizers;
        if (!next.metadata.deletionTimestamp) {
          next.metadata.deletionTimestamp = formatTime(ctx.now + (graceful ? grace * 1000 : 0));
          next.metadata.deletionGracePeriodSeconds = graceful ? grace : 0;
        } else if (graceful && grace < (next.metadata.deletionGracePeriodSeconds ?? Infinity)) {
          next.metadata.deletionTimestamp = formatTime(ctx.now + grace * 1000);
          next.metadata.deletionGracePeriodSeconds = grace;
        } else if (!graceful) {
          // Deleting again without a grace period makes the deletion due now (as kube-apiserver does).
          next.metadata.deletionTimestamp = formatTime(ctx.now);
          next.metadata.deletionGracePeriodSeconds = 0;
        }
        if (held) r.beginDeletion?.(next);
        if (jsonEqual(next, current.obj)) return { code: 200, body: this.stamp(r, current.obj) };
        if (info.dryRun === true) return { code: 200, body: this.stamp(r, next) };
        out = await this.store.update(key, next, current.modRevision);
      }
      if (out.ok) return this.answerWritten(r, key, out.value, 200, deleted);
      if (out.current === undefined) throw StatusError.notFound(qr(r), info.name);
      if (attempt >= MAX_UPDATE_RETRIES) throw StatusError.modified(qr(r), info.name);
    }
  }

  /** deleteCollection deletes every selected object of a collection, each as delete would. */
  async deleteCollection(r: ResourceType, info: RequestInfo, query: URLSearchParams, options: DeleteOptions): Promise<Answer> {
    const listed = (await this.list(r, info, query)).body as KubeList<KubeObject>;
    const items: KubeObject[] = [];
    for (const obj of listed.items) {
      try {
        const a = await this.deleteOne(r, { ...info, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', verb: 'delete' }, options);
        items.push(a.body as KubeObject);
      } catch (err) {
        if (!(err instanceof StatusError && err.httpCode === 404)) throw err;
      }
    }
    return { code: 200, body: { ...listed, items } };
  }

  /** getScale reads the scale subresource (autoscaling/v1 Scale). */
  async getScale(r: ResourceType, info: RequestInfo): Promise<Answer> {
    const v = await this.store.get(this.keyOf(r, info));
    if (v === undefined) throw StatusError.notFound(qr(r), info.name);
    return { code: 200, body: this.scaleOf(r, v.obj) };
  }

  private scaleOf(r: ResourceType, obj: KubeObject): Scale {
    const s = r.scale!;
    const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
      spec: { replicas: s.specReplicas(obj) },
      status: { replicas: s.statusReplicas(obj), selector: s.selector(obj) },
    };
  }

  /** updateScale writes spec.replicas through the scale subresource (PUT, or a patch of the Scale). */
  async updateScale(r: ResourceType, info: RequestInfo, change: (scale: Scale) => Scale): Promise<Answer> {
    const ctx = this.ctx();
    const answer = await this.guaranteedUpdate(r, info, (current) => {
      const wanted = change(this.scaleOf(r, current.obj));
      if (typeof wanted !== 'object' || wanted === null) throw StatusError.badRequest('the body is not a Scale object');
      wanted.metadata ??= {};
      if ((wanted.metadata.name ?? info.name) !== info.name) {
        throw StatusError.badRequest(`the name of the object (${wanted.metadata.name ?? ''}) does not match the name on the URL (${info.name})`);
      }
      const replicas = wanted.spec?.replicas ?? 0;
      if (!Number.isSafeInteger(replicas) || replicas < 0) {
        throw StatusError.invalid('autoscaling', 'Scale', info.name, [FieldError.invalid(FieldPath.root('spec', 'replicas'), replicas, 'must be greater than or equal to 0')]);
      }
      const obj = deepCopy(current.obj);
      r.scale!.setSpecReplicas(obj, replicas);
      return { obj: this.prepareUpdate(r, obj, current.obj, false, ctx, undefined), clientRV: parseRV(wanted.metadata.resourceVersion !== current.obj.metadata.resourceVersion ? wanted.metadata.resourceVersion : undefined) };
    });
    return { code: 200, body: this.scaleOf(r, answer.body as KubeObject) };
  }

  /** bind binds a pod to a node (pods/binding): 409 if it is already bound or being deleted. */
  async bind(r: ResourceType, info: RequestInfo, binding: Binding): Promise<Answer> {
    if ((binding.metadata?.name ?? info.name) !== info.name) throw StatusError.badRequest('the name of the Binding does not match the name of the pod');
    const node = binding?.target?.name ?? '';
    if (node === '') throw StatusError.invalid('', 'Binding', info.name, [FieldError.required(FieldPath.root('target', 'name'), '')]);
    const ctx = this.ctx();
    await this.guaranteedUpdate(r, info, (current) => {
      const pod = deepCopy(current.obj) as Pod;
      // kube-apiserver's BindingREST reports these as conflicts on pods/binding.
      const bindingResource = { group: r.group, resource: `${r.resource}/binding` };
      if (pod.metadata.deletionTimestamp) throw StatusError.conflict(bindingResource, info.name, `pod ${info.name} is being deleted, cannot be assigned to a host`);
      if ((pod.spec?.nodeName ?? '') !== '') throw StatusError.conflict(bindingResource, info.name, `pod ${info.name} is already assigned to node "${pod.spec!.nodeName!}"`);
      pod.spec = { ...(pod.spec ?? { containers: [] }), nodeName: node };
      const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: formatTime(ctx.now) });
      pod.status = { ...(pod.status ?? {}), conditions };
      const uidPre = binding.metadata?.uid;
      if (uidPre !== undefined && uidPre !== '' && uidPre !== pod.metadata.uid) throw StatusError.conflict(qr(r), info.name, 'the UID in the binding does not match the pod');
      return { obj: pod, clientRV: parseRV(binding.metadata?.resourceVersion) };
    });
    return createdStatus();
  }

  /**
   * evict is pods/eviction (kube's EvictionREST.Create): a pod whose disruption budget can be ignored (terminal,
   * pending, terminating) is deleted; a pod selected by two budgets gets kube's 500; one selected by a budget is
   * deleted once the budget allows a disruption, which is spent (429 TooManyRequests when none is left, or while
   * the budget's status is behind its spec) — or, not ready, without spending it while the budget is met (or under
   * AlwaysAllow), at the version judged. The pod is marked DisruptionTarget first, then deleted gracefully with
   * the Eviction's deleteOptions. Reads are from the store, as kube's are.
   */
  async evict(r: ResourceType, budgets: ResourceType, info: RequestInfo, eviction: Eviction, requestDryRun: readonly string[]): Promise<Answer> {
    const bodyNamespace = eviction.metadata?.namespace ?? '';
    if (bodyNamespace !== '' && bodyNamespace !== info.namespace) throw StatusError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if ((eviction.metadata?.name ?? '') !== info.name) throw StatusError.badRequest('name in URL does not match name in Eviction object');
    const options = evictionDeleteOptions(eviction, requestDryRun);
    const dryRun = (options.dryRun ?? []).length > 0;
    const callerRV = options.preconditions?.resourceVersion;
    const podInfo: RequestInfo = { ...info, subresource: '', ...(dryRun ? { dryRun: true } : {}) };
    let pod: Pod;
    // A pod the budget need not be asked about is deleted at once; a conflict (it changed) is retried, unless the
    // caller named the version to delete.
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(this.keyOf(r, info));
      if (current === undefined) throw StatusError.notFound(qr(r), info.name);
      pod = current.obj as Pod;
      if (!canIgnoreBudget(pod)) break;
      const pinned = enforcesResourceVersion(pod) && callerRV === undefined ? withResourceVersion(options, current.obj.metadata.resourceVersion) : options;
      try {
        await this.markAndDelete(r, podInfo, pinned);
        return createdStatus();
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === 'Conflict') || callerRV !== undefined || attempt >= MAX_UPDATE_RETRIES) throw err;
      }
    }
    const listed = await this.store.list({ prefix: this.store.listPrefix(budgets.resource, pod.metadata.namespace) });
    const selecting = budgetsSelecting(pod, listed.items.map((i) => i.obj as PodDisruptionBudget));
    if (selecting.length > 1) return { code: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MULTIPLE_BUDGETS, code: 500 } };
    const budget = selecting[0];
    const bypass = budget !== undefined && unreadyMayGo(pod, budget);
    if (budget !== undefined && !bypass) {
      const budgetInfo: RequestInfo = {
        verb: 'update',
        group: budgets.group,
        version: budgets.version,
        namespace: pod.metadata.namespace ?? '',
        resource: budgets.resource,
        subresource: 'status',
        name: budget.metadata.name ?? '',
        ...(dryRun ? { dryRun: true } : {}),
      };
      const now = this.clock.now();
      // Conflicts are retried; once the retries are spent the last Conflict is the answer (as kube's retry.OnError).
      await this.guaranteedUpdate(budgets, budgetInfo, (current) => ({ obj: spendDisruption(deepCopy(current.obj) as PodDisruptionBudget, info.name, now, dryRun), clientRV: undefined }));
    }
    const pinned = bypass && callerRV === undefined;
    try {
      await this.markAndDelete(r, podInfo, pinned ? withResourceVersion(options, pod.metadata.resourceVersion) : options);
    } catch (err) {
      // The pod changed since it was judged not ready: the client is asked to try again.
      if (pinned && err instanceof StatusError && err.reason === 'Conflict') throw budgetBeingProcessed(budget.metadata.name ?? '');
      throw err;
    }
    return createdStatus();
  }

  /**
   * markAndDelete is addConditionAndDeletePod: the pod (checked against the preconditions) gets the
   * DisruptionTarget condition, a resourceVersion precondition moves to that write, and the pod is deleted with
   * options. A dry run only deletes (dry).
   */
  private async markAndDelete(r: ResourceType, info: RequestInfo, options: DeleteOptions): Promise<void> {
    let opts = options;
    if (info.dryRun !== true) {
      // kube names the kind where the resource goes in these two conflicts (`on Pod "name"`).
      const asKind = { group: r.group, resource: r.kind };
      const marked = await this.guaranteedUpdate(r, info, (current) => {
        const pre = options.preconditions;
        const meta = current.obj.metadata;
        if (pre?.uid !== undefined && pre.uid !== '' && pre.uid !== meta.uid) {
          throw StatusError.conflict(asKind, info.name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${meta.uid ?? ''}). The object might have been deleted and then recreated`);
        }
        if (pre?.resourceVersion !== undefined && pre.resourceVersion !== '' && pre.resourceVersion !== meta.resourceVersion) {
          throw StatusError.conflict(
            asKind,
            info.name,
            `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${meta.resourceVersion ?? ''}). The object might have been modified`,
          );
        }
        const pod = deepCopy(current.obj) as Pod;
        pod.status = { ...(pod.status ?? {}), conditions: withPodCondition(pod.status?.conditions, DISRUPTION_TARGET, this.clock.now()) };
        return { obj: pod, clientRV: undefined };
      });
      const rv = (marked.body as KubeObject).metadata.resourceVersion;
      // A resourceVersion precondition (even an empty one) now names this write's version.
      if (options.preconditions?.resourceVersion !== undefined && rv !== undefined) opts = withResourceVersion(options, rv);
    }
    await this.delete(r, info, opts);
  }

  /** finalize writes a namespace's spec.finalizers (namespaces/<name>/finalize), as the namespace controller does. */
  async finalizeNamespace(r: ResourceType, info: RequestInfo, body: Namespace): Promise<Answer> {
    return this.guaranteedUpdate(r, info, (current) => {
      const ns = deepCopy(current.obj) as Namespace;
      ns.spec = { ...(ns.spec ?? {}), finalizers: [...(body.spec?.finalizers ?? [])] };
      const done = ns.metadata.deletionTimestamp && (ns.spec.finalizers ?? []).length === 0 && (ns.metadata.finalizers ?? []).length === 0;
      if (done) ns.metadata.finalizers = [];
      return { obj: ns, clientRV: parseRV(body.metadata?.resourceVersion) };
    });
  }

  /**
   * ensureSystemObjects creates what every cluster has where it is missing (never overwriting it): the system
   * namespaces (the bootstrap controller's) and the system priority classes (kube-apiserver's
   * scheduling/bootstrap-system-priority-classes), of the kinds registry serves.
   */
  async ensureSystemObjects(registry: Pick<ResourceRegistry, 'lookup'>): Promise<void> {
    const namespaces = registry.lookup('', 'v1', 'namespaces');
    if (namespaces !== undefined) await this.ensureSystemNamespaces(namespaces);
    const priorityClasses = registry.lookup(SCHEDULING_GROUP, 'v1', 'priorityclasses');
    if (priorityClasses !== undefined) await this.ensureObjects(priorityClasses, SYSTEM_PRIORITY_CLASSES);
  }

  /** ensureSystemNamespaces creates default, kube-system, kube-public and kube-node-lease if missing. */
  async ensureSystemNamespaces(namespaces: ResourceType): Promise<void> {
    await this.ensureObjects(
      namespaces,
      SYSTEM_NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    );
  }

  /** ensureObjects creates each of objects (cluster-scoped, of r) that does not exist; existing ones are left as they are. */
  async ensureObjects(r: ResourceType, objects: readonly Readonly<KubeObject>[]): Promise<void> {
    for (const obj of objects) {
      const info: RequestInfo = { verb: 'create', group: r.group, version: r.version, namespace: '', resource: r.resource, subresource: '', name: '' };
      try {
        await this.create(r, info, deepCopy(obj as KubeObject));
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
      }
    }
  }
}

/** createdStatus is the answer of a subresource create that returns no object (pods/binding, pods/eviction). */
function createdStatus(): Answer {
  return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
}

/** DISRUPTION_TARGET is the condition an eviction puts on the pod it deletes. */
const DISRUPTION_TARGET = { type: DISRUPTION_TARGET_CONDITION, status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' } as const;

/** withResourceVersion is options with a resourceVersion precondition (setPreconditionsResourceVersion). */
function withResourceVersion(options: DeleteOptions, resourceVersion: string | undefined): DeleteOptions {
  return { ...options, preconditions: { ...(options.preconditions ?? {}), ...(resourceVersion === undefined ? {} : { resourceVersion }) } };
}

/**
 * deletionPolicy is the propagation a delete asks for: its propagationPolicy, or the deprecated orphanDependents
 * (true: Orphan, false: Background); with neither, undefined while the object holds a garbage-collection
 * finalizer (it stands), else Orphan for a kind that orphans by default (kube's DefaultGarbageCollectionPolicy).
 */
function deletionPolicy(options: DeleteOptions, finalizers: ReadonlySet<string>, orphansByDefault: boolean): DeleteOptions['propagationPolicy'] {
  if (options.orphanDependents !== undefined) return options.orphanDependents ? 'Orphan' : 'Background';
  if (options.propagationPolicy !== undefined) return options.propagationPolicy;
  if (finalizers.has(FINALIZER_ORPHAN_DEPENDENTS) || finalizers.has(FINALIZER_DELETE_DEPENDENTS)) return undefined;
  return orphansByDefault ? 'Orphan' : undefined;
}
