/**
 * EventRecorder writes core/v1 Events about objects (client-go's record.EventRecorder, trimmed): calls only
 * enqueue, a few workers send; an event repeated for the same object, reason and message is counted up on the
 * existing Event (count, lastTimestamp) instead of creating another, as client-go's EventCorrelator does. The
 * queue is bounded: beyond maxQueued, events are dropped (client-go drops them too when its broadcaster
 * falls behind), so a burst never slows the component down.
 */
import { formatMicroTime, formatTime, groupVersionString, type DeepReadonly, type Event, type EventType, type GroupVersionKind, type KubeObject } from '../../api/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
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
  private running = 0;
  private seq = 0;
  private stopped = false;
  /** dropped counts events dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    opts.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  /**
   * record records an event about object, of the given kind (a ResourceDescriptor such as PODS serves). action is what the events.k8s.io recorder the
   * scheduler uses fills in (Scheduling, Binding); the controllers' legacy recorder leaves it out.
   */
  record(object: DeepReadonly<KubeObject>, kind: GroupVersionKind, type: EventType, reason: string, message: string, action?: string): void {
    if (this.stopped) return;
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
      this.dropped++;
      return;
    }
    const namespace = object.metadata.namespace ?? 'default';
    const name = object.metadata.name ?? '';
    const now = this.opts.clock.now();
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${(now * 1000 + (this.seq++ % 1000)).toString(16)}`, namespace },
      involvedObject: {
        kind: kind.kind,
        apiVersion: groupVersionString(kind),
        ...(object.metadata.namespace === undefined ? {} : { namespace }),
        name,
        uid: object.metadata.uid ?? '',
        resourceVersion: object.metadata.resourceVersion ?? '',
      },
      reason,
      message,
      type,
      ...(action === undefined ? {} : { action }),
      source: { component: this.opts.component },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.instance,
      firstTimestamp: formatTime(now),
      lastTimestamp: formatTime(now),
      eventTime: formatMicroTime(now),
      count: 1,
    };
    this.queue.push({ namespace, key: `${object.metadata.uid ?? name}|${reason}|${message}`, event });
    this.pump();
  }

  /** stop drops what is queued; events in flight finish. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private pump(): void {
    while (this.running < (this.opts.workers ?? 2) && this.queue.length > 0) {
      const p = this.queue.shift()!;
      this.running++;
      this.send(p)
        .catch((err: unknown) => this.opts.log.debug({ err: err instanceof Error ? err.message : String(err), reason: p.event.reason }, 'event not written'))
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  private async send(p: Pending): Promise<void> {
    const prior = this.seen.get(p.key);
    if (prior !== undefined) {
      prior.count++;
      try {
        await this.opts.client.patch(EVENTS, p.namespace, prior.name, 'merge', { count: prior.count, lastTimestamp: p.event.lastTimestamp });
        return;
      } catch {
        this.seen.delete(p.key); // expired or deleted: write a fresh one
      }
    }
    await this.opts.client.create(EVENTS, p.namespace, p.event);
    if (this.seen.size >= 4096) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(p.key, { name: p.event.metadata.name!, count: 1 });
  }
}
