/**
 * CapstanError is the base of every domain error in capstan. Each condition has its own subclass with a
 * stable `code`; `retryable` says whether the same request may succeed if sent again (for example after a
 * leader change). Boundaries (gRPC, HTTP) translate these through one table each; nothing else matches on
 * messages.
 */
export class CapstanError extends Error {
  /** code is a stable, machine-readable name of the condition. */
  readonly code: string;
  /** retryable says whether retrying the same request may succeed. */
  readonly retryable: boolean;

  constructor(message: string, code: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }

  /** is reports whether err is a CapstanError carrying code. */
  static is(err: unknown, code?: string): err is CapstanError {
    return err instanceof CapstanError && (code === undefined || err.code === code);
  }
}

/** AssertionError reports a broken invariant: a bug, never an input problem. */
export class AssertionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AssertionError';
  }
}

/** invariant throws an AssertionError naming the invariant when cond is false. */
export function invariant(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new AssertionError(typeof message === 'string' ? message : message());
}
