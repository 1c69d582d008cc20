/**
 * The process shell components share: flags (component-flags), the health and metrics port (component-server),
 * leader-elected running of a Controller (run-component), shared informers (informer-factory) and the journal
 * of actions taken while leading (journal).
 */
export * from './controller.js';
export * from './journal.js';
export * from './informer-factory.js';
export * from './component-flags.js';
export * from './component-server.js';
export * from './run-component.js';
