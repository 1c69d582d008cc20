/** Leader election over coordination.k8s.io/v1 Leases, with client-go's semantics. */
export * from './config.js';
export * from './decide.js';
export * from './lease-client.js';
export * from './leader-elector.js';
