import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * LbMetrics are the balancer's Prometheus metrics, in a registry of its own (several balancers may share a
 * process in tests). Per-backend series carry a `backend` label (host:port), as haproxy's exporter labels
 * series by proxy and server.
 */
export interface LbMetrics {
  readonly registry: Registry;
  /** backendUp is 1 while a backend receives new connections, 0 otherwise. */
  readonly backendUp: Gauge<'backend'>;
  readonly backendStatusChanges: Counter<'backend' | 'status'>;
  readonly connectionsTotal: Counter<'backend'>;
  readonly connectionsActive: Gauge<'backend'>;
  /** connectFailures counts client connections a backend did not accept (each then tried elsewhere). */
  readonly connectFailures: Counter<'backend' | 'reason'>;
  /** connectionsRejected counts client connections closed because no backend took them. */
  readonly connectionsRejected: Counter;
  readonly healthChecks: Counter<'backend'>;
  readonly healthCheckFailures: Counter<'backend' | 'reason'>;
}

/** createLbMetrics makes the metrics with every per-backend series present (at 0) from the start. */
export function createLbMetrics(backends: readonly string[]): LbMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = { registers: [registry] };
  const m: LbMetrics = {
    registry,
    backendUp: new Gauge({ name: 'capstan_lb_backend_up', help: 'Whether the backend is up (1) and receives new connections, or not (0).', labelNames: ['backend'], ...r }),
    backendStatusChanges: new Counter({
      name: 'capstan_lb_backend_status_changes_total',
      help: 'Health status changes of the backend, by the status entered.',
      labelNames: ['backend', 'status'],
      ...r,
    }),
    connectionsTotal: new Counter({ name: 'capstan_lb_connections_total', help: 'Client connections proxied to the backend.', labelNames: ['backend'], ...r }),
    connectionsActive: new Gauge({ name: 'capstan_lb_connections_active', help: 'Client connections currently proxied to the backend.', labelNames: ['backend'], ...r }),
    connectFailures: new Counter({
      name: 'capstan_lb_backend_connect_failures_total',
      help: 'Connections to the backend on behalf of a client that failed (the client is then tried on another backend).',
      labelNames: ['backend', 'reason'],
      ...r,
    }),
    connectionsRejected: new Counter({ name: 'capstan_lb_connections_rejected_total', help: 'Client connections closed because no healthy backend accepted them.', ...r }),
    healthChecks: new Counter({ name: 'capstan_lb_health_checks_total', help: 'Health checks of the backend.', labelNames: ['backend'], ...r }),
    healthCheckFailures: new Counter({
      name: 'capstan_lb_health_check_failures_total',
      help: 'Failed health checks of the backend, by reason (refused, timeout, status, error).',
      labelNames: ['backend', 'reason'],
      ...r,
    }),
  };
  for (const backend of backends) {
    m.backendUp.set({ backend }, 0);
    m.connectionsTotal.inc({ backend }, 0);
    m.connectionsActive.set({ backend }, 0);
    m.healthChecks.inc({ backend }, 0);
  }
  return m;
}
