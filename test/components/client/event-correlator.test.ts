import { describe, expect, it } from 'vitest';
import type { Event } from '../../../src/api/index.js';
import { COMBINED_PREFIX, EventCorrelator } from '../../../src/components/client/event-correlator.js';
import { ManualClock } from '../../../src/util/clock.js';

const MIN = 60_000;

function event(name: string, reason: string, message: string, component = 'replicaset-controller'): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.1`, namespace: 'default' },
    involvedObject: { kind: 'ReplicaSet', apiVersion: 'apps/v1', namespace: 'default', name, uid: `uid-${name}` },
    reason,
    message,
    type: 'Normal',
    source: { component },
  };
}

/** run correlates messages in turn and returns what each became: its message, or undefined when dropped. */
function run(c: EventCorrelator, events: Event[]): (string | undefined)[] {
  return events.map((e) => c.correlate(e)?.event.message);
}

describe('EventCorrelator (client-go record.EventCorrelator)', () => {
  it('nine distinct similar messages pass as they are; from the tenth on they are combined under one key', () => {
    const c = new EventCorrelator(new ManualClock());
    const creates = Array.from({ length: 12 }, (_, i) => event('web', 'SuccessfulCreate', `Created pod: web-${i}`));
    const out = creates.map((e) => c.correlate(e)!);
    expect(out.slice(0, 9).map((o) => o.event.message)).toEqual(creates.slice(0, 9).map((e) => e.message));
    expect(out.slice(9).map((o) => o.event.message)).toEqual([9, 10, 11].map((i) => `${COMBINED_PREFIX}Created pod: web-${i}`));
    expect(new Set(out.slice(9).map((o) => o.key)).size).toBe(1);
    expect(new Set(out.slice(0, 9).map((o) => o.key)).size).toBe(9);
    // a message already seen keeps its own key (the recorder counts it up), another reason or object is apart
    expect(c.correlate(creates[3]!)).toEqual({ event: creates[3], key: out[3]!.key });
    expect(c.correlate(event('web', 'SuccessfulDelete', 'Deleted pod: web-0'))?.event.message).toBe('Deleted pod: web-0');
    expect(c.correlate(event('api', 'SuccessfulCreate', 'Created pod: api-0'))?.event.message).toBe('Created pod: api-0');
  });

  it('similar messages are forgotten after 10 minutes without one', () => {
    const clock = new ManualClock();
    const c = new EventCorrelator(clock);
    run(c, Array.from({ length: 9 }, (_, i) => event('web', 'SuccessfulCreate', `Created pod: web-${i}`)));
    clock.advance(10 * MIN + 1);
    expect(run(c, [event('web', 'SuccessfulCreate', 'Created pod: web-9')])).toEqual(['Created pod: web-9']);
  });

  it('the spam filter passes a burst of 25 per object and reason, then one per 5 minutes', () => {
    const clock = new ManualClock();
    const c = new EventCorrelator(clock);
    const same = (n: number): Event[] => Array.from({ length: n }, () => event('web', 'FailedCreate', 'Error creating: quota'));
    expect(run(c, same(30)).filter((m) => m !== undefined)).toHaveLength(25);
    expect(run(c, [event('web', 'SuccessfulCreate', 'Created pod: web-0')])).toEqual(['Created pod: web-0']);
    clock.advance(5 * MIN - 1);
    expect(run(c, same(1))).toEqual([undefined]);
    clock.advance(1);
    expect(run(c, same(2))).toEqual(['Error creating: quota', undefined]);
    clock.advance(60 * MIN);
    expect(run(c, same(13)).filter((m) => m !== undefined)).toHaveLength(12);
  });
});
