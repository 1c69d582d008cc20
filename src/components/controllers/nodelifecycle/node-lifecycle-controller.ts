/**
 * The node lifecycle controller (kube-controller-manager's nodelifecycle), the shell around node-health,
 * taints and taint-eviction:
 *
 * - every --node-monitor-period it observes each Node and its Lease in kube-node-lease; a node not heard from
 *   within the grace period gets Ready (and the pressure conditions) Unknown through nodes/status (journal
 *   `node-status`), and the pods on it Ready=False (MarkPodsNotReady; journal `mark-pod-not-ready`);
 * - it keeps the condition taints in step (node.kubernetes.io/not-ready and unreachable, NoExecute and
 *   NoSchedule; pressure, network and unschedulable NoSchedule): journal `taint-node` / `untaint-node`;
 * - the NoExecute taint manager deletes pods that do not tolerate a node's NoExecute taints, at once or when
 *   their tolerationSeconds run out, after marking them DisruptionTarget (journal `mark-pod-disruption-target`,
 *   `evict-pod`).
 *
 * It writes kube's Events: RegisteredNode ("Node node-1 event: Registered Node node-1 in Controller") on each
 * node it starts monitoring (again after a change of leader, as kube's) and RemovingNode on one deleted;
 * NodeNotReady on a node whose Ready leaves True ("Node node-1 status is now: NodeNotReady") and on each pod it
 * marks not ready ("Node is not ready"); and TaintManagerEviction on a pod it evicts ("Marking for deletion Pod
 * default/web-1").
 *
 * Taints go on at once rather than through kube's per-zone eviction rate limiter (--node-eviction-rate).
 */
import { deepCopy, formatTime, withPodCondition, type DeepReadonly, type Lease, type Node, type Pod } from '../../../api/index.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import { LEASES, NODES, PODS } from '../../client/resource.js';
import { tombstoneObject } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import { eventRecorder, type ComponentContext, type Controller } from '../../runtime/controller.js';
import { actingWrite, cacheKey, runWorkers, syncInformers } from '../worker-loop.js';
import { tryUpdateNodeHealth, type NodeHealth, type NodeHealthOptions } from './node-health.js';
import { podEviction, TAINT_EVICTION_CONDITION } from './taint-eviction.js';
import { reconcileNodeTaints } from './taints.js';

/** NodeLifecycleOptions are the controller's flags. */
export interface NodeLifecycleOptions extends NodeHealthOptions {
  /** monitorPeriodMs is --node-monitor-period (default 5 s). */
  readonly monitorPeriodMs: number;
  /** workers is how many taint-manager workers run (--concurrent-node-syncs? kube has 8 eviction workers). */
  readonly workers: number;
}

/** NODE_NAME_INDEX files pods under spec.nodeName. */
export const NODE_NAME_INDEX = 'spec.nodeName';

/** NODE_LEASE_NAMESPACE is where node agents keep their heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** nodeLifecycleController builds the controller. */
export function nodeLifecycleController(opts: NodeLifecycleOptions): Controller {
  return {
    name: 'nodelifecycle',
    async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
      const nodes = ctx.informers.informerFor<Node>(NODES);
      const leases = ctx.informers.informerFor<Lease>(LEASES);
      const pods = ctx.informers.informerFor<Pod>(PODS, { [NODE_NAME_INDEX]: (p) => ((p.spec?.nodeName ?? '') === '' ? [] : [p.spec!.nodeName!]) });
      const evictions = new WorkQueue<string>({ clock: ctx.clock });
      const events = eventRecorder(ctx, signal, 'node-controller');
      const evictionEvents = eventRecorder(ctx, signal, 'taint-eviction-controller');
      /** evicted holds the uids of pods whose eviction was reported: one event each, as kube's timed queue. */
      const evicted = new Set<string>();
      /**
       * deleted holds the uids of pods whose deletion was sent: the echo of their DisruptionTarget mark (which can
       * come before the deletion's) does not delete them again, as kube's timed queue runs a pod's work once.
       */
      const deleted = new Set<string>();
      const health = new Map<string, NodeHealth>();

      const enqueueNodePods = (nodeName: string): void => {
        for (const p of pods.cache.byIndex(NODE_NAME_INDEX, nodeName)) evictions.add(cacheKey(p));
      };
      const regs = [
        pods.addEventHandler({
          onDelete: (p) => {
            const uid = tombstoneObject(p).metadata.uid ?? cacheKey(tombstoneObject(p));
            evicted.delete(uid);
            deleted.delete(uid);
          },
          onAdd: (p) => {
            if ((p.spec?.nodeName ?? '') !== '') evictions.add(cacheKey(p));
          },
          onUpdate: (_o, p) => {
            if ((p.spec?.nodeName ?? '') !== '') evictions.add(cacheKey(p));
          },
        }),
        nodes.addEventHandler({
          onAdd: (n) => enqueueNodePods(n.metadata.name ?? ''),
          onUpdate: (o, n) => {
            if (JSON.stringify(o.spec?.taints ?? []) !== JSON.stringify(n.spec?.taints ?? [])) enqueueNodePods(n.metadata.name ?? '');
          },
          onDelete: (n) => {
            const gone = tombstoneObject(n);
            const name = gone.metadata.name ?? '';
            if (health.delete(name)) events.record(gone, NODES, 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
          },
        }),
      ];

      const evict = async (key: string): Promise<void> => {
        const pod = pods.cache.get(key);
        if (pod === undefined) return;
        const node = nodes.cache.get(pod.spec?.nodeName ?? '');
        if (node === undefined) return;
        const d = podEviction(pod, node.spec?.taints ?? [], ctx.clock.now());
        if (d.kind === 'wait') evictions.addAfter(key, d.at - ctx.clock.now());
        if (d.kind !== 'evict' || deleted.has(pod.metadata.uid ?? key)) return;
        if (!evicted.has(pod.metadata.uid ?? key)) {
          evicted.add(pod.metadata.uid ?? key);
          evictionEvents.record(pod, PODS, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
        }
        // As kube 1.26+'s taint eviction (addConditionAndDeletePod): the pod is marked DisruptionTarget first, so a
        // Job's podFailurePolicy can tell the disruption from a failure — with a strategic merge patch of that one
        // condition under the pod's UID (kube's PatchPodStatus), so a concurrent status write does not conflict.
        // UpdatePodCondition's "changed" (a stored condition has no lastProbeTime member: null is dropped on write).
        const marked = pod.status?.conditions?.find((c) => c.type === TAINT_EVICTION_CONDITION.type);
        if (marked?.status !== 'True' || marked.reason !== TAINT_EVICTION_CONDITION.reason || marked.message !== TAINT_EVICTION_CONDITION.message) {
          const condition = withPodCondition(pod.status?.conditions, TAINT_EVICTION_CONDITION, ctx.clock.now()).find((c) => c.type === TAINT_EVICTION_CONDITION.type);
          const patch = { metadata: { uid: pod.metadata.uid }, status: { conditions: [condition] } };
          try {
            await actingWrite(ctx, signal, 'mark-pod-disruption-target', key, () => ctx.client.patch<Pod>(PODS, pod.metadata.namespace, pod.metadata.name ?? '', 'strategic', patch, { subresource: 'status' }));
          } catch (err) {
            if (isNotFound(err)) return;
            throw err;
          }
        }
        try {
          await actingWrite(ctx, signal, 'evict-pod', key, () => ctx.client.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? '', { preconditions: { uid: pod.metadata.uid ?? '' } }), {
            node: node.metadata.name ?? '',
            reason: d.reason,
          });
          deleted.add(pod.metadata.uid ?? key);
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      };

      const markPodsNotReady = async (nodeName: string): Promise<void> => {
        for (const pod of pods.cache.byIndex(NODE_NAME_INDEX, nodeName)) {
          const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
          if (ready?.status !== 'True' || pod.metadata.deletionTimestamp) continue;
          const next = deepCopy<Pod>(pod);
          for (const c of next.status!.conditions!) {
            if (c.type !== 'Ready') continue;
            c.status = 'False';
            c.lastTransitionTime = formatTime(ctx.clock.now());
          }
          try {
            await actingWrite(ctx, signal, 'mark-pod-not-ready', cacheKey(pod), () => ctx.client.updateStatus(PODS, next), { node: nodeName });
            events.record(pod, PODS, 'Warning', 'NodeNotReady', 'Node is not ready');
          } catch (err) {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          }
        }
      };

      const monitorNode = async (node: DeepReadonly<Node>): Promise<void> => {
        const name = node.metadata.name ?? '';
        const lease = leases.cache.get(`${NODE_LEASE_NAMESPACE}/${name}`);
        const now = ctx.clock.now();
        // A node this term has not monitored yet is registered in the controller (kube's classifyNodes: added).
        if (!health.has(name)) events.record(node, NODES, 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
        const r = tryUpdateNodeHealth(health.get(name), node, lease, now, opts);
        health.set(name, r.health);
        let current: DeepReadonly<Node> = node;
        if (r.conditions !== undefined) {
          const next = deepCopy<Node>(node);
          next.status = { ...(next.status ?? {}), conditions: r.conditions };
          const ready = r.conditions.find((c) => c.type === 'Ready');
          current = await actingWrite(ctx, signal, 'node-status', name, () => ctx.client.updateStatus(NODES, next), { ready: ready?.status ?? '', reason: ready?.reason ?? '' });
          const wasReady = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
          if (wasReady && ready?.status !== 'True') events.record(current, NODES, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        }
        const change = reconcileNodeTaints(current, ctx.clock.now());
        if (change !== undefined) {
          const next = deepCopy<Node>(current);
          next.spec = { ...(next.spec ?? {}), taints: change.taints };
          if (change.taints.length === 0) delete next.spec.taints;
          const detail = { added: change.added.map((t) => `${t.key}:${t.effect}`).join(','), removed: change.removed.map((t) => `${t.key}:${t.effect}`).join(',') };
          current = await actingWrite(ctx, signal, change.added.length > 0 ? 'taint-node' : 'untaint-node', name, () => ctx.client.update(NODES, next), detail);
        }
        if (current.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown') await markPodsNotReady(name);
      };

      const monitor = async (): Promise<void> => {
        for (const node of nodes.cache.list()) {
          if (signal.aborted) return;
          try {
            await monitorNode(node);
          } catch (err) {
            // A conflict means the agent wrote meanwhile: the next pass sees its write.
            if (!signal.aborted && !isConflict(err) && !isNotFound(err)) ctx.log.warn({ node: node.metadata.name, err: err instanceof Error ? err.message : String(err) }, 'node monitor pass failed');
          }
        }
      };

      try {
        if (!(await syncInformers(ctx, signal))) return;
        let running: Promise<void> = Promise.resolve();
        let busy = false;
        const timer = ctx.clock.setInterval(() => {
          if (busy || signal.aborted) return;
          busy = true;
          running = monitor().finally(() => {
            busy = false;
          });
        }, opts.monitorPeriodMs);
        await runWorkers('nodelifecycle-taint-manager', evictions, opts.workers, evict, signal, ctx.log);
        timer.cancel();
        await running;
      } finally {
        evictions.shutDown();
        for (const r of regs) r.remove();
      }
    },
  };
}
