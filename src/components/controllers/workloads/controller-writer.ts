/**
 * ControllerWriter is how a workload controller writes while it leads: through the controller-manager's
 * actingWrite, so every write is recorded in the component's journal before it is sent and refused
 * (NotLeadingError) once the leadership signal has aborted. It also performs the controller reference
 * manager's writes (claim): adopting matching orphans after re-reading the owner from the API server (an owner
 * deleted meanwhile must not adopt — kube's RecheckDeletionTimestamp) and releasing objects that stopped
 * matching, tolerating objects that vanished or changed meanwhile (the next sync sees them anew).
 */
import { controllerOf, deepCopy, type ControllerRevision, type DeepReadonly, type GroupVersionKind, type KubeObject, type Selector } from '../../../api/index.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/errors.js';
import { CONTROLLER_REVISIONS, type ResourceDescriptor } from '../../client/resource.js';
import type { ComponentContext } from '../../runtime/controller.js';
import { newRevision, revisionMatches, type HistoryOwner } from './controller-history.js';
import { adoptPatch, claimDecisions, releasePatch } from './controller-ref-manager.js';
import { actingWrite, cacheKey } from '../worker-loop.js';

/** COLLISION_RETRIES bounds how many hash collisions one createRevision steps over before giving up until the next sync. */
const COLLISION_RETRIES = 10;

/** ClaimSpec says whose objects are claimed and how the writes are named in the journal. */
export interface ClaimSpec<O extends KubeObject> {
  readonly owner: DeepReadonly<O>;
  readonly ownerResource: ResourceDescriptor;
  readonly ownerKind: GroupVersionKind;
  readonly resource: ResourceDescriptor;
  readonly selector: Selector;
  /** noun names the claimed objects in journal actions: `pod` gives `adopt-pod` and `release-pod`. */
  readonly noun: string;
  /** filter narrows what matches beyond the selector (a StatefulSet's pods must be named as its members). */
  readonly filter?: (obj: DeepReadonly<KubeObject>) => boolean;
  /** finalizer is added on adoption and removed on release (a Job's tracking finalizer). */
  readonly finalizer?: string;
}

/** ControllerWriter gates a controller's writes on its leadership and journals them; see the module comment. */
export class ControllerWriter {
  constructor(
    private readonly ctx: ComponentContext,
    private readonly signal: AbortSignal,
  ) {}

  /** write journals action on object and sends it, or throws NotLeadingError if the controller no longer leads. */
  write<T>(action: string, object: string, send: () => Promise<T>, detail?: Readonly<Record<string, string | number | boolean>>): Promise<T> {
    return actingWrite(this.ctx, this.signal, action, object, send, detail);
  }

  /** claim adopts and releases candidates as claimDecisions says and returns the objects the owner now controls. */
  async claim<O extends KubeObject, T extends KubeObject>(spec: ClaimSpec<O>, candidates: readonly DeepReadonly<T>[]): Promise<DeepReadonly<T>[]> {
    const { owner, resource } = spec;
    const { owned, adopt, release } = claimDecisions(owner, spec.selector, candidates, spec.filter);
    const claimed: DeepReadonly<T>[] = [...owned];
    const ownerName = owner.metadata.name ?? '';
    if (adopt.length > 0 && (await this.ownerStillLive(spec))) {
      for (const obj of adopt) {
        const patch = adoptPatch(obj, owner, spec.ownerKind, spec.finalizer);
        const patched = await this.tolerant(this.write(`adopt-${spec.noun}`, cacheKey(obj), () => this.ctx.client.patch<T>(resource, obj.metadata.namespace, obj.metadata.name ?? '', 'merge', patch), { owner: ownerName }));
        if (patched !== undefined) claimed.push(patched as DeepReadonly<T>);
      }
    }
    for (const obj of release) {
      const patch = releasePatch(obj, owner, spec.finalizer);
      await this.tolerant(this.write(`release-${spec.noun}`, cacheKey(obj), () => this.ctx.client.patch<T>(resource, obj.metadata.namespace, obj.metadata.name ?? '', 'merge', patch), { owner: ownerName }));
    }
    return claimed;
  }

  /** ownerStillLive re-reads the owner: it may adopt only if it still exists with the same uid and is not being deleted. */
  private async ownerStillLive<O extends KubeObject>(spec: ClaimSpec<O>): Promise<boolean> {
    const fresh = await this.tolerant(this.ctx.client.get<O>(spec.ownerResource, spec.owner.metadata.namespace, spec.owner.metadata.name ?? ''));
    return fresh !== undefined && fresh.metadata.uid === spec.owner.metadata.uid && !fresh.metadata.deletionTimestamp;
  }

  /**
   * writeStatus writes obj's status through /status, setStatus filling it in on a copy, and re-reads the
   * object once after a conflict (kube's controllers retry once, the next sync does the rest); an object
   * deleted meanwhile is no error (undefined).
   */
  async writeStatus<T extends KubeObject>(
    resource: ResourceDescriptor,
    obj: DeepReadonly<T>,
    setStatus: (o: T) => void,
    action: string,
    detail?: Readonly<Record<string, string | number | boolean>>,
  ): Promise<T | undefined> {
    let current = deepCopy(obj) as T;
    for (let attempt = 0; ; attempt++) {
      setStatus(current);
      const body = current;
      try {
        return await this.write(action, cacheKey(obj), () => this.ctx.client.updateStatus<T>(resource, body), detail);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err) || attempt >= 1) throw err;
        current = await this.ctx.client.get<T>(resource, obj.metadata.namespace, obj.metadata.name ?? '');
      }
    }
  }

  /**
   * createRevision creates the ControllerRevision of owner's current template at revision (history's
   * CreateControllerRevision): a name that another template, or another owner, holds is a hash collision, and the
   * revision is hashed anew with the next count. It returns the revision (an equal one of owner's found under the
   * name serves) and the collision count it took, which the caller records in the owner's status.
   */
  async createRevision(owner: HistoryOwner, kind: GroupVersionKind, revision: number, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    for (let attempt = 0; attempt < COLLISION_RETRIES; attempt++) {
      const body = newRevision(owner, kind, revision, collisionCount);
      const name = body.metadata.name ?? '';
      try {
        const created = await this.write('create-controllerrevision', `${body.metadata.namespace ?? ''}/${name}`, () => this.ctx.client.create<ControllerRevision>(CONTROLLER_REVISIONS, body.metadata.namespace, body), { revision });
        return { revision: created, collisionCount };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const existing = await this.ctx.client.get<ControllerRevision>(CONTROLLER_REVISIONS, body.metadata.namespace, name);
      if (revisionMatches(owner, existing) && controllerOf(existing)?.uid === owner.metadata.uid) return { revision: existing, collisionCount };
      collisionCount++;
    }
    throw new Error(`${kind.kind} ${cacheKey(owner)}: ${COLLISION_RETRIES} hash collisions in a row creating its revision`);
  }

  /** tolerant resolves undefined when the object is gone or changed meanwhile (a NotLeadingError still throws). */
  async tolerant<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return undefined;
      throw err;
    }
  }
}
