import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../store/grpc/proto.js';
import type { HashKVResponse, StatusResponse } from '../../store/grpc/types.js';

/** maintenanceCall calls one unary Maintenance method on one member's client URL, with a deadline. */
function maintenanceCall<T>(clientURL: string, method: 'Status' | 'HashKV', req: object, timeoutMs: number): Promise<T> {
  const u = new URL(clientURL);
  const Client = loadProtos().clients.Maintenance;
  const client = new Client(`${u.hostname}:${u.port}`, grpc.credentials.createInsecure());
  return new Promise<T>((resolve, reject) => {
    const call = client as unknown as Record<typeof method, (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, resp: T) => void) => void>;
    call[method](req, { deadline: Date.now() + timeoutMs }, (err, resp) => {
      client.close();
      if (err !== null) reject(err);
      else resolve(resp);
    });
  });
}

/** memberStatus calls Maintenance.Status on one member's client URL, with a deadline. */
export function memberStatus(clientURL: string, timeoutMs = 2000): Promise<StatusResponse> {
  return maintenanceCall<StatusResponse>(clientURL, 'Status', {}, timeoutMs);
}

/** memberHashKV calls Maintenance.HashKV at revision (0: the current one) on one member's client URL. */
export function memberHashKV(clientURL: string, revision: number, timeoutMs = 5000): Promise<HashKVResponse> {
  return maintenanceCall<HashKVResponse>(clientURL, 'HashKV', { revision: String(revision) }, timeoutMs);
}
