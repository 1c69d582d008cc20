/**
 * The API server's error conditions, as apimachinery's api/errors: each answers with a metav1.Status whose
 * HTTP code, reason, message and details are byte-for-byte what kube-apiserver sends, because clients
 * (kubectl, client-go, @kubernetes/client-node) branch on reason and code and print the message.
 *
 * StatusError carries a finished Status; the named constructors build the standard ones. Errors from other
 * layers (the etcd client, patch, selectors) are translated in one place, toStatus.
 */
import { aggregateMessage, goQuote, type FieldError, type Status, type StatusCause, type StatusDetails, type StatusReason } from '../api/index.js';
import { CapstanError } from '../util/errors.js';

/** QualifiedResource names a resource in messages: `pods`, `deployments.apps` (schema.GroupResource.String()). */
export interface QualifiedResource {
  readonly group: string;
  readonly resource: string;
}

/** qualifiedResourceString renders a QualifiedResource as Kubernetes does in messages. */
export function qualifiedResourceString(qr: QualifiedResource): string {
  return qr.group === '' ? qr.resource : `${qr.resource}.${qr.group}`;
}

/** StatusError is a request failure with the Status the client receives. */
export class StatusError extends CapstanError {
  /** status is the complete response body. */
  readonly status: Required<Pick<Status, 'code' | 'reason' | 'message'>> & Status;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails, options?: ErrorOptions) {
    super(message, reason === '' ? 'Unknown' : reason, code >= 500 || reason === 'Conflict' || reason === 'TooManyRequests', options);
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details === undefined ? {} : { details }),
      code,
    };
    // StatusReasonUnknown is the empty reason, which Go's JSON leaves out (omitempty).
    if (reason === '') delete (this.status as Partial<Status>).reason;
  }

  /** code of the HTTP response. */
  get httpCode(): number {
    return this.status.code;
  }

  /** reason is the Status reason. */
  get reason(): StatusReason {
    return this.status.reason ?? '';
  }

  /** notFound: `pods "foo" not found` (404). */
  static notFound(qr: QualifiedResource, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${qualifiedResourceString(qr)} "${name}" not found`, { name, group: qr.group, kind: qr.resource });
  }

  /** alreadyExists: `pods "foo" already exists` (409). */
  static alreadyExists(qr: QualifiedResource, name: string): StatusError {
    return new StatusError(409, 'AlreadyExists', `${qualifiedResourceString(qr)} "${name}" already exists`, { name, group: qr.group, kind: qr.resource });
  }

  /** conflict: `Operation cannot be fulfilled on pods "foo": <why>` (409). */
  static conflict(qr: QualifiedResource, name: string, why: string): StatusError {
    return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResourceString(qr)} "${name}": ${why}`, {
      name,
      group: qr.group,
      kind: qr.resource,
    });
  }

  /** modified is the Conflict of a stale resourceVersion (storage.OptimisticLockErrorMsg). */
  static modified(qr: QualifiedResource, name: string): StatusError {
    return StatusError.conflict(qr, name, OPTIMISTIC_LOCK_ERROR_MSG);
  }

  /**
   * invalid: `Pod "foo" is invalid: <field errors>` (422), one cause per field error; the kind is qualified by a
   * non-core group (`Deployment.apps "web" is invalid`), as apierrors.NewInvalid writes it.
   */
  static invalid(group: string, kind: string, name: string, errs: readonly FieldError[]): StatusError {
    const causes: StatusCause[] = errs.map((e) => ({ reason: e.type, message: e.errorBody(), field: e.field }));
    const agg = aggregateMessage(errs);
    const qualified = group === '' ? kind : `${kind}.${group}`;
    const message = agg === '' ? `${qualified} ${goQuote(name)} is invalid` : `${qualified} ${goQuote(name)} is invalid: ${agg}`;
    // StatusDetails' name, group and kind are omitempty: a review (no name), a core kind, a patch (no kind).
    return new StatusError(422, 'Invalid', message, { ...(name === '' ? {} : { name }), ...(group === '' ? {} : { group }), ...(kind === '' ? {} : { kind }), causes });
  }

  /** badRequest (400). */
  static badRequest(message: string): StatusError {
    return new StatusError(400, 'BadRequest', message);
  }

  /** methodNotSupported: `<verb> is not supported on resources of kind "pods"` (405). */
  static methodNotSupported(qr: QualifiedResource, verb: string): StatusError {
    return new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResourceString(qr)}"`, {
      group: qr.group,
      kind: qr.resource,
    });
  }

  /** methodNotAllowed (405): the path exists but not for this method (kube-apiserver's router answer). */
  static methodNotAllowed(): StatusError {
    return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  /** resourceExpired (410 Expired): a resourceVersion or continue token older than the compacted history. */
  static resourceExpired(message: string): StatusError {
    return new StatusError(410, 'Expired', message);
  }

  /** forbidden: `pods "foo" is forbidden: <why>` (403). */
  static forbidden(qr: QualifiedResource, name: string, why: string, causes?: StatusCause[]): StatusError {
    return new StatusError(403, 'Forbidden', `${qualifiedResourceString(qr)} "${name}" is forbidden: ${why}`, { name, group: qr.group, kind: qr.resource, ...(causes === undefined ? {} : { causes }) });
  }

  /** tooManyRequests (429): kube's NewTooManyRequests, retryAfterSeconds in its details (0: none said), with causes. */
  static tooManyRequests(message: string, retryAfterSeconds: number, causes?: StatusCause[]): StatusError {
    return new StatusError(429, 'TooManyRequests', message, { ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}), ...(causes === undefined ? {} : { causes }) });
  }

  /** unauthorized (401). */
  static unauthorized(): StatusError {
    return new StatusError(401, 'Unauthorized', 'Unauthorized');
  }

  /** requestEntityTooLarge (413). */
  static requestEntityTooLarge(message: string): StatusError {
    return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
  }

  /** unsupportedMediaType (415). */
  static unsupportedMediaType(contentType: string): StatusError {
    return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`, {
      causes: [{ reason: 'UnexpectedServerResponse', message: contentType }],
    });
  }

  /** notAcceptable (406): no media type or transform the client accepts can be served. */
  static notAcceptable(message: string, options?: ErrorOptions): StatusError {
    return new StatusError(406, 'NotAcceptable', message, undefined, options);
  }

  /** notFoundPath is the 404 of a path that names no resource (kube-apiserver's plain 404 Status). */
  static notFoundPath(): StatusError {
    return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }

  /** serviceUnavailable (503): the store cannot be reached or has no leader. */
  static serviceUnavailable(message: string, options?: ErrorOptions): StatusError {
    return new StatusError(503, 'ServiceUnavailable', message, undefined, options);
  }

  /** timeout (504): the store did not answer in time. */
  static timeout(message: string, options?: ErrorOptions): StatusError {
    return new StatusError(504, 'Timeout', message, undefined, options);
  }

  /** internal (500): `Internal error occurred: <err>`. */
  static internal(err: unknown): StatusError {
    const msg = err instanceof Error ? err.message : String(err);
    return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }, { cause: err });
  }
}

/** OPTIMISTIC_LOCK_ERROR_MSG is storage.OptimisticLockErrorMsg. */
export const OPTIMISTIC_LOCK_ERROR_MSG = 'the object has been modified; please apply your changes to the latest version and try again';

/** successStatus is the body of a delete that removed the object at once, when the caller asked for a Status. */
export function successStatus(details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details === undefined ? {} : { details }) };
}
