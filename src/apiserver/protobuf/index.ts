/**
 * The Kubernetes protobuf wire format (`application/vnd.kubernetes.protobuf`) for capstan's API server: the
 * schema in proto/k8s/, the codec between its messages and capstan's JSON objects, the envelope and watch
 * frames, and content negotiation.
 */
export * from './errors.js';
export {
  decodeProtobufObject,
  decodeProtobufWatchEvent,
  encodeProtobufObject,
  encodeProtobufWatchFrame,
  PROTOBUF_MAGIC,
  PROTOBUF_MEDIA_TYPE,
  PROTOBUF_WATCH_MEDIA_TYPE,
  type EncodableObject,
} from './envelope.js';
export type { UnknownFieldSink } from './go-json-codec.js';
export { messageForKind } from './kinds.js';
export type { MessagePlan } from './schema.js';
export { acceptsJson, parseAccept, prefersProtobuf, protobufBody, watchInProtobuf, type MediaRange } from './negotiate.js';
