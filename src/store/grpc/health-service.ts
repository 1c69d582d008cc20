import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { UnknownServiceError } from '../errors.js';
import type { StoreMetrics } from '../metrics.js';
import type { Logger } from '../../util/logger.js';
import { unary, type UnaryHandler } from './handler.js';
import { PROTO_DIR } from './proto.js';

/**
 * The standard gRPC health service (grpc.health.v1.Health), as etcd 3.4 registers it on its client port: the
 * empty service name — etcd's name for all its services — is SERVING for as long as the member serves; any other
 * name is unknown (Check: NOT_FOUND "unknown service"; Watch: SERVICE_UNKNOWN). Probes such as grpc_health_probe
 * and Kubernetes' gRPC liveness probes use it.
 */

/** HealthCheckRequest and HealthCheckResponse are the protocol's messages, as the handlers see them. */
interface HealthCheckRequest {
  service: string;
}
interface HealthCheckResponse {
  status: 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
}

const TO_OBJECT = { enums: String, defaults: true } as const;

let definition: grpc.ServiceDefinition | undefined;

/**
 * healthServiceDefinition is grpc.health.v1.Health's definition, with protobufjs codecs built from its proto:
 * parsed on the first call (not at import, as loadProtos) and the same on every later one.
 */
export function healthServiceDefinition(): grpc.ServiceDefinition {
  definition ??= parseHealthService();
  return definition;
}

function parseHealthService(): grpc.ServiceDefinition {
  const root = protobuf.loadSync(path.join(PROTO_DIR, 'grpc/health/v1/health.proto'));
  const requestType = root.lookupType('grpc.health.v1.HealthCheckRequest');
  const responseType = root.lookupType('grpc.health.v1.HealthCheckResponse');
  const method = (name: string, responseStream: boolean): grpc.MethodDefinition<HealthCheckRequest, HealthCheckResponse> => ({
    path: `/grpc.health.v1.Health/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: (m) => Buffer.from(requestType.encode(requestType.fromObject(m)).finish()),
    requestDeserialize: (b) => requestType.toObject(requestType.decode(b), TO_OBJECT) as HealthCheckRequest,
    responseSerialize: (m) => Buffer.from(responseType.encode(responseType.fromObject(m)).finish()),
    responseDeserialize: (b) => responseType.toObject(responseType.decode(b), TO_OBJECT) as HealthCheckResponse,
  });
  return { Check: method('Check', false), Watch: method('Watch', true) };
}

/** ALL_SERVICES is the service name that stands for every service the member serves. */
const ALL_SERVICES = '';

/** healthService implements healthServiceDefinition(): see the module comment. */
export function healthService(
  log: Logger,
  metrics: StoreMetrics | undefined,
): { Check: UnaryHandler<HealthCheckRequest, HealthCheckResponse>; Watch: grpc.handleServerStreamingCall<HealthCheckRequest, HealthCheckResponse> } {
  return {
    Check: unary<HealthCheckRequest, HealthCheckResponse>(
      'grpc.health.v1.Health',
      'Check',
      (req) => (req.service === ALL_SERVICES ? Promise.resolve({ status: 'SERVING' }) : Promise.reject(new UnknownServiceError())),
      log,
      metrics,
    ),
    // The status never changes while the member serves, so a watch gets one answer and stays open until the
    // client goes away (or the server stops).
    Watch: (call) => {
      call.write({ status: call.request.service === ALL_SERVICES ? 'SERVING' : 'SERVICE_UNKNOWN' });
      call.on('error', () => undefined);
    },
  };
}
