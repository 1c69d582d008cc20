/**
 * Hollow node agents (`capstan node`), as Kubernetes' kubemark: many kubelets in one process that register
 * Nodes, renew node Leases, run the pods bound to them with simulated containers and report status. The
 * decisions (admission, pod statuses, node status, leases, addresses) are pure; NodeAgents is the shell.
 */
export * from './config.js';
export * from './pod-cidr.js';
export * from './admission.js';
export * from './node-status.js';
export * from './node-lease.js';
export * from './container-run.js';
export * from './pod-status.js';
export * from './pod-sync.js';
export * from './hollow-node.js';
export * from './metrics.js';
export * from './node-agents.js';
