import { CapstanError } from '../util/errors.js';

/**
 * CommandError is a failure a subcommand reports to the user: runCli prints its message on stderr,
 * prefixed with `capstan <command>:`, and exits with exitCode. Nothing else is printed, no stack.
 */
export class CommandError extends CapstanError {
  /** exitCode is the process exit status the failure maps to (non-zero). */
  readonly exitCode: number;

  constructor(message: string, code: string, exitCode = 1, options?: ErrorOptions) {
    super(message, code, false, options);
    this.exitCode = exitCode;
  }
}
