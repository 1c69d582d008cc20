/**
 * planDeploymentSync is the Deployment controller's decision (kube's syncDeployment with its sync, rollout and
 * status steps), a pure function of a snapshot — the Deployment, the ReplicaSets it owns, their pods and the
 * time — to the writes to make, in order (deployment-plan.ts), and when to look again.
 *
 * The flow is kube's: a Deployment with an empty selector only records its generation; one being deleted only
 * updates its status; the Paused/Resumed conditions are kept; a paused Deployment or a resize
 * (isScalingEvent) is scaled proportionally and its history cleaned; otherwise the strategy rolls —
 * RollingUpdate creates the new ReplicaSet (named `<deployment>-<pod-template-hash>`, revision max+1), grows
 * it within maxSurge, else shrinks old ones within maxUnavailable, and cleans the history once complete;
 * Recreate scales old ReplicaSets to zero, waits for their pods to go, then creates and grows the new one.
 * Kube writes the new ReplicaSet's revision and the Deployment's status in several requests; here the
 * Deployment's revision annotation and status go out in one /status write at the end.
 */
import {
  deepCopy,
  labelSelectorAsSelector,
  newControllerRef,
  type DeepReadonly,
  type Deployment,
  type GroupVersionKind,
  type Pod,
  type ReplicaSet,
} from '../../../api/index.js';
import { cleanupDeployment } from './deployment-history.js';
import { PlanRecorder, type DeploymentAction } from './deployment-plan.js';
import { oldPodsRunning, scaleDownOldReplicaSetsForRecreate } from './deployment-recreate.js';
import { reconcileNewReplicaSet, reconcileOldReplicaSets } from './deployment-rolling.js';
import { isScalingEvent, scale } from './deployment-scale.js';
import { calculateStatus, rolloutStatus, statusEqual, stuckRequeueMs } from './deployment-status.js';
import {
  REASONS,
  REVISION_ANNOTATION,
  activeReplicaSets,
  deploymentComplete,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  isRollingUpdate,
  maxRevision,
  newCondition,
  newRSNewReplicas,
  replicasOf,
  setCondition,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
} from './deployment-util.js';
import { POD_TEMPLATE_HASH_LABEL, canonicalJson, computeHash } from './pod-template-hash.js';

/** DEPLOYMENT_KIND is stamped on the ownerReferences of a Deployment's ReplicaSets. */
export const DEPLOYMENT_KIND: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'Deployment' };

/** DeploymentSnapshot is what one sync decides from. */
export interface DeploymentSnapshot {
  readonly deployment: Deployment | DeepReadonly<Deployment>;
  /** replicaSets are the ReplicaSets the Deployment controls (after adoption and release). */
  readonly replicaSets: readonly (ReplicaSet | DeepReadonly<ReplicaSet>)[];
  /** pods are the pods controlled by those ReplicaSets (Recreate waits for the old ones to go). */
  readonly pods: readonly (Pod | DeepReadonly<Pod>)[];
  /** now is the wall-clock time (epoch ms) conditions are stamped with. */
  readonly now: number;
}

/** DeploymentSyncPlan is the outcome of one sync. */
export interface DeploymentSyncPlan {
  readonly actions: readonly DeploymentAction[];
  /** requeueAfterMs asks for another look at a rollout that may be stuck (progress deadline). */
  readonly requeueAfterMs?: number;
}

/** planDeploymentSync decides one sync of a Deployment; see the module comment. */
export function planDeploymentSync(snapshot: DeploymentSnapshot): DeploymentSyncPlan {
  const original = deepCopy<Deployment>(snapshot.deployment);
  const d = deepCopy<Deployment>(snapshot.deployment);
  const sync = new DeploymentSync(d, snapshot.replicaSets.map((rs) => deepCopy<ReplicaSet>(rs)), snapshot.pods, snapshot.now);
  sync.run();
  const actions = [...sync.plan.actions];
  const annotationsChanged = canonicalJson(original.metadata.annotations ?? {}) !== canonicalJson(d.metadata.annotations ?? {});
  if (annotationsChanged || !statusEqual(original.status, d.status)) actions.push({ type: 'update-status', deployment: d });
  return sync.requeueAfterMs === undefined ? { actions } : { actions, requeueAfterMs: sync.requeueAfterMs };
}

class DeploymentSync {
  readonly plan: PlanRecorder;
  requeueAfterMs: number | undefined;

  constructor(
    private readonly d: Deployment,
    private readonly rss: ReplicaSet[],
    private readonly pods: readonly (Pod | DeepReadonly<Pod>)[],
    private readonly now: number,
  ) {
    this.plan = new PlanRecorder(d);
  }

  run(): void {
    const d = this.d;
    const sel = d.spec?.selector;
    if (sel === undefined || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      // An empty selector would match every pod: kube refuses to act and only records the generation.
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation ?? 0 };
      return;
    }
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = this.allReplicaSets(false);
      this.syncDeploymentStatus([...oldRSs, newRS], newRS);
      return;
    }
    this.checkPausedConditions();
    if (d.spec?.paused === true) {
      this.syncScale();
      return;
    }
    {
      const { newRS, oldRSs } = this.allReplicaSets(false);
      if (isScalingEvent(d, newRS, oldRSs)) {
        this.syncScale();
        return;
      }
    }
    if (isRollingUpdate(d)) this.rolloutRolling();
    else this.rolloutRecreate();
  }

  /** allReplicaSets finds the new and old ReplicaSets and syncs revisions (getAllReplicaSetsAndSyncRevision). */
  private allReplicaSets(createIfNotExisted: boolean): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const { all } = findOldReplicaSets(this.d, this.rss);
    const newRS = this.newReplicaSet(all, createIfNotExisted);
    return { newRS, oldRSs: all.filter((rs) => rs !== newRS) };
  }

  /** newReplicaSet returns the new ReplicaSet with its annotations synced, creating it if asked (getNewReplicaSet). */
  private newReplicaSet(oldRSs: ReplicaSet[], create: boolean): ReplicaSet | undefined {
    const d = this.d;
    const existing = findNewReplicaSet(d, this.rss);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing !== undefined) {
      const annotationsUpdated = setNewReplicaSetAnnotations(d, existing, newRevision, true);
      const minReadyNeedsUpdate = (existing.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        existing.spec = { ...(existing.spec ?? { selector: {} }), minReadySeconds: d.spec?.minReadySeconds ?? 0 };
        if ((d.spec?.minReadySeconds ?? 0) === 0) delete existing.spec.minReadySeconds;
        this.plan.update(existing);
        return existing;
      }
      setDeploymentRevision(d, Number(existing.metadata.annotations?.[REVISION_ANNOTATION] ?? newRevision));
      if (hasProgressDeadline(d) && getCondition(d.status, 'Progressing') === undefined) {
        d.status ??= {};
        setCondition(d.status, newCondition('Progressing', 'True', REASONS.foundNewReplicaSet, `Found new replica set "${existing.metadata.name ?? ''}"`, this.now));
      }
      return existing;
    }
    if (!create) return undefined;
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const template = deepCopy(d.spec?.template ?? {});
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = deepCopy(d.spec!.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name ?? ''}-${hash}`,
        namespace: d.metadata.namespace ?? '',
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(d, DEPLOYMENT_KIND)],
      },
      spec: { replicas: 0, selector, template, ...((d.spec?.minReadySeconds ?? 0) > 0 ? { minReadySeconds: d.spec!.minReadySeconds! } : {}) },
    };
    newRS.spec!.replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);
    this.plan.create(newRS);
    this.rss.push(newRS);
    setDeploymentRevision(d, newRevision);
    if (hasProgressDeadline(d)) {
      d.status ??= {};
      setCondition(d.status, newCondition('Progressing', 'True', REASONS.newReplicaSetCreated, `Created new replica set "${newRS.metadata.name ?? ''}"`, this.now));
    }
    return newRS;
  }

  /** checkPausedConditions keeps the Progressing condition's DeploymentPaused / DeploymentResumed reason in step with spec.paused. */
  private checkPausedConditions(): void {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === REASONS.progressDeadlineExceeded) return;
    const pausedCondExists = cond?.reason === REASONS.deploymentPaused;
    d.status ??= {};
    if (d.spec?.paused === true && !pausedCondExists) setCondition(d.status, newCondition('Progressing', 'Unknown', REASONS.deploymentPaused, 'Deployment is paused', this.now));
    else if (d.spec?.paused !== true && pausedCondExists) setCondition(d.status, newCondition('Progressing', 'Unknown', REASONS.deploymentResumed, 'Deployment is resumed', this.now));
  }

  /** syncScale is kube's sync: scale proportionally, clean history when paused, write plain status. */
  private syncScale(): void {
    const { newRS, oldRSs } = this.allReplicaSets(false);
    scale(this.plan, this.d, newRS, oldRSs);
    if (this.d.spec?.paused === true) cleanupDeployment(this.plan, this.d, oldRSs);
    this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  private syncDeploymentStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): void {
    const status = calculateStatus(allRSs, newRS, this.d, this.now);
    if (!statusEqual(this.d.status, status)) this.d.status = status;
  }

  private syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): void {
    const status = rolloutStatus(allRSs, newRS, this.d, this.now);
    if (statusEqual(this.d.status, status)) {
      this.requeueAfterMs = stuckRequeueMs(this.d, status, this.now);
      return;
    }
    this.d.status = status;
  }

  private rolloutRolling(): void {
    const { newRS, oldRSs } = this.allReplicaSets(true);
    const allRSs = [...oldRSs, newRS!];
    if (reconcileNewReplicaSet(this.plan, this.d, allRSs, newRS!)) return this.syncRolloutStatus(allRSs, newRS);
    if (reconcileOldReplicaSets(this.plan, this.d, allRSs, activeReplicaSets(oldRSs), newRS!)) return this.syncRolloutStatus(allRSs, newRS);
    if (deploymentComplete(this.d, this.d.status ?? {})) cleanupDeployment(this.plan, this.d, oldRSs);
    this.syncRolloutStatus(allRSs, newRS);
  }

  private rolloutRecreate(): void {
    let { newRS, oldRSs } = this.allReplicaSets(false);
    let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
    if (scaleDownOldReplicaSetsForRecreate(this.plan, activeReplicaSets(oldRSs))) return this.syncRolloutStatus(allRSs, newRS);
    if (oldPodsRunning(newRS, oldRSs, this.podsByOwner())) return this.syncRolloutStatus(allRSs, newRS);
    if (newRS === undefined) {
      ({ newRS, oldRSs } = this.allReplicaSets(true));
      allRSs = [...oldRSs, newRS];
    }
    if (newRS !== undefined) this.plan.scaleReplicaSetAndRecordEvent(newRS, replicasOf(this.d));
    if (deploymentComplete(this.d, this.d.status ?? {})) cleanupDeployment(this.plan, this.d, oldRSs);
    this.syncRolloutStatus(allRSs, newRS);
  }

  /** podsByOwner groups the pods by the uid of the ReplicaSet controlling them (getPodMapForDeployment). */
  private podsByOwner(): Map<string, (Pod | DeepReadonly<Pod>)[]> {
    const uids = new Set(this.rss.map((rs) => rs.metadata.uid).filter((u): u is string => u !== undefined));
    const selector = labelSelectorAsSelector(this.d.spec?.selector);
    const out = new Map<string, (Pod | DeepReadonly<Pod>)[]>();
    for (const pod of this.pods) {
      if (!selector.matches(pod.metadata.labels)) continue;
      const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true);
      if (ref === undefined || !uids.has(ref.uid)) continue;
      const list = out.get(ref.uid) ?? [];
      list.push(pod);
      out.set(ref.uid, list);
    }
    return out;
  }
}
