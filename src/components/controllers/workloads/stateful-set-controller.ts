/**
 * The StatefulSet controller (kube's pkg/controller/statefulset): pods with stable names `<set>-<ordinal>`,
 * created, updated and deleted in order (stateful-set-sync.ts). Event handlers only enqueue StatefulSet keys;
 * a worker's sync claims the set's pods (those named as its members) and ControllerRevisions, finds its
 * current and update revisions — the update revision holds the current template: an existing revision with the
 * same template is renumbered to the top (a rollback), else one is created, a name taken by another template
 * counting a collision — then makes the planned writes, writes the status (also after a failed write) and
 * deletes revisions beyond revisionHistoryLimit. No expectations are needed: pod names are fixed, so a stale
 * cache costs an AlreadyExists, never a second pod. Every write is journalled and refused once leadership is
 * lost; pods created, updated and deleted are Events on the set in kube's words.
 */
import {
  controllerOf,
  deepCopy,
  labelSelectorAsSelector,
  type ControllerRevision,
  type DeepReadonly,
  type Pod,
  type StatefulSet,
  type StatefulSetStatus,
} from '../../../api/index.js';
import { isAlreadyExists, isNotFound } from '../../client/errors.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { tombstoneObject, type DeletedFinalStateUnknown } from '../../client/informer.js';
import type { CacheReader } from '../../client/indexer.js';
import { CONTROLLER_REVISIONS, PODS, STATEFUL_SETS } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import { eventRecorder, type ComponentContext, type Controller } from '../../runtime/controller.js';
import { NotLeadingError, cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import { maxRevision, revisionMatches } from './controller-history.js';
import { ControllerWriter } from './controller-writer.js';
import { isPodReady } from './pod-conditions.js';
import { listInNamespace, namespacedInformer, resolveControllerRef } from './shared-informers.js';
import { STATEFUL_SET_KIND, isMemberOf, liveRevisionsToDelete, planStatefulSet, statefulSetStatusEqual, type RevisionPair, type StatefulAction } from './stateful-set-sync.js';

/** StatefulSetControllerOptions tune the controller (kube-controller-manager's flag of the same meaning). */
export interface StatefulSetControllerOptions {
  /** workers is --concurrent-statefulset-syncs (default 5). */
  readonly workers?: number;
}

/** statefulSetController is the `statefulset` controller of the controller-manager; see the module comment. */
export function statefulSetController(options: StatefulSetControllerOptions = {}): Controller {
  return {
    name: 'statefulset',
    run: (ctx, signal) => new StatefulSetSyncer(ctx, signal, options).run(),
  };
}

type RoPod = DeepReadonly<Pod>;
type RoSet = DeepReadonly<StatefulSet>;
type RoRevision = DeepReadonly<ControllerRevision>;

class StatefulSetSyncer {
  private readonly queue: WorkQueue<string>;
  private readonly log: ComponentContext['log'];
  private readonly writer: ControllerWriter;
  private readonly events: EventRecorder;
  private readonly podInformer;
  private readonly setInformer;
  private readonly historyInformer;
  private readonly pods: CacheReader<Pod>;
  private readonly sets: CacheReader<StatefulSet>;
  private readonly histories: CacheReader<ControllerRevision>;

  constructor(
    private readonly ctx: ComponentContext,
    private readonly signal: AbortSignal,
    private readonly options: StatefulSetControllerOptions,
  ) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.log = ctx.log.child({ controller: 'statefulset' });
    this.writer = new ControllerWriter(ctx, signal);
    this.events = eventRecorder(ctx, signal, 'statefulset-controller');
    this.podInformer = namespacedInformer<Pod>(ctx.informers, PODS);
    this.setInformer = namespacedInformer<StatefulSet>(ctx.informers, STATEFUL_SETS);
    this.historyInformer = namespacedInformer<ControllerRevision>(ctx.informers, CONTROLLER_REVISIONS);
    this.pods = this.podInformer.cache;
    this.sets = this.setInformer.cache;
    this.histories = this.historyInformer.cache;
  }

  async run(): Promise<void> {
    const registrations = [
      this.setInformer.addEventHandler({
        onAdd: (set) => this.enqueue(set),
        onUpdate: (_old, set) => this.enqueue(set),
        onDelete: (obj) => this.enqueue(tombstoneObject(obj)),
      }),
      this.podInformer.addEventHandler({
        onAdd: (pod) => this.podChanged(undefined, pod),
        onUpdate: (old, cur) => this.podChanged(old, cur),
        onDelete: (obj: RoPod | DeletedFinalStateUnknown<Pod>) => this.podChanged(undefined, tombstoneObject(obj)),
      }),
      this.historyInformer.addEventHandler({
        onAdd: (h) => this.ownerOf(h),
        onUpdate: (_old, h) => this.ownerOf(h),
        onDelete: (obj) => this.ownerOf(tombstoneObject(obj)),
      }),
    ];
    const workers = this.options.workers ?? 5;
    try {
      if (!(await syncInformers(this.ctx, this.signal))) return;
      this.log.info({ workers }, 'statefulset controller started');
      await runWorkers('statefulset', this.queue, workers, (key) => this.sync(key), this.signal, this.log);
    } finally {
      this.queue.shutDown();
      for (const r of registrations) r.remove();
    }
  }

  private enqueue(set: RoSet): void {
    this.queue.add(cacheKey(set));
  }

  private selector(set: RoSet): ReturnType<typeof labelSelectorAsSelector> {
    return labelSelectorAsSelector(set.spec?.selector as Parameters<typeof labelSelectorAsSelector>[0]);
  }

  /** ownerOf enqueues obj's controlling StatefulSet, or for an orphan every set whose selector matches it. */
  private ownerOf(obj: DeepReadonly<Pod> | RoRevision): void {
    if (controllerOf(obj as Pod) !== undefined) {
      const set = resolveControllerRef(this.sets, obj, 'StatefulSet');
      if (set !== undefined) this.enqueue(set);
      return;
    }
    for (const set of listInNamespace(this.sets, obj.metadata.namespace ?? '')) {
      try {
        if (this.selector(set).matches(obj.metadata.labels ?? {})) this.enqueue(set);
      } catch {
        // a set whose selector does not parse selects nothing
      }
    }
  }

  private podChanged(old: RoPod | undefined, cur: RoPod): void {
    if (old !== undefined && old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (old !== undefined && controllerOf(old as Pod)?.uid !== controllerOf(cur as Pod)?.uid) this.ownerOf(old);
    this.ownerOf(cur);
    const set = resolveControllerRef(this.sets, cur, 'StatefulSet');
    const minReady = set?.spec?.minReadySeconds ?? 0;
    if (set !== undefined && old !== undefined && !isPodReady(old) && isPodReady(cur) && minReady > 0) this.queue.addAfter(cacheKey(set), minReady * 1000 + 1000);
  }

  /** sync is syncStatefulSet: claim, revisions, the planned writes, status, history. */
  private async sync(key: string): Promise<void> {
    const set = this.sets.get(key);
    if (set === undefined) return;
    const selector = this.selector(set);
    const namespace = set.metadata.namespace ?? '';
    const revisions = await this.writer.claim<StatefulSet, ControllerRevision>(
      { owner: set, ownerResource: STATEFUL_SETS, ownerKind: STATEFUL_SET_KIND, resource: CONTROLLER_REVISIONS, selector, noun: 'controllerrevision' },
      listInNamespace(this.histories, namespace),
    );
    // Pods must also be named as members (kube's ClaimPods filter): owned pods that are not are released.
    const pods = await this.writer.claim<StatefulSet, Pod>(
      { owner: set, ownerResource: STATEFUL_SETS, ownerKind: STATEFUL_SET_KIND, resource: PODS, selector, noun: 'pod', filter: (p) => isMemberOf(set, p as RoPod) },
      listInNamespace(this.pods, namespace),
    );
    const { pair, collisionCount, all } = await this.statefulSetRevisions(set, revisions);
    const plan = planStatefulSet(set, pods, pair, collisionCount, this.ctx.clock.now());
    let failure: unknown;
    try {
      for (const action of plan.actions) await this.perform(set, action);
    } catch (err) {
      if (err instanceof NotLeadingError) throw err;
      failure = err;
    }
    // As kube's performUpdate and UpdateStatefulSet, the status is written and the history trimmed even when a
    // write failed; then the error retries the key.
    await this.updateStatus(set, plan.status);
    for (const h of liveRevisionsToDelete(set, pods, all, pair)) {
      await this.writer.tolerant(this.writer.write('delete-controllerrevision', cacheKey(h), () => this.ctx.client.delete(CONTROLLER_REVISIONS, h.metadata.namespace, h.metadata.name ?? '')));
    }
    if (failure !== undefined) throw failure;
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && plan.status.readyReplicas !== plan.status.availableReplicas) this.queue.addAfter(key, minReady * 1000);
  }

  /**
   * statefulSetRevisions is getStatefulSetRevisions: the update revision is the newest revision if it holds
   * the current template, else an older one that does, renumbered to the top, else a new one; the current
   * revision is the one status names, or the update revision when none does.
   */
  private async statefulSetRevisions(set: RoSet, claimed: readonly RoRevision[]): Promise<{ pair: RevisionPair; collisionCount: number; all: RoRevision[] }> {
    const revisions = [...claimed].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    let collisionCount = set.status?.collisionCount ?? 0;
    const next = maxRevision(revisions) + 1;
    const equal = revisions.filter((r) => revisionMatches(set, r));
    let update: RoRevision;
    const newest = revisions.at(-1);
    const lastEqual = equal.at(-1);
    if (lastEqual !== undefined && newest !== undefined && lastEqual.metadata.name === newest.metadata.name) update = newest;
    else if (lastEqual !== undefined) {
      const body = { ...(deepCopy(lastEqual) as ControllerRevision), revision: next };
      update = await this.writer.write('update-controllerrevision', cacheKey(lastEqual), () => this.ctx.client.update<ControllerRevision>(CONTROLLER_REVISIONS, body), { revision: next });
    } else {
      ({ revision: update, collisionCount } = await this.writer.createRevision(set, STATEFUL_SET_KIND, next, collisionCount));
    }
    const all = revisions.some((r) => r.metadata.name === update.metadata.name) ? revisions.map((r) => (r.metadata.name === update.metadata.name ? update : r)) : [...revisions, update];
    const current = all.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { pair: { current, update }, collisionCount, all };
  }

  /** perform makes one planned write, with kube's StatefulPodControl Events ("create Pod web-0 in StatefulSet web successful"). */
  private async perform(set: RoSet, action: StatefulAction): Promise<void> {
    const podName = action.pod.metadata.name ?? '';
    const podKey = `${action.pod.metadata.namespace ?? ''}/${podName}`;
    const verb = action.kind;
    const Verb = verb === 'create' ? 'Create' : verb === 'update' ? 'Update' : 'Delete';
    try {
      if (action.kind === 'create') {
        const pod = action.pod;
        try {
          await this.writer.write('create-pod', podKey, () => this.ctx.client.create<Pod>(PODS, pod.metadata.namespace, pod), { owner: set.metadata.name ?? '' });
        } catch (err) {
          // The cache had not seen our own pod yet: nothing to do. A pod of that name that is not ours blocks the
          // ordinal: that is a FailedCreate, retried (kube's CreateStatefulPod returns the AlreadyExists).
          if (!isAlreadyExists(err)) throw err;
          const existing = await this.writer.tolerant(this.ctx.client.get<Pod>(PODS, pod.metadata.namespace, podName));
          if (existing !== undefined && controllerOf(existing)?.uid === set.metadata.uid) return;
          throw err;
        }
      } else if (action.kind === 'update') {
        const pod = action.pod;
        await this.writer.write('update-pod', podKey, () => this.ctx.client.update<Pod>(PODS, pod), { owner: set.metadata.name ?? '' });
      } else {
        try {
          await this.writer.write('delete-pod', podKey, () => this.ctx.client.delete(PODS, action.pod.metadata.namespace, podName), { owner: set.metadata.name ?? '', why: action.why });
        } catch (err) {
          if (isNotFound(err)) return;
          throw err;
        }
      }
      this.events.record(set, STATEFUL_SET_KIND, 'Normal', `Successful${Verb}`, `${verb} Pod ${podName} in StatefulSet ${set.metadata.name ?? ''} successful`);
    } catch (err) {
      if (err instanceof NotLeadingError) throw err;
      this.events.record(set, STATEFUL_SET_KIND, 'Warning', `Failed${Verb}`, `${verb} Pod ${podName} in StatefulSet ${set.metadata.name ?? ''} failed error: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  /** updateStatus writes the status through /status when it changed, keeping a re-read object's conditions. */
  private async updateStatus(set: RoSet, status: StatefulSetStatus): Promise<void> {
    if (statefulSetStatusEqual(set.status, status)) return;
    const { conditions: _conditions, ...computed } = status;
    await this.writer.writeStatus<StatefulSet>(STATEFUL_SETS, set, (o) => (o.status = { ...(o.status ?? { replicas: 0 }), ...computed }), 'update-statefulset-status', {
      replicas: status.replicas,
      updated: status.updatedReplicas ?? 0,
    });
  }



}
