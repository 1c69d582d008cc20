import { CapstanError } from '../util/errors.js';

/** LbConfigError reports an invalid load-balancer setting (a flag value, a backend address). */
export class LbConfigError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'LB_INVALID_CONFIG', false, options);
  }
}

/**
 * NoHealthyBackendError says a client connection could not be placed: no backend was up, or every up
 * backend refused it. The client's socket is closed without a byte written, as haproxy does when a backend
 * has no usable server.
 */
export class NoHealthyBackendError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'LB_NO_HEALTHY_BACKEND', true, options);
  }
}

/** LbListenError says a listener (client or admin) could not be bound; cause is the socket error. */
export class LbListenError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'LB_LISTEN_FAILED', false, options);
  }
}
