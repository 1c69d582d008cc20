import { describe, expect, it } from 'vitest';
import { BackendPool } from '../../src/lb/backend-pool.js';
import { LeastConnPicker, RoundRobinPicker } from '../../src/lb/picker.js';
import { AssertionError } from '../../src/util/errors.js';

const passed = { type: 'check-passed', detail: '200' } as const;

describe('BackendPool', () => {
  it('places nothing until a check brings a backend up', () => {
    const pool = new BackendPool(['a:1', 'b:1'], { rise: 1, fall: 2 }, new RoundRobinPicker(), 0);
    expect(pool.pick()).toBeUndefined();
    expect(pool.healthyCount()).toBe(0);
    pool.report('b:1', passed, 5);
    expect(pool.pick()).toBe('b:1');
    expect(pool.pick()).toBe('b:1');
    pool.report('a:1', passed, 6);
    expect(pool.healthyCount()).toBe(2);
    expect([pool.pick(), pool.pick()].sort()).toEqual(['a:1', 'b:1']);
  });

  it('retries exclude the backends a connection already tried, and a refusal takes the backend down', () => {
    const pool = new BackendPool(['a:1', 'b:1', 'c:1'], { rise: 1, fall: 3 }, new RoundRobinPicker(), 0);
    for (const b of pool.backends()) pool.report(b, passed, 0);
    const tried = new Set<string>();
    const first = pool.pick(tried);
    expect(first).toBe('a:1');
    tried.add('a:1');
    expect(pool.report('a:1', { type: 'connect-refused', detail: 'ECONNREFUSED' }, 10)).toMatchObject({ from: 'up', to: 'down' });
    expect(pool.pick(tried)).toBe('b:1');
    expect(pool.isUp('a:1')).toBe(false);
    expect(pool.pick(new Set(['b:1', 'c:1']))).toBeUndefined();
  });

  it('counts connections per backend, and leastconn follows the counts', () => {
    const pool = new BackendPool(['a:1', 'b:1'], { rise: 1, fall: 1 }, new LeastConnPicker(), 0);
    pool.report('a:1', passed, 0);
    pool.report('b:1', passed, 0);
    pool.connectionOpened('a:1');
    pool.connectionOpened('a:1');
    pool.connectionOpened('b:1');
    expect(pool.pick()).toBe('b:1');
    pool.connectionClosed('a:1');
    pool.connectionClosed('a:1');
    expect(pool.pick()).toBe('a:1');
    expect(pool.view().map((v) => [v.backend, v.status, v.activeConnections, v.totalConnections])).toEqual([
      ['a:1', 'up', 0, 2],
      ['b:1', 'up', 1, 1],
    ]);
  });

  it('asserts its invariants', () => {
    expect(() => new BackendPool([], { rise: 1, fall: 1 }, new RoundRobinPicker(), 0)).toThrow(AssertionError);
    expect(() => new BackendPool(['a', 'a'], { rise: 1, fall: 1 }, new RoundRobinPicker(), 0)).toThrow(AssertionError);
    const pool = new BackendPool(['a'], { rise: 1, fall: 1 }, new RoundRobinPicker(), 0);
    expect(() => pool.connectionClosed('a')).toThrow(AssertionError);
    expect(() => pool.report('zz', passed, 0)).toThrow(AssertionError);
  });
});
