/**
 * The Kubernetes protobuf envelope (apimachinery's runtime/serializer/protobuf): a body is the 4-byte magic
 * `k8s\0` followed by a runtime.Unknown whose typeMeta names the object's apiVersion and kind and whose raw
 * holds the object's message; contentEncoding and contentType are empty.
 *
 * A watch in protobuf is a stream of frames, each a 4-byte big-endian length and a meta/v1 WatchEvent
 * written without the envelope (the stream serializer is the "raw" one, since every frame is a WatchEvent),
 * whose object is a RawExtension holding the enveloped object.
 */
import protobuf from 'protobufjs';
import type { KubeObject, WatchEvent } from '../../api/index.js';
import { MalformedProtobufError, UnencodableObjectError, UnsupportedProtobufKindError } from './errors.js';
import { decodeMessage, encodeMessage, type JsonObject, type UnknownFieldSink } from './go-json-codec.js';
import { messageForKind } from './kinds.js';
import { planOf } from './schema.js';

/** PROTOBUF_MEDIA_TYPE is the media type of Kubernetes protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** PROTOBUF_WATCH_MEDIA_TYPE is the Content-Type of a protobuf watch stream. */
export const PROTOBUF_WATCH_MEDIA_TYPE = `${PROTOBUF_MEDIA_TYPE};stream=watch`;

/** PROTOBUF_MAGIC prefixes every enveloped object. */
export const PROTOBUF_MAGIC: Buffer = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Envelope is a decoded runtime.Unknown. */
export interface Envelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Uint8Array;
  readonly contentEncoding: string;
  readonly contentType: string;
}

/** decodeEnvelope checks the magic and reads the runtime.Unknown after it. */
export function decodeEnvelope(body: Uint8Array): Envelope {
  if (body.length < PROTOBUF_MAGIC.length || !PROTOBUF_MAGIC.equals(body.subarray(0, PROTOBUF_MAGIC.length))) {
    throw new MalformedProtobufError('the body is not a Kubernetes protobuf object: it does not start with the "k8s\\x00" prefix');
  }
  let unknown: JsonObject;
  try {
    unknown = decodeMessage(planOf('k8s.io.apimachinery.pkg.runtime.Unknown'), body.subarray(PROTOBUF_MAGIC.length), 'Unknown');
  } catch (err) {
    throw new MalformedProtobufError(`the body is not a Kubernetes protobuf object: ${(err as Error).message}`, { cause: err });
  }
  const typeMeta = unknown['typeMeta'] as { apiVersion?: string; kind?: string };
  return {
    apiVersion: typeMeta.apiVersion ?? '',
    kind: typeMeta.kind ?? '',
    raw: Buffer.from((unknown['raw'] as string | undefined) ?? '', 'base64'),
    contentEncoding: (unknown['contentEncoding'] as string | undefined) ?? '',
    contentType: (unknown['contentType'] as string | undefined) ?? '',
  };
}

/** encodeEnvelope writes the magic and a runtime.Unknown around raw, as kube-apiserver does. */
export function encodeEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(0x0a).fork();
  w.uint32(0x0a).string(apiVersion);
  w.uint32(0x12).string(kind);
  w.ldelim();
  w.uint32(0x12).bytes(raw);
  w.uint32(0x1a).string('');
  w.uint32(0x22).string('');
  return Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
}

/**
 * decodeProtobufObject reads a protobuf request body into the JSON object the client would have sent as
 * JSON: kind and apiVersion from the envelope, then the object's fields. A malformed body throws
 * MalformedProtobufError (400); a kind capstan has no schema for, or an encoded (compressed) raw,
 * UnsupportedProtobufKindError (415). Fields outside capstan's schema are dropped and reported to onUnknown.
 */
export function decodeProtobufObject(body: Uint8Array, onUnknown?: UnknownFieldSink): KubeObject {
  const env = decodeEnvelope(body);
  if (env.kind === '') throw new MalformedProtobufError("Object 'Kind' is missing in the protobuf envelope");
  if (env.contentEncoding !== '') throw new UnsupportedProtobufKindError(`the protobuf envelope's content encoding ${JSON.stringify(env.contentEncoding)} is not supported`);
  const plan = messageForKind(env.apiVersion, env.kind);
  if (plan === undefined) {
    throw new UnsupportedProtobufKindError(`no protobuf schema for kind ${JSON.stringify(env.kind)} in version ${JSON.stringify(env.apiVersion)}; send it as application/json`);
  }
  const obj = decodeMessage(plan, env.raw, env.kind, onUnknown);
  return { kind: env.kind, apiVersion: env.apiVersion, ...obj } as KubeObject;
}

/** EncodableObject is anything with kind and apiVersion that capstan answers with. */
export type EncodableObject = { readonly kind?: string; readonly apiVersion?: string };

/**
 * encodeProtobufObject writes an object (or list, or Status) as kube-apiserver would send it in protobuf. An
 * object without a schema, or with a field outside it, throws UnencodableObjectError (406), unless lenient,
 * which drops such fields.
 */
export function encodeProtobufObject<T extends EncodableObject>(obj: T, lenient = false): Buffer {
  const apiVersion = obj.apiVersion ?? '';
  const kind = obj.kind ?? '';
  const plan = messageForKind(apiVersion, kind);
  if (plan === undefined) throw new UnencodableObjectError(`no protobuf schema for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`);
  // kind and apiVersion travel in the envelope, not in the message.
  const { kind: _kind, apiVersion: _apiVersion, ...fields } = obj;
  return encodeEnvelope(apiVersion, kind, encodeMessage(plan, fields, lenient));
}

/**
 * encodeProtobufWatchFrame writes one watch event as a frame of a protobuf watch stream (see the module
 * comment); the event's object must carry its kind and apiVersion.
 */
export function encodeProtobufWatchFrame(ev: WatchEvent<KubeObject>, lenient = false): Buffer {
  const object = encodeProtobufObject(ev.object as EncodableObject, lenient);
  const w = protobuf.Writer.create();
  w.uint32(0x0a).string(ev.type);
  w.uint32(0x12).fork();
  w.uint32(0x0a).bytes(object);
  w.ldelim();
  const event = w.finish();
  const frame = Buffer.alloc(4 + event.length);
  frame.writeUInt32BE(event.length, 0);
  frame.set(event, 4);
  return frame;
}

/**
 * decodeProtobufWatchEvent reads one frame's WatchEvent (without its length prefix) into the event as JSON,
 * as client-go does: the type, and the enveloped object decoded by its own kind. The object's RawExtension is
 * read off the wire here: its JSON form (the raw JSON) does not fit the protobuf bytes it carries in a watch.
 */
export function decodeProtobufWatchEvent(event: Uint8Array): WatchEvent<KubeObject> {
  const r = protobuf.Reader.create(event);
  let type = '';
  let raw: Uint8Array = new Uint8Array(0);
  while (r.pos < r.len) {
    const key = r.uint32();
    if (key === 0x0a) type = r.string();
    else if (key === 0x12) {
      const ext = protobuf.Reader.create(r.bytes());
      while (ext.pos < ext.len) {
        const k = ext.uint32();
        if (k === 0x0a) raw = ext.bytes();
        else ext.skipType(k & 7);
      }
    } else r.skipType(key & 7);
  }
  return { type: type as WatchEvent['type'], object: decodeProtobufObject(raw) };
}
