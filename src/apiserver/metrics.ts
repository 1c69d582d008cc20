import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * ApiServerMetrics are the replica's Prometheus metrics, named as kube-apiserver names its own
 * (apiserver_request_total, apiserver_request_duration_seconds, apiserver_longrunning_requests) so that
 * dashboards built for Kubernetes read them unchanged.
 */
export interface ApiServerMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'verb' | 'group' | 'version' | 'resource' | 'subresource' | 'code'>;
  readonly duration: Histogram<'verb' | 'group' | 'version' | 'resource' | 'subresource'>;
  readonly longRunning: Gauge<'verb' | 'group' | 'version' | 'resource'>;
  readonly watchEvents: Counter<'group' | 'version' | 'kind'>;
}

/** createApiServerMetrics makes a registry of its own (several servers may share a process in tests). */
export function createApiServerMetrics(): ApiServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = { registers: [registry] };
  return {
    registry,
    requests: new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, group, version, resource, subresource and HTTP response code.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'code'],
      ...r,
    }),
    duration: new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, group, version, resource and subresource.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource'],
      buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
      ...r,
    }),
    longRunning: new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests (watches) broken out by verb, group, version and resource.',
      labelNames: ['verb', 'group', 'version', 'resource'],
      ...r,
    }),
    watchEvents: new Counter({
      name: 'apiserver_watch_events_total',
      help: 'Number of events sent in watch clients.',
      labelNames: ['group', 'version', 'kind'],
      ...r,
    }),
  };
}
