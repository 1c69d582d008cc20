/**
 * SchedulingQueue holds the pods waiting to be scheduled (kube-scheduler's PriorityQueue), in three sets:
 *
 * - activeQ: pods to try now, highest spec.priority first, then oldest creationTimestamp, then first queued;
 *   pop() hands out its head (waiting while it is empty);
 * - backoffQ: pods that failed and wait out their backoff — per pod, initialBackoff doubling with every
 *   attempt up to maxBackoff (kube's 1 s → 10 s); a timer moves each to activeQ when its backoff expires;
 * - unschedulablePods: pods no node fitted. They stay until a cluster event that may make them fit
 *   (moveAllToActiveOrBackoffQueue: a node added or changed, an assigned pod deleted, …) moves them to
 *   activeQ, or to backoffQ while still backing off; and at the latest after maxInUnschedulable (kube's
 *   podMaxInUnschedulablePodsDuration is 5 min; capstan's default is 60 s, so a missed event costs a minute,
 *   not five). A pod's own update (spec or labels) moves it as well.
 *
 * A move request made while a pod was being scheduled (moveRequestCycle ≥ the pod's scheduling cycle) sends it
 * to backoffQ instead of unschedulablePods when it fails, so an event that raced with the attempt is not lost.
 * Time is the injected clock's monotonic time; nothing here talks to the API.
 */
import { parseTimestamp, type DeepReadonly, type Pod } from '../../api/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { Heap } from './heap.js';
import { podInfoOf, type PodInfo } from './pod-info.js';

/** QueuedPodInfo is a pod in the queue with its scheduling history (framework.QueuedPodInfo). */
export interface QueuedPodInfo {
  readonly key: string;
  podInfo: PodInfo;
  /** timestamp is when it last entered a queue (monotonic ms); backoff counts from it. */
  timestamp: number;
  /** initialAttemptTimestamp is when it first entered the queue (monotonic ms). */
  readonly initialAttemptTimestamp: number;
  /** attempts is how many times it was popped. */
  attempts: number;
  /** unschedulablePlugins are the filters that rejected it last time. */
  unschedulablePlugins: ReadonlySet<string>;
  /** seq orders pods queued at the same priority and creation time. */
  seq: number;
  /** creation is metadata.creationTimestamp in ms (0 if absent). */
  creation: number;
}

/** SchedulingQueueOptions configure the backoff and the unschedulable flush. */
export interface SchedulingQueueOptions {
  readonly clock: Clock;
  /** podInitialBackoffMs is the first backoff (kube's 1 s). */
  readonly podInitialBackoffMs?: number;
  /** podMaxBackoffMs caps the backoff (kube's 10 s). */
  readonly podMaxBackoffMs?: number;
  /** podMaxInUnschedulableMs is the longest a pod waits in unschedulablePods (default 60 s). */
  readonly podMaxInUnschedulableMs?: number;
}

/** QueueEvent names the cluster event that moves unschedulable pods (for logs and metrics). */
export type QueueEvent = 'NodeAdd' | 'NodeUpdate' | 'AssignedPodAdd' | 'AssignedPodUpdate' | 'AssignedPodDelete' | 'UnschedulableTimeout' | 'ForceActivate';

/** PendingPods counts the pods in each set (scheduler_pending_pods{queue}). */
export interface PendingPods {
  readonly active: number;
  readonly backoff: number;
  readonly unschedulable: number;
}

function priorityOf(q: QueuedPodInfo): number {
  return q.podInfo.pod.spec?.priority ?? 0;
}

function creationOf(pod: DeepReadonly<Pod>): number {
  const ts = pod.metadata.creationTimestamp;
  if (ts === undefined || ts === null) return 0;
  try {
    return parseTimestamp(ts);
  } catch {
    return 0;
  }
}

/** activeLess orders activeQ: higher priority, then older creation, then queued first (PrioritySort). */
export function activeLess(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
  const pa = priorityOf(a);
  const pb = priorityOf(b);
  if (pa !== pb) return pa > pb;
  if (a.creation !== b.creation) return a.creation < b.creation;
  return a.seq < b.seq;
}

/** isPodUpdated reports whether an update changed more than status and bookkeeping metadata. */
export function isPodUpdated(oldPod: DeepReadonly<Pod>, newPod: DeepReadonly<Pod>): boolean {
  const strip = (p: DeepReadonly<Pod>): string => {
    const { resourceVersion: _rv, generation: _g, managedFields: _m, ...meta } = p.metadata as DeepReadonly<Pod>['metadata'] & { managedFields?: unknown };
    return JSON.stringify({ meta, spec: p.spec });
  };
  return strip(oldPod) !== strip(newPod);
}

/** SchedulingQueue is the three-set queue of the module comment. */
export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly activeQ = new Heap<QueuedPodInfo>((q) => q.key, activeLess);
  private readonly backoffQ = new Heap<QueuedPodInfo>((q) => q.key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private backoffTimer: { at: number; handle: TimerHandle } | undefined;
  private readonly flushTimer: TimerHandle;
  private seq = 0;
  private closed = false;
  /** schedulingCycle counts pops. */
  private cycle = 0;
  private moveRequestCycle = -1;

  constructor(opts: SchedulingQueueOptions) {
    this.clock = opts.clock;
    this.initialBackoffMs = opts.podInitialBackoffMs ?? 1_000;
    this.maxBackoffMs = opts.podMaxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.podMaxInUnschedulableMs ?? 60_000;
    const every = Math.max(100, Math.min(30_000, Math.trunc(this.maxInUnschedulableMs / 4)));
    this.flushTimer = this.clock.setInterval(() => this.flushUnschedulableLeftover(), every);
  }

  /** schedulingCycle is the number of pods popped so far. */
  get schedulingCycle(): number {
    return this.cycle;
  }

  /** add queues a new pending pod in activeQ (or updates it where it already waits). */
  add(pod: DeepReadonly<Pod>): void {
    if (this.closed) return;
    const info = podInfoOf(pod);
    if (this.has(info.key)) {
      this.update(undefined, pod);
      return;
    }
    const now = this.clock.monotonic();
    this.pushActive({ key: info.key, podInfo: info, timestamp: now, initialAttemptTimestamp: now, attempts: 0, unschedulablePlugins: new Set(), seq: this.seq++, creation: creationOf(pod) });
  }

  /**
   * update replaces a waiting pod's object. In activeQ or backoffQ it stays where it is; in unschedulablePods
   * a real change (isPodUpdated) moves it to backoffQ or activeQ; a pod in no set is added to activeQ.
   */
  update(oldPod: DeepReadonly<Pod> | undefined, newPod: DeepReadonly<Pod>): void {
    if (this.closed) return;
    const info = podInfoOf(newPod);
    const inActive = this.activeQ.get(info.key);
    if (inActive !== undefined) {
      inActive.podInfo = info;
      inActive.creation = creationOf(newPod);
      this.activeQ.addOrUpdate(inActive);
      return;
    }
    const inBackoff = this.backoffQ.get(info.key);
    if (inBackoff !== undefined) {
      inBackoff.podInfo = info;
      this.backoffQ.addOrUpdate(inBackoff);
      return;
    }
    const inUnsched = this.unschedulable.get(info.key);
    if (inUnsched !== undefined) {
      const changed = oldPod === undefined || isPodUpdated(oldPod, newPod);
      inUnsched.podInfo = info;
      if (changed) {
        this.unschedulable.delete(info.key);
        this.moveOne(inUnsched);
      }
      return;
    }
    this.add(newPod);
  }

  /** delete removes a pod from every set. */
  delete(key: string): void {
    this.activeQ.delete(key);
    if (this.backoffQ.delete(key) !== undefined) this.armBackoffTimer();
    this.unschedulable.delete(key);
  }

  /** has reports whether the pod of key waits in any set. */
  has(key: string): boolean {
    return this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key);
  }

  /** pop resolves to the head of activeQ, waiting for one; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const head = this.activeQ.pop();
    if (head !== undefined) return Promise.resolve(this.popped(head));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * addUnschedulableIfNotPresent returns a pod that failed in podSchedulingCycle: to backoffQ when it failed
   * for another reason than fitting (error), or when a move request came during its cycle; else to
   * unschedulablePods.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo, podSchedulingCycle: number, error = false): void {
    if (this.closed || this.has(q.key)) return;
    q.timestamp = this.clock.monotonic();
    if (error || this.moveRequestCycle >= podSchedulingCycle) this.pushBackoff(q);
    else this.unschedulable.set(q.key, q);
  }

  /**
   * moveAllToActiveOrBackoffQueue moves unschedulable pods (those `which` accepts, by the plugins that rejected
   * them) to activeQ, or to backoffQ while they back off, after a cluster event.
   */
  moveAllToActiveOrBackoffQueue(_event: QueueEvent, which?: (unschedulablePlugins: ReadonlySet<string>) => boolean): void {
    for (const [key, q] of this.unschedulable) {
      if (which !== undefined && !which(q.unschedulablePlugins)) continue;
      this.unschedulable.delete(key);
      this.moveOne(q);
    }
    this.moveRequestCycle = this.cycle;
  }

  /** pending counts the pods in each set. */
  pending(): PendingPods {
    return { active: this.activeQ.len, backoff: this.backoffQ.len, unschedulable: this.unschedulable.size };
  }

  /** backoffDurationMs is the backoff after q's attempts: initial doubling per attempt, capped. */
  backoffDurationMs(q: QueuedPodInfo): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < q.attempts; i++) {
      if (d > this.maxBackoffMs - d) return this.maxBackoffMs;
      d += d;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  /** close stops the timers and wakes pop() with undefined. */
  close(): void {
    this.closed = true;
    this.flushTimer.cancel();
    this.backoffTimer?.handle.cancel();
    this.backoffTimer = undefined;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDurationMs(q);
  }

  private isBackingOff(q: QueuedPodInfo): boolean {
    return this.backoffExpiry(q) > this.clock.monotonic();
  }

  private moveOne(q: QueuedPodInfo): void {
    if (this.isBackingOff(q)) this.pushBackoff(q);
    else this.pushActive(q);
  }

  private popped(q: QueuedPodInfo): QueuedPodInfo {
    this.cycle++;
    q.attempts++;
    return q;
  }

  private pushActive(q: QueuedPodInfo): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined && this.activeQ.len === 0) {
      waiter(this.popped(q));
      return;
    }
    this.activeQ.addOrUpdate(q);
    if (waiter !== undefined) waiter(this.popped(this.activeQ.pop()!));
  }

  private pushBackoff(q: QueuedPodInfo): void {
    this.backoffQ.addOrUpdate(q);
    this.armBackoffTimer();
  }

  /** armBackoffTimer keeps one timer, due when the earliest backoff expires. */
  private armBackoffTimer(): void {
    const head = this.backoffQ.peek();
    if (head === undefined) {
      this.backoffTimer?.handle.cancel();
      this.backoffTimer = undefined;
      return;
    }
    const at = this.backoffExpiry(head);
    if (this.backoffTimer !== undefined && this.backoffTimer.at === at) return;
    this.backoffTimer?.handle.cancel();
    const handle = this.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.flushBackoffCompleted();
    }, Math.max(0, at - this.clock.monotonic()));
    this.backoffTimer = { at, handle };
  }

  /** flushBackoffCompleted moves every pod whose backoff expired to activeQ. */
  private flushBackoffCompleted(): void {
    const now = this.clock.monotonic();
    for (let head = this.backoffQ.peek(); head !== undefined && this.backoffExpiry(head) <= now; head = this.backoffQ.peek()) {
      this.backoffQ.pop();
      this.pushActive(head);
    }
    this.armBackoffTimer();
  }

  /** flushUnschedulableLeftover moves pods that waited maxInUnschedulable in unschedulablePods. */
  private flushUnschedulableLeftover(): void {
    const now = this.clock.monotonic();
    for (const [key, q] of this.unschedulable) {
      if (now - q.timestamp < this.maxInUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.moveOne(q);
    }
  }
}
