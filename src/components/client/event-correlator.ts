/**
 * EventCorrelator decides, as client-go's record.EventCorrelator does for the controllers' recorder, what an
 * event becomes before it is written:
 *
 * - similar events (same source, object, type and reason, different messages) are aggregated: once 10 distinct
 *   messages were seen within 10 minutes, each further one is written as one Event, "(combined from similar
 *   events): <message>", counted up instead of created anew;
 * - a spam filter gives each (source, object, type, reason) a token bucket of 25 events refilled one per
 *   5 minutes; an event without a token is dropped.
 *
 * Identical events are counted up by the recorder, keyed by the key returned here. Pure but for the clock.
 */
import type { Event } from '../../api/index.js';
import type { Clock } from '../../util/clock.js';

/** CorrelatorOptions are client-go's defaults unless a test says otherwise. */
export interface CorrelatorOptions {
  /** maxSimilar is how many distinct messages pass before they are combined (maxEvents, 10). */
  readonly maxSimilar?: number;
  /** similarWindowMs is how long similar messages are remembered (maxIntervalInSeconds, 600 s). */
  readonly similarWindowMs?: number;
  /** spamBurst is the token bucket's size (defaultSpamBurst, 25). */
  readonly spamBurst?: number;
  /** spamRefillMs is the time one token takes to come back (1 / defaultSpamQPS, 300 s). */
  readonly spamRefillMs?: number;
}

/** Correlated is what to write: the event (possibly combined) and the key identical writes share. */
export interface Correlated {
  readonly event: Event;
  readonly key: string;
}

/** COMBINED_PREFIX starts the message of an aggregated event (EventAggregatorByReasonMessageFunc). */
export const COMBINED_PREFIX = '(combined from similar events): ';

/** MAX_TRACKED bounds the objects, reasons and written events remembered (client-go's LRU caches hold 4,096). */
const MAX_TRACKED = 4096;

/** EventCorrelator is the correlator of the module comment. */
export class EventCorrelator {
  private readonly similar = new Map<string, { messages: Set<string>; last: number }>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Pick<Clock, 'monotonic'>,
    private readonly opts: CorrelatorOptions = {},
  ) {}

  /** correlate returns what to write for event, or undefined when the spam filter drops it. */
  correlate(event: Event): Correlated | undefined {
    const now = this.clock.monotonic();
    const o = event.involvedObject;
    const group = [event.source?.component ?? '', event.source?.host ?? '', o.kind, o.namespace, o.name, o.uid, o.apiVersion, event.type, event.reason].join('\u0000');
    if (!this.take(group, now)) return undefined;
    let record = this.similar.get(group);
    if (record === undefined || now - record.last > (this.opts.similarWindowMs ?? 600_000)) record = { messages: new Set(), last: now };
    record.messages.add(event.message ?? '');
    record.last = now;
    remember(this.similar, group, record);
    // Identical events (client-go's getEventKey) share the field path too: two containers' Started are two events.
    if (record.messages.size < (this.opts.maxSimilar ?? 10)) return { event, key: `${group}\u0000${o.fieldPath ?? ''}\u0000${event.message ?? ''}` };
    // keep the set at its bound, as client-go's PopAny does
    record.messages.delete(event.message ?? '');
    return { event: { ...event, message: `${COMBINED_PREFIX}${event.message ?? ''}` }, key: group };
  }

  /** take spends a token of group's bucket, refilled one per spamRefillMs up to spamBurst. */
  private take(group: string, now: number): boolean {
    const burst = this.opts.spamBurst ?? 25;
    const refill = this.opts.spamRefillMs ?? 300_000;
    const b = this.buckets.get(group) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + (now - b.at) / refill);
    b.at = now;
    remember(this.buckets, group, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** remember sets key in map as its newest entry, dropping the oldest beyond MAX_TRACKED (the recorder's too). */
export function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value!);
}
