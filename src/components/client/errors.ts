/**
 * Errors of the client machinery. A request the API server refused is an ApiStatusError carrying the
 * Kubernetes Status it answered (reason, code, message, details), with one subclass per reason that
 * controllers branch on; the predicates (isNotFound, isConflict …) mirror apimachinery's api/errors and
 * look at reason first and the HTTP code second, as client-go does for Status bodies an older or foreign
 * server filled in partially. A request that never got an answer is a ConnectionError or a
 * RequestTimeoutError.
 */
import type { Status, StatusReason } from '../../api/index.js';
import { NAMESPACE_TERMINATING_CAUSE } from '../../api/index.js';
import { CapstanError } from '../../util/errors.js';

/** ApiStatusError is a request the API server answered with a failure Status. */
export class ApiStatusError extends CapstanError {
  /** status is the Status the server sent (or one built from the HTTP code when the body was not a Status). */
  readonly status: Status & { code: number; reason: StatusReason };
  /** retryAfterSeconds is the Retry-After header or details.retryAfterSeconds, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: Status & { code: number; reason: StatusReason }, retryAfterSeconds?: number, options?: ErrorOptions) {
    super(status.message ?? `the server responded with HTTP ${status.code}`, status.reason === '' ? `HTTP_${status.code}` : status.reason, isRetryableCode(status.code), options);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** httpCode is the HTTP status code of the answer. */
  get httpCode(): number {
    return this.status.code;
  }

  /** reason is the Status reason ('' when the server gave none). */
  get reason(): StatusReason {
    return this.status.reason;
  }
}

function isRetryableCode(code: number): boolean {
  return code === 429 || code >= 500;
}

/** NotFoundError is a 404 NotFound: the object (or its namespace) does not exist. */
export class NotFoundError extends ApiStatusError {}

/** AlreadyExistsError is a 409 AlreadyExists: a create of a name that is taken. */
export class AlreadyExistsError extends ApiStatusError {}

/** ConflictError is a 409 Conflict: an update or delete from a stale resourceVersion (optimistic concurrency). */
export class ConflictError extends ApiStatusError {}

/** GoneError is a 410 Gone or Expired: a resourceVersion or continue token older than the compacted history. */
export class GoneError extends ApiStatusError {}

/** InvalidError is a 422 Invalid: the object failed validation; details.causes name the fields. */
export class InvalidError extends ApiStatusError {}

/** TooManyRequestsError is a 429 TooManyRequests: the server asks to retry later (Retry-After). */
export class TooManyRequestsError extends ApiStatusError {}

/** ServerTimeoutError is a 504 Timeout or a 500 ServerTimeout: the server could not finish in time. */
export class ServerTimeoutError extends ApiStatusError {}

/** ServiceUnavailableError is a 503 ServiceUnavailable (for example the store has no leader). */
export class ServiceUnavailableError extends ApiStatusError {}

/** UnauthorizedError is a 401 Unauthorized: the credentials are missing or wrong. */
export class UnauthorizedError extends ApiStatusError {}

/** ForbiddenError is a 403 Forbidden: not allowed, or a namespace that is being terminated. */
export class ForbiddenError extends ApiStatusError {}

/**
 * apiStatusError builds the subclass for a Status (apimachinery's FromObject plus client-go's
 * newUnstructuredResponseError for bodies that are not a Status).
 */
export function apiStatusError(status: Status & { code: number; reason: StatusReason }, retryAfterSeconds?: number): ApiStatusError {
  const reason = status.reason;
  const code = status.code;
  if (reason === 'NotFound' || (reason === '' && code === 404)) return new NotFoundError(status, retryAfterSeconds);
  if (reason === 'AlreadyExists') return new AlreadyExistsError(status, retryAfterSeconds);
  if (reason === 'Conflict' || (reason === '' && code === 409)) return new ConflictError(status, retryAfterSeconds);
  if (reason === 'Gone' || reason === 'Expired' || (reason === '' && code === 410)) return new GoneError(status, retryAfterSeconds);
  if (reason === 'Invalid' || (reason === '' && code === 422)) return new InvalidError(status, retryAfterSeconds);
  if (reason === 'TooManyRequests' || (reason === '' && code === 429)) return new TooManyRequestsError(status, retryAfterSeconds);
  if (reason === 'Timeout' || reason === 'ServerTimeout' || (reason === '' && code === 504)) return new ServerTimeoutError(status, retryAfterSeconds);
  if (reason === 'ServiceUnavailable' || (reason === '' && code === 503)) return new ServiceUnavailableError(status, retryAfterSeconds);
  if (reason === 'Unauthorized' || (reason === '' && code === 401)) return new UnauthorizedError(status, retryAfterSeconds);
  if (reason === 'Forbidden' || (reason === '' && code === 403)) return new ForbiddenError(status, retryAfterSeconds);
  return new ApiStatusError(status, retryAfterSeconds);
}

/** ConnectionError is a request that got no HTTP answer: refused, reset, closed early, or a TLS failure. */
export class ConnectionError extends CapstanError {
  /** sent says whether the request may have reached the server (false only when the connection was never made). */
  readonly sent: boolean;

  constructor(message: string, sent: boolean, retryable = true, options?: ErrorOptions) {
    super(message, 'CONNECTION', retryable, options);
    this.sent = sent;
  }
}

/** RequestTimeoutError is a request that got no complete answer within the client's request timeout. */
export class RequestTimeoutError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'REQUEST_TIMEOUT', true, options);
  }
}

/** KubeconfigError is a kubeconfig that cannot be used (unreadable, no current context, dangling names). */
export class KubeconfigError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_KUBECONFIG', false, options);
  }
}

/** IndexNotFoundError is a lookup in an index the cache was not built with (client-go's message). */
export class IndexNotFoundError extends CapstanError {
  constructor(name: string) {
    super(`Index with name ${name} does not exist`, 'INDEX_NOT_FOUND', false);
  }
}

/** CacheSyncTimeoutError is an informer that did not finish its first list in the time a caller allowed. */
export class CacheSyncTimeoutError extends CapstanError {
  constructor(message: string) {
    super(message, 'CACHE_SYNC_TIMEOUT', true);
  }
}

/** DecodeError is an answer whose body is not the JSON the request expects. */
export class DecodeError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'DECODE', false, options);
  }
}

function reasonOrCode(err: unknown, reasons: readonly StatusReason[], code: number): boolean {
  if (!(err instanceof ApiStatusError)) return false;
  if (reasons.includes(err.reason)) return true;
  return err.reason === '' && err.httpCode === code;
}

/** isNotFound reports a 404 NotFound (apierrors.IsNotFound). */
export function isNotFound(err: unknown): boolean {
  return reasonOrCode(err, ['NotFound'], 404);
}

/** isAlreadyExists reports a 409 AlreadyExists (apierrors.IsAlreadyExists). */
export function isAlreadyExists(err: unknown): boolean {
  return reasonOrCode(err, ['AlreadyExists'], -1);
}

/**
 * isNamespaceTerminating reports a create refused because its namespace is being deleted: kube's
 * NamespaceLifecycle cause (apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause)).
 */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof ApiStatusError && (err.status.details?.causes ?? []).some((c) => c.reason === NAMESPACE_TERMINATING_CAUSE);
}

/** isConflict reports a 409 Conflict (apierrors.IsConflict): re-read and try again. */
export function isConflict(err: unknown): boolean {
  return reasonOrCode(err, ['Conflict'], 409);
}

/** isGone reports a 410 Gone (apierrors.IsGone). */
export function isGone(err: unknown): boolean {
  return reasonOrCode(err, ['Gone'], 410);
}

/** isResourceExpired reports a 410 Expired (apierrors.IsResourceExpired): the version is compacted; relist. */
export function isResourceExpired(err: unknown): boolean {
  return reasonOrCode(err, ['Expired'], -1);
}

/** isGoneOrExpired reports either 410 (what a reflector answers with a relist). */
export function isGoneOrExpired(err: unknown): boolean {
  return isGone(err) || isResourceExpired(err);
}

/** isInvalid reports a 422 Invalid (apierrors.IsInvalid). */
export function isInvalid(err: unknown): boolean {
  return reasonOrCode(err, ['Invalid'], 422);
}

/** isTimeout reports a 504 Timeout (apierrors.IsTimeout): the server gave up waiting on the store. */
export function isTimeout(err: unknown): boolean {
  return reasonOrCode(err, ['Timeout'], 504);
}

/** isServerTimeout reports a ServerTimeout (apierrors.IsServerTimeout). */
export function isServerTimeout(err: unknown): boolean {
  return reasonOrCode(err, ['ServerTimeout'], -1);
}

/** isTooManyRequests reports a 429 TooManyRequests (apierrors.IsTooManyRequests). */
export function isTooManyRequests(err: unknown): boolean {
  return reasonOrCode(err, ['TooManyRequests'], 429);
}

/** isServiceUnavailable reports a 503 ServiceUnavailable (apierrors.IsServiceUnavailable). */
export function isServiceUnavailable(err: unknown): boolean {
  return reasonOrCode(err, ['ServiceUnavailable'], 503);
}

/** isUnauthorized reports a 401 Unauthorized (apierrors.IsUnauthorized). */
export function isUnauthorized(err: unknown): boolean {
  return reasonOrCode(err, ['Unauthorized'], 401);
}

/** isForbidden reports a 403 Forbidden (apierrors.IsForbidden). */
export function isForbidden(err: unknown): boolean {
  return reasonOrCode(err, ['Forbidden'], 403);
}

/** isConnectionError reports a request that got no HTTP answer (refused, reset, timed out). */
export function isConnectionError(err: unknown): boolean {
  return err instanceof ConnectionError || err instanceof RequestTimeoutError;
}
