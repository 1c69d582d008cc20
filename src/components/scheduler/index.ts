/**
 * capstan's scheduler (kube-scheduler's model): a SchedulingQueue (active, backoff, unschedulable), a
 * SchedulerCache of nodes and bound and assumed pods, the pure decision schedulePod over a Snapshot with the
 * default profile's filter and score plugins, and the Scheduler controller that binds through pods/binding.
 */
export * from './resources.js';
export * from './pod-info.js';
export * from './node-info.js';
export * from './snapshot.js';
export * from './plugin.js';
export * from './fit-error.js';
export * from './schedule-pod.js';
export * from './default-profile.js';
export * from './heap.js';
export * from './scheduling-queue.js';
export * from './scheduler-cache.js';
export * from './metrics.js';
export * from './scheduler.js';
export * from './plugins/node-unschedulable.js';
export * from './plugins/node-name.js';
export * from './plugins/taint-toleration.js';
export * from './plugins/node-affinity.js';
export * from './plugins/node-ports.js';
export * from './plugins/node-resources-fit.js';
export * from './plugins/balanced-allocation.js';
export * from './plugins/pod-topology-spread.js';
