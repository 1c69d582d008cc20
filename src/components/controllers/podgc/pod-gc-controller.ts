/**
 * The pod garbage collector (kube's `podgc` controller): every 20 s it reads the pod and node caches and
 * force-deletes (grace 0) the pods nobody else will: terminated pods beyond `--terminated-pod-gc-threshold`
 * (evicted first, then oldest), pods bound to a node that has been missing for 40 s and that the API server confirms
 * is gone, terminating pods that were never scheduled, and terminating pods on a node that is not ready and tainted
 * `node.kubernetes.io/out-of-service`. A pod not yet terminal is first patched to phase Failed (an orphan also gets
 * the DisruptionTarget condition `DeletionByPodGC`), so a Job counts it as failed before it goes. Decisions in
 * pod-gc.ts.
 */
import { formatTime, type DeepReadonly, type Node, type Pod } from '../../../api/index.js';
import { isNotFound } from '../../client/errors.js';
import { NODES, PODS } from '../../client/resource.js';
import type { Controller } from '../../runtime/controller.js';
import { actingWrite, cacheKey, syncInformers, untilAborted } from '../worker-loop.js';
import {
  DEFAULT_TERMINATED_POD_GC_THRESHOLD,
  GC_CHECK_PERIOD_MS,
  MissingNodes,
  ORPHAN_CONDITION,
  isPodTerminated,
  terminatedToDelete,
  terminatingOnOutOfServiceNodes,
  unscheduledTerminating,
} from './pod-gc.js';

/** PodGcOptions are the collector's flags. */
export interface PodGcOptions {
  /** terminatedPodGcThreshold is --terminated-pod-gc-threshold (default 12,500; 0 turns that part off). */
  readonly terminatedPodGcThreshold?: number;
  /** checkPeriodMs is how often it looks (kube: 20 s). */
  readonly checkPeriodMs?: number;
  /** quarantineMs is how long a node must be missing before its pods count as orphans (kube: 40 s). */
  readonly quarantineMs?: number;
}

/** podGcController is the `podgc` controller of the controller-manager; see the module comment. */
export function podGcController(opts: PodGcOptions = {}): Controller {
  return {
    name: 'podgc',
    run: async (ctx, signal) => {
      const pods = ctx.informers.informerFor<Pod>(PODS);
      const nodes = ctx.informers.informerFor<Node>(NODES);
      const missing = new MissingNodes();
      const log = ctx.log.child({ controller: 'podgc' });

      /** forceDelete marks pod Failed (with condition, if given) unless it is terminal, then deletes it with grace 0. */
      const forceDelete = async (pod: DeepReadonly<Pod>, reason: string, condition?: typeof ORPHAN_CONDITION): Promise<void> => {
        const key = cacheKey(pod);
        try {
          if (!isPodTerminated(pod)) {
            const status = { phase: 'Failed', ...(condition === undefined ? {} : { conditions: [{ ...condition, lastTransitionTime: formatTime(ctx.clock.now()) }] }) };
            await actingWrite(ctx, signal, 'fail-pod', key, () => ctx.client.patch(PODS, pod.metadata.namespace, pod.metadata.name ?? '', 'strategic', { status }, { subresource: 'status' }), { reason });
          }
          await actingWrite(ctx, signal, 'delete-pod', key, () => ctx.client.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0 }), { reason });
        } catch (err) {
          if (signal.aborted) return;
          if (!isNotFound(err)) log.warn({ pod: key, reason, err: err instanceof Error ? err.message : String(err) }, 'pod GC could not delete a pod');
        }
      };

      /** nodeGone asks the API server whether a node the cache lacks is really gone. */
      const nodeGone = async (name: string): Promise<boolean> => {
        try {
          await ctx.client.get<Node>(NODES, undefined, name);
          return false;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      };

      const pass = async (): Promise<void> => {
        const allPods = pods.cache.list();
        const allNodes = nodes.cache.list();
        const threshold = opts.terminatedPodGcThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD;
        const terminated = terminatedToDelete(allPods, threshold);
        if (terminated.length > 0) log.info({ pods: terminated.length, threshold }, 'garbage collecting terminated pods');
        await Promise.all(terminated.map((p) => forceDelete(p, 'terminated')));
        await Promise.all(terminatingOnOutOfServiceNodes(allPods, allNodes).map((p) => forceDelete(p, 'out-of-service')));
        const deleted = new Set<string>();
        for (const name of missing.observe(allPods, allNodes, ctx.clock.monotonic(), opts.quarantineMs)) {
          if (await nodeGone(name)) deleted.add(name);
          else missing.forget(name);
        }
        const orphans = allPods.filter((p) => deleted.has(p.spec?.nodeName ?? ''));
        for (const p of orphans) log.info({ pod: cacheKey(p), node: p.spec?.nodeName }, 'found an orphaned pod on a node that no longer exists; deleting it');
        await Promise.all(orphans.map((p) => forceDelete(p, 'orphaned', ORPHAN_CONDITION)));
        await Promise.all(unscheduledTerminating(allPods).map((p) => forceDelete(p, 'unscheduled-terminating')));
      };

      if (!(await syncInformers(ctx, signal))) return;
      log.info({ periodMs: opts.checkPeriodMs ?? GC_CHECK_PERIOD_MS }, 'pod GC started');
      let running: Promise<void> = Promise.resolve();
      let busy = false;
      const timer = ctx.clock.setInterval(() => {
        if (busy || signal.aborted) return;
        busy = true;
        running = pass()
          .catch((err: unknown) => {
            if (!signal.aborted) log.warn({ err: err instanceof Error ? err.message : String(err) }, 'pod GC pass failed');
          })
          .finally(() => {
            busy = false;
          });
      }, opts.checkPeriodMs ?? GC_CHECK_PERIOD_MS);
      await untilAborted(signal);
      timer.cancel();
      await running;
    },
  };
}
