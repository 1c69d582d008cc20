/**
 * NodeAgents runs many hollow kubelets in one process, as kubemark does, with the client-go shape: shared
 * informers feed work queues, workers do the API calls, the decisions are the pure functions beside this
 * file. Three queues with their own workers (`concurrency` each; more for Leases and pods, see leaseWorkers and podWorkers), so that a
 * slow kind of write never starves another:
 *
 * - nodes: register the Node (POST; on AlreadyExists the existing Node is reused, as the kubelet's
 *   registerWithAPIServer does after a restart — or at once, without a POST, when the synced Node cache already
 *   holds it), then every status-update period compute the status and post
 *   it (PATCH nodes/NAME/status) only if it changed or the report period passed. A Node deleted under a
 *   running agent is registered again.
 * - leases: renew each node's Lease in kube-node-lease every ¼ lease duration with 4 % jitter (the kubelet's
 *   lease controller), the first renewal of each node placed uniformly over one interval so that a thousand
 *   nodes renew evenly, not in bursts; a failed renewal is retried with backoff (200 ms doubling to 7 s) and
 *   refetches the Lease first.
 * - pods: one informer on every bound pod (fieldSelector spec.nodeName!=) for the whole process; its events
 *   are dispatched by spec.nodeName to the nodes hosted here. A pod seen for the first time is admitted (or
 *   rejected) and given an IP from its node's range, or — after a restart — adopted with the IP and start time
 *   its status already carries; then syncPod decides status writes (PUT pods/NAME/status) and deletion. A pod
 *   whose containers exit for good (a Job's pods: restartPolicy Never or OnFailure) gives its IP back at once and
 *   no longer counts at admission, as a kubelet's terminated pod whose sandbox is gone.
 *
 * The kubelets' Events (kubelet-events.ts) go through one EventRecorder for the process: registration, container
 * start, restart back-off and stop, admission rejections.
 *
 * The pods of a Node that was deleted are left alone. /healthz fails (check `nodeLeases`) when any registered
 * node has not renewed its Lease for half the lease duration; /readyz waits for every node to be registered.
 */
import type { Registry } from 'prom-client';
import { deepCopy, metaNamespaceKey, parseTime, type DeepReadonly, type Lease, type Node, type Pod, type PodStatus } from '../../api/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Random } from '../../util/random.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer, tombstoneObject } from '../client/informer.js';
import { listWatchFor } from '../client/reflector.js';
import { LEASES, NODES, PODS } from '../client/resource.js';
import type { RestClient } from '../client/rest-client.js';
import { WorkQueue } from '../client/workqueue.js';
import type { HealthCheck } from '../runtime/component-server.js';
import type { ComponentContext, Controller } from '../runtime/controller.js';
import type { Journal } from '../runtime/journal.js';
import { admitPod } from './admission.js';
import { leaseRenewIntervalMs, leaseWorkers, podWorkers, type NodeAgentConfig } from './config.js';
import { HollowNode, hollowNodeSpecs, renewalLag } from './hollow-node.js';
import { containerStatusEvents, containersStoppingEvents, nodeEvents, rejectedEvents, type KubeletEvent } from './kubelet-events.js';
import { NodeAgentMetrics } from './metrics.js';
import { newNodeLease, NODE_LEASE_NAMESPACE, renewedLease } from './node-lease.js';
import { desiredNodeStatus, newNode, nodeLabels, nodeLabelsMissing, shouldPostNodeStatus } from './node-status.js';
import { cidrContains, parseCIDR } from './pod-cidr.js';
import { abandonedStatus, type PodRuntime } from './pod-status.js';
import { isTerminalPhase, runningAt, syncPod } from './pod-sync.js';
import { containerRunSpec } from './container-run.js';

/** restartsBetween counts the container restarts from one status of a pod to the next (restartCount increases). */
function restartsBetween(before: DeepReadonly<PodStatus> | undefined, after: DeepReadonly<PodStatus>): number {
  let n = 0;
  for (const c of after.containerStatuses ?? []) {
    const was = before?.containerStatuses?.find((x) => x.name === c.name)?.restartCount ?? 0;
    if (c.restartCount > was) n += c.restartCount - was;
  }
  return n;
}

/** BOUND_PODS_FIELD_SELECTOR selects every pod bound to some node. */
export const BOUND_PODS_FIELD_SELECTOR = 'spec.nodeName!=';

function podKey(pod: DeepReadonly<Pod>): string {
  return metaNamespaceKey(pod.metadata.namespace, pod.metadata.name ?? '');
}

/** LEASE_JITTER is the kubelet lease controller's jitter factor (wait.JitterUntil(…, 0.04, …)). */
const LEASE_JITTER = 0.04;
const LEASE_RETRY_INITIAL_MS = 200;
const LEASE_RETRY_MAX_MS = 7_000;
/** REGISTRATION_CACHE_WAIT_MS bounds the wait for the Node cache before registering. */
const REGISTRATION_CACHE_WAIT_MS = 10_000;

/** NodeAgentsOptions configure a NodeAgents. */
export interface NodeAgentsOptions {
  readonly config: NodeAgentConfig;
  /** clock times the health check before and between runs; run() uses the context's. */
  readonly clock: Clock;
  /** metrics is the registry the node-agent counters go to. */
  readonly metrics: Registry;
}

interface RunState {
  readonly client: RestClient;
  /** heartbeatClient renews the node Leases (the kubelet's HeartbeatClient): never behind the pod status writes. */
  readonly heartbeatClient: RestClient;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly journal: Journal;
  readonly nodeInformer: Informer<Node>;
  readonly podInformer: Informer<Pod>;
  readonly nodeQueue: WorkQueue<string>;
  readonly leaseQueue: WorkQueue<string>;
  readonly podQueue: WorkQueue<string>;
  /** events writes the kubelets' Events (kubelet-events.ts): few workers, a bounded queue, dropped beyond it. */
  readonly events: EventRecorder;
}

/** NodeAgents is the work of `capstan node`: see the module comment. */
export class NodeAgents implements Controller {
  readonly name = 'node';
  private readonly config: NodeAgentConfig;
  private readonly clock: Clock;
  private readonly metrics: NodeAgentMetrics;
  private readonly nodes = new Map<string, HollowNode>();
  /** runtimes holds the pods admitted (or rejected) here, by namespace/name key. */
  private readonly runtimes = new Map<string, PodRuntime>();
  /**
   * written holds, per pod, the pod as this agent's last status write left it and the resourceVersion that write
   * replaced. While the informer's copy is still at that version, the write is the newer state and the next
   * sync starts from it: the kubelet's status manager likewise syncs from its own record of what it wrote, not
   * from a cache that may lag (a PUT from the lagging cache is a 409, retried until the cache catches up — under
   * load, more conflicts than writes). The write was guarded by that version, so once the informer's copy has
   * moved on it holds this write or something later.
   */
  private readonly written = new Map<string, { readonly pod: DeepReadonly<Pod>; readonly replaced: string | undefined }>();
  private state: RunState | undefined;
  /** started holds the nodes whose kubelet start this process has reported (once, as a kubelet per process). */
  private readonly started = new Set<string>();

  constructor(opts: NodeAgentsOptions) {
    this.config = opts.config;
    this.clock = opts.clock;
    this.metrics = new NodeAgentMetrics(opts.metrics);
    const now = this.clock.monotonic();
    for (const spec of hollowNodeSpecs(this.config)) this.nodes.set(spec.name, new HollowNode(spec, now));
    this.metrics.nodes.set(this.nodes.size);
  }

  /** nodeNames lists the hosted nodes' names, by index. */
  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** healthCheck fails when a registered node has not renewed its Lease for half the lease duration. */
  healthCheck(): HealthCheck {
    const thresholdMs = this.config.leaseDurationSeconds * 500;
    return {
      name: 'nodeLeases',
      check: () => {
        const lag = renewalLag(this.registeredNodes(), this.clock.monotonic(), thresholdMs);
        if (lag.behind === 0) return undefined;
        return `${lag.behind} of ${this.nodes.size} node leases not renewed for more than ${thresholdMs / 1000}s (oldest: ${lag.stalest!.name}, ${(lag.stalest!.ageMs / 1000).toFixed(1)}s ago)`;
      },
    };
  }

  private *registeredNodes(): Iterable<HollowNode> {
    for (const n of this.nodes.values()) if (n.registered) yield n;
  }

  /** ready reports whether every node is registered and the pod and node caches have synced. */
  ready(): boolean {
    const s = this.state;
    if (s === undefined || !s.podInformer.hasSynced() || !s.nodeInformer.hasSynced()) return false;
    for (const n of this.nodes.values()) if (!n.registered) return false;
    return true;
  }

  /** run hosts the nodes until signal aborts. */
  async run(ctx: ComponentContext, signal: AbortSignal): Promise<void> {
    const log = ctx.log.child({ component: 'node-agents' });
    const nodeInformer = ctx.informers.informerFor<Node>(NODES);
    const podInformer = new Informer<Pod>(listWatchFor<Pod>(ctx.client, PODS, undefined, { fieldSelector: BOUND_PODS_FIELD_SELECTOR }), {
      name: 'pods',
      clock: ctx.clock,
      random: ctx.random,
      logger: log,
    });
    const s: RunState = {
      client: ctx.client,
      heartbeatClient: ctx.heartbeatClient,
      clock: ctx.clock,
      random: ctx.random,
      log,
      journal: ctx.journal,
      nodeInformer,
      podInformer,
      nodeQueue: new WorkQueue<string>({ clock: ctx.clock }),
      leaseQueue: new WorkQueue<string>({ clock: ctx.clock }),
      podQueue: new WorkQueue<string>({ clock: ctx.clock }),
      events: new EventRecorder({ client: ctx.client, clock: ctx.clock, log, component: 'kubelet', instance: ctx.identity, signal }),
    };
    this.state = s;

    nodeInformer.addEventHandler({
      onDelete: (obj) => {
        const gone = tombstoneObject(obj);
        const node = this.nodes.get(gone.metadata.name ?? '');
        if (node === undefined || node.uid !== gone.metadata.uid) return;
        log.warn({ node: node.name, uid: node.uid }, 'node was deleted; registering it again');
        node.uid = undefined;
        s.nodeQueue.add(node.name);
      },
    });
    const enqueuePod = (pod: DeepReadonly<Pod>): void => {
      const key = podKey(pod);
      if (this.nodes.has(pod.spec?.nodeName ?? '') || this.runtimes.has(key)) s.podQueue.add(key);
    };
    // A pod's update that is this agent's own status write coming back needs no sync: the sync that wrote it
    // decided with that status and queued the pod for its next change in time (a start, exit or stop).
    const ownWrite = (pod: DeepReadonly<Pod>): boolean => {
      const mine = this.written.get(podKey(pod))?.pod.metadata;
      return mine !== undefined && mine.uid === pod.metadata.uid && mine.resourceVersion === pod.metadata.resourceVersion;
    };
    podInformer.addEventHandler({
      onAdd: enqueuePod,
      onUpdate: (_, pod) => {
        if (!ownWrite(pod)) enqueuePod(pod);
      },
      onDelete: (obj) => enqueuePod(tombstoneObject(obj)),
    });

    ctx.informers.start();
    podInformer.start();
    const gauges = ctx.clock.setInterval(() => this.updateGauges(s), 5_000);
    const aborted = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

    const workers: Promise<void>[] = [];
    // Node and lease syncs schedule their own next round (and retries); pod syncs retry through the queue.
    for (let i = 0; i < this.config.concurrency; i++) workers.push(this.worker(s.nodeQueue, (name) => this.syncNode(s, name), false));
    for (let i = 0; i < podWorkers(this.config); i++) workers.push(this.worker(s.podQueue, (key) => this.syncPodKey(s, key), true));
    for (let i = 0; i < leaseWorkers(this.config); i++) workers.push(this.worker(s.leaseQueue, (name) => this.syncLease(s, name), false));
    // Registration waits a little for the Node cache, so that after a restart existing Nodes are reused without a POST each.
    await Promise.race([nodeInformer.waitForSync(REGISTRATION_CACHE_WAIT_MS).catch(() => undefined), aborted]);
    for (const name of this.nodes.keys()) s.nodeQueue.add(name);
    await aborted;
    gauges.cancel();
    s.nodeQueue.shutDown();
    s.leaseQueue.shutDown();
    s.podQueue.shutDown();
    await podInformer.stop();
    await Promise.all(workers);
  }

  /** worker runs sync for keys of queue until it shuts down; a failed pod sync is retried with the queue's backoff. */
  private async worker(queue: WorkQueue<string>, sync: (key: string) => Promise<void>, retry: boolean): Promise<void> {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        await sync(key);
        if (retry) queue.forget(key);
      } catch (err) {
        this.state?.log.warn({ err: (err as Error).message, key }, 'sync failed');
        if (retry) queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  }

  private updateGauges(s: RunState): void {
    const lag = renewalLag(this.registeredNodes(), s.clock.monotonic(), Infinity);
    this.metrics.leaseRenewLag.set((lag.stalest?.ageMs ?? 0) / 1000);
    const now = s.clock.now();
    let running = 0;
    for (const rt of this.runtimes.values()) if (rt.rejected === undefined && rt.terminated !== true && rt.stoppingSince === undefined && runningAt(rt, this.config) <= now) running++;
    this.metrics.runningPods.set(running);
  }

  // ---- nodes: registration and status ----

  private async syncNode(s: RunState, name: string): Promise<void> {
    const node = this.nodes.get(name)!;
    try {
      if (!node.registered) await this.register(s, node);
      else await this.postStatus(s, node);
    } finally {
      const jitter = 1 + LEASE_JITTER * s.random.float();
      s.nodeQueue.addAfter(name, node.registered ? this.config.statusUpdateFrequencyMs * jitter : LEASE_RETRY_MAX_MS);
    }
  }

  private async register(s: RunState, node: HollowNode): Promise<void> {
    s.journal.record('register-node', node.name);
    const cached = s.nodeInformer.hasSynced() ? s.nodeInformer.cache.get(node.name) : undefined;
    const { node: registered, created } = cached === undefined ? await this.createNode(s, node) : { node: await this.reuseNode(s, node, deepCopy<Node>(cached)), created: false };
    node.uid = registered.metadata.uid ?? '';
    // The kubelet's nodeRef names the node and uses the name as its UID; it starts once per process.
    const nodeRef = { metadata: { name: node.name, uid: node.name } };
    const events = nodeEvents(node.name, { starting: !this.started.has(node.name), created });
    this.started.add(node.name);
    for (const e of events) s.events.record(nodeRef, NODES, e.type, e.reason, e.message, undefined, { host: node.name });
    // Renewals are judged from the first registration on: a thousand nodes take a while to register.
    if (node.renewals === 0) node.lastRenewAt = s.clock.monotonic();
    this.metrics.registrations.inc();
    // The Lease gets its owner reference now, and a fresh node wants its first heartbeat at once.
    s.leaseQueue.add(node.name);
    if (node.lastReportAt === undefined) await this.postStatus(s, node);
  }

  /** createNode posts the Node (with its first status); if it exists already, it is reused (created: false). */
  private async createNode(s: RunState, node: HollowNode): Promise<{ node: Node; created: boolean }> {
    try {
      const created = await s.client.create<Node>(NODES, undefined, newNode(node.spec, s.clock.now()));
      node.lastReportAt = s.clock.monotonic();
      s.log.info({ node: node.name, uid: created.metadata.uid }, 'registered node');
      return { node: created, created: true };
    } catch (err) {
      if (!isAlreadyExists(err)) {
        s.log.warn({ err, node: node.name }, 'unable to register node');
        throw err;
      }
      return { node: await this.reuseNode(s, node, await s.client.get<Node>(NODES, undefined, node.name)), created: false };
    }
  }

  /** reuseNode adopts an existing Node of this name (a restart): labels it lacks are put back, status is posted at once. */
  private async reuseNode(s: RunState, node: HollowNode, existing: Node): Promise<Node> {
    let registered = existing;
    if (nodeLabelsMissing(registered, node.spec)) {
      registered = await s.client.patch<Node>(NODES, undefined, node.name, 'merge', { metadata: { labels: nodeLabels(node.spec) } });
    }
    node.lastReportAt = undefined;
    s.log.info({ node: node.name, uid: registered.metadata.uid }, 'node already registered; reusing it');
    return registered;
  }

  private async postStatus(s: RunState, node: HollowNode): Promise<void> {
    const cached = s.nodeInformer.cache.get(node.name);
    const desired = desiredNodeStatus(node.spec, s.clock.now(), cached?.status);
    const mono = s.clock.monotonic();
    if (!shouldPostNodeStatus(cached?.status, desired, mono, node.lastReportAt, this.config.statusReportFrequencyMs)) return;
    try {
      await s.client.patch<Node>(NODES, undefined, node.name, 'merge', { status: desired }, { subresource: 'status' });
      node.lastReportAt = mono;
      this.metrics.nodeStatusWrites.inc({ result: 'ok' });
    } catch (err) {
      this.metrics.nodeStatusWrites.inc({ result: 'error' });
      if (isNotFound(err)) {
        s.log.warn({ node: node.name }, 'node not found while posting status; registering it again');
        node.uid = undefined;
        return;
      }
      throw err;
    }
  }

  // ---- leases ----

  private async syncLease(s: RunState, name: string): Promise<void> {
    const node = this.nodes.get(name)!;
    const interval = leaseRenewIntervalMs(this.config);
    if (!node.registered) {
      s.leaseQueue.addAfter(name, interval);
      return;
    }
    const started = s.clock.monotonic();
    let next: number;
    try {
      node.lease = await this.writeLease(s, node);
      node.lastRenewAt = s.clock.monotonic();
      this.metrics.leaseRenewDuration.observe((node.lastRenewAt - started) / 1000);
      this.metrics.leaseRenewals.inc({ result: 'ok' });
      node.renewFailures = 0;
      node.renewals++;
      // The first renewal after the Lease is made lands anywhere in one interval: renewals spread evenly.
      next = node.renewals === 1 ? interval * s.random.float() : interval * (1 + LEASE_JITTER * s.random.float());
    } catch (err) {
      this.metrics.leaseRenewals.inc({ result: 'error' });
      node.lease = undefined;
      node.renewFailures++;
      next = Math.min(LEASE_RETRY_MAX_MS, LEASE_RETRY_INITIAL_MS * 2 ** (node.renewFailures - 1));
      s.log.warn({ err: (err as Error).message, node: name, retryInMs: next }, 'failed to renew node lease');
    }
    s.leaseQueue.addAfter(name, next);
  }

  private async writeLease(s: RunState, node: HollowNode): Promise<Lease> {
    const owner: Node = { metadata: { name: node.name, ...(node.uid === undefined ? {} : { uid: node.uid }) } };
    let current = node.lease;
    if (current === undefined) {
      try {
        current = await s.heartbeatClient.get<Lease>(LEASES, NODE_LEASE_NAMESPACE, node.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return s.heartbeatClient.create<Lease>(LEASES, NODE_LEASE_NAMESPACE, newNodeLease(owner, this.config.leaseDurationSeconds, s.clock.now()));
      }
    }
    return s.heartbeatClient.update<Lease>(LEASES, renewedLease(current, owner, this.config.leaseDurationSeconds, s.clock.now()));
  }

  // ---- pods ----

  private forget(key: string): void {
    this.written.delete(key);
    const rt = this.runtimes.get(key);
    if (rt === undefined) return;
    this.runtimes.delete(key);
    const node = this.nodes.get(rt.node);
    node?.ips.release(rt.uid);
    node?.pods.delete(key);
  }

  /**
   * adopt takes over a pod this node ran before a restart: same hostIP, with the IP and start time it reports.
   * A terminated pod keeps reporting its IP but does not hold it any more.
   */
  private adopt(pod: DeepReadonly<Pod>, node: HollowNode): PodRuntime | undefined {
    const status = pod.status;
    if (status?.hostIP !== node.spec.internalIP || status.startTime === undefined) return undefined;
    const uid = pod.metadata.uid ?? '';
    const rejected = status.phase === 'Failed' && (status.reason ?? '').startsWith('OutOf') ? { reason: status.reason!, message: status.message ?? '' } : undefined;
    let podIP = status.podIP ?? '';
    const base = { uid, node: node.name, admittedAt: parseTime(status.startTime), hostIP: node.spec.internalIP, runSpec: containerRunSpec(pod, this.config.podRunDurationMs) };
    if (rejected === undefined && isTerminalPhase(status.phase)) return { ...base, podIP, terminated: true };
    if (rejected === undefined) {
      if (podIP !== '' && (!cidrContains(parseCIDR(node.spec.podCIDR), podIP) || !node.ips.reserve(uid, podIP))) podIP = '';
      if (podIP === '') podIP = node.ips.allocate(uid) ?? '';
      if (podIP === '') return undefined;
    }
    return { ...base, podIP, ...(rejected === undefined ? {} : { rejected }) };
  }

  /**
   * admit runs the kubelet's admission for a new pod on node: a runtime with an IP, a rejected one, or undefined
   * when no IP is free. The pods admitted before count as this agent last saw or wrote them, terminated ones not
   * at all (admitPod also leaves out any whose status says Succeeded or Failed).
   */
  private admit(s: RunState, pod: DeepReadonly<Pod>, node: HollowNode): PodRuntime | undefined {
    const uid = pod.metadata.uid ?? '';
    const key = podKey(pod);
    const admitted: DeepReadonly<Pod>[] = [];
    for (const k of node.pods) {
      const rt = this.runtimes.get(k);
      if (rt === undefined || rt.rejected !== undefined || rt.terminated === true) continue;
      const mine = this.written.get(k)?.pod;
      const p = mine !== undefined && mine.metadata.uid === rt.uid ? mine : s.podInformer.cache.get(k);
      if (p !== undefined) admitted.push(p);
    }
    const base = { uid, node: node.name, admittedAt: s.clock.now(), hostIP: node.spec.internalIP, runSpec: containerRunSpec(pod, this.config.podRunDurationMs) };
    const rejection = admitPod(node.spec.capacity, admitted, pod);
    if (rejection !== undefined) {
      s.journal.record('reject-pod', key, { node: node.name, reason: rejection.reason });
      this.recordPodEvents(s, pod, node.name, rejectedEvents(rejection));
      this.metrics.podsRejected.inc({ reason: rejection.reason });
      return { ...base, podIP: '', rejected: rejection };
    }
    const podIP = node.ips.allocate(uid);
    if (podIP === undefined) {
      s.log.warn({ pod: key, node: node.name, range: node.spec.podCIDR }, 'no free pod IP on the node; will retry');
      return undefined;
    }
    s.journal.record('admit-pod', key, { node: node.name, podIP });
    return { ...base, podIP };
  }

  private async syncPodKey(s: RunState, key: string): Promise<void> {
    const cached = s.podInformer.cache.get(key);
    const mine = this.written.get(key);
    const behind = cached !== undefined && mine !== undefined && mine.pod.metadata.uid === cached.metadata.uid && mine.replaced === cached.metadata.resourceVersion;
    if (!behind) this.written.delete(key);
    // The informer has not delivered this agent's last write yet: that write is the newer state.
    const pod = behind ? mine.pod : cached;
    const node = pod === undefined ? undefined : this.nodes.get(pod.spec?.nodeName ?? '');
    let rt = this.runtimes.get(key);
    if (pod === undefined || node === undefined || (rt !== undefined && (rt.uid !== pod.metadata.uid || rt.node !== node.name))) {
      this.forget(key);
      rt = undefined;
      if (pod === undefined || node === undefined) return;
    }
    const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
    if (rt === undefined) {
      rt = this.adopt(pod, node);
      if (rt === undefined && deleting) {
        // Never started here: nothing to stop. It ends Failed first (a Job waiting for failed pods sees it fail).
        if (!isTerminalPhase(pod.status?.phase)) {
          try {
            await s.client.updateStatus<Pod>(PODS, { ...(pod as Pod), status: abandonedStatus(pod, s.clock.now()) });
          } catch (err) {
            if (isNotFound(err)) return;
            if (!isConflict(err)) throw err;
          }
        }
        await this.deletePod(s, pod);
        return;
      }
      rt ??= this.admit(s, pod, node);
      if (rt === undefined) {
        s.podQueue.addAfter(key, 5_000);
        return;
      }
      this.runtimes.set(key, rt);
      node.pods.add(key);
    }
    const decidedAt = s.clock.now();
    const decision = syncPod(pod, rt, decidedAt, this.config);
    if (decision.runtime.stoppingSince !== undefined && rt.stoppingSince === undefined && rt.rejected === undefined) {
      this.recordPodEvents(s, pod, node.name, containersStoppingEvents(pod));
    }
    this.runtimes.set(key, decision.runtime);
    // The sandbox of a pod whose containers exited for good is gone, and its address with it — once the server
    // says so (a new pod must not get the address while the old one is still reported Running with it).
    const terminatedNow = decision.runtime.terminated === true && rt.terminated !== true;
    if (terminatedNow && decision.status === undefined) node.ips.release(rt.uid);
    if (decision.status !== undefined) {
      // Only serialized, never changed: the cached pod with the new status, not a deep copy of it.
      const next = { ...(pod as Pod), status: decision.status };
      try {
        this.written.set(key, { pod: await s.client.updateStatus<Pod>(PODS, next), replaced: pod.metadata.resourceVersion });
        if (terminatedNow) node.ips.release(rt.uid);
        this.metrics.podStatusWrites.inc({ result: 'ok' });
        if (decision.status.phase === 'Running' && pod.status?.phase !== 'Running') this.metrics.podsStarted.inc();
        if (!decision.delete && isTerminalPhase(decision.status.phase) && !isTerminalPhase(pod.status?.phase)) this.metrics.podsCompleted.inc({ phase: decision.status.phase! });
        const restarts = restartsBetween(pod.status, decision.status);
        if (restarts > 0) this.metrics.containerRestarts.inc(restarts);
        this.recordPodEvents(s, pod, node.name, containerStatusEvents(pod, pod.status, decision.status));
      } catch (err) {
        this.metrics.podStatusWrites.inc({ result: 'error' });
        if (isNotFound(err)) return;
        // Not written: the termination is decided again next time (and the address released once it is written).
        if (terminatedNow) this.runtimes.set(key, rt);
        if (isConflict(err)) {
          // Someone else wrote: the informer brings the newer pod; look again shortly in case that event was the one we saw.
          this.written.delete(key);
          s.podQueue.addAfter(key, 100);
          return;
        }
        throw err;
      }
    }
    if (decision.delete) await this.deletePod(s, pod);
    // Due from when it was decided, not from after the writes: the write's own echo is not synced (see run).
    if (decision.requeueAfterMs !== undefined) s.podQueue.addAfter(key, decision.requeueAfterMs - (s.clock.now() - decidedAt));
  }

  private recordPodEvents(s: RunState, pod: DeepReadonly<Pod>, node: string, events: readonly KubeletEvent[]): void {
    for (const e of events) s.events.record(pod, PODS, e.type, e.reason, e.message, undefined, { host: node, ...(e.fieldPath === undefined ? {} : { fieldPath: e.fieldPath }) });
  }

  private async deletePod(s: RunState, pod: DeepReadonly<Pod>): Promise<void> {
    const key = podKey(pod);
    s.journal.record('delete-pod', key, { node: pod.spec?.nodeName ?? '' });
    try {
      await s.client.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid ?? '' } });
      this.metrics.podsDeleted.inc();
    } catch (err) {
      // Gone already, or a new pod took the name (the UID precondition failed): either way not ours to delete.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
