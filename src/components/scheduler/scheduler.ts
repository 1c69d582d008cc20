/**
 * Scheduler is capstan's kube-scheduler loop, a Controller that runs while its replica holds the
 * `kube-scheduler` Lease:
 *
 * - informers: Nodes, and Pods of all namespaces (and Namespaces, PodDisruptionBudgets, Services, ReplicaSets and
 *   StatefulSets, which plugins and preemption read). Pods with spec.nodeName go to the SchedulerCache (terminated
 *   ones leave it: kube-scheduler's pod informer selects `status.phase!=Succeeded,status.phase!=Failed`, so a
 *   pod turning terminal reaches it as a delete, and a terminal pod's later updates and deletion not at all —
 *   see terminalPodEvent); unbound pods whose spec.schedulerName is this scheduler's (default-scheduler, or empty) and
 *   that are not being deleted go to the SchedulingQueue. Cluster events that may make unschedulable pods fit
 *   move them back: a node added, or updated in allocatable, labels, taints or unschedulable; an assigned pod
 *   deleted or terminated; an assigned pod added (only for pods PodTopologySpread rejected).
 * - the scheduling loop: pop a pod, take a Snapshot of the cache, run the pure decision (schedulePod), and on
 *   success assume the pod onto its node at once and hand the binding to the bind workers — the loop does not
 *   wait for the API round trip, as kube-scheduler's binding cycle runs asynchronously; on failure the pod goes
 *   back to the queue (unschedulable), a FailedScheduling Event is written and the pod's PodScheduled
 *   condition is set to False/Unschedulable.
 * - preemption (DefaultPreemption, preemption.ts): a pod that fits no node may evict pods of lower priority from
 *   one — within their PodDisruptionBudgets where it can. The victims are marked DisruptionTarget
 *   (PreemptionByScheduler) and deleted with a `Preempted` Event, the pod is nominated to the node
 *   (status.nominatedNodeName, and the Nominator, which keeps the freed room for it), and lower-priority pods
 *   nominated there lose their nomination. The pod waits, unschedulable, until the victims are gone.
 * - bind workers (several in parallel): journal `bind`, then POST pods/NAME/binding; success writes a
 *   Scheduled Event; failure forgets the assumed pod and returns it to the queue with backoff.
 *
 * When the term ends (the signal aborts) nothing more is sent: queued bindings are dropped (their pods were
 * only assumed in this term's cache), and run() returns once bindings in flight have answered.
 */
import type { DeepReadonly, Namespace, Node, Pod, PodCondition, PodDisruptionBudget, ReplicaSet, Service, StatefulSet } from '../../api/index.js';
import { DISRUPTION_TARGET_CONDITION, formatTime, withPodCondition } from '../../api/index.js';
import type { TimerHandle } from '../../util/clock.js';
import { SeededRandom } from '../../util/random.js';
import { ConflictError, NotFoundError } from '../client/errors.js';
import type { EventRecorder } from '../client/event-recorder.js';
import { NAMESPACE_INDEX, indexByNamespace } from '../client/indexer.js';
import { tombstoneObject, type DeletedFinalStateUnknown, type Informer } from '../client/informer.js';
import { NAMESPACES, NODES, PDBS, PODS, REPLICA_SETS, SERVICES, STATEFUL_SETS } from '../client/resource.js';
import { eventRecorder, type ComponentContext, type Controller } from '../runtime/controller.js';
import { DEFAULT_PROFILE } from './default-profile.js';
import { defaultSpreadSelector } from './default-selector.js';
import { schedulerMetrics, type SchedulerMetrics } from './metrics.js';
import { Nominator } from './nominator.js';
import { podInfoOf, podPriority } from './pod-info.js';
import { preempt, PREEMPTION_REASON, type Candidate } from './preemption.js';
import { schedulePod, type Profile, type ScheduleResult } from './schedule-pod.js';
import type { Snapshot } from './snapshot.js';
import { SchedulerCache } from './scheduler-cache.js';
import { SchedulingQueue, type QueuedPodInfo } from './scheduling-queue.js';

/** DEFAULT_SCHEDULER_NAME is the scheduler name pods get by default. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** SchedulerOptions tune the scheduler (kube-scheduler's configuration fields of the same meaning). */
export interface SchedulerOptions {
  /** percentageOfNodesToScore: 0 is adaptive (default). */
  readonly percentageOfNodesToScore?: number;
  readonly podInitialBackoffMs?: number;
  readonly podMaxBackoffMs?: number;
  readonly podMaxInUnschedulableMs?: number;
  /** bindWorkers is how many bindings may be in flight at once (default 64). */
  readonly bindWorkers?: number;
  readonly schedulerName?: string;
  readonly profile?: Profile;
}

function isTerminal(pod: DeepReadonly<Pod>): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * terminalPodEvent is what kube-scheduler's pod informer, whose field selector leaves out Succeeded and Failed
 * pods, makes of an update from oldPod to newPod: `delete` when the pod turns terminal (the watch delivers it as
 * a deletion: the pod leaves the cache and frees its node's room, AssignedPodDelete), `none` when it was
 * terminal already (the informer no longer sees it), `pass` otherwise.
 */
export function terminalPodEvent(oldPod: DeepReadonly<Pod>, newPod: DeepReadonly<Pod>): 'delete' | 'none' | 'pass' {
  if (!isTerminal(newPod)) return 'pass';
  return isTerminal(oldPod) ? 'none' : 'delete';
}

/** podPlacementPlugins says which unschedulable pods an assigned pod's arrival or new labels may help. */
function podPlacementPlugins(plugins: ReadonlySet<string>): boolean {
  return plugins.has('PodTopologySpread') || plugins.has('InterPodAffinity');
}

/** labelsEqual compares two label maps. */
function labelsEqual(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k]);
}

function isAssigned(pod: DeepReadonly<Pod>): boolean {
  return (pod.spec?.nodeName ?? '') !== '';
}

/** nodeSchedulingPropertiesChanged reports a node update that may let unschedulable pods fit. */
export function nodeSchedulingPropertiesChanged(oldNode: DeepReadonly<Node>, newNode: DeepReadonly<Node>): boolean {
  const j = (v: unknown): string => JSON.stringify(v ?? null);
  return (
    oldNode.spec?.unschedulable !== newNode.spec?.unschedulable ||
    j(oldNode.status?.allocatable) !== j(newNode.status?.allocatable) ||
    j(oldNode.metadata.labels) !== j(newNode.metadata.labels) ||
    j(oldNode.spec?.taints) !== j(newNode.spec?.taints)
  );
}

interface BindTask {
  readonly q: QueuedPodInfo;
  readonly pod: DeepReadonly<Pod>;
  readonly nodeName: string;
  readonly cycle: number;
  readonly start: number;
}

/** Scheduler is the Controller of the module comment. */
export class Scheduler implements Controller {
  readonly name = 'scheduler';

  constructor(private readonly opts: SchedulerOptions = {}) {}

  /** run schedules pods until signal aborts. */
  async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
    const term = new SchedulingTerm(ctx, signal, this.opts);
    await term.run();
  }
}

/** SchedulingTerm is one leadership term of the scheduler: its cache, queue and workers. */
class SchedulingTerm {
  private readonly cache = new SchedulerCache();
  private readonly nominator = new Nominator();
  /** beingPreempted holds the UIDs of the victims whose eviction this term sent and has not yet seen take effect. */
  private readonly beingPreempted = new Set<string>();
  /** preemptionWrites are the preemption's API calls in flight, which the term waits for when it ends. */
  private readonly preemptionWrites = new Set<Promise<unknown>>();
  private budgets: Informer<PodDisruptionBudget> | undefined;
  private readonly queue: SchedulingQueue;
  private readonly metrics: SchedulerMetrics;
  private readonly recorder: EventRecorder;
  private readonly schedulerName: string;
  private readonly profile: Profile;
  private readonly bindQueue: BindTask[] = [];
  private bindsInFlight = 0;
  private bindsIdle: (() => void) | undefined;
  private nextStartIndex = 0;
  private readonly gaugeTimer: TimerHandle;
  /**
   * random breaks score ties. It is seeded once per term from the injected Random: reservoir sampling draws
   * once per tied node, hundreds of times per pod, and the process's CSPRNG costs a system call per draw.
   */
  private readonly random: SeededRandom;

  constructor(
    private readonly ctx: ComponentContext,
    private readonly signal: AbortSignal,
    private readonly opts: SchedulerOptions,
  ) {
    this.queue = new SchedulingQueue({
      clock: ctx.clock,
      ...(opts.podInitialBackoffMs === undefined ? {} : { podInitialBackoffMs: opts.podInitialBackoffMs }),
      ...(opts.podMaxBackoffMs === undefined ? {} : { podMaxBackoffMs: opts.podMaxBackoffMs }),
      ...(opts.podMaxInUnschedulableMs === undefined ? {} : { podMaxInUnschedulableMs: opts.podMaxInUnschedulableMs }),
    });
    this.metrics = schedulerMetrics(ctx.metrics);
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.profile = opts.profile ?? DEFAULT_PROFILE;
    this.recorder = eventRecorder(ctx, signal, this.schedulerName);
    this.gaugeTimer = ctx.clock.setInterval(() => this.updateGauges(), 1000);
    this.random = new SeededRandom(ctx.random.int(2 ** 32));
  }

  async run(): Promise<void> {
    const { ctx, signal } = this;
    const log = ctx.log;
    const onAbort = (): void => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.watch();
      ctx.informers.start();
      if (!(await this.waitForSync())) return;
      log.info({ nodes: this.cache.snapshot().numNodes, pending: this.queue.pending() }, 'scheduler caches synced, scheduling');
      for (;;) {
        const q = await this.queue.pop();
        if (q === undefined || signal.aborted) break;
        try {
          this.scheduleOne(q);
        } catch (err) {
          log.error({ err, pod: q.key }, 'scheduling attempt failed');
          this.metrics.attempts.inc({ result: 'error', profile: this.schedulerName });
          this.queue.addUnschedulableIfNotPresent(q, this.queue.schedulingCycle, true);
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.queue.close();
      this.gaugeTimer.cancel();
      this.bindQueue.length = 0;
      if (this.bindsInFlight > 0) await new Promise<void>((resolve) => (this.bindsIdle = resolve));
      await Promise.allSettled([...this.preemptionWrites]);
    }
  }

  /** waitForSync waits until the informers synced (true) or the term ended (false), however long the API takes. */
  private async waitForSync(): Promise<boolean> {
    const aborted = new Promise<void>((resolve) => this.signal.addEventListener('abort', () => resolve(), { once: true }));
    while (!this.signal.aborted) {
      try {
        await Promise.race([this.ctx.informers.waitForSync(30_000), aborted]);
        return !this.signal.aborted;
      } catch (err) {
        this.ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'scheduler caches not synced yet; still waiting');
      }
    }
    return false;
  }

  private responsibleFor(pod: DeepReadonly<Pod>): boolean {
    const name = pod.spec?.schedulerName ?? '';
    return name === '' || name === this.schedulerName;
  }

  private watch(): void {
    const nodes = this.ctx.informers.informerFor<Node>(NODES);
    const pods = this.ctx.informers.informerFor<Pod>(PODS);
    const namespaces = this.ctx.informers.informerFor<Namespace>(NAMESPACES);
    this.budgets = this.ctx.informers.informerFor<PodDisruptionBudget>(PDBS);
    // PodTopologySpread's system defaults spread a pod among its Services' and controller's pods.
    const services = this.ctx.informers.informerFor<Service>(SERVICES, { [NAMESPACE_INDEX]: indexByNamespace });
    const replicaSets = this.ctx.informers.informerFor<ReplicaSet>(REPLICA_SETS);
    const statefulSets = this.ctx.informers.informerFor<StatefulSet>(STATEFUL_SETS);
    const sources = {
      services: (namespace: string) => services.cache.byIndex(NAMESPACE_INDEX, namespace),
      replicaSet: (namespace: string, name: string) => replicaSets.cache.get(`${namespace}/${name}`),
      statefulSet: (namespace: string, name: string) => statefulSets.cache.get(`${namespace}/${name}`),
    };
    this.cache.spreadSelector = (pod) => defaultSpreadSelector(pod, sources);
    this.cache.namespaceLabels = (name) => namespaces.cache.get(name)?.metadata.labels;
    nodes.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.queue.moveAllToActiveOrBackoffQueue('NodeAdd');
      },
      onUpdate: (oldNode, newNode) => {
        if (oldNode === newNode) return;
        this.cache.updateNode(newNode);
        if (nodeSchedulingPropertiesChanged(oldNode, newNode)) this.queue.moveAllToActiveOrBackoffQueue('NodeUpdate');
      },
      onDelete: (obj) => this.cache.removeNode(tombstoneObject<Node>(obj).metadata.name ?? ''),
    });
    pods.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (oldPod, newPod) => this.onPodUpdate(oldPod, newPod),
      onDelete: (obj: DeepReadonly<Pod> | DeletedFinalStateUnknown<Pod>) => this.onPodDelete(tombstoneObject<Pod>(obj)),
    });
  }

  private onPodAdd(pod: DeepReadonly<Pod>): void {
    if (isAssigned(pod)) {
      if (isTerminal(pod)) return;
      this.cache.addPod(pod);
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPodAdd', podPlacementPlugins);
      return;
    }
    if (!this.responsibleFor(pod) || pod.metadata.deletionTimestamp || isTerminal(pod)) return;
    // A nomination recorded by an earlier term (or replica) is kept: its victims may be going.
    const nominated = pod.status?.nominatedNodeName ?? '';
    if (nominated !== '') this.nominator.nominate(podInfoOf(pod), nominated);
    this.queue.add(pod);
  }

  private onPodUpdate(oldPod: DeepReadonly<Pod>, newPod: DeepReadonly<Pod>): void {
    if (oldPod === newPod) return;
    const key = podInfoOf(newPod).key;
    if (newPod.metadata.deletionTimestamp) this.beingPreempted.delete(newPod.metadata.uid ?? '');
    if (oldPod.metadata.uid !== newPod.metadata.uid) this.beingPreempted.delete(oldPod.metadata.uid ?? '');
    if (isAssigned(newPod)) {
      this.nominator.remove(key);
      this.queue.delete(key);
      const terminal = terminalPodEvent(oldPod, newPod);
      if (terminal !== 'pass') {
        // A pod terminal already left the cache when it turned so: its later updates (a Job's finalizer removed) move nothing.
        if (this.cache.removePod(key) || terminal === 'delete') this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
      } else {
        this.cache.updatePod(newPod);
        if (!isAssigned(oldPod)) this.queue.moveAllToActiveOrBackoffQueue('AssignedPodAdd', podPlacementPlugins);
        // A bound pod's new labels can satisfy (or stop blocking) another pod's inter-pod affinity.
        else if (!labelsEqual(oldPod.metadata.labels, newPod.metadata.labels)) this.queue.moveAllToActiveOrBackoffQueue('AssignedPodUpdate', podPlacementPlugins);
      }
      return;
    }
    if (this.cache.isAssumed(key)) return;
    if (!this.responsibleFor(newPod) || newPod.metadata.deletionTimestamp || isTerminal(newPod)) {
      this.nominator.remove(key);
      this.queue.delete(key);
      return;
    }
    // As kube's UpdateNominatedPod: the status's nomination wins; one the status dropped is dropped; else kept.
    const nominated = newPod.status?.nominatedNodeName ?? '';
    if (nominated !== '') this.nominator.nominate(podInfoOf(newPod), nominated);
    else if ((oldPod.status?.nominatedNodeName ?? '') !== '') this.nominator.remove(key);
    else {
      const kept = this.nominator.nodeOf(key);
      if (kept !== undefined) this.nominator.nominate(podInfoOf(newPod), kept);
    }
    this.queue.update(oldPod, newPod);
  }

  private onPodDelete(pod: DeepReadonly<Pod>): void {
    const key = podInfoOf(pod).key;
    this.beingPreempted.delete(pod.metadata.uid ?? '');
    this.nominator.remove(key);
    this.queue.delete(key);
    if (isAssigned(pod) || this.cache.isAssumed(key)) {
      // The deletion of a pod that was terminal (out of the cache since) frees nothing: kube's informer never sees it.
      if (this.cache.removePod(key) || !isTerminal(pod)) this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
    }
  }

  /** scheduleOne runs one scheduling cycle for q, synchronously; the binding goes to the bind workers. */
  private scheduleOne(q: QueuedPodInfo): void {
    const pod = q.podInfo.pod;
    if (pod.metadata.deletionTimestamp || isAssigned(pod) || this.cache.isAssumed(q.key)) return;
    const start = this.ctx.clock.monotonic();
    const cycle = this.queue.schedulingCycle;
    const snapshot = this.cache.snapshot();
    const nominatedPods = this.nominator.size === 0 ? undefined : (node: string) => this.nominator.podsOn(node);
    // The Nominator follows the pods' status (onPodAdd, onPodUpdate) and this term's own decisions, which the status
    // may not show yet: it alone is asked.
    const nominatedNodeName = this.nominator.nodeOf(q.key);
    const result = schedulePod(q.podInfo, snapshot, {
      profile: this.profile,
      random: this.random,
      percentageOfNodesToScore: this.opts.percentageOfNodesToScore ?? 0,
      startIndex: this.nextStartIndex,
      ...(nominatedPods === undefined ? {} : { nominatedPods }),
      ...(nominatedNodeName === undefined ? {} : { nominatedNodeName }),
    });
    this.nextStartIndex = result.nextStartIndex;
    if (result.kind === 'unschedulable') {
      q.unschedulablePlugins = result.error.unschedulablePlugins;
      this.queue.addUnschedulableIfNotPresent(q, cycle);
      this.metrics.attempts.inc({ result: 'unschedulable', profile: this.schedulerName });
      this.metrics.e2eDuration.observe({ result: 'unschedulable', profile: this.schedulerName }, (this.ctx.clock.monotonic() - start) / 1000);
      const { message, nomination } = this.postFilter(q.podInfo.pod, result, snapshot, nominatedNodeName);
      this.reportUnschedulable(pod, message, nomination);
      return;
    }
    this.nominator.remove(q.key);
    this.cache.assumePod(pod, result.nodeName);
    this.bindQueue.push({ q, pod, nodeName: result.nodeName, cycle, start });
    this.pumpBinds();
  }

  /**
   * postFilter runs preemption for a pod that fits no node (kube's PostFilter): it returns the FailedScheduling
   * message (with `preemption: …` when preemption did not help) and the nomination to record — a node, '' to
   * clear the pod's, or undefined to leave it — having started the preemption if there is one.
   */
  private postFilter(pod: DeepReadonly<Pod>, result: Extract<ScheduleResult, { kind: 'unschedulable' }>, snapshot: Snapshot, nominatedNodeName: string | undefined): { message: string; nomination: string | undefined } {
    if (result.error.numAllNodes === 0) return { message: result.error.message, nomination: undefined };
    this.metrics.preemptionAttempts.inc();
    const info = podInfoOf(pod);
    const outcome = preempt(info, snapshot, result.rejections, {
      profile: this.profile,
      random: this.random,
      now: this.ctx.clock.now(),
      budgets: this.budgets?.cache.list() ?? [],
      ...(this.nominator.size === 0 ? {} : { nominatedPods: (node: string) => this.nominator.podsOn(node) }),
      ...(nominatedNodeName === undefined ? {} : { nominatedNodeName }),
      beingPreempted: (p) => this.beingPreempted.has(p.pod.metadata.uid ?? ''),
    });
    if (outcome.kind === 'fail') {
      if (outcome.clearNomination) this.nominator.remove(info.key);
      return { message: `${result.error.message} preemption: ${outcome.message}`, nomination: outcome.clearNomination ? '' : undefined };
    }
    this.nominator.nominate(info, outcome.nodeName);
    this.preemptVictims(pod, outcome);
    this.metrics.preemptionVictims.observe(outcome.victims.length);
    return { message: result.error.message, nomination: outcome.nodeName };
  }

  /**
   * preemptVictims evicts a preemption's victims (prepareCandidate): each is marked DisruptionTarget
   * (PreemptionByScheduler) by a status patch under its UID, then deleted, with a `Preempted` Event; the pods of
   * lower priority nominated to the node lose their nomination.
   */
  private preemptVictims(pod: DeepReadonly<Pod>, c: Candidate): void {
    const { ctx } = this;
    const preemptor = podInfoOf(pod).key;
    const mark = { type: DISRUPTION_TARGET_CONDITION, status: 'True', reason: PREEMPTION_REASON, message: `${this.schedulerName}: preempting to accommodate a higher priority pod` } as const;
    const failed = (action: string, key: string) => (err: unknown): void => {
      if (err instanceof NotFoundError || err instanceof ConflictError) return;
      ctx.log.info({ pod: key, preemptor, action, err: err instanceof Error ? err.message : String(err) }, 'preemption: a write failed');
    };
    const track = (p: Promise<unknown>): void => {
      this.preemptionWrites.add(p);
      void p.finally(() => this.preemptionWrites.delete(p));
    };
    for (const v of c.victims) {
      if (this.signal.aborted) return;
      const victim = v.pod;
      const ns = victim.metadata.namespace ?? 'default';
      const name = victim.metadata.name ?? '';
      const uid = victim.metadata.uid ?? '';
      const condition = withPodCondition(victim.status?.conditions, mark, ctx.clock.now()).find((x) => x.type === DISRUPTION_TARGET_CONDITION);
      ctx.journal.record('preempt', v.key, { node: c.nodeName, preemptor });
      // Until the informer shows the victim going (or the eviction fails), a retry must not preempt for it again.
      this.beingPreempted.add(uid);
      track(
        ctx.client
          .patch(PODS, ns, name, 'strategic', { metadata: { uid }, status: { conditions: [condition] } }, { subresource: 'status' })
          .then(() => (this.signal.aborted ? undefined : ctx.client.delete(PODS, ns, name, { preconditions: { uid } })))
          .then(() => this.recorder.record(victim, PODS, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata.uid ?? ''} on node ${c.nodeName}`, 'Preempting'))
          .catch((err: unknown) => {
            this.beingPreempted.delete(uid);
            failed('evict-victim', v.key)(err);
          }),
      );
    }
    const priority = podPriority(podInfoOf(pod));
    for (const other of [...(this.nominator.podsOn(c.nodeName) ?? [])]) {
      if (other.key === preemptor || podPriority(other) >= priority) continue;
      this.nominator.remove(other.key);
      if ((other.pod.status?.nominatedNodeName ?? '') === '' || this.signal.aborted) continue;
      ctx.journal.record('clear-nomination', other.key, { node: c.nodeName });
      track(
        ctx.client
          .patch(PODS, other.pod.metadata.namespace, other.pod.metadata.name ?? '', 'strategic', { status: { nominatedNodeName: null } }, { subresource: 'status' })
          .catch(failed('clear-nomination', other.key)),
      );
    }
  }

  /**
   * reportUnschedulable records a FailedScheduling Event and sets PodScheduled False/Unschedulable with message,
   * and the pod's nomination when it changes ('' clears it), in one status patch.
   */
  private reportUnschedulable(pod: DeepReadonly<Pod>, message: string, nomination?: string): void {
    this.ctx.log.debug({ pod: podInfoOf(pod).key, message }, 'unable to schedule pod');
    this.recorder.record(pod, PODS, 'Warning', 'FailedScheduling', message, 'Scheduling');
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const nominationChanged = nomination !== undefined && nomination !== (pod.status?.nominatedNodeName ?? '');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message && !nominationChanged) return;
    const condition: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: formatTime(this.ctx.clock.now()) };
    if (this.signal.aborted) return;
    this.ctx.journal.record('update-pod-status', podInfoOf(pod).key, { condition: 'PodScheduled=False', ...(nominationChanged ? { nominatedNodeName: nomination } : {}) });
    const status = { conditions: [condition], ...(nominationChanged ? { nominatedNodeName: nomination === '' ? null : nomination } : {}) };
    this.ctx.client
      .patch(PODS, pod.metadata.namespace, pod.metadata.name ?? '', 'strategic', { status }, { subresource: 'status' })
      .catch((err: unknown) => this.ctx.log.debug({ err: err instanceof Error ? err.message : String(err), pod: podInfoOf(pod).key }, 'could not set PodScheduled=False'));
  }

  private pumpBinds(): void {
    const workers = this.opts.bindWorkers ?? 64;
    while (this.bindsInFlight < workers && this.bindQueue.length > 0) {
      const task = this.bindQueue.shift()!;
      this.bindsInFlight++;
      this.bind(task).finally(() => {
        this.bindsInFlight--;
        if (this.bindsInFlight === 0) this.bindsIdle?.();
        if (!this.signal.aborted) this.pumpBinds();
      });
    }
  }

  private async bind(t: BindTask): Promise<void> {
    const { ctx } = this;
    const ns = t.pod.metadata.namespace ?? 'default';
    const name = t.pod.metadata.name ?? '';
    if (this.signal.aborted) return;
    ctx.journal.record('bind', t.q.key, { node: t.nodeName });
    try {
      await ctx.client.bind(ns, { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns, uid: t.pod.metadata.uid ?? '' }, target: { kind: 'Node', name: t.nodeName } });
    } catch (err) {
      this.cache.forgetPod(t.q.key);
      const seconds = (ctx.clock.monotonic() - t.start) / 1000;
      this.metrics.attempts.inc({ result: 'error', profile: this.schedulerName });
      this.metrics.e2eDuration.observe({ result: 'error', profile: this.schedulerName }, seconds);
      ctx.log.info({ pod: t.q.key, node: t.nodeName, err: err instanceof Error ? err.message : String(err) }, 'binding failed');
      if (err instanceof NotFoundError || err instanceof ConflictError || this.signal.aborted) return;
      this.recorder.record(t.pod, PODS, 'Warning', 'FailedScheduling', `Binding rejected: ${err instanceof Error ? err.message : String(err)}`, 'Binding');
      this.queue.addUnschedulableIfNotPresent(t.q, t.cycle, true);
      return;
    }
    this.cache.finishBinding(t.q.key);
    this.metrics.attempts.inc({ result: 'scheduled', profile: this.schedulerName });
    this.metrics.e2eDuration.observe({ result: 'scheduled', profile: this.schedulerName }, (ctx.clock.monotonic() - t.start) / 1000);
    this.metrics.podSchedulingAttempts.observe(t.q.attempts);
    if (!this.signal.aborted) this.recorder.record(t.pod, PODS, 'Normal', 'Scheduled', `Successfully assigned ${t.q.key} to ${t.nodeName}`, 'Binding');
  }

  private updateGauges(): void {
    const p = this.queue.pending();
    this.metrics.pendingPods.set({ queue: 'active' }, p.active);
    this.metrics.pendingPods.set({ queue: 'backoff' }, p.backoff);
    this.metrics.pendingPods.set({ queue: 'unschedulable' }, p.unschedulable);
  }
}
