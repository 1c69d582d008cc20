import * as grpc from '@grpc/grpc-js';
import type { StoreMetrics } from '../metrics.js';
import type { UnaryHandler } from './handler.js';

/**
 * The client gRPC API's Prometheus series, as etcd serves them: go-grpc-prometheus's server series
 * (grpc_server_started_total, _handled_total, _msg_received_total, _msg_sent_total, and with
 * --metrics=extensive _handling_seconds) for unary calls and streams, and etcd's own count of message bytes
 * (etcd_network_client_grpc_received_bytes_total and _sent_bytes_total, which etcd's codec counts).
 *
 * Unary calls are counted around their handlers (countedUnary), so both the fast path and grpc-js count them,
 * and a call refused before its handler — undecodable, or by etcd's interceptor rules (call-rules.ts) — is not
 * counted, as go-grpc-prometheus in etcd never sees it. Streams are counted by a grpc-js server interceptor
 * (stream-interceptor.ts), which applies the rules first.
 */

/**
 * GO_CODE_NAMES are the gRPC codes as grpc-go names them (codes.Code.String()), which etcd's grpc_code labels
 * carry: FailedPrecondition, not grpc-js's FAILED_PRECONDITION.
 */
const GO_CODE_NAMES: readonly string[] = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

/** codeName is a gRPC code's grpc-go name, as etcd's grpc_code labels carry it. */
export function codeName(code: number): string {
  return GO_CODE_NAMES[code] ?? String(code);
}

type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

/** CallLabels are a method's series labels, in the order Go's client sorts them (prom-client keeps the order given). */
export interface CallLabels {
  grpc_method: string;
  grpc_service: string;
  grpc_type: GrpcType;
}

/** callLabels are the labels of a method's series, from its path (`/service/Method`) and streaming flags. */
export function callLabels(method: { path: string; requestStream: boolean; responseStream: boolean }): CallLabels {
  const slash = method.path.lastIndexOf('/');
  const type: GrpcType = method.requestStream ? (method.responseStream ? 'bidi_stream' : 'client_stream') : method.responseStream ? 'server_stream' : 'unary';
  return { grpc_method: method.path.slice(slash + 1), grpc_service: method.path.slice(1, slash), grpc_type: type };
}

/** countedUnary wraps a unary handler so that each call is counted as started, received, sent and handled. */
export function countedUnary<Req, Resp>(service: string, method: string, handler: UnaryHandler<Req, Resp>, metrics: StoreMetrics | undefined): UnaryHandler<Req, Resp> {
  if (metrics === undefined) return handler;
  const labels: CallLabels = { grpc_method: method, grpc_service: service, grpc_type: 'unary' };
  const started = metrics.grpcStarted.labels(labels);
  const received = metrics.grpcMsgReceived.labels(labels);
  const sent = metrics.grpcMsgSent.labels(labels);
  const handledOk = metrics.grpcHandled.labels({ grpc_code: 'OK', ...labels });
  const handling = metrics.grpcHandlingSeconds?.labels(labels);
  return (call, callback) => {
    started.inc();
    received.inc();
    const timed = handling?.startTimer();
    handler(call, (err, value) => {
      if (err === null) {
        handledOk.inc();
        sent.inc();
      } else {
        metrics.grpcHandled.inc({ grpc_code: codeName(err.code), ...labels });
      }
      timed?.();
      callback(err, value);
    });
  };
}

/**
 * withByteCounts counts every message of a service's methods, received and sent, by its encoded length — etcd's
 * codec counts what it unmarshals and marshals — whichever path (fast path or grpc-js) serves the call.
 */
export function withByteCounts(def: grpc.ServiceDefinition, metrics: StoreMetrics): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const received = metrics.clientReceivedBytes;
  const sent = metrics.clientSentBytes;
  for (const [name, m] of Object.entries(def)) {
    const method = m as grpc.MethodDefinition<unknown, unknown>;
    const decode = method.requestDeserialize;
    const encode = method.responseSerialize;
    out[name] = {
      ...method,
      requestDeserialize: (b: Buffer) => {
        received.inc(b.length);
        return decode(b);
      },
      responseSerialize: (value: unknown) => {
        const b = encode(value);
        sent.inc(b.length);
        return b;
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

/**
 * initSeries creates every series of a service's methods at zero — started, messages, and handled for every code —
 * as go-grpc-prometheus's Register does for etcd, so a rate over a code never seen reads 0 rather than no data.
 */
export function initSeries(def: grpc.ServiceDefinition, metrics: StoreMetrics): void {
  for (const m of Object.values(def)) {
    const labels = callLabels(m as grpc.MethodDefinition<unknown, unknown>);
    metrics.grpcStarted.inc(labels, 0);
    metrics.grpcMsgReceived.inc(labels, 0);
    metrics.grpcMsgSent.inc(labels, 0);
    metrics.grpcHandlingSeconds?.zero(labels);
    for (const code of GO_CODE_NAMES) metrics.grpcHandled.inc({ grpc_code: code, ...labels }, 0);
  }
}
