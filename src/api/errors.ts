/**
 * Errors of src/api. Each condition has its own class; messages are Kubernetes' own (apimachinery's
 * labels, fields, resource and cache packages), because kubectl and client libraries show them to people and
 * the API server returns them inside Status objects unchanged.
 */
import { CapstanError } from '../util/errors.js';
import type { FieldError } from './field-errors.js';
import { aggregateMessage } from './field-errors.js';

/**
 * InvalidRequirementError is a label selector requirement that breaks a rule of NewRequirement (bad key, bad
 * value, wrong number of values for its operator). The message is the aggregate of the field errors, exactly
 * as `utilerrors.Aggregate.Error()` prints them.
 */
export class InvalidRequirementError extends CapstanError {
  /** fieldErrors are the individual violations, in the order Kubernetes reports them. */
  readonly fieldErrors: readonly FieldError[];

  constructor(fieldErrors: readonly FieldError[], options?: ErrorOptions) {
    super(aggregateMessage(fieldErrors), 'INVALID_REQUIREMENT', false, options);
    this.fieldErrors = fieldErrors;
  }
}

/**
 * LabelSelectorParseError is a label selector string that does not parse, or a metav1.LabelSelector that
 * does not convert. The message is Kubernetes' (for example
 * `unable to parse requirement: found '', expected: identifier after ','`).
 */
export class LabelSelectorParseError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_LABEL_SELECTOR', false, options);
  }
}

/**
 * FieldSelectorParseError is a field selector string that does not parse, with fields.ParseSelector's
 * message (for example `invalid selector: 'a'; can't understand 'a'`).
 */
export class FieldSelectorParseError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_FIELD_SELECTOR', false, options);
  }
}

/**
 * QuantityParseError is a string that is not a resource quantity. The message is one of apimachinery's
 * three: ErrFormatWrong, ErrNumeric or ErrSuffix.
 */
export class QuantityParseError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_QUANTITY', false, options);
  }
}

/** InvalidObjectKeyError is a cache key that is neither `name` nor `namespace/name` (client-go's message). */
export class InvalidObjectKeyError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_OBJECT_KEY', false, options);
  }
}

/** InvalidGroupVersionError is an apiVersion with more than one '/' (apimachinery's schema.ParseGroupVersion). */
export class InvalidGroupVersionError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_GROUP_VERSION', false, options);
  }
}

/** InvalidTimeError is a timestamp that is not RFC 3339 (metav1.Time and metav1.MicroTime decoding). */
export class InvalidTimeError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_TIME', false, options);
  }
}
