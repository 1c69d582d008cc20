import { describe, expect, it } from 'vitest';
import type { StatusChange } from '../../src/lb/backend-health.js';
import { BackendPool } from '../../src/lb/backend-pool.js';
import type { HostPort } from '../../src/lb/config.js';
import { HealthMonitor } from '../../src/lb/health-monitor.js';
import type { ProbeResult } from '../../src/lb/health-probe.js';
import { RoundRobinPicker } from '../../src/lb/picker.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

type Behaviour = 'ready' | 'unready' | 'dead' | 'hung' | 'broken';

/** flush lets the probe promises settle and the monitor's .then callbacks run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(fall: number) {
  const clock = new ManualClock(0);
  const behaviour = new Map<string, Behaviour>([
    ['a:1', 'ready'],
    ['b:1', 'ready'],
  ]);
  const probes: string[] = [];
  const probe = (b: HostPort): Promise<ProbeResult> => {
    const key = `${b.host}:${String(b.port)}`;
    probes.push(`${key}@${String(clock.now())}`);
    switch (behaviour.get(key)) {
      case 'ready':
        return Promise.resolve({ ok: true, detail: '200' });
      case 'unready':
        return Promise.resolve({ ok: false, reason: 'status', detail: 'HTTP 503' });
      case 'dead':
        return Promise.resolve({ ok: false, reason: 'refused', detail: 'ECONNREFUSED' });
      case 'broken':
        return Promise.reject(new Error('probe bug'));
      default:
        return new Promise((resolve) => clock.setTimeout(() => resolve({ ok: false, reason: 'timeout', detail: 'no answer within 1000ms' }), 1000));
    }
  };
  const pool = new BackendPool(['a:1', 'b:1'], { rise: 1, fall }, new RoundRobinPicker(), 0);
  const changes: StatusChange[] = [];
  const monitor = new HealthMonitor({
    pool,
    backends: new Map([
      ['a:1', { host: 'a', port: 1 }],
      ['b:1', { host: 'b', port: 1 }],
    ]),
    probe,
    intervalMs: 250,
    clock,
    log: silentLogger(),
    onChange: (c) => changes.push(c),
  });
  /** advance moves the clock in 10 ms steps, letting probe outcomes land between steps. */
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 10) {
      await flush();
      clock.advance(10);
    }
    await flush();
  };
  return { clock, behaviour, probes, pool, changes, monitor, advance };
}

describe('HealthMonitor', () => {
  it('checks every backend at once on start, then every interval after the previous check', async () => {
    const s = setup(2);
    s.monitor.start();
    await flush();
    expect(s.pool.healthyCount()).toBe(2);
    await s.advance(500);
    expect(s.probes).toEqual(['a:1@0', 'b:1@0', 'a:1@250', 'b:1@250', 'a:1@500', 'b:1@500']);
    s.monitor.stop();
    expect(s.clock.pending()).toBe(0);
  });

  it('takes a dead backend out within one interval, whatever fall is', async () => {
    const s = setup(3);
    s.monitor.start();
    await s.advance(300);
    s.behaviour.set('b:1', 'dead');
    const diedAt = s.clock.now();
    await s.advance(1000);
    const down = s.changes.find((c) => c.backend === 'b:1' && c.to === 'down');
    expect(down).toBeDefined();
    expect((down?.at ?? Infinity) - diedAt).toBeLessThanOrEqual(250);
    expect(s.pool.pick()).toBe('a:1');
    expect(s.pool.pick()).toBe('a:1');
    s.monitor.stop();
  });

  it('takes an unready backend out after fall checks and brings it back after rise', async () => {
    const s = setup(2);
    s.monitor.start();
    await s.advance(100);
    s.behaviour.set('a:1', 'unready');
    await s.advance(390);
    expect(s.pool.isUp('a:1')).toBe(true);
    await s.advance(20);
    expect(s.pool.isUp('a:1')).toBe(false);
    s.behaviour.set('a:1', 'ready');
    await s.advance(250);
    expect(s.pool.isUp('a:1')).toBe(true);
    expect(s.changes.map((c) => `${c.backend} ${c.to}@${String(c.at)}`)).toEqual(['a:1 up@0', 'b:1 up@0', 'a:1 down@500', 'a:1 up@750']);
    s.monitor.stop();
  });

  it('never overlaps checks of a hung backend: one per timeout + interval', async () => {
    const s = setup(2);
    s.behaviour.set('b:1', 'hung');
    s.monitor.start();
    await s.advance(2600);
    expect(s.probes.filter((p) => p.startsWith('b:1'))).toEqual(['b:1@0', 'b:1@1250', 'b:1@2500']);
    expect(s.pool.view().find((v) => v.backend === 'b:1')?.status).toBe('down');
    s.monitor.stop();
  });

  it('counts a probe that rejects as a failed check and keeps checking', async () => {
    const s = setup(1);
    s.behaviour.set('a:1', 'broken');
    s.monitor.start();
    await s.advance(260);
    expect(s.pool.view()[0]).toMatchObject({ status: 'down', lastCheck: { ok: false, reason: 'error', detail: 'probe bug' } });
    expect(s.probes.filter((p) => p.startsWith('a:1'))).toEqual(['a:1@0', 'a:1@250']);
    s.monitor.stop();
  });
});
