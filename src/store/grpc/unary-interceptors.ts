import * as grpc from '@grpc/grpc-js';
import type { ClientRequests } from '../metrics.js';
import { unaryRefusal, type CallRulesHost } from './call-rules.js';
import type { UnaryCallLike, UnaryError, UnaryHandler } from './handler.js';

/**
 * withEtcdUnaryInterceptors does for a service's unary calls what etcd's unary interceptors (and grpc-go before
 * them) do. It makes the service answer undecodable unary requests as etcd (grpc-go) does — INTERNAL
 * with "grpc: error unmarshalling request: …" — instead of grpc-js's "Error deserializing request". The
 * definition it returns receives raw bytes; each unary handler decodes them itself first. Streaming methods
 * keep grpc-js's decoding. A decoded call then meets etcd's interceptor rules (call-rules.ts: learner, `hasleader`)
 * before its handler, in grpc-go's order: decode, interceptors, handler.
 */
export function withEtcdUnaryInterceptors<T extends object>(def: grpc.ServiceDefinition, impl: T, host: CallRulesHost, counted?: ClientRequests): { def: grpc.ServiceDefinition; impl: T } {
  const outDef: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const outImpl: Record<string, unknown> = { ...(impl as Record<string, unknown>) };
  for (const [name, m] of Object.entries(def)) {
    const method = m as grpc.MethodDefinition<unknown, unknown>;
    if (method.requestStream || method.responseStream) {
      outDef[name] = method;
      continue;
    }
    const decode = method.requestDeserialize;
    outDef[name] = { ...method, requestDeserialize: (b: Buffer) => b };
    const handler = (impl as Record<string, unknown>)[name] as UnaryHandler<unknown, unknown> | undefined;
    if (handler === undefined) continue;
    outImpl[name] = ((call: UnaryCallLike<unknown>, callback: (err: UnaryError | null, value?: unknown) => void) => {
      let request: unknown;
      try {
        request = decode(call.request as Buffer);
      } catch (err) {
        callback({ code: grpc.status.INTERNAL, details: `grpc: error unmarshalling request: ${goMessage(err)}` });
        return;
      }
      const refused = unaryRefusal(host, method.path, request, call.metadata, counted);
      if (refused !== undefined) {
        callback(refused);
        return;
      }
      (call as { request: unknown }).request = request;
      handler(call, callback);
    }) satisfies UnaryHandler<unknown, unknown>;
  }
  return { def: outDef as grpc.ServiceDefinition, impl: outImpl as T };
}

/** goMessage words a protobufjs decode error as Go's protobuf decoder would. */
function goMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/index out of range/.test(msg)) return 'unexpected EOF';
  const wire = /invalid wire type (\d+)/.exec(msg);
  if (wire !== null) return `proto: wrong wireType = ${wire[1]}`;
  return `proto: ${msg}`;
}
