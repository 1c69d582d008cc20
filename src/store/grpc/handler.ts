import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../util/logger.js';
import { toGrpcError } from '../errors.js';
import type { StoreMetrics } from '../metrics.js';

/**
 * UnaryCallLike is what capstan's unary handlers read of a call: the request and the request metadata. Both
 * grpc-js's ServerUnaryCall and the store's fast path (unary-fast-path.ts) provide it.
 */
export interface UnaryCallLike<Req> {
  request: Req;
  metadata: { get(key: string): grpc.MetadataValue[] };
}

/** UnaryError is how capstan's unary handlers fail a call: always a gRPC code and its message. */
export interface UnaryError {
  code: grpc.status;
  details: string;
}

/**
 * UnaryHandler is a unary method's implementation, narrowed to what capstan reads of the call and answers
 * (no trailers or flags); grpc-js's own callback satisfies it.
 */
export type UnaryHandler<Req, Resp> = (call: UnaryCallLike<Req>, callback: (err: UnaryError | null, value?: Resp) => void) => void;

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

/**
 * unary wraps a unary handler: the promise's value is the response; anything thrown is translated into the
 * gRPC status etcd would send (one table, errors.ts), logged at debug, and counted.
 */
export function unary<Req, Resp>(
  service: string,
  method: string,
  fn: (req: Req, call: UnaryCallLike<Req>) => Promise<Resp>,
  log: Logger,
  metrics: StoreMetrics | undefined,
): UnaryHandler<Req, Resp> {
  // Labels in the order Go's client sorts them, so the series read as etcd's (prom-client writes them in the
  // order first given).
  const handledOk = metrics?.grpcHandled.labels({ grpc_code: 'OK', grpc_method: method, grpc_service: service, grpc_type: 'unary' });
  const handling = metrics?.grpcHandlingSeconds?.labels({ grpc_method: method, grpc_service: service, grpc_type: 'unary' });
  return (call, callback) => {
    const timed = handling?.startTimer();
    fn(call.request, call).then(
      (resp) => {
        handledOk?.inc();
        timed?.();
        callback(null, resp);
      },
      (err: unknown) => {
        const st = toGrpcError(err);
        metrics?.grpcHandled.inc({ grpc_code: GO_CODE_NAMES[st.code] ?? String(st.code), grpc_method: method, grpc_service: service, grpc_type: 'unary' });
        timed?.();
        log.debug({ err, method: `${service}/${method}`, code: st.code }, 'grpc: request failed');
        callback({ code: st.code, details: st.details });
      },
    );
  };
}

/** grpcStatusError builds the error object grpc-js streams are destroyed with. */
export function grpcStatusError(err: unknown): grpc.ServiceError {
  const st = toGrpcError(err);
  const e = new Error(st.details) as grpc.ServiceError;
  e.code = st.code;
  e.details = st.details;
  e.metadata = new grpc.Metadata();
  return e;
}
