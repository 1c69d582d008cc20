/**
 * The store's protobuf schema, loaded once from the repository's proto/ directory: etcd's v3 API
 * (etcdserverpb, mvccpb, authpb; wire-compatible with etcdctl and the npm etcd3 client) and capstan's Raft
 * payload (capstanpb.InternalRaftRequest).
 *
 * The files are parsed once into one protobufjs Root; the gRPC service definitions are built from that same
 * Root by @grpc/proto-loader, so the services and the codecs below can never disagree about the schema.
 * Messages cross the gRPC boundary in the shape described in types.ts (camelCase, 64-bit integers as
 * decimal strings, bytes as Buffer, enums by name, defaults filled, oneofs named).
 *
 * The loaded schema is immutable and memoised: loadProtos() parses on first use only.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { InternalRaftRequest, KeyValue as WireKeyValue } from './types.js';
import type { KeyValue } from '../mvcc/types.js';
import { decodeKvEntry, encodeKvEntry, encodeMvccKeyValue } from './fast-codec.js';

/** PROTO_DIR is the absolute path of proto/ — resolved the same from src/store/grpc (tsx) and dist/store/grpc. */
export const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

/** PROTO_FILES are the roots of the schema, relative to PROTO_DIR; their imports are resolved there too. */
export const PROTO_FILES: readonly string[] = ['etcdserverpb/rpc.proto', 'capstanpb/internal.proto'];

/**
 * CONVERSION_OPTIONS are the object conversion options used at every boundary (gRPC and Raft payloads
 * alike), so a request decoded from the WAL looks exactly like one a gRPC handler received.
 */
export const CONVERSION_OPTIONS = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

/** ServiceName names the six etcd v3 services. */
export type ServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance' | 'Auth';

/** SERVICE_NAMES lists the etcd v3 services capstan serves, in etcd's rpc.proto order. */
export const SERVICE_NAMES: readonly ServiceName[] = ['KV', 'Watch', 'Lease', 'Cluster', 'Maintenance', 'Auth'];

/** Protos is the loaded schema: the Root, the gRPC definitions and the Types the store encodes directly. */
export interface Protos {
  /** root holds every message type; resolve others with root.lookupType('etcdserverpb.X'). */
  readonly root: protobuf.Root;
  /** packageDefinition is proto-loader's view, for grpc.loadPackageDefinition. */
  readonly packageDefinition: protoLoader.PackageDefinition;
  /** services are the server-side definitions: server.addService(services.KV, impl). */
  readonly services: Readonly<Record<ServiceName, grpc.ServiceDefinition>>;
  /** clients are the generated client constructors: new clients.KV(target, credentials). */
  readonly clients: Readonly<Record<ServiceName, grpc.ServiceClientConstructor>>;
  /** types are the Types the store encodes without gRPC. */
  readonly types: {
    readonly KeyValue: protobuf.Type;
    readonly Event: protobuf.Type;
    readonly InternalRaftRequest: protobuf.Type;
  };
}

let loaded: Protos | undefined;

/** loadProtos parses the schema on first call and returns the same Protos on every later call. */
export function loadProtos(): Protos {
  loaded ??= parseProtos();
  return loaded;
}

function parseProtos(): Protos {
  const root = new protobuf.Root();
  // Imports name files relative to proto/ ("mvccpb/kv.proto"), not to the importing file.
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
  root.loadSync([...PROTO_FILES], { keepCase: false });
  root.resolveAll();

  // keepCase does not apply here: the names in the JSON are already camelCase from the parse above.
  const packageDefinition = protoLoader.fromJSON(root.toJSON(), { ...CONVERSION_OPTIONS });
  const grpcObject = grpc.loadPackageDefinition(packageDefinition);
  const etcdserverpb = grpcObject['etcdserverpb'];
  if (etcdserverpb === undefined || typeof etcdserverpb === 'function' || isProtobufTypeDefinition(etcdserverpb)) {
    throw new Error(`proto: package etcdserverpb not found in ${PROTO_DIR}`);
  }
  const clients = {} as Record<ServiceName, grpc.ServiceClientConstructor>;
  const services = {} as Record<ServiceName, grpc.ServiceDefinition>;
  for (const name of SERVICE_NAMES) {
    const ctor = etcdserverpb[name];
    if (typeof ctor !== 'function') throw new Error(`proto: service etcdserverpb.${name} not found`);
    clients[name] = ctor;
    services[name] = ctor.service;
  }
  return {
    root,
    packageDefinition,
    services,
    clients,
    types: {
      KeyValue: root.lookupType('mvccpb.KeyValue'),
      Event: root.lookupType('mvccpb.Event'),
      InternalRaftRequest: root.lookupType('capstanpb.InternalRaftRequest'),
    },
  };
}

function isProtobufTypeDefinition(v: grpc.GrpcObject | grpc.ProtobufTypeDefinition): v is grpc.ProtobufTypeDefinition {
  return typeof v.format === 'string' && 'type' in v;
}

// ------------------------------------------------------------------------------------ KeyValue codec

/** MvccKeyValue is a mvccpb.KeyValue as the MVCC layer holds it (see mvcc/types.ts). */
export type MvccKeyValue = KeyValue;

/** The two shapes protobufjs decodes an int64 into: a Long when the long package is present, else a number. */
type DecodedInt64 = number | { low: number; high: number; unsigned: boolean };

// Absent fields read through to the prototype's defaults: a Long zero, and an empty array for bytes.
interface DecodedKeyValue {
  key?: Uint8Array | readonly never[];
  createRevision?: DecodedInt64;
  modRevision?: DecodedInt64;
  version?: DecodedInt64;
  value?: Uint8Array | readonly never[];
  lease?: DecodedInt64;
}

const EMPTY = Buffer.alloc(0);
const TWO_32 = 4294967296;

/**
 * encodeKeyValue writes kv as mvccpb.KeyValue bytes, exactly as etcd stores it in its key bucket: zero
 * fields are left out (proto3), so a KeyValue without lease costs no lease bytes.
 */
export function encodeKeyValue(kv: MvccKeyValue): Uint8Array {
  return encodeMvccKeyValue(kv);
}

/**
 * decodeKeyValue reads mvccpb.KeyValue bytes. key and value are views into bytes (no copy): the caller
 * must not reuse the input buffer while it holds the result. It throws a RangeError if a revision or
 * version is beyond the safe-integer range, and protobufjs's error on malformed bytes.
 */
export function decodeKeyValue(bytes: Uint8Array): MvccKeyValue {
  const m = loadProtos().types.KeyValue.decode(asBuffer(bytes)) as unknown as DecodedKeyValue;
  return {
    key: m.key instanceof Uint8Array ? asBuffer(m.key) : EMPTY,
    createRevision: int64ToNumber(m.createRevision),
    modRevision: int64ToNumber(m.modRevision),
    version: int64ToNumber(m.version),
    value: m.value instanceof Uint8Array ? asBuffer(m.value) : EMPTY,
    lease: int64ToBigInt(m.lease),
  };
}

/** toWireKeyValue converts an MvccKeyValue to the shape the gRPC serializers take (types.ts KeyValue). */
export function toWireKeyValue(kv: MvccKeyValue): WireKeyValue {
  return {
    key: kv.key,
    createRevision: String(kv.createRevision),
    modRevision: String(kv.modRevision),
    version: String(kv.version),
    value: kv.value,
    lease: kv.lease.toString(),
  };
}

// ------------------------------------------------------------------------ InternalRaftRequest codec

/**
 * encodeInternalRequest writes req as capstanpb.InternalRaftRequest bytes, the payload of a normal Raft
 * entry. req is in the types.ts shape (as a gRPC handler received its part); enum names, decimal strings
 * and Buffers are converted by the Type's generated fromObject, not through JSON.
 */
export function encodeInternalRequest(req: InternalRaftRequest): Uint8Array {
  // KV requests, nearly every entry, are written by hand (fast-codec.ts): the same protobuf, without Long objects.
  const fast = encodeKvEntry(req);
  if (fast !== undefined) return fast;
  const type = loadProtos().types.InternalRaftRequest;
  return type.encode(type.fromObject(req)).finish();
}

/**
 * decodeInternalRequest reads capstanpb.InternalRaftRequest bytes into the types.ts shape, with the same
 * conversion a gRPC handler's request gets; `request` names the member of the oneof that is set. Buffers in
 * the result are views into bytes.
 */
export function decodeInternalRequest(bytes: Uint8Array): InternalRaftRequest {
  const buf = asBuffer(bytes);
  const fast = decodeKvEntry(buf);
  if (fast !== undefined) return fast;
  const type = loadProtos().types.InternalRaftRequest;
  return type.toObject(type.decode(buf), CONVERSION_OPTIONS) as InternalRaftRequest;
}

// ---------------------------------------------------------------------------------------------- helpers

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function int64ToNumber(v: DecodedInt64 | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  // Safe integers have |value| < 2^53, i.e. the high word within [-2^21, 2^21).
  if (v.high < -0x200000 || v.high >= 0x200000 || (v.unsigned && v.high < 0)) {
    throw new RangeError(`mvccpb: int64 ${int64ToBigInt(v)} exceeds the safe integer range`);
  }
  return v.high * TWO_32 + (v.low >>> 0);
}

function int64ToBigInt(v: DecodedInt64 | undefined): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  const hi = v.unsigned ? BigInt(v.high >>> 0) : BigInt(v.high);
  return (hi << 32n) | BigInt(v.low >>> 0);
}
