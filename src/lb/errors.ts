import { CapstanError } from '../util/errors.js';

/** LbConfigError reports an invalid load-balancer setting (a flag value, a backend address). */
export class LbConfigError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'LB_INVALID_CONFIG', false, options);
  }
}

/** LbListenError says a listener (client or admin) could not be bound; cause is the socket error. */
export class LbListenError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'LB_LISTEN_FAILED', false, options);
  }
}
