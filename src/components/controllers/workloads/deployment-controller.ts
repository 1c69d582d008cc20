/**
 * The Deployment controller (kube's pkg/controller/deployment): event handlers enqueue Deployment keys; a
 * worker's sync claims the Deployment's ReplicaSets (adopting matching orphans, releasing ones that no longer
 * match), asks planDeploymentSync what to write, and writes it in order — ReplicaSet creations, updates and
 * deletions, then the Deployment's status — stopping at the first failure (the key is retried, rate-limited).
 * Every write is journalled before it is sent, and nothing is written once the leadership signal has aborted.
 * A ReplicaSet scaled (or created with replicas) is a ScalingReplicaSet Event on the Deployment, as in kube.
 */
import {
  controllerOf,
  deepCopy,
  labelSelectorAsSelector,
  metaNamespaceKey,
  type DeepReadonly,
  type Deployment,
  type LabelSelector,
  type Pod,
  type ReplicaSet,
  type Selector,
} from '../../../api/index.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/errors.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { tombstoneObject, type DeletedFinalStateUnknown } from '../../client/informer.js';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import { eventRecorder, type ComponentContext, type Controller } from '../../runtime/controller.js';
import { ControllerWriter } from './controller-writer.js';
import { NotLeadingError, cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import type { DeploymentAction } from './deployment-plan.js';
import { DEPLOYMENT_KIND, planDeploymentSync } from './deployment-sync.js';
import { REASONS, hasProgressDeadline, isRollingUpdate, newCondition, setCondition } from './deployment-util.js';
import { equalIgnoreHash } from './pod-template-hash.js';
import { listInNamespace, namespacedInformer, resolveControllerRef } from './shared-informers.js';

/** DeploymentControllerOptions tune the controller. */
export interface DeploymentControllerOptions {
  /** workers is --concurrent-deployment-syncs (default 5). */
  readonly workers?: number;
}

/** deploymentController is the `deployment` controller of the controller-manager; see the module comment. */
export function deploymentController(options: DeploymentControllerOptions = {}): Controller {
  return {
    name: 'deployment',
    run: (ctx, signal) => new DeploymentSyncer(ctx, signal, options).run(),
  };
}

type RoDeployment = DeepReadonly<Deployment>;
type RoReplicaSet = DeepReadonly<ReplicaSet>;
type RoPod = DeepReadonly<Pod>;

function selectorOf(d: RoDeployment): Selector | undefined {
  const sel = d.spec?.selector;
  if (sel === undefined || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) return undefined;
  try {
    return labelSelectorAsSelector(sel as LabelSelector);
  } catch {
    return undefined;
  }
}

class DeploymentSyncer {
  private readonly queue: WorkQueue<string>;
  private readonly log: ComponentContext['log'];
  private readonly dInformer;
  private readonly rsInformer;
  private readonly podInformer;
  private readonly writer: ControllerWriter;
  private readonly events: EventRecorder;

  constructor(
    private readonly ctx: ComponentContext,
    private readonly signal: AbortSignal,
    private readonly options: DeploymentControllerOptions,
  ) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.log = ctx.log.child({ controller: 'deployment' });
    this.writer = new ControllerWriter(ctx, signal);
    this.events = eventRecorder(ctx, signal, 'deployment-controller');
    this.dInformer = namespacedInformer<Deployment>(ctx.informers, DEPLOYMENTS);
    this.rsInformer = namespacedInformer<ReplicaSet>(ctx.informers, REPLICA_SETS);
    this.podInformer = namespacedInformer<Pod>(ctx.informers, PODS);
  }

  async run(): Promise<void> {
    const registrations = [
      this.dInformer.addEventHandler({
        onAdd: (d) => this.enqueue(d),
        onUpdate: (_old, d) => this.enqueue(d),
        onDelete: (obj) => this.enqueue(tombstoneObject(obj)),
      }),
      this.rsInformer.addEventHandler({
        onAdd: (rs) => this.addReplicaSet(rs),
        onUpdate: (old, cur) => this.updateReplicaSet(old, cur),
        onDelete: (obj) => this.deleteReplicaSet(obj),
      }),
      this.podInformer.addEventHandler({ onDelete: (obj) => this.deletePod(obj) }),
    ];
    const workers = this.options.workers ?? 5;
    try {
      if (!(await syncInformers(this.ctx, this.signal))) return;
      this.log.info({ workers }, 'deployment controller started');
      await runWorkers('deployment', this.queue, workers, (key) => this.sync(key), this.signal, this.log);
    } finally {
      this.queue.shutDown();
      for (const r of registrations) r.remove();
    }
  }

  private enqueue(d: RoDeployment): void {
    this.queue.add(cacheKey(d));
  }

  private resolveControllerRef(rs: RoReplicaSet): RoDeployment | undefined {
    return resolveControllerRef(this.dInformer.cache, rs, 'Deployment');
  }

  private deploymentsMatching(rs: RoReplicaSet): RoDeployment[] {
    return listInNamespace(this.dInformer.cache, rs.metadata.namespace ?? '').filter((d) => selectorOf(d)?.matches(rs.metadata.labels) === true);
  }

  private addReplicaSet(rs: RoReplicaSet): void {
    if (rs.metadata.deletionTimestamp) {
      this.deleteReplicaSet(rs);
      return;
    }
    if (controllerOf(rs as ReplicaSet) !== undefined) {
      const d = this.resolveControllerRef(rs);
      if (d !== undefined) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsMatching(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: RoReplicaSet, cur: RoReplicaSet): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const oldRef = controllerOf(old as ReplicaSet);
    const curRef = controllerOf(cur as ReplicaSet);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef !== undefined) {
      const d = this.resolveControllerRef(old);
      if (d !== undefined) this.enqueue(d);
    }
    if (curRef !== undefined) {
      const d = this.resolveControllerRef(cur);
      if (d !== undefined) this.enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsMatching(cur)) this.enqueue(d);
  }

  private deleteReplicaSet(obj: RoReplicaSet | DeletedFinalStateUnknown<ReplicaSet>): void {
    const d = this.resolveControllerRef(tombstoneObject(obj));
    if (d !== undefined) this.enqueue(d);
  }

  /** deletePod wakes a Recreate Deployment waiting for its old pods to go. */
  private deletePod(obj: RoPod | DeletedFinalStateUnknown<Pod>): void {
    const pod = tombstoneObject(obj);
    const ref = controllerOf(pod as Pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.cache.get(metaNamespaceKey(pod.metadata.namespace, ref.name));
    if (rs === undefined || rs.metadata.uid !== ref.uid) return;
    const d = this.resolveControllerRef(rs);
    if (d !== undefined && !isRollingUpdate(d as Deployment)) this.enqueue(d);
  }

  private async sync(key: string): Promise<void> {
    const d = this.dInformer.cache.get(key);
    if (d === undefined) return;
    const namespace = d.metadata.namespace ?? '';
    const selector = selectorOf(d);
    const owned = selector === undefined ? [] : await this.writer.claim<Deployment, ReplicaSet>({ owner: d, ownerResource: DEPLOYMENTS, ownerKind: DEPLOYMENT_KIND, resource: REPLICA_SETS, selector, noun: 'replicaset' }, listInNamespace(this.rsInformer.cache, namespace));
    const uids = new Set(owned.map((rs) => rs.metadata.uid));
    const pods = listInNamespace(this.podInformer.cache, namespace).filter((p) => {
      const ref = controllerOf(p as Pod);
      return ref !== undefined && uids.has(ref.uid);
    });
    const plan = planDeploymentSync({ deployment: d, replicaSets: owned, pods, now: this.ctx.clock.now() });
    const sizes = new Map(owned.map((rs) => [rs.metadata.uid, rs.spec?.replicas ?? 0]));
    for (const action of plan.actions) await this.execute(d, action, sizes);
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
  }

  /** execute performs one write of a plan; sizes are the owned ReplicaSets' replicas before the plan, by uid. */
  private async execute(d: RoDeployment, action: DeploymentAction, sizes: ReadonlyMap<string | undefined, number>): Promise<void> {
    const client = this.ctx.client;
    switch (action.type) {
      case 'create-replica-set': {
        const rs = action.replicaSet;
        try {
          await this.writer.write('create-replicaset', cacheKey(rs), () => client.create<ReplicaSet>(REPLICA_SETS, rs.metadata.namespace, rs), { replicas: rs.spec?.replicas ?? 0, owner: d.metadata.name ?? '' });
          this.scalingEvent(d, rs, 0);
        } catch (err) {
          if (err instanceof NotLeadingError) throw err;
          if (isAlreadyExists(err)) return this.onCreateCollision(d, rs, err);
          await this.reportCreateFailure(d, rs, err);
          throw err;
        }
        return;
      }
      case 'update-replica-set': {
        const rs = action.replicaSet;
        await this.writer.write('update-replicaset', cacheKey(rs), () => client.update<ReplicaSet>(REPLICA_SETS, rs), { replicas: rs.spec?.replicas ?? 0, owner: d.metadata.name ?? '' });
        const before = sizes.get(rs.metadata.uid);
        if (before !== undefined) this.scalingEvent(d, rs, before);
        return;
      }
      case 'delete-replica-set': {
        const rs = action.replicaSet;
        try {
          await this.writer.write('delete-replicaset', cacheKey(rs), () => client.delete(REPLICA_SETS, rs.metadata.namespace, rs.metadata.name ?? '', { preconditions: { uid: rs.metadata.uid ?? '' } }), { owner: d.metadata.name ?? '' });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
        return;
      }
      case 'update-status': {
        await this.writer.write('update-deployment-status', cacheKey(action.deployment), () => client.updateStatus<Deployment>(DEPLOYMENTS, action.deployment), { observedGeneration: action.deployment.status?.observedGeneration ?? 0 });
        return;
      }
    }
  }

  /**
   * scalingEvent records a ScalingReplicaSet Event on the Deployment when rs's size changed from `from`, in
   * kube's words ("Scaled up replica set web-5d4f from 0 to 3"); a new ReplicaSet of size 0 is not an event.
   */
  private scalingEvent(d: RoDeployment, rs: ReplicaSet, from: number): void {
    const to = rs.spec?.replicas ?? 0;
    if (to === from) return;
    this.events.record(d, DEPLOYMENT_KIND, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name ?? ''} from ${from} to ${to}`);
  }

  /**
   * onCreateCollision handles a new ReplicaSet name that is taken: if the Deployment already owns it with the
   * same template the cache was merely behind; otherwise the hash collided, and collisionCount is raised so the
   * next sync picks another name (kube's getNewReplicaSet).
   */
  private async onCreateCollision(d: RoDeployment, rs: ReplicaSet, cause: unknown): Promise<void> {
    const existing = await this.ctx.client.get<ReplicaSet>(REPLICA_SETS, rs.metadata.namespace, rs.metadata.name ?? '');
    const ref = controllerOf(existing);
    if (ref?.uid === d.metadata.uid && equalIgnoreHash(existing.spec?.template, d.spec?.template)) {
      throw new Error(`replica set ${cacheKey(rs)} already exists and is this deployment's: the cache is behind`, { cause });
    }
    const next = deepCopy<Deployment>(d);
    next.status = { ...(next.status ?? {}), collisionCount: (next.status?.collisionCount ?? 0) + 1 };
    await this.writer.write('update-deployment-status', cacheKey(d), () => this.ctx.client.updateStatus<Deployment>(DEPLOYMENTS, next), { collisionCount: next.status.collisionCount ?? 0 });
    throw new Error(`replica set name ${rs.metadata.name ?? ''} collides with another; collisionCount raised`, { cause });
  }

  /** reportCreateFailure records ReplicaSetCreateError in the Progressing condition (best effort). */
  private async reportCreateFailure(d: RoDeployment, rs: ReplicaSet, err: unknown): Promise<void> {
    if (!hasProgressDeadline(d as Deployment)) return;
    const next = deepCopy<Deployment>(d);
    next.status ??= {};
    const msg = `Failed to create new replica set "${rs.metadata.name ?? ''}": ${err instanceof Error ? err.message : String(err)}`;
    setCondition(next.status, newCondition('Progressing', 'False', REASONS.failedRSCreate, msg, this.ctx.clock.now()));
    try {
      await this.writer.write('update-deployment-status', cacheKey(d), () => this.ctx.client.updateStatus<Deployment>(DEPLOYMENTS, next), { reason: REASONS.failedRSCreate });
    } catch (statusErr) {
      if (statusErr instanceof NotLeadingError) throw statusErr;
      this.log.debug({ err: statusErr instanceof Error ? statusErr.message : String(statusErr) }, 'could not record ReplicaSetCreateError');
    }
  }
}
