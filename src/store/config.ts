import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseInitialCluster } from './membership.js';
import { parseDurationMs } from '../util/duration.js';

/** StoreConfig is everything `capstan store` is configured with; names follow etcd's flags. */
export interface StoreConfig {
  name: string;
  dataDir: string;
  listenClientUrls: URL[];
  advertiseClientUrls: string[];
  listenPeerUrls: URL[];
  initialAdvertisePeerUrls: string[];
  initialCluster: Map<string, string[]>;
  initialClusterState: 'new' | 'existing';
  initialClusterToken: string;
  /** forceNewCluster restarts an existing member as the only member of its cluster (disaster recovery). */
  forceNewCluster: boolean;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  snapshotCount: number;
  quotaBackendBytes: number;
  maxRequestBytes: number;
  maxTxnOps: number;
  autoCompactionMode: 'periodic' | 'revision';
  autoCompactionRetention: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  listenMetricsUrls: URL[];
  /** metrics is --metrics: 'extensive' adds the server-side gRPC latency histogram (grpc_server_handling_seconds), as etcd. */
  metrics: 'basic' | 'extensive';
  /** watchProgressNotifyIntervalMs is how often watchers that asked for progress notifications get one. */
  watchProgressNotifyIntervalMs: number;
  /** experimentalEnableFaultInjection serves /debug/faults/* (peer partitions) for chaos tests; never in production. */
  experimentalEnableFaultInjection: boolean;
  /**
   * experimentalUnsafeLocalLinearizableReads serves linearizable reads from local state, without ReadIndex
   * and even without a leader: a deliberate bug, for tests that show the chaos checkers find stale reads.
   */
  experimentalUnsafeLocalLinearizableReads: boolean;
}

/** StoreFlagName lists the flags `capstan store` takes (etcd's names). */
export const STORE_FLAGS = [
  'name',
  'data-dir',
  'listen-client-urls',
  'advertise-client-urls',
  'listen-peer-urls',
  'initial-advertise-peer-urls',
  'initial-cluster',
  'initial-cluster-state',
  'initial-cluster-token',
  'force-new-cluster',
  'heartbeat-interval',
  'election-timeout',
  'snapshot-count',
  'quota-backend-bytes',
  'max-request-bytes',
  'max-txn-ops',
  'auto-compaction-mode',
  'auto-compaction-retention',
  'log-level',
  'listen-metrics-urls',
  'metrics',
  'experimental-watch-progress-notify-interval',
  'experimental-enable-fault-injection',
  'experimental-unsafe-local-linearizable-reads',
] as const;

export type StoreFlagName = (typeof STORE_FLAGS)[number];

/** DEFAULT_QUOTA_BYTES is etcd's default backend quota (2 GiB) when --quota-backend-bytes is 0. */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

/** ConfigError is a configuration problem found at start; the message names the flag. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * readConfigFile reads etcd's YAML --config-file, whose keys are the flag names. Unknown keys are refused,
 * as a typo in a config file is as wrong as one on the command line.
 */
export function readConfigFile(path: string): Partial<Record<StoreFlagName, string>> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`--config-file ${path}: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`--config-file ${path}: expected a YAML mapping`);
  const out: Partial<Record<StoreFlagName, string>> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (!(STORE_FLAGS as readonly string[]).includes(k)) throw new ConfigError(`--config-file ${path}: unknown key ${JSON.stringify(k)}`);
    out[k as StoreFlagName] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

/** resolveStoreConfig applies etcd's defaults to the given flags (flags win over the file) and validates. */
export function resolveStoreConfig(flags: Partial<Record<StoreFlagName, string>>): StoreConfig {
  const get = (k: StoreFlagName, d: string): string => flags[k] ?? d;
  const name = get('name', 'default');
  const urls = (k: StoreFlagName, d: string): URL[] =>
    get(k, d)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((s) => {
        let u: URL;
        try {
          u = new URL(s);
        } catch {
          throw new ConfigError(`--${k}: ${JSON.stringify(s)} is not a URL`);
        }
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`--${k}: ${s}: only http and https URLs are supported`);
        if (u.port === '') throw new ConfigError(`--${k}: ${s}: a port is required`);
        return u;
      });
  const int = (k: StoreFlagName, d: number, min: number): number => {
    const raw = flags[k];
    if (raw === undefined) return d;
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`--${k}: ${JSON.stringify(raw)} is not a non-negative integer`);
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`--${k}: ${raw} must be at least ${min}`);
    return n;
  };
  const oneOf = <T extends string>(k: StoreFlagName, d: T, allowed: readonly T[]): T => {
    const v = get(k, d);
    if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(`--${k}: ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
    return v as T;
  };

  const bool = (k: StoreFlagName): boolean => {
    const v = get(k, 'false');
    if (v !== 'true' && v !== 'false') throw new ConfigError(`--${k}: ${JSON.stringify(v)} is neither true nor false`);
    return v === 'true';
  };
  const duration = (k: StoreFlagName, d: string): number => {
    const v = get(k, d);
    const ms = parseDurationMs(v);
    if (ms === undefined) throw new ConfigError(`--${k}: ${JSON.stringify(v)} is not a duration like 500ms, 5s or 10m`);
    if (ms <= 0) throw new ConfigError(`--${k}: ${v} must be positive`);
    return ms;
  };
  const listenClientUrls = urls('listen-client-urls', 'http://localhost:2379');
  const listenPeerUrls = urls('listen-peer-urls', 'http://localhost:2380');
  const advertisePeer = urls('initial-advertise-peer-urls', 'http://localhost:2380').map((u) => u.toString().replace(/\/$/, ''));
  const heartbeatIntervalMs = int('heartbeat-interval', 100, 1);
  const electionTimeoutMs = int('election-timeout', 1000, 1);
  if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
    throw new ConfigError(`--election-timeout[${electionTimeoutMs}] should be at least as 5 times as --heartbeat-interval[${heartbeatIntervalMs}]`);
  }
  if (electionTimeoutMs > 50_000) throw new ConfigError(`--election-timeout[${electionTimeoutMs}] is too long, and should be set less than 50 seconds`);
  let initialCluster: Map<string, string[]>;
  try {
    initialCluster = parseInitialCluster(get('initial-cluster', `${name}=${advertisePeer.join(`,${name}=`)}`));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (!initialCluster.has(name)) throw new ConfigError(`--initial-cluster has no member named ${JSON.stringify(name)} (--name)`);
  const quota = int('quota-backend-bytes', 0, 0);
  const retention = get('auto-compaction-retention', '0');
  if (!/^\d+$/.test(retention) && parseDurationMs(retention) === undefined) {
    throw new ConfigError(`--auto-compaction-retention: ${JSON.stringify(retention)} is neither an integer nor a duration like 5m or 1h`);
  }
  return {
    name,
    dataDir: get('data-dir', `${name}.etcd`),
    listenClientUrls,
    advertiseClientUrls: urls('advertise-client-urls', listenClientUrls.map((u) => u.toString()).join(',')).map((u) => u.toString().replace(/\/$/, '')),
    listenPeerUrls,
    initialAdvertisePeerUrls: advertisePeer,
    initialCluster,
    initialClusterState: oneOf('initial-cluster-state', 'new', ['new', 'existing'] as const),
    initialClusterToken: get('initial-cluster-token', 'etcd-cluster'),
    forceNewCluster: oneOf('force-new-cluster', 'false', ['true', 'false'] as const) === 'true',
    heartbeatIntervalMs,
    electionTimeoutMs,
    snapshotCount: int('snapshot-count', 100_000, 1),
    quotaBackendBytes: quota === 0 ? DEFAULT_QUOTA_BYTES : quota,
    maxRequestBytes: int('max-request-bytes', 1_572_864, 1),
    maxTxnOps: int('max-txn-ops', 128, 1),
    autoCompactionMode: oneOf('auto-compaction-mode', 'periodic', ['periodic', 'revision'] as const),
    autoCompactionRetention: retention,
    logLevel: oneOf('log-level', 'info', ['debug', 'info', 'warn', 'error'] as const),
    listenMetricsUrls: urls('listen-metrics-urls', ''),
    metrics: oneOf('metrics', 'basic', ['basic', 'extensive'] as const),
    watchProgressNotifyIntervalMs: duration('experimental-watch-progress-notify-interval', '10m'),
    experimentalEnableFaultInjection: bool('experimental-enable-fault-injection'),
    experimentalUnsafeLocalLinearizableReads: bool('experimental-unsafe-local-linearizable-reads'),
  };
}

/** retentionMs turns a periodic retention ("1h", "30m", or hours as an integer) into milliseconds. */
export function retentionMs(retention: string): number {
  if (/^\d+$/.test(retention)) return Number(retention) * 3_600_000;
  return parseDurationMs(retention) ?? 0;
}
