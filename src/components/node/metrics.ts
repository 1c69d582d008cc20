import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * NodeAgentMetrics are the counters of a node-agent process, served on /metrics next to the process's
 * default metrics. Names follow the kubelet's where it has one (kubelet_running_pods,
 * kubelet_node_name); the rest are capstan's, prefixed hollow_node_.
 */
export class NodeAgentMetrics {
  /** nodes is how many hollow nodes the process hosts (kubelet_node_name counts one per kubelet). */
  readonly nodes: Gauge;
  readonly registrations: Counter;
  readonly runningPods: Gauge;
  readonly podsStarted: Counter;
  readonly podsRejected: Counter<'reason'>;
  readonly podsDeleted: Counter;
  /** podsCompleted counts the pods whose containers exited for good, by the phase that left them in. */
  readonly podsCompleted: Counter<'phase'>;
  /** containerRestarts counts the kubelet's restarts of exited containers (restartCount increases). */
  readonly containerRestarts: Counter;
  readonly podStatusWrites: Counter<'result'>;
  readonly nodeStatusWrites: Counter<'result'>;
  readonly leaseRenewals: Counter<'result'>;
  readonly leaseRenewDuration: Histogram;
  /** leaseRenewLag is the time since the stalest node last renewed its Lease. */
  readonly leaseRenewLag: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.nodes = new Gauge({ name: 'hollow_node_nodes', help: 'Number of hollow nodes this process hosts.', registers });
    this.registrations = new Counter({ name: 'hollow_node_registrations_total', help: 'Nodes registered (created, or found existing and reused).', registers });
    this.runningPods = new Gauge({ name: 'kubelet_running_pods', help: 'Number of pods that have a running pod sandbox', registers });
    this.podsStarted = new Counter({ name: 'hollow_node_pods_started_total', help: 'Pods whose simulated containers started running.', registers });
    this.podsRejected = new Counter({ name: 'hollow_node_pods_rejected_total', help: 'Pods rejected at admission, by reason (OutOfcpu, OutOfmemory, OutOfpods).', labelNames: ['reason'], registers });
    this.podsDeleted = new Counter({ name: 'hollow_node_pods_deleted_total', help: 'Pods deleted after their containers stopped.', registers });
    this.podsCompleted = new Counter({ name: 'hollow_node_pods_completed_total', help: 'Pods whose simulated containers exited for good, by phase (Succeeded, Failed).', labelNames: ['phase'], registers });
    this.containerRestarts = new Counter({ name: 'hollow_node_container_restarts_total', help: 'Restarts of simulated containers after they exited.', registers });
    this.podStatusWrites = new Counter({ name: 'hollow_node_pod_status_writes_total', help: 'Writes of pods/status, by result.', labelNames: ['result'], registers });
    this.nodeStatusWrites = new Counter({ name: 'hollow_node_node_status_writes_total', help: 'Writes of nodes/status, by result.', labelNames: ['result'], registers });
    this.leaseRenewals = new Counter({ name: 'hollow_node_lease_renewals_total', help: 'Node Lease renewals (and creations), by result.', labelNames: ['result'], registers });
    this.leaseRenewDuration = new Histogram({
      name: 'hollow_node_lease_renew_duration_seconds',
      help: 'Latency of node Lease renewals.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.leaseRenewLag = new Gauge({ name: 'hollow_node_lease_renew_lag_seconds', help: 'Time since the node that renewed its Lease longest ago last renewed it.', registers });
  }
}
