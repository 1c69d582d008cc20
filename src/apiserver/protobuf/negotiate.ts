/**
 * Content negotiation for protobuf, as kube-apiserver does it for the kinds it has protobuf for: the client's
 * most preferred media type (by q, then order) decides. When it is `application/vnd.kubernetes.protobuf` (a
 * plain one: `as=Table` and the like are other renderings), the body goes out in protobuf if it can be
 * encoded; otherwise it goes out as JSON when the client accepts JSON too, and as 406 NotAcceptable when it
 * does not. Discovery and the non-resource endpoints never ask.
 */
import { UnencodableObjectError } from './errors.js';
import { encodeProtobufObject, PROTOBUF_MEDIA_TYPE, type EncodableObject } from './envelope.js';
import { messageForKind } from './kinds.js';

/** MediaRange is one entry of an Accept header. */
export interface MediaRange {
  /** type is `type/subtype`, lower-cased. */
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

/** parseAccept parses an Accept header into its acceptable ranges, most preferred first (q=0 ones dropped). */
export function parseAccept(accept: string | undefined): MediaRange[] {
  if (accept === undefined || accept.trim() === '') return [];
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    if (type === undefined || type === '') continue;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq <= 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (key === 'q') q = Number.isFinite(Number(value)) ? Number(value) : 0;
      else params.set(key, value);
    }
    if (q > 0) ranges.push({ type: type.toLowerCase(), params, q });
  }
  // Array.prototype.sort is stable: equal q keeps the client's order.
  return ranges.sort((a, b) => b.q - a.q);
}

function isPlain(r: MediaRange): boolean {
  return !r.params.has('as');
}

/** prefersProtobuf reports whether the client's most preferred media type is plain Kubernetes protobuf. */
export function prefersProtobuf(accept: string | undefined): boolean {
  const first = parseAccept(accept)[0];
  return first !== undefined && first.type === PROTOBUF_MEDIA_TYPE && isPlain(first);
}

/** acceptsJson reports whether plain JSON is acceptable (an absent or empty Accept accepts anything). */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return parseAccept(accept).some((r) => isPlain(r) && (r.type === 'application/json' || r.type === 'application/*' || r.type === '*/*'));
}

/**
 * protobufBody returns the protobuf bytes to answer with when the client prefers protobuf and the body can be
 * encoded, and undefined when the answer should be JSON. When protobuf is preferred, the body cannot be
 * encoded and JSON is not acceptable, it throws UnencodableObjectError (406).
 */
export function protobufBody(body: unknown, accept: string | undefined): Buffer | undefined {
  if (!prefersProtobuf(accept) || typeof body !== 'object' || body === null) return undefined;
  try {
    return encodeProtobufObject(body as EncodableObject);
  } catch (err) {
    if (err instanceof UnencodableObjectError && acceptsJson(accept)) return undefined;
    throw err;
  }
}

/**
 * watchInProtobuf decides a watch's encoding up front: protobuf when preferred and the kind has a schema;
 * JSON otherwise, or UnencodableObjectError (406) when JSON is not acceptable either.
 */
export function watchInProtobuf(apiVersion: string, kind: string, accept: string | undefined): boolean {
  if (!prefersProtobuf(accept)) return false;
  if (messageForKind(apiVersion, kind) !== undefined) return true;
  if (acceptsJson(accept)) return false;
  throw new UnencodableObjectError(`no protobuf schema for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`);
}
