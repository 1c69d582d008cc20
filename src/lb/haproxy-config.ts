/**
 * renderHaproxyConfig writes the haproxy configuration that does what `capstan lb` does, for production
 * (deploy/haproxy.cfg is its output for a three-replica example) and for tests and the launcher (loopback
 * ports). Each `capstan lb` behaviour has its haproxy counterpart:
 *
 * | capstan lb | haproxy |
 * |---|---|
 * | TCP passthrough | `mode tcp` |
 * | GET /readyz over HTTPS, certificate not verified | `option httpchk GET /readyz`, `check check-ssl verify none` |
 * | --health-interval / --health-timeout | `inter`/`fastinter`/`downinter`, `timeout check` |
 * | --rise / --fall | `rise` / `fall` |
 * | a refused client connection takes the backend down | `observe layer4 error-limit 1 on-error mark-down` |
 * | a refused connection is retried on another backend at once | `retries 3`, `option redispatch 1` (after a turn-around delay of min(timeout connect, 1 s)) |
 * | watches are never cut for idleness | `timeout client/server/tunnel` of an hour (Kubernetes ends a watch within 30–60 min) |
 * | --balance roundrobin / leastconn | `balance roundrobin` / `balance leastconn` |
 * | admin /healthz, /readyz, /metrics | `http-request return` rules, `nbsrv()`, the built-in prometheus-exporter; `/stats` for /backends |
 */
import { formatHostPort, type BalanceAlgorithm, type HealthScheme, type HostPort } from './config.js';

/** HaproxyServer is one API server replica: a server name (default `apiserver-<n>`) and its address. */
export interface HaproxyServer extends HostPort {
  readonly name?: string;
}

/** HaproxyConfigOptions are the inputs of renderHaproxyConfig; absent ones take `capstan lb`'s defaults. */
export interface HaproxyConfigOptions {
  /** listen is the client-facing bind address (host `*` for all interfaces). */
  readonly listen: HostPort;
  readonly backends: readonly HaproxyServer[];
  /** adminListen, if set, adds a plain-HTTP admin frontend with /healthz, /readyz, /metrics and /stats. */
  readonly adminListen?: HostPort;
  readonly healthPath?: string;
  readonly healthScheme?: HealthScheme;
  readonly healthIntervalMs?: number;
  readonly healthTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly rise?: number;
  readonly fall?: number;
  readonly balance?: BalanceAlgorithm;
  /** streamTimeoutMs is the idle timeout of established connections (client, server, tunnel); default 1 h. */
  readonly streamTimeoutMs?: number;
  /**
   * mode `service` writes a config for the packaged, systemd-run haproxy (logs to /dev/log, chroot, drops to
   * user haproxy, admin socket); `foreground` one for `haproxy -db -f` run by an unprivileged user or a test
   * (logs to stdout, no chroot or user switch). Default `service`.
   */
  readonly mode?: 'service' | 'foreground';
  /**
   * maxconn is haproxy's global connection limit; haproxy needs about twice as many file descriptors. Default
   * 20000 for `service` (started as root, it raises its own limit) and 1000 for `foreground`.
   */
  readonly maxconn?: number;
  /** header is prepended as `#` comment lines. */
  readonly header?: readonly string[];
}

/** HAPROXY_FRONTEND and HAPROXY_BACKEND are the proxy names the rendered configuration uses. */
export const HAPROXY_FRONTEND = 'capstan-apiserver';
/** HAPROXY_BACKEND is the backend (server pool) name, as it appears in haproxy's stats and metrics. */
export const HAPROXY_BACKEND = 'capstan-apiservers';

/** haproxyDuration writes milliseconds with haproxy's largest exact time unit (`250ms`, `1s`, `1h`). */
export function haproxyDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${String(ms / 3_600_000)}h`;
  if (ms % 60_000 === 0) return `${String(ms / 60_000)}m`;
  if (ms % 1_000 === 0) return `${String(ms / 1_000)}s`;
  return `${String(ms)}ms`;
}

/** renderHaproxyConfig renders the configuration text (with a trailing newline). */
export function renderHaproxyConfig(opts: HaproxyConfigOptions): string {
  const scheme = opts.healthScheme ?? 'https';
  const inter = haproxyDuration(opts.healthIntervalMs ?? 250);
  const mode = opts.mode ?? 'service';
  const lines: string[] = [];
  for (const h of opts.header ?? []) lines.push(h === '' ? '#' : `# ${h}`);
  if (opts.header !== undefined && opts.header.length > 0) lines.push('');
  lines.push('global');
  if (mode === 'service') {
    lines.push(
      '    log /dev/log local0',
      '    chroot /var/lib/haproxy',
      '    stats socket /run/haproxy/admin.sock mode 660 level admin',
      '    user haproxy',
      '    group haproxy',
    );
  } else {
    lines.push('    log stdout format raw local0 info');
  }
  lines.push(
    `    maxconn ${String(opts.maxconn ?? (mode === 'service' ? 20_000 : 1_000))}`,
    '',
    'defaults',
    '    mode tcp',
    '    log global',
    '    option dontlognull',
    '    # a connection refused by one API server is retried on another (after haproxy\'s turn-around delay,',
    '    # min(timeout connect, 1s); capstan lb retries at once), and the refusing server is marked down',
    '    retries 3',
    '    option redispatch 1',
    `    timeout connect ${haproxyDuration(opts.connectTimeoutMs ?? 5_000)}`,
    '    # watches are long-lived and may be quiet: never cut them for idleness before the API server ends them',
    `    timeout client ${haproxyDuration(opts.streamTimeoutMs ?? 3_600_000)}`,
    `    timeout server ${haproxyDuration(opts.streamTimeoutMs ?? 3_600_000)}`,
    `    timeout tunnel ${haproxyDuration(opts.streamTimeoutMs ?? 3_600_000)}`,
    '    timeout client-fin 10s',
    '    timeout server-fin 10s',
    `    timeout check ${haproxyDuration(opts.healthTimeoutMs ?? 1_000)}`,
    '',
    `frontend ${HAPROXY_FRONTEND}`,
    `    bind ${formatHostPort(opts.listen)}`,
    '    option tcplog',
    `    default_backend ${HAPROXY_BACKEND}`,
    '',
    `backend ${HAPROXY_BACKEND}`,
    `    balance ${opts.balance ?? 'roundrobin'}`,
    `    option httpchk GET ${opts.healthPath ?? '/readyz'}`,
    '    # a dead API server (connection refused) is down after at most `fall` checks, `inter` apart, or at its first',
    '    # refused client connection; TLS passes through untouched, only the checks speak TLS, without verification',
    [
      '    default-server check',
      ...(scheme === 'https' ? ['check-ssl verify none'] : []),
      `inter ${inter} fastinter ${inter} downinter ${inter}`,
      `rise ${String(opts.rise ?? 1)} fall ${String(opts.fall ?? 2)}`,
      'observe layer4 error-limit 1 on-error mark-down',
    ].join(' '),
  );
  opts.backends.forEach((b, i) => lines.push(`    server ${b.name ?? `apiserver-${String(i + 1)}`} ${formatHostPort(b)}`));
  if (opts.adminListen !== undefined) {
    lines.push(
      '',
      'frontend capstan-lb-admin',
      '    mode http',
      `    bind ${formatHostPort(opts.adminListen)}`,
      '    timeout client 10s',
      '    http-request return status 200 content-type text/plain string ok if { path /healthz }',
      `    http-request return status 200 content-type text/plain string ok if { path /readyz } { nbsrv(${HAPROXY_BACKEND}) gt 0 }`,
      '    http-request return status 503 content-type text/plain string "no healthy backend" if { path /readyz }',
      '    http-request use-service prometheus-exporter if { path /metrics }',
      '    stats enable',
      '    stats uri /stats',
      '    stats refresh 5s',
    );
  }
  return `${lines.join('\n')}\n`;
}
