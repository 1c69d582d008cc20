import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../util/logger.js';
import { toGrpcError } from '../errors.js';
import type { StoreMetrics } from '../metrics.js';
import { countedUnary } from './rpc-metrics.js';

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
 * unary wraps a unary handler: the promise's value is the response; anything thrown is translated into the
 * gRPC status etcd would send (one table, errors.ts), logged at debug, and counted (rpc-metrics.ts).
 */
export function unary<Req, Resp>(
  service: string,
  method: string,
  fn: (req: Req, call: UnaryCallLike<Req>) => Promise<Resp>,
  log: Logger,
  metrics: StoreMetrics | undefined,
): UnaryHandler<Req, Resp> {
  const handler: UnaryHandler<Req, Resp> = (call, callback) => {
    fn(call.request, call).then(
      (resp) => callback(null, resp),
      (err: unknown) => {
        const st = toGrpcError(err);
        log.debug({ err, method: `${service}/${method}`, code: st.code }, 'grpc: request failed');
        callback({ code: st.code, details: st.details });
      },
    );
  };
  return countedUnary(service, method, handler, metrics);
}

/**
 * failStream ends a server stream with the gRPC status etcd would send for err. grpc-js sends a status for an
 * 'error' emitted on the call (its documented way); `destroy(err)` would send none, leaving the client waiting.
 */
export function failStream(call: NodeJS.EventEmitter & { readonly writableEnded: boolean; readonly destroyed: boolean }, err: unknown): void {
  if (call.writableEnded || call.destroyed) return;
  const st = toGrpcError(err);
  const e = new Error(st.details) as grpc.ServiceError;
  e.code = st.code;
  e.details = st.details;
  e.metadata = new grpc.Metadata();
  call.emit('error', e);
}
