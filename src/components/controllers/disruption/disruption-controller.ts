/**
 * The disruption controller (kube-controller-manager's `disruption`, DisruptionController): it keeps every
 * PodDisruptionBudget's status — expected pods, desired and current healthy pods, the disruptions allowed now and
 * the DisruptionAllowed condition (disruption-status.ts) — which the eviction subresource spends. Budgets and the
 * pods they select queue the budget; an eviction still awaited queues it again when it stops being awaited. A sync
 * that fails (other than a conflict) writes the fail-safe status: no disruption allowed, SyncFailed. A second
 * queue resets a pod's DisruptionTarget condition to False when the pod it marked has not gone within two minutes.
 */
import {
  DISRUPTION_TARGET_CONDITION,
  budgetsSelecting,
  controllerOf,
  parseGroupVersion,
  labelSelectorAsSelector,
  parseTime,
  withPodCondition,
  type DeepReadonly,
  type Deployment,
  type GroupVersionKind,
  type LabelSelector,
  type Pod,
  type PodDisruptionBudget,
  type ReplicaSet,
  type StatefulSet,
} from '../../../api/index.js';
import { isConflict } from '../../client/errors.js';
import { NAMESPACE_INDEX, indexByNamespace } from '../../client/indexer.js';
import { tombstoneObject, type Informer } from '../../client/informer.js';
import { DEPLOYMENTS, PDBS, PODS, REPLICA_SETS, STATEFUL_SETS } from '../../client/resource.js';
import { WorkQueue } from '../../client/workqueue.js';
import { eventRecorder, type ComponentContext, type Controller } from '../../runtime/controller.js';
import { actingWrite, cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import { countHealthy, disruptedPodMap, expectedCounts, failSafeStatus, nextStatus, type ControllerScale, type ScaleFinder } from './disruption-status.js';

/** STALE_DISRUPTION_MS is how long a pod may carry DisruptionTarget without going (stalePodDisruptionTimeout). */
export const STALE_DISRUPTION_MS = 2 * 60_000;

const PDB_KIND: GroupVersionKind = { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' };
const POD_KIND: GroupVersionKind = { group: '', version: 'v1', kind: 'Pod' };

/** SCALELESS are the owner kinds capstan serves without a scale subresource, as group resources. */
const SCALELESS: Readonly<Record<string, string>> = { 'apps/DaemonSet': 'daemonsets.apps', 'batch/Job': 'jobs.batch', 'batch/CronJob': 'cronjobs.batch', '/Node': 'nodes', '/Pod': 'pods' };

/** DisruptionControllerOptions are the controller's settings. */
export interface DisruptionControllerOptions {
  /** workers is how many budgets sync at once (kube runs one). */
  readonly workers?: number;
}

type RoPod = DeepReadonly<Pod>;
type RoBudget = DeepReadonly<PodDisruptionBudget>;

/**
 * scaleFinder is kube's finders in order — Deployment (through its ReplicaSet), ReplicaSet not run by a
 * Deployment, StatefulSet, then any scale subresource (here: those three kinds' own) — over the informers' caches.
 */
function scaleFinder(replicaSets: Informer<ReplicaSet>, deployments: Informer<Deployment>, statefulSets: Informer<StatefulSet>): ScaleFinder {
  const replicasOf = (o: { spec?: { replicas?: number } }): number => o.spec?.replicas ?? 1;
  return (ref, namespace) => {
    const group = parseGroupVersion(ref.apiVersion).group;
    const key = `${namespace}/${ref.name}`;
    const appsKind = (kind: string): boolean => ref.kind === kind && (group === 'apps' || group === 'extensions');
    if (appsKind('ReplicaSet')) {
      const rs = replicaSets.cache.get(key);
      if (rs === undefined || rs.metadata.uid !== ref.uid) return undefined;
      const owner = controllerOf(rs as ReplicaSet);
      if (owner?.kind === 'Deployment') {
        const d = deployments.cache.get(`${namespace}/${owner.name}`);
        if (d !== undefined && d.metadata.uid === owner.uid) return { uid: d.metadata.uid ?? '', scale: replicasOf(d as Deployment) };
      }
      // Run by a Deployment that is gone, it is found through its own scale subresource.
      return { uid: rs.metadata.uid ?? '', scale: replicasOf(rs as ReplicaSet) };
    }
    const found = (o: DeepReadonly<{ metadata: { uid?: string }; spec?: { replicas?: number } }> | undefined): ControllerScale | undefined =>
      o === undefined || o.metadata.uid !== ref.uid ? undefined : { uid: o.metadata.uid ?? '', scale: o.spec?.replicas ?? 1 };
    if (appsKind('StatefulSet')) return found(statefulSets.cache.get(key));
    if (appsKind('Deployment')) return found(deployments.cache.get(key));
    const scaleless = SCALELESS[`${group}/${ref.kind}`];
    if (scaleless !== undefined) throw new Error(`${scaleless} does not implement the scale subresource`);
    throw new Error(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
  };
}

/** goLabelSelector is a LabelSelector as Go's %v prints the protobuf type (its generated String method). */
function goLabelSelector(s: DeepReadonly<LabelSelector> | undefined): string {
  if (s === undefined || s === null) return 'nil';
  const labels = Object.keys(s.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${s.matchLabels![k]!},`)
    .join('');
  const exprs = (s.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

/** staleIn is nonTerminatingPodHasStaleDisruptionCondition: ms until pod's DisruptionTarget is stale, if it has one. */
export function staleIn(pod: RoPod, now: number): number | undefined {
  if ((pod.metadata.deletionTimestamp ?? null) !== null) return undefined;
  const cond = pod.status?.conditions?.find((c) => c.type === DISRUPTION_TARGET_CONDITION);
  const phase = pod.status?.phase;
  if (cond === undefined || cond.status !== 'True' || cond.reason === 'TerminationByKubelet' || phase === 'Succeeded' || phase === 'Failed') return undefined;
  const since = typeof cond.lastTransitionTime === 'string' ? parseTime(cond.lastTransitionTime) : 0;
  return Math.max(0, since + STALE_DISRUPTION_MS - now);
}

/** disruptionController builds the controller. */
export function disruptionController(opts: DisruptionControllerOptions = {}): Controller {
  return {
    name: 'disruption',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      const budgets = ctx.informers.informerFor<PodDisruptionBudget>(PDBS, { [NAMESPACE_INDEX]: indexByNamespace });
      const pods = ctx.informers.informerFor<Pod>(PODS, { [NAMESPACE_INDEX]: indexByNamespace });
      const findScale = scaleFinder(ctx.informers.informerFor<ReplicaSet>(REPLICA_SETS), ctx.informers.informerFor<Deployment>(DEPLOYMENTS), ctx.informers.informerFor<StatefulSet>(STATEFUL_SETS));
      const queue = new WorkQueue<string>({ clock: ctx.clock });
      const staleQueue = new WorkQueue<string>({ clock: ctx.clock });
      const events = eventRecorder(ctx, signal, 'controllermanager');

      // getPdbForPod: the budget of a pod (the first, with a warning, when several select it).
      const budgetOf = (pod: RoPod): RoBudget | undefined => {
        const selecting = budgetsSelecting(pod, budgets.cache.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? ''));
        if (selecting.length > 1) {
          const msg = `Pod "${pod.metadata.namespace ?? ''}"/"${pod.metadata.name ?? ''}" matches multiple PodDisruptionBudgets.  Chose "${selecting[0]!.metadata.name ?? ''}" arbitrarily.`;
          events.record(pod, POD_KIND, 'Warning', 'MultiplePodDisruptionBudgets', msg);
        }
        return selecting[0];
      };
      const podChanged = (pod: RoPod): void => {
        const budget = budgetOf(pod);
        if (budget !== undefined) queue.add(cacheKey(budget));
        const due = staleIn(pod, ctx.clock.now());
        if (due !== undefined) staleQueue.addAfter(cacheKey(pod), due);
      };
      const regs = [
        budgets.addEventHandler({
          onAdd: (b) => queue.add(cacheKey(b)),
          onUpdate: (_o, b) => queue.add(cacheKey(b)),
          onDelete: (b) => queue.add(cacheKey(tombstoneObject(b))),
        }),
        pods.addEventHandler({
          onAdd: podChanged,
          onUpdate: (_o, p) => podChanged(p),
          onDelete: (p) => {
            const budget = budgetOf(tombstoneObject(p));
            if (budget !== undefined) queue.add(cacheKey(budget));
          },
        }),
      ];

      const writeStatus = (budget: RoBudget, status: PodDisruptionBudget['status'], action: string): Promise<unknown> =>
        actingWrite(ctx, signal, action, cacheKey(budget), () => ctx.client.updateStatus<PodDisruptionBudget>(PDBS, { ...(budget as PodDisruptionBudget), status }), {
          disruptionsAllowed: status?.disruptionsAllowed ?? 0,
        });

      const trySync = async (budget: RoBudget): Promise<void> => {
        const namespace = budget.metadata.namespace ?? '';
        const selector = labelSelectorAsSelector(budget.spec?.selector as LabelSelector | undefined);
        const selected = pods.cache.byIndex(NAMESPACE_INDEX, namespace).filter((p) => selector.matches(p.metadata.labels ?? {}));
        if (selected.length === 0) events.record(budget, PDB_KIND, 'Normal', 'NoPods', 'No matching pods found');
        let counts;
        try {
          counts = expectedCounts(budget, selected, findScale);
        } catch (err) {
          events.record(budget, PDB_KIND, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
          throw err;
        }
        if (counts.unmanaged.length > 0) {
          events.record(
            budget,
            PDB_KIND,
            'Warning',
            'UnmanagedPods',
            `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelector(budget.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
          );
        }
        const now = ctx.clock.now();
        const disrupted = disruptedPodMap(budget, selected, now);
        // kube's message names the budget's namespace twice.
        for (const pod of disrupted.overdue) events.record(pod, POD_KIND, 'Warning', 'NotDeleted', `Pod was expected by PDB ${namespace}/${namespace} to be deleted but it wasn't`);
        const status = nextStatus(budget, countHealthy(selected, disrupted.awaited, now), counts, disrupted.awaited, now);
        if (status !== undefined) await writeStatus(budget, status, 'update-pdb-status');
        if (disrupted.recheckAt !== undefined) queue.addAfter(cacheKey(budget), disrupted.recheckAt - now);
      };

      const sync = async (key: string): Promise<void> => {
        const budget = budgets.cache.get(key);
        if (budget === undefined) return;
        try {
          await trySync(budget);
        } catch (err) {
          if (isConflict(err)) throw err;
          ctx.log.warn({ controller: 'disruption', key, err: (err as Error).message }, 'disruption: sync failed; no disruption allowed');
          await writeStatus(budget, failSafeStatus(budget, (err as Error).message, ctx.clock.now()), 'fail-safe-pdb-status');
        }
      };

      const syncStale = async (key: string): Promise<void> => {
        const pod = pods.cache.get(key);
        if (pod === undefined) return;
        const now = ctx.clock.now();
        const due = staleIn(pod, now);
        if (due === undefined) return;
        if (due > 0) {
          staleQueue.addAfter(key, due);
          return;
        }
        // Reset to False as kube 1.29+ does (UpdatePodCondition with type and status only: no reason or message).
        const conditions = withPodCondition(pod.status?.conditions, { type: DISRUPTION_TARGET_CONDITION, status: 'False' }, now);
        const next = { ...(pod as Pod), status: { ...(pod.status as Pod['status']), conditions } } as Pod;
        await actingWrite(ctx, signal, 'reset-disruption-target', key, () => ctx.client.updateStatus<Pod>(PODS, next));
      };

      try {
        if (!(await syncInformers(ctx, signal))) return;
        for (const b of budgets.cache.list()) queue.add(cacheKey(b));
        await Promise.all([runWorkers('disruption', queue, opts.workers ?? 1, sync, signal, ctx.log), runWorkers('disruption-stale-pods', staleQueue, 1, syncStale, signal, ctx.log)]);
      } finally {
        for (const r of regs) r.remove();
      }
    },
  };
}
