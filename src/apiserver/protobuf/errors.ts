/**
 * The protobuf codec's failures, each carrying the HTTP status it answers (status-table.ts maps any error with
 * `httpCode` and `reason`): a body that is not a well-formed Kubernetes protobuf object is a 400 BadRequest,
 * a body whose kind capstan has no schema for a 415 UnsupportedMediaType, and an object capstan cannot put
 * into protobuf (an unknown kind, or a field outside the schema) a 406 NotAcceptable, which the server
 * answers with JSON instead whenever the client accepts it.
 */
import type { StatusReason } from '../../api/index.js';
import { CapstanError } from '../../util/errors.js';

/** ProtobufCodecError is the base of the codec's errors. */
export abstract class ProtobufCodecError extends CapstanError {
  /** httpCode is the status of the response this error becomes. */
  abstract readonly httpCode: number;
  /** reason is the Status reason of that response. */
  abstract readonly reason: StatusReason;
}

/** MalformedProtobufError: the body is not a well-formed Kubernetes protobuf object (400 BadRequest). */
export class MalformedProtobufError extends ProtobufCodecError {
  readonly httpCode = 400;
  readonly reason = 'BadRequest';

  constructor(message: string, options?: ErrorOptions) {
    super(message, 'MalformedProtobuf', false, options);
  }
}

/** UnsupportedProtobufKindError: the body is an object capstan has no protobuf schema for (415). */
export class UnsupportedProtobufKindError extends ProtobufCodecError {
  readonly httpCode = 415;
  readonly reason = 'UnsupportedMediaType';

  constructor(message: string, options?: ErrorOptions) {
    super(message, 'UnsupportedProtobufKind', false, options);
  }
}

/** UnencodableObjectError: an object cannot be written as protobuf: no schema for its kind or a field (406). */
export class UnencodableObjectError extends ProtobufCodecError {
  readonly httpCode = 406;
  readonly reason = 'NotAcceptable';

  constructor(message: string, options?: ErrorOptions) {
    super(message, 'UnencodableObject', false, options);
  }
}
