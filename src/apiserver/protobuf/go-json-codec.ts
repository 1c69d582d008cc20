/**
 * The conversion between Kubernetes protobuf messages and the JSON objects capstan handles, following what
 * Go does on both sides of kube-apiserver: gogo-protobuf's generated marshallers on the wire and
 * encoding/json on the JSON side.
 *
 * - Wire: fields in ascending number; value (non-pointer) scalars and structs are always written, zero or
 *   not; pointers only when set; map entries sorted by key, key and value always written; repeated scalars
 *   unpacked (packed ones are read too).
 * - JSON: keys in Go struct order; `omitempty` scalars, slices and maps left out when zero or empty, those
 *   without it written as the zero value or `null`; value structs always written (`{}`); map keys sorted;
 *   bytes as base64; int64 as numbers.
 * - Well-known types: metav1.Time is RFC 3339 to the second and `null` when zero (its wire form drops the
 *   nanoseconds, as Kubernetes' does), metav1.MicroTime keeps microseconds, IntOrString is a number or a
 *   string, resource.Quantity its string (the zero Quantity is "0"), FieldsV1 and RawExtension the JSON they hold.
 *
 * Decoding reads what it knows and skips unknown fields (as any protobuf reader); encoding refuses a JSON key
 * outside the schema with UnencodableObjectError, unless asked to drop such keys (lenient).
 */
import protobuf from 'protobufjs';
import { formatMicroTime, formatTime, parseTimestamp } from '../../api/index.js';
import { MalformedProtobufError, UnencodableObjectError } from './errors.js';
import type { FieldPlan, MessagePlan, WellKnown } from './schema.js';

/** JsonObject is a JSON object as JSON.parse yields it. */
export type JsonObject = Record<string, unknown>;

/** UnknownFieldSink hears of each field a decoded message carries that the schema does not know (and drops). */
export type UnknownFieldSink = (path: string, field: number) => void;

/** ZERO_TIME_SECONDS is Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds. */
const ZERO_TIME_SECONDS = -62135596800;

const EMPTY = new Uint8Array(0);

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

function wireTypeOf(scalar: string): number {
  switch (scalar) {
    case 'string':
    case 'bytes':
      return WIRE_BYTES;
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return WIRE_FIXED64;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return WIRE_FIXED32;
    default:
      return WIRE_VARINT;
  }
}

// ------------------------------------------------------------------------------------------- decoding

type Int64Like = number | protobuf.Long;

function int64ToNumber(v: Int64Like, what: string): number {
  if (typeof v === 'number') return v;
  const n = (v.unsigned ? v.high >>> 0 : v.high) * 4294967296 + (v.low >>> 0);
  if (!Number.isSafeInteger(n)) throw new MalformedProtobufError(`${what}: ${n} does not fit in a JSON number exactly`);
  return n;
}

function readScalar(reader: protobuf.Reader, scalar: string, what: string): unknown {
  switch (scalar) {
    case 'string':
      return reader.string();
    case 'bytes':
      return reader.bytes();
    case 'bool':
      return reader.bool();
    case 'int32':
      return reader.int32();
    case 'uint32':
      return reader.uint32();
    case 'sint32':
      return reader.sint32();
    case 'int64':
      return int64ToNumber(reader.int64(), what);
    case 'uint64':
      return int64ToNumber(reader.uint64(), what);
    case 'sint64':
      return int64ToNumber(reader.sint64(), what);
    case 'double':
      return reader.double();
    case 'float':
      return reader.float();
    default:
      throw new MalformedProtobufError(`${what}: unsupported scalar type ${scalar}`);
  }
}

/** MapEntry is one decoded entry of a map field, its value still raw when it is a message. */
type MapEntry = readonly [string, unknown];

function readMapEntry(bytes: Uint8Array, f: FieldPlan, what: string): MapEntry {
  const reader = protobuf.Reader.create(bytes);
  let key: unknown = '';
  let value: unknown = f.scalar === undefined ? EMPTY : f.scalar === 'bytes' ? EMPTY : f.scalar === 'string' ? '' : 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wt = tag & 7;
    if (id === 1) {
      if (wt !== wireTypeOf(f.keyType ?? 'string')) throw new MalformedProtobufError(`${what}: map key has wire type ${wt}`);
      key = readScalar(reader, f.keyType ?? 'string', what);
    } else if (id === 2) {
      const expected = f.scalar === undefined ? WIRE_BYTES : wireTypeOf(f.scalar);
      if (wt !== expected) throw new MalformedProtobufError(`${what}: map value has wire type ${wt}`);
      value = f.scalar === undefined ? reader.bytes() : readScalar(reader, f.scalar, what);
    } else {
      reader.skipType(wt);
    }
  }
  return [String(key), value];
}

/** readFields reads a message's fields into their raw values, in wire order, keyed by field number. */
function readFields(plan: MessagePlan, bytes: Uint8Array, path: string, onUnknown?: UnknownFieldSink): Map<number, unknown[]> {
  const out = new Map<number, unknown[]>();
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wt = tag & 7;
    if (id === 0) throw new MalformedProtobufError(`${path}: field number 0`);
    const f = plan.byId.get(id);
    if (f === undefined) {
      onUnknown?.(path === '' ? plan.type.name : path, id);
      reader.skipType(wt);
      continue;
    }
    const what = `${path}.${f.name}`;
    let list = out.get(id);
    if (list === undefined) {
      list = [];
      out.set(id, list);
    }
    if (f.keyType !== undefined) {
      if (wt !== WIRE_BYTES) throw new MalformedProtobufError(`${what}: wire type ${wt} for a map`);
      list.push(readMapEntry(reader.bytes(), f, what));
    } else if (f.message !== undefined) {
      if (wt !== WIRE_BYTES) throw new MalformedProtobufError(`${what}: wire type ${wt} for a message`);
      list.push(reader.bytes());
    } else {
      const scalar = f.scalar!;
      const expected = wireTypeOf(scalar);
      if (f.repeated && wt === WIRE_BYTES && expected !== WIRE_BYTES) {
        const end = reader.uint32() + reader.pos;
        while (reader.pos < end) list.push(readScalar(reader, scalar, what));
        if (reader.pos !== end) throw new MalformedProtobufError(`${what}: packed field overruns its length`);
      } else {
        if (wt !== expected) throw new MalformedProtobufError(`${what}: wire type ${wt} for ${scalar}`);
        list.push(readScalar(reader, scalar, what));
      }
    }
  }
  return out;
}

function isZeroScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false || (v instanceof Uint8Array && v.length === 0);
}

function zeroScalar(scalar: string): unknown {
  if (scalar === 'string') return '';
  if (scalar === 'bytes') return EMPTY;
  if (scalar === 'bool') return false;
  return 0;
}

function scalarToJson(v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v;
}

function timestampParts(plan: MessagePlan, bytes: Uint8Array, path: string): { seconds: number; nanos: number } {
  const raw = readFields(plan, bytes, path);
  const seconds = (raw.get(1)?.at(-1) as number | undefined) ?? 0;
  const nanos = (raw.get(2)?.at(-1) as number | undefined) ?? 0;
  return { seconds, nanos };
}

function formatOrFail(format: () => string, path: string): string {
  try {
    return format();
  } catch (err) {
    throw new MalformedProtobufError(`${path}: ${(err as Error).message}`, { cause: err });
  }
}

function wellKnownToJson(kind: WellKnown, plan: MessagePlan, bytes: Uint8Array, path: string): unknown {
  switch (kind) {
    case 'time': {
      // metav1.Time: an empty message is the zero time; the nanoseconds are not read (Kubernetes drops them).
      if (bytes.length === 0) return null;
      const { seconds } = timestampParts(plan, bytes, path);
      return seconds === ZERO_TIME_SECONDS ? null : formatOrFail(() => formatTime(seconds * 1000), path);
    }
    case 'microtime': {
      if (bytes.length === 0) return null;
      const { seconds, nanos } = timestampParts(plan, bytes, path);
      if (seconds === ZERO_TIME_SECONDS && nanos === 0) return null;
      if (nanos < 0 || nanos > 999_999_999) throw new MalformedProtobufError(`${path}: nanos ${nanos} out of range`);
      return formatOrFail(() => formatMicroTime(seconds * 1000 + Math.floor(nanos / 1000) / 1000), path);
    }
    case 'intorstring': {
      const raw = readFields(plan, bytes, path);
      const type = (raw.get(1)?.at(-1) as number | undefined) ?? 0;
      return type === 1 ? ((raw.get(3)?.at(-1) as string | undefined) ?? '') : ((raw.get(2)?.at(-1) as number | undefined) ?? 0);
    }
    case 'quantity': {
      const s = (readFields(plan, bytes, path).get(1)?.at(-1) as string | undefined) ?? '';
      return s === '' ? '0' : s;
    }
    case 'stringlist': {
      const items = (readFields(plan, bytes, path).get(1) ?? []) as string[];
      return items.length === 0 ? null : [...items];
    }
    case 'rawjson': {
      const raw = readFields(plan, bytes, path).get(1)?.at(-1) as Uint8Array | undefined;
      if (raw === undefined || raw.length === 0) return null;
      try {
        return JSON.parse(Buffer.from(raw).toString('utf8')) as unknown;
      } catch (err) {
        throw new MalformedProtobufError(`${path}: ${plan.type.name} is not JSON`, { cause: err });
      }
    }
  }
}

function messageToJson(f: FieldPlan, bytes: Uint8Array, path: string, onUnknown: UnknownFieldSink | undefined): unknown {
  const plan = f.message!();
  return f.wellKnown === undefined ? decodeMessage(plan, bytes, path, onUnknown) : wellKnownToJson(f.wellKnown, plan, bytes, path);
}

const ABOVE_SURROGATES = /[\uD800-\uFFFF]/;

/** compareKeys orders map keys as Go does, by their UTF-8 bytes (UTF-16 order agrees below U+D800). */
function compareKeys(a: string, b: string): number {
  if (ABOVE_SURROGATES.test(a) || ABOVE_SURROGATES.test(b)) return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * decodeMessage converts the bytes of a message into the JSON object Go would print for it (see the module
 * comment). Malformed bytes throw MalformedProtobufError; fields the schema does not know are skipped and
 * reported to onUnknown.
 */
export function decodeMessage(plan: MessagePlan, bytes: Uint8Array, path = '', onUnknown?: UnknownFieldSink): JsonObject {
  let raw: Map<number, unknown[]>;
  try {
    raw = readFields(plan, bytes, path, onUnknown);
  } catch (err) {
    if (err instanceof MalformedProtobufError) throw err;
    throw new MalformedProtobufError(`${path === '' ? plan.type.name : path}: ${(err as Error).message}`, { cause: err });
  }
  const out: JsonObject = {};
  for (const f of plan.fields) {
    const values = raw.get(f.id);
    const what = `${path}.${f.name}`;
    if (f.keyType !== undefined) {
      if (values === undefined || values.length === 0) {
        if (f.shape === 'always') out[f.name] = null;
        continue;
      }
      const entries = new Map<string, unknown>();
      for (const [k, v] of values as MapEntry[]) entries.set(k, f.message === undefined ? scalarToJson(v) : messageToJson(f, v as Uint8Array, `${what}[${k}]`, onUnknown));
      const obj: JsonObject = {};
      for (const k of [...entries.keys()].sort(compareKeys)) obj[k] = entries.get(k);
      out[f.name] = obj;
    } else if (f.repeated) {
      if (values === undefined || values.length === 0) {
        if (f.shape === 'always') out[f.name] = null;
        continue;
      }
      out[f.name] = values.map((v, i) => (f.message === undefined ? scalarToJson(v) : messageToJson(f, v as Uint8Array, `${what}[${i}]`, onUnknown)));
    } else if (f.message !== undefined) {
      const last = values?.at(-1) as Uint8Array | undefined;
      if (f.shape === 'inline') Object.assign(out, decodeMessage(f.message(), last ?? EMPTY, path, onUnknown));
      else if (f.shape === 'ptr') {
        if (last !== undefined) out[f.name] = messageToJson(f, last, what, onUnknown);
      } else if (f.shape === 'ptr_null') out[f.name] = last === undefined ? null : messageToJson(f, last, what, onUnknown);
      else out[f.name] = messageToJson(f, last ?? EMPTY, what, onUnknown);
    } else {
      const present = values !== undefined && values.length > 0;
      const v = present ? values.at(-1) : zeroScalar(f.scalar!);
      if (f.shape === 'ptr') {
        if (present) out[f.name] = scalarToJson(v);
      } else if (f.shape === 'ptr_null') out[f.name] = present ? scalarToJson(v) : null;
      else if (f.shape === 'always' || !isZeroScalar(v)) out[f.name] = scalarToJson(v);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------- encoding

function tag(id: number, wireType: number): number {
  return ((id << 3) | wireType) >>> 0;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function fail(path: string, why: string): never {
  throw new UnencodableObjectError(`${path}: ${why}`);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function writeScalar(w: protobuf.Writer, scalar: string, v: unknown, path: string): void {
  switch (scalar) {
    case 'string':
      if (typeof v !== 'string') fail(path, `expected a string, got ${typeName(v)}`);
      w.string(v);
      return;
    case 'bytes': {
      if (typeof v !== 'string') fail(path, `expected base64 data, got ${typeName(v)}`);
      const buf = Buffer.from(v, 'base64');
      if (buf.toString('base64') !== v.replace(/\s/g, '')) fail(path, 'not valid base64');
      w.bytes(buf);
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') fail(path, `expected a boolean, got ${typeName(v)}`);
      w.bool(v);
      return;
    case 'int32':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) fail(path, `expected a 32-bit integer, got ${JSON.stringify(v)}`);
      w.int32(v);
      return;
    case 'int64':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, `expected an integer, got ${JSON.stringify(v)}`);
      w.int64(v);
      return;
    default:
      fail(path, `unsupported scalar type ${scalar}`);
  }
}

function zeroJson(f: FieldPlan): unknown {
  return f.scalar === 'string' ? '' : f.scalar === 'bool' ? false : f.scalar === 'bytes' ? '' : 0;
}

function writeTimestamp(w: protobuf.Writer, seconds: number, nanos: number): void {
  w.uint32(tag(1, WIRE_VARINT)).int64(seconds);
  w.uint32(tag(2, WIRE_VARINT)).int32(nanos);
}

function parseTimeOrFail(v: unknown, path: string): number {
  if (typeof v !== 'string') fail(path, `expected an RFC 3339 time, got ${typeName(v)}`);
  try {
    return parseTimestamp(v);
  } catch (err) {
    throw new UnencodableObjectError(`${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** writeWellKnownBody writes the fields of a well-known message for its JSON value (absent: the zero value). */
function writeWellKnownBody(w: protobuf.Writer, kind: WellKnown, v: unknown, path: string): void {
  const absent = v === undefined || v === null;
  switch (kind) {
    case 'time':
      // A zero metav1.Time marshals to an empty message; any other to whole seconds (Kubernetes drops nanos).
      if (!absent) writeTimestamp(w, Math.floor(parseTimeOrFail(v, path) / 1000), 0);
      return;
    case 'microtime': {
      if (absent) return;
      const micros = Math.round(parseTimeOrFail(v, path) * 1000);
      const seconds = Math.floor(micros / 1_000_000);
      writeTimestamp(w, seconds, (micros - seconds * 1_000_000) * 1000);
      return;
    }
    case 'intorstring':
      if (absent || typeof v === 'number') {
        const n = absent ? 0 : (v as number);
        if (!Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) fail(path, `expected a 32-bit integer or a string, got ${JSON.stringify(v)}`);
        w.uint32(tag(1, WIRE_VARINT)).int64(0);
        w.uint32(tag(2, WIRE_VARINT)).int32(n);
        w.uint32(tag(3, WIRE_BYTES)).string('');
      } else if (typeof v === 'string') {
        w.uint32(tag(1, WIRE_VARINT)).int64(1);
        w.uint32(tag(2, WIRE_VARINT)).int32(0);
        w.uint32(tag(3, WIRE_BYTES)).string(v);
      } else fail(path, `expected an integer or a string, got ${typeName(v)}`);
      return;
    case 'quantity': {
      if (!absent && typeof v !== 'string' && typeof v !== 'number') fail(path, `expected a quantity, got ${typeName(v)}`);
      w.uint32(tag(1, WIRE_BYTES)).string(absent ? '0' : String(v));
      return;
    }
    case 'rawjson':
      if (!absent) w.uint32(tag(1, WIRE_BYTES)).bytes(Buffer.from(JSON.stringify(v), 'utf8'));
      return;
    case 'stringlist':
      if (absent) return;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(path, `expected a list of strings, got ${typeName(v)}`);
      for (const item of v as string[]) w.uint32(tag(1, WIRE_BYTES)).string(item);
      return;
  }
}

function writeMessageValue(w: protobuf.Writer, f: FieldPlan, v: unknown, path: string, lenient: boolean): void {
  w.fork();
  if (f.wellKnown !== undefined) writeWellKnownBody(w, f.wellKnown, v, path);
  else encodeInto(w, f.message!(), v ?? {}, path, lenient, true);
  w.ldelim();
}

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function encodeInto(w: protobuf.Writer, plan: MessagePlan, obj: unknown, path: string, lenient: boolean, checkKeys: boolean): void {
  if (!isPlainObject(obj)) fail(path === '' ? plan.type.name : path, `expected an object, got ${typeName(obj)}`);
  if (checkKeys && !lenient) {
    for (const k of Object.keys(obj)) {
      if (plan.jsonKeys.has(k) || (plan.typeMeta && (k === 'kind' || k === 'apiVersion'))) continue;
      fail(`${path}.${k}`, `field not in the protobuf schema of ${plan.type.name}`);
    }
  }
  for (const f of plan.encodeOrder) {
    const v = obj[f.name];
    const absent = v === undefined || v === null;
    const what = `${path}.${f.name}`;
    if (f.shape === 'inline') {
      w.uint32(tag(f.id, WIRE_BYTES)).fork();
      encodeInto(w, f.message!(), obj, path, lenient, false);
      w.ldelim();
    } else if (f.keyType !== undefined) {
      if (absent) continue;
      if (!isPlainObject(v)) fail(what, `expected an object, got ${typeName(v)}`);
      for (const k of Object.keys(v).sort(compareKeys)) {
        w.uint32(tag(f.id, WIRE_BYTES)).fork();
        w.uint32(tag(1, WIRE_BYTES)).string(k);
        const item = v[k];
        if (f.message !== undefined) {
          w.uint32(tag(2, WIRE_BYTES));
          writeMessageValue(w, f, item, `${what}[${k}]`, lenient);
        } else {
          w.uint32(tag(2, wireTypeOf(f.scalar!)));
          writeScalar(w, f.scalar!, item ?? zeroJson(f), `${what}[${k}]`);
        }
        w.ldelim();
      }
    } else if (f.repeated) {
      if (absent) continue;
      if (!Array.isArray(v)) fail(what, `expected an array, got ${typeName(v)}`);
      v.forEach((item: unknown, i) => {
        if (f.message !== undefined) {
          w.uint32(tag(f.id, WIRE_BYTES));
          writeMessageValue(w, f, item, `${what}[${i}]`, lenient);
        } else {
          w.uint32(tag(f.id, wireTypeOf(f.scalar!)));
          writeScalar(w, f.scalar!, item ?? zeroJson(f), `${what}[${i}]`);
        }
      });
    } else if (f.message !== undefined) {
      if (absent && (f.shape === 'ptr' || f.shape === 'ptr_null')) continue;
      w.uint32(tag(f.id, WIRE_BYTES));
      writeMessageValue(w, f, v, what, lenient);
    } else {
      if (absent && (f.shape === 'ptr' || f.shape === 'ptr_null')) continue;
      w.uint32(tag(f.id, wireTypeOf(f.scalar!)));
      writeScalar(w, f.scalar!, absent ? zeroJson(f) : v, what);
    }
  }
}

/**
 * encodeMessage writes a JSON object as the bytes kube-apiserver would send for it (see the module comment).
 * A key outside the schema, or a value of the wrong type, throws UnencodableObjectError naming its path;
 * with lenient, keys outside the schema are dropped instead.
 */
export function encodeMessage(plan: MessagePlan, obj: unknown, lenient = false): Uint8Array {
  const w = protobuf.Writer.create();
  encodeInto(w, plan, obj, '', lenient, true);
  return w.finish();
}
