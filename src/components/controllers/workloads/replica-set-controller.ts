/**
 * The ReplicaSet controller (kube's pkg/controller/replicaset): keeps spec.replicas active pods for each
 * ReplicaSet. Event handlers only enqueue ReplicaSet keys and settle expectations; a worker's sync reads the
 * caches, claims pods (controller-ref-manager.ts), and — only when its expectations are satisfied, so it never
 * acts twice on a cache that has not caught up with its own writes — creates missing pods in slow-start
 * batches or deletes the lowest-ranked surplus ones (replica-set-sync.ts), then writes the status through
 * /status. Every pod write is journalled (`create-pod`, `delete-pod`, `adopt-pod`, `release-pod`) before it is
 * sent, and nothing is written once the leadership signal has aborted. Each pod created or deleted, or that
 * failed to be, is an Event on the ReplicaSet (SuccessfulCreate, FailedCreate, SuccessfulDelete, FailedDelete),
 * as kube's pod control records them.
 */
import {
  controllerOf,
  deepCopy,
  type DeepReadonly,
  type Pod,
  type ReplicaSet,
  type ReplicaSetStatus,
} from '../../../api/index.js';
import { tombstoneObject, type DeletedFinalStateUnknown } from '../../client/informer.js';
import type { CacheReader } from '../../client/indexer.js';
import { PODS, REPLICA_SETS } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import { eventRecorder, type ComponentContext, type Controller } from '../../runtime/controller.js';
import { ControllerWriter } from './controller-writer.js';
import { NotLeadingError, cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import { ControllerExpectations } from './expectations.js';
import { isPodActive, isPodReady, isPodTerminating } from './pod-conditions.js';
import { BURST_REPLICAS, REPLICA_SET_KIND, calculateReplicaSetStatus, manageReplicas, podFromTemplate, replicaSetSelector, replicaSetStatusEqual, requeueForAvailabilityMs } from './replica-set-sync.js';
import { listInNamespace, namespacedInformer, resolveControllerRef } from './shared-informers.js';
import { PodControl } from './pod-control.js';

/** ReplicaSetControllerOptions tune the controller (kube-controller-manager's flags of the same meaning). */
export interface ReplicaSetControllerOptions {
  /** workers is --concurrent-replicaset-syncs (default 5). */
  readonly workers?: number;
  /** burstReplicas caps the pods one sync creates or deletes (default 500). */
  readonly burstReplicas?: number;
}

/** replicaSetController is the `replicaset` controller of the controller-manager; see the module comment. */
export function replicaSetController(options: ReplicaSetControllerOptions = {}): Controller {
  return {
    name: 'replicaset',
    run: (ctx, signal) => new ReplicaSetSyncer(ctx, signal, options).run(),
  };
}

type RoPod = DeepReadonly<Pod>;
type RoReplicaSet = DeepReadonly<ReplicaSet>;

class ReplicaSetSyncer {
  private readonly queue: WorkQueue<string>;
  private readonly expectations: ControllerExpectations;
  private readonly pods: CacheReader<Pod>;
  private readonly replicaSets: CacheReader<ReplicaSet>;
  private readonly log: ComponentContext['log'];
  private readonly podInformer;
  private readonly rsInformer;
  private readonly writer: ControllerWriter;
  private readonly podControl: PodControl;

  constructor(
    private readonly ctx: ComponentContext,
    private readonly signal: AbortSignal,
    private readonly options: ReplicaSetControllerOptions,
  ) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.log = ctx.log.child({ controller: 'replicaset' });
    this.writer = new ControllerWriter(ctx, signal);
    this.podControl = new PodControl(ctx, this.writer, eventRecorder(ctx, signal, 'replicaset-controller'), this.expectations, REPLICA_SET_KIND);
    this.podInformer = namespacedInformer<Pod>(ctx.informers, PODS);
    this.rsInformer = namespacedInformer<ReplicaSet>(ctx.informers, REPLICA_SETS);
    this.pods = this.podInformer.cache;
    this.replicaSets = this.rsInformer.cache;
  }

  async run(): Promise<void> {
    const registrations = [
      this.rsInformer.addEventHandler({
        onAdd: (rs) => this.enqueue(rs),
        onUpdate: (_old, rs) => this.enqueue(rs),
        onDelete: (obj) => {
          const rs = tombstoneObject(obj);
          this.expectations.forget(cacheKey(rs));
          this.enqueue(rs);
        },
      }),
      this.podInformer.addEventHandler({
        onAdd: (pod) => this.addPod(pod),
        onUpdate: (old, cur) => this.updatePod(old, cur),
        onDelete: (obj) => this.deletePod(obj),
      }),
    ];
    const workers = this.options.workers ?? 5;
    try {
      if (!(await syncInformers(this.ctx, this.signal))) return;
      this.log.info({ workers }, 'replicaset controller started');
      await runWorkers('replicaset', this.queue, workers, (key) => this.sync(key), this.signal, this.log);
    } finally {
      this.queue.shutDown();
      for (const r of registrations) r.remove();
    }
  }

  private enqueue(rs: RoReplicaSet): void {
    this.queue.add(cacheKey(rs));
  }

  private resolveControllerRef(pod: RoPod): RoReplicaSet | undefined {
    return resolveControllerRef(this.replicaSets, pod, 'ReplicaSet');
  }

  /** matchingReplicaSets are the ReplicaSets of pod's namespace whose selector matches it (for orphans). */
  private matchingReplicaSets(pod: RoPod): RoReplicaSet[] {
    return listInNamespace(this.replicaSets, pod.metadata.namespace ?? '').filter((rs) => replicaSetSelector(rs).matches(pod.metadata.labels));
  }

  private addPod(pod: RoPod): void {
    if (isPodTerminating(pod)) {
      // A pod that shows up already being deleted (after a relist) counts as a deletion.
      this.deletePod(pod);
      return;
    }
    if (controllerOf(pod as Pod) !== undefined) {
      const rs = this.resolveControllerRef(pod);
      if (rs === undefined) return;
      this.expectations.creationObserved(cacheKey(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of this.matchingReplicaSets(pod)) this.enqueue(rs);
  }

  private updatePod(old: RoPod, cur: RoPod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (isPodTerminating(cur)) {
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const oldRef = controllerOf(old as Pod);
    const curRef = controllerOf(cur as Pod);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef !== undefined) {
      const oldRs = this.resolveControllerRef(old);
      if (oldRs !== undefined) this.enqueue(oldRs);
    }
    if (curRef !== undefined) {
      const rs = this.resolveControllerRef(cur);
      if (rs === undefined) return;
      this.enqueue(rs);
      const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReadySeconds > 0) this.queue.addAfter(cacheKey(rs), minReadySeconds * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.matchingReplicaSets(cur)) this.enqueue(rs);
  }

  private deletePod(obj: RoPod | DeletedFinalStateUnknown<Pod>): void {
    const pod = tombstoneObject(obj);
    const rs = this.resolveControllerRef(pod);
    if (rs === undefined) return;
    const rsKey = cacheKey(rs);
    this.expectations.deletionObserved(rsKey, cacheKey(pod));
    this.enqueue(rs);
  }

  /** sync is syncReplicaSet: claim, manage replicas when expectations allow, write status. */
  private async sync(key: string): Promise<void> {
    const rs = this.replicaSets.get(key);
    if (rs === undefined) {
      this.expectations.forget(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = replicaSetSelector(rs);
    const active = listInNamespace(this.pods, rs.metadata.namespace ?? '').filter(isPodActive);
    const owned = await this.writer.claim<ReplicaSet, Pod>({ owner: rs, ownerResource: REPLICA_SETS, ownerKind: REPLICA_SET_KIND, resource: PODS, selector, noun: 'pod' }, active);

    let manageError: string | undefined;
    let failure: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, owned);
      } catch (err) {
        if (err instanceof NotLeadingError) throw err;
        failure = err;
        manageError = err instanceof Error ? err.message : String(err);
      }
    }
    const status = calculateReplicaSetStatus(rs, owned, manageError, this.ctx.clock.now());
    const updated = await this.updateStatus(rs, status);
    if (failure !== undefined) throw failure;
    const after = requeueForAvailabilityMs(updated ?? rs, status);
    if (after !== undefined) this.queue.addAfter(key, after);
  }

  /** manageReplicas creates or deletes pods towards spec.replicas, recording expectations first. */
  private async manageReplicas(key: string, rs: RoReplicaSet, owned: RoPod[]): Promise<void> {
    const decision = manageReplicas(rs, owned, this.options.burstReplicas ?? BURST_REPLICAS);
    if (decision.kind === 'create') {
      this.expectations.expectCreations(key, decision.count);
      const template = podFromTemplate(rs);
      await this.podControl.createPods(key, rs, decision.count, () => deepCopy<Pod>(template));
      return;
    }
    if (decision.kind === 'delete') {
      this.expectations.expectDeletions(key, decision.pods.map((p) => cacheKey(p)));
      await this.podControl.deletePods(key, rs, decision.pods);
    }
  }

  /** updateStatus writes status through /status when it changed (one retry on a conflict, as kube's updateReplicaSetStatus). */
  private async updateStatus(rs: RoReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet | undefined> {
    if (replicaSetStatusEqual(rs.status, status)) return undefined;
    // observedGeneration stays the generation the status was computed for, even when a retry reads a newer one.
    return this.writer.writeStatus<ReplicaSet>(REPLICA_SETS, rs, (o) => (o.status = status), 'update-replicaset-status', { replicas: status.replicas });
  }

}
