/**
 * The `capstan apiserver` configuration: kube-apiserver's flag names where it has them (--etcd-servers,
 * --etcd-prefix, --bind-address, --secure-port, --tls-cert-file, --tls-private-key-file, --token-auth-file,
 * --min-request-timeout), plus --insecure-port / --insecure-bind-address for a loopback-only plain-HTTP port
 * (kube-apiserver removed its own in 1.20; capstan keeps one for local use), --default-watch-cache-size,
 * --service-cluster-ip-range, --service-node-port-range, --event-ttl, --watch-bookmark-interval,
 * --watch-flush-interval (capstan's own: see watch-writer.ts), the
 * DefaultTolerationSeconds admission's --default-not-ready-toleration-seconds and
 * --default-unreachable-toleration-seconds, and what the `kubernetes` Service publishes (kubernetes-service.ts):
 * --advertise-address, --endpoint-reconciler-type (lease or none) and --endpoint-reconciler-lease-ttl
 * (capstan's own; kube-apiserver's is fixed at 15s).
 */
import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { CapstanError } from '../util/errors.js';
import { parseDurationMs } from '../util/duration.js';
import { DEFAULT_POD_ADMISSION, type PodAdmissionOptions } from './resources/core-v1.js';
import { DEFAULT_SERVICE_RANGES, ServiceAllocator, type ServiceRanges } from './resources/service-allocation.js';

/** ApiServerFlags are the raw flag values (strings, as given). */
export interface ApiServerFlags {
  etcdServers?: string;
  etcdPrefix?: string;
  bindAddress?: string;
  securePort?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  tokenAuthFile?: string;
  insecurePort?: string;
  insecureBindAddress?: string;
  minRequestTimeout?: string;
  watchBookmarkInterval?: string;
  watchFlushInterval?: string;
  defaultWatchCacheSize?: string;
  serviceClusterIpRange?: string;
  serviceNodePortRange?: string;
  eventTtl?: string;
  defaultNotReadyTolerationSeconds?: string;
  defaultUnreachableTolerationSeconds?: string;
  advertiseAddress?: string;
  endpointReconcilerType?: string;
  endpointReconcilerLeaseTtl?: string;
  logLevel?: string;
}

/** ResolvedApiServerFlags is the validated configuration, before files are read. */
export interface ResolvedApiServerFlags {
  etcdServers: string[];
  etcdPrefix: string;
  secure?: { host: string; port: number; certFile: string; keyFile: string };
  insecure?: { host: string; port: number };
  tokenAuthFile?: string;
  minRequestTimeoutSeconds: number;
  bookmarkIntervalMs: number;
  /** watchFlushIntervalMs is the shortest time between two socket writes of one watch stream. */
  watchFlushIntervalMs: number;
  /** watchCacheSize is how many recent changes each resource's watch cache keeps. */
  watchCacheSize: number;
  serviceRanges: ServiceRanges;
  eventTtlSeconds: number;
  /** podAdmission holds the default NoExecute toleration seconds new pods get. */
  podAdmission: PodAdmissionOptions;
  /** advertiseAddress is --advertise-address when given; otherwise chooseAdvertiseAddress picks one. */
  advertiseAddress?: string;
  /** endpointReconciler says whether the `kubernetes` Endpoints list the replicas (lease) or are left alone (none). */
  endpointReconciler: 'lease' | 'none';
  /** endpointReconcilerLeaseTtlSeconds is the TTL of each replica's master lease. */
  endpointReconcilerLeaseTtlSeconds: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** ApiServerConfigError is a flag that cannot be used; the CLI exits 2 with its message. */
export class ApiServerConfigError extends CapstanError {
  constructor(message: string) {
    super(message, 'INVALID_CONFIG', false);
  }
}

/** DEFAULT_WATCH_FLUSH_INTERVAL bounds a busy watch stream to 100 socket writes a second (watch-writer.ts). */
export const DEFAULT_WATCH_FLUSH_INTERVAL = '10ms';

function seconds(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new ApiServerConfigError(`--${name}: ${JSON.stringify(v)} is not a whole number of seconds`);
  return Number(v);
}

function port(name: string, v: string | undefined, fallback: number): number {
  const s = v ?? String(fallback);
  if (!/^\d+$/.test(s) || Number(s) > 65535) throw new ApiServerConfigError(`--${name}: ${JSON.stringify(s)} is not a port number (0-65535)`);
  return Number(s);
}

/** resolveApiServerFlags validates the flags (see the module comment); at least one port must be served. */
export function resolveApiServerFlags(f: ApiServerFlags): ResolvedApiServerFlags {
  const etcdServers = (f.etcdServers ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (etcdServers.length === 0) throw new ApiServerConfigError('--etcd-servers must be specified');
  for (const s of etcdServers) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new ApiServerConfigError(`--etcd-servers: ${JSON.stringify(s)} is not a URL`);
    }
    if (u.protocol !== 'http:' || u.port === '') throw new ApiServerConfigError(`--etcd-servers: ${JSON.stringify(s)} must be http://host:port`);
  }
  const etcdPrefix = (f.etcdPrefix ?? '/registry').replace(/\/+$/, '');
  if (!etcdPrefix.startsWith('/')) throw new ApiServerConfigError('--etcd-prefix must start with /');
  const securePort = port('secure-port', f.securePort, 6443);
  const insecurePort = port('insecure-port', f.insecurePort, 0);
  const out: ResolvedApiServerFlags = {
    etcdServers,
    etcdPrefix,
    minRequestTimeoutSeconds: Number(f.minRequestTimeout ?? '1800'),
    bookmarkIntervalMs: parseDurationMs(f.watchBookmarkInterval ?? '1m') ?? NaN,
    watchFlushIntervalMs: parseDurationMs(f.watchFlushInterval ?? DEFAULT_WATCH_FLUSH_INTERVAL) ?? NaN,
    watchCacheSize: Number(f.defaultWatchCacheSize ?? '1000'),
    eventTtlSeconds: Math.round((parseDurationMs(f.eventTtl ?? '1h') ?? NaN) / 1000),
    serviceRanges: {
      clusterIPRange: f.serviceClusterIpRange ?? DEFAULT_SERVICE_RANGES.clusterIPRange,
      nodePortRange: f.serviceNodePortRange ?? DEFAULT_SERVICE_RANGES.nodePortRange,
    },
    podAdmission: {
      notReadyTolerationSeconds: seconds('default-not-ready-toleration-seconds', f.defaultNotReadyTolerationSeconds, DEFAULT_POD_ADMISSION.notReadyTolerationSeconds),
      unreachableTolerationSeconds: seconds('default-unreachable-toleration-seconds', f.defaultUnreachableTolerationSeconds, DEFAULT_POD_ADMISSION.unreachableTolerationSeconds),
    },
    endpointReconciler: (f.endpointReconcilerType ?? 'lease') as ResolvedApiServerFlags['endpointReconciler'],
    endpointReconcilerLeaseTtlSeconds: (parseDurationMs(f.endpointReconcilerLeaseTtl ?? '15s') ?? NaN) / 1000,
    logLevel: (f.logLevel ?? 'info') as ResolvedApiServerFlags['logLevel'],
  };
  if (f.advertiseAddress !== undefined) {
    if (isIP(f.advertiseAddress) === 0 || isUnspecified(f.advertiseAddress)) throw new ApiServerConfigError(`--advertise-address: ${JSON.stringify(f.advertiseAddress)} is not an IP address clients can reach`);
    out.advertiseAddress = f.advertiseAddress;
  }
  if (!['lease', 'none'].includes(out.endpointReconciler)) throw new ApiServerConfigError(`--endpoint-reconciler-type: ${JSON.stringify(f.endpointReconcilerType)} is not one of lease, none`);
  if (!(Number.isInteger(out.endpointReconcilerLeaseTtlSeconds) && out.endpointReconcilerLeaseTtlSeconds >= 2)) {
    throw new ApiServerConfigError(`--endpoint-reconciler-lease-ttl: ${JSON.stringify(f.endpointReconcilerLeaseTtl)} is not a whole number of seconds of at least 2s like 15s`);
  }
  if (!['debug', 'info', 'warn', 'error'].includes(out.logLevel)) throw new ApiServerConfigError(`--log-level: ${JSON.stringify(f.logLevel)} is not one of debug, info, warn, error`);
  if (!Number.isSafeInteger(out.minRequestTimeoutSeconds) || out.minRequestTimeoutSeconds <= 0) throw new ApiServerConfigError('--min-request-timeout must be a positive number of seconds');
  try {
    new ServiceAllocator(out.serviceRanges);
  } catch (err) {
    throw new ApiServerConfigError((err as Error).message);
  }
  if (!(out.eventTtlSeconds >= 1)) throw new ApiServerConfigError(`--event-ttl: ${JSON.stringify(f.eventTtl)} is not a duration of at least 1s like 1h or 30m`);
  if (!Number.isSafeInteger(out.watchCacheSize) || out.watchCacheSize <= 0) throw new ApiServerConfigError('--default-watch-cache-size must be a positive number of changes');
  if (!(out.watchFlushIntervalMs >= 0 && out.watchFlushIntervalMs <= 1000)) {
    throw new ApiServerConfigError(`--watch-flush-interval: ${JSON.stringify(f.watchFlushInterval)} is not a duration from 0 to 1s like 10ms`);
  }
  if (!(out.bookmarkIntervalMs > 0)) throw new ApiServerConfigError(`--watch-bookmark-interval: ${JSON.stringify(f.watchBookmarkInterval)} is not a duration like 500ms, 5s or 1m`);
  if (securePort !== 0) {
    if (f.tlsCertFile === undefined || f.tlsPrivateKeyFile === undefined) {
      throw new ApiServerConfigError('--secure-port needs --tls-cert-file and --tls-private-key-file (or --secure-port=0 to serve only the insecure port)');
    }
    out.secure = { host: f.bindAddress ?? '0.0.0.0', port: securePort, certFile: f.tlsCertFile, keyFile: f.tlsPrivateKeyFile };
  }
  if (insecurePort !== 0) {
    const host = f.insecureBindAddress ?? '127.0.0.1';
    if (!(host === 'localhost' || host === '::1' || host.startsWith('127.'))) throw new ApiServerConfigError(`--insecure-bind-address: ${host} is not a loopback address`);
    out.insecure = { host, port: insecurePort };
  }
  if (out.secure === undefined && out.insecure === undefined) throw new ApiServerConfigError('nothing to serve: set --secure-port (with a certificate) or --insecure-port');
  if (f.tokenAuthFile !== undefined) out.tokenAuthFile = f.tokenAuthFile;
  return out;
}

function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

/**
 * chooseAdvertiseAddress is the address a replica publishes in the `kubernetes` Endpoints when
 * --advertise-address is not given, as kube-apiserver picks it: the bind address when it names one, otherwise
 * the IPv4 address of the default route's interface (defaultRouteInterface, read by the caller from the
 * routing table), otherwise the first non-loopback IPv4 address; none at all is an error asking for the flag.
 */
export function chooseAdvertiseAddress(bindAddress: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>, defaultRouteInterface?: string): string {
  if (!isUnspecified(bindAddress) && isIP(bindAddress) !== 0) return bindAddress;
  const usable = (addrs: readonly NetworkInterfaceInfo[] | undefined): string | undefined => addrs?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const chosen = (defaultRouteInterface === undefined ? undefined : usable(interfaces[defaultRouteInterface])) ?? Object.values(interfaces).map(usable).find((a) => a !== undefined);
  if (chosen === undefined) throw new ApiServerConfigError('unable to find a suitable network address to advertise: set --advertise-address, or a --bind-address other than 0.0.0.0');
  return chosen;
}

/** defaultRouteInterface finds the interface of the IPv4 default route in /proc/net/route's text, if any. */
export function defaultRouteInterface(procNetRoute: string): string | undefined {
  for (const line of procNetRoute.split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface !== undefined && destination === '00000000' && mask === '00000000') return iface;
  }
  return undefined;
}
