/**
 * The components' client machinery, client-go's model in TypeScript: a REST client with retries (rest-client),
 * kubeconfig loading, reflectors that list then watch and relist on 410 (reflector), informers with an
 * indexed frozen cache and event handlers (informer, indexer), and the rate-limited work queue that never
 * hands one key to two workers (workqueue, rate-limiter). Components reach the API server only through this
 * package; it imports nothing but src/api and src/util.
 */
export * from './errors.js';
export * from './kubeconfig.js';
export * from './resource.js';
export * from './backoff.js';
export * from './watch-stream.js';
export * from './rest-client.js';
export * from './indexer.js';
export * from './reflector.js';
export * from './informer.js';
export * from './rate-limiter.js';
export * from './workqueue.js';
export * from './event-correlator.js';
export * from './event-recorder.js';
