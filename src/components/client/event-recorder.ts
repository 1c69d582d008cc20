/**
 * EventRecorder writes core/v1 Events about objects (client-go's record.EventRecorder, trimmed): calls only
 * enqueue, a few workers send. What is written goes through an EventCorrelator first (similar events combined,
 * a spam filter per object and reason), and an event repeated with the same key is counted up on the existing
 * Event (count, lastTimestamp, message) instead of creating another, as client-go's EventLogger does. The
 * queue is bounded: beyond maxQueued, events are dropped (client-go drops them too when its broadcaster
 * falls behind), so a burst never slows the component down.
 */
import { formatMicroTime, formatTime, groupVersionString, type DeepReadonly, type Event, type EventType, type GroupVersionKind, type KubeObject } from '../../api/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { EventCorrelator, remember, type CorrelatorOptions } from './event-correlator.js';
import { EVENTS } from './resource.js';
import type { RestClient } from './rest-client.js';

/** EventRecorderOptions configure an EventRecorder. */
export interface EventRecorderOptions {
  readonly client: RestClient;
  readonly clock: Clock;
  readonly log: Logger;
  /** component is source.component and reportingComponent (e.g. default-scheduler, replicaset-controller). */
  readonly component: string;
  /** instance is reportingInstance (the replica's identity). */
  readonly instance: string;
  readonly workers?: number;
  readonly maxQueued?: number;
  /** signal, when it aborts, stops the recorder (a controller's events end with its leadership). */
  readonly signal?: AbortSignal;
  /** correlator tunes the EventCorrelator (client-go's defaults otherwise). */
  readonly correlator?: CorrelatorOptions;
}

/**
 * EventOrigin says more precisely where an event comes from: the host (a kubelet's node: source.host and
 * reportingInstance) and the part of the object (a container: involvedObject.fieldPath `spec.containers{c}`).
 */
export interface EventOrigin {
  readonly host?: string;
  readonly fieldPath?: string;
}

interface Pending {
  readonly namespace: string;
  readonly key: string;
  readonly event: Event;
}

/** EventRecorder is the recorder of the module comment. */
export class EventRecorder {
  private readonly queue: Pending[] = [];
  private readonly seen = new Map<string, { name: string; count: number }>();
  /** sending holds the keys of the events being sent. */
  private readonly sending = new Set<string>();
  private running = 0;
  private seq = 0;
  private stopped = false;
  private readonly correlator: EventCorrelator;
  /** dropped counts events dropped because the queue was full or the spam filter refused them. */
  dropped = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.correlator = new EventCorrelator(opts.clock, opts.correlator);
    if (opts.signal?.aborted === true) this.stop();
    else opts.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  /**
   * record records an event about object, of the given kind (a ResourceDescriptor such as PODS serves).
   * action is what the events.k8s.io recorder the scheduler uses fills in (Scheduling, Binding); the
   * controllers' legacy recorder leaves it out.
   */
  record(object: DeepReadonly<KubeObject>, kind: GroupVersionKind, type: EventType, reason: string, message: string, action?: string, origin?: EventOrigin): void {
    if (this.stopped) return;
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
      this.dropped++;
      return;
    }
    // a cluster-scoped object's events go to default, as client-go's (an empty namespace counts as none)
    const namespace = (object.metadata.namespace ?? '') === '' ? 'default' : object.metadata.namespace!;
    const name = object.metadata.name ?? '';
    const now = this.opts.clock.now();
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${(now * 1000 + (this.seq++ % 1000)).toString(16)}`, namespace },
      involvedObject: {
        kind: kind.kind,
        apiVersion: groupVersionString(kind),
        ...((object.metadata.namespace ?? '') === '' ? {} : { namespace }),
        name,
        uid: object.metadata.uid ?? '',
        resourceVersion: object.metadata.resourceVersion ?? '',
        ...(origin?.fieldPath === undefined ? {} : { fieldPath: origin.fieldPath }),
      },
      reason,
      message,
      type,
      ...(action === undefined ? {} : { action }),
      source: { component: this.opts.component, ...(origin?.host === undefined ? {} : { host: origin.host }) },
      reportingComponent: this.opts.component,
      reportingInstance: origin?.host ?? this.opts.instance,
      firstTimestamp: formatTime(now),
      lastTimestamp: formatTime(now),
      eventTime: formatMicroTime(now),
      count: 1,
    };
    const c = this.correlator.correlate(event);
    if (c === undefined) {
      this.dropped++;
      return;
    }
    this.queue.push({ namespace, key: c.key, event: c.event });
    this.pump();
  }

  /** stop drops what is queued; events in flight finish. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  /** pump starts sends up to the worker count, never two of one key at once (so counts go up in order). */
  private pump(): void {
    while (this.running < (this.opts.workers ?? 2)) {
      const i = this.queue.findIndex((q) => !this.sending.has(q.key));
      if (i < 0) return;
      const p = this.queue.splice(i, 1)[0]!;
      this.running++;
      this.sending.add(p.key);
      this.send(p)
        .catch((err: unknown) => this.opts.log.debug({ err: err instanceof Error ? err.message : String(err), reason: p.event.reason }, 'event not written'))
        .finally(() => {
          this.running--;
          this.sending.delete(p.key);
          this.pump();
        });
    }
  }

  private async send(p: Pending): Promise<void> {
    const prior = this.seen.get(p.key);
    if (prior !== undefined) {
      prior.count++;
      try {
        await this.opts.client.patch(EVENTS, p.namespace, prior.name, 'merge', { count: prior.count, lastTimestamp: p.event.lastTimestamp, message: p.event.message });
        return;
      } catch {
        this.seen.delete(p.key); // expired or deleted: write a fresh one
      }
    }
    await this.opts.client.create(EVENTS, p.namespace, p.event);
    remember(this.seen, p.key, { name: p.event.metadata.name!, count: 1 });
  }
}
