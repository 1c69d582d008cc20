/**
 * Errors of the PATCH machinery, one class per condition. Each carries the HTTP status code (`httpCode`) and
 * the metav1.Status `reason` that kube-apiserver answers with for the same condition, and a message that is
 * kube-apiserver's own (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go, the mergepatch and
 * strategicpatch packages of apimachinery, and gopkg.in/evanphx/json-patch.v4 which kube-apiserver uses), so
 * the API server can turn any of them into a Status body through one table.
 *
 * Where kube-apiserver drops the underlying explanation (a JSON patch operation that fails answers 422 with a
 * generic message and no causes), the explanation is kept in `detail` for logs; it is not part of the Status.
 */
import { CapstanError } from '../../util/errors.js';
import type { FieldError } from '../../api/field-errors.js';
import { aggregateMessage } from '../../api/field-errors.js';
import { goQuote } from '../../api/go-format.js';

/** PatchStatusReason is the metav1.StatusReason a patch error maps to; '' is StatusReasonUnknown. */
export type PatchStatusReason =
  | 'BadRequest'
  | 'Invalid'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | '';

/** PatchStatusCause is one metav1.StatusCause of the Status a patch error becomes. */
export interface PatchStatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

/** PatchStatusDetails is the metav1.StatusDetails of the Status a patch error becomes (omitted when empty). */
export interface PatchStatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly PatchStatusCause[];
}

/**
 * PatchError is the base of every patch error: `httpCode`, `reason` and, when Kubernetes fills them,
 * `details` are the Status fields kube-apiserver answers with; the message is the Status message.
 */
export abstract class PatchError extends CapstanError {
  /** httpCode is the HTTP status code (and Status.code). */
  abstract readonly httpCode: number;
  /** reason is the Status.reason. */
  abstract readonly reason: PatchStatusReason;
  /** details is the Status.details, or undefined when kube-apiserver sends none. */
  readonly details: PatchStatusDetails | undefined;
  /** detail is the underlying explanation when it is not part of the Status message (for logs). */
  readonly detail: string | undefined;

  protected constructor(
    message: string,
    code: string,
    extra: { details?: PatchStatusDetails; detail?: string } = {},
    options?: ErrorOptions,
  ) {
    super(message, code, false, options);
    this.details = extra.details;
    this.detail = extra.detail;
  }
}

/** INVALID_REQUEST_MESSAGE is apimachinery's message for a 422 built by NewGenericServerResponse. */
export const INVALID_REQUEST_MESSAGE = 'the server rejected our request due to an error in our request';

/** MAX_JSON_PATCH_OPERATIONS is kube-apiserver's limit on the operations of one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/**
 * PatchDecodeError: the body is not JSON, or not the JSON shape the patch type needs (400 BadRequest). The
 * message is Go's encoding/json error, as kube-apiserver passes it on, e.g. `invalid character 'x' looking for
 * beginning of value` or `json: cannot unmarshal array into Go value of type map[string]interface {}`.
 */
export class PatchDecodeError extends PatchError {
  readonly httpCode = 400;
  readonly reason = 'BadRequest' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'PATCH_DECODE', {}, options);
  }
}

/** JsonPatchTooManyOperationsError: a JSON patch with more than 10000 operations (413 RequestEntityTooLarge). */
export class JsonPatchTooManyOperationsError extends PatchError {
  readonly httpCode = 413;
  readonly reason = 'RequestEntityTooLarge' as const;
  /** operations is the number of operations the patch carried. */
  readonly operations: number;
  constructor(operations: number, options?: ErrorOptions) {
    super(
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations}`,
      'JSON_PATCH_TOO_MANY_OPERATIONS',
      {},
      options,
    );
    this.operations = operations;
  }
}

/**
 * JsonPatchApplyError: an operation of a JSON patch does not apply — a failing `test`, a path that does not
 * exist, a bad array index, an unknown op (422 Invalid). kube-apiserver answers with the generic message and
 * no causes; `detail` keeps json-patch's explanation (e.g. `testing value /metadata/labels/a failed: test
 * failed`). `operation` is the index of the failing operation.
 */
export class JsonPatchApplyError extends PatchError {
  readonly httpCode = 422;
  readonly reason = 'Invalid' as const;
  /** operation is the zero-based index of the operation that failed. */
  readonly operation: number;
  constructor(operation: number, detail: string, options?: ErrorOptions) {
    super(INVALID_REQUEST_MESSAGE, 'JSON_PATCH_APPLY', { details: {}, detail }, options);
    this.operation = operation;
  }
}

/** MergePatchMalformedError: a merge patch that is not JSON, or is `null` or a scalar (400, `Invalid JSON Patch`). */
export class MergePatchMalformedError extends PatchError {
  readonly httpCode = 400;
  readonly reason = 'BadRequest' as const;
  constructor(options?: ErrorOptions) {
    super('Invalid JSON Patch', 'MERGE_PATCH_MALFORMED', {}, options);
  }
}

/**
 * StrategicPatchFormatError: a strategic merge patch directive in the wrong shape (400 BadRequest), with
 * mergepatch's message: `invalid patch format of primitive list`, `invalid patch format of retainKeys`,
 * `invalid patch format of setElementOrder list`.
 */
export class StrategicPatchFormatError extends PatchError {
  readonly httpCode = 400;
  readonly reason = 'BadRequest' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'STRATEGIC_PATCH_FORMAT', {}, options);
  }
}

/**
 * StrategicPatchUnprocessableError: a strategic merge patch kube-apiserver answers 422 for (a list of lists;
 * content outside `$retainKeys`). Like a failing JSON patch, the Status carries the generic message only;
 * `detail` keeps mergepatch's (e.g. `lists of lists are not supported`).
 */
export class StrategicPatchUnprocessableError extends PatchError {
  readonly httpCode = 422;
  readonly reason = 'Invalid' as const;
  constructor(detail: string, options?: ErrorOptions) {
    super(INVALID_REQUEST_MESSAGE, 'STRATEGIC_PATCH_UNPROCESSABLE', { details: {}, detail }, options);
  }
}

/**
 * StrategicPatchMergeError: a strategic merge patch the algorithm cannot merge — an element without its merge
 * key, an unknown `$patch` directive, mixed element types, a `$setElementOrder` list that contradicts the
 * patch list. kube-apiserver does not classify these: they reach the client as 500 with reason '' (Unknown)
 * and the strategicpatch message, e.g. `map: map[value:b] does not contain declared merge key: name`.
 */
export class StrategicPatchMergeError extends PatchError {
  readonly httpCode = 500;
  readonly reason = '' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'STRATEGIC_PATCH_MERGE', {}, options);
  }
}

/**
 * UnsupportedPatchTypeError: a Content-Type that is not a patch type this resource accepts (415
 * UnsupportedMediaType) — any unknown type, strategic merge patch on a custom resource, and server-side apply,
 * which capstan does not implement. The message lists the accepted types as kube-apiserver does.
 */
export class UnsupportedPatchTypeError extends PatchError {
  readonly httpCode = 415;
  readonly reason = 'UnsupportedMediaType' as const;
  /** contentType is the media type that was refused. */
  readonly contentType: string;
  /** accepted are the media types the resource accepts for PATCH. */
  readonly accepted: readonly string[];
  constructor(contentType: string, accepted: readonly string[], options?: ErrorOptions) {
    super(
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      'UNSUPPORTED_PATCH_TYPE',
      {},
      options,
    );
    this.contentType = contentType;
    this.accepted = accepted;
  }
}

/** PatchNameMismatchError: the patched object's name differs from the one in the URL (400, checkName). */
export class PatchNameMismatchError extends PatchError {
  readonly httpCode = 400;
  readonly reason = 'BadRequest' as const;
  constructor(objectName: string, urlName: string, options?: ErrorOptions) {
    super(`the name of the object (${objectName}) does not match the name on the URL (${urlName})`, 'PATCH_NAME_MISMATCH', {}, options);
  }
}

/**
 * PatchNamespaceMismatchError: the patched object names another namespace than the request's (400,
 * rest.EnsureObjectNamespaceMatchesRequestNamespace).
 */
export class PatchNamespaceMismatchError extends PatchError {
  readonly httpCode = 400;
  readonly reason = 'BadRequest' as const;
  constructor(options?: ErrorOptions) {
    super('the namespace of the provided object does not match the namespace sent on the request', 'PATCH_NAMESPACE_MISMATCH', {}, options);
  }
}

/**
 * PatchInvalidError: the patched object is refused field by field (422 Invalid, errors.NewInvalid) — a
 * changed `metadata.uid`, or a result that is not an object at all. The message is
 * `<Kind[.group]> "<name>" is invalid: <field errors>` and the causes are the field errors.
 */
export class PatchInvalidError extends PatchError {
  readonly httpCode = 422;
  readonly reason = 'Invalid' as const;
  /** fieldErrors are the individual violations. */
  readonly fieldErrors: readonly FieldError[];
  constructor(qualifiedKind: string, name: string, group: string, kind: string, fieldErrors: readonly FieldError[], options?: ErrorOptions) {
    super(
      `${qualifiedKind} ${goQuote(name)} is invalid: ${aggregateMessage(fieldErrors)}`,
      'PATCH_INVALID',
      {
        details: {
          name,
          group,
          kind,
          causes: fieldErrors.map((e) => ({ reason: e.type, message: e.errorBody(), field: e.field })),
        },
      },
      options,
    );
    this.fieldErrors = fieldErrors;
  }
}
