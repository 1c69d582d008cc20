import { describe, expect, it } from 'vitest';
import { BackendHealth, type HealthEvent } from '../../src/lb/backend-health.js';
import { AssertionError } from '../../src/util/errors.js';

const pass: HealthEvent = { type: 'check-passed', detail: '200' };
const fail503: HealthEvent = { type: 'check-failed', reason: 'status', detail: 'HTTP 503' };
const timeout: HealthEvent = { type: 'check-failed', reason: 'timeout', detail: 'no answer within 1000ms' };
const refused: HealthEvent = { type: 'check-failed', reason: 'refused', detail: 'ECONNREFUSED' };
const clientRefused: HealthEvent = { type: 'connect-refused', detail: 'ECONNREFUSED' };

/** drive feeds events at 250 ms intervals starting at t=250 and returns the statuses after each one. */
function drive(h: BackendHealth, events: readonly HealthEvent[]): string[] {
  return events.map((e, i) => {
    h.step(e, (i + 1) * 250);
    return h.view().status;
  });
}

describe('BackendHealth', () => {
  it('starts unknown, and its first check decides directly, whatever rise and fall are', () => {
    const a = new BackendHealth('a', { rise: 3, fall: 3 }, 0);
    expect(a.view().status).toBe('unknown');
    expect(a.isUp()).toBe(false);
    expect(a.step(pass, 10)).toEqual({ backend: 'a', from: 'unknown', to: 'up', at: 10, cause: 'check passed (200)' });
    expect(a.isUp()).toBe(true);
    const b = new BackendHealth('b', { rise: 3, fall: 3 }, 0);
    expect(b.step(fail503, 10)).toMatchObject({ from: 'unknown', to: 'down', cause: 'check failed: status (HTTP 503)' });
  });

  it('goes down after fall consecutive failures, and a pass in between resets the count', () => {
    const h = new BackendHealth('a', { rise: 1, fall: 2 }, 0);
    expect(drive(h, [pass, fail503, pass, timeout, pass, fail503, timeout])).toEqual(['up', 'up', 'up', 'up', 'up', 'up', 'down']);
    expect(h.view()).toMatchObject({ status: 'down', since: 7 * 250, consecutiveFailures: 2, consecutivePasses: 0 });
  });

  it('goes up after rise consecutive passes, and a failure in between resets the count', () => {
    const h = new BackendHealth('a', { rise: 3, fall: 1 }, 0);
    expect(drive(h, [fail503, pass, pass, fail503, pass, pass, pass])).toEqual(['down', 'down', 'down', 'down', 'down', 'down', 'up']);
  });

  it('a refused check takes an up backend down at once, even with a large fall', () => {
    const h = new BackendHealth('a', { rise: 1, fall: 5 }, 0);
    h.step(pass, 0);
    expect(h.step(refused, 250)).toMatchObject({ from: 'up', to: 'down', cause: 'check failed: refused (ECONNREFUSED)' });
  });

  it('a refused client connection takes an up backend down at once and restarts its rise count when down', () => {
    const h = new BackendHealth('a', { rise: 2, fall: 5 }, 0);
    h.step(pass, 0);
    expect(h.step(clientRefused, 100)).toMatchObject({ from: 'up', to: 'down', cause: 'client connection refused (ECONNREFUSED)' });
    expect(h.step(pass, 250)).toBeUndefined();
    expect(h.step(clientRefused, 300)).toBeUndefined();
    expect(h.step(pass, 500)).toBeUndefined();
    expect(h.step(pass, 750)).toMatchObject({ from: 'down', to: 'up', at: 750 });
  });

  it('records the last check, and a client refusal does not count as a check', () => {
    const h = new BackendHealth('a', { rise: 1, fall: 1 }, 0);
    h.step(timeout, 40);
    h.step(clientRefused, 50);
    expect(h.view().lastCheck).toEqual({ at: 40, ok: false, reason: 'timeout', detail: 'no answer within 1000ms' });
  });

  it('never reports a change that is not one', () => {
    const h = new BackendHealth('a', { rise: 1, fall: 1 }, 0);
    const changes = [pass, pass, fail503, fail503, refused, clientRefused, pass, pass].map((e, i) => h.step(e, i));
    expect(changes.filter((c) => c !== undefined).map((c) => `${c.from}->${c.to}`)).toEqual(['unknown->up', 'up->down', 'down->up']);
  });

  it('refuses thresholds below 1', () => {
    expect(() => new BackendHealth('a', { rise: 0, fall: 1 }, 0)).toThrow(AssertionError);
    expect(() => new BackendHealth('a', { rise: 1, fall: 0.5 }, 0)).toThrow(AssertionError);
  });
});
