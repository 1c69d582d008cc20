/**
 * PodControl is how the ReplicaSet and DaemonSet controllers create and delete their pods (kube's
 * controller.RealPodControl and the loops around it in manageReplicas and syncNodes): every write journalled
 * and gated on leadership (ControllerWriter), each pod created or deleted — or that failed to be — an Event on
 * the owner in kube's words (SuccessfulCreate "Created pod: …", FailedCreate "Error creating: …",
 * SuccessfulDelete, FailedDelete), and the owner's expectations lowered for every write that will never be
 * observed, so a failure cannot hold the owner until the expectations expire.
 */
import type { DeepReadonly, GroupVersionKind, KubeObject, Pod } from '../../../api/index.js';
import { isNamespaceTerminating, isNotFound } from '../../client/errors.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { PODS } from '../../client/resource.js';
import type { ComponentContext } from '../../runtime/controller.js';
import { cacheKey } from '../worker-loop.js';
import type { ControllerWriter } from './controller-writer.js';
import type { ControllerExpectations } from './expectations.js';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from './slow-start.js';

/** PodControl creates and deletes one controller's pods; see the module comment. */
export class PodControl {
  constructor(
    private readonly ctx: ComponentContext,
    private readonly writer: ControllerWriter,
    private readonly events: EventRecorder,
    private readonly expectations: ControllerExpectations,
    private readonly ownerKind: GroupVersionKind,
  ) {}

  /**
   * createPods creates count pods, the i-th being podFor(i), in slow-start batches (1, 2, 4 … stopping at the
   * first failure), after the caller set key's expectations. A namespace being deleted refuses every create:
   * that is no failure, and no Event. Creations that failed or were never sent are observed at once; the first
   * error is thrown.
   */
  async createPods(key: string, owner: DeepReadonly<KubeObject>, count: number, podFor: (i: number) => Pod, detail: (i: number) => Readonly<Record<string, string>> = () => ({})): Promise<void> {
    let next = 0;
    const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, async () => {
      const i = next++;
      const pod = podFor(i);
      const object = `${pod.metadata.namespace ?? ''}/${pod.metadata.generateName ?? pod.metadata.name ?? ''}`;
      try {
        const created = await this.writer.write('create-pod', object, () => this.ctx.client.create<Pod>(PODS, pod.metadata.namespace, pod), { owner: owner.metadata.name ?? '', ...detail(i) });
        this.events.record(owner, this.ownerKind, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
      } catch (err) {
        if (isNamespaceTerminating(err)) {
          this.expectations.creationObserved(key);
          return;
        }
        this.events.record(owner, this.ownerKind, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    });
    for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
    if (error !== undefined) throw error;
  }

  /**
   * deletePods deletes pods at once, after the caller set key's expectations. A pod already gone is no failure
   * (but its deletion is observed now: the informer may have reported it before it was expected); the first
   * other error is thrown once every delete has been tried.
   */
  async deletePods(key: string, owner: DeepReadonly<KubeObject>, pods: readonly DeepReadonly<Pod>[]): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        const podKey = cacheKey(pod);
        try {
          await this.writer.write('delete-pod', podKey, () => this.ctx.client.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? ''), { owner: owner.metadata.name ?? '' });
          this.events.record(owner, this.ownerKind, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`);
        } catch (err) {
          this.expectations.deletionObserved(key, podKey);
          if (isNotFound(err)) return;
          this.events.record(owner, this.ownerKind, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
          errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }
}
