/**
 * KeyValue is one revision of a key as MVCC stores and serves it (mvccpb.KeyValue). Keys and values are
 * bytes; the key is also kept as a latin1 string for ordering. The lease ID is a 64-bit bigint (0n: none).
 */
export interface KeyValue {
  key: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Buffer;
  lease: bigint;
}

/** EventType is mvccpb.Event.EventType. */
export type EventType = 'PUT' | 'DELETE';

/** MvccEvent is one change, as watchers receive it. prevKv is the key's previous live revision, if any. */
export interface MvccEvent {
  type: EventType;
  kv: KeyValue;
  prevKv: KeyValue | undefined;
}

/** KeyValueCodec turns KeyValues into the bytes stored under revision keys (mvccpb.KeyValue protobuf). */
export interface KeyValueCodec {
  encode(kv: KeyValue): Uint8Array;
  decode(bytes: Uint8Array): KeyValue;
}

/** keyString is the ordering form of a key: bytes as a latin1 string. */
export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** keyBytes is the inverse of keyString. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}
