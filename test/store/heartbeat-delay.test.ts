import { describe, expect, it } from 'vitest';
import { HeartbeatDelay } from '../../src/store/heartbeat-delay.js';

describe('HeartbeatDelay', () => {
  it.each([
    { name: 'first heartbeats are never late', sends: [0], late: [undefined] },
    { name: 'one interval apart is on time', sends: [0, 100, 200], late: [undefined, undefined, undefined] },
    { name: 'exactly two intervals is on time', sends: [0, 200], late: [undefined, undefined] },
    { name: 'past two intervals reports the excess', sends: [0, 100, 801], late: [undefined, undefined, 501] },
    { name: 'a late round is the new reference', sends: [0, 1000, 1100], late: [undefined, 800, undefined] },
  ])('$name', ({ sends, late }) => {
    const d = new HeartbeatDelay(100);
    expect(sends.map((t) => d.sent(t))).toEqual(late);
  });

  it('reset makes the next heartbeats the first again (a new leadership)', () => {
    const d = new HeartbeatDelay(100);
    d.sent(0);
    d.reset();
    expect(d.sent(10_000)).toBeUndefined();
    expect(d.sent(10_500)).toBe(300);
    expect(d.expectedMs).toBe(200);
  });
});
