/**
 * The client's own error conditions, and toClientError: the one place where a failed gRPC call becomes a
 * capstan domain error.
 *
 * A status that is one of etcd's (code and message byte-identical to rpctypes) is rebuilt into the store's
 * domain error by fromGrpcError (CompactedError, NoLeaderError, LeaseNotFoundError …), so callers match on
 * classes, never on strings — as clientv3 turns statuses into rpctypes.Err* values. What etcd never sends
 * (a dropped connection, an expired client deadline, a closed client, a status of another origin) gets one
 * of the classes below.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { CapstanError } from '../../util/errors.js';
import { fromGrpcError } from '../errors.js';

/** ClientClosedError: the request, watch or keep-alive was cut short because close() was called. */
export class ClientClosedError extends CapstanError {
  constructor(options?: ErrorOptions) {
    super('etcdclient: client is closed', 'CLIENT_CLOSED', false, options);
  }
}

/** ClientConfigError: the client's options or a request's arguments are invalid; nothing was sent. */
export class ClientConfigError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(`etcdclient: ${message}`, 'CLIENT_CONFIG', false, options);
  }
}

/**
 * EndpointUnavailableError: the transport to an endpoint failed (connection refused or dropped, gRPC
 * UNAVAILABLE without one of etcd's messages). maybeApplied is false when the request certainly never left
 * the client (the connection was not established), true when it was written to a connection that then
 * failed: a write may or may not have been applied.
 */
export class EndpointUnavailableError extends CapstanError {
  readonly endpoint: string;
  readonly maybeApplied: boolean;

  constructor(endpoint: string, maybeApplied: boolean, options?: ErrorOptions) {
    super(`etcdclient: endpoint ${endpoint} is unavailable`, 'ENDPOINT_UNAVAILABLE', true, options);
    this.endpoint = endpoint;
    this.maybeApplied = maybeApplied;
  }
}

/**
 * DeadlineExceededError: the request did not complete within the client's request timeout (gRPC
 * DEADLINE_EXCEEDED, or the retry loop ran out of time). maybeApplied says whether some attempt may have
 * taken effect (a write's outcome is then unknown). cause is the last failure seen, if any.
 */
export class DeadlineExceededError extends CapstanError {
  readonly timeoutMs: number;
  readonly maybeApplied: boolean;

  constructor(timeoutMs: number, maybeApplied: boolean, options?: ErrorOptions) {
    super(`etcdclient: request did not complete within ${timeoutMs} ms`, 'DEADLINE_EXCEEDED', true, options);
    this.timeoutMs = timeoutMs;
    this.maybeApplied = maybeApplied;
  }
}

/** UnexpectedStatusError: a gRPC status that is not one of etcd's (e.g. INTERNAL from a broken frame). */
export class UnexpectedStatusError extends CapstanError {
  readonly grpcCode: status;
  readonly details: string;

  constructor(grpcCode: status, details: string, options?: ErrorOptions) {
    super(`etcdclient: ${status[grpcCode] ?? String(grpcCode)}: ${details}`, 'UNEXPECTED_STATUS', false, options);
    this.grpcCode = grpcCode;
    this.details = details;
  }
}

/** WatchCanceledError: the server canceled a watch for a reason other than compaction (its cancel_reason). */
export class WatchCanceledError extends CapstanError {
  readonly reason: string;

  constructor(reason: string, options?: ErrorOptions) {
    super(`etcdclient: watch canceled by the server: ${reason}`, 'WATCH_CANCELED', false, options);
    this.reason = reason;
  }
}

/**
 * LeaseKeepAliveTimeoutError: no renewal of the lease succeeded within its last known TTL, so it must be
 * presumed expired (clientv3's keep-alive deadline). The server may still hold it; nothing relies on that.
 */
export class LeaseKeepAliveTimeoutError extends CapstanError {
  readonly leaseId: bigint;

  constructor(leaseId: bigint, options?: ErrorOptions) {
    super(`etcdclient: lease ${leaseId.toString(16)} was not renewed within its TTL`, 'LEASE_KEEPALIVE_TIMEOUT', false, options);
    this.leaseId = leaseId;
  }
}

/** isServiceError tells a failed gRPC call (a grpc-js ServiceError or a GrpcStatusError: an Error with a numeric code) from anything else. */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/**
 * GrpcStatusError is how a unary call over the HTTP/2 transport (h2-unary.ts) failed: the gRPC status the
 * server answered with, or the one the transport reports for a failure of its own (UNAVAILABLE for a
 * connection that failed, DEADLINE_EXCEEDED, CANCELLED, INTERNAL for a malformed response). It has the shape
 * of grpc-js's ServiceError (code, details, trailers as metadata), so toClientError treats both alike. It is
 * not a CapstanError: it is what arrives at the boundary, and toClientError translates it.
 *
 * sent is false only when the request certainly reached no server (see neverSent).
 */
export class GrpcStatusError extends Error implements ServiceError {
  readonly code: status;
  readonly details: string;
  readonly metadata: Metadata;
  readonly sent: boolean;

  constructor(code: status, details: string, sent: boolean, metadata: Metadata = new Metadata(), options?: ErrorOptions) {
    super(`${code} ${status[code] ?? 'UNKNOWN'}: ${details}`, options);
    this.name = 'GrpcStatusError';
    this.code = code;
    this.details = details;
    this.metadata = metadata;
    this.sent = sent;
  }
}

/**
 * neverSent reports whether a unary call failed before its request could reach a server: the transport
 * had no connection, or the server refused the stream unprocessed (RST_STREAM REFUSED_STREAM, or a GOAWAY
 * whose last stream ID is below the call's). Such a call reached no member, so even a write may be resent.
 */
export function neverSent(err: unknown): boolean {
  return err instanceof GrpcStatusError && !err.sent;
}

/**
 * toClientError turns whatever a call to endpoint failed with into a CapstanError: etcd's statuses via
 * fromGrpcError; transport UNAVAILABLE as EndpointUnavailableError (maybeApplied says whether the request
 * had been sent); DEADLINE_EXCEEDED as DeadlineExceededError(timeoutMs); CANCELLED after close() as
 * ClientClosedError; any other status as UnexpectedStatusError. A CapstanError passes through unchanged.
 */
export function toClientError(err: unknown, endpoint: string, sent: boolean, timeoutMs: number, closed: boolean): CapstanError {
  if (err instanceof CapstanError) return err;
  if (!isServiceError(err)) {
    return new UnexpectedStatusError(status.UNKNOWN, err instanceof Error ? err.message : String(err), { cause: err });
  }
  const known = fromGrpcError(err);
  if (known !== undefined) return known;
  switch (err.code) {
    case status.UNAVAILABLE:
      return new EndpointUnavailableError(endpoint, sent, { cause: err });
    case status.DEADLINE_EXCEEDED:
      return new DeadlineExceededError(timeoutMs, sent, { cause: err });
    case status.CANCELLED:
      if (closed) return new ClientClosedError({ cause: err });
      return new UnexpectedStatusError(err.code, err.details, { cause: err });
    default:
      return new UnexpectedStatusError(err.code, err.details, { cause: err });
  }
}
