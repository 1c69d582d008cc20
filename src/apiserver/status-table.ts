/**
 * toStatusError is the one translation of errors into Kubernetes Status responses at the HTTP boundary:
 * the API server's own StatusErrors pass through; the etcd client's conditions become what kube-apiserver
 * answers for them (a compacted revision is 410 Expired, an unreachable or leaderless store 503/504, a
 * too-large request 413); anything else is a 500 InternalError.
 */
import {
  ClientClosedError,
  CompactedError,
  DeadlineExceededError,
  EndpointUnavailableError,
  NoLeaderError,
  NoSpaceError,
  RequestTooLargeError,
  TimeoutDueToConnectionLostError,
  TimeoutDueToLeaderFailError,
  TimeoutError,
  TooManyRequestsError,
  UnhealthyError,
} from '../store/client/index.js';
import type { StatusDetails } from '../api/index.js';
import { StatusError } from './errors.js';
import { NotAcceptableError, TableOptionsInvalidError } from './tables/index.js';

/** ErrorWithHttpStatus is an error another module (patch) marks with the status it answers. */
interface ErrorWithHttpStatus extends Error {
  httpCode: number;
  reason: string;
  details?: StatusDetails;
}

function hasHttpStatus(err: unknown): err is ErrorWithHttpStatus {
  return err instanceof Error && typeof (err as Partial<ErrorWithHttpStatus>).httpCode === 'number' && typeof (err as Partial<ErrorWithHttpStatus>).reason === 'string';
}

/** toStatusError translates any error into the StatusError the client receives (see the module comment). */
export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (err instanceof NotAcceptableError) return StatusError.notAcceptable(err.message, { cause: err });
  if (err instanceof TableOptionsInvalidError) return StatusError.badRequest(err.message);
  if (err instanceof CompactedError) return StatusError.resourceExpired('The resourceVersion for the provided list is too old.');
  if (err instanceof RequestTooLargeError) return StatusError.requestEntityTooLarge(err.message);
  if (err instanceof NoSpaceError) return StatusError.internal(err);
  if (err instanceof TooManyRequestsError) return new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 }, { cause: err });
  if (err instanceof NoLeaderError || err instanceof EndpointUnavailableError || err instanceof UnhealthyError || err instanceof ClientClosedError) {
    return StatusError.serviceUnavailable(`the storage is unavailable: ${err.message}`, { cause: err });
  }
  if (err instanceof DeadlineExceededError || err instanceof TimeoutError || err instanceof TimeoutDueToLeaderFailError || err instanceof TimeoutDueToConnectionLostError) {
    return StatusError.timeout(`The storage did not answer in time: ${err.message}`, { cause: err });
  }
  if (hasHttpStatus(err)) return new StatusError(err.httpCode, err.reason as StatusError['reason'], err.message, err.details, { cause: err });
  return StatusError.internal(err);
}
