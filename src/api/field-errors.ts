/**
 * Field-level validation errors, as apimachinery's util/validation/field: each names the field, the kind of
 * problem, the offending value and a detail. The API server turns a list of them into a 422 Invalid Status
 * whose causes carry `reason` (the FieldErrorType), `field` and `message` (the error body).
 */
import { OMIT_VALUE, goValue } from './go-format.js';
import { type FieldPath, pathString } from './field-path.js';

/** FieldErrorType is the machine-readable kind of a field error; the values equal metav1.CauseType's. */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

const typeText: Readonly<Record<FieldErrorType, string>> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** fieldErrorTypeText returns the canonical text of a FieldErrorType (field.ErrorType.String()). */
export function fieldErrorTypeText(t: FieldErrorType): string {
  return typeText[t];
}

/**
 * FieldError is one field-level validation failure. It is data, not a thrown Error: validators return lists
 * of them and the caller decides how to report (a Status, an aggregate message, a thrown error).
 */
export class FieldError {
  constructor(
    /** type is the kind of failure. */
    readonly type: FieldErrorType,
    /** field is the rendered path of the offending field (`<nil>` when there was no path). */
    readonly field: string,
    /** badValue is the offending value, printed in the message unless the type hides it. */
    readonly badValue: unknown,
    /** detail explains the failure; it may be empty. */
    readonly detail: string,
  ) {}

  /** notFound reports a value that could not be found (field.NotFound). */
  static notFound(path: FieldPath | undefined, value: unknown): FieldError {
    return new FieldError('FieldValueNotFound', pathString(path), value, '');
  }

  /** required reports a missing required value (field.Required). */
  static required(path: FieldPath | undefined, detail: string): FieldError {
    return new FieldError('FieldValueRequired', pathString(path), '', detail);
  }

  /** duplicate reports a value that must be unique (field.Duplicate). */
  static duplicate(path: FieldPath | undefined, value: unknown): FieldError {
    return new FieldError('FieldValueDuplicate', pathString(path), value, '');
  }

  /** invalid reports a malformed value (field.Invalid). */
  static invalid(path: FieldPath | undefined, value: unknown, detail: string): FieldError {
    return new FieldError('FieldValueInvalid', pathString(path), value, detail);
  }

  /** notSupported reports a value outside an enumeration, listing the supported ones (field.NotSupported). */
  static notSupported(path: FieldPath | undefined, value: unknown, validValues: readonly string[]): FieldError {
    const detail = validValues.length > 0 ? `supported values: ${validValues.map((v) => goValue(v)).join(', ')}` : '';
    return new FieldError('FieldValueNotSupported', pathString(path), value, detail);
  }

  /** forbidden reports a value not permitted in the current conditions (field.Forbidden). */
  static forbidden(path: FieldPath | undefined, detail: string): FieldError {
    return new FieldError('FieldValueForbidden', pathString(path), '', detail);
  }

  /** tooLong reports a value longer than maxLength bytes, without printing it (field.TooLong). */
  static tooLong(path: FieldPath | undefined, value: unknown, maxLength: number): FieldError {
    return new FieldError('FieldValueTooLong', pathString(path), value, `must have at most ${maxLength} bytes`);
  }

  /** tooMany reports a list with more than maxQuantity items (field.TooMany); negative numbers are omitted. */
  static tooMany(path: FieldPath | undefined, actualQuantity: number, maxQuantity: number): FieldError {
    const detail = maxQuantity >= 0 ? `must have at most ${maxQuantity} items` : 'has too many items';
    return new FieldError('FieldValueTooMany', pathString(path), actualQuantity >= 0 ? actualQuantity : OMIT_VALUE, detail);
  }

  /** internalError reports a failure not caused by the input (field.InternalError). */
  static internalError(path: FieldPath | undefined, err: Error): FieldError {
    return new FieldError('InternalError', pathString(path), null, err.message);
  }

  /** typeInvalid reports a value of the wrong schema type (field.TypeInvalid). */
  static typeInvalid(path: FieldPath | undefined, value: unknown, detail: string): FieldError {
    return new FieldError('FieldValueTypeInvalid', pathString(path), value, detail);
  }

  /** errorBody is the message without the field name (field.Error.ErrorBody), used as a Status cause message. */
  errorBody(): string {
    let s: string;
    switch (this.type) {
      case 'FieldValueRequired':
      case 'FieldValueForbidden':
      case 'FieldValueTooLong':
      case 'InternalError':
        s = typeText[this.type];
        break;
      default:
        // A nil value prints as the string "null", quoted (field.Error.ErrorBody).
        s = this.badValue === OMIT_VALUE ? typeText[this.type] : `${typeText[this.type]}: ${this.badValue === null || this.badValue === undefined ? '"null"' : goValue(this.badValue)}`;
    }
    if (this.detail.length > 0) s += `: ${this.detail}`;
    return s;
  }

  /** toString is the full message, `<field>: <body>` (field.Error.Error). */
  toString(): string {
    return `${this.field}: ${this.errorBody()}`;
  }
}

/**
 * aggregateMessage renders a list of field errors as `ErrorList.ToAggregate().Error()` does: duplicates
 * dropped, one message alone as itself, several as `[a, b]`, none as the empty string.
 */
export function aggregateMessage(errors: readonly FieldError[]): string {
  return aggregateMessages(errors.map((e) => e.toString()));
}

/**
 * aggregateMessages is utilerrors.NewAggregate's message of plain errors: none empty, one as it is, several (repeats
 * dropped) in brackets.
 */
export function aggregateMessages(messages: readonly string[]): string {
  const msgs = [...new Set(messages)];
  if (msgs.length === 0) return '';
  if (msgs.length === 1) return msgs[0]!;
  return `[${msgs.join(', ')}]`;
}
