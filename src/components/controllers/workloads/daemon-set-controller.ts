/**
 * The DaemonSet controller (kube's pkg/controller/daemon): one pod of each DaemonSet on every node that should
 * run it. Event handlers only enqueue DaemonSet keys and settle expectations; a worker's sync claims the
 * DaemonSet's ControllerRevisions and pods, makes sure a revision holds the current template
 * (daemon-set-history.ts), and — only when its expectations are satisfied — creates the missing pods (each
 * with a node affinity to its node, which the scheduler binds) and deletes surplus, failed and misplaced
 * ones, then lets a RollingUpdate strategy replace old pods within maxUnavailable / maxSurge, deletes
 * revisions beyond revisionHistoryLimit, and writes the status (daemon-set-sync.ts). Every write is journalled
 * and refused once leadership is lost; pods created and deleted are Events on the DaemonSet, as kube's.
 */
import {
  controllerOf,
  deepCopy,
  labelSelectorAsSelector,
  templateGeneration,
  type ControllerRevision,
  type DaemonSet,
  type DaemonSetStatus,
  type DeepReadonly,
  type Node,
  type Pod,
} from '../../../api/index.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { tombstoneObject, type DeletedFinalStateUnknown } from '../../client/informer.js';
import type { CacheReader } from '../../client/indexer.js';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import { eventRecorder, type ComponentContext, type Controller } from '../../runtime/controller.js';
import { NotLeadingError, cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import { ControllerWriter } from './controller-writer.js';
import { CONTROLLER_REVISION_HASH_LABEL, historyToDelete, maxRevision, revisionHash, splitHistory } from './controller-history.js';
import {
  BURST_DAEMON_PODS,
  DAEMON_SET_KIND,
  daemonSetStatus,
  daemonSetStatusEqual,
  groupByNode,
  newDaemonPod,
  daemonPlacement,
  planManage,
  planRollingUpdate,
  type NodePods,
} from './daemon-set-sync.js';
import { ControllerExpectations } from './expectations.js';
import { isPodReady } from './pod-conditions.js';
import { listInNamespace, namespacedInformer, resolveControllerRef } from './shared-informers.js';
import { PodControl } from './pod-control.js';

/** DaemonSetControllerOptions tune the controller (kube-controller-manager's flags of the same meaning). */
export interface DaemonSetControllerOptions {
  /** workers is --concurrent-daemonset-syncs (default 2). */
  readonly workers?: number;
  /** burstReplicas caps the pods one sync creates or deletes (default 250). */
  readonly burstReplicas?: number;
}

/** daemonSetController is the `daemonset` controller of the controller-manager; see the module comment. */
export function daemonSetController(options: DaemonSetControllerOptions = {}): Controller {
  return {
    name: 'daemonset',
    run: (ctx, signal) => new DaemonSetSyncer(ctx, signal, options).run(),
  };
}

type RoPod = DeepReadonly<Pod>;
type RoDaemonSet = DeepReadonly<DaemonSet>;
type RoNode = DeepReadonly<Node>;
type RoRevision = DeepReadonly<ControllerRevision>;

/** counters are the fields of a DaemonSet status its controller computes (storeDaemonSetStatus sets these). */
function counters(s: DaemonSetStatus): DaemonSetStatus {
  const { collisionCount: _c, conditions: _k, ...rest } = s;
  return rest;
}

/** FAILED_POD_BACKOFF_MS bounds how often a node's failed daemon pod is replaced (kube: 1 s doubling to 15 min). */
const FAILED_POD_BACKOFF_MS = { initial: 1_000, max: 15 * 60_000 } as const;

class DaemonSetSyncer {
  private readonly queue: WorkQueue<string>;
  private readonly expectations: ControllerExpectations;
  private readonly log: ComponentContext['log'];
  private readonly writer: ControllerWriter;
  private readonly events: EventRecorder;
  private readonly podControl: PodControl;
  private readonly podInformer;
  private readonly dsInformer;
  private readonly nodeInformer;
  private readonly historyInformer;
  private readonly pods: CacheReader<Pod>;
  private readonly daemonSets: CacheReader<DaemonSet>;
  private readonly nodes: CacheReader<Node>;
  private readonly histories: CacheReader<ControllerRevision>;
  /**
   * failedBackoff holds, per `ds uid/observed generation/node` (kube's failedPodsBackoffKey, so a new template
   * starts afresh), the delay before the next failed pod there is replaced and until when.
   */
  private readonly failedBackoff = new Map<string, { delayMs: number; until: number }>();

  constructor(
    private readonly ctx: ComponentContext,
    private readonly signal: AbortSignal,
    private readonly options: DaemonSetControllerOptions,
  ) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.log = ctx.log.child({ controller: 'daemonset' });
    this.writer = new ControllerWriter(ctx, signal);
    this.events = eventRecorder(ctx, signal, 'daemonset-controller');
    this.podControl = new PodControl(ctx, this.writer, this.events, this.expectations, DAEMON_SET_KIND);
    this.podInformer = namespacedInformer<Pod>(ctx.informers, PODS);
    this.dsInformer = namespacedInformer<DaemonSet>(ctx.informers, DAEMON_SETS);
    this.historyInformer = namespacedInformer<ControllerRevision>(ctx.informers, CONTROLLER_REVISIONS);
    this.nodeInformer = ctx.informers.informerFor<Node>(NODES);
    this.pods = this.podInformer.cache;
    this.daemonSets = this.dsInformer.cache;
    this.nodes = this.nodeInformer.cache;
    this.histories = this.historyInformer.cache;
  }

  async run(): Promise<void> {
    const registrations = [
      this.dsInformer.addEventHandler({
        onAdd: (ds) => this.enqueue(ds),
        onUpdate: (old, ds) => {
          // Deleted and created again under the same name: the old one's expectations must not hold the new one.
          if (old.metadata.uid !== ds.metadata.uid) this.expectations.forget(cacheKey(old));
          this.enqueue(ds);
        },
        onDelete: (obj) => {
          const ds = tombstoneObject(obj);
          this.expectations.forget(cacheKey(ds));
          this.enqueue(ds);
        },
      }),
      this.podInformer.addEventHandler({
        onAdd: (pod) => this.addPod(pod),
        onUpdate: (old, cur) => this.updatePod(old, cur),
        onDelete: (obj) => this.deletePod(obj),
      }),
      this.nodeInformer.addEventHandler({
        onAdd: (node) => this.nodeChanged(undefined, node),
        onUpdate: (old, cur) => this.nodeChanged(old, cur),
        onDelete: () => this.enqueueAll(),
      }),
      this.historyInformer.addEventHandler({
        onAdd: (h) => this.historyChanged(h),
        onUpdate: (_old, h) => this.historyChanged(h),
        onDelete: (obj) => this.historyChanged(tombstoneObject(obj)),
      }),
    ];
    const workers = this.options.workers ?? 2;
    try {
      if (!(await syncInformers(this.ctx, this.signal))) return;
      this.log.info({ workers }, 'daemonset controller started');
      await runWorkers('daemonset', this.queue, workers, (key) => this.sync(key), this.signal, this.log);
    } finally {
      this.queue.shutDown();
      for (const r of registrations) r.remove();
    }
  }

  private enqueue(ds: RoDaemonSet): void {
    this.queue.add(cacheKey(ds));
  }

  private enqueueAll(): void {
    for (const ds of this.daemonSets.list()) this.enqueue(ds);
  }

  /** matching are the DaemonSets of obj's namespace whose selector matches its labels (for orphans). */
  private matching(obj: DeepReadonly<{ metadata: { namespace?: string; labels?: Record<string, string> } }>): RoDaemonSet[] {
    return listInNamespace(this.daemonSets, obj.metadata.namespace ?? '').filter((ds) => {
      try {
        return this.selector(ds).matches(obj.metadata.labels ?? {});
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: RoPod): void {
    if (pod.metadata.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    if (controllerOf(pod as Pod) !== undefined) {
      const ds = resolveControllerRef(this.daemonSets, pod, 'DaemonSet');
      if (ds === undefined) return;
      this.expectations.creationObserved(cacheKey(ds));
      this.enqueue(ds);
      return;
    }
    for (const ds of this.matching(pod)) this.enqueue(ds);
  }

  private updatePod(old: RoPod, cur: RoPod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp) {
      this.deletePod(cur);
      return;
    }
    const oldRef = controllerOf(old as Pod);
    const curRef = controllerOf(cur as Pod);
    if (oldRef !== undefined && oldRef.uid !== curRef?.uid) {
      const oldDs = resolveControllerRef(this.daemonSets, old, 'DaemonSet');
      if (oldDs !== undefined) this.enqueue(oldDs);
    }
    if (curRef !== undefined) {
      const ds = resolveControllerRef(this.daemonSets, cur, 'DaemonSet');
      if (ds === undefined) return;
      this.enqueue(ds);
      const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReadySeconds > 0) this.queue.addAfter(cacheKey(ds), minReadySeconds * 1000 + 1000);
      return;
    }
    for (const ds of this.matching(cur)) this.enqueue(ds);
  }

  private deletePod(obj: RoPod | DeletedFinalStateUnknown<Pod>): void {
    const pod = tombstoneObject(obj);
    const ds = resolveControllerRef(this.daemonSets, pod, 'DaemonSet');
    if (ds === undefined) return;
    this.expectations.deletionObserved(cacheKey(ds), cacheKey(pod));
    this.enqueue(ds);
  }

  /**
   * nodeChanged enqueues the DaemonSets whose placement the change can move (addNode / updateNode): every one
   * that wants a new node, and on an update those whose answer for the node changed — a status-only update
   * (heartbeats) changes nothing and is ignored.
   */
  private nodeChanged(old: RoNode | undefined, cur: RoNode): void {
    if (old !== undefined && JSON.stringify(old.metadata.labels ?? {}) === JSON.stringify(cur.metadata.labels ?? {}) && JSON.stringify(old.spec ?? {}) === JSON.stringify(cur.spec ?? {})) return;
    for (const ds of this.daemonSets.list()) {
      const placement = daemonPlacement(ds);
      const now = placement(cur);
      if (old === undefined) {
        if (now.shouldRun) this.enqueue(ds);
        continue;
      }
      const before = placement(old);
      if (before.shouldRun !== now.shouldRun || before.shouldContinueRunning !== now.shouldContinueRunning) this.enqueue(ds);
    }
  }

  private historyChanged(h: RoRevision): void {
    const ds = resolveControllerRef(this.daemonSets, h, 'DaemonSet');
    if (ds !== undefined) this.enqueue(ds);
    else if (controllerOf(h as ControllerRevision) === undefined) for (const d of this.matching(h)) this.enqueue(d);
  }

  private selector(ds: RoDaemonSet): ReturnType<typeof labelSelectorAsSelector> {
    return labelSelectorAsSelector(ds.spec?.selector as Parameters<typeof labelSelectorAsSelector>[0]);
  }

  /** sync is syncDaemonSet: history, then manage and roll when expectations allow, then status. */
  private async sync(key: string): Promise<void> {
    const ds = this.daemonSets.get(key);
    if (ds === undefined) {
      this.expectations.forget(key);
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.nodes.list();
    const selector = this.selector(ds);
    const histories = await this.writer.claim<DaemonSet, ControllerRevision>(
      { owner: ds, ownerResource: DAEMON_SETS, ownerKind: DAEMON_SET_KIND, resource: CONTROLLER_REVISIONS, selector, noun: 'controllerrevision' },
      listInNamespace(this.histories, ds.metadata.namespace ?? ''),
    );
    const { hash, old, collisionCount } = await this.constructHistory(ds, histories);
    const generation = templateGeneration(ds);
    const now = this.ctx.clock.now();
    if (!this.expectations.satisfied(key)) {
      await this.updateStatus(ds, nodes, await this.nodePods(ds), hash, generation, now, false, collisionCount);
      return;
    }
    let failure: unknown;
    try {
      const byNode = await this.nodePods(ds);
      await this.manage(key, ds, nodes, byNode, hash, generation, now);
      if (this.expectations.satisfied(key) && ds.spec?.updateStrategy?.type === 'RollingUpdate') {
        const roll = planRollingUpdate(ds, nodes, byNode, hash, generation, now);
        await this.syncNodes(key, ds, roll.delete, roll.create, hash, generation);
      }
    } catch (err) {
      if (err instanceof NotLeadingError) throw err;
      failure = err;
    }
    // The pods after this sync's writes serve both the history cleanup and the status. As kube's
    // syncDaemonSet, the status is written whatever happened, then the first error retries the key.
    const after = await this.nodePods(ds);
    if (failure === undefined) {
      try {
        await this.cleanupHistory(ds, old, after);
      } catch (err) {
        if (err instanceof NotLeadingError) throw err;
        failure = err;
      }
    }
    await this.updateStatus(ds, nodes, after, hash, generation, now, true, collisionCount);
    if (failure !== undefined) throw failure;
  }

  /** nodePods claims ds's pods and groups them by target node, leaving out terminal pods already being deleted. */
  private async nodePods(ds: RoDaemonSet): Promise<NodePods> {
    const candidates = listInNamespace(this.pods, ds.metadata.namespace ?? '').filter(
      (p) => !(p.metadata.deletionTimestamp && (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed')),
    );
    const owned = await this.writer.claim<DaemonSet, Pod>({ owner: ds, ownerResource: DAEMON_SETS, ownerKind: DAEMON_SET_KIND, resource: PODS, selector: this.selector(ds), noun: 'pod' }, candidates);
    return groupByNode(owned);
  }

  /**
   * constructHistory makes sure one revision holds ds's current template, numbered above every old one: it
   * labels revisions that lack the hash label, keeps the highest of several current revisions (relabelling
   * their pods and deleting the rest), renumbers it or creates it (a name another template holds counts a
   * collision: the count it took goes into the status).
   */
  private async constructHistory(ds: RoDaemonSet, claimed: readonly RoRevision[]): Promise<{ hash: string; old: readonly RoRevision[]; collisionCount: number | undefined }> {
    const histories: RoRevision[] = [];
    for (const h of claimed) {
      if (h.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== undefined) {
        histories.push(h);
        continue;
      }
      const patch = { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: h.metadata.name ?? '' } } };
      histories.push(await this.writer.write('label-controllerrevision', cacheKey(h), () => this.ctx.client.patch<ControllerRevision>(CONTROLLER_REVISIONS, h.metadata.namespace, h.metadata.name ?? '', 'merge', patch)));
    }
    const { current, old } = splitHistory(ds, histories);
    const next = maxRevision(old) + 1;
    if (current.length === 0) {
      const { revision: created, collisionCount } = await this.writer.createRevision(ds, DAEMON_SET_KIND, next, ds.status?.collisionCount ?? 0);
      const counted = collisionCount === 0 ? ds.status?.collisionCount : collisionCount;
      return { hash: created.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? revisionHash(ds, collisionCount), old, collisionCount: counted };
    }
    const sorted = [...current].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
    const keep = sorted[0]!;
    const hash = keep.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    for (const dup of sorted.slice(1)) await this.dropDuplicate(ds, dup, hash);
    if ((keep.revision ?? 0) < next) {
      const body = { ...(deepCopy(keep) as ControllerRevision), revision: next };
      await this.writer.write('update-controllerrevision', cacheKey(keep), () => this.ctx.client.update<ControllerRevision>(CONTROLLER_REVISIONS, body), { revision: next });
    }
    return { hash, old, collisionCount: ds.status?.collisionCount };
  }

  /** dropDuplicate relabels the pods of a duplicate current revision with the kept one's hash, then deletes it (dedupCurHistories). */
  private async dropDuplicate(ds: RoDaemonSet, dup: RoRevision, hash: string): Promise<void> {
    const dupHash = dup.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
    for (const pod of listInNamespace(this.pods, ds.metadata.namespace ?? '')) {
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== dupHash || resolveControllerRef(this.daemonSets, pod, 'DaemonSet')?.metadata.uid !== ds.metadata.uid) continue;
      const patch = { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: hash } } };
      await this.writer.tolerant(this.writer.write('relabel-pod', cacheKey(pod), () => this.ctx.client.patch<Pod>(PODS, pod.metadata.namespace, pod.metadata.name ?? '', 'merge', patch)));
    }
    await this.writer.tolerant(this.writer.write('delete-controllerrevision', cacheKey(dup), () => this.ctx.client.delete(CONTROLLER_REVISIONS, dup.metadata.namespace, dup.metadata.name ?? '')));
  }

  /** manage creates and deletes pods towards one per node that should run it, failed pods replaced with backoff. */
  private async manage(key: string, ds: RoDaemonSet, nodes: readonly RoNode[], byNode: NodePods, hash: string, generation: number, now: number): Promise<void> {
    const plan = planManage(ds, nodes, byNode, hash, now);
    const toDelete = [...plan.delete];
    for (const pod of plan.succeeded) {
      this.events.record(ds, DAEMON_SET_KIND, 'Normal', 'SucceededDaemonPod', `Found succeeded daemon pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} on node ${pod.spec?.nodeName ?? ''}, will try to delete it`);
    }
    // Backoff records idle for twice the longest delay are forgotten (kube's failedPodsBackoff.GC).
    for (const [slot, b] of this.failedBackoff) if (now - b.until > 2 * FAILED_POD_BACKOFF_MS.max) this.failedBackoff.delete(slot);
    let backoffWait: number | undefined;
    for (const pod of plan.failed) {
      const node = pod.spec?.nodeName ?? '';
      const slot = `${ds.metadata.uid ?? ''}/${ds.status?.observedGeneration ?? 0}/${node}`;
      const b = this.failedBackoff.get(slot);
      if (b !== undefined && now < b.until) {
        backoffWait = Math.min(backoffWait ?? Infinity, b.until - now);
        continue;
      }
      const delayMs = b === undefined ? FAILED_POD_BACKOFF_MS.initial : Math.min(b.delayMs * 2, FAILED_POD_BACKOFF_MS.max);
      this.failedBackoff.set(slot, { delayMs, until: now + delayMs });
      this.events.record(ds, DAEMON_SET_KIND, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} on node ${node}, will try to kill it`);
      toDelete.push(pod);
    }
    await this.syncNodes(key, ds, toDelete, plan.create, hash, generation);
    if (backoffWait !== undefined) this.queue.addAfter(key, backoffWait);
  }

  /** syncNodes deletes pods and creates one pod per node name (slow-start batches), expectations first (syncNodes). */
  private async syncNodes(key: string, ds: RoDaemonSet, toDelete: readonly RoPod[], nodeNames: readonly string[], hash: string, generation: number): Promise<void> {
    const burst = this.options.burstReplicas ?? BURST_DAEMON_PODS;
    const creates = nodeNames.slice(0, burst);
    const deletes = toDelete.slice(0, burst);
    if (creates.length === 0 && deletes.length === 0) return;
    this.expectations.expect(key, creates.length, deletes.map((p) => cacheKey(p)));
    // As kube's syncNodes: the creates first, then the deletes even if a create failed; the first error is thrown.
    let failure: unknown;
    try {
      await this.podControl.createPods(key, ds, creates.length, (i) => newDaemonPod(ds, creates[i]!, hash, generation), (i) => ({ node: creates[i]! }));
    } catch (err) {
      if (err instanceof NotLeadingError) throw err;
      failure = err;
    }
    await this.podControl.deletePods(key, ds, deletes);
    if (failure !== undefined) throw failure;
  }

  /** cleanupHistory deletes old revisions beyond revisionHistoryLimit that no live pod still runs. */
  private async cleanupHistory(ds: RoDaemonSet, old: readonly RoRevision[], byNode: NodePods): Promise<void> {
    const live = new Set<string>();
    for (const pods of byNode.values()) for (const p of pods) live.add(p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '');
    for (const h of historyToDelete(ds, old, live)) {
      await this.writer.tolerant(this.writer.write('delete-controllerrevision', cacheKey(h), () => this.ctx.client.delete(CONTROLLER_REVISIONS, h.metadata.namespace, h.metadata.name ?? '')));
    }
  }

  /**
   * updateStatus writes the counted status through /status when it changed (one retry on a conflict), and
   * resyncs after minReadySeconds while ready pods are not yet available.
   */
  private async updateStatus(ds: RoDaemonSet, nodes: readonly RoNode[], byNode: NodePods, hash: string, generation: number, now: number, observe: boolean, collisionCount: number | undefined): Promise<void> {
    const status: DaemonSetStatus = daemonSetStatus(ds, nodes, byNode, hash, generation, now, observe ? ds.metadata.generation : undefined);
    if (collisionCount !== undefined) status.collisionCount = collisionCount;
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.numberReady !== status.numberAvailable) this.queue.addAfter(cacheKey(ds), minReady * 1000);
    if (daemonSetStatusEqual(ds.status, status)) return;
    // The counters and the collision count are the controller's; a re-read object keeps its conditions, and a
    // collision count it has that is higher still (the API server refuses to count down).
    const write = (o: DaemonSet): void => {
      const collisions = Math.max(status.collisionCount ?? 0, o.status?.collisionCount ?? 0);
      o.status = { ...(o.status ?? status), ...counters(status), ...(collisions > 0 ? { collisionCount: collisions } : {}) };
    };
    await this.writer.writeStatus<DaemonSet>(DAEMON_SETS, ds, write, 'update-daemonset-status', {
      desired: status.desiredNumberScheduled,
      updated: status.updatedNumberScheduled ?? 0,
    });
  }



}
