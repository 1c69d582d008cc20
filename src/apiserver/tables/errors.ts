/**
 * Errors of the Table and metadata transforms. The HTTP boundary maps them through its one table:
 * NotAcceptableError → 406 Status reason NotAcceptable, TableOptionsInvalidError → 400 Status reason
 * BadRequest. Messages are kube-apiserver's, since clients show them to people.
 */
import { CapstanError } from '../../util/errors.js';

/**
 * NotAcceptableError is a response the client cannot take: no Accept clause names a media type and
 * transform the server serves, or a transform does not fit the response (PartialObjectMetadata of a list).
 */
export class NotAcceptableError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'NOT_ACCEPTABLE', false, options);
  }
}

/** TableOptionsInvalidError is a Table request whose query options (includeObject) do not validate. */
export class TableOptionsInvalidError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'TABLE_OPTIONS_INVALID', false, options);
  }
}
