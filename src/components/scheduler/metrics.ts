import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** SchedulerMetrics are kube-scheduler's metrics of the same names that capstan's scheduler keeps. */
export interface SchedulerMetrics {
  /** attempts is scheduler_schedule_attempts_total{result: scheduled | unschedulable | error, profile}. */
  readonly attempts: Counter<'result' | 'profile'>;
  /** e2eDuration is scheduler_e2e_scheduling_duration_seconds{result, profile}: one attempt, decision to bind answer. */
  readonly e2eDuration: Histogram<'result' | 'profile'>;
  /** pendingPods is scheduler_pending_pods{queue: active | backoff | unschedulable}. */
  readonly pendingPods: Gauge<'queue'>;
  /** podSchedulingAttempts is scheduler_pod_scheduling_attempts: attempts until a pod was scheduled. */
  readonly podSchedulingAttempts: Histogram;
  /** preemptionAttempts is scheduler_preemption_attempts_total: PostFilter runs (pods that fit no node). */
  readonly preemptionAttempts: Counter;
  /** preemptionVictims is scheduler_preemption_victims: the victims of each preemption. */
  readonly preemptionVictims: Histogram;
}

const byRegistry = new WeakMap<Registry, SchedulerMetrics>();

/** schedulerMetrics returns the scheduler's metrics in registry, registering them on first use (they outlive terms). */
export function schedulerMetrics(registry: Registry): SchedulerMetrics {
  let m = byRegistry.get(registry);
  if (m !== undefined) return m;
  m = {
    attempts: new Counter({ name: 'scheduler_schedule_attempts_total', help: 'Number of attempts to schedule pods, by the result. \'unschedulable\' means a pod could not be scheduled, while \'error\' means an internal scheduler problem.', labelNames: ['result', 'profile'], registers: [registry] }),
    e2eDuration: new Histogram({
      name: 'scheduler_e2e_scheduling_duration_seconds',
      help: 'E2e scheduling latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384],
      registers: [registry],
    }),
    pendingPods: new Gauge({ name: 'scheduler_pending_pods', help: 'Number of pending pods, by the queue type.', labelNames: ['queue'], registers: [registry] }),
    podSchedulingAttempts: new Histogram({ name: 'scheduler_pod_scheduling_attempts', help: 'Number of attempts to successfully schedule a pod.', buckets: [1, 2, 4, 8, 16], registers: [registry] }),
    preemptionAttempts: new Counter({ name: 'scheduler_preemption_attempts_total', help: 'Total preemption attempts in the cluster till now', registers: [registry] }),
    preemptionVictims: new Histogram({ name: 'scheduler_preemption_victims', help: 'Number of selected preemption victims', buckets: [1, 2, 4, 8, 16, 32, 64], registers: [registry] }),
  };
  byRegistry.set(registry, m);
  return m;
}
