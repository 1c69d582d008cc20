/**
 * A decoded request body checked against its kind's schema as Go's typed decode would check it: the keys the
 * schema does not have (pruned, at any depth, through lists, maps and inline members), and the first value
 * of the wrong JSON type, worded as encoding/json words it. The schema is the protobuf schema (proto/k8s/,
 * complete for the served kinds) through the plans of protobuf/schema.ts.
 */
import { checkTimestamp, InvalidTimeError, parseQuantityJSON, QuantityParseError } from '../api/index.js';
import { isJsonObject, jsonKind as goJsonKind, type JsonValue } from './patch/go-json.js';
import type { FieldPlan, MessagePlan } from './protobuf/schema.js';

/** jsonKind names a decoded JSON value as encoding/json's type errors do. */
const jsonKind = (v: unknown): string => goJsonKind(v as JsonValue);

/** WalkOptions say what a walk does besides looking. */
export interface WalkOptions {
  /**
   * prune makes the object what Go's typed decode makes of it: unknown keys deleted, a null field deleted
   * (its zero value), a null list item or map value replaced by its zero value (`{}`, `""`, `0`, `false`).
   */
  readonly prune: boolean;
  /** limit bounds the unknown keys reported (all are pruned): kube's decoder keeps 100. */
  readonly limit?: number;
}


/** SchemaWalk is what a walk of an object against its schema found. */
export interface SchemaWalk {
  /** unknown are the paths of the keys outside the schema (`spec.containers[0].x`), in the walk's order. */
  readonly unknown: string[];
  /**
   * typeError is the first value of the wrong JSON type, as Go's decoder words it (`json: cannot unmarshal
   * string into Go struct field DeploymentSpec.spec.replicas of type int32`); the body does not decode.
   */
  readonly typeError: string | undefined;
  /** changes is whether pruning changes the object (an unknown key, or a null): without it, a pruning walk is not needed. */
  readonly changes: boolean;
}

/**
 * walkSchema checks obj, an object of the kind plan describes, as a typed decode would: keys outside the
 * schema, at any depth, and values of the wrong JSON type or form (a quantity or a time that does not parse).
 * `kind` and `apiVersion` are known at the top (and in messages that embed them); null is every field's zero value
 * (made so when pruning).
 */
export function walkSchema(obj: Record<string, unknown>, plan: MessagePlan, options: WalkOptions): SchemaWalk {
  const walk = new Walk(options);
  walk.object(obj, plan);
  return walk;
}

const GO_SCALARS: Readonly<Record<string, string>> = {
  string: 'string',
  bool: 'bool',
  int32: 'int32',
  int64: 'int64',
  uint32: 'uint32',
  uint64: 'uint64',
  double: 'float64',
  float: 'float32',
  bytes: '[]uint8',
};

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/** scalarMismatch is how Go names v when it does not decode into a scalar of the given protobuf type. */
function scalarMismatch(scalar: string, v: unknown): string | undefined {
  switch (scalar) {
    case 'string':
      return typeof v === 'string' ? undefined : jsonKind(v);
    case 'bytes':
      // A []byte is base64 text, or (encoding/json decodes any slice) a list of bytes.
      if (typeof v === 'string' || (Array.isArray(v) && v.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255))) return undefined;
      return jsonKind(v);
    case 'bool':
      return typeof v === 'boolean' ? undefined : jsonKind(v);
    case 'double':
    case 'float':
      return typeof v === 'number' ? undefined : jsonKind(v);
    default: {
      if (typeof v !== 'number') return jsonKind(v);
      const [min, max] = INT_RANGES[scalar] ?? INT_RANGES.int64!;
      return Number.isInteger(v) && v >= min && v <= max ? undefined : `number ${v}`;
    }
  }
}

/** goTypeOf is the Go type a field's value decodes into: `int32`, `v1.Container`, `[]v1.Container`. */
function goTypeOf(field: FieldPlan, element: boolean): string {
  const message = field.message?.();
  const base = message === undefined ? (GO_SCALARS[field.scalar ?? 'string'] ?? 'string') : `${message.type.parent?.name ?? ''}.${message.type.name}`;
  if (element) return base;
  if (field.keyType !== undefined) return `map[${GO_SCALARS[field.keyType] ?? 'string'}]${base}`;
  return field.repeated ? `[]${base}` : base;
}

/** zeroOf is Go's zero value of a list item or map value, as JSON: what a null there decodes to. */
function zeroOf(field: FieldPlan): JsonValue {
  switch (field.wellKnown) {
    case undefined:
      break;
    case 'quantity':
      return '0';
    case 'intorstring':
      return 0;
    case 'stringlist':
      return [];
    default:
      return null; // a zero time is null in JSON; FieldsV1 and RawExtension hold any JSON
  }
  if (field.message !== undefined) return {};
  switch (field.scalar) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    default:
      return 0;
  }
}

/**
 * Walk visits an object and its values against the schema. Two paths are kept as stacks, rendered only when
 * something is found (the walk runs on every write, and most find nothing): the path of an unknown key, with
 * list indexes (`spec.containers[0].x`), and Go's field stack for a type error, struct fields only.
 */
class Walk implements SchemaWalk {
  readonly unknown: string[] = [];
  typeError: string | undefined;
  changes = false;
  private readonly segments: string[] = [];
  private readonly fields: string[] = [];
  private readonly limit: number;

  constructor(private readonly options: WalkOptions) {
    this.limit = options.limit ?? Infinity;
  }

  object(obj: Record<string, unknown>, plan: MessagePlan): void {
    for (const key of Object.keys(obj)) {
      const field = plan.byJsonKey.get(key);
      if (field === undefined) {
        if ((this.segments.length === 0 || plan.embeddedTypeMeta) && (key === 'kind' || key === 'apiVersion')) continue;
        if (this.unknown.length < this.limit) this.unknown.push((this.segments.join('') + `.${key}`).slice(1));
        this.changes = true;
        if (this.options.prune) delete obj[key];
        continue;
      }
      const value = obj[key];
      if (value === null) {
        this.changes = true;
        if (this.options.prune) delete obj[key];
        continue;
      }
      if (field.message === undefined && field.keyType === undefined && !field.repeated) {
        // The common case, a scalar: checked without touching the stacks.
        if (this.typeError === undefined) {
          const wrong = scalarMismatch(field.scalar ?? 'string', value);
          if (wrong !== undefined) this.mismatch(plan, key, wrong, goTypeOf(field, false));
        }
        continue;
      }
      this.segments.push(`.${key}`);
      this.fields.push(key);
      this.field(plan, field, value);
      this.fields.pop();
      this.segments.pop();
    }
  }

  private mismatch(plan: MessagePlan, key: string | undefined, value: string, goType: string): void {
    if (this.typeError !== undefined) return;
    const path = key === undefined ? this.fields.join('.') : [...this.fields, key].join('.');
    this.typeError = `json: cannot unmarshal ${value} into Go struct field ${plan.type.name}.${path} of type ${goType}`;
  }

  /** field checks the value of a field that is not a plain scalar; its name is on both stacks. */
  private field(plan: MessagePlan, field: FieldPlan, value: unknown): void {
    if (field.keyType !== undefined) {
      if (!isJsonObject(value)) return this.mismatch(plan, undefined, jsonKind(value), goTypeOf(field, false));
      for (const k of Object.keys(value)) {
        const item = value[k];
        if (item === null) {
          this.changes = true;
          if (this.options.prune) value[k] = zeroOf(field);
          continue;
        }
        this.segments.push(`.${k}`);
        this.element(plan, field, item);
        this.segments.pop();
      }
    } else if (field.repeated) {
      if (!Array.isArray(value)) return this.mismatch(plan, undefined, jsonKind(value), goTypeOf(field, false));
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === null) {
          this.changes = true;
          if (this.options.prune) value[i] = zeroOf(field);
          continue;
        }
        this.segments.push(`[${i}]`);
        this.element(plan, field, item);
        this.segments.pop();
      }
    } else {
      this.element(plan, field, value);
    }
  }

  /** element checks one value of a field (the field itself, or an item of its list or map). */
  private element(plan: MessagePlan, field: FieldPlan, value: unknown): void {
    if (field.message === undefined) {
      if (this.typeError !== undefined) return;
      const wrong = scalarMismatch(field.scalar ?? 'string', value);
      if (wrong !== undefined) this.mismatch(plan, undefined, wrong, goTypeOf(field, true));
      return;
    }
    switch (field.wellKnown) {
      case undefined:
        if (isJsonObject(value)) this.object(value, field.message());
        else this.mismatch(plan, undefined, jsonKind(value), goTypeOf(field, true));
        return;
      case 'time':
      case 'microtime':
        // metav1.Time decodes a string (its UnmarshalJSON; the decoder puts the field's context on that error),
        // then parses it as RFC 3339 (time.Parse's error, without context).
        if (typeof value !== 'string') this.mismatch(plan, undefined, jsonKind(value), 'string');
        else if (this.typeError === undefined && value !== '') {
          try {
            checkTimestamp(value);
          } catch (err) {
            if (!(err instanceof InvalidTimeError)) throw err;
            this.typeError = err.message;
          }
        }
        return;
      case 'intorstring': {
        if (typeof value === 'string') return;
        const wrong = scalarMismatch('int32', value);
        if (wrong !== undefined) this.mismatch(plan, undefined, wrong, 'int32');
        return;
      }
      case 'quantity':
        // resource.Quantity's UnmarshalJSON parses the value; its errors carry no field context.
        if (this.typeError !== undefined) return;
        try {
          parseQuantityJSON(value);
        } catch (err) {
          if (!(err instanceof QuantityParseError)) throw err;
          this.typeError = err.message;
        }
        return;
      case 'stringlist':
        if (!Array.isArray(value)) this.mismatch(plan, undefined, jsonKind(value), '[]string');
        else if (value.some((v) => v !== null && typeof v !== 'string')) this.mismatch(plan, undefined, jsonKind(value.find((v) => v !== null && typeof v !== 'string')), 'string');
        return;
      default:
        return; // FieldsV1, RawExtension: any JSON
    }
  }
}
