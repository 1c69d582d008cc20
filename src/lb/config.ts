import { isIP } from 'node:net';
import { LbConfigError } from './errors.js';
import { parseDurationMs } from '../util/duration.js';

/** HostPort is a TCP endpoint: a host name or IP literal (IPv6 without brackets) and a port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** HealthScheme is how health checks reach a backend: HTTPS without certificate verification, or plain HTTP. */
export type HealthScheme = 'https' | 'http';

/** BalanceAlgorithm picks the backend of a new connection, named as haproxy's `balance` names them. */
export type BalanceAlgorithm = 'roundrobin' | 'leastconn';

/** LbLogLevel is the minimum level `capstan lb` logs. */
export type LbLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** LbConfig is the validated configuration of one `capstan lb` process. */
export interface LbConfig {
  /** listen is where clients connect (TCP passthrough: TLS stays end to end). */
  readonly listen: HostPort;
  /** backends are the API server replicas, in the order given; each one's key is formatHostPort(backend). */
  readonly backends: readonly HostPort[];
  /** healthPath is the path a health check GETs; a 2xx or 3xx answer passes (haproxy's httpchk rule). */
  readonly healthPath: string;
  readonly healthScheme: HealthScheme;
  /** healthIntervalMs is the pause between the end of one check of a backend and the start of the next. */
  readonly healthIntervalMs: number;
  /** healthTimeoutMs bounds one check, from connect to the response headers. */
  readonly healthTimeoutMs: number;
  /** connectTimeoutMs bounds connecting a client's connection to a backend before another backend is tried. */
  readonly connectTimeoutMs: number;
  /** rise is how many consecutive passed checks bring a down backend up. */
  readonly rise: number;
  /** fall is how many consecutive failed checks take an up backend down (a refused connection takes it down at once). */
  readonly fall: number;
  readonly balance: BalanceAlgorithm;
  /** adminListen is where /healthz, /readyz, /metrics and /backends are served; undefined means nowhere. */
  readonly adminListen: HostPort | undefined;
  readonly logLevel: LbLogLevel;
}

/** LbFlags are the command-line values of `capstan lb`, unparsed; absent ones take their defaults. */
export interface LbFlags {
  listen?: string;
  backends?: string;
  healthPath?: string;
  healthScheme?: string;
  healthInterval?: string;
  healthTimeout?: string;
  connectTimeout?: string;
  rise?: string;
  fall?: string;
  balance?: string;
  adminListen?: string;
  logLevel?: string;
}

/** LB_DEFAULTS are the values flags take when absent. */
export const LB_DEFAULTS = {
  listen: '127.0.0.1:6443',
  healthPath: '/readyz',
  healthScheme: 'https',
  healthInterval: '250ms',
  healthTimeout: '1s',
  connectTimeout: '5s',
  rise: '1',
  fall: '2',
  balance: 'roundrobin',
  logLevel: 'info',
} as const satisfies Partial<Record<keyof LbFlags, string>>;

/**
 * resolveLbConfig validates flags and fills in LB_DEFAULTS. It throws an LbConfigError naming the flag for
 * the first bad value; --backends is required.
 */
export function resolveLbConfig(flags: LbFlags): LbConfig {
  const get = <K extends keyof typeof LB_DEFAULTS>(k: K): string => flags[k] ?? LB_DEFAULTS[k];
  if (flags.backends === undefined || flags.backends.trim() === '') {
    throw new LbConfigError('--backends is required: a comma-separated list of host:port');
  }
  const backends = flags.backends
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseHostPort(s, '--backends', false));
  const seen = new Set<string>();
  for (const b of backends) {
    const key = formatHostPort(b);
    if (seen.has(key)) throw new LbConfigError(`--backends: ${key} is listed twice`);
    seen.add(key);
  }
  const healthPath = get('healthPath');
  if (!healthPath.startsWith('/') || /\s/.test(healthPath)) {
    throw new LbConfigError(`--health-path: ${JSON.stringify(healthPath)} must start with "/" and contain no spaces`);
  }
  const healthScheme = get('healthScheme');
  if (healthScheme !== 'https' && healthScheme !== 'http') {
    throw new LbConfigError(`--health-scheme: ${JSON.stringify(healthScheme)} is neither "https" nor "http"`);
  }
  const balance = get('balance');
  if (balance !== 'roundrobin' && balance !== 'leastconn') {
    throw new LbConfigError(`--balance: ${JSON.stringify(balance)} is neither "roundrobin" nor "leastconn"`);
  }
  const logLevel = get('logLevel');
  if (logLevel !== 'debug' && logLevel !== 'info' && logLevel !== 'warn' && logLevel !== 'error') {
    throw new LbConfigError(`--log-level: ${JSON.stringify(logLevel)} is not one of debug, info, warn, error`);
  }
  return {
    listen: parseHostPort(get('listen'), '--listen', true),
    backends,
    healthPath,
    healthScheme,
    healthIntervalMs: parseDuration(get('healthInterval'), '--health-interval'),
    healthTimeoutMs: parseDuration(get('healthTimeout'), '--health-timeout'),
    connectTimeoutMs: parseDuration(get('connectTimeout'), '--connect-timeout'),
    rise: parseCount(get('rise'), '--rise'),
    fall: parseCount(get('fall'), '--fall'),
    balance,
    adminListen: flags.adminListen === undefined ? undefined : parseHostPort(flags.adminListen, '--admin-listen', true),
    logLevel,
  };
}

/**
 * parseHostPort reads `host:port`, `[v6]:port` or, for listeners, `:port` (all interfaces). Port 0 (any free
 * port) is accepted only for listeners.
 */
export function parseHostPort(s: string, flag: string, listener: boolean): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(s);
  if (m === null) throw new LbConfigError(`${flag}: ${JSON.stringify(s)} is not host:port`);
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (m[1] !== undefined && isIP(host) !== 6) throw new LbConfigError(`${flag}: ${JSON.stringify(s)} has an invalid IPv6 address`);
  if (host === '' && !listener) throw new LbConfigError(`${flag}: ${JSON.stringify(s)} has no host`);
  if (port > 65535 || (port === 0 && !listener)) throw new LbConfigError(`${flag}: ${JSON.stringify(s)} has an invalid port`);
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** formatHostPort writes a HostPort back as host:port, bracketing IPv6 literals. */
export function formatHostPort(hp: HostPort): string {
  return isIP(hp.host) === 6 ? `[${hp.host}]:${String(hp.port)}` : `${hp.host}:${String(hp.port)}`;
}

/** parseDuration reads a flag's Go-style duration (`250ms`, `1s`, `1m30s`, `1.5s`) into whole milliseconds (≥ 1). */
export function parseDuration(s: string, flag: string): number {
  const ms = parseDurationMs(s);
  if (ms === undefined) throw new LbConfigError(`${flag}: ${JSON.stringify(s)} is not a duration like 250ms, 1s or 1m`);
  const rounded = Math.round(ms);
  if (rounded < 1) throw new LbConfigError(`${flag}: ${JSON.stringify(s)} is shorter than 1ms`);
  return rounded;
}

function parseCount(s: string, flag: string): number {
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 1000) throw new LbConfigError(`${flag}: ${JSON.stringify(s)} is not an integer from 1 to 1000`);
  return Number(s);
}
