import type { Logger } from '../util/logger.js';

/**
 * untilShutdownSignal resolves at the first SIGINT or SIGTERM, logging which (as `<what>: shutting down`),
 * and removes its listeners, so a second signal gets Node's default handling (a forced exit) while the
 * caller stops cleanly.
 */
export function untilShutdownSignal(log: Logger, what: string): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      log.info({ signal: sig }, `${what}: shutting down`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
