import { describe, expect, it } from 'vitest';
import { formatHostPort, parseDuration, parseHostPort, resolveLbConfig } from '../../src/lb/config.js';
import { LbConfigError } from '../../src/lb/errors.js';

describe('resolveLbConfig', () => {
  it('fills in the defaults', () => {
    expect(resolveLbConfig({ backends: '127.0.0.1:7001, 127.0.0.1:7002' })).toEqual({
      listen: { host: '127.0.0.1', port: 6443 },
      backends: [
        { host: '127.0.0.1', port: 7001 },
        { host: '127.0.0.1', port: 7002 },
      ],
      healthPath: '/readyz',
      healthScheme: 'https',
      healthIntervalMs: 250,
      healthTimeoutMs: 1000,
      connectTimeoutMs: 5000,
      rise: 1,
      fall: 2,
      balance: 'roundrobin',
      adminListen: undefined,
      logLevel: 'info',
    });
  });

  it('takes every flag', () => {
    const cfg = resolveLbConfig({
      listen: ':0',
      backends: '[::1]:7001,api-1.example:6443',
      healthPath: '/healthz',
      healthScheme: 'http',
      healthInterval: '1s',
      healthTimeout: '1.5s',
      connectTimeout: '300ms',
      rise: '2',
      fall: '3',
      balance: 'leastconn',
      adminListen: '127.0.0.1:8404',
      logLevel: 'debug',
    });
    expect(cfg).toMatchObject({
      listen: { host: '0.0.0.0', port: 0 },
      backends: [
        { host: '::1', port: 7001 },
        { host: 'api-1.example', port: 6443 },
      ],
      healthIntervalMs: 1000,
      healthTimeoutMs: 1500,
      connectTimeoutMs: 300,
      rise: 2,
      fall: 3,
      balance: 'leastconn',
      adminListen: { host: '127.0.0.1', port: 8404 },
    });
  });

  it.each([
    [{}, /--backends is required/],
    [{ backends: 'a:1,a:1' }, /--backends: a:1 is listed twice/],
    [{ backends: 'a' }, /--backends: "a" is not host:port/],
    [{ backends: 'a:0' }, /--backends: "a:0" has an invalid port/],
    [{ backends: ':7001' }, /--backends: ":7001" has no host/],
    [{ backends: 'a:1', listen: '1.2.3.4:70000' }, /--listen: .* invalid port/],
    [{ backends: 'a:1', healthScheme: 'tcp' }, /--health-scheme/],
    [{ backends: 'a:1', healthPath: 'readyz' }, /--health-path/],
    [{ backends: 'a:1', healthInterval: '250' }, /--health-interval: "250" is not a duration/],
    [{ backends: 'a:1', rise: '0' }, /--rise/],
    [{ backends: 'a:1', fall: 'two' }, /--fall/],
    [{ backends: 'a:1', balance: 'random' }, /--balance/],
    [{ backends: 'a:1', logLevel: 'trace' }, /--log-level/],
    [{ backends: '[fe80::1::2]:1' }, /invalid IPv6/],
  ])('refuses %j', (flags, message) => {
    expect(() => resolveLbConfig(flags)).toThrow(LbConfigError);
    expect(() => resolveLbConfig(flags)).toThrow(message);
  });
});

describe('host:port and durations', () => {
  it('round-trips addresses, bracketing IPv6', () => {
    for (const s of ['127.0.0.1:6443', '[::1]:6443', 'localhost:1']) expect(formatHostPort(parseHostPort(s, '--x', false))).toBe(s);
  });

  it('reads Go-style durations', () => {
    expect(parseDuration('250ms', '--x')).toBe(250);
    expect(parseDuration('1m30s', '--x')).toBe(90_000);
    expect(parseDuration('1h', '--x')).toBe(3_600_000);
    expect(() => parseDuration('0s', '--x')).toThrow(/shorter than 1ms/);
  });
});
