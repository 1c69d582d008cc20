/**
 * startLoadBalancer runs `capstan lb`: a TCP passthrough balancer in front of the API server replicas, with
 * active HTTP(S) health checks, as k3s's agent load balancer or haproxy in tcp mode with `option httpchk`.
 * The decisions (health state machine, picking) live in BackendPool; this file only wires the health
 * monitor, the TCP proxy and the admin endpoint to it, and logs and counts what they report.
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { StatusChange } from './backend-health.js';
import { BackendPool } from './backend-pool.js';
import { AdminServer } from './admin-server.js';
import { formatHostPort, type HostPort, type LbConfig } from './config.js';
import { HealthMonitor } from './health-monitor.js';
import { createHttpProbe, type HealthProbe } from './health-probe.js';
import { createLbMetrics, type LbMetrics } from './metrics.js';
import { createPicker } from './picker.js';
import { TcpProxy } from './tcp-proxy.js';

/** LoadBalancerDeps are the balancer's injected dependencies. */
export interface LoadBalancerDeps {
  readonly clock: Clock;
  /** log is the process's root logger; the balancer makes child loggers per component. */
  readonly log: Logger;
  /** probe replaces the HTTP(S) health check (tests). */
  readonly probe?: HealthProbe;
}

/** RunningLoadBalancer is a started balancer. */
export interface RunningLoadBalancer {
  /** address is where clients connect (the bound port when --listen asked for port 0). */
  readonly address: HostPort;
  /** adminAddress is where the admin endpoint listens, if configured. */
  readonly adminAddress: HostPort | undefined;
  readonly pool: BackendPool;
  readonly metrics: LbMetrics;
  /** stop stops checking, closes the listeners and every proxied connection. */
  stop(): Promise<void>;
}

/**
 * startLoadBalancer binds the listeners, starts the health checks and resolves once it accepts clients.
 * Connections that arrive before the first checks complete are closed (no backend is up yet); checks of all
 * backends start at once, so that window is one check long. It rejects with an LbListenError if a listener
 * cannot be bound.
 */
export async function startLoadBalancer(cfg: LbConfig, deps: LoadBalancerDeps): Promise<RunningLoadBalancer> {
  const { clock, log } = deps;
  const backends = new Map<string, HostPort>(cfg.backends.map((b) => [formatHostPort(b), b]));
  const keys = [...backends.keys()];
  const pool = new BackendPool(keys, { rise: cfg.rise, fall: cfg.fall }, createPicker(cfg.balance), clock.monotonic());
  const metrics = createLbMetrics(keys);
  const healthLog = log.child({ component: 'health' });

  const onChange = (change: StatusChange): void => {
    metrics.backendUp.set({ backend: change.backend }, change.to === 'up' ? 1 : 0);
    metrics.backendStatusChanges.inc({ backend: change.backend, status: change.to });
    const fields = { backend: change.backend, from: change.from, to: change.to, cause: change.cause, healthy: pool.healthyCount(), of: keys.length };
    if (change.to === 'up') healthLog.info(fields, 'backend is up');
    else healthLog.warn(fields, 'backend is down');
    if (pool.healthyCount() === 0 && change.from === 'up') healthLog.error({ backends: keys }, 'no backend is up: new connections are refused');
  };

  const proxy = new TcpProxy({
    listen: cfg.listen,
    pool,
    backends,
    connectTimeoutMs: cfg.connectTimeoutMs,
    clock,
    log: log.child({ component: 'proxy' }),
    metrics,
    onChange,
  });
  const admin = cfg.adminListen === undefined ? undefined : new AdminServer({ listen: cfg.adminListen, pool, metrics, clock, log: log.child({ component: 'admin' }) });
  const monitor = new HealthMonitor({
    pool,
    backends,
    probe: deps.probe ?? createHttpProbe({ scheme: cfg.healthScheme, path: cfg.healthPath, timeoutMs: cfg.healthTimeoutMs, clock }),
    intervalMs: cfg.healthIntervalMs,
    clock,
    log: healthLog,
    onCheck: (backend, result) => {
      metrics.healthChecks.inc({ backend });
      if (!result.ok) metrics.healthCheckFailures.inc({ backend, reason: result.reason });
    },
    onChange,
  });

  const address = await proxy.listen();
  let adminAddress: HostPort | undefined;
  try {
    adminAddress = await admin?.listen();
  } catch (err) {
    await proxy.stop();
    throw err;
  }
  monitor.start();
  log.info(
    {
      listen: formatHostPort(address),
      admin: adminAddress === undefined ? null : formatHostPort(adminAddress),
      backends: keys,
      health: `${cfg.healthScheme}://<backend>${cfg.healthPath}`,
      intervalMs: cfg.healthIntervalMs,
      timeoutMs: cfg.healthTimeoutMs,
      rise: cfg.rise,
      fall: cfg.fall,
      balance: cfg.balance,
    },
    'load balancer started',
  );
  return {
    address,
    adminAddress,
    pool,
    metrics,
    async stop() {
      monitor.stop();
      await Promise.all([proxy.stop(), admin?.stop()]);
      log.info('load balancer stopped');
    },
  };
}
