/**
 * DeploymentPlan is what one sync of a Deployment decides to write, in order: ReplicaSets to create, update
 * (size, annotations, minReadySeconds) or delete, and the Deployment's status (with its revision annotation,
 * which /status may set for Deployments). The planner works on its own copies of the objects; an action holds
 * the copy it concerns, so later decisions in the same sync about the same ReplicaSet fold into one write.
 */
import type { Deployment, ReplicaSet } from '../../../api/index.js';
import { replicasAnnotationsNeedUpdate, maxSurge, replicasOf, setReplicasAnnotations } from './deployment-util.js';

/** DeploymentAction is one write of a plan. */
export type DeploymentAction =
  | { readonly type: 'create-replica-set'; readonly replicaSet: ReplicaSet }
  | { readonly type: 'update-replica-set'; readonly replicaSet: ReplicaSet }
  | { readonly type: 'delete-replica-set'; readonly replicaSet: ReplicaSet }
  | { readonly type: 'update-status'; readonly deployment: Deployment };

/** PlanRecorder collects a sync's writes while the planner changes its copies. */
export class PlanRecorder {
  readonly actions: DeploymentAction[] = [];

  constructor(readonly deployment: Deployment) {}

  /** create records the creation of rs. */
  create(rs: ReplicaSet): void {
    this.actions.push({ type: 'create-replica-set', replicaSet: rs });
  }

  /** update records that rs (already changed in place) must be written, once per sync. */
  update(rs: ReplicaSet): void {
    if (this.actions.some((a) => a.type !== 'update-status' && a.replicaSet === rs)) return;
    this.actions.push({ type: 'update-replica-set', replicaSet: rs });
  }

  /** delete records the deletion of rs. */
  delete(rs: ReplicaSet): void {
    this.actions.push({ type: 'delete-replica-set', replicaSet: rs });
  }

  /**
   * scaleReplicaSet sets rs's size to n and its desired/max-replicas annotations to the Deployment's, recording
   * an update if either changed (kube's scaleReplicaSet).
   */
  scaleReplicaSet(rs: ReplicaSet, n: number): void {
    const d = this.deployment;
    const sizeNeedsUpdate = replicasOf(rs) !== n;
    const annotationsNeedUpdate = replicasAnnotationsNeedUpdate(rs, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeNeedsUpdate && !annotationsNeedUpdate) return;
    setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d));
    rs.spec = { ...(rs.spec ?? { selector: {} }), replicas: n };
    this.update(rs);
  }

  /** scaleReplicaSetAndRecordEvent scales rs to n unless it already has n replicas; it reports whether it scaled. */
  scaleReplicaSetAndRecordEvent(rs: ReplicaSet, n: number): boolean {
    if (replicasOf(rs) === n) return false;
    this.scaleReplicaSet(rs, n);
    return true;
  }
}
