/**
 * The controllers of `capstan controller-manager` (kube-controller-manager's): node lifecycle, endpoint,
 * endpointslice, namespace, garbage collector and service account here; ReplicaSet and Deployment in workloads/. Each is a
 * Controller run by the runtime while its replica leads; decisions are pure functions beside each shell.
 */
export * from './controller-names.js';
export * from './controller-manager-options.js';
export * from './controller-manager.js';
export * from './builtin-controllers.js';
export * from './worker-loop.js';
export * from './discovery.js';
export * from './nodelifecycle/taints.js';
export * from './nodelifecycle/node-health.js';
export * from './nodelifecycle/taint-eviction.js';
export * from './nodelifecycle/node-lifecycle-controller.js';
export * from './endpoint/endpoint-subsets.js';
export * from './endpoint/endpoints-controller.js';
export * from './endpointslice/endpointslice-reconcile.js';
export * from './endpointslice/endpointslice-controller.js';
export * from './namespace/namespace-deletion.js';
export * from './namespace/namespace-controller.js';
export * from './garbagecollector/owner-graph.js';
export * from './garbagecollector/garbage-collector.js';
export * from './serviceaccount/serviceaccounts-controller.js';
